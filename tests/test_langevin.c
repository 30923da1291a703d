/*
 * test_langevin.c - the integrator samples the right law.
 *
 * A linear model f(x) = a . x with prior a ~ N(0, s I) and likelihood noise T
 * has the Gaussian posterior
 *     Sigma = (X^T X / T + I / s)^(-1),   mu = Sigma X^T y / T.
 * The time average of a after burn-in must match mu, and its covariance must
 * match Sigma, within batch-means standard errors. h is small enough that the
 * O(h) discretisation bias (below 1% here) stays under the statistical error.
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

enum { D = 3, ROWS = 20 };

/* Invert a symmetric positive definite 3x3 matrix by cofactors. */
static void invert3(const double a[9], double out[9])
{
    double det = a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) +
                 a[2] * (a[3] * a[7] - a[4] * a[6]);
    out[0] = (a[4] * a[8] - a[5] * a[7]) / det;
    out[1] = (a[2] * a[7] - a[1] * a[8]) / det;
    out[2] = (a[1] * a[5] - a[2] * a[4]) / det;
    out[3] = (a[5] * a[6] - a[3] * a[8]) / det;
    out[4] = (a[0] * a[8] - a[2] * a[6]) / det;
    out[5] = (a[2] * a[3] - a[0] * a[5]) / det;
    out[6] = (a[3] * a[7] - a[4] * a[6]) / det;
    out[7] = (a[1] * a[6] - a[0] * a[7]) / det;
    out[8] = (a[0] * a[4] - a[1] * a[3]) / det;
}

static void langevin_linear_posterior(void **state)
{
    char err[256];
    gs_model m;
    gs_workspace ws;
    gs_langevin lv;
    gs_rng rng;
    const double T = 2.0, sigma_a2 = 3.0, h = 0.004;
    gs_model_spec spec = {.layers = 1, .d = D, .outputs = 1, .sigma_w2 = 1, .sigma_a2 = sigma_a2};
    assert_int_equal(gs_model_create(&m, &spec, err, sizeof err), 0);
    assert_int_equal(gs_workspace_create(&ws, &m, ROWS), 0);
    assert_int_equal(gs_langevin_create(&lv, &m), 0);

    float x[ROWS * D], y[ROWS];
    gs_rng_seed(&rng, 7);
    for (int i = 0; i < ROWS; i++) {
        for (int k = 0; k < D; k++)
            x[i * D + k] = (float)gs_rng_normal(&rng);
        y[i] = (float)(0.8 * x[i * D] - 0.5 * x[i * D + 1] + 0.3 * gs_rng_normal(&rng));
    }

    /* Closed-form posterior. */
    double s = sigma_a2 / D;
    double precision[9] = {0}, cov[9], xty[3] = {0}, mu[3] = {0};
    for (int i = 0; i < ROWS; i++)
        for (int j = 0; j < D; j++) {
            xty[j] += x[i * D + j] * (double)y[i] / T;
            for (int k = 0; k < D; k++)
                precision[j * D + k] += x[i * D + j] * (double)x[i * D + k] / T;
        }
    for (int j = 0; j < D; j++)
        precision[j * D + j] += 1 / s;
    invert3(precision, cov);
    for (int j = 0; j < D; j++)
        for (int k = 0; k < D; k++)
            mu[j] += cov[j * D + k] * xty[k];

    /* Sample; batch means over blocks much longer than the relaxation time 1/h. */
    gs_rng_seed(&rng, 99);
    gs_model_init_prior(&m, &rng);
    const long burn = 5000, steps = 300000, batches = 50;
    long per_batch = steps / batches;
    double batch_mean[50][3], batch_second[50][9];
    memset(batch_mean, 0, sizeof batch_mean);
    memset(batch_second, 0, sizeof batch_second);
    for (long t = 0; t < burn + steps; t++) {
        gs_model_forward(&m, &ws, x, ROWS);
        gs_model_backward(&m, &ws, x, y, ROWS);
        assert_int_equal(gs_langevin_step(&m, &lv, &rng, h, T, NULL), 0);
        if (t < burn)
            continue;
        long b = (t - burn) / per_batch;
        for (int j = 0; j < D; j++) {
            batch_mean[b][j] += m.params[j] / (double)per_batch;
            for (int k = 0; k < D; k++)
                batch_second[b][j * D + k] += (m.params[j] - mu[j]) * (m.params[k] - mu[k]) / (double)per_batch;
        }
    }

    for (int j = 0; j < D; j++) {
        double mean = 0, var_of_batches = 0;
        for (int b = 0; b < batches; b++)
            mean += batch_mean[b][j] / batches;
        for (int b = 0; b < batches; b++)
            var_of_batches += pow(batch_mean[b][j] - mean, 2) / (batches - 1);
        double stderr_mean = sqrt(var_of_batches / batches);
        if (fabs(mean - mu[j]) > 4 * stderr_mean + 1e-3)
            fail_msg("mean of a[%d] = %.4f, posterior %.4f, standard error %.4f", j, mean, mu[j], stderr_mean);
    }
    for (int e = 0; e < D * D; e++) {
        double second = 0, var_of_batches = 0;
        for (int b = 0; b < batches; b++)
            second += batch_second[b][e] / batches;
        for (int b = 0; b < batches; b++)
            var_of_batches += pow(batch_second[b][e] - second, 2) / (batches - 1);
        double stderr_second = sqrt(var_of_batches / batches);
        /* Allow 4 standard errors plus 2% of the variance scale for the O(h) bias. */
        double scale = sqrt(cov[(e / D) * (D + 1)] * cov[(e % D) * (D + 1)]);
        if (fabs(second - cov[e]) > 4 * stderr_second + 0.02 * scale)
            fail_msg("covariance entry %d = %.5f, posterior %.5f, standard error %.5f", e, second, cov[e],
                     stderr_second);
    }
    gs_langevin_free(&lv);
    gs_workspace_free(&ws);
    gs_model_free(&m);
}

