/*
 * test_grokking_modular.c - the modular-addition grokking theory: regression
 * values at the paper's Fig. 3 parameters in both eigenvalue normalizations,
 * closed forms against the bisection solver, and independent numerical
 * routes (brute-force minimization of the mode action, the Fourier identity
 * and the NNGP eigenvalue on an explicit table).
 *
 * The model is that of Rubin, Seroussi and Ringel (arXiv 2310.03789). The
 * regression values were computed from the same equations by a separate
 * implementation. The paper itself quotes 0.227 and 0.175 for the onsets.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "data.h"
#include "grokking_modular.h"
#include "theory.h"

/* Defined in src/theory/grokking_modular.c and listed in the registry. */
extern const gs_theory_kind gs_theory_grokking_modular;

/* Fig. 3 of the paper: N = 1000, P = 401, sigma_a2 = 0.002 / N, gamma = 1e-4. */
static grokking_modular_params fig3(double sigma2, int paper_eigenvalue)
{
    grokking_modular_params gp = {
        .sigma2 = sigma2,
        .P = 401,
        .N = 1000,
        .sigma_a2 = 0.002 / 1000,
        .sigma_w2 = 1,
        .gamma6 = 1e-4,
        .paper_eigenvalue = paper_eigenvalue,
    };
    return gp;
}

static grokking_modular_state solve_ok(const grokking_modular_params *gp)
{
    grokking_modular_state st;
    char err[256] = "";
    int rc = grokking_modular_solve(gp, &st, err, sizeof err);
    if (rc != 0)
        print_error("solve failed: %s\n", err);
    assert_int_equal(rc, 0);
    return st;
}

/* sigma_c^2 = sqrt(sigma_a2 P^2 / (N sqrt(gamma / 3))), written out here so
 * the module's version is checked against an independent expression. */
static double degenerate_sigma2(const grokking_modular_params *gp)
{
    double P = gp->P;
    return sqrt(gp->sigma_a2 * P * P / (gp->N * sqrt(gp->gamma6 / 3.0)));
}

/* splitmix64, so the random weights are the same on every run. */
static double uniform_pm1(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return 2.0 * ((double)(z >> 11) / 9007199254740992.0) - 1.0;
}

/* ---- regression values, paper normalization ---------------------------- */

static void onsets_paper_fig3(void **state)
{
    (void)state;
    grokking_modular_params gp = fig3(0.2, 1);
    double c = degenerate_sigma2(&gp);
    double c1 = grokking_modular_sigma2_c1(&gp);
    double c2 = grokking_modular_sigma2_c2(&gp);

    /* Computed separately: GMFL-I onset 0.2360 (the paper quotes about 0.227)
     * and GMFL-II onset 0.176 (the paper quotes 0.175). */
    assert_true(fabs(c1 - 0.2360) < 5e-5);
    assert_true(fabs(c2 - 0.176) < 5e-4);
    /* Closed forms: the background shift sigma_a2 / P^2 is about 1e-11. */
    assert_true(fabs(grokking_modular_sigma2_degenerate(&gp) - c) < 1e-12);
    assert_true(fabs(c1 - c) < 1e-10);
    assert_true(fabs(c2 - (c - 3.0 * gp.sigma_a2 / gp.gamma6)) < 1e-12);
}

static void discrepancy_paper_fig3(void **state)
{
    (void)state;
    /* a(sigma^2) computed separately and rounded to 3 decimals, so the
     * tolerance 6e-4 covers the rounding. */
    static const struct { double sigma2, a; int phase; } table[] = {
        { 0.227, -0.962, 1 },
        { 0.200, -0.847, 1 },
        { 0.176, -0.746, 2 },
        { 0.150, -0.659, 2 },
        { 0.100, -0.467, 2 },
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        grokking_modular_params gp = fig3(table[i].sigma2, 1);
        grokking_modular_state st = solve_ok(&gp);
        if (fabs(st.a - table[i].a) >= 6e-4)
            print_error("sigma2 = %g: a = %.6f, expected %.3f\n", table[i].sigma2, st.a, table[i].a);
        assert_true(fabs(st.a - table[i].a) < 6e-4);
        assert_int_equal(st.phase, table[i].phase);
        assert_true(fabs(st.learned_fraction - (1.0 + st.a)) < 1e-15);
    }
}

static void gfl_branch_unlearned(void **state)
{
    (void)state;
    grokking_modular_params gp = fig3(0.30, 1);
    grokking_modular_state st = solve_ok(&gp);

    assert_int_equal(st.phase, 0);
    assert_true(fabs(st.a + 1.0) < 1e-9);
    assert_true(st.condensed_fraction < 1e-12);
    /* Below A^2 = gamma there is no condensed saddle at all. */
    assert_true(st.coupling * st.coupling < gp.gamma6);
    assert_true(st.phi_plus == 0);
    assert_true(isnan(st.side_action));
}

/* Inside GMFL-I the degeneracy pins A, so a = -sigma^2 / sigma_c^2, and the
 * mixture weight follows from lambda = sigma_c^2 - sigma^2. */
