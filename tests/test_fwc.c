/*
 * test_fwc.c - the finite-width correction (FWC) to the GP posterior mean.
 *
 * Four routes check it. The fourth cumulant is checked on its unit cases.
 * The fast contraction is checked against a dense evaluation of
 * df = (1/6) Ut_{*abc} [yt_a yt_b yt_c - 3 A_ab yt_c]. The formula itself is
 * checked against the exact posterior mean of a weakly non-Gaussian discrete
 * prior. The sampled network is checked against the dense formula with the
 * analytic cumulant of a linear network.
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

#include "rng.h"
#include "fwc.h"
#include "nngp.h"


/* Invert a (n, n) in place by Gauss-Jordan with partial pivoting; returns
 * log |det a|. */
static double invert(double *a, int n)
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

/* A fourth cumulant over all n + m points (training first, then test). */
typedef double (*cumulant_fn)(int a, int b, int c, int d, const void *context);

/*
 * Dense evaluation of the FWC. full (n + m, n + m) is the kernel over all
 * points; only its training block and the test-training block enter. The
 * cost is O(m n^4), fine for a handful of points.
 */
static void dense_shift(const double *full, int n, int m, const double *y, double ridge,
                        cumulant_fn u, const void *context, double *shift)
{
    int p = n + m;
    double *a = malloc(sizeof(double) * n * n);
    double *yt = calloc(n, sizeof(double));
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            a[i * n + j] = full[i * p + j] + (i == j ? ridge : 0.0);
    invert(a, n);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            yt[i] += a[i * n + j] * y[j];
    for (int t = 0; t < m; t++) {
        int star = n + t;
        double total = 0.0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                for (int k = 0; k < n; k++) {
                    double ut = u(star, i, j, k, context);
                    for (int mu = 0; mu < n; mu++)
                        for (int nu = 0; nu < n; nu++)
                            ut -= full[star * p + mu] * a[mu * n + nu] * u(nu, i, j, k, context);
                    total += ut * (yt[i] * yt[j] * yt[k] - 3.0 * a[i * n + j] * yt[k]);
                }
        shift[t] = total / 6.0;
    }
    free(a);
    free(yt);
}

/* U from features phi (samples, points) for V, with k = full / sigma_a2. */
typedef struct {
    const double *phi;
    const double *full;
    int samples, points, width;
    double sigma_a2;
} feature_cumulant;

static double cumulant_from_features(int a, int b, int c, int d, const void *context)
{
    const feature_cumulant *f = context;
    double v = 0.0;
    for (int s = 0; s < f->samples; s++) {
        const double *row = f->phi + (size_t)s * f->points;
        v += row[a] * row[b] * row[c] * row[d];
    }
    v /= f->samples;
    int p = f->points;
    double inv = 1.0 / f->sigma_a2;
    const double *k = f->full;
    double pairs = (k[a * p + b] * k[c * p + d] + k[a * p + c] * k[b * p + d] +
                    k[a * p + d] * k[b * p + c]) * inv * inv;
    return f->sigma_a2 * f->sigma_a2 / f->width * (3.0 * v - pairs);
}

/* Split features (samples, n + m) into training (samples, n) and test (samples, m). */
static void split_features(const double *phi, int samples, int n, int m, double *train,
                           double *test)
{
    for (int s = 0; s < samples; s++) {
        memcpy(train + (size_t)s * n, phi + (size_t)s * (n + m), sizeof(double) * n);
        memcpy(test + (size_t)s * m, phi + (size_t)s * (n + m) + n, sizeof(double) * m);
    }
}

/* Copy the training block (n, n) and test-training block (m, n) out of full. */
static void split_kernel(const double *full, int n, int m, double *gram, double *cross)
{
    int p = n + m;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            gram[i * n + j] = full[i * p + j];
    for (int t = 0; t < m; t++)
        for (int j = 0; j < n; j++)
            cross[t * n + j] = full[(n + t) * p + j];
}

static void cumulant_vanishes_for_constant_features(void **state)
{
    (void)state;
    double phi[50 * 3];
    for (int i = 0; i < 50 * 3; i++)
        phi[i] = 1.3;
    double u = fwc_fourth_cumulant(phi, 50, 3, 0, 1, 2, 1, 0.7, 5);
    assert_true(fabs(u) < 1e-14);
}

