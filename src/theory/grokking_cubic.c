/*
 * grokking_cubic.c - single-neuron action, finite-d self-consistency and the
 * scaling-limit phase structure of the cubic-teacher grokking model. See
 * include/grokking_cubic.h for the conventions (q = w.w*, T = sigma^2, the
 * discrepancy y - fbar = b He1 + c He3).
 *
 * Called from the theory thread and from tests; no allocation beyond the
 * stack, no global state.
 *
 * Two overlap integrals of one neuron with the teacher directions, for
 * x ~ N(0, I), |w|^2 = q^2 + sigma_w2 and D = 1 + 2|w|^2, give everything:
 *   E[erf(w.x) He1(z)] =  2q   / (sqrt(pi) D^(1/2))
 *   E[erf(w.x) He3(z)] = -4q^3 / (sqrt(pi) D^(3/2))
 * The action is the prior cost minus the squared overlap with the
 * discrepancy sigma^2 tbar = b He1 + c He3 times n^2 sigma_a2 / (2 N sigma^4),
 * and the kernel moments are averages of the products of the two overlaps.
 * The 11 moment carries 4/pi, the square of the He1 overlap. With 2/pi in its
 * place (a misprint in the paper's appendix) the transition on the base line
 * (n = 3000, d = 150, N = 700) moves from T_c = 0.1787 to 0.206.
 */
#include "grokking_cubic.h"

#include <math.h>
#include <stdio.h>

#define SQRT6 2.449489742783178

/* Grid of the finite-d quadrature: at least this many nodes on [0, q_hi],
 * and at least 16 per standard deviation of the narrowest well, up to the max. */
#define FINITE_MIN_POINTS 4096
#define FINITE_MAX_POINTS 262144
/* Nodes of the side-well scan over (0, q_hi]. */
#define WELL_SCAN_POINTS 2000
/* Annealing ratio in T between warm-started solves. */
#define ANNEAL_RATIO 1.3

double grokking_cubic_readout_scale(const grokking_cubic_sizes *s)
{
    return s->sigma_a2_tilde > 0 ? s->sigma_a2_tilde / s->N : s->sigma_a2;
}

double grokking_cubic_u(const grokking_cubic_sizes *s)
{
    return s->n * s->n * grokking_cubic_readout_scale(s) / (s->T * s->T * s->d * s->N);
}

double grokking_cubic_rho(const grokking_cubic_sizes *s)
{
    return (s->T / s->n) / (grokking_cubic_readout_scale(s) / s->d);
}

int grokking_cubic_check(const grokking_cubic_sizes *s, char *err, size_t errlen)
{
    const char *names[] = {"T", "n", "N", "d", "sigma_w2"};
    double values[] = {s->T, s->n, s->N, s->d, s->sigma_w2};
    for (int i = 0; i < 5; i++) {
        if (!isfinite(values[i]) || values[i] <= 0) {
            snprintf(err, errlen, "grokking_cubic: %s = %g is invalid; it must be finite and > 0",
                     names[i], values[i]);
            return -1;
        }
    }
    double sa = grokking_cubic_readout_scale(s);
    if (!isfinite(sa) || sa <= 0) {
        snprintf(err, errlen,
                 "grokking_cubic: readout scale sigma_a2 = %g is invalid; set sigma_a2 > 0 "
                 "or sigma_a2_tilde > 0", sa);
        return -1;
    }
    if (!isfinite(s->eps)) {
        snprintf(err, errlen, "grokking_cubic: eps = %g is invalid; it must be finite", s->eps);
        return -1;
    }
    return 0;
}

/* ---- the action ---------------------------------------------------------- */

double grokking_cubic_action_hat(double q, double u, double sigma_w2, double b, double c)
{
    double x = q * q;
    double D = 1 + 2 * (sigma_w2 + x);
    double g = x / D;
    double e = b - 2 * c * g;
    return x / (2 * sigma_w2) - (2 * u / M_PI) * g * e * e;
}

