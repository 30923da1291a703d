/*
 * grokking_cubic_module.c - the "grokking_cubic" theory module: turns a
 * parameter snapshot into the predictions of the cubic-teacher grokking theory
 * (numerics in grokking_cubic.c). It runs on the theory thread and writes only
 * into the caller's gs_theory_output.
 *
 * Parameters read (gs_params names):
 *   T, n, N, d         required: noise variance sigma^2, samples, width, input dim
 *   eps                cubic teacher coefficient (default -0.3)
 *   sigma_w2           read-in prior scale, w ~ N(0, sigma_w2/d) (default 0.5)
 *   sigma_a2           readout scale, a ~ N(0, sigma_a2/N)
 *   sigma_a2_tilde     > 0 ties sigma_a2 = sigma_a2_tilde/N and overrides sigma_a2;
 *                      when neither is set, sigma_a2 = 8/N (the mean-field base case)
 *   q_bins, q_max      overlap histogram: bins over [-q_max, q_max]
 *   q_droplet          |q| beyond which a neuron counts as a droplet (default 0.45)
 *
 * Values written (finite d at the current sizes unless named _limit):
 *   gc_b, gc_c              discrepancy y - fbar = b He1 + c He3
 *   gc_test_mse             b^2 + 6 c^2, test MSE of the averaged predictor
 *   gc_linear_learned       1 - b, the He1 coefficient of fbar
 *   gc_cubic_learned        eps - c, the He3 coefficient of fbar
 *   gc_droplet_fraction     mass of p(q) at |q| > q_droplet; gc_droplets = N times it
 *   gc_well_q, gc_well_dS   side well of S(q) and S(q_well) - S(0); NaN without one
 *   gc_u, gc_rho            n^2 sigma_a2/(T^2 d N) and (T/n)/(sigma_a2/d)
 *   gc_u_c, gc_T_c          transition on the line where only T moves (scaling limit)
 *   gc_N_c                  transition width at the other current sizes
 *   gc_phase                0 GFL, 1 GMFL-I, 2 GMFL-II (scaling limit at u, rho)
 *   gc_b_limit, gc_c_limit, gc_linear_learned_limit, gc_cubic_learned_limit,
 *   gc_test_mse_limit, gc_q_star, gc_droplet_fraction_limit (p_tilde/d)
 * Histogram "overlap": probability of q per bin under exp(-S(q)) at finite d.
 * Curves: "phase_boundary" (T_c against N), "cubic_learned" and
 * "linear_learned" (finite d, against T), "cubic_learned_limit" (against T,
 * with the kink at T_c).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "grokking_cubic.h"
#include "theory.h"

#define DEFAULT_Q_BINS 81
#define DEFAULT_Q_DROPLET 0.45
#define BOUNDARY_POINTS 48
#define SWEEP_POINTS 40

static const char *const grokking_cubic_depends[] = {
    "T", "n", "N", "d", "eps", "sigma_w2", "sigma_a2", "sigma_a2_tilde",
    "q_bins", "q_max", "q_droplet", NULL
};

static int is_cancelled(const gs_theory_input *in)
{
    return in->cancel && atomic_load(in->cancel);
}

static int read_sizes(const gs_params *p, grokking_cubic_sizes *s, char *err, size_t errlen)
{
    const char *required[] = {"T", "n", "N", "d"};
    for (int i = 0; i < 4; i++) {
        if (gs_params_find(p, required[i]) < 0) {
            snprintf(err, errlen, "grokking_cubic: parameter %s is missing; set it in the preset",
                     required[i]);
            return -1;
        }
    }
    s->T = gs_params_get(p, "T", NAN);
    s->n = gs_params_get(p, "n", NAN);
    s->N = gs_params_get(p, "N", NAN);
    s->d = gs_params_get(p, "d", NAN);
    s->eps = gs_params_get(p, "eps", -0.3);
    s->sigma_w2 = gs_params_get(p, "sigma_w2", 0.5);
    s->sigma_a2 = gs_params_get(p, "sigma_a2", NAN);
    s->sigma_a2_tilde = gs_params_get(p, "sigma_a2_tilde", 0);
    if (gs_params_find(p, "sigma_a2") < 0 && !(s->sigma_a2_tilde > 0))
        s->sigma_a2_tilde = 8;
    return grokking_cubic_check(s, err, errlen);
}

static void put_finite(gs_theory_output *out, const grokking_cubic_sizes *s,
                       const grokking_cubic_finite *f, double q_droplet)
{
    double frac = grokking_cubic_mass_beyond(s, f->b, f->c, q_droplet);
    gs_theory_put(out, "gc_b", f->b);
    gs_theory_put(out, "gc_c", f->c);
    gs_theory_put(out, "gc_test_mse", f->b * f->b + 6 * f->c * f->c);
    gs_theory_put(out, "gc_linear_learned", 1 - f->b);
    gs_theory_put(out, "gc_cubic_learned", s->eps - f->c);
    gs_theory_put(out, "gc_droplet_fraction", frac);
    gs_theory_put(out, "gc_droplets", s->N * frac);
    gs_theory_put(out, "gc_well_q", f->well.found ? f->well.q : NAN);
    gs_theory_put(out, "gc_well_dS", f->delta_s);
}

static void put_limit(gs_theory_output *out, const grokking_cubic_sizes *s,
                      const grokking_cubic_limit *l, int ok)
{
    double b = ok ? l->b : NAN, c = ok ? l->c : NAN;
    double u = grokking_cubic_u(s);
    gs_theory_put(out, "gc_phase", ok ? l->phase : NAN);
    gs_theory_put(out, "gc_u_c", l->u_c);
    gs_theory_put(out, "gc_T_c", s->T * sqrt(u / l->u_c));
    gs_theory_put(out, "gc_b_limit", b);
    gs_theory_put(out, "gc_c_limit", c);
    gs_theory_put(out, "gc_linear_learned_limit", 1 - b);
    gs_theory_put(out, "gc_cubic_learned_limit", s->eps - c);
    gs_theory_put(out, "gc_test_mse_limit", b * b + 6 * c * c);
    gs_theory_put(out, "gc_q_star", ok ? l->q_star : NAN);
    gs_theory_put(out, "gc_droplet_fraction_limit", ok ? l->p_tilde / s->d : NAN);
}

/* The default range covers six prior standard deviations of q and the side
 * wells, which sat at |q| <= 2 sigma_w in every case solved for this preset
 * (0.67 to 1.45 at sigma_w = 0.71). */
