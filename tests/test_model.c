/*
 * test_model.c - forward/backward of every activation and depth: the BLAS
 * path against the plain loops, and gradients against central differences.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "model.h"

enum { ROWS = 7, D = 5, WIDTH = 6 };

static void fill_normal(gs_rng *rng, float *x, size_t count, double scale)
{
    for (size_t i = 0; i < count; i++)
        x[i] = (float)(scale * gs_rng_normal(rng));
}

static void build(gs_model *m, gs_workspace *ws, int layers, int activation, int bias, int outputs)
{
    char err[256];
    gs_model_spec spec = {.layers = layers, .d = D, .width = WIDTH, .outputs = outputs,
                          .activation = activation, .bias = bias, .readout = GS_READOUT_STANDARD,
                          .sigma_w2 = 1.0, .sigma_b2 = 0.5, .sigma_a2 = 1.0, .chi = 1.0};
    assert_int_equal(gs_model_create(m, &spec, err, sizeof err), 0);
    assert_int_equal(gs_workspace_create(ws, m, ROWS), 0);
}

static double loss_ref(gs_model *m, gs_workspace *ws, const float *x, const float *y)
{
    gs_model_forward_ref(m, ws, x, ROWS);
    double loss = 0;
    for (int i = 0; i < ROWS * m->outputs; i++)
        loss += 0.5 * ((double)ws->out[i] - y[i]) * ((double)ws->out[i] - y[i]);
    return loss;
}

/* A bit pattern of the signs of every hidden pre-activation, so a finite
 * difference that crosses a ReLU kink can be recognised and skipped. */
static uint64_t kink_pattern(const gs_model *m, const gs_workspace *ws)
{
    uint64_t h = 1469598103934665603ULL;
    for (int l = 0; l < m->layers - 1; l++)
        for (int i = 0; i < ROWS * m->width; i++)
            h = (h ^ (ws->pre[l][i] > 0)) * 1099511628211ULL;
    return h;
}

static void check_case(int layers, int activation, int bias, int outputs)
{
    gs_model m;
    gs_workspace ws;
    gs_rng rng;
    float x[ROWS * D], y[ROWS * 3];
    build(&m, &ws, layers, activation, bias, outputs);
    gs_rng_seed(&rng, 1234 + layers * 10 + activation);
    gs_model_init_prior(&m, &rng);
    /* Smaller inputs keep a cubic of a cubic within float32's precision. */
    fill_normal(&rng, x, ROWS * D, activation == GS_ACT_CUBIC ? 0.5 : 1.0);
    fill_normal(&rng, y, (size_t)ROWS * outputs, 1.0);

    /* BLAS forward and backward against the plain loops. */
    float *grad_blas = malloc(sizeof(float) * m.nparams);
    float out_blas[ROWS * 3];
    gs_model_forward(&m, &ws, x, ROWS);
    for (int i = 0; i < ROWS * outputs; i++)
        out_blas[i] = ws.out[i];
    double loss_blas = gs_model_backward(&m, &ws, x, y, ROWS);
    for (size_t i = 0; i < m.nparams; i++)
        grad_blas[i] = m.grads[i];

    gs_model_forward_ref(&m, &ws, x, ROWS);
    for (int i = 0; i < ROWS * outputs; i++)
        assert_float_equal(out_blas[i], ws.out[i], 1e-4 * (1 + fabsf(ws.out[i])));
    double loss_plain = gs_model_backward_ref(&m, &ws, x, y, ROWS);
    assert_float_equal(loss_blas, loss_plain, 1e-4 * (1 + loss_plain));
    for (size_t i = 0; i < m.nparams; i++)
        assert_float_equal(grad_blas[i], m.grads[i], 2e-4 * (1 + fabsf(m.grads[i])));

    /* Gradients against central differences of the reference loss. */
    const float step = activation == GS_ACT_RELU ? 2e-3f : 1e-2f;
    size_t skipped = 0;
    for (size_t i = 0; i < m.nparams; i++) {
        float keep = m.params[i];
        double diff[2];
        uint64_t pattern[4];
        for (int k = 0; k < 2; k++) {
            float hstep = k == 0 ? step : step / 2;
            m.params[i] = keep + hstep;
            double up = loss_ref(&m, &ws, x, y);
            pattern[2 * k] = kink_pattern(&m, &ws);
            m.params[i] = keep - hstep;
            double down = loss_ref(&m, &ws, x, y);
            pattern[2 * k + 1] = kink_pattern(&m, &ws);
            diff[k] = (up - down) / (2.0 * ((double)(keep + hstep) - keep));
        }
        m.params[i] = keep;
        if (activation == GS_ACT_RELU && (pattern[0] != pattern[1] || pattern[2] != pattern[3])) {
            skipped++;
            continue;
        }
        /* Richardson extrapolation cancels the O(step^2) error of central differences. */
        double numeric = (4 * diff[1] - diff[0]) / 3;
        double scale = 1 + fabs(numeric);
        if (fabs(numeric - grad_blas[i]) > 2e-2 * scale)
            fail_msg("layers %d activation %s bias %d outputs %d: parameter %zu gradient %g, "
                     "central difference %g", layers, gs_activation_name(activation), bias, outputs, i,
                     grad_blas[i], numeric);
    }
    if (skipped * 2 >= m.nparams)
        fail_msg("layers %d activation %s: %zu of %zu finite differences crossed a kink", layers,
                 gs_activation_name(activation), skipped, m.nparams);
    free(grad_blas);
    gs_workspace_free(&ws);
    gs_model_free(&m);
}

