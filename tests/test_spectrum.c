/*
 * test_spectrum.c - Funk-Hecke eigenvalues of NNGP kernels on the sphere,
 * multiplicities, Gegenbauer polynomials, and the effective-ridge forms.
 *
 * Reference eigenvalues were computed independently for |x|^2 = d and
 * sigma_w2 = sigma_a2 = 1 without biases; each is checked to half a unit in
 * its last quoted digit.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nngp.h"
#include "spectrum.h"

static void eigenvalues(nngp_activation act, int d, int lmax, double *lambda)
{
    nngp_kernel kernel;
    char err[256];
    assert_int_equal(nngp_init(&kernel, act, 1, 1.0, 1.0, 0.0, err, sizeof err), 0);
    nngp_sphere sphere = {.kernel = &kernel, .d = d};
    assert_int_equal(spectrum_sphere_eigenvalues(nngp_sphere_profile, &sphere, d, lmax, 0,
                                                 lambda, err, sizeof err), 0);
}

/* value quoted with a given number of significant digits, or an exact 0 */
typedef struct {
    int l;
    double value;
    double half_unit; /* half a unit in the last quoted digit */
} reference;

static void check_table(nngp_activation act, int d, const reference *ref, int count)
{
    double lambda[8];
    eigenvalues(act, d, 7, lambda);
    for (int i = 0; i < count; i++) {
        double got = lambda[ref[i].l];
        if (!(fabs(got - ref[i].value) <= ref[i].half_unit))
            fail_msg("%s d = %d lambda_%d = %.6g, table %.6g", nngp_activation_name(act), d,
                     ref[i].l, got, ref[i].value);
    }
}

static void relu_table_entries(void **state)
{
    (void)state;
    const reference d3[] = {
        {0, 0.1875, 5e-5}, {1, 0.08333, 5e-6}, {2, 0.01172, 5e-6},
        {4, 3.255e-4, 5e-8}, {6, 4.578e-5, 5e-9},
    };
    const reference d5[] = {{0, 0.1758, 5e-5}, {1, 0.05, 5e-3}, {2, 4.883e-3, 5e-7},
                            {4, 7.629e-5, 5e-9}, {6, 6.866e-6, 5e-10}};
    const reference d10[] = {{0, 0.16730, 5e-6}, {1, 0.025000, 5e-7}, {2, 1.3827e-3, 5e-8},
                             {4, 8.181e-6, 5e-10}, {6, 3.273e-7, 5e-11}};
    const reference d50[] = {{0, 0.16075, 5e-6}, {1, 0.005000, 5e-7}, {2, 6.180e-5, 5e-9},
                             {4, 2.200e-8, 5e-12}, {6, 6.55e-11, 5e-14}};
    check_table(NNGP_RELU, 3, d3, 5);
    check_table(NNGP_RELU, 5, d5, 5);
    check_table(NNGP_RELU, 10, d10, 5);
    check_table(NNGP_RELU, 50, d50, 5);
}

static void erf_table_entries(void **state)
{
    (void)state;
    const reference d10[] = {{1, 0.043291, 5e-7}, {3, 1.2898e-4, 5e-9}, {5, 2.136e-6, 5e-10}};
    const reference d50[] = {{1, 0.0085252, 5e-8}, {3, 1.394e-6, 5e-10}, {5, 1.82e-9, 5e-12}};
    check_table(NNGP_ERF, 10, d10, 3);
    check_table(NNGP_ERF, 50, d50, 3);
}

static void parity_zeros_are_exact(void **state)
{
    (void)state;
    int dims[] = {3, 5, 10, 50};
    for (int i = 0; i < 4; i++) {
        double relu[12], erf_l[12];
        eigenvalues(NNGP_RELU, dims[i], 11, relu);
        eigenvalues(NNGP_ERF, dims[i], 11, erf_l);
        /* Odd l >= 3 vanish for ReLU, even l for erf (an odd function). */
        for (int l = 3; l <= 11; l += 2)
            if (!(fabs(relu[l]) < 1e-13 * relu[0]))
                fail_msg("ReLU d = %d lambda_%d = %g is not zero", dims[i], l, relu[l]);
        for (int l = 0; l <= 11; l += 2)
            if (!(fabs(erf_l[l]) < 1e-13 * erf_l[1]))
                fail_msg("erf d = %d lambda_%d = %g is not zero", dims[i], l, erf_l[l]);
        /* The nonzero ones must be clearly nonzero, or the zeros prove nothing. */
        assert_true(relu[4] > 1e-12);
        assert_true(erf_l[3] > 1e-12);
    }
}