static void cumulant_is_six_for_one_linear_unit(void **state)
{
    (void)state;
    enum { SAMPLES = 400000 };
    double *phi = malloc(sizeof(double) * SAMPLES);
    gs_rng rng;
    gs_rng_seed(&rng, 3);
    for (int s = 0; s < SAMPLES; s++)
        phi[s] = gs_rng_normal(&rng); /* phi = w x with x = 1, w ~ N(0, 1) */
    double sa2 = 0.8;
    double u = fwc_fourth_cumulant(phi, SAMPLES, 1, 0, 0, 0, 0, sa2, 1);
    /* The estimate is dominated by 3 mean(w^4), whose standard error is
     * 3 sqrt(Var w^4 / M) = 3 sqrt(96 / M); allow 5 of them. */
    double tolerance = 5.0 * 3.0 * sqrt(96.0 / SAMPLES) * sa2 * sa2;
    assert_true(fabs(u - 6.0 * sa2 * sa2) < tolerance);
    /* U carries 1/N. */
    double u4 = fwc_fourth_cumulant(phi, SAMPLES, 1, 0, 0, 0, 0, sa2, 4);
    assert_true(fabs(u4 - u / 4.0) < 1e-12 * fabs(u));
    free(phi);
}

static void constant_features_give_no_shift(void **state)
{
    (void)state;
    enum { N = 3, M = 2, S = 20 };
    double phi_train[S * N], phi_test[S * M], gram[N * N], cross[M * N], shift[M];
    double y[N] = {0.4, -1.0, 0.7}, sa2 = 1.3, level = 0.9;
    char err[256];
    for (int i = 0; i < S * N; i++)
        phi_train[i] = level;
    for (int i = 0; i < S * M; i++)
        phi_test[i] = level;
    for (int i = 0; i < N * N; i++)
        gram[i] = sa2 * level * level;
    for (int i = 0; i < M * N; i++)
        cross[i] = sa2 * level * level;
    assert_int_equal(fwc_mean_shift_from_features(phi_train, phi_test, S, N, M, gram, cross, y,
                                                  0.1, sa2, 3, shift, err, sizeof err), 0);
    for (int t = 0; t < M; t++)
        assert_true(fabs(shift[t]) < 1e-12);
}

static void fast_contraction_matches_dense(void **state)
{
    (void)state;
    enum { N = 4, M = 2, P = N + M, S = 3000 };
    double *phi = malloc(sizeof(double) * S * P);
    double *phi_train = malloc(sizeof(double) * S * N);
    double *phi_test = malloc(sizeof(double) * S * M);
    double full[P * P] = {0}, gram[N * N], cross[M * N], fast[M], dense[M];
    double y[N] = {0.3, -0.8, 1.1, 0.2}, sa2 = 1.4, ridge = 0.05;
    int width = 7;
    char err[256];
    gs_rng rng;
    gs_rng_seed(&rng, 17);
    double x[P][2];
    for (int i = 0; i < P; i++)
        for (int c = 0; c < 2; c++)
            x[i][c] = gs_rng_normal(&rng);
    for (int s = 0; s < S; s++) {
        double w0 = gs_rng_normal(&rng), w1 = gs_rng_normal(&rng), b = 0.5 * gs_rng_normal(&rng);
        for (int i = 0; i < P; i++)
            phi[s * P + i] = erf(w0 * x[i][0] + w1 * x[i][1] + b);
    }
    /* The fast route's control variate assumes K = sigma_a2 E[phi phi^T] over
     * the draws, as for a network; then both routes are exact identities. */
    for (int i = 0; i < P; i++)
        for (int j = 0; j < P; j++) {
            for (int s = 0; s < S; s++)
                full[i * P + j] += phi[s * P + i] * phi[s * P + j];
            full[i * P + j] = sa2 * full[i * P + j] / S;
        }
    split_features(phi, S, N, M, phi_train, phi_test);
    split_kernel(full, N, M, gram, cross);
    assert_int_equal(fwc_mean_shift_from_features(phi_train, phi_test, S, N, M, gram, cross, y,
                                                  ridge, sa2, width, fast, err, sizeof err), 0);
    feature_cumulant ctx = {phi, full, S, P, width, sa2};
    dense_shift(full, N, M, y, ridge, cumulant_from_features, &ctx, dense);
    for (int t = 0; t < M; t++) {
        if (!(fabs(fast[t] - dense[t]) < 1e-10 * (1.0 + fabs(dense[t]))))
            fail_msg("test point %d: fast %.15g, dense %.15g", t, fast[t], dense[t]);
        assert_true(fabs(dense[t]) > 1e-6); /* a zero shift would prove nothing */
    }
    free(phi);
    free(phi_train);
    free(phi_test);
}

