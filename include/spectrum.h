/*
 * spectrum.h - eigenvalues of dot-product kernels on the sphere, and
 * equivalent-kernel (EK) learning curves built on a spectrum.
 *
 * A kernel k(x.x'/|x||x'|) on the unit sphere S^{d-1}, with inputs drawn
 * uniformly, is diagonal in spherical harmonics. All N(d,l) harmonics of
 * degree l share the eigenvalue (Funk-Hecke)
 *     lambda_l = c_d int_{-1}^{1} k(t) P_l(t) (1 - t^2)^{(d-3)/2} dt,
 *     c_d = Gamma(d/2) / (sqrt(pi) Gamma((d-1)/2)),
 * with P_l the Gegenbauer polynomial normalized to P_l(1) = 1. Then
 * sum_l N(d,l) lambda_l = k(1).
 *
 * Learning curves take a spectrum as groups of degenerate modes: eigenvalue
 * lambda (of the integral operator under the input measure), multiplicity,
 * and target power g2 (the sum of squared target coefficients of the group's
 * modes). Three conventions for the effective ridge appear in the literature;
 * all describe the same root:
 *     form A: kappa = noise + (kappa/n) sum lambda/(lambda + kappa/n)
 *     form B: sum lambda/(lambda + kappa_B) + delta/kappa_B = n   (delta = noise)
 *     form C: K = noise + sum lambda K/(eta lambda + K)           (eta = n)
 * so kappa = K = n kappa_B. Each sum runs over modes with multiplicity. The
 * bare EK replaces kappa by the noise itself.
 *
 * Callers: the theory thread and tests. Nothing is allocated; outputs go
 * into caller arrays.
 */
#ifndef GS_SPECTRUM_H
#define GS_SPECTRUM_H

#include <stddef.h>

/* A kernel as a function of the cosine t in [-1, 1]. */
typedef double (*spectrum_profile)(double t, void *context);

/* Degenerate groups of modes. */
typedef struct {
    int count;
    const double *lambda;        /* (count) eigenvalues */
    const double *multiplicity;  /* (count) degeneracies; NULL means all 1 */
} spectrum_modes;

/* log N(d, l), the log of the number of degree-l harmonics on S^{d-1}, d >= 2. */
double spectrum_log_multiplicity(int d, int l);
/* N(d, l); may exceed 2^53 and then is rounded. */
double spectrum_multiplicity(int d, int l);

/* P_l(t) for l = 0..lmax, normalized Gegenbauer polynomials of S^{d-1}. */
void spectrum_gegenbauer(int d, int lmax, double t, double *p);

/* Fill lambda (lmax + 1) with the Funk-Hecke eigenvalues of profile on S^{d-1}
 * by tanh-sinh quadrature on points nodes (<= 0 picks 4000). profile may be
 * singular at t = +-1 but must be finite there.
 * Returns 0, or -1 with a message in err when d < 2 or lmax < 0. */
int spectrum_sphere_eigenvalues(spectrum_profile profile, void *context, int d, int lmax,
                                int points, double *lambda, char *err, size_t errlen);

/* Bare EK, noise sigma2 and n samples: learnability of a mode. */
double spectrum_ek_learnability(double lambda, double noise, double n);
/* Bare EK mean-predictor test MSE, sum over groups of (1 - L)^2 g2. */
double spectrum_ek_mean_mse(const spectrum_modes *modes, const double *target_power,
                            double noise, double n);
/* Bare EK posterior variance averaged over inputs,
 * sum over modes of lambda (noise/n) / (lambda + noise/n). */
double spectrum_ek_post_var(const spectrum_modes *modes, double noise, double n);

/* Solve form A for kappa by fixed-point iteration (noise > 0, n > 0). */
int spectrum_ridge_form_a(const spectrum_modes *modes, double noise, double n, double *kappa,
                          char *err, size_t errlen);
/* Solve form B for kappa_B by bisection in log kappa_B (delta >= 0; with
 * delta = 0 a root needs more modes than samples). */
int spectrum_ridge_form_b(const spectrum_modes *modes, double delta, double n, double *kappa_b,
                          char *err, size_t errlen);
/* Solve form C for K by damped fixed-point iteration from noise + sum lambda
 * (noise > 0, eta > 0). */
int spectrum_ridge_form_c(const spectrum_modes *modes, double noise, double eta, double *k_c,
                          char *err, size_t errlen);

/* kappa_B = kappa / n, the per-sample ridge of form B, from kappa of A or C. */
double spectrum_ridge_per_sample(double kappa, double n);
/* kappa = n kappa_B, the ridge of forms A and C, from form B's kappa_B. */
double spectrum_ridge_total(double kappa_b, double n);

/* Renormalized test MSE of the mean predictor against the clean target:
 * E = E0 sum (1 - L)^2 g2 + (E0 - 1) label_noise, with L = lambda/(lambda +
 * kappa_b) and E0 = n / (n - sum over modes of L^2). Returns NAN when
 * sum L^2 >= n. */
double spectrum_ridge_test_mse(const spectrum_modes *modes, const double *target_power,
                               double kappa_b, double n, double label_noise);

/* Function alignment <fbar, y>/<y, y> = sum L g2 / sum g2. */
double spectrum_ridge_alignment(const spectrum_modes *modes, const double *target_power,
                                double kappa_b);

#endif
