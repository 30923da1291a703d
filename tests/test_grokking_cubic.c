/*
 * test_grokking_cubic.c - the cubic-teacher grokking theory: regression tables
 * of the finite-d and scaling-limit solvers, the transition points, and
 * independent checks of the action and of the GP end by direct quadrature.
 *
 * Regression values are earlier solver results printed to a few digits. A
 * check passes when our value rounds to the printed one, so each tolerance
 * is half a unit in the last printed digit.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "grokking_cubic.h"
#include "theory.h"

#define BASE_N 700.0
#define BASE_SIGMA_A2 (8.0 / 700.0)

/* The base line of arXiv 2310.03789 (its Fig. 2): n = 3000, d = 150, N = 700,
 * sigma_a2 = 8/700, eps = -0.3. */
static grokking_cubic_sizes base_sizes(double T)
{
    grokking_cubic_sizes s = {T, 3000, BASE_N, 150, -0.3, 0.5, BASE_SIGMA_A2, 0};
    return s;
}

/* The width-driven case of arXiv 2310.03789, Appendix D: n = 600, d = 150,
 * eps = -1.2, sigma^2 = 0.05, sigma_a2 = 0.011. */
static grokking_cubic_sizes appendix_d_sizes(double N)
{
    grokking_cubic_sizes s = {0.05, 600, N, 150, -1.2, 0.5, 0.011, 0};
    return s;
}

static void assert_rounds_to(double value, double printed, double half_unit, const char *what)
{
    if (!(fabs(value - printed) <= half_unit + 1e-12))
        fail_msg("%s = %.6g does not round to the printed %.6g (tolerance %g)", what, value,
                 printed, half_unit);
}

/* ---- finite d -------------------------------------------------------------- */

typedef struct {
    double T, u, b, c, linear, cubic;
    int well;
    double well_q, well_ds;
} finite_row;

static void finite_d_regression_table(void **state)
{
    (void)state;
    const finite_row rows[] = {
        {0.30, 10.88, 0.4732, -0.2962, 0.527, -0.0038, 0, 0, 0},
        {0.20, 24.49, 0.3144, -0.2924, 0.686, -0.0076, 0, 0, 0},
        {0.18, 30.23, 0.2797, -0.2902, 0.720, -0.0098, 0, 0, 0},
        {0.15, 43.54, 0.2245, -0.2814, 0.776, -0.0186, 1, 0.671, 4.77},
        {0.12, 68.03, 0.1662, -0.2627, 0.834, -0.0373, 1, 0.854, 4.31},
        {0.10, 97.96, 0.1259, -0.2471, 0.874, -0.0529, 1, 0.951, 4.18},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const finite_row *r = &rows[i];
        grokking_cubic_sizes s = base_sizes(r->T);
        grokking_cubic_finite f;
        char err[256] = "";
        if (grokking_cubic_solve_finite(&s, NULL, &f, err, sizeof err) != 0)
            fail_msg("T = %g: %s", r->T, err);
        assert_rounds_to(grokking_cubic_u(&s), r->u, 0.005, "u");
        assert_rounds_to(f.b, r->b, 0.5e-4, "b");
        assert_rounds_to(f.c, r->c, 0.5e-4, "c");
        assert_rounds_to(1 - f.b, r->linear, 0.5e-3, "1 - b");
        assert_rounds_to(s.eps - f.c, r->cubic, 0.5e-4, "eps - c");
        assert_int_equal(f.well.found, r->well);
        if (r->well) {
            assert_rounds_to(f.well.q, r->well_q, 0.5e-3, "side well q");
            assert_rounds_to(f.delta_s, r->well_ds, 0.005, "side well S - S(0)");
        }
    }
}

/* At the live size beta = 1/8 (d = 53) the finite-d curve is smooth: side
 * wells first appear near T = 0.12, about 3 above S(0). */