static void langevin_reports_non_finite(void **state)
{
    char err[256];
    gs_model m;
    gs_langevin lv;
    gs_rng rng;
    gs_model_spec spec = {.layers = 2, .d = 4, .width = 3, .outputs = 1, .activation = GS_ACT_RELU,
                          .sigma_w2 = 1, .sigma_a2 = 1};
    assert_int_equal(gs_model_create(&m, &spec, err, sizeof err), 0);
    assert_int_equal(gs_langevin_create(&lv, &m), 0);
    gs_rng_seed(&rng, 1);
    gs_model_init_prior(&m, &rng);
    memset(m.grads, 0, sizeof(float) * m.nparams);
    double norms[4];
    assert_int_equal(gs_langevin_step(&m, &lv, &rng, 0.01, 0.1, norms), 0);
    assert_true(norms[0] > 0);
    m.grads[2] = NAN;
    assert_int_equal(gs_langevin_step(&m, &lv, &rng, 0.01, 0.1, norms), -1);
    gs_langevin_free(&lv);
    gs_model_free(&m);
}

static void rng_normals_have_unit_moments(void **state)
{
    enum { COUNT = 200001 };
    float *z = malloc(sizeof(float) * COUNT), *scratch = malloc(sizeof(float) * COUNT);
    gs_rng rng;
    gs_rng_seed(&rng, 5);
    gs_rng_normal_fill(&rng, z, scratch, COUNT);
    double m1 = 0, m2 = 0, m4 = 0;
    for (int i = 0; i < COUNT; i++) {
        m1 += z[i];
        m2 += (double)z[i] * z[i];
        m4 += pow(z[i], 4);
    }
    m1 /= COUNT;
    m2 /= COUNT;
    m4 /= COUNT;
    /* Standard errors: 1/sqrt(C) for the mean, sqrt(2/C) for m2, sqrt(96/C) for m4. */
    assert_float_equal(m1, 0.0, 5 * sqrt(1.0 / COUNT));
    assert_float_equal(m2, 1.0, 5 * sqrt(2.0 / COUNT));
    assert_float_equal(m4, 3.0, 5 * sqrt(96.0 / COUNT));
    free(z);
    free(scratch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(langevin_linear_posterior),
        cmocka_unit_test(langevin_reports_non_finite),
        cmocka_unit_test(rng_normals_have_unit_moments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