static void mixed_phase_linear_paper(void **state)
{
    (void)state;
    static const double sigma2s[] = { 0.234, 0.227, 0.21, 0.19, 0.18 };
    for (size_t i = 0; i < sizeof sigma2s / sizeof sigma2s[0]; i++) {
        grokking_modular_params gp = fig3(sigma2s[i], 1);
        grokking_modular_state st = solve_ok(&gp);
        double c = degenerate_sigma2(&gp);
        double full = gp.sigma_a2 * 3.0 / gp.gamma6;
        double p = (c - gp.sigma2) / full;
        double side = log(4.0 * (1.0 - p) / p);

        assert_int_equal(st.phase, 1);
        /* The pinning is exact to relative order 1e-5 at P = 401. */
        assert_true(fabs(st.a + gp.sigma2 / c) < 2e-4);
        assert_true(fabs(st.condensed_fraction - p) < 2e-3);
        assert_true(fabs(st.side_action - side) < 0.03);
        /* Near the onset A sits just below A_c, which moves Phi+ by ~1e-4. */
        assert_true(fabs(st.phi_plus - sqrt(3.0 / gp.gamma6)) < 5e-4 * st.phi_plus);
    }
    /* At the paper's quoted onset 0.227 the side action is about 3, so the
     * condensed saddle is within O(1) of degeneracy. */
    grokking_modular_params gp = fig3(0.227, 1);
    grokking_modular_state st = solve_ok(&gp);
    assert_true(st.side_action > 2.5 && st.side_action < 3.5);
}

/* In GMFL-II every pair sits at Phi+, and the self-consistency has an
 * explicit parametric solution in Phi: A = (1 + gamma Phi^2) / (2 Phi),
 * sigma^2 = sigma_c^2 sqrt(A_c / A) - sigma_a2 Phi^2, a = -sigma^2 / (sigma_a2 Phi^2 + sigma^2). */
static void condensed_branch_parametric(void **state)
{
    (void)state;
    static const double phis[] = { 185.0, 200.0, 240.0, 276.0 };
    grokking_modular_params gp = fig3(0.1, 1);
    double c = degenerate_sigma2(&gp);
    double a_c = 2.0 * sqrt(gp.gamma6 / 3.0);

    for (size_t i = 0; i < sizeof phis / sizeof phis[0]; i++) {
        double phi = phis[i];
        double coupling = (1.0 + gp.gamma6 * phi * phi) / (2.0 * phi);
        double lam = gp.sigma_a2 * phi * phi;
        gp.sigma2 = c * sqrt(a_c / coupling) - lam;
        double a = -gp.sigma2 / (lam + gp.sigma2);

        grokking_modular_state st = solve_ok(&gp);
        assert_int_equal(st.phase, 2);
        assert_true(fabs(st.a - a) < 1e-7);
        assert_true(fabs(st.phi_plus - phi) < 1e-4 * phi);
        assert_true(fabs(st.coupling - coupling) < 1e-7 * coupling);
        assert_true(st.condensed_fraction > 1.0 - 1e-12);
    }
}

/* ---- the corrected eigenvalue ------------------------------------------ */

static void onsets_corrected_fig3(void **state)
{
    (void)state;
    grokking_modular_params gp = fig3(0.2, 0);
    double c = degenerate_sigma2(&gp);
    double P = gp.P;

    /* The onset moves only by the NNGP eigenvalue 4 sigma_a2 = 8e-6. */
    assert_true(fabs(grokking_modular_sigma2_c1(&gp) - (c - 4.0 * gp.sigma_a2)) < 1e-12);
    assert_true(fabs(grokking_modular_sigma2_c1(&gp) - 0.2360) < 5e-5);
    /* GMFL-II moves to sigma_c^2 - 12 P^2 sigma_a2 / gamma, negative here. */
    double c2 = c - 12.0 * P * P * gp.sigma_a2 / gp.gamma6;
    assert_true(fabs(grokking_modular_sigma2_c2(&gp) - c2) < 1e-9 * fabs(c2));
    assert_true(grokking_modular_sigma2_c2(&gp) < 0);
    assert_true(fabs(grokking_modular_eigen_prefactor(401, 0) - 4.0 * 401 * 401) < 1e-9);
    assert_true(grokking_modular_eigen_prefactor(401, 1) == 1.0);

    /* One condensed neuron adds 4 P^2 (sigma_a2 / N) (3 / gamma), about 39,
     * to its mode's eigenvalue: far above sigma_c^2, so at these parameters
     * the mixed phase cannot self-average. With the paper's eigenvalue it is
     * 6e-5. */
    double per_neuron = 4.0 * P * P * gp.sigma_a2 / gp.N * 3.0 / gp.gamma6;
    assert_true(fabs(grokking_modular_lambda_per_neuron(&gp) - per_neuron) < 1e-12 * per_neuron);
    assert_true(fabs(grokking_modular_lambda_per_neuron(&gp) - 38.59) < 0.01);
    grokking_modular_params paper = fig3(0.2, 1);
    assert_true(fabs(grokking_modular_lambda_per_neuron(&paper) - 6e-5) < 1e-12);
}

