/*
 * nngp_kernels.c - closed-form and quadrature NNGP kernels. See include/nngp.h.
 *
 * Legend: q1, q2 are preactivation variances at the two inputs, c their
 * covariance; a layer maps (q1, c, q2) to sigma_w2 E[phi phi] + sigma_b2.
 * Called from the theory thread and tests; nothing here allocates except
 * nngp_gram's scratch arrays, which it frees before returning.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "nngp.h"

static const char *const activation_names[NNGP_ACTIVATION_COUNT] = {
    "linear", "erf", "relu", "tanh", "quadratic", "cubic"
};

int nngp_init(nngp_kernel *k, nngp_activation activation, int hidden_layers,
              double sigma_w2, double sigma_a2, double sigma_b2, char *err, size_t errlen)
{
    if ((int)activation < 0 || (int)activation >= NNGP_ACTIVATION_COUNT) {
        snprintf(err, errlen, "unknown activation code %d; use 0..%d",
                 (int)activation, NNGP_ACTIVATION_COUNT - 1);
        return -1;
    }
    if (hidden_layers < 1 || hidden_layers > NNGP_MAX_HIDDEN_LAYERS) {
        snprintf(err, errlen, "hidden_layers = %d is out of range; use 1..%d",
                 hidden_layers, NNGP_MAX_HIDDEN_LAYERS);
        return -1;
    }
    if (!(sigma_w2 >= 0.0) || !(sigma_a2 >= 0.0) || !(sigma_b2 >= 0.0)) {
        snprintf(err, errlen,
                 "prior variances must be finite and >= 0 (sigma_w2 = %g, sigma_a2 = %g, sigma_b2 = %g)",
                 sigma_w2, sigma_a2, sigma_b2);
        return -1;
    }
    k->activation = activation;
    k->hidden_layers = hidden_layers;
    k->sigma_w2 = sigma_w2;
    k->sigma_a2 = sigma_a2;
    k->sigma_b2 = sigma_b2;
    return 0;
}

int nngp_activation_from_code(double code, nngp_activation *activation, char *err, size_t errlen)
{
    if (!(code >= 0.0 && code < NNGP_ACTIVATION_COUNT) || code != floor(code)) {
        snprintf(err, errlen,
                 "activation = %g is not a valid code; use 0 linear, 1 erf, 2 relu, 3 tanh, "
                 "4 quadratic, 5 cubic", code);
        return -1;
    }
    *activation = (nngp_activation)(int)code;
    return 0;
}

const char *nngp_activation_name(nngp_activation activation)
{
    if ((int)activation < 0 || (int)activation >= NNGP_ACTIVATION_COUNT)
        return "unknown";
    return activation_names[activation];
}

double nngp_activation_apply(nngp_activation activation, double z)
{
    switch (activation) {
    case NNGP_LINEAR: return z;
    case NNGP_ERF: return erf(z);
    case NNGP_RELU: return z > 0.0 ? z : 0.0;
    case NNGP_TANH: return tanh(z);
    case NNGP_QUADRATIC: return z * z;
    case NNGP_CUBIC: return z * z * z;
    }
    return NAN;
}

/*
 * Trapezoid rule for the standard normal measure: nodes j h for |j h| <= 7.5,
 * beyond which the Gaussian mass is 6e-14. For a function analytic in a strip
 * |Im z| < a the error falls like exp(-2 pi a / h). tanh(s z) has poles at
 * Im z = pi/(2 s), so h = 0.35/s (at most 0.45) kept the error of
 * E[tanh(u)^2] below 1e-9 for variances 0.5 to 100, measured against h/70.
 * Returns the node count, at most NNGP_TRAPEZOID_MAX.
 */
