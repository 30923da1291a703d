/*
 * grokking_modular.c - mean-field theory of the quadratic network on modular
 * addition, and the theory module "grokking_modular" built on it.
 *
 * Conventions, units and the meaning of every returned value are in
 * include/grokking_modular.h. The numerics allocate nothing and keep no
 * state; the theory module runs on the theory thread and writes only into
 * the caller's gs_theory_output.
 *
 * Route to the solution. Each neuron's Fourier pairs decouple. On the line
 * Phi = Psi the mode action per P is Phi - A Phi^2 + gamma6 Phi^3 / 3, with a
 * minimum at 0 and, once A^2 > gamma6, a second (condensed) minimum Phi+.
 * A neuron's pair sits at 0 or at Phi+ with the weights of a two-saddle
 * mixture, which gives <Phi Psi>, hence the target eigenvalue lambda(a), and
 * a = -sigma^2 / (lambda(a) + sigma^2) closes the loop. The right-hand side
 * minus a is monotone in a, so bisection on (-1, 0) finds the unique root.
 *
 * Known limits:
 *  - The Gaussian background of the uncondensed saddle is taken at its prior
 *    value <Phi Psi> = 1/P^2 (the NNGP limit). Its enhancement by the
 *    coupling, of relative order A / P, is dropped.
 *  - The saddle weights follow the two-saddle mixture with prefactor 4 (see
 *    mixture_weight). That choice moves only where inside the narrow window
 *    A ~ A_c the weight switches, not the onsets or a(sigma^2).
 */
#include "grokking_modular.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "theory.h"

/* The model mapped onto read-in variance 1 (see "Reduced units" in the header). */
typedef struct {
    double sigma2;
    int P;
    double N;
    double s;        /* sigma_a2 sigma_w2^2 */
    double g;        /* gamma6 sigma_w2^3 */
    double w2;       /* sigma_w2, to convert Phi back to physical units */
    double prefactor;
} reduced_model;

static reduced_model reduce(const grokking_modular_params *gp)
{
    reduced_model r;
    double w2 = gp->sigma_w2;

    r.sigma2 = gp->sigma2;
    r.P = gp->P;
    r.N = gp->N;
    r.s = gp->sigma_a2 * w2 * w2;
    r.g = gp->gamma6 * w2 * w2 * w2;
    r.w2 = w2;
    r.prefactor = grokking_modular_eigen_prefactor(gp->P, gp->paper_eigenvalue);
    return r;
}

int grokking_modular_check(const grokking_modular_params *gp, char *err, size_t errlen)
{
    if (!(gp->sigma2 > 0) || !isfinite(gp->sigma2)) {
        snprintf(err, errlen, "invalid noise variance T = %g: it must be positive and finite",
                 gp->sigma2);
        return -1;
    }
    if (gp->P < 3 || gp->P % 2 == 0) {
        snprintf(err, errlen, "invalid modulus P = %d: use an odd integer >= 3 (a prime)",
                 gp->P);
        return -1;
    }
    if (!(gp->N >= 1) || !isfinite(gp->N)) {
        snprintf(err, errlen, "invalid width N = %g: it must be at least 1", gp->N);
        return -1;
    }
    if (!(gp->sigma_a2 > 0) || !isfinite(gp->sigma_a2)) {
        snprintf(err, errlen, "invalid readout scale sigma_a2 = %g: it must be positive",
                 gp->sigma_a2);
        return -1;
    }
    if (!(gp->sigma_w2 > 0) || !isfinite(gp->sigma_w2)) {
        snprintf(err, errlen, "invalid read-in variance sigma_w2 = %g: it must be positive",
                 gp->sigma_w2);
        return -1;
    }
    if (!(gp->gamma6 > 0) || !isfinite(gp->gamma6)) {
        snprintf(err, errlen,
                 "invalid sextic coefficient gamma = %g: the theory needs gamma > 0 "
                 "to keep the mode action bounded",
                 gp->gamma6);
        return -1;
    }
    return 0;
}

double grokking_modular_eigen_prefactor(int P, int paper_eigenvalue)
{
    return paper_eigenvalue ? 1.0 : 4.0 * (double)P * (double)P;
}

static double coupling_scale(const reduced_model *r)
{
    double P = r->P;

    return 2.0 * r->s * P * P / (r->N * r->sigma2 * r->sigma2);
}

double grokking_modular_u(const grokking_modular_params *gp)
{
    reduced_model r = reduce(gp);

    return coupling_scale(&r);
}

double grokking_modular_mode_action(double phi, double psi, double coupling,
                                    double gamma6, int P)
{
    double quadratic = 0.5 * (phi + psi);
    double interaction = coupling * phi * psi;
    double sextic = gamma6 / 6.0 * (phi * phi * phi + psi * psi * psi);

    return P * (quadratic - interaction + sextic);
}