static double default_q_max(const grokking_cubic_sizes *s)
{
    return fmax(6 * sqrt(s->sigma_w2 / s->d), 2.25 * sqrt(s->sigma_w2));
}

static int put_histogram(const gs_theory_input *in, gs_theory_output *out,
                         const grokking_cubic_sizes *s, const grokking_cubic_finite *f,
                         char *err, size_t errlen)
{
    int nbins = (int)gs_params_get(in->params, "q_bins", DEFAULT_Q_BINS);
    double q_max = gs_params_get(in->params, "q_max", default_q_max(s));
    if (nbins < 2 || nbins > GS_MAX_BINS || !(q_max > 0) || !isfinite(q_max)) {
        snprintf(err, errlen,
                 "grokking_cubic: histogram q_bins = %d, q_max = %g is invalid; "
                 "use 2 <= q_bins <= %d and q_max > 0", nbins, q_max, GS_MAX_BINS);
        return -1;
    }
    if (out->nhists >= GS_THEORY_MAX_HISTS)
        return 0;
    gs_histogram *h = &out->hist[out->nhists];
    double p[GS_MAX_BINS];
    if (grokking_cubic_bin_probabilities(s, f->b, f->c, -q_max, q_max, nbins, p) != 0) {
        snprintf(err, errlen, "grokking_cubic: overlap histogram has zero mass on [-%g, %g]",
                 q_max, q_max);
        return -1;
    }
    memset(h, 0, sizeof *h);
    snprintf(h->name, sizeof h->name, "overlap");
    h->nbins = nbins;
    h->lo = -q_max;
    h->hi = q_max;
    for (int i = 0; i < nbins; i++)
        h->theory[i] = (float)p[i];
    h->theory_valid = 1;
    out->nhists++;
    return 0;
}

static gs_theory_curve *new_curve(gs_theory_output *out, const char *name, const char *x_name)
{
    if (out->ncurves >= GS_THEORY_MAX_CURVES)
        return NULL;
    gs_theory_curve *cv = &out->curve[out->ncurves++];
    memset(cv, 0, sizeof *cv);
    snprintf(cv->name, sizeof cv->name, "%s", name);
    snprintf(cv->x_name, sizeof cv->x_name, "%s", x_name);
    return cv;
}

