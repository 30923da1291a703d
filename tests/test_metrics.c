/*
 * test_metrics.c - network observables against values known by construction.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "metrics.h"
#include "rng.h"

static void metrics_hermite_recovers_coefficients(void **state)
{
    enum { ROWS = 300, D = 4 };
    float x[ROWS * D];
    double f[ROWS], u[D] = {0, 1, 0, 0};
    gs_rng rng;
    gs_rng_seed(&rng, 2);
    for (int i = 0; i < ROWS; i++) {
        for (int k = 0; k < D; k++)
            x[i * D + k] = (float)gs_rng_normal(&rng);
        double z = x[i * D + 1];
        /* Exactly 0.7 He1 - 0.04 He3: on 300 points the two are not orthogonal, so
         * separate projections would miss -0.04 by about 0.7 <He1, He3>/<He3, He3>. */
        f[i] = 0.7 * z - 0.04 * (z * z * z - 3 * z);
    }
    double lin, cub;
    gs_metric_hermite(f, x, ROWS, D, u, &lin, &cub);
    assert_float_equal(lin, 0.7, 1e-6);
    assert_float_equal(cub, -0.04, 1e-6);
}

static void metrics_alignment_of_target_kernel_is_one(void **state)
{
    enum { M = 20 };
    float features[M], y[M], other[M * 2];
    double kernel[M * M], scratch[M * M];
    for (int i = 0; i < M; i++) {
        y[i] = (float)sin(i);
        features[i] = 3 * y[i];       /* K = 9 y y^T: aligned up to scale */
        other[2 * i] = (float)(i % 2 ? 1 : -1);
        other[2 * i + 1] = 0;
    }
    assert_float_equal(gs_metric_alignment(features, M, 1, y, 1, kernel, scratch), 1.0, 1e-9);
    double a = gs_metric_alignment(other, M, 2, y, 1, kernel, scratch);
    assert_true(a >= 0 && a < 0.2);
}

static void metrics_fourier_pure_cosine_is_condensed(void **state)
{
    enum { P = 11 };
    float W[2 * 2 * P];
    for (int n = 0; n < P; n++) {
        W[n] = (float)cos(2 * M_PI * 3 * n / P + 0.4);
        W[P + n] = (float)cos(2 * M_PI * 3 * n / P - 1.0);
        W[2 * P + n] = (float)((n * 7919) % 13 - 6);   /* no dominant mode */
        W[3 * P + n] = (float)((n * 104729) % 17 - 8);
    }
    double share, condensed;
    gs_metric_fourier(W, 1, P, 0.5, &share, &condensed);
    assert_float_equal(share, 1.0, 1e-9);
    assert_float_equal(condensed, 1.0, 0);
    gs_metric_fourier(W + 2 * P, 1, P, 0.5, &share, &condensed);
    assert_true(share < 0.5);
    assert_float_equal(condensed, 0.0, 0);
}

static void metrics_covariance_eigenvalues(void **state)
{
    enum { ROWS = 4, D = 3 };
    /* Rows e1, e1, e2, -e2 scaled: (1/rows) W^T W = diag(2, 0.5, 0) * 4/4. */
    float W[ROWS * D] = {2, 0, 0, 2, 0, 0, 0, 1, 0, 0, -1, 0};
    double eigs[3], work[2 * D * D + 34 * D];
    assert_int_equal(gs_metric_cov_top_eigs(W, ROWS, D, 0.5, 3, eigs, work), 3);
    assert_float_equal(eigs[0], 2.0 / 0.5, 1e-12);
    assert_float_equal(eigs[1], 0.5 / 0.5, 1e-12);
    assert_float_equal(eigs[2], 0.0, 1e-12);
}

static void metrics_histogram_clamps_edges(void **state)
{
    double values[5] = {-10, -0.5, 0.1, 0.9, 10};
    float counts[4] = {0};
    gs_metric_histogram(values, 5, -1, 1, 4, counts);
    /* Bins [-1, -0.5), [-0.5, 0), [0, 0.5), [0.5, 1); -10 and 10 fall into the edge bins. */
    assert_float_equal(counts[0], 1, 0);
    assert_float_equal(counts[1], 1, 0);
    assert_float_equal(counts[2], 1, 0);
    assert_float_equal(counts[3], 2, 0);
}

static void metrics_mse_and_accuracy(void **state)
{
    float f[4] = {1, 2, 3, 4}, y[4] = {1, 1, 1, 1};
    assert_float_equal(gs_metric_mse(f, y, 4, 1), (0 + 1 + 4 + 9) / 4.0, 1e-12);
    double fd[6] = {0.1, 0.9, 0.0, 0.8, 0.2, 0.0};
    float yd[6] = {0, 1, 0, 0, 0, 1};
    assert_float_equal(gs_metric_accuracy_d(fd, yd, 2, 3), 0.5, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(metrics_hermite_recovers_coefficients),
        cmocka_unit_test(metrics_alignment_of_target_kernel_is_one),
        cmocka_unit_test(metrics_fourier_pure_cosine_is_condensed),
        cmocka_unit_test(metrics_covariance_eigenvalues),
        cmocka_unit_test(metrics_histogram_clamps_edges),
        cmocka_unit_test(metrics_mse_and_accuracy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
