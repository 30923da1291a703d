/*
 * sphere_spectrum.c - Funk-Hecke eigenvalues on the sphere and EK learning
 * curves with a bare or self-consistent ridge. See include/spectrum.h.
 */
#include <math.h>
#include <stdio.h>

#include "spectrum.h"

#define RIDGE_MAX_ITERATIONS 1000000
#define RIDGE_TOLERANCE 1e-14
#define SPECTRUM_DEFAULT_POINTS 4000

double spectrum_log_multiplicity(int d, int l)
{
    if (l == 0)
        return 0.0;
    /* N(d,l) = (2l + d - 2)/l * binom(l + d - 3, l - 1) */
    return log(2.0 * l + d - 2) - log((double)l) + lgamma(l + d - 2.0) - lgamma((double)l) -
           lgamma(d - 1.0);
}

double spectrum_multiplicity(int d, int l)
{
    return exp(spectrum_log_multiplicity(d, l));
}

void spectrum_gegenbauer(int d, int lmax, double t, double *p)
{
    p[0] = 1.0;
    if (lmax >= 1)
        p[1] = t;
    for (int k = 1; k < lmax; k++)
        p[k + 1] = ((2.0 * k + d - 2) * t * p[k] - k * p[k - 1]) / (k + d - 2.0);
}

/* log cosh u without overflow for large |u|. */
static double log_cosh(double u)
{
    double a = fabs(u);
    return a + log1p(exp(-2.0 * a)) - M_LN2;
}

int spectrum_sphere_eigenvalues(spectrum_profile profile, void *context, int d, int lmax,
                                int points, double *lambda, char *err, size_t errlen)
{
    if (d < 2 || lmax < 0) {
        snprintf(err, errlen, "sphere spectrum needs d >= 2 and lmax >= 0 (got d = %d, lmax = %d)",
                 d, lmax);
        return -1;
    }
    if (points <= 0)
        points = SPECTRUM_DEFAULT_POINTS;
    for (int l = 0; l <= lmax; l++)
        lambda[l] = 0.0;

    /*
     * Tanh-sinh rule: t = tanh(u), u = (pi/2) sinh(s), midpoints in s on
     * [-S, S]. The kernels of interest are analytic inside (-1, 1) but may be
     * singular at t = +-1 (ReLU has (1 - t)^{3/2}), and the weight
     * (1 - t^2)^{(d-3)/2} is singular there too for d = 2; the substitution
     * makes the integrand decay doubly exponentially at both ends, so the
     * error falls exponentially with the number of points. 1 - t^2 =
     * 1/cosh^2 u is formed directly to avoid cancellation.
     */
    const double span = 4.0;
    double log_c = lgamma(0.5 * d) - 0.5 * log(M_PI) - lgamma(0.5 * (d - 1));
    double step = 2.0 * span / points;
    for (int i = 0; i < points; i++) {
        double s = -span + (i + 0.5) * step;
        double u = 0.5 * M_PI * sinh(s);
        double t = tanh(u);
        /* (1 - t^2)^{(d-3)/2} dt/ds = cosh(u)^{-(d-1)} (pi/2) cosh(s) */
        double log_weight = log_c - (d - 1) * log_cosh(u) + log(0.5 * M_PI * cosh(s));
        double weight = exp(log_weight) * step;
        if (weight == 0.0)
            continue;
        weight *= profile(t, context);
        double prev = 1.0, cur = t;
        lambda[0] += weight;
        if (lmax >= 1)
            lambda[1] += weight * t;
        for (int k = 1; k < lmax; k++) {
            double next = ((2.0 * k + d - 2) * t * cur - k * prev) / (k + d - 2.0);
            prev = cur;
            cur = next;
            lambda[k + 1] += weight * cur;
        }
    }
    return 0;
}

static double group_multiplicity(const spectrum_modes *modes, int i)
{
    return modes->multiplicity ? modes->multiplicity[i] : 1.0;
}

double spectrum_ek_learnability(double lambda, double noise, double n)
{
    return lambda / (lambda + noise / n);
}

double spectrum_ek_mean_mse(const spectrum_modes *modes, const double *target_power,
                            double noise, double n)
{
    double sum = 0.0;
    for (int i = 0; i < modes->count; i++) {
        double miss = 1.0 - spectrum_ek_learnability(modes->lambda[i], noise, n);
        sum += miss * miss * target_power[i];
    }
    return sum;
}

double spectrum_ek_post_var(const spectrum_modes *modes, double noise, double n)
{
    double ridge = noise / n, sum = 0.0;
    for (int i = 0; i < modes->count; i++) {
        double lambda = modes->lambda[i];
        sum += group_multiplicity(modes, i) * lambda * ridge / (lambda + ridge);
    }
    return sum;
}

/* sum over modes of lambda / (lambda + kappa_b) */
static double mode_sum(const spectrum_modes *modes, double kappa_b)
{
    double sum = 0.0;
    for (int i = 0; i < modes->count; i++) {
        double lambda = modes->lambda[i];
        sum += group_multiplicity(modes, i) * lambda / (lambda + kappa_b);
    }
    return sum;
}