static void finite_d_live_size_wells(void **state)
{
    (void)state;
    const double beta = 1.0 / 8;
    grokking_cubic_sizes s = base_sizes(0.125);
    s.N *= beta;
    s.d *= sqrt(beta);
    s.n *= beta;
    s.sigma_a2 /= sqrt(beta);
    grokking_cubic_finite f;
    char err[256] = "";
    assert_int_equal(grokking_cubic_solve_finite(&s, NULL, &f, err, sizeof err), 0);
    assert_int_equal(f.well.found, 0);
    s.T = 0.12;
    assert_int_equal(grokking_cubic_solve_finite(&s, NULL, &f, err, sizeof err), 0);
    assert_int_equal(f.well.found, 1);
    assert_true(fabs(f.delta_s - 3) < 0.15);
}

static void finite_d_solution_is_fixed_point(void **state)
{
    (void)state;
    grokking_cubic_sizes s = base_sizes(0.15);
    grokking_cubic_finite f;
    char err[256] = "";
    assert_int_equal(grokking_cubic_solve_finite(&s, NULL, &f, err, sizeof err), 0);
    double b, c;
    /* A different grid from the solver's: [0, 4] with 40001 nodes. */
    grokking_cubic_map(&s, f.b, f.c, 4.0, 40001, &b, &c, NULL);
    assert_true(fabs(b - f.b) < 1e-9);
    assert_true(fabs(c - f.c) < 1e-9);
}

/* The scaling limit is d -> infinity at fixed u and rho. The sweep N -> beta N,
 * d -> sqrt(beta) d, n -> beta n, sigma_a2 -> sigma_a2/sqrt(beta) at fixed T
 * keeps both, so the finite-d (b, c) must approach the limit as beta grows. */
static void finite_d_converges_to_limit(void **state)
{
    (void)state;
    const double temps[] = {0.30, 0.15};
    for (int k = 0; k < 2; k++) {
        double err_prev = INFINITY;
        for (double beta = 1; beta <= 64; beta *= 8) {
            grokking_cubic_sizes s = base_sizes(temps[k]);
            s.N *= beta;
            s.d *= sqrt(beta);
            s.n *= beta;
            s.sigma_a2 /= sqrt(beta);
            grokking_cubic_finite f;
            grokking_cubic_limit l;
            char err[256] = "";
            assert_int_equal(grokking_cubic_solve_finite(&s, NULL, &f, err, sizeof err), 0);
            assert_int_equal(grokking_cubic_solve_limit(grokking_cubic_u(&s),
                                                        grokking_cubic_rho(&s), s.eps,
                                                        s.sigma_w2, s.d, &l, err, sizeof err),
                             0);
            double gap = fabs(f.b - l.b) + fabs(f.c - l.c);
            if (!(gap < 0.6 * err_prev))
                fail_msg("T = %g, beta = %g: |finite - limit| = %g did not shrink from %g",
                         temps[k], beta, gap, err_prev);
            err_prev = gap;
        }
        assert_true(err_prev < 3e-3);
    }
}

/* The droplet count of the mixed phase, p_tilde = d times the droplet fraction,
 * must also come out of the finite-d quadrature as d grows: there it is d
 * times the mass of p(q) beyond the barrier (|q| > 0.45 at T = 0.15). */
static void finite_d_droplets_approach_limit(void **state)
{
    (void)state;
    double gap_prev = INFINITY, gap = INFINITY;
    for (double beta = 1; beta <= 512; beta *= 8) {
        grokking_cubic_sizes s = base_sizes(0.15);
        s.N *= beta;
        s.d *= sqrt(beta);
        s.n *= beta;
        s.sigma_a2 /= sqrt(beta);
        grokking_cubic_finite f;
        grokking_cubic_limit l;
        char err[256] = "";
        assert_int_equal(grokking_cubic_solve_finite(&s, NULL, &f, err, sizeof err), 0);
        assert_int_equal(grokking_cubic_solve_limit(grokking_cubic_u(&s), grokking_cubic_rho(&s),
                                                    s.eps, s.sigma_w2, s.d, &l, err, sizeof err),
                         0);
        double droplets = s.d * grokking_cubic_mass_beyond(&s, f.b, f.c, 0.45);
        gap = fabs(droplets - l.p_tilde);
        if (!(gap < gap_prev))
            fail_msg("beta = %g: |d mass - p_tilde| = %g did not shrink from %g", beta, gap,
                     gap_prev);
        gap_prev = gap;
    }
    assert_true(gap < 0.06);
}

