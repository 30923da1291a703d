/*
 * gp.h - Gaussian-process regression with a fixed kernel and ridge.
 *
 * With the Gram K of n training points and ridge T (the likelihood noise
 * variance, equal to the Langevin temperature), the posterior of the latent
 * function at a test point x* is Gaussian with
 *     mean      fbar(x*)  = k*^T (K + T I)^-1 y
 *     variance  Sigma(x*) = k(x*,x*) - k*^T (K + T I)^-1 k*.
 * gp_fit factors K + T I once (Cholesky); the other calls reuse the factor.
 *
 * Two test errors, which must not be confused:
 *   mean_mse   = E_x (fbar(x) - y)^2, the error of the posterior-mean
 *                (time-averaged) predictor;
 *   sample_mse = E_x E_f (f(x) - y)^2 = mean_mse + E_x Sigma(x), the average
 *                error of single posterior samples of the latent function
 *                (one snapshot of a network at equilibrium). Label noise is
 *                not added to either.
 *
 * Callers: the theory thread and tests. A gp_model owns its arrays; release
 * them with gp_free. Matrices are double; row-major and column-major coincide
 * for the symmetric ones.
 */
#ifndef GS_GP_H
#define GS_GP_H

#include <stddef.h>

typedef struct {
    int n;
    double ridge;
    double *factor;    /* (n, n) Cholesky factor L of K + T I, lower triangle, column-major */
    double *alpha;     /* (n) (K + T I)^-1 y */
    double *y;         /* (n) copy of the targets */
    double log_det;    /* log det(K + T I) */
} gp_model;

typedef struct {
    double mean_mse;   /* E_x (fbar - y)^2 */
    double post_var;   /* E_x Sigma(x) */
    double sample_mse; /* mean_mse + post_var */
} gp_errors;

/* Factor K + ridge I for the Gram gram (n, n) and solve for alpha. ridge may be
 * 0 when K is positive definite. Returns 0, or -1 with a message in err when
 * memory runs out or the matrix is not positive definite. */
int gp_fit(gp_model *gp, const double *gram, const double *y, int n, double ridge,
           char *err, size_t errlen);

void gp_free(gp_model *gp);

/* Posterior mean (m) and, when var is not NULL, variance (m) at m test points.
 * cross (m, n), row-major, contains K(x*_i, x_j). test_diag (m) contains K(x*_i, x*_i)
 * and is needed only for var. Returns 0, or -1 with a message in err. */
int gp_predict(const gp_model *gp, const double *cross, const double *test_diag, int m,
               double *mean, double *var, char *err, size_t errlen);

/* log p(y) = -y^T alpha / 2 - log det(K + T I) / 2 - n log(2 pi) / 2. */
double gp_log_marginal_likelihood(const gp_model *gp);

/* Leave-one-out residuals r_i = y_i - fbar_{-i}(x_i), the error at x_i of the
 * posterior mean fitted without point i, via r_i = alpha_i / [(K + T I)^-1]_ii.
 * Returns 0, or -1 with a message in err. */
int gp_loo_residuals(const gp_model *gp, double *residual, char *err, size_t errlen);

/* Fill inverse (n, n), row-major and symmetric, with (K + T I)^-1. */
int gp_inverse(const gp_model *gp, double *inverse, char *err, size_t errlen);

/* Test errors from posterior means, variances (or NULL for zero variance)
 * and targets at m points. */
gp_errors gp_test_errors(const double *mean, const double *var, const double *y, int m);

#endif