/* With g = q^2/D, the data term is g (b - 2cg)^2, and dg/d(q^2) = (1 + 2 sigma_w2)/D^2,
 * so its slope in q^2 is g' (b - 2cg)(b - 6cg). */
double grokking_cubic_action_hat_slope(double q, double u, double sigma_w2, double b, double c)
{
    double x = q * q;
    double D = 1 + 2 * (sigma_w2 + x);
    double g = x / D;
    double dg = (1 + 2 * sigma_w2) / (D * D);
    return 1 / (2 * sigma_w2) - (2 * u / M_PI) * dg * (b - 2 * c * g) * (b - 6 * c * g);
}

/* Beyond this q the slope in q^2 is positive for any b, c: the data term's
 * slope is at most (2u/pi)(1 + 2 sigma_w2)/D^2 (|b| + |c|)(|b| + 3|c|). */
static double well_scan_limit(double u, double sigma_w2, double b, double c)
{
    double bound = (4 * u * sigma_w2 / M_PI) * (1 + 2 * sigma_w2)
                   * (fabs(b) + fabs(c)) * (fabs(b) + 3 * fabs(c));
    double x = (sqrt(bound) - 1 - 2 * sigma_w2) / 2;
    double q = x > 0 ? sqrt(x) : 0;
    return fmax(1.1 * q, 0.5);
}

grokking_cubic_well grokking_cubic_find_well(double u, double sigma_w2, double b, double c)
{
    grokking_cubic_well best = {0, NAN, INFINITY};
    double q_hi = well_scan_limit(u, sigma_w2, b, c);
    double h = q_hi / WELL_SCAN_POINTS;
    double prev = grokking_cubic_action_hat_slope(0.5 * h, u, sigma_w2, b, c);
    for (int i = 1; i <= WELL_SCAN_POINTS; i++) {
        double q = (i + 0.5) * h;
        double slope = grokking_cubic_action_hat_slope(q, u, sigma_w2, b, c);
        if (prev < 0 && slope >= 0) {
            /* Bisect the sign change of the slope: a local minimum in q^2. */
            double lo = q - h, hi = q;
            for (int k = 0; k < 60; k++) {
                double mid = 0.5 * (lo + hi);
                if (grokking_cubic_action_hat_slope(mid, u, sigma_w2, b, c) < 0)
                    lo = mid;
                else
                    hi = mid;
            }
            double qw = 0.5 * (lo + hi);
            double sw = grokking_cubic_action_hat(qw, u, sigma_w2, b, c);
            if (sw < best.s_hat) {
                best.found = 1;
                best.q = qw;
                best.s_hat = sw;
            }
        }
        prev = slope;
    }
    return best;
}

/* ---- finite-d quadrature ------------------------------------------------- */

/* Lowest value of S/d over q >= 0: S(0)/d = 0, or a side well below it. */
static double action_hat_min(double u, double sigma_w2, double b, double c)
{
    grokking_cubic_well w = grokking_cubic_find_well(u, sigma_w2, b, c);
    return w.found && w.s_hat < 0 ? w.s_hat : 0;
}

/* Quadrature nodes for p(q) ~ exp(-S(q)) on [0, q_hi], fixed for one solve so
 * that the map stays smooth in (b, c) while Newton runs. */
typedef struct {
    double q_hi;   /* all but exp(-60) of the mass lies below q_hi */
    int points;    /* uniform nodes including both ends */
} quad_grid;

/* Width of the narrowest well: the zero well has standard deviation
 * sqrt(sigma_w2/d), a side well 1/sqrt(S''(q_w)). */
