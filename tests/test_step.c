/*
 * test_step.c - the fused two-lane step against the plain-loop model and the
 * Langevin update: gradient, outputs, loss, update constants, noise scale,
 * the sextic term, one thread against two, and the divergence outcomes.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "langevin.h"
#include "model.h"
#include "step.h"

typedef struct {
    gs_model m;
    float *x, *y, *out, *resid;
    int n;
} fixture;

static void fill_normal(gs_rng *rng, float *v, size_t count, double scale)
{
    for (size_t i = 0; i < count; i++)
        v[i] = (float)(scale * gs_rng_normal(rng));
}

static void set_up(fixture *f, int layers, int activation, int bias, int n, int d, int N, int c, uint64_t seed)
{
    char err[256];
    gs_model_spec spec = {.layers = layers, .d = d, .width = N, .outputs = c, .activation = activation,
                          .bias = bias, .readout = GS_READOUT_STANDARD, .sigma_w2 = 1.0, .sigma_b2 = 0.5,
                          .sigma_a2 = 1.0, .chi = 1.0};
    assert_int_equal(gs_model_create(&f->m, &spec, err, sizeof err), 0);
    gs_rng rng;
    gs_rng_seed(&rng, seed);
    gs_model_init_prior(&f->m, &rng);
    f->n = n;
    f->x = malloc(sizeof(float) * (size_t)n * d);
    f->y = malloc(sizeof(float) * (size_t)n * c);
    f->out = calloc((size_t)n * c, sizeof(float));
    f->resid = calloc((size_t)n * c, sizeof(float));
    assert_non_null(f->x);
    assert_non_null(f->y);
    fill_normal(&rng, f->x, (size_t)n * d, 1.0);
    fill_normal(&rng, f->y, (size_t)n * c, 0.5);
}

static void tear_down(fixture *f)
{
    gs_model_free(&f->m);
    free(f->x);
    free(f->y);
    free(f->out);
    free(f->resid);
}

/* The reference gradient, outputs and loss at the model's current weights. */
static double reference(const fixture *f, float *grads, float *out)
{
    char err[256];
    gs_model copy;
    gs_model_spec spec = {.layers = f->m.layers, .d = f->m.d, .width = f->m.width, .outputs = f->m.outputs,
                          .activation = f->m.activation, .bias = f->m.bias, .readout = f->m.readout,
                          .sigma_w2 = f->m.sigma_w2, .sigma_b2 = f->m.sigma_b2, .sigma_a2 = f->m.sigma_a2,
                          .chi = f->m.chi};
    assert_int_equal(gs_model_create(&copy, &spec, err, sizeof err), 0);
    memcpy(copy.params, f->m.params, sizeof(float) * f->m.nparams);
    gs_workspace ws;
    assert_int_equal(gs_workspace_create(&ws, &copy, f->n), 0);
    gs_model_forward_ref(&copy, &ws, f->x, f->n);
    double loss = gs_model_backward_ref(&copy, &ws, f->x, f->y, f->n);
    memcpy(grads, copy.grads, sizeof(float) * copy.nparams);
    memcpy(out, ws.out, sizeof(float) * (size_t)f->n * copy.outputs);
    gs_workspace_free(&ws);
    gs_model_free(&copy);
    return loss;
}

static void assert_close(const float *got, const float *want, size_t count, double tol, const char *what)
{
    for (size_t i = 0; i < count; i++) {
        double bound = tol * (1 + fabs(want[i]));
        if (fabs((double)got[i] - want[i]) > bound)
            fail_msg("%s[%zu]: fused %.8g, reference %.8g (tolerance %.3g)", what, i, got[i], want[i], bound);
    }
}

/* After one step m->grads contains the whole gradient at the old weights, and out
 * and resid the outputs before the update. */