/*
 * Exact check of the formula on a discrete prior. Each of the N units picks
 * one of S feature vectors phi_s uniformly, so given the counts c_s the prior
 * is Gaussian with covariance (sigma_a2/N) sum_s c_s phi_s phi_s^T, and the
 * exact posterior mean is a sum over the multinomial counts. The prior's
 * non-Gaussianity is O(1/N) in every direction, so the ratio of the exact
 * shift to the FWC (with V taken over the S vectors exactly) must approach 1
 * with an error O(1/N).
 */
enum { MIX_N = 3, MIX_M = 2, MIX_P = MIX_N + MIX_M, MIX_S = 3 };

static void mixture_exact_mean(const double *phi, int width, const double *y, double sa2,
                               double ridge, double *exact)
{
    double max_log = -INFINITY, norm = 0.0;
    double sum[MIX_M] = {0};
    /* Two passes: the first finds the largest log weight for a stable sum. */
    for (int pass = 0; pass < 2; pass++) {
        for (int c0 = 0; c0 <= width; c0++)
            for (int c1 = 0; c0 + c1 <= width; c1++) {
                int count[MIX_S] = {c0, c1, width - c0 - c1};
                double cov[MIX_P * MIX_P] = {0};
                for (int s = 0; s < MIX_S; s++)
                    for (int i = 0; i < MIX_P; i++)
                        for (int j = 0; j < MIX_P; j++)
                            cov[i * MIX_P + j] += sa2 / width * count[s] * phi[s * MIX_P + i] *
                                                  phi[s * MIX_P + j];
                double a[MIX_N * MIX_N];
                for (int i = 0; i < MIX_N; i++)
                    for (int j = 0; j < MIX_N; j++)
                        a[i * MIX_N + j] = cov[i * MIX_P + j] + (i == j ? ridge : 0.0);
                double log_det = invert(a, MIX_N);
                double alpha[MIX_N] = {0}, quad = 0.0;
                for (int i = 0; i < MIX_N; i++) {
                    for (int j = 0; j < MIX_N; j++)
                        alpha[i] += a[i * MIX_N + j] * y[j];
                    quad += y[i] * alpha[i];
                }
                double log_w = lgamma(width + 1.0) - lgamma(c0 + 1.0) - lgamma(c1 + 1.0) -
                               lgamma(count[2] + 1.0) - width * log((double)MIX_S) -
                               0.5 * quad - 0.5 * log_det;
                if (pass == 0) {
                    if (log_w > max_log)
                        max_log = log_w;
                    continue;
                }
                double w = exp(log_w - max_log);
                norm += w;
                for (int t = 0; t < MIX_M; t++) {
                    double mean = 0.0;
                    for (int i = 0; i < MIX_N; i++)
                        mean += cov[(MIX_N + t) * MIX_P + i] * alpha[i];
                    sum[t] += w * mean;
                }
            }
    }
    for (int t = 0; t < MIX_M; t++)
        exact[t] = sum[t] / norm;
}