static double narrowest_well(const grokking_cubic_sizes *s, double b, double c)
{
    double u = grokking_cubic_u(s);
    double width = sqrt(s->sigma_w2 / s->d);
    grokking_cubic_well w = grokking_cubic_find_well(u, s->sigma_w2, b, c);
    if (w.found) {
        /* At the well the slope in q^2 vanishes, so S''/d = 4 q^2 d(slope)/d(q^2). */
        double dq = 1e-5 * w.q;
        double ds = grokking_cubic_action_hat_slope(w.q + dq, u, s->sigma_w2, b, c)
                    - grokking_cubic_action_hat_slope(w.q - dq, u, s->sigma_w2, b, c);
        double curvature = s->d * 4 * w.q * w.q * ds / (4 * w.q * dq);
        if (curvature > 0)
            width = fmin(width, 1 / sqrt(curvature));
    }
    return width;
}

static quad_grid finite_grid(const grokking_cubic_sizes *s, double b, double c)
{
    double u = grokking_cubic_u(s);
    double smin = action_hat_min(u, s->sigma_w2, b, c);
    /* Past the scan limit S only rises; a margin covers Newton's moves in (b, c). */
    double q_hi = fmax(3.0, 1.5 * well_scan_limit(u, s->sigma_w2, fabs(b) + 0.5,
                                                 fabs(c) + 0.5));
    while (s->d * (grokking_cubic_action_hat(q_hi, u, s->sigma_w2, b, c) - smin) < 60)
        q_hi *= 1.25;
    double want = ceil(16 * q_hi / narrowest_well(s, b, c)) + 1;
    quad_grid g = {q_hi, FINITE_MIN_POINTS};
    if (want > FINITE_MAX_POINTS)
        g.points = FINITE_MAX_POINTS;
    else if (want > FINITE_MIN_POINTS)
        g.points = (int)want;
    return g;
}

/* Solve (A + rho I) v = rho (1, sqrt6 eps) for the symmetric 2x2 A and return
 * b = v1, c = v2/sqrt6. */
static void discrepancy_from_kernel(double a11, double a13, double a33, double rho, double eps,
                                    double *b, double *c)
{
    double y3 = SQRT6 * eps;
    double det = (a11 + rho) * (a33 + rho) - a13 * a13;
    *b = rho * ((a33 + rho) - a13 * y3) / det;
    *c = rho * ((a11 + rho) * y3 - a13) / det / SQRT6;
}

void grokking_cubic_map(const grokking_cubic_sizes *s, double b, double c, double q_hi,
                        int points, double *b_out, double *c_out, double *moments)
{
    double u = grokking_cubic_u(s);
    double rho = grokking_cubic_rho(s);
    double sw2 = s->sigma_w2;
    double smin = action_hat_min(u, sw2, b, c);
    double h = q_hi / (points - 1);
    double z = 0, m11 = 0, m13 = 0, m33 = 0;

    /* Trapezoid rule on [0, q_hi]; every integrand is even in q. */
    for (int i = 0; i < points; i++) {
        double q = i * h;
        double wt = (i == 0 || i == points - 1) ? 0.5 : 1.0;
        double p = wt * exp(-s->d * (grokking_cubic_action_hat(q, u, sw2, b, c) - smin));
        double x = q * q;
        double D = 1 + 2 * (sw2 + x);
        double f1 = x / D;
        z += p;
        m11 += p * f1;
        m13 += p * f1 * f1;
        m33 += p * f1 * f1 * f1;
    }
    m11 *= 4 / (M_PI * z);
    m13 *= -8 / (SQRT6 * M_PI * z);
    m33 *= 8 / (3 * M_PI * z);
    if (moments) {
        moments[0] = m11;
        moments[1] = m13;
        moments[2] = m33;
    }
    discrepancy_from_kernel(s->d * m11, s->d * m13, s->d * m33, rho, s->eps, b_out, c_out);
}

static int cancelled(const atomic_int *cancel)
{
    return cancel && atomic_load(cancel);
}

/* Newton's method on R(b, c) = map(b, c) - (b, c), with a forward-difference
 * Jacobian and step halving until |R| falls. The map is steep in b near the
 * critical curvature of the zero well (a small rise of b collapses b'), so
 * plain or damped fixed-point iteration cycles there. */
