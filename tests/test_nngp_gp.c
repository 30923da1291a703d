/*
 * test_nngp_gp.c - the "nngp_gp" theory module: its outputs against direct
 * calls of the kernel, GP and FWC routines, its parameter checks and its
 * depth and cancellation handling.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gp.h"
#include "nngp.h"
#include "theory.h"

enum { N_TRAIN = 40, N_TEST = 30, DIM = 5, OUTPUTS = 2 };

typedef struct {
    gs_dataset data;
    gs_params params;
    gs_theory_output *out;
} fixture;

/* An erf teacher on inputs from a deterministic pseudo-random sequence.
 * Output column 1 is a decoy that the module must ignore. */
static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    gs_dataset *ds = &f->data;
    ds->n = N_TRAIN;
    ds->n_test = N_TEST;
    ds->d = DIM;
    ds->c = OUTPUTS;
    ds->x_train = malloc(sizeof(float) * N_TRAIN * DIM);
    ds->y_train = malloc(sizeof(float) * N_TRAIN * OUTPUTS);
    ds->x_test = malloc(sizeof(float) * N_TEST * DIM);
    ds->y_test = malloc(sizeof(float) * N_TEST * OUTPUTS);
    float teacher[DIM] = {0.6f, -0.4f, 0.5f, 0.2f, -0.3f};
    for (int i = 0; i < N_TRAIN + N_TEST; i++) {
        float *x = i < N_TRAIN ? ds->x_train + i * DIM : ds->x_test + (i - N_TRAIN) * DIM;
        float *y = i < N_TRAIN ? ds->y_train + i * OUTPUTS : ds->y_test + (i - N_TRAIN) * OUTPUTS;
        double dot = 0.0;
        for (int c = 0; c < DIM; c++) {
            x[c] = (float)(1.4 * sin(2.3 * (i * DIM + c) + 0.7 * c));
            dot += x[c] * teacher[c];
        }
        y[0] = (float)erf(dot);
        y[1] = 100.0f;
    }
    gs_params *p = &f->params;
    gs_params_set(p, "T", 0.05);
    gs_params_set(p, "sigma_w2", 1.5);
    gs_params_set(p, "sigma_a2", 1.0);
    gs_params_set(p, "N", 20);
    gs_params_set(p, "fwc_samples", 4000);
    gs_params_set(p, "activation", 1);
    f->out = calloc(1, sizeof *f->out);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    gs_dataset_free(&f->data);
    free(f->out);
    free(f);
    return 0;
}

static int run(fixture *f, const atomic_int *cancel, char *err, size_t errlen)
{
    const gs_theory_kind *kind = gs_theory_find("nngp_gp");
    assert_non_null(kind);
    memset(f->out, 0, sizeof *f->out);
    gs_theory_input in = {.params = &f->params, .data = &f->data, .cancel = cancel, .seed = 5};
    return kind->compute(&in, f->out, err, errlen);
}

static const double *find_vector(const gs_theory_output *out, const char *name, int *len)
{
    for (int i = 0; i < out->nvectors; i++)
        if (strcmp(out->vector_name[i], name) == 0) {
            *len = out->vector_len[i];
            return out->vector[i];
        }
    return NULL;
}

static void outputs_match_direct_gp(void **state)
{
    fixture *f = *state;
    char err[256] = "";
    if (run(f, NULL, err, sizeof err) != 0)
        fail_msg("compute failed: %s", err);
    const gs_theory_output *out = f->out;

    /* The same posterior, computed here step by step. */
    gs_dataset *ds = &f->data;
    nngp_kernel k;
    assert_int_equal(nngp_init(&k, NNGP_ERF, 1, 1.5, 1.0, 0.0, err, sizeof err), 0);
    static double gram[N_TRAIN * N_TRAIN], cross[N_TEST * N_TRAIN];
    double diag[N_TEST], mean[N_TEST], var[N_TEST], y[N_TRAIN], y_test[N_TEST];
    for (int i = 0; i < N_TRAIN; i++)
        y[i] = ds->y_train[i * OUTPUTS];
    for (int i = 0; i < N_TEST; i++)
        y_test[i] = ds->y_test[i * OUTPUTS];
    assert_int_equal(nngp_gram(&k, ds->x_train, N_TRAIN, ds->x_train, N_TRAIN, DIM, NULL, gram, err,
                               sizeof err), 0);
    assert_int_equal(nngp_gram(&k, ds->x_test, N_TEST, ds->x_train, N_TRAIN, DIM, NULL, cross, err,
                               sizeof err), 0);
    nngp_gram_diag(&k, ds->x_test, N_TEST, DIM, diag);
    gp_model gp;
    assert_int_equal(gp_fit(&gp, gram, y, N_TRAIN, 0.05, err, sizeof err), 0);
    assert_int_equal(gp_predict(&gp, cross, diag, N_TEST, mean, var, err, sizeof err), 0);
    gp_free(&gp);
    gp_errors want = gp_test_errors(mean, var, y_test, N_TEST);

    double test_mse = gs_theory_value(out, "gp_test_mse");
    double post_var = gs_theory_value(out, "gp_post_var");
    assert_true(fabs(test_mse - want.mean_mse) < 1e-12);
    assert_true(fabs(post_var - want.post_var) < 1e-12);
    assert_true(fabs(gs_theory_value(out, "gp_sample_mse") - (test_mse + post_var)) < 1e-15);
    assert_true(gs_theory_value(out, "gp_train_mse") < test_mse);
    /* A decoy column read by mistake would make these errors about 10^4. */
    assert_true(test_mse < 1.0);

    int len = 0;
    const double *gp_vec = find_vector(out, "gp", &len);
    assert_non_null(gp_vec);
    assert_int_equal(len, N_TEST);
    for (int i = 0; i < N_TEST; i++)
        assert_true(fabs(gp_vec[i] - mean[i]) < 1e-12);

    const double *fwc_vec = find_vector(out, "gp_fwc", &len);
    assert_non_null(fwc_vec);
    assert_int_equal(len, N_TEST);
    double shift2 = 0.0, base2 = 0.0, fwc_mse = 0.0;
    for (int i = 0; i < N_TEST; i++) {
        shift2 += (fwc_vec[i] - mean[i]) * (fwc_vec[i] - mean[i]);
        base2 += mean[i] * mean[i];
        fwc_mse += (fwc_vec[i] - y_test[i]) * (fwc_vec[i] - y_test[i]) / N_TEST;
    }
    double fwc_norm = gs_theory_value(out, "fwc_norm");
    assert_true(fabs(fwc_norm - sqrt(shift2 / base2)) < 1e-12);
    assert_true(fwc_norm > 0.0);
    assert_true(gs_theory_value(out, "fwc_std_error") < fwc_norm);
    assert_true(fabs(gs_theory_value(out, "gp_fwc_test_mse") - fwc_mse) < 1e-12);
}