static void relu_degree_one_is_quarter_over_d(void **state)
{
    (void)state;
    int dims[] = {2, 3, 7, 20, 100};
    for (int i = 0; i < 5; i++) {
        double lambda[2];
        eigenvalues(NNGP_RELU, dims[i], 1, lambda);
        double want = 1.0 / (4.0 * dims[i]);
        if (!(fabs(lambda[1] - want) < 1e-10 * want))
            fail_msg("ReLU d = %d lambda_1 = %.15g, want %.15g", dims[i], lambda[1], want);
    }
}

static void sum_rule_recovers_diagonal(void **state)
{
    (void)state;
    int dims[] = {3, 5, 12};
    for (int i = 0; i < 3; i++) {
        int d = dims[i], lmax = 60;
        double lambda[61];
        eigenvalues(NNGP_ERF, d, lmax, lambda);
        double total = 0.0;
        for (int l = 0; l <= lmax; l++)
            total += spectrum_multiplicity(d, l) * lambda[l];
        double k1 = (2.0 / M_PI) * asin(2.0 / 3.0);
        if (!(fabs(total - k1) < 1e-9))
            fail_msg("erf d = %d: sum N lambda = %.12g, k(1) = %.12g", d, total, k1);
    }
}

static void multiplicities_match_counts(void **state)
{
    (void)state;
    for (int l = 0; l < 30; l++) {
        assert_true(fabs(spectrum_multiplicity(3, l) - (2 * l + 1)) < 1e-9 * (2 * l + 1));
        double circle = l == 0 ? 1.0 : 2.0;
        assert_true(fabs(spectrum_multiplicity(2, l) - circle) < 1e-12);
        /* On S^3 (d = 4) there are (l + 1)^2 harmonics of degree l. */
        double s3 = (l + 1.0) * (l + 1.0);
        assert_true(fabs(spectrum_multiplicity(4, l) - s3) < 1e-9 * s3);
    }
    /* N(64,3) = (68/3) binom(64,2) = 45696. */
    assert_true(fabs(spectrum_multiplicity(64, 3) - 45696.0) < 1e-6);
    /* N(784,3) = (788/3) binom(784,2) = 80621856; lgamma keeps it finite. */
    assert_true(fabs(spectrum_multiplicity(784, 3) / 80621856.0 - 1.0) < 1e-10);
    assert_true(isfinite(spectrum_log_multiplicity(784, 400)));
}

static void gegenbauer_matches_known_polynomials(void **state)
{
    (void)state;
    double p[6];
    for (double t = -1.0; t <= 1.0; t += 0.125) {
        spectrum_gegenbauer(3, 5, t, p); /* Legendre */
        assert_true(fabs(p[2] - 0.5 * (3 * t * t - 1)) < 1e-14);
        assert_true(fabs(p[3] - 0.5 * (5 * t * t * t - 3 * t)) < 1e-14);
        spectrum_gegenbauer(2, 5, t, p); /* Chebyshev: cos(l theta) */
        assert_true(fabs(p[5] - cos(5 * acos(t))) < 1e-12);
        spectrum_gegenbauer(17, 5, 1.0, p);
        for (int l = 0; l <= 5; l++)
            assert_true(fabs(p[l] - 1.0) < 1e-14);
    }
}

/* Power-law modes lambda_k = k^-2, k = 1..count. */
static double *power_law(int count)
{
    double *lambda = malloc(sizeof(double) * count);
    for (int k = 0; k < count; k++)
        lambda[k] = 1.0 / ((k + 1.0) * (k + 1.0));
    return lambda;
}

static void ridge_forms_agree(void **state)
{
    (void)state;
    char err[256];
    /* A degenerate spectrum: the ReLU NNGP on S^4 up to degree 20. */
    enum { LMAX = 20, D = 5 };
    double lambda[LMAX + 1], mult[LMAX + 1];
    eigenvalues(NNGP_RELU, D, LMAX, lambda);
    for (int l = 0; l <= LMAX; l++) {
        mult[l] = spectrum_multiplicity(D, l);
        if (fabs(lambda[l]) < 1e-13)
            lambda[l] = 0.0;
    }
    spectrum_modes sphere = {.count = LMAX + 1, .lambda = lambda, .multiplicity = mult};
    double *law = power_law(3000);
    spectrum_modes decay = {.count = 3000, .lambda = law, .multiplicity = NULL};
    const spectrum_modes *cases[2] = {&sphere, &decay};
    double noises[3] = {1e-3, 0.05, 1.0}, sizes[3] = {10, 200, 5000};

    for (int c = 0; c < 2; c++)
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) {
                double noise = noises[a], n = sizes[b], ka, kb, kc;
                assert_int_equal(spectrum_ridge_form_a(cases[c], noise, n, &ka, err, sizeof err), 0);
                assert_int_equal(spectrum_ridge_form_b(cases[c], noise, n, &kb, err, sizeof err), 0);
                assert_int_equal(spectrum_ridge_form_c(cases[c], noise, n, &kc, err, sizeof err), 0);
                double from_b = spectrum_ridge_total(kb, n);
                if (!(fabs(ka - from_b) < 1e-9 * ka && fabs(kc - from_b) < 1e-9 * kc))
                    fail_msg("case %d noise %g n %g: A %.12g, n*B %.12g, C %.12g", c, noise, n,
                             ka, from_b, kc);
                assert_true(fabs(spectrum_ridge_per_sample(ka, n) - kb) < 1e-9 * kb);
                /* The renormalized ridge is never below the bare one. */
                assert_true(ka >= noise);
            }
    free(law);
}