static int finite_newton(const grokking_cubic_sizes *s, double *b, double *c, int *iterations,
                         char *err, size_t errlen)
{
    quad_grid grid = finite_grid(s, *b, *c);
    double q_hi = grid.q_hi;
    int points = grid.points;
    double bb = *b, cc = *c;
    double fb, fc;
    grokking_cubic_map(s, bb, cc, q_hi, points, &fb, &fc, NULL);
    double rb = fb - bb, rc = fc - cc;
    for (int it = 1; it <= 100; it++) {
        double hb = 1e-7 * fmax(1, fabs(bb)), hc = 1e-7 * fmax(1, fabs(cc));
        double f1b, f1c, f2b, f2c;
        grokking_cubic_map(s, bb + hb, cc, q_hi, points, &f1b, &f1c, NULL);
        grokking_cubic_map(s, bb, cc + hc, q_hi, points, &f2b, &f2c, NULL);
        /* Jacobian of R: columns d/db and d/dc. */
        double j11 = (f1b - fb) / hb - 1, j21 = (f1c - fc) / hb;
        double j12 = (f2b - fb) / hc, j22 = (f2c - fc) / hc - 1;
        double det = j11 * j22 - j12 * j21;
        if (!(fabs(det) > 1e-300))
            break;
        double db = -(j22 * rb - j12 * rc) / det;
        double dc = -(-j21 * rb + j11 * rc) / det;
        double norm = fabs(rb) + fabs(rc), lambda = 1;
        int accepted = 0;
        for (int k = 0; k < 40; k++) {
            double tb = bb + lambda * db, tc = cc + lambda * dc, gb, gc;
            grokking_cubic_map(s, tb, tc, q_hi, points, &gb, &gc, NULL);
            double r_new = fabs(gb - tb) + fabs(gc - tc);
            if (isfinite(r_new) && (r_new < (1 - 1e-4 * lambda) * norm || r_new < 1e-15)) {
                bb = tb;
                cc = tc;
                fb = gb;
                fc = gc;
                rb = gb - tb;
                rc = gc - tc;
                accepted = 1;
                break;
            }
            lambda *= 0.5;
        }
        if (!accepted)
            break;
        double moved = lambda * (fabs(db) + fabs(dc));
        if (moved < 1e-12 || fabs(rb) + fabs(rc) < 1e-14) {
            *b = bb;
            *c = cc;
            *iterations = it;
            return 0;
        }
    }
    snprintf(err, errlen,
             "grokking_cubic: finite-d solve did not converge at T = %g, n = %g, N = %g, d = %g "
             "(u = %g, last b = %g, c = %g). At large u the self-consistent map jumps "
             "between wells; raise T or lower n", s->T, s->n, s->N, s->d, grokking_cubic_u(s),
             bb, cc);
    return -1;
}

static void finite_fill(const grokking_cubic_sizes *s, double b, double c, int iterations,
                        grokking_cubic_finite *out)
{
    quad_grid grid = finite_grid(s, b, c);
    double u = grokking_cubic_u(s);
    out->b = b;
    out->c = c;
    double fb, fc, mom[3];
    grokking_cubic_map(s, b, c, grid.q_hi, grid.points, &fb, &fc, mom);
    out->m11 = mom[0];
    out->m13 = mom[1];
    out->m33 = mom[2];
    out->well = grokking_cubic_find_well(u, s->sigma_w2, b, c);
    out->delta_s = out->well.found ? s->d * out->well.s_hat : NAN;
    out->iterations = iterations;
}

int grokking_cubic_solve_finite_from(const grokking_cubic_sizes *s, double b0, double c0,
                                     grokking_cubic_finite *out, char *err, size_t errlen)
{
    if (grokking_cubic_check(s, err, errlen) != 0)
        return -1;
    int iterations = 0;
    if (finite_newton(s, &b0, &c0, &iterations, err, errlen) != 0)
        return -1;
    finite_fill(s, b0, c0, iterations, out);
    return 0;
}

