/*
 * fwc.c - Monte Carlo finite-width correction to the GP posterior mean.
 * See include/fwc.h for the formula.
 *
 * Legend: n training points, m test points, M weight draws processed in
 * blocks of at most BLOCK rows. phi (rows, n) and phi_test (rows, m) are the
 * features of one block; A = (K + T I)^-1 (n, n); yt = A y (n);
 * B = A K*^T (n, m), so that psi*(x_j) = phi(x_j) - sum_nu B_{nu j} phi(x_nu)
 * is the feature with its GP prediction from the training features removed.
 *
 * Contracting U with yt and A turns every Monte Carlo term into a scalar per
 * draw. With s = phi.yt and q = phi^T A phi,
 *     df_j = (sigma_a2^2/2N) [ <psi*_j (s^3 - 3 q s)> + det_j / sigma_a2^2 ],
 *     det_j = -(Kt_j.yt)(yt^T K yt) + 2 Kt_j^T A K yt + (Kt_j.yt) Tr(A K),
 * with Kt = K* - K* A K. The average is noisy because yt is large when T is
 * small, so a control variate removes its Gaussian part: for Gaussian
 * features, s^3 - 3 q s would equal 3 r with
 *     r = s (yt^T k yt - Tr(A k)) - 2 phi.(A k yt),      k = K / sigma_a2,
 * and <psi* r> = -det / sigma_a2^2 exactly whenever K = sigma_a2 E[phi phi^T].
 * So each draw contributes psi* g with g = s^3 - 3 q s - 3 r, and
 *     df_j = (1/2N) [ sigma_a2^2 <psi*_j g> - 2 det_j ].
 * <psi*_j g> needs only phi_test^T g and phi^T g.
 */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwc.h"
#include "rng.h"
#include "gp.h"

#define BLOCK 256

/* Monte Carlo draws come from the engine's generator (rng.h), seeded per call. */

/* What every block of draws needs: A, yt, B and the deterministic part. */
typedef struct {
    int n, m;
    double *inverse;   /* A (n, n) */
    double *y_tilde;   /* yt (n) */
    double *b;         /* B (n, m), row-major */
    double *det;       /* det_j (m) */
    double *v;         /* A k yt (n), k = K / sigma_a2 */
    double coef;       /* yt^T k yt - Tr(A k) */
    double *g, *lin, *lin_v; /* (BLOCK) per-draw scalars */
    double *work;      /* (BLOCK, n) phi A */
} fwc_setup;

static void setup_free(fwc_setup *s)
{
    free(s->inverse);
    free(s->y_tilde);
    free(s->b);
    free(s->det);
    free(s->v);
    free(s->g);
    free(s->lin);
    free(s->lin_v);
    free(s->work);
    memset(s, 0, sizeof *s);
}

