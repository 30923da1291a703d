/*
 * test_gp.c - GP regression against independent routes: a naive
 * Gauss-Jordan inverse, Bayesian linear regression in weight space, and
 * refitting without each point.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gp.h"
#include "nngp.h"

enum { N = 7, M = 3, D = 3 };

/* Deterministic inputs spread over a few units; no random generator needed. */
static void fill_inputs(float *x, int count, double phase)
{
    for (int i = 0; i < count * D; i++)
        x[i] = (float)(1.3 * sin(1.7 * i + phase) + 0.4 * cos(0.9 * i * i + phase));
}

static void fill_targets(double *y, int count)
{
    for (int i = 0; i < count; i++)
        y[i] = sin(0.8 * i) + 0.3;
}

/* Invert a (n, n) in place by Gauss-Jordan with partial pivoting; returns
 * log |det a|. */
static double gauss_jordan_inverse(double *a, int n)
{
    double *aug = calloc((size_t)n * 2 * n, sizeof(double));
    double log_det = 0.0;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++)
            aug[i * 2 * n + j] = a[i * n + j];
        aug[i * 2 * n + n + i] = 1.0;
    }
    for (int col = 0; col < n; col++) {
        int pivot = col;
        for (int r = col + 1; r < n; r++)
            if (fabs(aug[r * 2 * n + col]) > fabs(aug[pivot * 2 * n + col]))
                pivot = r;
        for (int j = 0; j < 2 * n; j++) {
            double t = aug[col * 2 * n + j];
            aug[col * 2 * n + j] = aug[pivot * 2 * n + j];
            aug[pivot * 2 * n + j] = t;
        }
        double p = aug[col * 2 * n + col];
        log_det += log(fabs(p));
        for (int j = 0; j < 2 * n; j++)
            aug[col * 2 * n + j] /= p;
        for (int r = 0; r < n; r++) {
            if (r == col)
                continue;
            double f = aug[r * 2 * n + col];
            for (int j = 0; j < 2 * n; j++)
                aug[r * 2 * n + j] -= f * aug[col * 2 * n + j];
        }
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            a[i * n + j] = aug[i * 2 * n + n + j];
    free(aug);
    return log_det;
}

static void close_to(double got, double want, double tol, const char *what)
{
    if (!(fabs(got - want) <= tol * (1.0 + fabs(want))))
        fail_msg("%s: got %.15g, expected %.15g", what, got, want);
}

static void posterior_matches_gauss_jordan(void **state)
{
    (void)state;
    float x[N * D], xt[M * D];
    double y[N], gram[N * N], cross[M * N], diag[M];
    double mean[M], var[M];
    char err[256];
    double ridge = 0.05;
    fill_inputs(x, N, 0.0);
    fill_inputs(xt, M, 2.0);
    fill_targets(y, N);
    nngp_kernel k;
    assert_int_equal(nngp_init(&k, NNGP_ERF, 1, 1.5, 1.2, 0.1, err, sizeof err), 0);
    assert_int_equal(nngp_gram(&k, x, N, x, N, D, NULL, gram, err, sizeof err), 0);
    assert_int_equal(nngp_gram(&k, xt, M, x, N, D, NULL, cross, err, sizeof err), 0);
    nngp_gram_diag(&k, xt, M, D, diag);

    gp_model gp;
    assert_int_equal(gp_fit(&gp, gram, y, N, ridge, err, sizeof err), 0);
    assert_int_equal(gp_predict(&gp, cross, diag, M, mean, var, err, sizeof err), 0);

    double inv[N * N];
    memcpy(inv, gram, sizeof inv);
    for (int i = 0; i < N; i++)
        inv[i * N + i] += ridge;
    double log_det = gauss_jordan_inverse(inv, N);
    for (int t = 0; t < M; t++) {
        double want_mean = 0.0, want_var = diag[t];
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                want_mean += cross[t * N + i] * inv[i * N + j] * y[j];
                want_var -= cross[t * N + i] * inv[i * N + j] * cross[t * N + j];
            }
        close_to(mean[t], want_mean, 1e-10, "posterior mean");
        close_to(var[t], want_var, 1e-10, "posterior variance");
        assert_true(var[t] > 0.0);
    }
    double quad = 0.0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            quad += y[i] * inv[i * N + j] * y[j];
    double want_lml = -0.5 * quad - 0.5 * log_det - 0.5 * N * log(2.0 * M_PI);
    close_to(gp_log_marginal_likelihood(&gp), want_lml, 1e-10, "log marginal likelihood");

    double inverse[N * N];
    assert_int_equal(gp_inverse(&gp, inverse, err, sizeof err), 0);
    for (int i = 0; i < N * N; i++)
        close_to(inverse[i], inv[i], 1e-10, "inverse");
    gp_free(&gp);
}

/* A linear kernel s x.x' is Bayesian linear regression with f = beta.x,
 * beta ~ N(0, s I): the posterior of beta has covariance
 * (X^T X / T + I/s)^-1 and mean that times X^T y / T. */