/* ---- the action against direct quadrature ---------------------------------- */

/* E[erf(q z + sigma_w xi) He_k(z)] for independent standard z, xi, by the
 * trapezoid rule on [-9, 9]^2, accurate to about 1e-15 for these
 * entire integrands under a Gaussian weight. */
static void overlap_by_quadrature(double q, double sigma_w, double *i1, double *i3)
{
    const int m = 721;
    const double lim = 9.0, h = 2 * lim / (m - 1);
    double s1 = 0, s3 = 0, norm = 0;
    for (int a = 0; a < m; a++) {
        double z = -lim + a * h;
        double wz = exp(-0.5 * z * z);
        double inner = 0, inner_norm = 0;
        for (int k = 0; k < m; k++) {
            double xi = -lim + k * h;
            double wx = exp(-0.5 * xi * xi);
            inner += wx * erf(q * z + sigma_w * xi);
            inner_norm += wx;
        }
        inner /= inner_norm;
        s1 += wz * inner * z;
        s3 += wz * inner * (z * z * z - 3 * z);
        norm += wz;
    }
    *i1 = s1 / norm;
    *i3 = s3 / norm;
}

static void action_matches_quadrature(void **state)
{
    (void)state;
    /* S(q) = d q^2/(2 sigma_w2) - (sigma_a2/(2N)) (n/T)^2 (b I1 + c I3)^2 with
     * the overlaps I1, I3 of one neuron whose orthogonal norm^2 is sigma_w2. */
    grokking_cubic_sizes s = base_sizes(0.15);
    const double b = 0.2245, c = -0.2814;
    const double qs[] = {0.05, 0.3, 0.671, 1.0, 1.7};
    double u = grokking_cubic_u(&s);
    for (int i = 0; i < 5; i++) {
        double i1, i3;
        overlap_by_quadrature(qs[i], sqrt(s.sigma_w2), &i1, &i3);
        double data = b * i1 + c * i3;
        double direct = s.d * qs[i] * qs[i] / (2 * s.sigma_w2)
                        - (s.sigma_a2 / (2 * s.N)) * pow(s.n / s.T, 2) * data * data;
        double closed = s.d * grokking_cubic_action_hat(qs[i], u, s.sigma_w2, b, c);
        if (!(fabs(direct - closed) < 1e-8 * fmax(1, fabs(direct))))
            fail_msg("q = %g: quadrature S = %.12g, closed form %.12g", qs[i], direct, closed);
    }
}

static void action_slope_matches_difference(void **state)
{
    (void)state;
    const double u = 43.54, sw2 = 0.5, b = 0.2245, c = -0.2814;
    for (double q = 0.1; q < 2.0; q += 0.3) {
        double h = 1e-6;
        double dsdx = (grokking_cubic_action_hat(q + h, u, sw2, b, c)
                       - grokking_cubic_action_hat(q - h, u, sw2, b, c)) / (2 * h) / (2 * q);
        double slope = grokking_cubic_action_hat_slope(q, u, sw2, b, c);
        assert_true(fabs(dsdx - slope) < 1e-6 * fmax(1, fabs(slope)));
    }
}

/* ---- GP end ---------------------------------------------------------------- */

/* With N huge, u -> 0 at fixed rho: the neuron law is the prior N(0, sigma_w2/d)
 * and M11 = <4q^2/(pi D)>. At large d, d M11 -> G0 = 4 sigma_w2/(pi (1 + 2 sigma_w2))
 * and b -> rho/(G0 + rho); the He3 moment tends to 40 sigma_w^6/(pi d^3 (1+2 sigma_w2)^3). */