static void discrepancy_corrected_fig3(void **state)
{
    (void)state;
    /* Above the onset: the GP value with the NNGP eigenvalue 4 sigma_a2. */
    grokking_modular_params gp = fig3(0.30, 0);
    grokking_modular_state st = solve_ok(&gp);
    assert_int_equal(st.phase, 0);
    assert_true(fabs(st.a + 0.30 / (0.30 + 4.0 * gp.sigma_a2)) < 1e-9);

    /* Below it, the same linear law as the paper's normalization, and the
     * mixed phase never ends: 0.15 and 0.10 are still GMFL-I. */
    static const double sigma2s[] = { 0.20, 0.15, 0.10 };
    for (size_t i = 0; i < sizeof sigma2s / sizeof sigma2s[0]; i++) {
        gp = fig3(sigma2s[i], 0);
        st = solve_ok(&gp);
        assert_int_equal(st.phase, 1);
        assert_true(fabs(st.a + gp.sigma2 / degenerate_sigma2(&gp)) < 2e-4);
        /* Each condensed pair carries lambda = 4 P^2 sigma_a2 Phi_c^2, about
         * 3.9e4, so only a tiny fraction of pairs condenses. */
        assert_true(st.condensed_fraction > 0 && st.condensed_fraction < 1e-5);
    }

    /* At 0.20 both normalizations agree on a within the pinning width. */
    grokking_modular_params paper = fig3(0.20, 1);
    grokking_modular_params fixed = fig3(0.20, 0);
    assert_true(fabs(solve_ok(&paper).a - solve_ok(&fixed).a) < 2e-4);
}

/* ---- independent numerical routes ------------------------------------- */

/* The closed-form saddles against a brute-force grid minimization of the
 * mode action over the (Phi, Psi) plane. */
static void side_saddle_matches_grid_minimum(void **state)
{
    (void)state;
    const double gamma6 = 1e-4;
    const int P = 401;
    const double a_c = 2.0 * sqrt(gamma6 / 3.0);
    static const double factors[] = { 1.05, 1.5, 3.0 };

    for (size_t f = 0; f < sizeof factors / sizeof factors[0]; f++) {
        double coupling = factors[f] * a_c;
        double phi_plus, phi_minus;
        assert_int_equal(grokking_modular_side_saddle(coupling, gamma6, &phi_plus, &phi_minus), 1);

        int n = 400;
        double lo = 0.5 * phi_plus, hi = 1.5 * phi_plus;
        double step = (hi - lo) / n;
        double best = INFINITY, best_phi = 0, best_psi = 0;
        for (int i = 0; i <= n; i++) {
            for (int j = 0; j <= n; j++) {
                double phi = lo + i * step, psi = lo + j * step;
                double s = grokking_modular_mode_action(phi, psi, coupling, gamma6, P);
                if (s < best) {
                    best = s;
                    best_phi = phi;
                    best_psi = psi;
                }
            }
        }
        double side = grokking_modular_mode_action(phi_plus, phi_plus, coupling, gamma6, P);
        /* Second-order bound on the grid error: P (gamma Phi + A) step^2. */
        double tol = P * (gamma6 * 1.5 * phi_plus + coupling) * step * step;
        assert_true(fabs(best_phi - phi_plus) <= step);
        assert_true(fabs(best_psi - phi_plus) <= step);
        assert_true(best >= side - 1e-9 * fabs(side));
        assert_true(best - side <= tol);

        /* The barrier is the maximum on the diagonal between 0 and Phi+. */
        double top = -INFINITY, top_phi = 0;
        for (int i = 1; i < 4000; i++) {
            double phi = phi_plus * i / 4000.0;
            double s = grokking_modular_mode_action(phi, phi, coupling, gamma6, P);
            if (s > top) {
                top = s;
                top_phi = phi;
            }
        }
        assert_true(fabs(top_phi - phi_minus) <= phi_plus / 4000.0);
    }

    /* No side saddle below A^2 = gamma: the diagonal action only rises. */
    double phi_plus, phi_minus;
    assert_int_equal(grokking_modular_side_saddle(0.9 * sqrt(gamma6), gamma6, &phi_plus, &phi_minus), 0);
    double previous = 0;
    for (int i = 1; i <= 1000; i++) {
        double phi = 0.5 * i;
        double s = grokking_modular_mode_action(phi, phi, 0.9 * sqrt(gamma6), gamma6, P);
        assert_true(s > previous);
        previous = s;
    }

    /* At A_c the side minimum sits at Phi_c = sqrt(3 / gamma) with action 0. */
    assert_int_equal(grokking_modular_side_saddle(a_c, gamma6, &phi_plus, &phi_minus), 1);
    assert_true(fabs(phi_plus - sqrt(3.0 / gamma6)) < 1e-9 * phi_plus);
    assert_true(fabs(phi_minus - phi_plus / 3.0) < 1e-9 * phi_plus);
    assert_true(fabs(grokking_modular_mode_action(phi_plus, phi_plus, a_c, gamma6, P)) < 1e-6);
}

/* Independent route to a(sigma^2): <Phi Psi> by direct 2D quadrature of the
 * per-pair weight exp(-S2) dPhi dPsi, where S2 is the action of one Fourier
 * pair (modes k and P-k together, so twice the per-mode action):
 * S2 = P [ (Phi + Psi) - 2 A Phi Psi + (gamma/3)(Phi^3 + Psi^3) ].
 * The measure is flat in Phi because w_k is complex. Only two blocks are
 * integrated, one around the origin and one around the condensed saddle,
 * because the region between them lies under a barrier of order P. */
typedef struct {
    int P;
    double s, gamma6, prefactor, u, sigma2;
} quadrature_model;