static void form_b_solves_its_equation(void **state)
{
    (void)state;
    char err[256];
    double *law = power_law(500);
    spectrum_modes modes = {.count = 500, .lambda = law};
    double kb;
    assert_int_equal(spectrum_ridge_form_b(&modes, 0.01, 50, &kb, err, sizeof err), 0);
    double lhs = 0.01 / kb;
    for (int k = 0; k < 500; k++)
        lhs += law[k] / (law[k] + kb);
    assert_true(fabs(lhs - 50.0) < 1e-9);
    /* Without a ridge a root needs more modes than samples. */
    assert_int_equal(spectrum_ridge_form_b(&modes, 0.0, 100, &kb, err, sizeof err), 0);
    assert_int_equal(spectrum_ridge_form_b(&modes, 0.0, 600, &kb, err, sizeof err), -1);
    free(law);
}

/* lambda_k = k^-2 for k <= 20000 with noise 0.01 and eta = 100: the
 * self-consistent Bayes error of a GP-matched target, K - noise, computed
 * independently to 0.0319. The truncation matters at the 1e-4 level, since
 * the dropped tail sums to about 1/20000 (with 10^5 modes it is 0.03195). */
static void power_law_bayes_error(void **state)
{
    (void)state;
    char err[256];
    double *law = power_law(20000);
    spectrum_modes modes = {.count = 20000, .lambda = law};
    double k;
    assert_int_equal(spectrum_ridge_form_c(&modes, 0.01, 100, &k, err, sizeof err), 0);
    assert_true(fabs((k - 0.01) - 0.0319) < 5e-5);
    free(law);
}

static void learning_curves_on_two_modes(void **state)
{
    (void)state;
    double lambda[2] = {1.0, 0.01}, mult[2] = {1.0, 3.0}, power[2] = {0.5, 0.2};
    spectrum_modes modes = {.count = 2, .lambda = lambda, .multiplicity = mult};
    double noise = 0.1, n = 20, r = noise / n;
    double l0 = 1.0 / (1.0 + r), l1 = 0.01 / (0.01 + r);
    double want = (1 - l0) * (1 - l0) * 0.5 + (1 - l1) * (1 - l1) * 0.2;
    assert_true(fabs(spectrum_ek_mean_mse(&modes, power, noise, n) - want) < 1e-15);
    double want_var = 1.0 * r / (1.0 + r) + 3.0 * 0.01 * r / (0.01 + r);
    assert_true(fabs(spectrum_ek_post_var(&modes, noise, n) - want_var) < 1e-15);

    /* With kappa_B = r, the renormalized error carries the factor
     * E0 = n / (n - sum L^2) over the bare one. */
    double e0 = n / (n - (l0 * l0 + 3.0 * l1 * l1));
    double renorm = spectrum_ridge_test_mse(&modes, power, r, n, 0.0);
    assert_true(fabs(renorm - e0 * want) < 1e-14);
    assert_true(fabs(spectrum_ridge_test_mse(&modes, power, r, n, 0.3) - (renorm + (e0 - 1) * 0.3)) <
                1e-14);
    assert_true(isnan(spectrum_ridge_test_mse(&modes, power, 1e-9, 2.0, 0.0)));
    double align = (l0 * 0.5 + l1 * 0.2) / 0.7;
    assert_true(fabs(spectrum_ridge_alignment(&modes, power, r) - align) < 1e-15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(relu_table_entries),
        cmocka_unit_test(erf_table_entries),
        cmocka_unit_test(parity_zeros_are_exact),
        cmocka_unit_test(relu_degree_one_is_quarter_over_d),
        cmocka_unit_test(sum_rule_recovers_diagonal),
        cmocka_unit_test(multiplicities_match_counts),
        cmocka_unit_test(gegenbauer_matches_known_polynomials),
        cmocka_unit_test(ridge_forms_agree),
        cmocka_unit_test(form_b_solves_its_equation),
        cmocka_unit_test(power_law_bayes_error),
        cmocka_unit_test(learning_curves_on_two_modes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
