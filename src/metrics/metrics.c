/*
 * metrics.c - observables of the network. See include/metrics.h.
 */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "metrics.h"

double gs_metric_mse(const float *f, const float *y, int rows, int outputs)
{
    double s = 0;
    size_t count = (size_t)rows * outputs;
    for (size_t i = 0; i < count; i++)
        s += ((double)f[i] - y[i]) * ((double)f[i] - y[i]);
    return rows > 0 ? s / rows : NAN;
}

double gs_metric_mse_d(const double *f, const float *y, int rows, int outputs)
{
    double s = 0;
    size_t count = (size_t)rows * outputs;
    for (size_t i = 0; i < count; i++)
        s += (f[i] - y[i]) * (f[i] - y[i]);
    return rows > 0 ? s / rows : NAN;
}

double gs_metric_accuracy_d(const double *f, const float *y, int rows, int outputs)
{
    int correct = 0;
    for (int i = 0; i < rows; i++) {
        const double *fi = f + (size_t)i * outputs;
        const float *yi = y + (size_t)i * outputs;
        if (outputs == 1) {
            correct += (fi[0] > 0) == (yi[0] > 0);
            continue;
        }
        int best_f = 0, best_y = 0;
        for (int k = 1; k < outputs; k++) {
            if (fi[k] > fi[best_f])
                best_f = k;
            if (yi[k] > yi[best_y])
                best_y = k;
        }
        correct += best_f == best_y;
    }
    return rows > 0 ? (double)correct / rows : NAN;
}

/* Centre a symmetric m x m matrix in place: K <- C K C. */
static void centre(double *K, int m)
{
    double total = 0;
    for (int i = 0; i < m; i++) {
        double row = 0;
        for (int j = 0; j < m; j++)
            row += K[(size_t)i * m + j];
        row /= m;
        for (int j = 0; j < m; j++)
            K[(size_t)i * m + j] -= row;
    }
    for (int j = 0; j < m; j++) {
        double col = 0;
        for (int i = 0; i < m; i++)
            col += K[(size_t)i * m + j];
        col /= m;
        for (int i = 0; i < m; i++)
            K[(size_t)i * m + j] -= col;
        total += col;
    }
    (void)total;
}

double gs_metric_alignment(const float *features, int m, int width, const float *y, int outputs,
                           double *kernel, double *scratch)
{
    /* kernel (m, m) = H H^T / width in double. */
    for (int i = 0; i < m; i++)
        for (int j = 0; j <= i; j++) {
            double s = 0;
            const float *a = features + (size_t)i * width, *b = features + (size_t)j * width;
            for (int k = 0; k < width; k++)
                s += (double)a[k] * b[k];
            kernel[(size_t)i * m + j] = kernel[(size_t)j * m + i] = s / width;
        }
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++) {
            double s = 0;
            for (int o = 0; o < outputs; o++)
                s += (double)y[(size_t)i * outputs + o] * y[(size_t)j * outputs + o];
            scratch[(size_t)i * m + j] = s;
        }
    centre(kernel, m);
    centre(scratch, m);
    double dot = 0, nk = 0, ny = 0;
    for (size_t i = 0; i < (size_t)m * m; i++) {
        dot += kernel[i] * scratch[i];
        nk += kernel[i] * kernel[i];
        ny += scratch[i] * scratch[i];
    }
    if (nk <= 0 || ny <= 0)
        return NAN;
    return dot / (sqrt(nk) * sqrt(ny));
}

void gs_metric_overlaps(const float *W, int rows, int d, const double *u, double *q)
{
    for (int i = 0; i < rows; i++) {
        double s = 0;
        for (int k = 0; k < d; k++)
            s += (double)W[(size_t)i * d + k] * u[k];
        q[i] = s;
    }
}

void gs_metric_histogram(const double *values, int count, double lo, double hi, int nbins, float *counts)
{
    for (int i = 0; i < count; i++) {
        int bin = (int)floor((values[i] - lo) / (hi - lo) * nbins);
        if (bin < 0)
            bin = 0;
        if (bin >= nbins)
            bin = nbins - 1;
        counts[bin] += 1;
    }
}

int gs_metric_cov_top_eigs(const float *W, int rows, int d, double unit, int k, double *eigs, double *work)
{
    double *C = work;                /* (d, d), column-major lower triangle for LAPACK */
    double *w = work + (size_t)d * d; /* eigenvalues, ascending */
    for (int a = 0; a < d; a++)
        for (int b = 0; b <= a; b++) {
            double s = 0;
            for (int i = 0; i < rows; i++)
                s += (double)W[(size_t)i * d + a] * W[(size_t)i * d + b];
            C[(size_t)b * d + a] = C[(size_t)a * d + b] = s / rows / unit;
        }
    if (LAPACKE_dsyev(LAPACK_COL_MAJOR, 'N', 'L', d, C, d, w) != 0)
        return -1;
    int count = k < d ? k : d;
    for (int i = 0; i < count; i++)
        eigs[i] = w[d - 1 - i];
    return count;
}

void gs_metric_hermite(const double *f, const float *x, int rows, int d, const double *u, double *lin, double *cub)
{
    /* Least squares of f on (He1, He3) jointly: on a finite sample the two are not
     * exactly orthogonal, and projecting on each alone would leak the large linear
     * part into the small cubic one. */
    double g11 = 0, g13 = 0, g33 = 0, f1 = 0, f3 = 0;
    for (int i = 0; i < rows; i++) {
        double z = 0;
        for (int k = 0; k < d; k++)
            z += (double)x[(size_t)i * d + k] * u[k];
        double he1 = z, he3 = z * z * z - 3 * z;
        g11 += he1 * he1;
        g13 += he1 * he3;
        g33 += he3 * he3;
        f1 += f[i] * he1;
        f3 += f[i] * he3;
    }
    double det = g11 * g33 - g13 * g13;
    if (!(det > 0)) {
        *lin = *cub = NAN;
        return;
    }
    *lin = (g33 * f1 - g13 * f3) / det;
    *cub = (g11 * f3 - g13 * f1) / det;
}

void gs_metric_fourier(const float *W, int rows, int P, double threshold, double *max_share, double *condensed)
{
    double share_sum = 0;
    int count_condensed = 0;
    for (int i = 0; i < rows; i++) {
        const float *w = W + (size_t)i * 2 * P;
        double total = 0, best = 0;
        for (int k = 1; k <= (P - 1) / 2; k++) {
            double re = 0, im = 0;
            for (int j = 0; j < P; j++) {
                double angle = 2 * M_PI * k * j / P;
                re += w[j] * cos(angle);
                im += w[j] * sin(angle);
            }
            double power = re * re + im * im;
            total += power;
            if (power > best)
                best = power;
        }
        double share = total > 0 ? best / total : 0;
        share_sum += share;
        count_condensed += share > threshold;
    }
    *max_share = rows > 0 ? share_sum / rows : NAN;
    *condensed = rows > 0 ? (double)count_condensed / rows : NAN;
}