static void gp_end_matches_closed_form(void **state)
{
    (void)state;
    grokking_cubic_sizes s = {0.3, 3000, 1e14, 1e4, -0.3, 0.5, 0.0, 0};
    s.sigma_a2 = 2 * s.d * s.T / s.n; /* rho = 0.5 */
    grokking_cubic_finite f;
    char err[256] = "";
    assert_true(grokking_cubic_u(&s) < 1e-8);
    assert_int_equal(grokking_cubic_solve_finite(&s, NULL, &f, err, sizeof err), 0);
    double sw2 = s.sigma_w2, D0 = 1 + 2 * sw2, rho = grokking_cubic_rho(&s);
    double g0 = 4 * sw2 / (M_PI * D0);
    double m33 = 40 * pow(sw2, 3) / (M_PI * pow(s.d, 3) * pow(D0, 3));
    /* The corrections are O(1/d) relative: 3 sigma_w2/(d D0) ~ 1e-4 here. */
    assert_true(fabs(s.d * f.m11 / g0 - 1) < 1e-3);
    assert_true(fabs(f.m33 / m33 - 1) < 5e-3);
    assert_true(fabs(f.b - rho / (g0 + rho)) < 1e-4);
    /* c moves off eps only through the He1-He3 moment d M13 = O(1/d). */
    assert_true(fabs(f.c - s.eps) < 1e-4);
    /* The scaling-limit GFL branch gives the same b at u = 0. */
    assert_true(fabs(grokking_cubic_gfl_b(0, rho, sw2) - rho / (g0 + rho)) < 1e-12);
}

static void prior_histogram_is_gaussian(void **state)
{
    (void)state;
    grokking_cubic_sizes s = {0.3, 3000, 1e14, 150, -0.3, 0.5, 0.0, 0};
    s.sigma_a2 = s.d * s.T / s.n;
    double p[41];
    const double lo = -0.3, hi = 0.3;
    assert_int_equal(grokking_cubic_bin_probabilities(&s, 1, s.eps, lo, hi, 41, p), 0);
    double sd = sqrt(s.sigma_w2 / s.d), inside = erf(hi / (sd * sqrt(2)));
    for (int i = 0; i < 41; i++) {
        double a = lo + i * (hi - lo) / 41, z = lo + (i + 1) * (hi - lo) / 41;
        double expected = 0.5 * (erf(z / (sd * sqrt(2))) - erf(a / (sd * sqrt(2)))) / inside;
        assert_true(fabs(p[i] - expected) < 1e-7);
    }
    double tail = erfc(0.1 / (sd * sqrt(2)));
    assert_true(fabs(grokking_cubic_mass_beyond(&s, 1, s.eps, 0.1) - tail) < 1e-7);
}

/* ---- scaling limit --------------------------------------------------------- */

static void limit_base_transition(void **state)
{
    (void)state;
    grokking_cubic_sizes s = base_sizes(0.18);
    double t_c;
    assert_int_equal(grokking_cubic_t_c(&s, &t_c), 0);
    assert_rounds_to(t_c, 0.1787, 0.5e-4, "T_c");
    grokking_cubic_sizes at_c = base_sizes(t_c);
    assert_rounds_to(grokking_cubic_u(&at_c), 30.67, 0.005, "u_c");
    /* The published estimates u_c ~ 30.2 and T_c ~ 0.18 agree within 2%. */
    assert_true(fabs(grokking_cubic_u(&at_c) / 30.2 - 1) < 0.02);
    assert_true(fabs(t_c / 0.18 - 1) < 0.02);
    assert_rounds_to(grokking_cubic_u(&s), 30.23, 0.005, "u at T = 0.18");
    /* At onset the side well sits at q ~ 0.72, degenerate with q = 0. */
    double rho = grokking_cubic_rho(&at_c);
    double b = grokking_cubic_gfl_b(grokking_cubic_u(&at_c), rho, s.sigma_w2);
    grokking_cubic_well w = grokking_cubic_find_well(grokking_cubic_u(&at_c), s.sigma_w2, b,
                                                     s.eps);
    assert_int_equal(w.found, 1);
    assert_rounds_to(w.q, 0.72, 0.01, "onset q*");
    assert_true(fabs(w.s_hat) < 1e-9);
}

