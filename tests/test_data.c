/*
 * test_data.c - generated data sets: input laws, teacher moments, harmonics,
 * the modular table and rejected specifications.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "data.h"

static gs_data_spec base_spec(const char *inputs, const char *teacher)
{
    gs_data_spec s = {.inputs = inputs, .teacher = teacher, .harmonics = "", .n = 20000, .n_test = 10,
                      .d = 8, .P = 7, .train_frac = 1, .eps = 0.5, .seed = 3};
    return s;
}

static void data_sphere_inputs_have_radius_sqrt_d(void **state)
{
    char err[256];
    gs_dataset ds;
    gs_data_spec s = base_spec("sphere", "linear");
    s.n = 100;
    assert_int_equal(gs_data_generate(&ds, &s, err, sizeof err), 0);
    for (int i = 0; i < ds.n; i++) {
        double sq = 0;
        for (int k = 0; k < ds.d; k++)
            sq += (double)ds.x_train[i * ds.d + k] * ds.x_train[i * ds.d + k];
        assert_float_equal(sq, 8.0, 1e-4);
    }
    gs_dataset_free(&ds);
}

static void data_he3_teacher_has_norm_six(void **state)
{
    char err[256];
    gs_dataset ds;
    gs_data_spec s = base_spec("gaussian", "he3");
    assert_int_equal(gs_data_generate(&ds, &s, err, sizeof err), 0);
    double m2 = 0, m4 = 0, cross = 0;
    for (int i = 0; i < ds.n; i++) {
        double y = ds.y_train[i];
        m2 += y * y / ds.n;
        m4 += pow(y, 4) / ds.n;
        cross += y * ds.x_train[i * ds.d] / ds.n;  /* <He3, He1> = 0 */
    }
    /* E[He3^2] = 3! = 6; its sampling sd is sqrt(Var(He3^2)/n) with E[He3^4] = 1296+... (~ 6.9/sqrt(n)). */
    double se = sqrt((m4 - m2 * m2) / ds.n);
    assert_float_equal(m2, 6.0, 5 * se);
    assert_float_equal(cross, 0.0, 5 * sqrt(m2 / ds.n));
    gs_dataset_free(&ds);
}

static void data_harmonics_are_unit_and_orthogonal(void **state)
{
    char err[256];
    gs_dataset a, b;
    gs_data_spec s = base_spec("sphere", "harmonics");
    s.harmonics = "2";
    assert_int_equal(gs_data_generate(&a, &s, err, sizeof err), 0);
    s.harmonics = "3";
    assert_int_equal(gs_data_generate(&b, &s, err, sizeof err), 0);
    double m2a = 0, m2b = 0, cross = 0, m1 = 0;
    for (int i = 0; i < a.n; i++) {
        m2a += (double)a.y_train[i] * a.y_train[i] / a.n;
        m2b += (double)b.y_train[i] * b.y_train[i] / a.n;
        cross += (double)a.y_train[i] * b.y_train[i] / a.n;
        m1 += a.y_train[i] / (double)a.n;
    }
    /* Same seed, so both sets share x; zonal harmonics of degree l have E[y^2] = 1. */
    assert_float_equal(m2a, 1.0, 0.08);
    assert_float_equal(m2b, 1.0, 0.08);
    assert_float_equal(cross, 0.0, 0.05);
    assert_float_equal(m1, 0.0, 0.05);
    gs_dataset_free(&a);
    gs_dataset_free(&b);
}

static void data_gegenbauer_and_multiplicity(void **state)
{
    for (int l = 0; l < 8; l++) {
        assert_float_equal(gs_gegenbauer(l, 10, 1.0), 1.0, 1e-12);
        assert_float_equal(gs_harmonic_multiplicity(3, l), 2 * l + 1, 1e-9);
    }
    /* d = 3: Legendre P_2(t) = (3t^2 - 1)/2. */
    assert_float_equal(gs_gegenbauer(2, 3, 0.3), (3 * 0.09 - 1) / 2, 1e-12);
    /* N(64, 3) = (2*3 + 62)/3 * binom(64, 2) = 68/3 * 2016 = 45696. */
    assert_float_equal(gs_harmonic_multiplicity(64, 3), 45696.0, 1e-6);
}

static void data_modular_table_is_exact(void **state)
{
    char err[256];
    gs_dataset ds;
    gs_data_spec s = base_spec("onehot-pairs", "modular");
    assert_int_equal(gs_data_generate(&ds, &s, err, sizeof err), 0);
    assert_int_equal(ds.n, 49);
    assert_int_equal(ds.d, 14);
    assert_int_equal(ds.c, 7);
    for (int i = 0; i < ds.n; i++) {
        int a = -1, b = -1, label = -1;
        for (int k = 0; k < 7; k++) {
            if (ds.x_train[i * 14 + k] == 1) a = k;
            if (ds.x_train[i * 14 + 7 + k] == 1) b = k;
            if (ds.y_train[i * 7 + k] == 1) label = k;
        }
        assert_true(a >= 0 && b >= 0);
        assert_int_equal(label, (a + b) % 7);
    }
    gs_dataset_free(&ds);

    s.train_frac = 0.3;
    assert_int_equal(gs_data_generate(&ds, &s, err, sizeof err), 0);
    assert_int_equal(ds.n, 15);
    assert_int_equal(ds.n_test, 34);
    gs_dataset_free(&ds);
}

static void data_rejects_unknown_teacher(void **state)
{
    char err[256];
    gs_dataset ds;
    gs_data_spec s = base_spec("gaussian", "quartic");
    assert_int_equal(gs_data_generate(&ds, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "teacher = quartic"));
    s = base_spec("gaussian", "harmonics");
    s.harmonics = "two";
    assert_int_equal(gs_data_generate(&ds, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "harmonics"));
    s = base_spec("onehot-pairs", "modular");
    s.train_frac = 1.5;
    assert_int_equal(gs_data_generate(&ds, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "train_frac"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(data_sphere_inputs_have_radius_sqrt_d),
        cmocka_unit_test(data_he3_teacher_has_norm_six),
        cmocka_unit_test(data_harmonics_are_unit_and_orthogonal),
        cmocka_unit_test(data_gegenbauer_and_multiplicity),
        cmocka_unit_test(data_modular_table_is_exact),
        cmocka_unit_test(data_rejects_unknown_teacher),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