static void check_gradient_case(int activation, int bias, int n, int N, int c, int threads)
{
    fixture f;
    set_up(&f, 2, activation, bias, n, 5, N, c, 11 + (uint64_t)n * 7 + (uint64_t)N);
    float *want_grad = malloc(sizeof(float) * f.m.nparams);
    float *want_out = malloc(sizeof(float) * (size_t)n * c);
    double want_loss = reference(&f, want_grad, want_out);

    char err[256];
    gs_rng seeds;
    gs_rng_seed(&seeds, 5);
    gs_stepper *s = gs_stepper_create(&f.m, f.x, f.y, n, threads, &seeds, 0, err, sizeof err);
    assert_non_null(s);
    double loss, sq_norm[2 * GS_MAX_LAYERS];
    assert_int_equal(gs_stepper_step(s, 1e-3, 0.1, INFINITY, NULL, f.out, f.resid, &loss, sq_norm), GS_STEP_OK);

    assert_true(fabs(loss - want_loss) <= 1e-5 * (1 + want_loss));
    assert_close(f.m.grads, want_grad, f.m.nparams, 2e-5, "gradient");
    assert_close(f.out, want_out, (size_t)n * c, 2e-6, "output");
    for (int i = 0; i < n * c; i++)
        assert_true(f.resid[i] == f.out[i] - f.y[i]);
    for (int t = 0; t < f.m.ntensors; t++) {
        const gs_tensor *tensor = &f.m.tensor[t];
        double norm = 0;
        for (int i = 0; i < tensor->rows * tensor->cols; i++)
            norm += (double)tensor->w[i] * tensor->w[i];
        assert_true(fabs(sq_norm[t] - norm) <= 1e-5 * norm);
    }
    gs_stepper_free(s);
    free(want_grad);
    free(want_out);
    tear_down(&f);
}

static void test_step_gradient_matches_reference_erf(void **state)
{
    (void)state;
    check_gradient_case(GS_ACT_ERF, 0, 37, 9, 1, 1);
    check_gradient_case(GS_ACT_ERF, 1, 37, 9, 1, 2);
    check_gradient_case(GS_ACT_ERF, 1, 37, 9, 3, 2);
}

static void test_step_gradient_matches_reference_other_activations(void **state)
{
    (void)state;
    check_gradient_case(GS_ACT_RELU, 1, 20, 6, 1, 1);
    check_gradient_case(GS_ACT_TANH, 0, 20, 6, 2, 2);
    check_gradient_case(GS_ACT_CUBIC, 1, 13, 4, 1, 2);
    check_gradient_case(GS_ACT_LINEAR, 0, 13, 4, 1, 1);
}

/* One sample leaves lane 0 without samples; blocks shorter than the lane
 * (N large) split a lane's samples into several blocks that add up. */
static void test_step_gradient_with_empty_lane_and_many_blocks(void **state)
{
    (void)state;
    check_gradient_case(GS_ACT_ERF, 1, 1, 7, 1, 2);
    check_gradient_case(GS_ACT_ERF, 1, 2, 7, 2, 1);
    check_gradient_case(GS_ACT_ERF, 1, 301, 20000, 1, 2);
}

/* The implied noise xi = (w_new - w_old + lr (g + decay w_old)) / sigma, with
 * each tensor's own constants, must be standard normal. */
static void test_step_update_uses_each_tensors_constants(void **state)
{
    (void)state;
    fixture f;
    set_up(&f, 2, GS_ACT_ERF, 1, 60, 30, 400, 1, 3);
    const double h = 2e-3, T = 0.05;
    float *before = malloc(sizeof(float) * f.m.nparams);
    memcpy(before, f.m.params, sizeof(float) * f.m.nparams);

    char err[256];
    gs_rng seeds;
    gs_rng_seed(&seeds, 9);
    gs_stepper *s = gs_stepper_create(&f.m, f.x, f.y, f.n, 2, &seeds, 0, err, sizeof err);
    assert_non_null(s);
    double loss;
    assert_int_equal(gs_stepper_step(s, h, T, INFINITY, NULL, f.out, f.resid, &loss, NULL), GS_STEP_OK);

    for (int t = 0; t < f.m.ntensors; t++) {
        const gs_tensor *tensor = &f.m.tensor[t];
        gs_langevin_coef k = gs_langevin_coefficients(tensor->prior_var, h, T);
        size_t base = (size_t)(tensor->w - f.m.params), count = (size_t)tensor->rows * tensor->cols;
        double sum = 0, sum2 = 0;
        for (size_t i = base; i < base + count; i++) {
            double xi = (f.m.params[i] - before[i] + k.lr * ((double)f.m.grads[i] + k.decay * before[i])) / k.sigma;
            sum += xi;
            sum2 += xi * xi;
        }
        double mean = sum / count, var = sum2 / count - mean * mean;
        /* Five standard errors of the mean and of the variance of count normals. */
        assert_true(fabs(mean) < 5 / sqrt((double)count));
        assert_true(fabs(var - 1) < 5 * sqrt(2.0 / count) + 1e-3);
    }
    gs_stepper_free(s);
    free(before);
    tear_down(&f);
}