static void limit_u_c_against_eps(void **state)
{
    (void)state;
    const double eps[] = {-0.1, -0.2, -0.3, -0.5, -1.0};
    const double printed[] = {245, 64.9, 30.7, 12.6, 4.43};
    const double half_unit[] = {0.5, 0.05, 0.05, 0.05, 0.005};
    grokking_cubic_sizes s = base_sizes(0.18);
    double k = grokking_cubic_u(&s) * pow(grokking_cubic_rho(&s), 2);
    for (int i = 0; i < 5; i++) {
        double u_c;
        assert_int_equal(grokking_cubic_u_c_on_t_line(k, eps[i], s.sigma_w2, &u_c), 0);
        assert_rounds_to(u_c, printed[i], half_unit[i], "u_c(eps)");
    }
}

typedef struct {
    double T, b, c, q_star, p_tilde;
} limit_row;

static void limit_mixed_phase_table(void **state)
{
    (void)state;
    const limit_row rows[] = {
        {0.176, 0.2866, -0.2982, 0.728, 0.27},
        {0.16, 0.2545, -0.2878, 0.769, 1.61},
        {0.15, 0.2343, -0.2811, 0.798, 2.24},
        {0.12, 0.1726, -0.2604, 0.897, 3.41},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const limit_row *r = &rows[i];
        grokking_cubic_sizes s = base_sizes(r->T);
        grokking_cubic_limit l;
        char err[256] = "";
        double u = grokking_cubic_u(&s);
        if (grokking_cubic_solve_limit(u, grokking_cubic_rho(&s), s.eps, s.sigma_w2, s.d, &l,
                                       err, sizeof err) != 0)
            fail_msg("T = %g: %s", r->T, err);
        assert_int_equal(l.phase, GROKKING_CUBIC_GMFL_I);
        assert_rounds_to(l.b, r->b, 0.5e-4, "b");
        assert_rounds_to(l.c, r->c, 0.5e-4, "c");
        assert_rounds_to(l.q_star, r->q_star, 0.5e-3, "q*");
        assert_rounds_to(l.p_tilde, r->p_tilde, 0.005, "droplet fraction times d");
        /* The droplets' well is degenerate with q = 0 and stationary. */
        assert_true(fabs(grokking_cubic_action_hat(l.q_star, u, s.sigma_w2, l.b, l.c)) < 1e-10);
        assert_true(fabs(grokking_cubic_action_hat_slope(l.q_star, u, s.sigma_w2, l.b, l.c))
                    < 1e-10);
    }
}

static void limit_gfl_has_no_droplets(void **state)
{
    (void)state;
    grokking_cubic_sizes s = base_sizes(0.20);
    grokking_cubic_limit l;
    char err[256] = "";
    assert_int_equal(grokking_cubic_solve_limit(grokking_cubic_u(&s), grokking_cubic_rho(&s),
                                                s.eps, s.sigma_w2, s.d, &l, err, sizeof err),
                     0);
    assert_int_equal(l.phase, GROKKING_CUBIC_GFL);
    assert_true(l.c == s.eps);
    assert_true(l.p_tilde == 0);
    assert_true(l.margin > 0);
    /* b solves b = rho/(G(b) + rho) with G from the curvature of S at 0. */
    double sw2 = s.sigma_w2, u = grokking_cubic_u(&s), rho = grokking_cubic_rho(&s);
    double curv = 1 / sw2 - (4 * u / M_PI) * l.b * l.b / (1 + 2 * sw2);
    double G = (4 / M_PI) / (curv * (1 + 2 * sw2));
    assert_true(fabs(l.b - rho / (G + rho)) < 1e-12);
}