static int setup_init(fwc_setup *s, const double *gram, const double *cross, const double *y,
                      int n, int m, double ridge, double sigma_a2, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    s->m = m;
    gp_model gp;
    if (gp_fit(&gp, gram, y, n, ridge, err, errlen) != 0)
        return -1;

    size_t nn = (size_t)n * n, nm = (size_t)n * m;
    s->inverse = malloc(sizeof(double) * nn);
    s->y_tilde = malloc(sizeof(double) * n);
    s->b = malloc(sizeof(double) * nm);
    s->det = malloc(sizeof(double) * m);
    s->v = malloc(sizeof(double) * n);
    s->g = malloc(sizeof(double) * BLOCK);
    s->lin = malloc(sizeof(double) * BLOCK);
    s->lin_v = malloc(sizeof(double) * BLOCK);
    s->work = malloc(sizeof(double) * BLOCK * (size_t)n);
    double *kt = malloc(sizeof(double) * nm);
    double *k_yt = malloc(sizeof(double) * n);
    double *a_k_yt = malloc(sizeof(double) * n);
    int status = -1;
    if (!s->inverse || !s->y_tilde || !s->b || !s->det || !s->v || !s->g || !s->lin ||
        !s->lin_v || !s->work || !kt || !k_yt || !a_k_yt) {
        snprintf(err, errlen, "out of memory for the FWC of %d training and %d test points", n, m);
        goto done;
    }
    if (gp_inverse(&gp, s->inverse, err, errlen) != 0)
        goto done;
    memcpy(s->y_tilde, gp.alpha, sizeof(double) * n);

    /* B (n, m) = A (n, n) * cross^T: M = n, N = m, K = n, cross (m, n) transposed. */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, m, n, 1.0, s->inverse, n,
                cross, n, 0.0, s->b, m);
    /* Kt (m, n) = cross - B^T (m, n) * K (n, n): M = m, N = n, K = n, B transposed. */
    memcpy(kt, cross, sizeof(double) * nm);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, n, n, -1.0, s->b, m,
                gram, n, 1.0, kt, n);

    cblas_dsymv(CblasRowMajor, CblasUpper, n, 1.0, gram, n, s->y_tilde, 1, 0.0, k_yt, 1);
    cblas_dsymv(CblasRowMajor, CblasUpper, n, 1.0, s->inverse, n, k_yt, 1, 0.0, a_k_yt, 1);
    double yt_k_yt = cblas_ddot(n, s->y_tilde, 1, k_yt, 1);
    double trace_ak = 0.0;
    for (int i = 0; i < n; i++)
        trace_ak += cblas_ddot(n, s->inverse + (size_t)i * n, 1, gram + (size_t)i, n);
    for (int j = 0; j < m; j++) {
        const double *row = kt + (size_t)j * n;
        double kt_yt = cblas_ddot(n, row, 1, s->y_tilde, 1);
        s->det[j] = -kt_yt * yt_k_yt + 2.0 * cblas_ddot(n, row, 1, a_k_yt, 1) + kt_yt * trace_ak;
    }
    for (int i = 0; i < n; i++)
        s->v[i] = a_k_yt[i] / sigma_a2;
    s->coef = (yt_k_yt - trace_ak) / sigma_a2;
    status = 0;
done:
    free(kt);
    free(k_yt);
    free(a_k_yt);
    gp_free(&gp);
    if (status != 0)
        setup_free(s);
    return status;
}

/* Add phi^T g to sum_train (n) and phi_test^T g to sum_test (m) for one block
 * of rows draws. */
static void accumulate_block(fwc_setup *s, const double *phi, const double *phi_test, int rows,
                             double *sum_train, double *sum_test)
{
    int n = s->n, m = s->m;
    /* work (rows, n) = phi (rows, n) * A (n, n): M = rows, N = n, K = n. */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, n, n, 1.0, phi, n,
                s->inverse, n, 0.0, s->work, n);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, rows, n, 1.0, phi, n, s->y_tilde, 1, 0.0,
                s->lin, 1);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, rows, n, 1.0, phi, n, s->v, 1, 0.0, s->lin_v, 1);
    for (int r = 0; r < rows; r++) {
        double quad = cblas_ddot(n, s->work + (size_t)r * n, 1, phi + (size_t)r * n, 1);
        double lin = s->lin[r];
        s->g[r] = lin * lin * lin - 3.0 * quad * lin - 3.0 * s->coef * lin + 6.0 * s->lin_v[r];
    }
    cblas_dgemv(CblasRowMajor, CblasTrans, rows, n, 1.0, phi, n, s->g, 1, 1.0, sum_train, 1);
    cblas_dgemv(CblasRowMajor, CblasTrans, rows, m, 1.0, phi_test, m, s->g, 1, 1.0, sum_test, 1);
}

/* <psi*_j g> (m) from the sums over count draws; sum_test is overwritten. */
static void psi_g_mean(const fwc_setup *s, const double *sum_train, double *sum_test,
                       long count, double *out)
{
    /* sum_test (m) -= B^T (m, n) * sum_train (n). */
    cblas_dgemv(CblasRowMajor, CblasTrans, s->n, s->m, -1.0, s->b, s->m, sum_train, 1, 1.0,
                sum_test, 1);
    for (int j = 0; j < s->m; j++)
        out[j] = sum_test[j] / (double)count;
}