static double mixture_worst_ratio(int width)
{
    const double phi[MIX_S * MIX_P] = {
        0.9, -0.5, 1.2, 0.4, -0.8,
        0.3, 1.1, -0.7, 0.9, 0.6,
        -1.0, 0.4, 0.5, -0.6, 1.3,
    };
    double y[MIX_N] = {0.7, -0.2, 1.0};
    double sa2 = 1.1, ridge = 0.2;
    double full[MIX_P * MIX_P] = {0};
    for (int s = 0; s < MIX_S; s++)
        for (int i = 0; i < MIX_P; i++)
            for (int j = 0; j < MIX_P; j++)
                full[i * MIX_P + j] += sa2 * phi[s * MIX_P + i] * phi[s * MIX_P + j] / MIX_S;

    double gram[MIX_N * MIX_N], cross[MIX_M * MIX_N], shift[MIX_M], exact[MIX_M];
    double phi_train[MIX_S * MIX_N], phi_test[MIX_S * MIX_M];
    char err[256];
    split_kernel(full, MIX_N, MIX_M, gram, cross);
    split_features(phi, MIX_S, MIX_N, MIX_M, phi_train, phi_test);
    assert_int_equal(fwc_mean_shift_from_features(phi_train, phi_test, MIX_S, MIX_N, MIX_M, gram,
                                                  cross, y, ridge, sa2, width, shift, err,
                                                  sizeof err), 0);
    mixture_exact_mean(phi, width, y, sa2, ridge, exact);

    double a[MIX_N * MIX_N];
    memcpy(a, gram, sizeof a);
    for (int i = 0; i < MIX_N; i++)
        a[i * MIX_N + i] += ridge;
    invert(a, MIX_N);
    double worst = 0.0;
    for (int t = 0; t < MIX_M; t++) {
        double gp = 0.0;
        for (int i = 0; i < MIX_N; i++)
            for (int j = 0; j < MIX_N; j++)
                gp += cross[t * MIX_N + i] * a[i * MIX_N + j] * y[j];
        double ratio = (exact[t] - gp) / shift[t];
        if (fabs(ratio - 1.0) > worst)
            worst = fabs(ratio - 1.0);
    }
    return worst;
}

static void formula_matches_exact_mixture(void **state)
{
    (void)state;
    double coarse = mixture_worst_ratio(25);
    double medium = mixture_worst_ratio(50);
    double fine = mixture_worst_ratio(100);
    print_message("exact/FWC ratio - 1: %.3g (N 25), %.3g (N 50), %.3g (N 100)\n", coarse,
                  medium, fine);
    /* The neglected terms are O(1/N) relative to the FWC: doubling N must
     * roughly halve the mismatch, and at N = 100 it must be small. */
    assert_true(medium < 0.7 * coarse);
    assert_true(fine < 0.7 * medium);
    assert_true(fine < 0.05);
}

/* A linear net's preactivations are Gaussian, so by Isserlis
 * U_abcd = (2 sigma_a2^2/N) (k_ab k_cd + k_ac k_bd + k_ad k_bc). */
typedef struct {
    const double *full;
    int points, width;
    double sigma_a2;
} linear_cumulant;

static double cumulant_linear(int a, int b, int c, int d, const void *context)
{
    const linear_cumulant *f = context;
    int p = f->points;
    double inv = 1.0 / f->sigma_a2;
    const double *k = f->full;
    double pairs = (k[a * p + b] * k[c * p + d] + k[a * p + c] * k[b * p + d] +
                    k[a * p + d] * k[b * p + c]) * inv * inv;
    return 2.0 * f->sigma_a2 * f->sigma_a2 / f->width * pairs;
}

static void sampled_linear_net_matches_analytic(void **state)
{
    (void)state;
    enum { N = 5, M = 3, P = N + M, D = 3 };
    float x[P * D];
    double y[N] = {0.5, -0.3, 0.9, -1.1, 0.2};
    double sw2 = 1.2, sa2 = 0.9, sb2 = 0.2, ridge = 0.1;
    int width = 10;
    char err[256];
    for (int i = 0; i < P * D; i++)
        x[i] = (float)sin(1.3 * i + 0.4);
    nngp_kernel k;
    assert_int_equal(nngp_init(&k, NNGP_LINEAR, 1, sw2, sa2, sb2, err, sizeof err), 0);
    double full[P * P], gram[N * N], cross[M * N], shift[M], se[M], dense[M];
    assert_int_equal(nngp_gram(&k, x, P, x, P, D, NULL, full, err, sizeof err), 0);
    split_kernel(full, N, M, gram, cross);
    assert_int_equal(fwc_mean_shift(&k, x, y, N, x + N * D, M, D, gram, cross, ridge, width,
                                    40000, 99, NULL, shift, se, err, sizeof err), 0);
    linear_cumulant ctx = {full, P, width, sa2};
    dense_shift(full, N, M, y, ridge, cumulant_linear, &ctx, dense);
    for (int t = 0; t < M; t++) {
        /* Batch-means errors from 16 batches are themselves uncertain by
         * about 20%, so allow 6 of them. */
        if (!(fabs(shift[t] - dense[t]) < 6.0 * se[t]))
            fail_msg("test point %d: sampled %.6g +- %.2g, analytic %.6g", t, shift[t], se[t],
                     dense[t]);
        assert_true(fabs(dense[t]) > 6.0 * se[t]);
    }
}