/* T_c against N on a log grid from N/16 to 16 N, other sizes held. */
static int put_phase_boundary(const gs_theory_input *in, gs_theory_output *out,
                              const grokking_cubic_sizes *s)
{
    gs_theory_curve *cv = new_curve(out, "phase_boundary", "N");
    if (!cv)
        return 0;
    for (int i = 0; i < BOUNDARY_POINTS; i++) {
        if (is_cancelled(in))
            return -1;
        grokking_cubic_sizes at = *s;
        at.N = s->N * pow(16, 2.0 * i / (BOUNDARY_POINTS - 1) - 1);
        double t_c;
        if (grokking_cubic_t_c(&at, &t_c) != 0)
            continue;
        cv->x[cv->count] = at.N;
        cv->y[cv->count] = t_c;
        cv->count++;
    }
    return 0;
}

/* Learned coefficients against T from hi down to lo: finite d annealed with
 * warm starts, and the scaling limit point by point. */
static int put_t_sweeps(const gs_theory_input *in, gs_theory_output *out,
                        const grokking_cubic_sizes *s, double t_c)
{
    double t_lo = 0.5 * (isfinite(t_c) ? fmin(s->T, t_c) : s->T);
    double t_hi = 1.6 * (isfinite(t_c) ? fmax(s->T, t_c) : s->T);
    gs_theory_curve *cubic = new_curve(out, "cubic_learned", "T");
    gs_theory_curve *linear = new_curve(out, "linear_learned", "T");
    gs_theory_curve *limit = new_curve(out, "cubic_learned_limit", "T");
    if (!cubic || !linear || !limit)
        return 0;
    char err[256];
    grokking_cubic_sizes at = *s;
    at.T = t_hi;
    grokking_cubic_finite f;
    int have_finite = grokking_cubic_solve_finite(&at, in->cancel, &f, err, sizeof err) == 0;
    for (int i = 0; i < SWEEP_POINTS; i++) {
        if (is_cancelled(in))
            return -1;
        at.T = t_hi * pow(t_lo / t_hi, (double)i / (SWEEP_POINTS - 1));
        if (have_finite)
            have_finite = grokking_cubic_solve_finite_from(&at, f.b, f.c, &f, err, sizeof err) == 0;
        if (have_finite) {
            cubic->x[cubic->count] = at.T;
            cubic->y[cubic->count++] = s->eps - f.c;
            linear->x[linear->count] = at.T;
            linear->y[linear->count++] = 1 - f.b;
        }
        grokking_cubic_limit l;
        if (grokking_cubic_solve_limit(grokking_cubic_u(&at), grokking_cubic_rho(&at), s->eps,
                                       s->sigma_w2, s->d, &l, err, sizeof err) == 0
            && isfinite(l.c)) {
            limit->x[limit->count] = at.T;
            limit->y[limit->count++] = s->eps - l.c;
        }
    }
    return 0;
}

static int grokking_cubic_compute(const gs_theory_input *in, gs_theory_output *out, char *err,
                                  size_t errlen)
{
    grokking_cubic_sizes s;
    if (read_sizes(in->params, &s, err, errlen) != 0)
        return -1;
    double q_droplet = gs_params_get(in->params, "q_droplet", DEFAULT_Q_DROPLET);

    grokking_cubic_finite f;
    if (grokking_cubic_solve_finite(&s, in->cancel, &f, err, errlen) != 0)
        return -1;
    double u = grokking_cubic_u(&s), rho = grokking_cubic_rho(&s);
    gs_theory_put(out, "gc_u", u);
    gs_theory_put(out, "gc_rho", rho);
    put_finite(out, &s, &f, q_droplet);
    if (put_histogram(in, out, &s, &f, err, errlen) != 0)
        return -1;

    /* A failed scaling-limit solve leaves the finite-d predictions standing;
     * its values are NaN. */
    char limit_err[256];
    grokking_cubic_limit l;
    int limit_ok = grokking_cubic_solve_limit(u, rho, s.eps, s.sigma_w2, s.d, &l, limit_err,
                                              sizeof limit_err) == 0;
    put_limit(out, &s, &l, limit_ok);
    double n_c;
    gs_theory_put(out, "gc_N_c", grokking_cubic_n_c(&s, &n_c) == 0 ? n_c : NAN);

    if (put_phase_boundary(in, out, &s) != 0
        || put_t_sweeps(in, out, &s, s.T * sqrt(u / l.u_c)) != 0) {
        snprintf(err, errlen, "grokking_cubic: cancelled");
        return -1;
    }
    return 0;
}

const gs_theory_kind gs_theory_grokking_cubic = {
    .name = "grokking_cubic",
    .summary = "erf net on a cubic teacher: mean-field action S(q), discrepancy (b, c), "
               "first-order grokking transition",
    .depends = grokking_cubic_depends,
    .compute = grokking_cubic_compute,
};