static int trapezoid_rule(double max_slope, double *node, double *weight)
{
    double step = max_slope > 0.0 ? 0.35 / max_slope : 0.45;
    if (step > 0.45)
        step = 0.45;
    int half = (int)ceil(7.5 / step);
    if (2 * half + 1 > NNGP_TRAPEZOID_MAX) {
        half = (NNGP_TRAPEZOID_MAX - 1) / 2;
        step = 7.5 / half;
    }
    for (int j = -half; j <= half; j++) {
        double z = j * step;
        node[j + half] = z;
        weight[j + half] = step * exp(-0.5 * z * z) / sqrt(2.0 * M_PI);
    }
    return 2 * half + 1;
}

/* E[tanh(u) tanh(v)] on a tensor trapezoid grid. With z1, z2 standard
 * normal, u = sqrt(q1) z1 and v = (c/sqrt(q1)) z1 + sqrt(q2 - c^2/q1) z2. */
static double tanh_expectation(double q1, double c, double q2)
{
    if (q1 <= 0.0 || q2 <= 0.0)
        return 0.0;
    if (q1 > q2) {
        /* Order the arguments so the rule gives K(x,x') = K(x',x) exactly. */
        double larger = q1;
        q1 = q2;
        q2 = larger;
    }
    double node[NNGP_TRAPEZOID_MAX], weight[NNGP_TRAPEZOID_MAX];
    /* Every slope below (s1, slope, s2) is at most sqrt(q2). */
    int count = trapezoid_rule(sqrt(q2), node, weight);
    int half = count / 2;
    double s1 = sqrt(q1);
    double slope = c / s1;
    double rest = q2 - c * c / q1;
    double s2 = rest > 0.0 ? sqrt(rest) : 0.0;
    /* The integrand is even under (z1, z2) -> (-z1, -z2) and vanishes at
     * z1 = 0, so twice the sum over z1 > 0 is the whole sum. */
    double sum = 0.0;
    for (int i = half + 1; i < count; i++) {
        double outer = weight[i] * tanh(s1 * node[i]);
        double shift = slope * node[i];
        double inner = 0.0;
        for (int j = 0; j < count; j++)
            inner += weight[j] * tanh(shift + s2 * node[j]);
        sum += outer * inner;
    }
    return 2.0 * sum;
}

/* E[tanh(u)^2] for var u = q: a one-dimensional rule suffices. */
static double tanh_second_moment(double q)
{
    if (q <= 0.0)
        return 0.0;
    double node[NNGP_TRAPEZOID_MAX], weight[NNGP_TRAPEZOID_MAX];
    double s = sqrt(q), sum = 0.0;
    int count = trapezoid_rule(s, node, weight);
    for (int i = 0; i < count; i++) {
        double t = tanh(s * node[i]);
        sum += weight[i] * t * t;
    }
    return sum;
}

double nngp_expectation(const nngp_kernel *k, double q1, double c, double q2)
{
    switch (k->activation) {
    case NNGP_LINEAR:
        return c;
    case NNGP_ERF: {
        double arg = 2.0 * c / sqrt((1.0 + 2.0 * q1) * (1.0 + 2.0 * q2));
        arg = fmax(-1.0, fmin(1.0, arg));
        return (2.0 / M_PI) * asin(arg);
    }
    case NNGP_RELU: {
        double norm = sqrt(q1 * q2);
        if (!(norm > 0.0))
            return 0.0;
        double cosine = fmax(-1.0, fmin(1.0, c / norm));
        double theta = acos(cosine);
        return norm / (2.0 * M_PI) * (sin(theta) + (M_PI - theta) * cosine);
    }
    case NNGP_TANH:
        if (q1 == q2 && c == q1)
            return tanh_second_moment(q1);
        return tanh_expectation(q1, c, q2);
    case NNGP_QUADRATIC:
        /* Isserlis: E[u^2 v^2] = q1 q2 + 2 c^2. */
        return q1 * q2 + 2.0 * c * c;
    case NNGP_CUBIC:
        /* Isserlis: E[u^3 v^3] = 9 q1 q2 c + 6 c^3. */
        return 9.0 * q1 * q2 * c + 6.0 * c * c * c;
    }
    return NAN;
}

/* Next layer's preactivation variance from this layer's. */
static double next_variance(const nngp_kernel *k, double q)
{
    double moment = k->activation == NNGP_TANH ? tanh_second_moment(q)
                                                : nngp_expectation(k, q, q, q);
    return k->sigma_w2 * moment + k->sigma_b2;
}