static void sampling_is_seeded_and_scales_with_width(void **state)
{
    (void)state;
    enum { N = 6, M = 2, D = 2 };
    float x[(N + M) * D];
    double y[N];
    for (int i = 0; i < (N + M) * D; i++)
        x[i] = (float)cos(0.7 * i * i + 0.1);
    for (int i = 0; i < N; i++)
        y[i] = sin(1.1 * i);
    char err[256];
    nngp_kernel k;
    assert_int_equal(nngp_init(&k, NNGP_ERF, 1, 2.0, 1.0, 0.1, err, sizeof err), 0);
    double gram[N * N], cross[M * N];
    assert_int_equal(nngp_gram(&k, x, N, x, N, D, NULL, gram, err, sizeof err), 0);
    assert_int_equal(nngp_gram(&k, x + N * D, M, x, N, D, NULL, cross, err, sizeof err), 0);
    double a[M], b[M], c[M], se_a[M], se_c[M];
    const float *xt = x + N * D;
    assert_int_equal(fwc_mean_shift(&k, x, y, N, xt, M, D, gram, cross, 0.05, 20, 4000, 1, NULL,
                                    a, se_a, err, sizeof err), 0);
    assert_int_equal(fwc_mean_shift(&k, x, y, N, xt, M, D, gram, cross, 0.05, 40, 4000, 1, NULL,
                                    b, NULL, err, sizeof err), 0);
    assert_int_equal(fwc_mean_shift(&k, x, y, N, xt, M, D, gram, cross, 0.05, 20, 4000, 2, NULL,
                                    c, se_c, err, sizeof err), 0);
    for (int t = 0; t < M; t++) {
        assert_true(fabs(a[t] - 2.0 * b[t]) < 1e-12 * fabs(a[t]));
        assert_true(a[t] != c[t]);
        double combined = sqrt(se_a[t] * se_a[t] + se_c[t] * se_c[t]);
        assert_true(fabs(a[t] - c[t]) < 6.0 * combined);
    }

    double again[M];
    assert_int_equal(fwc_mean_shift(&k, x, y, N, xt, M, D, gram, cross, 0.05, 20, 4000, 1, NULL,
                                    again, NULL, err, sizeof err), 0);
    assert_memory_equal(a, again, sizeof a);

    atomic_int cancel = 1;
    assert_int_equal(fwc_mean_shift(&k, x, y, N, xt, M, D, gram, cross, 0.05, 20, 4000, 1,
                                    &cancel, again, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "cancelled"));

    nngp_kernel deep;
    assert_int_equal(nngp_init(&deep, NNGP_ERF, 2, 2.0, 1.0, 0.1, err, sizeof err), 0);
    assert_int_equal(fwc_mean_shift(&deep, x, y, N, xt, M, D, gram, cross, 0.05, 20, 4000, 1,
                                    NULL, again, NULL, err, sizeof err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cumulant_vanishes_for_constant_features),
        cmocka_unit_test(cumulant_is_six_for_one_linear_unit),
        cmocka_unit_test(constant_features_give_no_shift),
        cmocka_unit_test(fast_contraction_matches_dense),
        cmocka_unit_test(formula_matches_exact_mixture),
        cmocka_unit_test(sampled_linear_net_matches_analytic),
        cmocka_unit_test(sampling_is_seeded_and_scales_with_width),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
