/*
 * metrics.h - observables of the network on fixed data.
 *
 * Pure functions over float arrays in the model's shapes (see model.h);
 * the trainer calls them every metric_every steps on its own thread. None
 * allocates except gs_metric_cov_top_eigs, which takes a caller workspace.
 */
#ifndef GS_METRICS_H
#define GS_METRICS_H

#include <stddef.h>

#include "frame.h"
#include "model.h"

/* Mean squared error per sample: (1/rows) sum over rows and outputs of (f - y)^2. */
double gs_metric_mse(const float *f, const float *y, int rows, int outputs);
/* Same for a double prediction (a time average) against float targets. */
double gs_metric_mse_d(const double *f, const float *y, int rows, int outputs);
/* Fraction of rows whose argmax output matches the argmax target (outputs > 1),
 * or whose sign matches (outputs == 1). */
double gs_metric_accuracy_d(const double *f, const float *y, int rows, int outputs);

/* Centred kernel alignment between the empirical kernel K = H H^T / width of
 * features H (m, width) and the targets Y (m, outputs):
 *     A = <K_c, Y_c Y_c^T>_F / (|K_c|_F |Y_c Y_c^T|_F),  K_c = C K C,  C = I - 11^T/m.
 * For one output this is y_c^T K_c y_c / (|K_c|_F |y_c|^2). kernel and scratch
 * must hold m*m doubles each. Returns NaN when either side is zero. */
double gs_metric_alignment(const float *features, int m, int width, const float *y, int outputs,
                           double *kernel, double *scratch);

/* Overlap q_i = w_i . u of each row of W (rows, d) with a unit direction u,
 * written to q (rows). */
void gs_metric_overlaps(const float *W, int rows, int d, const double *u, double *q);
/* Add values to a histogram with equal bins over [lo, hi); values outside are clamped
 * into the edge bins. */
void gs_metric_histogram(const double *values, int count, double lo, double hi, int nbins, float *counts);

/* Top k eigenvalues (descending) of the read-in covariance (1/rows) W^T W,
 * W (rows, d), divided by `unit` (e.g. the prior variance sigma_w2/d, so the
 * prior gives eigenvalues near 1). work must hold 2*d*d + 34*d doubles. Returns the
 * number written, or -1 when LAPACK fails. */
int gs_metric_cov_top_eigs(const float *W, int rows, int d, double unit, int k, double *eigs, double *work);

/* Coefficients (lin, cub) of the least-squares fit f ~ lin He1(z) + cub He3(z),
 * z = x . u, over the rows of x (rows, d). For f = a He1 + b He3 + (anything
 * orthogonal) they estimate a and b. */
void gs_metric_hermite(const double *f, const float *x, int rows, int d, const double *u, double *lin, double *cub);

/* Fourier order parameters of modular-addition read-in weights W (rows, 2P):
 * for each row, the power of the DFT of its first P entries (the "a" half)
 * at frequencies k = 1..(P-1)/2; max_share = the largest single-frequency share of
 * that row's non-constant power, averaged over rows; condensed = the fraction of rows
 * whose largest share exceeds `threshold`. */
void gs_metric_fourier(const float *W, int rows, int P, double threshold, double *max_share, double *condensed);

#endif