int grokking_cubic_solve_finite(const grokking_cubic_sizes *s, const atomic_int *cancel,
                                grokking_cubic_finite *out, char *err, size_t errlen)
{
    if (grokking_cubic_check(s, err, errlen) != 0)
        return -1;
    /* Start where u <= 1, since u scales as 1/T^2, and walk T down. */
    double u = grokking_cubic_u(s);
    double t_start = u > 1 ? s->T * sqrt(u) : s->T;
    int steps = (int)ceil(log(t_start / s->T) / log(ANNEAL_RATIO));
    grokking_cubic_sizes at = *s;
    double b = 1, c = s->eps;
    int iterations = 0;
    for (int k = steps; k >= 0; k--) {
        if (cancelled(cancel)) {
            snprintf(err, errlen, "grokking_cubic: finite-d solve cancelled");
            return -1;
        }
        at.T = k == 0 ? s->T : s->T * pow(t_start / s->T, (double)k / (steps ? steps : 1));
        if (finite_newton(&at, &b, &c, &iterations, err, errlen) != 0)
            return -1;
    }
    finite_fill(s, b, c, iterations, out);
    return 0;
}

/* ---- distribution of q at finite d --------------------------------------- */

/* Integrate exp(-d (S/d - smin)) over [lo, hi] by Simpson's rule with steps
 * of at most width/16, width being the narrowest well's. */
static double weight_integral(const grokking_cubic_sizes *s, double b, double c, double smin,
                              double width, double lo, double hi)
{
    double u = grokking_cubic_u(s);
    double want = 2 * ceil(8 * (hi - lo) / width);
    int m = FINITE_MAX_POINTS;
    if (want < 8)
        m = 8;
    else if (want < FINITE_MAX_POINTS)
        m = (int)want;
    double h = (hi - lo) / m, sum = 0;
    for (int i = 0; i <= m; i++) {
        double q = lo + i * h;
        double wt = (i == 0 || i == m) ? 1 : (i % 2 ? 4 : 2);
        sum += wt * exp(-s->d * (grokking_cubic_action_hat(q, u, s->sigma_w2, b, c) - smin));
    }
    return sum * h / 3;
}

int grokking_cubic_bin_probabilities(const grokking_cubic_sizes *s, double b, double c,
                                     double lo, double hi, int nbins, double *p)
{
    if (nbins < 1 || !(hi > lo))
        return -1;
    double smin = action_hat_min(grokking_cubic_u(s), s->sigma_w2, b, c);
    double width = narrowest_well(s, b, c);
    double bin = (hi - lo) / nbins, total = 0;
    for (int i = 0; i < nbins; i++) {
        p[i] = weight_integral(s, b, c, smin, width, lo + i * bin, lo + (i + 1) * bin);
        total += p[i];
    }
    if (!(total > 0))
        return -1;
    for (int i = 0; i < nbins; i++)
        p[i] /= total;
    return 0;
}

double grokking_cubic_mass_beyond(const grokking_cubic_sizes *s, double b, double c,
                                  double q_cut)
{
    double smin = action_hat_min(grokking_cubic_u(s), s->sigma_w2, b, c);
    double width = narrowest_well(s, b, c);
    double q_hi = finite_grid(s, b, c).q_hi;
    if (q_cut >= q_hi)
        return 0;
    double inner = weight_integral(s, b, c, smin, width, 0, q_cut);
    double outer = weight_integral(s, b, c, smin, width, q_cut, q_hi);
    return outer / (inner + outer);
}

/* ---- scaling limit: GFL branch and the transition ------------------------ */

/* S''(0) per d in q, on the GFL branch. */
static double curvature_at_zero(double u, double sigma_w2, double b)
{
    return 1 / sigma_w2 - (4 * u / M_PI) * b * b / (1 + 2 * sigma_w2);
}

static double gfl_kernel(double u, double sigma_w2, double b)
{
    return (4 / M_PI) / (curvature_at_zero(u, sigma_w2, b) * (1 + 2 * sigma_w2));
}