static void model_gradients_every_activation(void **state)
{
    for (int a = GS_ACT_LINEAR; a <= GS_ACT_CUBIC; a++)
        for (int layers = 1; layers <= 3; layers++)
            for (int bias = 0; bias <= 1; bias++)
                check_case(layers, a, bias, 1);
}

static void model_gradients_several_outputs(void **state)
{
    for (int layers = 1; layers <= 3; layers++)
        check_case(layers, GS_ACT_ERF, 1, 3);
    check_case(2, GS_ACT_QUADRATIC, 0, 3);
}

static void model_priors_follow_readout_scaling(void **state)
{
    char err[256];
    gs_model m;
    gs_model_spec spec = {.layers = 2, .d = 10, .width = 50, .outputs = 1, .activation = GS_ACT_ERF,
                          .sigma_w2 = 2.0, .sigma_a2 = 3.0, .chi = 5.0};
    for (int r = 0; r <= 2; r++) {
        spec.readout = r;
        assert_int_equal(gs_model_create(&m, &spec, err, sizeof err), 0);
        assert_float_equal(m.tensor[0].prior_var, 2.0 / 10, 1e-7);
        /* Readout prior: sigma_a2/N (standard), sigma_a2/N^2 (mean field), sigma_a2/(chi N). */
        double expect = 3.0 / 50;
        if (r == GS_READOUT_MEAN_FIELD)
            expect = 3.0 / 2500;
        else if (r == GS_READOUT_CHI)
            expect = 3.0 / 250;
        assert_float_equal(m.tensor[1].prior_var, expect, 1e-7);
        gs_model_free(&m);
    }
}

static void model_rejects_bad_sizes(void **state)
{
    char err[256];
    gs_model m;
    gs_model_spec spec = {.layers = 4, .d = 10, .width = 5, .outputs = 1, .sigma_w2 = 1, .sigma_a2 = 1};
    assert_int_equal(gs_model_create(&m, &spec, err, sizeof err), -1);
    assert_non_null(strstr(err, "layers = 4"));
    spec.layers = 2;
    spec.sigma_a2 = 0;
    assert_int_equal(gs_model_create(&m, &spec, err, sizeof err), -1);
    assert_non_null(strstr(err, "positive"));
}