/* Runs steps of the same model, data and seeds on `threads` threads and
 * returns the final parameters. */
static float *run_steps(int threads, int steps, int with_sextic)
{
    fixture f;
    enum { P = 5 };
    set_up(&f, 2, GS_ACT_ERF, 1, 57, 2 * P, 33, with_sextic ? P : 1, 21);
    double cos_table[P * P], sin_table[P * P];
    for (int k = 0; k < P; k++)
        for (int j = 0; j < P; j++) {
            cos_table[k * P + j] = cos(2 * M_PI * (double)((k * j) % P) / P);
            sin_table[k * P + j] = sin(2 * M_PI * (double)((k * j) % P) / P);
        }
    gs_step_sextic sx = {.P = P, .gamma = 2.0, .scale = 0.1, .cos_table = cos_table, .sin_table = sin_table};
    char err[256];
    gs_rng seeds;
    gs_rng_seed(&seeds, 77);
    gs_stepper *s = gs_stepper_create(&f.m, f.x, f.y, f.n, threads, &seeds, with_sextic ? P : 0, err, sizeof err);
    assert_non_null(s);
    assert_int_equal(gs_stepper_threads(s), threads);
    double loss;
    for (int i = 0; i < steps; i++)
        assert_int_equal(gs_stepper_step(s, 1e-3, 0.1, INFINITY, with_sextic ? &sx : NULL, f.out, f.resid, &loss,
                                         NULL),
                         GS_STEP_OK);
    gs_stepper_free(s);
    float *params = malloc(sizeof(float) * f.m.nparams);
    memcpy(params, f.m.params, sizeof(float) * f.m.nparams);
    tear_down(&f);
    return params;
}

static void test_step_one_and_two_threads_give_the_same_bits(void **state)
{
    (void)state;
    for (int with_sextic = 0; with_sextic < 2; with_sextic++) {
        float *one = run_steps(1, 40, with_sextic);
        float *two = run_steps(2, 40, with_sextic);
        gs_model m;
        char err[256];
        gs_model_spec spec = {.layers = 2, .d = 10, .width = 33, .outputs = with_sextic ? 5 : 1,
                              .activation = GS_ACT_ERF, .bias = 1, .sigma_w2 = 1, .sigma_b2 = 0.5,
                              .sigma_a2 = 1, .chi = 1};
        assert_int_equal(gs_model_create(&m, &spec, err, sizeof err), 0);
        assert_memory_equal(one, two, sizeof(float) * m.nparams);
        gs_model_free(&m);
        free(one);
        free(two);
    }
}

/* The fused step adds the same sextic term as gs_sextic_fourier applied to the
 * whole of W1 at once. */
static void check_sextic_case(int N)
{
    enum { P = 7 };
    fixture f;
    set_up(&f, 2, GS_ACT_QUADRATIC, 0, 49, 2 * P, N, P, 8);
    /* Weights four prior widths large and gamma = 300, so the sextic term moves
     * the gradient of W1 by over 1% (checked below; about 40% at N = 11). */
    const gs_tensor *W1 = &f.m.tensor[0];
    for (int i = 0; i < W1->rows * W1->cols; i++)
        W1->w[i] *= 4;
    float *want = malloc(sizeof(float) * f.m.nparams);
    float *plain = malloc(sizeof(float) * f.m.nparams);
    float *want_out = malloc(sizeof(float) * (size_t)f.n * P);
    reference(&f, want, want_out);
    memcpy(plain, want, sizeof(float) * f.m.nparams);
    double cos_table[P * P], sin_table[P * P], work[4 * P];
    for (int k = 0; k < P; k++)
        for (int j = 0; j < P; j++) {
            cos_table[k * P + j] = cos(2 * M_PI * (double)((k * j) % P) / P);
            sin_table[k * P + j] = sin(2 * M_PI * (double)((k * j) % P) / P);
        }
    const gs_tensor *W = &f.m.tensor[0];
    gs_sextic_fourier(W->w, want, W->rows, P, 300.0, 0.2, cos_table, sin_table, work);
    double largest = 0;
    for (int i = 0; i < W->rows * W->cols; i++)
        largest = fmax(largest, fabs((double)want[i] - plain[i]) / (1 + fabs(plain[i])));
    assert_true(largest > 1e-2);

    gs_step_sextic sx = {.P = P, .gamma = 300.0, .scale = 0.2, .cos_table = cos_table, .sin_table = sin_table};
    char err[256];
    gs_rng seeds;
    gs_rng_seed(&seeds, 1);
    gs_stepper *s = gs_stepper_create(&f.m, f.x, f.y, f.n, 2, &seeds, P, err, sizeof err);
    assert_non_null(s);
    double loss;
    assert_int_equal(gs_stepper_step(s, 1e-4, 0.1, INFINITY, &sx, f.out, f.resid, &loss, NULL), GS_STEP_OK);
    /* Looser than elsewhere, because the larger weights make the float32 sums over
     * samples differ more from the double reference. */
    assert_close(f.m.grads, want, f.m.nparams, 2e-4, "gradient with sextic term");
    gs_stepper_free(s);
    free(want);
    free(plain);
    free(want_out);
    tear_down(&f);
}