int grokking_modular_side_saddle(double coupling, double gamma6,
                                 double *phi_plus, double *phi_minus)
{
    double disc = coupling * coupling - gamma6;

    if (!(coupling > 0) || !(disc > 0)) {
        *phi_plus = 0;
        *phi_minus = 0;
        return 0;
    }
    /* Roots of 1 - 2 A Phi + gamma6 Phi^2; the product of the roots is
     * 1/gamma6, which gives the small root without cancellation. */
    double big = coupling + sqrt(disc);
    *phi_plus = big / gamma6;
    *phi_minus = 1.0 / big;
    return 1;
}

/* Weight of the condensed saddle in the mixture 1 : 4 exp(-S+), where the
 * uncondensed saddle has action 0. It is written as a logistic that cannot
 * overflow, because |S+| reaches 1e4 to 1e5 at the paper's sizes.
 * NOTE: the prefactor 4 is the two-saddle rule of Rubin et al., not rechecked
 * against their text. A Gaussian-fluctuation estimate gives a prefactor of order P,
 * which would shift side_action inside GMFL-I but not a(sigma^2). */
static double mixture_weight(double side_action)
{
    double x = log(4.0) - side_action;

    if (x >= 0)
        return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}

/* Mode statistics at discrepancy a; writes every field of st except phase. */
static void evaluate(const reduced_model *r, double a, grokking_modular_state *st)
{
    double P = r->P;
    double A = coupling_scale(r) * a * a;
    double phi_plus, phi_minus;
    double p = 0, side = NAN;

    if (grokking_modular_side_saddle(A, r->g, &phi_plus, &phi_minus)) {
        side = grokking_modular_mode_action(phi_plus, phi_plus, A, r->g, r->P);
        p = mixture_weight(side);
    }
    double power = (1.0 - p) / (P * P) + p * phi_plus * phi_plus;

    st->a = a;
    st->learned_fraction = 1.0 + a;
    st->coupling = A;
    st->phi_plus = r->w2 * phi_plus;
    st->phi_barrier = r->w2 * phi_minus;
    st->side_action = side;
    st->condensed_fraction = p;
    st->mode_power = r->w2 * r->w2 * power;
    st->eigenvalue = r->prefactor * r->s * power;
    st->table_mse = a * a * (P - 1.0) / P;
}

double grokking_modular_sigma2_degenerate(const grokking_modular_params *gp)
{
    reduced_model r = reduce(gp);
    double P = r.P;

    return sqrt(r.s * P * P / (r.N * sqrt(r.g / 3.0)));
}

double grokking_modular_sigma2_c1(const grokking_modular_params *gp)
{
    reduced_model r = reduce(gp);
    double P = r.P;
    double background = r.prefactor * r.s / (P * P);

    return grokking_modular_sigma2_degenerate(gp) - background;
}

double grokking_modular_sigma2_c2(const grokking_modular_params *gp)
{
    reduced_model r = reduce(gp);
    /* All pairs condensed at the degenerate saddle Phi_c^2 = 3 / gamma6. */
    double full = r.prefactor * r.s * 3.0 / r.g;

    return grokking_modular_sigma2_degenerate(gp) - full;
}

double grokking_modular_lambda_per_neuron(const grokking_modular_params *gp)
{
    reduced_model r = reduce(gp);

    return r.prefactor * r.s * 3.0 / (r.g * r.N);
}

int grokking_modular_solve(const grokking_modular_params *gp,
                           grokking_modular_state *st, char *err, size_t errlen)
{
    if (grokking_modular_check(gp, err, errlen) != 0)
        return -1;

    reduced_model r = reduce(gp);
    grokking_modular_state trial;
    double lo = -1.0, hi = 0.0;

    /* residual(a) = a + sigma^2 / (lambda(a) + sigma^2) rises with a: it is
     * <= 0 at a = -1 and > 0 at a = 0, since lambda > 0 everywhere. */
    for (int iter = 0; iter < 200; iter++) {
        double mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi)
            break;
        evaluate(&r, mid, &trial);
        double residual = mid + r.sigma2 / (trial.eigenvalue + r.sigma2);
        if (residual > 0)
            hi = mid;
        else
            lo = mid;
    }
    evaluate(&r, 0.5 * (lo + hi), st);

    if (r.sigma2 > grokking_modular_sigma2_c1(gp))
        st->phase = 0;
    else if (r.sigma2 > grokking_modular_sigma2_c2(gp))
        st->phase = 1;
    else
        st->phase = 2;
    return 0;
}