int spectrum_ridge_form_a(const spectrum_modes *modes, double noise, double n, double *kappa,
                          char *err, size_t errlen)
{
    if (!(noise > 0.0) || !(n > 0.0)) {
        snprintf(err, errlen, "form A needs noise > 0 and n > 0 (got %g, %g)", noise, n);
        return -1;
    }
    /* The map is increasing in kappa and starts below its unique positive fixed
     * point, so the iterates rise monotonically onto it. */
    double k = noise;
    for (int it = 0; it < RIDGE_MAX_ITERATIONS; it++) {
        double next = noise + (k / n) * mode_sum(modes, k / n);
        if (fabs(next - k) <= RIDGE_TOLERANCE * next) {
            *kappa = next;
            return 0;
        }
        k = next;
    }
    snprintf(err, errlen,
             "form A did not converge in %d iterations (noise = %g, n = %g, last kappa = %g)",
             RIDGE_MAX_ITERATIONS, noise, n, k);
    return -1;
}

int spectrum_ridge_form_b(const spectrum_modes *modes, double delta, double n, double *kappa_b,
                          char *err, size_t errlen)
{
    if (!(delta >= 0.0) || !(n > 0.0)) {
        snprintf(err, errlen, "form B needs delta >= 0 and n > 0 (got %g, %g)", delta, n);
        return -1;
    }
    double trace = 0.0;
    for (int i = 0; i < modes->count; i++)
        trace += group_multiplicity(modes, i) * modes->lambda[i];
    /* Every term lambda/(lambda + k) is below lambda/k, so the left side is at
     * most (trace + delta)/hi = n at hi. */
    double hi = (trace + delta) / n;
    double lo = hi;
    int halvings = 0;
    while (mode_sum(modes, lo) + delta / lo <= n) {
        lo *= 0.5;
        if (++halvings > 2000 || lo == 0.0) {
            snprintf(err, errlen,
                     "form B has no positive root: with delta = %g the modes cannot reach n = %g "
                     "(add modes or a ridge)", delta, n);
            return -1;
        }
    }
    if (lo == hi) {
        *kappa_b = hi;
        return 0;
    }
    for (int it = 0; it < 200 && hi - lo > RIDGE_TOLERANCE * hi; it++) {
        double mid = sqrt(lo * hi);
        if (mode_sum(modes, mid) + delta / mid > n)
            lo = mid;
        else
            hi = mid;
    }
    *kappa_b = sqrt(lo * hi);
    return 0;
}

int spectrum_ridge_form_c(const spectrum_modes *modes, double noise, double eta, double *k_c,
                          char *err, size_t errlen)
{
    if (!(noise > 0.0) || !(eta > 0.0)) {
        snprintf(err, errlen, "form C needs noise > 0 and eta > 0 (got %g, %g)", noise, eta);
        return -1;
    }
    double k = noise;
    for (int i = 0; i < modes->count; i++)
        k += group_multiplicity(modes, i) * modes->lambda[i];
    for (int it = 0; it < RIDGE_MAX_ITERATIONS; it++) {
        double rhs = noise;
        for (int i = 0; i < modes->count; i++) {
            double lambda = modes->lambda[i];
            rhs += group_multiplicity(modes, i) * lambda * k / (eta * lambda + k);
        }
        double next = 0.5 * k + 0.5 * rhs;
        if (fabs(next - k) <= RIDGE_TOLERANCE * next) {
            *k_c = next;
            return 0;
        }
        k = next;
    }
    snprintf(err, errlen,
             "form C did not converge in %d iterations (noise = %g, eta = %g, last K = %g)",
             RIDGE_MAX_ITERATIONS, noise, eta, k);
    return -1;
}

double spectrum_ridge_per_sample(double kappa, double n)
{
    return kappa / n;
}

double spectrum_ridge_total(double kappa_b, double n)
{
    return kappa_b * n;
}

double spectrum_ridge_test_mse(const spectrum_modes *modes, const double *target_power,
                               double kappa_b, double n, double label_noise)
{
    double squares = 0.0, bias = 0.0;
    for (int i = 0; i < modes->count; i++) {
        double lambda = modes->lambda[i];
        double learn = lambda / (lambda + kappa_b);
        squares += group_multiplicity(modes, i) * learn * learn;
        bias += (1.0 - learn) * (1.0 - learn) * target_power[i];
    }
    if (!(squares < n))
        return NAN;
    double e0 = n / (n - squares);
    return e0 * bias + (e0 - 1.0) * label_noise;
}

double spectrum_ridge_alignment(const spectrum_modes *modes, const double *target_power,
                                double kappa_b)
{
    double overlap = 0.0, norm = 0.0;
    for (int i = 0; i < modes->count; i++) {
        double lambda = modes->lambda[i];
        overlap += lambda / (lambda + kappa_b) * target_power[i];
        norm += target_power[i];
    }
    return norm > 0.0 ? overlap / norm : NAN;
}