static double pair_action(const quadrature_model *q, double coupling, double phi, double psi)
{
    return q->P * ((phi + psi) - 2.0 * coupling * phi * psi
                   + q->gamma6 / 3.0 * (phi * phi * phi + psi * psi * psi));
}

static double simpson_weight(int i, int n)
{
    if (i == 0 || i == n)
        return 1.0;
    return i % 2 ? 4.0 : 2.0;
}

/* Integrate exp(-(S2 - shift)) and Phi Psi exp(-(S2 - shift)) over the square
 * [lo, lo + width]^2 with Simpson's rule on n intervals per side. */
static void integrate_block(const quadrature_model *q, double coupling, double lo,
                            double width, double shift, double *z, double *zm)
{
    const int n = 160;
    double h = width / n;

    *z = 0;
    *zm = 0;
    for (int i = 0; i <= n; i++) {
        double phi = lo + i * h;
        for (int j = 0; j <= n; j++) {
            double psi = lo + j * h;
            double weight = simpson_weight(i, n) * simpson_weight(j, n)
                            * exp(-(pair_action(q, coupling, phi, psi) - shift));
            *z += weight;
            *zm += weight * phi * psi;
        }
    }
    *z *= h * h / 9.0;
    *zm *= h * h / 9.0;
}

static double quadrature_mode_power(const quadrature_model *q, double a)
{
    double coupling = q->u * a * a;
    double z0, zm0;

    integrate_block(q, coupling, 0.0, 40.0 / q->P, 0.0, &z0, &zm0);

    /* The condensed saddle solves 1 - 2 A Phi + gamma Phi^2 = 0 on Phi = Psi. */
    double disc = coupling * coupling - q->gamma6;
    if (disc <= 0)
        return zm0 / z0;
    double center = (coupling + sqrt(disc)) / q->gamma6;
    double curvature = 2.0 * q->P * (q->gamma6 * center - coupling);
    double saddle = pair_action(q, coupling, center, center);
    if (saddle > 600.0 || curvature <= 0)
        return zm0 / z0;

    double half = 12.0 / sqrt(curvature);
    double lo = fmax(center - half, 0.5 * center);
    double z1, zm1;
    integrate_block(q, coupling, lo, 2.0 * (center - lo), saddle, &z1, &zm1);

    /* Combine the blocks in log space: block 1 carries the factor e^(-saddle). */
    double log_ratio = log(z1) - saddle - log(z0);
    double p = log_ratio > 0 ? 1.0 / (1.0 + exp(-log_ratio))
                             : exp(log_ratio) / (1.0 + exp(log_ratio));
    return (1.0 - p) * (zm0 / z0) + p * (zm1 / z1);
}

static double quadrature_solve(const quadrature_model *q)
{
    double lo = -1.0, hi = 0.0;

    for (int iter = 0; iter < 60; iter++) {
        double mid = 0.5 * (lo + hi);
        double lam = q->prefactor * q->s * quadrature_mode_power(q, mid);
        if (mid + q->sigma2 / (lam + q->sigma2) > 0)
            hi = mid;
        else
            lo = mid;
    }
    return 0.5 * (lo + hi);
}

static quadrature_model quadrature_from(const grokking_modular_params *gp)
{
    double P = gp->P;
    quadrature_model q = {
        .P = gp->P,
        .s = gp->sigma_a2,
        .gamma6 = gp->gamma6,
        .prefactor = gp->paper_eigenvalue ? 1.0 : 4.0 * P * P,
        .u = 2.0 * gp->sigma_a2 * P * P / (gp->N * gp->sigma2 * gp->sigma2),
        .sigma2 = gp->sigma2,
    };
    return q;
}