double grokking_cubic_gfl_b(double u, double rho, double sigma_w2)
{
    /* b - rho/(G(b) + rho) rises from < 0 at b = 0 to b_max > 0 where S''(0)
     * vanishes and G diverges, so bisection finds its one root. */
    double b_max = u > 0 ? sqrt(M_PI * (1 + 2 * sigma_w2) / (4 * u * sigma_w2)) : 1;
    double lo = 0, hi = fmin(1, b_max);
    for (int k = 0; k < 200 && hi - lo > 1e-16; k++) {
        double mid = 0.5 * (lo + hi);
        double curv = curvature_at_zero(u, sigma_w2, mid);
        double f = curv > 0 ? mid - rho / (gfl_kernel(u, sigma_w2, mid) + rho) : 1;
        if (f < 0)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

double grokking_cubic_transition_margin(double u, double rho, double eps, double sigma_w2)
{
    double b = grokking_cubic_gfl_b(u, rho, sigma_w2);
    grokking_cubic_well w = grokking_cubic_find_well(u, sigma_w2, b, eps);
    return w.found ? w.s_hat : INFINITY;
}

/* A line through (u, rho) space: rho = rho0 (u/u0)^slope. Fixed rho has
 * slope 0; the T line (u ~ T^-2, rho ~ T) has slope -1/2. */
typedef struct {
    double rho_ref, u_ref, slope;
} uline;

static double line_rho(const uline *l, double u)
{
    return l->rho_ref * pow(u / l->u_ref, l->slope);
}

/* Bisect log u for the sign change of the margin along a line. */
static int u_c_on_line(const uline *l, double eps, double sigma_w2, double *u_c)
{
    double lo = 1e-3, hi = 1;
    if (grokking_cubic_transition_margin(lo, line_rho(l, lo), eps, sigma_w2) < 0) {
        *u_c = NAN;
        return -1;
    }
    while (grokking_cubic_transition_margin(hi, line_rho(l, hi), eps, sigma_w2) >= 0) {
        lo = hi;
        hi *= 2;
        if (hi > 1e12) {
            *u_c = NAN;
            return -1;
        }
    }
    for (int k = 0; k < 80 && hi / lo > 1 + 1e-14; k++) {
        double mid = sqrt(lo * hi);
        if (grokking_cubic_transition_margin(mid, line_rho(l, mid), eps, sigma_w2) >= 0)
            lo = mid;
        else
            hi = mid;
    }
    *u_c = sqrt(lo * hi);
    return 0;
}

int grokking_cubic_u_c_fixed_rho(double rho, double eps, double sigma_w2, double *u_c)
{
    uline l = {rho, 1, 0};
    return u_c_on_line(&l, eps, sigma_w2, u_c);
}

int grokking_cubic_u_c_on_t_line(double k, double eps, double sigma_w2, double *u_c)
{
    uline l = {sqrt(k), 1, -0.5};
    return u_c_on_line(&l, eps, sigma_w2, u_c);
}

int grokking_cubic_t_c(const grokking_cubic_sizes *s, double *t_c)
{
    double u = grokking_cubic_u(s), rho = grokking_cubic_rho(s), u_c;
    if (grokking_cubic_u_c_on_t_line(u * rho * rho, s->eps, s->sigma_w2, &u_c) != 0) {
        *t_c = NAN;
        return -1;
    }
    *t_c = s->T * sqrt(u / u_c);
    return 0;
}

static double margin_at_width(const grokking_cubic_sizes *s, double N)
{
    grokking_cubic_sizes at = *s;
    at.N = N;
    return grokking_cubic_transition_margin(grokking_cubic_u(&at), grokking_cubic_rho(&at),
                                            s->eps, s->sigma_w2);
}

int grokking_cubic_n_c(const grokking_cubic_sizes *s, double *n_c)
{
    /* Wider nets have smaller u, so the margin is positive above N_c. */
    double lo = s->N, hi = s->N;
    while (margin_at_width(s, lo) >= 0) {
        lo /= 2;
        if (lo < 1e-6) {
            *n_c = NAN;
            return -1;
        }
    }
    while (margin_at_width(s, hi) < 0) {
        hi *= 2;
        if (hi > 1e15) {
            *n_c = NAN;
            return -1;
        }
    }
    if (hi == lo)
        lo = hi / 2;
    for (int k = 0; k < 80 && hi / lo > 1 + 1e-14; k++) {
        double mid = sqrt(lo * hi);
        if (margin_at_width(s, mid) >= 0)
            hi = mid;
        else
            lo = mid;
    }
    *n_c = sqrt(lo * hi);
    return 0;
}

/* ---- scaling limit: the mixed phase -------------------------------------- */

/* Residuals of the GMFL-I equations at z = (b, c, q*, p_tilde). Returns -1
 * where the zero well has lost its curvature and G is undefined. */
static int mixed_residual(const double *z, double u, double rho, double eps, double sigma_w2,
                          double *r)
{
    double b = z[0], c = z[1], q = z[2], p = z[3];
    if (curvature_at_zero(u, sigma_w2, b) <= 0)
        return -1;
    double G = gfl_kernel(u, sigma_w2, b);
    double x = q * q;
    double D = 1 + 2 * (sigma_w2 + x);
    double f1 = x / D;
    double a11 = G + p * 4 * f1 / M_PI;
    double a13 = p * (-8 * f1 * f1 / (SQRT6 * M_PI));
    double a33 = p * 8 * f1 * f1 * f1 / (3 * M_PI);
    double bb, cc;
    discrepancy_from_kernel(a11, a13, a33, rho, eps, &bb, &cc);
    r[0] = grokking_cubic_action_hat(q, u, sigma_w2, b, c);
    r[1] = grokking_cubic_action_hat_slope(q, u, sigma_w2, b, c);
    r[2] = b - bb;
    r[3] = c - cc;
    return 0;
}

static double max_abs4(const double *r)
{
    double m = 0;
    for (int i = 0; i < 4; i++)
        m = fmax(m, fabs(r[i]));
    return m;
}

/* Solve the 4x4 system a x = rhs in place by Gaussian elimination with
 * partial pivoting; returns -1 when a is singular. */
static int solve4(double a[4][4], double *rhs)
{
    for (int col = 0; col < 4; col++) {
        int piv = col;
        for (int i = col + 1; i < 4; i++)
            if (fabs(a[i][col]) > fabs(a[piv][col]))
                piv = i;
        if (fabs(a[piv][col]) < 1e-300)
            return -1;
        for (int j = 0; j < 4; j++) {
            double t = a[col][j];
            a[col][j] = a[piv][j];
            a[piv][j] = t;
        }
        double t = rhs[col];
        rhs[col] = rhs[piv];
        rhs[piv] = t;
        for (int i = col + 1; i < 4; i++) {
            double f = a[i][col] / a[col][col];
            for (int j = col; j < 4; j++)
                a[i][j] -= f * a[col][j];
            rhs[i] -= f * rhs[col];
        }
    }
    for (int i = 3; i >= 0; i--) {
        for (int j = i + 1; j < 4; j++)
            rhs[i] -= a[i][j] * rhs[j];
        rhs[i] /= a[i][i];
    }
    return 0;
}

/* Newton with a forward-difference Jacobian and step halving. */
static int mixed_newton(double *z, double u, double rho, double eps, double sigma_w2)
{
    double r[4];
    if (mixed_residual(z, u, rho, eps, sigma_w2, r) != 0)
        return -1;
    for (int it = 0; it < 60; it++) {
        double norm = max_abs4(r);
        if (norm < 1e-14)
            return 0;
        double jac[4][4], step[4];
        for (int j = 0; j < 4; j++) {
            double zp[4] = {z[0], z[1], z[2], z[3]}, rp[4];
            double h = 1e-8 * fmax(1, fabs(z[j]));
            zp[j] += h;
            if (mixed_residual(zp, u, rho, eps, sigma_w2, rp) != 0)
                return -1;
            for (int i = 0; i < 4; i++)
                jac[i][j] = (rp[i] - r[i]) / h;
        }
        for (int i = 0; i < 4; i++)
            step[i] = -r[i];
        if (solve4(jac, step) != 0)
            return -1;
        double lambda = 1;
        int accepted = 0;
        for (int k = 0; k < 30 && !accepted; k++, lambda *= 0.5) {
            double zt[4], rt[4];
            for (int i = 0; i < 4; i++)
                zt[i] = z[i] + lambda * step[i];
            if (zt[2] <= 0 || mixed_residual(zt, u, rho, eps, sigma_w2, rt) != 0)
                continue;
            if (max_abs4(rt) < norm || max_abs4(rt) < 1e-14) {
                for (int i = 0; i < 4; i++) {
                    z[i] = zt[i];
                    r[i] = rt[i];
                }
                accepted = 1;
            }
        }
        if (!accepted)
            return max_abs4(r) < 1e-11 ? 0 : -1;
    }
    return max_abs4(r) < 1e-11 ? 0 : -1;
}

int grokking_cubic_solve_limit(double u, double rho, double eps, double sigma_w2, double d,
                               grokking_cubic_limit *out, char *err, size_t errlen)
{
    out->phase = GROKKING_CUBIC_GFL;
    out->q_star = NAN;
    out->p_tilde = 0;
    out->margin = grokking_cubic_transition_margin(u, rho, eps, sigma_w2);
    double k = u * rho * rho;
    if (grokking_cubic_u_c_on_t_line(k, eps, sigma_w2, &out->u_c) != 0)
        out->u_c = NAN;
    if (out->margin >= 0) {
        out->b = grokking_cubic_gfl_b(u, rho, sigma_w2);
        out->c = eps;
        return 0;
    }
    if (!isfinite(out->u_c) || out->u_c >= u) {
        snprintf(err, errlen,
                 "grokking_cubic: no transition found on the T line below u = %g (rho = %g)",
                 u, rho);
        return -1;
    }

    /* At the transition the GFL solution with the degenerate side well and no
     * droplets solves the mixed equations; continue it in log u. */
    uline line = {sqrt(k), 1, -0.5};
    double s0 = log(out->u_c), s1 = log(u);
    double b0 = grokking_cubic_gfl_b(out->u_c, line_rho(&line, out->u_c), sigma_w2);
    grokking_cubic_well w = grokking_cubic_find_well(out->u_c, sigma_w2, b0, eps);
    double z[4] = {b0, eps, w.q, 0};
    double at = s0, ds = (s1 - s0) / 8;
    while (at < s1) {
        double next = fmin(s1, at + ds);
        double trial[4] = {z[0], z[1], z[2], z[3]};
        double un = exp(next);
        if (mixed_newton(trial, un, line_rho(&line, un), eps, sigma_w2) == 0) {
            for (int i = 0; i < 4; i++)
                z[i] = trial[i];
            at = next;
            ds *= 1.5;
            if (z[3] >= d)
                break;
        } else {
            ds *= 0.5;
            if (ds < 1e-9 * (s1 - s0 + 1e-300)) {
                snprintf(err, errlen,
                         "grokking_cubic: mixed-phase continuation failed at u = %g "
                         "(target u = %g, rho = %g)", exp(at), u, rho);
                return -1;
            }
        }
    }
    if (z[3] >= d) {
        /* Every neuron would be a droplet: the zero well empties. NOTE: the
         * GMFL-II equations (no GFL part) are not solved here. */
        out->phase = GROKKING_CUBIC_GMFL_II;
        out->b = NAN;
        out->c = NAN;
        out->q_star = z[2];
        out->p_tilde = d;
        return 0;
    }
    out->phase = GROKKING_CUBIC_GMFL_I;
    out->b = z[0];
    out->c = z[1];
    out->q_star = z[2];
    out->p_tilde = z[3];
    return 0;
}