/* Also with a single unit, where W1 has one row and lane 1 takes it whole. */
static void test_step_sextic_term_matches_whole_matrix(void **state)
{
    (void)state;
    check_sextic_case(11);
    check_sextic_case(1);
}

static void test_step_bad_loss_leaves_weights_alone(void **state)
{
    (void)state;
    fixture f;
    set_up(&f, 2, GS_ACT_ERF, 0, 30, 4, 8, 1, 4);
    float *before = malloc(sizeof(float) * f.m.nparams);
    memcpy(before, f.m.params, sizeof(float) * f.m.nparams);
    char err[256];
    gs_rng seeds;
    gs_rng_seed(&seeds, 2);
    gs_stepper *s = gs_stepper_create(&f.m, f.x, f.y, f.n, 2, &seeds, 0, err, sizeof err);
    assert_non_null(s);
    double loss;

    /* Above loss_max. */
    assert_int_equal(gs_stepper_step(s, 1e-3, 0.1, 1e-9, NULL, f.out, f.resid, &loss, NULL), GS_STEP_BAD_LOSS);
    assert_true(loss > 1e-9);
    assert_memory_equal(f.m.params, before, sizeof(float) * f.m.nparams);

    /* A NaN target makes the loss NaN. */
    f.y[17] = NAN;
    assert_int_equal(gs_stepper_step(s, 1e-3, 0.1, INFINITY, NULL, f.out, f.resid, &loss, NULL), GS_STEP_BAD_LOSS);
    assert_true(isnan(loss));
    assert_memory_equal(f.m.params, before, sizeof(float) * f.m.nparams);
    f.y[17] = 0;

    /* A step so large that the update overflows float. */
    assert_int_equal(gs_stepper_step(s, 1e38, 1e-3, INFINITY, NULL, f.out, f.resid, &loss, NULL),
                     GS_STEP_BAD_PARAMS);
    gs_stepper_free(s);
    free(before);
    tear_down(&f);
}

static void test_step_rejects_deeper_nets_and_three_threads(void **state)
{
    (void)state;
    fixture f;
    char err[256];
    gs_rng seeds;
    gs_rng_seed(&seeds, 3);
    set_up(&f, 3, GS_ACT_ERF, 0, 10, 4, 6, 1, 5);
    assert_false(gs_stepper_supports(&f.m));
    assert_null(gs_stepper_create(&f.m, f.x, f.y, f.n, 1, &seeds, 0, err, sizeof err));
    assert_non_null(strstr(err, "one hidden layer"));
    tear_down(&f);

    set_up(&f, 2, GS_ACT_ERF, 0, 10, 4, 6, 1, 5);
    assert_null(gs_stepper_create(&f.m, f.x, f.y, f.n, 3, &seeds, 0, err, sizeof err));
    assert_non_null(strstr(err, "1 or 2 threads"));
    gs_stepper_free(NULL);
    tear_down(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_step_gradient_matches_reference_erf),
        cmocka_unit_test(test_step_gradient_matches_reference_other_activations),
        cmocka_unit_test(test_step_gradient_with_empty_lane_and_many_blocks),
        cmocka_unit_test(test_step_update_uses_each_tensors_constants),
        cmocka_unit_test(test_step_one_and_two_threads_give_the_same_bits),
        cmocka_unit_test(test_step_sextic_term_matches_whole_matrix),
        cmocka_unit_test(test_step_bad_loss_leaves_weights_alone),
        cmocka_unit_test(test_step_rejects_deeper_nets_and_three_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