int fwc_mean_shift_from_features(const double *phi_train, const double *phi_test, int samples,
                                 int n, int m, const double *gram, const double *cross,
                                 const double *y, double ridge, double sigma_a2, int width,
                                 double *shift, char *err, size_t errlen)
{
    if (samples < 1 || width < 1 || n < 1 || m < 1) {
        snprintf(err, errlen, "FWC needs samples, width, n and m >= 1 (got %d, %d, %d, %d)",
                 samples, width, n, m);
        return -1;
    }
    fwc_setup s;
    if (setup_init(&s, gram, cross, y, n, m, ridge, sigma_a2, err, errlen) != 0)
        return -1;
    double *sum_train = calloc((size_t)n, sizeof(double));
    double *sum_test = calloc((size_t)m, sizeof(double));
    if (!sum_train || !sum_test) {
        snprintf(err, errlen, "out of memory for the FWC sums");
        free(sum_train);
        free(sum_test);
        setup_free(&s);
        return -1;
    }
    for (int start = 0; start < samples; start += BLOCK) {
        int rows = samples - start < BLOCK ? samples - start : BLOCK;
        accumulate_block(&s, phi_train + (size_t)start * n, phi_test + (size_t)start * m, rows,
                         sum_train, sum_test);
    }
    psi_g_mean(&s, sum_train, sum_test, samples, shift);
    double scale = sigma_a2 * sigma_a2;
    for (int j = 0; j < m; j++)
        shift[j] = (scale * shift[j] - 2.0 * s.det[j]) / (2.0 * width);
    free(sum_train);
    free(sum_test);
    setup_free(&s);
    return 0;
}

/* Draw rows weight vectors w ~ N(0, sigma_w2/d I) and biases b ~ N(0,
 * sigma_b2) and fill phi (rows, n) and phi_test (rows, m) with phi(w.x + b).
 * weights (rows, d) and bias (rows) are scratch. */
static void sample_features(const nngp_kernel *k, gs_rng *rng, int rows, int d,
                            const double *x, int n, const double *x_test, int m,
                            double *weights, double *bias, double *phi, double *phi_test)
{
    double w_scale = sqrt(k->sigma_w2 / d), b_scale = sqrt(k->sigma_b2);
    for (size_t i = 0; i < (size_t)rows * d; i++)
        weights[i] = w_scale * gs_rng_normal(rng);
    for (int r = 0; r < rows; r++)
        bias[r] = b_scale * gs_rng_normal(rng);
    /* phi (rows, n) = weights (rows, d) * x^T: M = rows, N = n, K = d, x (n, d) transposed. */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, n, d, 1.0, weights, d, x, d,
                0.0, phi, n);
    /* phi_test (rows, m) = weights * x_test^T, likewise. */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, m, d, 1.0, weights, d, x_test, d,
                0.0, phi_test, m);
    for (int r = 0; r < rows; r++) {
        for (int i = 0; i < n; i++) {
            double *p = phi + (size_t)r * n + i;
            *p = nngp_activation_apply(k->activation, *p + bias[r]);
        }
        for (int j = 0; j < m; j++) {
            double *p = phi_test + (size_t)r * m + j;
            *p = nngp_activation_apply(k->activation, *p + bias[r]);
        }
    }
}

static double *float_to_double(const float *src, size_t count)
{
    double *dst = malloc(sizeof(double) * (count ? count : 1));
    if (dst)
        for (size_t i = 0; i < count; i++)
            dst[i] = src[i];
    return dst;
}