static void model_sextic_gradient_matches_differences(void **state)
{
    enum { P = 5, ROWS_W = 3 };
    float W[ROWS_W * 2 * P], dW[ROWS_W * 2 * P];
    double cos_table[P * P], sin_table[P * P], work[2 * P];
    gs_rng rng;
    gs_rng_seed(&rng, 11);
    for (int k = 0; k < P; k++)
        for (int n = 0; n < P; n++) {
            cos_table[k * P + n] = cos(2 * M_PI * ((k * n) % P) / P);
            sin_table[k * P + n] = sin(2 * M_PI * ((k * n) % P) / P);
        }
    fill_normal(&rng, W, ROWS_W * 2 * P, 1.0);
    memset(dW, 0, sizeof dW);
    const double g = 0.7, scale = 1.3;
    double gamma = gs_sextic_fourier(W, dW, ROWS_W, P, g, scale, cos_table, sin_table, work);

    /* Gamma by its definition, with complex arithmetic written out. */
    double direct = 0;
    for (int i = 0; i < ROWS_W; i++)
        for (int half = 0; half < 2; half++)
            for (int k = 0; k < P; k++) {
                double re = 0, im = 0;
                for (int n = 0; n < P; n++) {
                    re += W[i * 2 * P + half * P + n] * cos(2 * M_PI * k * n / P) / P;
                    im += W[i * 2 * P + half * P + n] * sin(2 * M_PI * k * n / P) / P;
                }
                direct += pow(re * re + im * im, 3);
            }
    direct *= P * g / 6;
    assert_float_equal(gamma, direct, 1e-9 * (1 + direct));

    float scratch[ROWS_W * 2 * P];
    for (int j = 0; j < ROWS_W * 2 * P; j++) {
        float keep = W[j];
        const float step = 1e-2f;
        W[j] = keep + step;
        double up = gs_sextic_fourier(W, scratch, ROWS_W, P, g, scale, cos_table, sin_table, work);
        W[j] = keep - step;
        double down = gs_sextic_fourier(W, scratch, ROWS_W, P, g, scale, cos_table, sin_table, work);
        W[j] = keep;
        double numeric = scale * (up - down) / (2.0 * step);
        assert_float_equal(dW[j], numeric, 1e-3 * (1 + fabs(numeric)));
    }
}

static void activation_erf_kernel_is_accurate(void **state)
{
    enum { COUNT = 20001 };
    float *z = malloc(sizeof(float) * COUNT), *act = malloc(sizeof(float) * COUNT);
    float *dact = malloc(sizeof(float) * COUNT);
    for (int i = 0; i < COUNT; i++)
        z[i] = -6.0f + 12.0f * (float)i / (COUNT - 1);
    gs_activation_apply(GS_ACT_ERF, z, act, dact, COUNT);
    double worst = 0, worst_d = 0;
    for (int i = 0; i < COUNT; i++) {
        worst = fmax(worst, fabs(act[i] - erf(z[i])));
        worst_d = fmax(worst_d, fabs(dact[i] - 1.1283791670955126 * exp(-(double)z[i] * z[i])));
    }
    if (worst >= 1e-6 || worst_d >= 3e-7)
        print_message("erf error %.3g, derivative error %.3g\n", worst, worst_d);
    /* The polynomial's own error is 1.5e-7; evaluating it in float32 adds the rest
     * (measured 4.6e-7 to 6.1e-7 in all, depending on FMA contraction), about ten
     * units in the last place near erf = 1. */
    assert_true(worst < 1e-6);
    assert_true(worst_d < 3e-7);

    /* Far tails, where e^(-z^2) underflows: erf is +-1 and phi' is 0, never NaN. */
    float tails[6] = {9.5f, -9.5f, 1e3f, -1e3f, 3e38f, -3e38f}, tail_act[6], tail_dact[6];
    gs_activation_apply(GS_ACT_ERF, tails, tail_act, tail_dact, 6);
    for (int i = 0; i < 6; i++) {
        assert_true(tail_act[i] == (tails[i] > 0 ? 1.0f : -1.0f));
        assert_true(tail_dact[i] == 0.0f);
    }
    free(z);
    free(act);
    free(dact);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(model_gradients_every_activation),
        cmocka_unit_test(model_gradients_several_outputs),
        cmocka_unit_test(model_priors_follow_readout_scaling),
        cmocka_unit_test(model_rejects_bad_sizes),
        cmocka_unit_test(model_sextic_gradient_matches_differences),
        cmocka_unit_test(activation_erf_kernel_is_accurate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