static void linear_kernel_matches_weight_space(void **state)
{
    (void)state;
    float x[N * D], xt[M * D];
    double y[N], gram[N * N], cross[M * N], diag[M], mean[M], var[M];
    char err[256];
    double sw2 = 1.4, sa2 = 0.8, ridge = 0.3;
    double s = sa2 * sw2 / D;
    fill_inputs(x, N, 0.5);
    fill_inputs(xt, M, 1.5);
    fill_targets(y, N);
    nngp_kernel k;
    assert_int_equal(nngp_init(&k, NNGP_LINEAR, 1, sw2, sa2, 0.0, err, sizeof err), 0);
    assert_int_equal(nngp_gram(&k, x, N, x, N, D, NULL, gram, err, sizeof err), 0);
    assert_int_equal(nngp_gram(&k, xt, M, x, N, D, NULL, cross, err, sizeof err), 0);
    nngp_gram_diag(&k, xt, M, D, diag);
    gp_model gp;
    assert_int_equal(gp_fit(&gp, gram, y, N, ridge, err, sizeof err), 0);
    assert_int_equal(gp_predict(&gp, cross, diag, M, mean, var, err, sizeof err), 0);

    double precision[D * D] = {0}, xty[D] = {0};
    for (int a = 0; a < D; a++) {
        precision[a * D + a] = 1.0 / s;
        for (int i = 0; i < N; i++) {
            xty[a] += x[i * D + a] * y[i] / ridge;
            for (int b = 0; b < D; b++)
                precision[a * D + b] += (double)x[i * D + a] * x[i * D + b] / ridge;
        }
    }
    gauss_jordan_inverse(precision, D); /* now the posterior covariance of beta */
    for (int t = 0; t < M; t++) {
        double want_mean = 0.0, want_var = 0.0;
        for (int a = 0; a < D; a++)
            for (int b = 0; b < D; b++) {
                want_mean += xt[t * D + a] * precision[a * D + b] * xty[b];
                want_var += (double)xt[t * D + a] * precision[a * D + b] * xt[t * D + b];
            }
        close_to(mean[t], want_mean, 1e-10, "linear posterior mean");
        close_to(var[t], want_var, 1e-9, "linear posterior variance");
    }
    gp_free(&gp);
}

static void loo_matches_refit(void **state)
{
    (void)state;
    float x[N * D];
    double y[N], gram[N * N], residual[N];
    char err[256];
    double ridge = 0.02;
    fill_inputs(x, N, 0.3);
    fill_targets(y, N);
    nngp_kernel k;
    assert_int_equal(nngp_init(&k, NNGP_RELU, 2, 1.8, 1.0, 0.2, err, sizeof err), 0);
    assert_int_equal(nngp_gram(&k, x, N, x, N, D, NULL, gram, err, sizeof err), 0);
    gp_model gp;
    assert_int_equal(gp_fit(&gp, gram, y, N, ridge, err, sizeof err), 0);
    assert_int_equal(gp_loo_residuals(&gp, residual, err, sizeof err), 0);
    gp_free(&gp);

    for (int out = 0; out < N; out++) {
        double sub[(N - 1) * (N - 1)], sub_y[N - 1], cross[N - 1], pred;
        int r = 0;
        for (int i = 0; i < N; i++) {
            if (i == out)
                continue;
            int c = 0;
            for (int j = 0; j < N; j++)
                if (j != out)
                    sub[r * (N - 1) + c++] = gram[i * N + j];
            sub_y[r] = y[i];
            cross[r] = gram[out * N + i];
            r++;
        }
        gp_model refit;
        assert_int_equal(gp_fit(&refit, sub, sub_y, N - 1, ridge, err, sizeof err), 0);
        assert_int_equal(gp_predict(&refit, cross, NULL, 1, &pred, NULL, err, sizeof err), 0);
        close_to(residual[out], y[out] - pred, 1e-9, "leave-one-out residual");
        gp_free(&refit);
    }
}

static void test_errors_add_variance(void **state)
{
    (void)state;
    double mean[3] = {1.0, 0.0, -1.0}, y[3] = {0.0, 0.0, 1.0}, var[3] = {0.1, 0.2, 0.6};
    gp_errors e = gp_test_errors(mean, var, y, 3);
    close_to(e.mean_mse, (1.0 + 0.0 + 4.0) / 3.0, 1e-15, "mean-predictor MSE");
    close_to(e.post_var, 0.3, 1e-15, "mean posterior variance");
    close_to(e.sample_mse, 5.0 / 3.0 + 0.3, 1e-15, "single-sample MSE");
    gp_errors no_var = gp_test_errors(mean, NULL, y, 3);
    close_to(no_var.sample_mse, no_var.mean_mse, 0.0, "MSE without variance");
}

static void indefinite_gram_is_rejected(void **state)
{
    (void)state;
    double gram[4] = {1.0, 2.0, 2.0, 1.0}, y[2] = {1.0, 0.0};
    char err[256] = "";
    gp_model gp;
    assert_int_equal(gp_fit(&gp, gram, y, 2, 0.0, err, sizeof err), -1);
    assert_non_null(strstr(err, "not positive definite"));
    assert_null(gp.factor);
    /* A ridge above the negative eigenvalue (-1) makes it definite. */
    assert_int_equal(gp_fit(&gp, gram, y, 2, 1.5, err, sizeof err), 0);
    gp_free(&gp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(posterior_matches_gauss_jordan),
        cmocka_unit_test(linear_kernel_matches_weight_space),
        cmocka_unit_test(loo_matches_refit),
        cmocka_unit_test(test_errors_add_variance),
        cmocka_unit_test(indefinite_gram_is_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