static void mode_average_quadrature_fig3(void **state)
{
    (void)state;
    static const struct { double sigma2; int paper; } cases[] = {
        { 0.30, 1 }, { 0.227, 1 }, { 0.20, 1 }, { 0.15, 1 }, { 0.10, 1 },
        { 0.30, 0 }, { 0.20, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        grokking_modular_params gp = fig3(cases[i].sigma2, cases[i].paper);
        quadrature_model q = quadrature_from(&gp);
        double a_quadrature = quadrature_solve(&q);
        grokking_modular_state st = solve_ok(&gp);
        if (fabs(st.a - a_quadrature) >= 1e-4)
            print_error("sigma2 = %g, paper = %d: saddle a = %.6f, quadrature a = %.6f\n",
                        cases[i].sigma2, cases[i].paper, st.a, a_quadrature);
        /* The routes differ by the fluctuation weights, which move A only
         * inside the O(1/P) window around A_c. */
        assert_true(fabs(st.a - a_quadrature) < 1e-4);
    }

    /* At a live size (P = 31, N = 300, gamma = 1, sigma_a2 placing GMFL-II at
     * half the GMFL-I onset) the saddle mixture stays within 1% of the
     * quadrature across both transitions. */
    static const double fractions[] = { 1.2, 0.95, 0.75, 0.6, 0.3 };
    for (size_t i = 0; i < sizeof fractions / sizeof fractions[0]; i++) {
        grokking_modular_params live = {
            .P = 31, .N = 300, .sigma_a2 = 1.04302e-8, .sigma_w2 = 1, .gamma6 = 1,
            .paper_eigenvalue = 0,
        };
        live.sigma2 = 1.0;
        live.sigma2 = fractions[i] * grokking_modular_sigma2_c1(&live);
        quadrature_model q = quadrature_from(&live);
        double a_quadrature = quadrature_solve(&q);
        grokking_modular_state st = solve_ok(&live);
        if (fabs(st.a - a_quadrature) >= 1e-2)
            print_error("live sigma2 = %g: saddle a = %.6f, quadrature a = %.6f\n",
                        live.sigma2, st.a, a_quadrature);
        assert_true(fabs(st.a - a_quadrature) < 1e-2);
    }

    /* Far from the condensed saddle the quadrature gives the prior value 1/P^2. */
    grokking_modular_params gp = fig3(0.30, 0);
    quadrature_model q = quadrature_from(&gp);
    double power = quadrature_mode_power(&q, -1.0);
    assert_true(fabs(power * 401.0 * 401.0 - 1.0) < 1e-3);
}

/* On the full table, sum_p (y_p . phi)^2 / (P (P-1)) = 4 P^2 <Phi Psi> for
 * one neuron phi(x_nm) = (w_n + v_m)^2, which is where the corrected
 * prefactor comes from. Checked for primes and for the odd non-prime 9. */
static void fourier_identity_brute_force(void **state)
{
    (void)state;
    static const int moduli[] = { 5, 7, 9, 11, 13 };
    uint64_t rng = 12345;

    for (size_t t = 0; t < sizeof moduli / sizeof moduli[0]; t++) {
        int P = moduli[t];
        int pairs = (P - 1) / 2;
        double w[2 * 13], phi[6], psi[6];
        for (int j = 0; j < 2 * P; j++)
            w[j] = uniform_pm1(&rng);
        assert_int_equal(grokking_modular_fourier_power(w, P, phi, psi), 0);

        double projected = 0;
        for (int p = 0; p < P; p++) {
            double dot = 0;
            for (int n = 0; n < P; n++) {
                for (int m = 0; m < P; m++) {
                    double h = w[n] + w[P + m];
                    double y = ((n + m) % P == p ? 1.0 : 0.0) - 1.0 / P;
                    dot += y * h * h;
                }
            }
            projected += dot * dot;
        }
        double mean_power = 0;
        for (int k = 0; k < pairs; k++)
            mean_power += phi[k] * psi[k] / pairs;
        double lhs = projected / ((double)P * (P - 1));
        double rhs = grokking_modular_eigen_prefactor(P, 0) * mean_power;
        assert_true(fabs(lhs - rhs) < 1e-10 * fabs(lhs));

        /* Parseval: |w|^2 = P (|w_0|^2 + 2 sum over pairs of |w_k|^2). */
        double norm = 0, mean = 0, parseval = 0;
        for (int n = 0; n < P; n++) {
            norm += w[n] * w[n];
            mean += w[n] / P;
        }
        for (int k = 0; k < pairs; k++)
            parseval += 2.0 * phi[k];
        assert_true(fabs(norm - P * (mean * mean + parseval)) < 1e-12 * norm);
    }

    double w[4] = { 0 }, phi[1], psi[1];
    assert_int_equal(grokking_modular_fourier_power(w, 4, phi, psi), -1);
}

/* Above the onset the corrected eigenvalue is the NNGP one: the Gram matrix
 * of K(x, x') = s [ |x|^2 |x'|^2 + 2 (x . x')^2 ], s = sigma_a2 sigma_w2^2,
 * built on the explicit P = 7 table, has y_0 as an eigenvector. */
static void nngp_eigenvalue_brute_force(void **state)
{
    (void)state;
    enum { P = 7, PAIRS = P * P };
    grokking_modular_params gp = {
        .sigma2 = 5.0, .P = P, .N = 100, .sigma_a2 = 0.5, .sigma_w2 = 1.3,
        .gamma6 = 1.0, .paper_eigenvalue = 0,
    };
    double s = gp.sigma_a2 * gp.sigma_w2 * gp.sigma_w2;
    double y[PAIRS], ky[PAIRS];

    for (int i = 0; i < PAIRS; i++)
        y[i] = ((i / P + i % P) % P == 0 ? 1.0 : 0.0) - 1.0 / P;
    for (int i = 0; i < PAIRS; i++) {
        ky[i] = 0;
        for (int j = 0; j < PAIRS; j++) {
            double overlap = (i / P == j / P) + (i % P == j % P);
            ky[i] += s * (2.0 * 2.0 + 2.0 * overlap * overlap) * y[j];
        }
    }
    double yy = 0, yky = 0;
    for (int i = 0; i < PAIRS; i++) {
        yy += y[i] * y[i];
        yky += y[i] * ky[i];
    }
    double lam = yky / yy;
    for (int i = 0; i < PAIRS; i++)
        assert_true(fabs(ky[i] - lam * y[i]) < 1e-12);

    grokking_modular_state st = solve_ok(&gp);
    assert_int_equal(st.phase, 0);
    assert_true(st.condensed_fraction == 0);
    assert_true(fabs(st.eigenvalue - lam) < 1e-12 * lam);
    assert_true(fabs(st.a + gp.sigma2 / (lam + gp.sigma2)) < 1e-12);
    /* Prior mode power <Phi Psi> = sigma_w2^2 / P^2. */
    assert_true(fabs(st.mode_power - gp.sigma_w2 * gp.sigma_w2 / (P * P)) < 1e-15);
    /* Mean over the table of sum_p (fbar_p - y_p)^2 = a^2 (P - 1) / P. */
    assert_true(fabs(st.table_mse - st.a * st.a * 6.0 / 7.0) < 1e-15);
}

/* sigma_w2 rescales the read-in weights: (sigma_w2, sigma_a2, gamma) acts as
 * (1, sigma_a2 sigma_w2^2, gamma sigma_w2^3) with Phi scaled by sigma_w2. */
static void read_in_variance_rescaling(void **state)
{
    (void)state;
    static const double sigma2s[] = { 0.3, 0.2, 0.1 };
    for (size_t i = 0; i < sizeof sigma2s / sizeof sigma2s[0]; i++) {
        grokking_modular_params scaled = fig3(sigma2s[i], 1);
        scaled.sigma_w2 = 2.0;
        grokking_modular_params unit = scaled;
        unit.sigma_w2 = 1.0;
        unit.sigma_a2 = scaled.sigma_a2 * 4.0;
        unit.gamma6 = scaled.gamma6 * 8.0;

        grokking_modular_state a = solve_ok(&scaled), b = solve_ok(&unit);
        assert_true(fabs(a.a - b.a) < 1e-12);
        assert_int_equal(a.phase, b.phase);
        assert_true(fabs(a.phi_plus - 2.0 * b.phi_plus) < 1e-9 * (1.0 + b.phi_plus));
        assert_true(fabs(a.mode_power - 4.0 * b.mode_power) < 1e-9 * b.mode_power);
        assert_true(fabs(grokking_modular_sigma2_c1(&scaled) - grokking_modular_sigma2_c1(&unit)) < 1e-12);
        assert_true(fabs(grokking_modular_sigma2_c2(&scaled) - grokking_modular_sigma2_c2(&unit)) < 1e-12);
    }
}

/* The paper's finite-size scaling N -> b^2 N, P -> sqrt(b) P,
 * sigma_a2 -> sigma_a2 / b, sigma^2 -> sigma^2 / b keeps u fixed. With the
 * paper's eigenvalue, a and both onsets (in units of sigma^2) are invariant.
 * With the corrected one, lambda / sigma^2 grows as b and GMFL-II moves. */
static void finite_size_scaling_paper(void **state)
{
    (void)state;
    const double b = 9.0; /* sqrt(b) * 401 = 1203 is odd */
    static const double sigma2s[] = { 0.30, 0.20, 0.15, 0.10 };

    for (size_t i = 0; i < sizeof sigma2s / sizeof sigma2s[0]; i++) {
        grokking_modular_params base = fig3(sigma2s[i], 1);
        grokking_modular_params big = base;
        big.N = b * b * base.N;
        big.P = 1203;
        big.sigma_a2 = base.sigma_a2 / b;
        big.sigma2 = base.sigma2 / b;

        assert_true(fabs(grokking_modular_u(&big) - grokking_modular_u(&base))
                    < 1e-12 * grokking_modular_u(&base));
        grokking_modular_state st_base = solve_ok(&base), st_big = solve_ok(&big);
        assert_true(fabs(st_big.a - st_base.a) < 1e-4);
        assert_int_equal(st_big.phase, st_base.phase);
        assert_true(fabs(b * grokking_modular_sigma2_c1(&big) - grokking_modular_sigma2_c1(&base)) < 1e-9);
        assert_true(fabs(b * grokking_modular_sigma2_c2(&big) - grokking_modular_sigma2_c2(&base)) < 1e-9);

        base.paper_eigenvalue = 0;
        big.paper_eigenvalue = 0;
        assert_true(fabs(b * grokking_modular_sigma2_c1(&big) - grokking_modular_sigma2_c1(&base)) < 1e-4);
        assert_true(b * grokking_modular_sigma2_c2(&big) < grokking_modular_sigma2_c2(&base));
    }
}

static void scan_is_monotone(void **state)
{
    (void)state;
    double previous = 0;
    for (int i = 0; i <= 400; i++) {
        grokking_modular_params gp = fig3(0.01 + 0.3 * i / 400.0, 1);
        grokking_modular_state st = solve_ok(&gp);
        assert_true(st.a > -1.0 && st.a < 0.0);
        /* a falls as sigma^2 rises: more noise, less learned. */
        if (i > 0)
            assert_true(st.a <= previous + 1e-12);
        previous = st.a;
    }
}

static void check_rejects_bad_params(void **state)
{
    (void)state;
    static const struct { const char *what; grokking_modular_params gp; } bad[] = {
        { "T", { .sigma2 = 0, .P = 7, .N = 10, .sigma_a2 = 1, .sigma_w2 = 1, .gamma6 = 1 } },
        { "T", { .sigma2 = NAN, .P = 7, .N = 10, .sigma_a2 = 1, .sigma_w2 = 1, .gamma6 = 1 } },
        { "P", { .sigma2 = 1, .P = 8, .N = 10, .sigma_a2 = 1, .sigma_w2 = 1, .gamma6 = 1 } },
        { "P", { .sigma2 = 1, .P = 1, .N = 10, .sigma_a2 = 1, .sigma_w2 = 1, .gamma6 = 1 } },
        { "N", { .sigma2 = 1, .P = 7, .N = 0, .sigma_a2 = 1, .sigma_w2 = 1, .gamma6 = 1 } },
        { "sigma_a2", { .sigma2 = 1, .P = 7, .N = 10, .sigma_a2 = -1, .sigma_w2 = 1, .gamma6 = 1 } },
        { "sigma_w2", { .sigma2 = 1, .P = 7, .N = 10, .sigma_a2 = 1, .sigma_w2 = 0, .gamma6 = 1 } },
        { "gamma", { .sigma2 = 1, .P = 7, .N = 10, .sigma_a2 = 1, .sigma_w2 = 1, .gamma6 = 0 } },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        grokking_modular_state st;
        char err[256] = "";
        assert_int_equal(grokking_modular_solve(&bad[i].gp, &st, err, sizeof err), -1);
        assert_non_null(strstr(err, bad[i].what));
    }
}

/* ---- the registered theory module -------------------------------------- */

static void set_fig3_params(gs_params *ps, double T)
{
    memset(ps, 0, sizeof *ps);
    assert_int_equal(gs_params_set(ps, "T", T), 0);
    assert_int_equal(gs_params_set(ps, "P", 401), 0);
    assert_int_equal(gs_params_set(ps, "N", 1000), 0);
    assert_int_equal(gs_params_set(ps, "sigma_a2", 0.002 / 1000), 0);
    assert_int_equal(gs_params_set(ps, "gamma", 1e-4), 0);
    assert_int_equal(gs_params_set(ps, "paper_eigenvalue", 1), 0);
}

static const gs_theory_curve *find_curve(const gs_theory_output *out, const char *name)
{
    for (int i = 0; i < out->ncurves; i++)
        if (strcmp(out->curve[i].name, name) == 0)
            return &out->curve[i];
    return NULL;
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static void module_outputs_fig3(void **state)
{
    (void)state;
    const gs_theory_kind *kind = gs_theory_find("grokking_modular");
    assert_non_null(kind);
    assert_ptr_equal(kind, &gs_theory_grokking_modular);
    static const char *const read[] = {
        "T", "P", "N", "sigma_a2", "sigma_w2", "gamma", "paper_eigenvalue",
    };
    for (size_t i = 0; i < sizeof read / sizeof read[0]; i++) {
        int listed = 0;
        for (int j = 0; kind->depends[j]; j++)
            listed |= strcmp(kind->depends[j], read[i]) == 0;
        assert_true(listed);
    }

    gs_params ps;
    set_fig3_params(&ps, 0.2);
    atomic_int cancel = 0;
    gs_theory_input in = { .params = &ps, .data = NULL, .cancel = &cancel, .seed = 1 };
    gs_theory_output *out = calloc(1, sizeof *out);
    assert_non_null(out);
    char err[256] = "";

    double start = seconds_now();
    assert_int_equal(kind->compute(&in, out, err, sizeof err), 0);
    double elapsed = seconds_now() - start;
    assert_true(elapsed < 2.0);

    assert_true(fabs(gs_theory_value(out, "gm_a") + 0.847) < 6e-4);
    assert_true(fabs(gs_theory_value(out, "gm_learned_fraction") - 0.153) < 6e-4);
    assert_true(fabs(gs_theory_value(out, "gm_sigma2_c1") - 0.2360) < 5e-5);
    assert_true(fabs(gs_theory_value(out, "gm_sigma2_c2") - 0.176) < 5e-4);
    assert_true(gs_theory_value(out, "gm_phase") == 1.0);
    /* At 0.20 about 60% of the pairs are condensed, 600 of the 1000 neurons per mode. */
    assert_true(fabs(gs_theory_value(out, "gm_condensed_per_mode")
                     - 1000.0 * gs_theory_value(out, "gm_condensed_fraction")) < 1e-9);
    assert_true(fabs(gs_theory_value(out, "gm_condensed_fraction") - 0.6) < 0.01);
    static const char *const names[] = {
        "gm_condensed_fraction", "gm_test_mse", "gm_eigenvalue", "gm_mode_power",
        "gm_phi_plus", "gm_phi_barrier", "gm_side_action", "gm_coupling", "gm_u",
        "gm_lambda_per_neuron", "gm_condensed_per_mode",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        assert_true(isfinite(gs_theory_value(out, names[i])));

    const gs_theory_curve *ca = find_curve(out, "a_vs_sigma2");
    assert_non_null(ca);
    assert_int_equal(ca->count, GS_THEORY_CURVE_POINTS);
    assert_string_equal(ca->x_name, "T");
    assert_true(ca->x[0] < 0.176 && ca->x[ca->count - 1] > 0.2360);
    for (int i = 1; i < ca->count; i++) {
        assert_true(ca->x[i] > ca->x[i - 1]);
        assert_true(ca->y[i] <= ca->y[i - 1] + 1e-12);
    }
    const gs_theory_curve *cl = find_curve(out, "learned_fraction_vs_sigma2");
    assert_non_null(cl);
    assert_true(fabs(cl->y[10] - (1.0 + ca->y[10])) < 1e-15);

    /* Inside GMFL-I the action per P starts at 0 and has a second minimum
     * at Phi_c that is degenerate with it to within O(1/P). */
    const gs_theory_curve *cs = find_curve(out, "mode_action_vs_phi");
    assert_non_null(cs);
    assert_string_equal(cs->x_name, "phi");
    assert_true(cs->y[0] == 0);
    double phi_c = sqrt(3.0 / 1e-4);
    double low = INFINITY, low_phi = 0;
    for (int i = 0; i < cs->count; i++) {
        if (cs->x[i] > 0.5 * phi_c && cs->y[i] < low) {
            low = cs->y[i];
            low_phi = cs->x[i];
        }
    }
    assert_true(fabs(low) < 5.0 / 401);
    assert_true(fabs(low_phi - phi_c) < 0.02 * phi_c);

    /* In GMFL-II the condensed minimum lies clearly below 0. */
    memset(out, 0, sizeof *out);
    set_fig3_params(&ps, 0.15);
    assert_int_equal(kind->compute(&in, out, err, sizeof err), 0);
    assert_true(gs_theory_value(out, "gm_phase") == 2.0);
    cs = find_curve(out, "mode_action_vs_phi");
    assert_non_null(cs);
    low = 0;
    for (int i = 0; i < cs->count; i++)
        low = fmin(low, cs->y[i]);
    assert_true(low < -1.0);
    free(out);
}

static void module_missing_param(void **state)
{
    (void)state;
    gs_params ps;
    set_fig3_params(&ps, 0.2);
    gs_params reduced = { 0 };
    for (int i = 0; i < ps.count; i++)
        if (strcmp(ps.name[i], "gamma") != 0)
            gs_params_set(&reduced, ps.name[i], ps.value[i]);

    gs_theory_input in = { .params = &reduced };
    gs_theory_output *out = calloc(1, sizeof *out);
    assert_non_null(out);
    char err[256] = "";
    assert_int_equal(gs_theory_grokking_modular.compute(&in, out, err, sizeof err), -1);
    assert_non_null(strstr(err, "gamma"));

    gs_params_set(&reduced, "gamma", 1e-4);
    gs_params_set(&reduced, "P", 400.5);
    assert_int_equal(gs_theory_grokking_modular.compute(&in, out, err, sizeof err), -1);
    assert_non_null(strstr(err, "P ="));
    free(out);
}

static void module_cancel_stops_scan(void **state)
{
    (void)state;
    gs_params ps;
    set_fig3_params(&ps, 0.2);
    atomic_int cancel = 1;
    gs_theory_input in = { .params = &ps, .cancel = &cancel };
    gs_theory_output *out = calloc(1, sizeof *out);
    assert_non_null(out);
    char err[256] = "";
    assert_int_equal(gs_theory_grokking_modular.compute(&in, out, err, sizeof err), 0);
    const gs_theory_curve *ca = find_curve(out, "a_vs_sigma2");
    assert_non_null(ca);
    assert_int_equal(ca->count, 0);
    free(out);
}

/* The mean-output vector on a P = 5 table in the two-hot layout. */
static void module_mean_vector(void **state)
{
    (void)state;
    enum { P = 5, PAIRS = P * P };
    float x[PAIRS * 2 * P] = { 0 };
    for (int i = 0; i < PAIRS; i++) {
        x[i * 2 * P + i / P] = 1.0f;
        x[i * 2 * P + P + i % P] = 1.0f;
    }
    gs_dataset ds = { .n_test = PAIRS, .d = 2 * P, .c = P, .x_test = x, .classes = P };

    gs_params ps = { 0 };
    gs_params_set(&ps, "T", 0.5);
    gs_params_set(&ps, "P", P);
    gs_params_set(&ps, "N", 50);
    gs_params_set(&ps, "sigma_a2", 0.01);
    gs_params_set(&ps, "gamma", 0.01);
    gs_theory_input in = { .params = &ps, .data = &ds };
    gs_theory_output *out = calloc(1, sizeof *out);
    assert_non_null(out);
    char err[256] = "";
    assert_int_equal(gs_theory_grokking_modular.compute(&in, out, err, sizeof err), 0);

    assert_int_equal(out->nvectors, 1);
    assert_string_equal(out->vector_name[0], "gm_mean");
    assert_int_equal(out->vector_len[0], PAIRS);
    double a = gs_theory_value(out, "gm_a");
    for (int i = 0; i < PAIRS; i++) {
        int n = i / P, m = i % P;
        double y0 = ((n + m) % P == 0 ? 1.0 : 0.0) - 1.0 / P;
        assert_true(fabs(out->vector[0][i] - (1.0 + a) * y0) < 1e-15);
    }
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(onsets_paper_fig3),
        cmocka_unit_test(discrepancy_paper_fig3),
        cmocka_unit_test(gfl_branch_unlearned),
        cmocka_unit_test(mixed_phase_linear_paper),
        cmocka_unit_test(condensed_branch_parametric),
        cmocka_unit_test(onsets_corrected_fig3),
        cmocka_unit_test(discrepancy_corrected_fig3),
        cmocka_unit_test(side_saddle_matches_grid_minimum),
        cmocka_unit_test(mode_average_quadrature_fig3),
        cmocka_unit_test(fourier_identity_brute_force),
        cmocka_unit_test(nngp_eigenvalue_brute_force),
        cmocka_unit_test(read_in_variance_rescaling),
        cmocka_unit_test(finite_size_scaling_paper),
        cmocka_unit_test(scan_is_monotone),
        cmocka_unit_test(check_rejects_bad_params),
        cmocka_unit_test(module_outputs_fig3),
        cmocka_unit_test(module_missing_param),
        cmocka_unit_test(module_cancel_stops_scan),
        cmocka_unit_test(module_mean_vector),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