int fwc_mean_shift(const nngp_kernel *kernel, const float *x_train, const double *y, int n,
                   const float *x_test, int m, int d, const double *gram, const double *cross,
                   double ridge, int width, int samples, uint64_t seed,
                   const atomic_int *cancel, double *shift, double *std_error,
                   char *err, size_t errlen)
{
    if (kernel->hidden_layers != 1) {
        snprintf(err, errlen,
                 "the FWC is implemented for one hidden layer only (hidden_layers = %d); "
                 "set fwc_samples = 0 for deeper nets", kernel->hidden_layers);
        return -1;
    }
    if (samples < 2 || width < 1 || n < 1 || m < 1 || d < 1) {
        snprintf(err, errlen,
                 "FWC needs samples >= 2 and width, n, m, d >= 1 (got %d, %d, %d, %d, %d)",
                 samples, width, n, m, d);
        return -1;
    }
    fwc_setup s;
    if (setup_init(&s, gram, cross, y, n, m, ridge, kernel->sigma_a2, err, errlen) != 0)
        return -1;

    int batches = samples < FWC_BATCHES ? samples : FWC_BATCHES;
    double *x = float_to_double(x_train, (size_t)n * d);
    double *xt = float_to_double(x_test, (size_t)m * d);
    double *weights = malloc(sizeof(double) * BLOCK * (size_t)d);
    double *bias = malloc(sizeof(double) * BLOCK);
    double *phi = malloc(sizeof(double) * BLOCK * (size_t)n);
    double *phi_test = malloc(sizeof(double) * BLOCK * (size_t)m);
    double *sum_train = calloc((size_t)n, sizeof(double));
    double *sum_test = calloc((size_t)m, sizeof(double));
    double *batch_train = malloc(sizeof(double) * n);
    double *batch_test = malloc(sizeof(double) * m);
    double *estimate = malloc(sizeof(double) * m);
    double *square_sum = calloc((size_t)m, sizeof(double));
    int status = -1;
    if (!x || !xt || !weights || !bias || !phi || !phi_test || !sum_train || !sum_test ||
        !batch_train || !batch_test || !estimate || !square_sum) {
        snprintf(err, errlen, "out of memory for FWC sampling (n = %d, m = %d, d = %d)", n, m, d);
        goto done;
    }

    gs_rng rng;
    gs_rng_seed(&rng, seed);
    double scale = kernel->sigma_a2 * kernel->sigma_a2;
    for (int batch = 0; batch < batches; batch++) {
        long first = (long)samples * batch / batches;
        long count = (long)samples * (batch + 1) / batches - first;
        memset(batch_train, 0, sizeof(double) * n);
        memset(batch_test, 0, sizeof(double) * m);
        for (long done_rows = 0; done_rows < count; done_rows += BLOCK) {
            if (cancel && atomic_load(cancel)) {
                snprintf(err, errlen, "FWC cancelled by a newer request");
                goto done;
            }
            int rows = count - done_rows < BLOCK ? (int)(count - done_rows) : BLOCK;
            sample_features(kernel, &rng, rows, d, x, n, xt, m, weights, bias, phi, phi_test);
            accumulate_block(&s, phi, phi_test, rows, batch_train, batch_test);
        }
        cblas_daxpy(n, 1.0, batch_train, 1, sum_train, 1);
        cblas_daxpy(m, 1.0, batch_test, 1, sum_test, 1);
        /* This batch's own estimate of df, for the batch-means error. */
        psi_g_mean(&s, batch_train, batch_test, count, estimate);
        for (int j = 0; j < m; j++) {
            double value = (scale * estimate[j] - 2.0 * s.det[j]) / (2.0 * width);
            square_sum[j] += value * value;
        }
    }
    psi_g_mean(&s, sum_train, sum_test, samples, shift);
    for (int j = 0; j < m; j++)
        shift[j] = (scale * shift[j] - 2.0 * s.det[j]) / (2.0 * width);
    if (std_error) {
        for (int j = 0; j < m; j++) {
            /* Batches differ in size by at most one draw, so equal weights are
             * accurate to O(1/M). */
            double spread = square_sum[j] / batches - shift[j] * shift[j];
            std_error[j] = batches > 1 ? sqrt(fmax(spread, 0.0) / (batches - 1)) : NAN;
        }
    }
    status = 0;
done:
    free(x);
    free(xt);
    free(weights);
    free(bias);
    free(phi);
    free(phi_test);
    free(sum_train);
    free(sum_test);
    free(batch_train);
    free(batch_test);
    free(estimate);
    free(square_sum);
    setup_free(&s);
    return status;
}

double fwc_fourth_cumulant(const double *phi, int samples, int points, int a, int b, int c,
                           int d, double sigma_a2, int width)
{
    double v = 0.0, kab = 0.0, kcd = 0.0, kac = 0.0, kbd = 0.0, kad = 0.0, kbc = 0.0;
    for (int s = 0; s < samples; s++) {
        const double *row = phi + (size_t)s * points;
        v += row[a] * row[b] * row[c] * row[d];
        kab += row[a] * row[b];
        kcd += row[c] * row[d];
        kac += row[a] * row[c];
        kbd += row[b] * row[d];
        kad += row[a] * row[d];
        kbc += row[b] * row[c];
    }
    double inv = 1.0 / samples;
    v *= inv;
    double pairs = (kab * kcd + kac * kbd + kad * kbc) * inv * inv;
    return sigma_a2 * sigma_a2 / width * (3.0 * v - pairs);
}