static void fwc_curve_covers_subsets(void **state)
{
    fixture *f = *state;
    char err[256] = "";
    assert_int_equal(run(f, NULL, err, sizeof err), 0);
    const gs_theory_output *out = f->out;
    assert_int_equal(out->ncurves, 1);
    const gs_theory_curve *c = &out->curve[0];
    assert_string_equal(c->name, "fwc_vs_n");
    assert_string_equal(c->x_name, "n");
    assert_true(c->count >= 4);
    assert_true(c->x[c->count - 1] == N_TRAIN);
    for (int i = 0; i < c->count; i++) {
        assert_true(isfinite(c->y[i]) && c->y[i] >= 0.0);
        if (i > 0)
            assert_true(c->x[i] > c->x[i - 1]);
    }
}

static void deeper_net_skips_fwc(void **state)
{
    fixture *f = *state;
    char err[256] = "";
    gs_params_set(&f->params, "hidden_layers", 2);
    gs_params_set(&f->params, "activation", 2);
    assert_int_equal(run(f, NULL, err, sizeof err), 0);
    assert_true(isfinite(gs_theory_value(f->out, "gp_test_mse")));
    assert_true(isnan(gs_theory_value(f->out, "fwc_norm")));
    assert_int_equal(f->out->nvectors, 1);
    assert_int_equal(f->out->ncurves, 0);
}

static void fwc_off_with_zero_samples(void **state)
{
    fixture *f = *state;
    char err[256] = "";
    gs_params_set(&f->params, "fwc_samples", 0);
    assert_int_equal(run(f, NULL, err, sizeof err), 0);
    assert_true(isnan(gs_theory_value(f->out, "gp_fwc_test_mse")));
    assert_int_equal(f->out->nvectors, 1);
}

static void invalid_parameters_are_reported(void **state)
{
    fixture *f = *state;
    char err[256] = "";
    gs_params_set(&f->params, "activation", 7);
    assert_int_equal(run(f, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "activation"));
    gs_params_set(&f->params, "activation", 1);
    gs_params_set(&f->params, "T", -1);
    assert_int_equal(run(f, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "T"));
}

static void missing_data_is_reported(void **state)
{
    fixture *f = *state;
    char err[256] = "";
    const gs_theory_kind *kind = gs_theory_find("nngp_gp");
    gs_theory_input in = {.params = &f->params, .data = NULL, .cancel = NULL, .seed = 1};
    assert_int_equal(kind->compute(&in, f->out, err, sizeof err), -1);
    assert_non_null(strstr(err, "data set"));
}

static void cancel_stops_early(void **state)
{
    fixture *f = *state;
    char err[256] = "";
    atomic_int cancel = 1;
    assert_int_equal(run(f, &cancel, err, sizeof err), -1);
    assert_non_null(strstr(err, "cancelled"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(outputs_match_direct_gp, setup, teardown),
        cmocka_unit_test_setup_teardown(fwc_curve_covers_subsets, setup, teardown),
        cmocka_unit_test_setup_teardown(deeper_net_skips_fwc, setup, teardown),
        cmocka_unit_test_setup_teardown(fwc_off_with_zero_samples, setup, teardown),
        cmocka_unit_test_setup_teardown(invalid_parameters_are_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_data_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(cancel_stops_early, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
