/*
 * gp_regression.c - GP posterior by Cholesky. See include/gp.h.
 *
 * All LAPACK calls use column-major storage on the lower triangle. The Gram
 * is symmetric, so a row-major Gram is already its own column-major copy and
 * LAPACKE never has to transpose it. A row-major cross matrix (m, n) is, read
 * column-major, the (n, m) right-hand side k*^T that the solves need.
 */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gp.h"

void gp_free(gp_model *gp)
{
    free(gp->factor);
    free(gp->alpha);
    free(gp->y);
    memset(gp, 0, sizeof *gp);
}

int gp_fit(gp_model *gp, const double *gram, const double *y, int n, double ridge,
           char *err, size_t errlen)
{
    memset(gp, 0, sizeof *gp);
    if (n < 1) {
        snprintf(err, errlen, "GP fit needs at least one training point (n = %d)", n);
        return -1;
    }
    size_t nn = (size_t)n * n;
    gp->n = n;
    gp->ridge = ridge;
    gp->factor = malloc(sizeof(double) * nn);
    gp->alpha = malloc(sizeof(double) * n);
    gp->y = malloc(sizeof(double) * n);
    if (!gp->factor || !gp->alpha || !gp->y) {
        snprintf(err, errlen, "out of memory for a GP on %d training points", n);
        gp_free(gp);
        return -1;
    }
    memcpy(gp->factor, gram, sizeof(double) * nn);
    for (int i = 0; i < n; i++)
        gp->factor[(size_t)i * n + i] += ridge;
    memcpy(gp->y, y, sizeof(double) * n);

    lapack_int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', n, gp->factor, n);
    if (info != 0) {
        snprintf(err, errlen,
                 "Cholesky of K + T I failed at pivot %d of %d (T = %g): the matrix is not "
                 "positive definite; raise T", (int)info, n, ridge);
        gp_free(gp);
        return -1;
    }
    gp->log_det = 0.0;
    for (int i = 0; i < n; i++)
        gp->log_det += 2.0 * log(gp->factor[(size_t)i * n + i]);

    memcpy(gp->alpha, y, sizeof(double) * n);
    info = LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'L', n, 1, gp->factor, n, gp->alpha, n);
    if (info != 0) {
        snprintf(err, errlen, "LAPACKE_dpotrs failed with code %d", (int)info);
        gp_free(gp);
        return -1;
    }
    return 0;
}

int gp_predict(const gp_model *gp, const double *cross, const double *test_diag, int m,
               double *mean, double *var, char *err, size_t errlen)
{
    int n = gp->n;
    if (m < 1)
        return 0;
    /* mean (m) = cross (m, n) * alpha (n) */
    cblas_dgemv(CblasRowMajor, CblasNoTrans, m, n, 1.0, cross, n, gp->alpha, 1, 0.0, mean, 1);
    if (!var)
        return 0;

    double *v = malloc(sizeof(double) * (size_t)n * m);
    if (!v) {
        snprintf(err, errlen, "out of memory for the variance of %d test points", m);
        return -1;
    }
    /* V = L^-1 k*^T, column-major (n, m): column i is the solve for test point i. */
    memcpy(v, cross, sizeof(double) * (size_t)n * m);
    lapack_int info = LAPACKE_dtrtrs(LAPACK_COL_MAJOR, 'L', 'N', 'N', n, m, gp->factor, n, v, n);
    if (info != 0) {
        snprintf(err, errlen, "LAPACKE_dtrtrs failed with code %d", (int)info);
        free(v);
        return -1;
    }
    for (int i = 0; i < m; i++) {
        const double *col = v + (size_t)i * n;
        var[i] = test_diag[i] - cblas_ddot(n, col, 1, col, 1);
    }
    free(v);
    return 0;
}

double gp_log_marginal_likelihood(const gp_model *gp)
{
    double fit = cblas_ddot(gp->n, gp->y, 1, gp->alpha, 1);
    return -0.5 * fit - 0.5 * gp->log_det - 0.5 * gp->n * log(2.0 * M_PI);
}

int gp_inverse(const gp_model *gp, double *inverse, char *err, size_t errlen)
{
    int n = gp->n;
    memcpy(inverse, gp->factor, sizeof(double) * (size_t)n * n);
    lapack_int info = LAPACKE_dpotri(LAPACK_COL_MAJOR, 'L', n, inverse, n);
    if (info != 0) {
        snprintf(err, errlen, "LAPACKE_dpotri failed with code %d", (int)info);
        return -1;
    }
    /* dpotri fills the lower triangle only; mirror it to make the matrix full. */
    for (int j = 0; j < n; j++)
        for (int i = j + 1; i < n; i++)
            inverse[(size_t)i * n + j] = inverse[(size_t)j * n + i];
    return 0;
}

int gp_loo_residuals(const gp_model *gp, double *residual, char *err, size_t errlen)
{
    int n = gp->n;
    double *inverse = malloc(sizeof(double) * (size_t)n * n);
    if (!inverse) {
        snprintf(err, errlen, "out of memory for the inverse of a %d x %d matrix", n, n);
        return -1;
    }
    if (gp_inverse(gp, inverse, err, errlen) != 0) {
        free(inverse);
        return -1;
    }
    for (int i = 0; i < n; i++)
        residual[i] = gp->alpha[i] / inverse[(size_t)i * n + i];
    free(inverse);
    return 0;
}

gp_errors gp_test_errors(const double *mean, const double *var, const double *y, int m)
{
    gp_errors e = {0.0, 0.0, 0.0};
    if (m < 1)
        return e;
    for (int i = 0; i < m; i++) {
        double r = mean[i] - y[i];
        e.mean_mse += r * r;
        if (var)
            e.post_var += var[i];
    }
    e.mean_mse /= m;
    e.post_var /= m;
    e.sample_mse = e.mean_mse + e.post_var;
    return e;
}