int grokking_modular_fourier_power(const double *w, int P, double *phi, double *psi)
{
    if (P < 3 || P % 2 == 0)
        return -1;

    const double *v = w + P;
    double step = 2.0 * M_PI / P;

    for (int k = 1; k <= (P - 1) / 2; k++) {
        double wr = 0, wi = 0, vr = 0, vi = 0;
        for (int n = 0; n < P; n++) {
            /* Reduce k n mod P first so the angle stays in [0, 2 pi). */
            double angle = step * (double)((k * n) % P);
            double c = cos(angle), s = sin(angle);
            wr += w[n] * c;
            wi += w[n] * s;
            vr += v[n] * c;
            vi += v[n] * s;
        }
        phi[k - 1] = (wr * wr + wi * wi) / ((double)P * P);
        psi[k - 1] = (vr * vr + vi * vi) / ((double)P * P);
    }
    return 0;
}

/* ---- the registered theory module -------------------------------------- */

static const char *const gm_depends[] = {
    "T", "P", "N", "sigma_a2", "sigma_w2", "gamma", "paper_eigenvalue", NULL
};

/* Read a parameter that has no sensible default. */
static int read_required(const gs_params *ps, const char *name, double *value,
                         char *err, size_t errlen)
{
    *value = gs_params_get(ps, name, NAN);
    if (isnan(*value)) {
        snprintf(err, errlen,
                 "grokking_modular: parameter %s is missing; set it in the preset "
                 "or with --set %s=VALUE",
                 name, name);
        return -1;
    }
    return 0;
}

static int read_params(const gs_params *ps, grokking_modular_params *gp,
                       char *err, size_t errlen)
{
    double P;

    if (read_required(ps, "T", &gp->sigma2, err, errlen) != 0
        || read_required(ps, "P", &P, err, errlen) != 0
        || read_required(ps, "N", &gp->N, err, errlen) != 0
        || read_required(ps, "sigma_a2", &gp->sigma_a2, err, errlen) != 0
        || read_required(ps, "gamma", &gp->gamma6, err, errlen) != 0)
        return -1;
    if (!(fabs(P - nearbyint(P)) < 1e-9) || P > 1e6) {
        snprintf(err, errlen, "invalid modulus P = %g: use an odd integer >= 3 (a prime)", P);
        return -1;
    }
    gp->P = (int)nearbyint(P);
    gp->sigma_w2 = gs_params_get(ps, "sigma_w2", 1.0);
    gp->paper_eigenvalue = gs_params_get(ps, "paper_eigenvalue", 0.0) != 0;
    return grokking_modular_check(gp, err, errlen);
}

static int put_state(gs_theory_output *out, const grokking_modular_params *gp,
                     const grokking_modular_state *st)
{
    int rc = 0;

    rc |= gs_theory_put(out, "gm_a", st->a);
    rc |= gs_theory_put(out, "gm_learned_fraction", st->learned_fraction);
    rc |= gs_theory_put(out, "gm_condensed_fraction", st->condensed_fraction);
    rc |= gs_theory_put(out, "gm_sigma2_c1", grokking_modular_sigma2_c1(gp));
    /* A GMFL-II onset at or below zero means there is no GMFL-II phase: report none. */
    double c2 = grokking_modular_sigma2_c2(gp);
    rc |= gs_theory_put(out, "gm_sigma2_c2", c2 > 0 ? c2 : NAN);
    rc |= gs_theory_put(out, "gm_phase", st->phase);
    rc |= gs_theory_put(out, "gm_test_mse", st->table_mse);
    rc |= gs_theory_put(out, "gm_eigenvalue", st->eigenvalue);
    rc |= gs_theory_put(out, "gm_mode_power", st->mode_power);
    rc |= gs_theory_put(out, "gm_phi_plus", st->phi_plus);
    rc |= gs_theory_put(out, "gm_phi_barrier", st->phi_barrier);
    rc |= gs_theory_put(out, "gm_side_action", st->side_action);
    rc |= gs_theory_put(out, "gm_coupling", st->coupling);
    rc |= gs_theory_put(out, "gm_u", grokking_modular_u(gp));
    rc |= gs_theory_put(out, "gm_lambda_per_neuron", grokking_modular_lambda_per_neuron(gp));
    rc |= gs_theory_put(out, "gm_condensed_per_mode", gp->N * st->condensed_fraction);
    return rc;
}

static gs_theory_curve *add_curve(gs_theory_output *out, const char *name, const char *x_name)
{
    if (out->ncurves >= GS_THEORY_MAX_CURVES)
        return NULL;
    gs_theory_curve *c = &out->curve[out->ncurves++];
    snprintf(c->name, sizeof c->name, "%s", name);
    snprintf(c->x_name, sizeof c->x_name, "%s", x_name);
    c->count = 0;
    return c;
}

