/*
 * nngp.h - NNGP kernels of fully connected networks in the infinite-width limit.
 *
 * Network: f(x) = sum_i a_i phi(h_i(x)) with a_i ~ N(0, sigma_a2/N). The first
 * hidden layer has preactivations h = w.x + b, w ~ N(0, sigma_w2/d I),
 * b ~ N(0, sigma_b2); each further hidden layer has weights of variance
 * sigma_w2/N_prev and biases of variance sigma_b2. The kernel is
 * K(x,x') = E[f(x) f(x')] as all widths go to infinity.
 *
 * The preactivation covariance of the first layer is
 *     s(x,x') = sigma_w2 x.x'/d + sigma_b2,
 * each further layer maps it to sigma_w2 E[phi(u) phi(v)] + sigma_b2, and the
 * readout gives K = sigma_a2 E[phi(u) phi(v)], with (u,v) Gaussian with the
 * last layer's covariance. linear, erf, ReLU, quadratic and cubic use closed
 * forms for E[phi(u) phi(v)]; tanh uses a trapezoid rule on the Gaussian.
 *
 * Callers: the theory thread and tests. Every function is reentrant; a
 * nngp_kernel is a plain value that the caller owns. Inputs are float32,
 * row-major (rows are points); Gram matrices are double, row-major.
 */
#ifndef GS_NNGP_H
#define GS_NNGP_H

#include <stdatomic.h>
#include <stddef.h>

/* Activation codes, as the "activation" preset parameter gives them. */
typedef enum {
    NNGP_LINEAR = 0,
    NNGP_ERF = 1,
    NNGP_RELU = 2,
    NNGP_TANH = 3,
    NNGP_QUADRATIC = 4,
    NNGP_CUBIC = 5
} nngp_activation;

#define NNGP_ACTIVATION_COUNT 6
#define NNGP_MAX_HIDDEN_LAYERS 32
/* Max trapezoid nodes per dimension for tanh. The step shrinks as
 * 1/sqrt(q) with the preactivation variance q, and this cap is reached near
 * q = 2000; beyond it the error grows above 1e-9. A tanh Gram entry costs
 * about 30 sqrt(q) x 60 sqrt(q) tanh calls. */
#define NNGP_TRAPEZOID_MAX 2001

typedef struct {
    nngp_activation activation;
    int hidden_layers;              /* 1 for the two-layer net */
    double sigma_w2, sigma_a2, sigma_b2;
} nngp_kernel;

/* Set up a kernel. Returns 0, or -1 with a message in err when a parameter is
 * out of range: negative variances, an unknown activation, or a depth outside
 * 1..NNGP_MAX_HIDDEN_LAYERS. */
int nngp_init(nngp_kernel *k, nngp_activation activation, int hidden_layers,
              double sigma_w2, double sigma_a2, double sigma_b2, char *err, size_t errlen);

/* Convert a numeric activation code (a preset parameter) to the enum.
 * Returns 0, or -1 with a message in err when the code is not one of 0..5. */
int nngp_activation_from_code(double code, nngp_activation *activation, char *err, size_t errlen);

/* Name of an activation ("erf", "relu", ...). */
const char *nngp_activation_name(nngp_activation activation);

/* phi(z), for Monte Carlo sampling of the network itself. */
double nngp_activation_apply(nngp_activation activation, double z);

/* E[phi(u) phi(v)] for zero-mean Gaussian (u, v) with var u = q1, var v = q2,
 * cov(u, v) = c. */
double nngp_expectation(const nngp_kernel *k, double q1, double c, double q2);

/* K(x, x') from the three inner products xx = x.x, xy = x.x', yy = x'.x' of
 * d-dimensional inputs. */
double nngp_eval(const nngp_kernel *k, double xx, double xy, double yy, int d);

/* Fill gram (n, m), row-major, with K(x_i, x2_j) for x (n, d) and x2 (m, d).
 * Passing x2 == x and m == n fills the symmetric Gram of x with half the work.
 * cancel, when not NULL, is polled once per row. Returns 0, or -1 with a
 * message in err when out of memory or cancelled. */
int nngp_gram(const nngp_kernel *k, const float *x, int n, const float *x2, int m, int d,
              const atomic_int *cancel, double *gram, char *err, size_t errlen);

/* Fill diag (n) with K(x_i, x_i). */
void nngp_gram_diag(const nngp_kernel *k, const float *x, int n, int d, double *diag);

/* A kernel restricted to inputs of squared norm d (the sphere of radius
 * sqrt(d) in d dimensions), as a function of the cosine between them. */
typedef struct {
    const nngp_kernel *kernel;
    int d;
} nngp_sphere;

/* K at cosine t for a context that points to an nngp_sphere. The signature
 * matches spectrum_profile, so Funk-Hecke eigenvalues can use it directly. */
double nngp_sphere_profile(double t, void *context);

#endif