static void appendix_d_width_threshold(void **state)
{
    (void)state;
    grokking_cubic_sizes s = appendix_d_sizes(1400);
    double n_c, u_c;
    assert_int_equal(grokking_cubic_n_c(&s, &n_c), 0);
    assert_true(fabs(n_c - 2540) < 10);
    assert_int_equal(grokking_cubic_u_c_fixed_rho(grokking_cubic_rho(&s), s.eps, s.sigma_w2,
                                                  &u_c), 0);
    assert_rounds_to(u_c, 4.16, 0.005, "Appendix D u_c");
    /* u_c and N_c are the same transition: u = n^2 sigma_a2/(T^2 d N_c). */
    grokking_cubic_sizes at = appendix_d_sizes(n_c);
    assert_true(fabs(grokking_cubic_u(&at) / u_c - 1) < 1e-6);

    /* N = 2800: S/d > 0 for every q != 0 on the GFL branch. */
    grokking_cubic_sizes wide = appendix_d_sizes(2800);
    assert_true(grokking_cubic_transition_margin(grokking_cubic_u(&wide),
                                                 grokking_cubic_rho(&wide), wide.eps,
                                                 wide.sigma_w2) > 0);
    /* N = 1400: the GFL branch already dips to -0.84 at q ~ 1.45. */
    double u = grokking_cubic_u(&s);
    double b = grokking_cubic_gfl_b(u, grokking_cubic_rho(&s), s.sigma_w2);
    grokking_cubic_well w = grokking_cubic_find_well(u, s.sigma_w2, b, s.eps);
    assert_int_equal(w.found, 1);
    assert_rounds_to(w.s_hat, -0.84, 0.005, "S/d at the N = 1400 well");
    assert_rounds_to(w.q, 1.45, 0.005, "q of the N = 1400 well");
}

/* ---- the registered module ------------------------------------------------- */

static void set_base_params(gs_params *p, double T, double d, double N, double n)
{
    memset(p, 0, sizeof *p);
    gs_params_set(p, "T", T);
    gs_params_set(p, "n", n);
    gs_params_set(p, "N", N);
    gs_params_set(p, "d", d);
    gs_params_set(p, "eps", -0.3);
    gs_params_set(p, "sigma_w2", 0.5);
    gs_params_set(p, "sigma_a2", BASE_SIGMA_A2);
}

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

/* Too large for the stack of a sanitizer build; each test refills it. */
static gs_theory_output module_out;

/* Run the module at the base sizes and T = 0.15 into module_out. */
static void compute_base_case(void)
{
    const gs_theory_kind *kind = gs_theory_find("grokking_cubic");
    assert_non_null(kind);
    gs_params p;
    set_base_params(&p, 0.15, 150, 700, 3000);
    atomic_int cancel = 0;
    gs_theory_input in = {&p, NULL, &cancel, 1};
    char err[256] = "";
    memset(&module_out, 0, sizeof module_out);
    if (kind->compute(&in, &module_out, err, sizeof err) != 0)
        fail_msg("compute failed: %s", err);
}