/* a and 1 + a against sigma^2 from 0.25 to 1.5 times sigma_c^2, widened to
 * contain the current T. Stops early, with a shorter curve, when cancelled. */
static void put_sigma2_curves(const gs_theory_input *in, gs_theory_output *out,
                              const grokking_modular_params *gp)
{
    gs_theory_curve *ca = add_curve(out, "a_vs_sigma2", "T");
    gs_theory_curve *cl = add_curve(out, "learned_fraction_vs_sigma2", "T");
    if (!ca || !cl)
        return;

    double center = grokking_modular_sigma2_degenerate(gp);
    double lo = fmin(0.25 * center, 0.8 * gp->sigma2);
    double hi = fmax(1.5 * center, 1.2 * gp->sigma2);
    int n = GS_THEORY_CURVE_POINTS;
    grokking_modular_params at = *gp;
    grokking_modular_state st;
    char err[160];

    for (int i = 0; i < n; i++) {
        if (in->cancel && atomic_load(in->cancel))
            return;
        at.sigma2 = lo + (hi - lo) * i / (n - 1.0);
        if (grokking_modular_solve(&at, &st, err, sizeof err) != 0)
            return;
        ca->x[i] = cl->x[i] = at.sigma2;
        ca->y[i] = st.a;
        cl->y[i] = st.learned_fraction;
        ca->count = cl->count = i + 1;
    }
}

/* The mode action per P on the line Phi = Psi at the solved coupling, against
 * the physical Phi, for comparison with -log p(Phi) / P of the network's
 * Fourier power. */
static void put_action_curve(gs_theory_output *out, const grokking_modular_params *gp,
                             const grokking_modular_state *st)
{
    gs_theory_curve *c = add_curve(out, "mode_action_vs_phi", "phi");
    if (!c)
        return;

    double w2 = gp->sigma_w2;
    double g = gp->gamma6 * w2 * w2 * w2;
    double phi_c = sqrt(3.0 / g);
    double top = 1.5 * fmax(phi_c, st->phi_plus / w2);
    int n = GS_THEORY_CURVE_POINTS;

    for (int i = 0; i < n; i++) {
        double phi = top * i / (n - 1.0);
        c->x[i] = w2 * phi;
        c->y[i] = grokking_modular_mode_action(phi, phi, st->coupling, g, gp->P) / gp->P;
    }
    c->count = n;
}

/* The averaged output fbar_0 = (1 + a) y_0 at every test pair, when the data
 * set has the two-hot layout of the header and fits in one vector. */
static void put_mean_vector(const gs_theory_input *in, gs_theory_output *out,
                            const grokking_modular_params *gp, double a)
{
    const gs_dataset *ds = in->data;
    int P = gp->P;

    if (!ds || !ds->x_test || ds->d != 2 * P || ds->c != P
        || ds->n_test < 1 || ds->n_test > GS_THEORY_VECTOR_MAX
        || out->nvectors >= GS_THEORY_MAX_VECTORS)
        return;

    int slot = out->nvectors;
    for (int t = 0; t < ds->n_test; t++) {
        const float *x = ds->x_test + (size_t)t * ds->d;
        int n = 0, m = 0;
        for (int j = 1; j < P; j++) {
            if (x[j] > x[n])
                n = j;
            if (x[P + j] > x[P + m])
                m = j;
        }
        double y0 = ((n + m) % P == 0 ? 1.0 : 0.0) - 1.0 / P;
        out->vector[slot][t] = (1.0 + a) * y0;
    }
    snprintf(out->vector_name[slot], sizeof out->vector_name[slot], "gm_mean");
    out->vector_len[slot] = ds->n_test;
    out->nvectors++;
}

static int gm_compute(const gs_theory_input *in, gs_theory_output *out,
                      char *err, size_t errlen)
{
    grokking_modular_params gp;
    grokking_modular_state st;

    if (read_params(in->params, &gp, err, errlen) != 0)
        return -1;
    if (grokking_modular_solve(&gp, &st, err, errlen) != 0)
        return -1;
    if (put_state(out, &gp, &st) != 0) {
        snprintf(err, errlen, "grokking_modular: the output has room for only %d values",
                 GS_THEORY_MAX_VALUES);
        return -1;
    }
    put_action_curve(out, &gp, &st);
    put_mean_vector(in, out, &gp, st.a);
    put_sigma2_curves(in, out, &gp);
    return 0;
}

const gs_theory_kind gs_theory_grokking_modular = {
    .name = "grokking_modular",
    .summary = "quadratic network on modular addition: discrepancy a(T), GMFL-I and GMFL-II onsets",
    .depends = gm_depends,
    .compute = gm_compute,
};
