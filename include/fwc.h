/*
 * fwc.h - finite-width correction (FWC) to the GP posterior mean of a
 * two-layer network f(x) = sum_i a_i phi(w_i.x + b_i), a_i ~ N(0, sigma_a2/N).
 *
 * At width N the prior over outputs is not Gaussian. Its leading deviation is
 * the fourth cumulant
 *     U_abcd = (sigma_a2^2/N) [3 V_abcd - k_ab k_cd - k_ac k_bd - k_ad k_bc],
 * with k_ab = E_w[phi_a phi_b] (so K = sigma_a2 k) and V_abcd = E_w[phi_a phi_b
 * phi_c phi_d]. To first order in 1/N the posterior mean at x* shifts by
 *     df(x*) = (1/6) Ut_{*abc} [yt_a yt_b yt_c - 3 A_ab yt_c],
 * where A = (K + T I)^-1, yt = A y and Ut_{*abc} = U_{*abc} - K_{*mu} A_{mu nu}
 * U_{nu abc}. V is estimated by Monte Carlo over M prior draws of (w, b).
 * The kernel enters through the closed form the caller passes in, and must be
 * the kernel of the sampled features (K = sigma_a2 E[phi phi^T]), because a
 * control variate that cuts the Monte Carlo noise relies on it. No n^3
 * tensor is formed: the cost is one (M, n) x (n, n) product plus
 * O(M (n + m) d).
 *
 * Callers: the theory thread and tests. The functions allocate scratch space
 * and free it before returning; outputs go into caller arrays.
 */
#ifndef GS_FWC_H
#define GS_FWC_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "nngp.h"

/* Number of batches behind the batch-means standard error of fwc_mean_shift. */
#define FWC_BATCHES 16

/*
 * Estimate the FWC df (m) at the test points x_test (m, d). The GP is fitted
 * to x_train (n, d) and y (n) with ridge T. The network has width N and one
 * hidden layer described by kernel, so hidden_layers must be 1. gram (n, n)
 * and cross (m, n), row-major, are K(X, X) and K(x_test, X) of that same
 * kernel. samples is M, drawn from a xoshiro256** stream seeded by seed.
 * std_error (m) receives the batch-means Monte Carlo standard error, or may
 * be NULL. cancel may be NULL, and a nonzero value stops the sampling.
 * Returns 0, or -1 with a message in err on invalid arguments, out of memory,
 * a failed factorization, or cancellation.
 */
int fwc_mean_shift(const nngp_kernel *kernel, const float *x_train, const double *y, int n,
                   const float *x_test, int m, int d, const double *gram, const double *cross,
                   double ridge, int width, int samples, uint64_t seed,
                   const atomic_int *cancel, double *shift, double *std_error,
                   char *err, size_t errlen);

/*
 * The same correction for features given explicitly: row s of phi_train
 * (samples, n) and phi_test (samples, m) contains phi(w_s . x + b_s) at the
 * training and test points for one weight draw, and every row has weight
 * 1/samples. gram and cross must equal sigma_a2 times the row average of
 * phi phi^T for the result to be the FWC of that discrete prior. Useful for
 * exact discrete priors and for tests.
 */
int fwc_mean_shift_from_features(const double *phi_train, const double *phi_test, int samples,
                                 int n, int m, const double *gram, const double *cross,
                                 const double *y, double ridge, double sigma_a2, int width,
                                 double *shift, char *err, size_t errlen);

/* U_abcd for one quadruple of columns of the features phi (samples, points),
 * with k and V both estimated from the same rows. */
double fwc_fourth_cumulant(const double *phi, int samples, int points, int a, int b, int c,
                           int d, double sigma_a2, int width);

#endif