static void module_outputs_base_case(void **state)
{
    (void)state;
    compute_base_case();

    double b = gs_theory_value(&module_out, "gc_b"), c = gs_theory_value(&module_out, "gc_c");
    assert_rounds_to(b, 0.2245, 0.5e-4, "gc_b");
    assert_rounds_to(c, -0.2814, 0.5e-4, "gc_c");
    assert_true(fabs(gs_theory_value(&module_out, "gc_test_mse") - (b * b + 6 * c * c)) < 1e-15);
    assert_true(gs_theory_value(&module_out, "gc_linear_learned") == 1 - b);
    assert_true(gs_theory_value(&module_out, "gc_cubic_learned") == -0.3 - c);
    assert_rounds_to(gs_theory_value(&module_out, "gc_u"), 43.54, 0.005, "gc_u");
    assert_rounds_to(gs_theory_value(&module_out, "gc_u_c"), 30.67, 0.005, "gc_u_c");
    assert_rounds_to(gs_theory_value(&module_out, "gc_T_c"), 0.1787, 0.5e-4, "gc_T_c");
    assert_true(gs_theory_value(&module_out, "gc_phase") == GROKKING_CUBIC_GMFL_I);
    assert_rounds_to(gs_theory_value(&module_out, "gc_q_star"), 0.798, 0.5e-3, "gc_q_star");
    assert_rounds_to(gs_theory_value(&module_out, "gc_droplet_fraction_limit") * 150, 2.24,
                     0.005, "gc_droplet_fraction_limit times d");
    assert_rounds_to(gs_theory_value(&module_out, "gc_well_q"), 0.671, 0.5e-3, "gc_well_q");
    assert_rounds_to(gs_theory_value(&module_out, "gc_well_dS"), 4.77, 0.005, "gc_well_dS");
    double frac = gs_theory_value(&module_out, "gc_droplet_fraction");
    assert_true(frac > 0 && frac < 0.1);
    assert_true(fabs(gs_theory_value(&module_out, "gc_droplets") - 700 * frac) < 1e-9);
    assert_true(isfinite(gs_theory_value(&module_out, "gc_N_c")));

    assert_int_equal(module_out.nhists, 1);
    const gs_histogram *h = &module_out.hist[0];
    assert_string_equal(h->name, "overlap");
    assert_int_equal(h->nbins, 81);
    assert_true(h->theory_valid);
    assert_true(h->lo == -h->hi && h->hi > 1.0);
    double total = 0;
    for (int i = 0; i < h->nbins; i++) {
        total += h->theory[i];
        assert_true(fabs(h->theory[i] - h->theory[h->nbins - 1 - i]) < 1e-6);
    }
    assert_true(fabs(total - 1) < 1e-5);
}

static void module_curves_are_consistent(void **state)
{
    (void)state;
    compute_base_case();
    const char *names[] = {"phase_boundary", "cubic_learned", "linear_learned",
                           "cubic_learned_limit"};
    const char *x_names[] = {"N", "T", "T", "T"};
    assert_int_equal(module_out.ncurves, 4);
    for (int i = 0; i < 4; i++) {
        assert_string_equal(module_out.curve[i].name, names[i]);
        assert_string_equal(module_out.curve[i].x_name, x_names[i]);
        assert_true(module_out.curve[i].count >= 30);
    }
    /* The boundary passes through (N = 700, T_c = 0.1787). */
    const gs_theory_curve *pb = &module_out.curve[0];
    int found = 0;
    for (int i = 0; i + 1 < pb->count; i++) {
        if (pb->x[i] <= 700 && pb->x[i + 1] >= 700) {
            double f = log(700 / pb->x[i]) / log(pb->x[i + 1] / pb->x[i]);
            double t = pb->y[i] + f * (pb->y[i + 1] - pb->y[i]);
            assert_true(fabs(t - 0.1787) < 2e-3);
            found = 1;
        }
    }
    assert_true(found);
    /* The scaling-limit cubic part is exactly unlearned above T_c. */
    const gs_theory_curve *lim = &module_out.curve[3];
    for (int i = 0; i < lim->count; i++) {
        if (lim->x[i] > 0.1788)
            assert_true(lim->y[i] == 0);
        if (lim->x[i] < 0.17)
            assert_true(lim->y[i] < 0);
    }
}

static void module_rejects_missing_size(void **state)
{
    (void)state;
    const gs_theory_kind *kind = gs_theory_find("grokking_cubic");
    gs_params p;
    memset(&p, 0, sizeof p);
    gs_params_set(&p, "T", 0.15);
    gs_params_set(&p, "n", 3000);
    gs_params_set(&p, "N", 700);
    gs_theory_input in = {&p, NULL, NULL, 1};
    char err[256] = "";
    memset(&module_out, 0, sizeof module_out);
    assert_int_equal(kind->compute(&in, &module_out, err, sizeof err), -1);
    assert_non_null(strstr(err, "parameter d is missing"));

    set_base_params(&p, -0.1, 150, 700, 3000);
    assert_int_equal(kind->compute(&in, &module_out, err, sizeof err), -1);
    assert_non_null(strstr(err, "T = -0.1"));
}