/* Fill q[0..hidden_layers-1] with the preactivation variance of each hidden
 * layer at an input of squared norm xx. */
static void layer_variances(const nngp_kernel *k, double xx, int d, double *q)
{
    q[0] = k->sigma_w2 * xx / d + k->sigma_b2;
    for (int l = 1; l < k->hidden_layers; l++)
        q[l] = next_variance(k, q[l - 1]);
}

/* Propagate the covariance c0 of the first hidden layer through the net,
 * given both inputs' per-layer variances, and apply the readout. */
static double propagate(const nngp_kernel *k, const double *q1, const double *q2, double c0)
{
    double c = c0;
    for (int l = 1; l < k->hidden_layers; l++)
        c = k->sigma_w2 * nngp_expectation(k, q1[l - 1], c, q2[l - 1]) + k->sigma_b2;
    int last = k->hidden_layers - 1;
    return k->sigma_a2 * nngp_expectation(k, q1[last], c, q2[last]);
}

double nngp_eval(const nngp_kernel *k, double xx, double xy, double yy, int d)
{
    double q1[NNGP_MAX_HIDDEN_LAYERS], q2[NNGP_MAX_HIDDEN_LAYERS];
    layer_variances(k, xx, d, q1);
    layer_variances(k, yy, d, q2);
    return propagate(k, q1, q2, k->sigma_w2 * xy / d + k->sigma_b2);
}

static double dot_float(const float *a, const float *b, int d)
{
    double s = 0.0;
    for (int i = 0; i < d; i++)
        s += (double)a[i] * (double)b[i];
    return s;
}

void nngp_gram_diag(const nngp_kernel *k, const float *x, int n, int d, double *diag)
{
    for (int i = 0; i < n; i++) {
        double xx = dot_float(x + (size_t)i * d, x + (size_t)i * d, d);
        diag[i] = nngp_eval(k, xx, xx, xx, d);
    }
}

double nngp_sphere_profile(double t, void *context)
{
    const nngp_sphere *s = context;
    return nngp_eval(s->kernel, s->d, s->d * t, s->d, s->d);
}

int nngp_gram(const nngp_kernel *k, const float *x, int n, const float *x2, int m, int d,
              const atomic_int *cancel, double *gram, char *err, size_t errlen)
{
    int layers = k->hidden_layers;
    int symmetric = x2 == x && m == n;
    /* Per-layer variances of every point, so each entry costs one pass of the
     * covariance recursion only. */
    double *q1 = malloc(sizeof(double) * ((size_t)n + (size_t)m) * layers + 1);
    if (!q1) {
        snprintf(err, errlen, "out of memory for the per-layer variances of %d + %d points", n, m);
        return -1;
    }
    double *q2 = q1 + (size_t)n * layers;
    for (int i = 0; i < n; i++)
        layer_variances(k, dot_float(x + (size_t)i * d, x + (size_t)i * d, d), d,
                        q1 + (size_t)i * layers);
    for (int j = 0; j < m; j++)
        layer_variances(k, dot_float(x2 + (size_t)j * d, x2 + (size_t)j * d, d), d,
                        q2 + (size_t)j * layers);

    for (int i = 0; i < n; i++) {
        if (cancel && atomic_load(cancel)) {
            snprintf(err, errlen, "Gram computation cancelled by a newer request");
            free(q1);
            return -1;
        }
        const float *xi = x + (size_t)i * d;
        for (int j = symmetric ? i : 0; j < m; j++) {
            double c0 = k->sigma_w2 * dot_float(xi, x2 + (size_t)j * d, d) / d + k->sigma_b2;
            double value = propagate(k, q1 + (size_t)i * layers, q2 + (size_t)j * layers, c0);
            gram[(size_t)i * m + j] = value;
            if (symmetric)
                gram[(size_t)j * m + i] = value;
        }
    }
    free(q1);
    return 0;
}