static void module_stops_when_cancelled(void **state)
{
    (void)state;
    const gs_theory_kind *kind = gs_theory_find("grokking_cubic");
    gs_params p;
    set_base_params(&p, 0.15, 53, 88, 375);
    atomic_int cancel = 1;
    gs_theory_input in = {&p, NULL, &cancel, 1};
    char err[256] = "";
    memset(&module_out, 0, sizeof module_out);
    assert_int_equal(kind->compute(&in, &module_out, err, sizeof err), -1);
    assert_non_null(strstr(err, "cancelled"));
}

/* A keystroke at the live size (beta = 1/8: d = 53, N = 88, n = 375) must
 * refresh the theory well within 2 s; sanitizer builds only check it runs. */
static void module_live_size_is_fast(void **state)
{
    (void)state;
    const gs_theory_kind *kind = gs_theory_find("grokking_cubic");
    gs_params p;
    set_base_params(&p, 0.15, 53, 88, 375);
    gs_params_set(&p, "sigma_a2", BASE_SIGMA_A2 * sqrt(8.0));
    atomic_int cancel = 0;
    gs_theory_input in = {&p, NULL, &cancel, 1};
    char err[256] = "";
    memset(&module_out, 0, sizeof module_out);
    double t0 = now_seconds();
    if (kind->compute(&in, &module_out, err, sizeof err) != 0)
        fail_msg("compute failed: %s", err);
    double elapsed = now_seconds() - t0;
    print_message("live-size theory refresh: %.3f s\n", elapsed);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
    assert_true(elapsed < 1.0);
#endif
    /* u and rho are those of the base case (Table 1 invariants). */
    assert_true(fabs(gs_theory_value(&module_out, "gc_u") - 43.54) < 0.5);
    assert_true(fabs(gs_theory_value(&module_out, "gc_rho") - 0.656) < 0.01);
}

static void module_ties_readout_to_width(void **state)
{
    (void)state;
    const gs_theory_kind *kind = gs_theory_find("grokking_cubic");
    gs_params p;
    set_base_params(&p, 0.15, 150, 700, 3000);
    gs_params_set(&p, "sigma_a2_tilde", 8);
    gs_params_set(&p, "sigma_a2", 1.0); /* overridden by the tie */
    gs_params_set(&p, "N", 350);
    gs_theory_input in = {&p, NULL, NULL, 1};
    char err[256] = "";
    memset(&module_out, 0, sizeof module_out);
    assert_int_equal(kind->compute(&in, &module_out, err, sizeof err), 0);
    /* u = n^2 (8/N)/(T^2 d N) doubles twice when N halves from 700. */
    assert_true(fabs(gs_theory_value(&module_out, "gc_u") / (4 * 43.5374) - 1) < 1e-4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finite_d_regression_table),
        cmocka_unit_test(finite_d_live_size_wells),
        cmocka_unit_test(finite_d_solution_is_fixed_point),
        cmocka_unit_test(finite_d_converges_to_limit),
        cmocka_unit_test(finite_d_droplets_approach_limit),
        cmocka_unit_test(action_matches_quadrature),
        cmocka_unit_test(action_slope_matches_difference),
        cmocka_unit_test(gp_end_matches_closed_form),
        cmocka_unit_test(prior_histogram_is_gaussian),
        cmocka_unit_test(limit_base_transition),
        cmocka_unit_test(limit_u_c_against_eps),
        cmocka_unit_test(limit_mixed_phase_table),
        cmocka_unit_test(limit_gfl_has_no_droplets),
        cmocka_unit_test(appendix_d_width_threshold),
        cmocka_unit_test(module_outputs_base_case),
        cmocka_unit_test(module_curves_are_consistent),
        cmocka_unit_test(module_rejects_missing_size),
        cmocka_unit_test(module_stops_when_cancelled),
        cmocka_unit_test(module_live_size_is_fast),
        cmocka_unit_test(module_ties_readout_to_width),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
