/*
 * grokking_cubic.h - mean-field theory of a two-layer erf network learning a
 * cubic teacher: the single-neuron action, the self-consistent discrepancy
 * coefficients at finite input dimension, and the scaling-limit solution with
 * its first-order transition (Rubin, Seroussi, Ringel, "Grokking as a first
 * order phase transition in two layer networks", arXiv 2310.03789).
 *
 * Pure numerics: no allocation, no global state, safe to call from any thread
 * (the theory thread calls it). Callers own every output struct and array.
 *
 * Conventions (grokscope's, which fix the paper's ambiguous noise scale):
 * - inputs x ~ N(0, I_d); teacher y = He1(z) + eps He3(z), z = w*.x, |w*| = 1,
 *   He1(z) = z, He3(z) = z^3 - 3z, so E He1^2 = 1 and E He3^2 = 6;
 * - student f(x) = sum_{i<N} a_i erf(w_i.x), priors w ~ N(0, sigma_w2/d I) and
 *   a ~ N(0, sigma_a2/N); sigma_a2 is the kernel-level readout scale, itself
 *   8/N in the mean-field base case;
 * - loss 1/2 sum_mu (f - y)^2 at temperature T, so T = sigma^2 is the paper's
 *   noise variance and the equivalent-kernel ridge is r = T/n;
 * - the order parameter is the overlap q = w.w* of one neuron's read-in weights
 *   with the teacher direction, the same q as the paper's, so no conversion.
 *
 * Derived dimensionless numbers, used throughout:
 *   u   = n^2 sigma_a2 / (T^2 d N)     effective interaction
 *   rho = (T/n) / (sigma_a2/d)          ridge in units of the per-neuron kernel
 *
 * The discrepancy is restricted to span(He1, He3):
 *   y - fbar = b He1 + c He3,
 * so the averaged predictor fbar has learned 1 - b of the linear part and
 * eps - c of the cubic part, and its test MSE against the clean teacher is
 * b^2 + 6 c^2. The GP end (T large) has b -> rho/(G0 + rho) and c -> eps.
 */
#ifndef GROKKING_CUBIC_H
#define GROKKING_CUBIC_H

#include <stdatomic.h>
#include <stddef.h>

/* One point of the model. sigma_a2_tilde > 0 ties the readout scale to the
 * width, sigma_a2 = sigma_a2_tilde / N, and overrides sigma_a2; set it to 0 to
 * hold sigma_a2 fixed while N changes. */
typedef struct {
    double T;              /* noise variance sigma^2 (Langevin temperature) */
    double n;              /* training samples */
    double N;              /* hidden width */
    double d;              /* input dimension */
    double eps;            /* cubic coefficient of the teacher */
    double sigma_w2;       /* read-in prior: w ~ N(0, sigma_w2/d) per component */
    double sigma_a2;       /* readout prior: a ~ N(0, sigma_a2/N) */
    double sigma_a2_tilde; /* > 0: use sigma_a2 = sigma_a2_tilde / N */
} grokking_cubic_sizes;

/* A side well of the action: a local minimum at q > 0 (the mirror at -q is
 * implied). found = 0 when the action has no local minimum away from q = 0. */
typedef struct {
    int found;
    double q;        /* position, q > 0 */
    double s_hat;    /* S(q)/d - S(0)/d at the well */
} grokking_cubic_well;

/* Finite-d self-consistent solution. */
typedef struct {
    double b, c;               /* discrepancy coefficients of He1 and He3 */
    double m11, m13, m33;      /* kernel moments in the basis (He1, He3/sqrt 6) */
    grokking_cubic_well well;  /* side well of S at the solution */
    double delta_s;            /* d * well.s_hat = S(q_well) - S(0); NaN without a well */
    int iterations;            /* Newton steps at the last anneal point */
} grokking_cubic_finite;

typedef enum {
    GROKKING_CUBIC_GFL = 0,     /* one Gaussian well at q = 0 */
    GROKKING_CUBIC_GMFL_I = 1,  /* mixed: droplets in degenerate side wells */
    GROKKING_CUBIC_GMFL_II = 2  /* zero well emptied: all neurons specialized */
} grokking_cubic_phase;

/* Scaling-limit solution (d -> infinity at fixed u, rho, eps, sigma_w2). */
typedef struct {
    int phase;             /* grokking_cubic_phase */
    double b, c;           /* NaN in GMFL-II, which this module does not solve */
    double q_star;         /* side-well position in GMFL-I; NaN otherwise */
    double p_tilde;        /* droplet fraction times d in GMFL-I; 0 in GFL */
    double margin;         /* lowest side-well S/d on the GFL branch; +inf without one */
    double u_c;            /* critical u on the line u rho^2 = const (the T line) */
} grokking_cubic_limit;

/* Return the readout scale sigma_a2 in use (sigma_a2_tilde/N when tied). */
double grokking_cubic_readout_scale(const grokking_cubic_sizes *s);
/* Return u = n^2 sigma_a2 / (T^2 d N). */
double grokking_cubic_u(const grokking_cubic_sizes *s);
/* Return rho = (T/n) / (sigma_a2/d). */
double grokking_cubic_rho(const grokking_cubic_sizes *s);
/* Check that every size is finite and positive (eps finite). Returns 0, or -1
 * with the offending name and value in err. */
int grokking_cubic_check(const grokking_cubic_sizes *s, char *err, size_t errlen);

/* Per-neuron action divided by d, with S(0) = 0:
 *   S(q)/d = q^2/(2 sigma_w2) - (2u/pi) (q^2/D) (b - 2c q^2/D)^2,
 *   D = 1 + 2(sigma_w2 + q^2).
 * It is dimensionless; q is in units of |w*| = 1. */
double grokking_cubic_action_hat(double q, double u, double sigma_w2, double b, double c);
/* d(S/d)/d(q^2), whose sign change from - to + at q > 0 marks a side well. */
double grokking_cubic_action_hat_slope(double q, double u, double sigma_w2, double b, double c);
/* Locate the deepest local minimum of S/d at q > 0. */
grokking_cubic_well grokking_cubic_find_well(double u, double sigma_w2, double b, double c);

/* Map (b, c) to the equivalent-kernel discrepancy under the neuron law
 * p(q) ~ exp(-S(q)) on a uniform grid of `points` nodes over [0, q_hi]:
 *   M11 = <4q^2/(pi D)>, M13 = <-8q^4/(sqrt6 pi D^2)>, M33 = <8q^6/(3 pi D^3)>,
 *   (b', sqrt6 c') = rho (d M + rho I)^-1 (1, sqrt6 eps).
 * moments (3 entries, may be NULL) receives M11, M13, M33. */
void grokking_cubic_map(const grokking_cubic_sizes *s, double b, double c, double q_hi,
                        int points, double *b_out, double *c_out, double *moments);

/* Solve the finite-d equations b = b', c = c' by Newton steps, annealing in T
 * from the GP end (u <= 1) down to s->T with warm starts. Polls cancel (may be
 * NULL). Returns 0, or -1 with a message in err. */
int grokking_cubic_solve_finite(const grokking_cubic_sizes *s, const atomic_int *cancel,
                                grokking_cubic_finite *out, char *err, size_t errlen);
/* Same, continuing from (b0, c0) at s without annealing, as a sweep does. */
int grokking_cubic_solve_finite_from(const grokking_cubic_sizes *s, double b0, double c0,
                                     grokking_cubic_finite *out, char *err, size_t errlen);

/* Fill p[nbins] with the probability of q in each equal bin of [lo, hi) under
 * p(q) ~ exp(-S(q)) at (b, c). The entries sum to 1. Returns 0, or -1 for an
 * empty range or zero mass. */
int grokking_cubic_bin_probabilities(const grokking_cubic_sizes *s, double b, double c,
                                     double lo, double hi, int nbins, double *p);
/* Return the mass of p(q) at |q| > q_cut (the droplet fraction at finite d). */
double grokking_cubic_mass_beyond(const grokking_cubic_sizes *s, double b, double c,
                                  double q_cut);

/* Scaling-limit GFL branch: c = eps, and b solves b = rho/(G + rho) with
 *   G = (4/pi) / (S''(0) (1 + 2 sigma_w2)),
 *   S''(0) = 1/sigma_w2 - (4u/pi) b^2/(1 + 2 sigma_w2)   (S per d, per q^2).
 * The root is unique in (0, 1). Returns b. */
double grokking_cubic_gfl_b(double u, double rho, double sigma_w2);
/* Return the lowest side-well S/d on the GFL branch at (u, rho); +inf without
 * a side well. Negative means the GFL branch is past the transition. */
double grokking_cubic_transition_margin(double u, double rho, double eps, double sigma_w2);
/* Critical u at fixed rho, the line that N alone traces when sigma_a2 is held
 * (the width-driven transition of arXiv 2310.03789, Appendix D). Returns 0 or -1. */
int grokking_cubic_u_c_fixed_rho(double rho, double eps, double sigma_w2, double *u_c);
/* Critical u on the line u rho^2 = k, which T alone traces at fixed n, N, d,
 * sigma_a2. Returns 0 or -1. */
int grokking_cubic_u_c_on_t_line(double k, double eps, double sigma_w2, double *u_c);
/* Critical noise T_c = sigma^2_c at the other sizes of s. Returns 0 or -1. */
int grokking_cubic_t_c(const grokking_cubic_sizes *s, double *t_c);
/* Critical width N_c at the other sizes of s: GFL for N > N_c, GMFL-I below.
 * Honors sigma_a2_tilde (tied readout scale). Returns 0 or -1. */
int grokking_cubic_n_c(const grokking_cubic_sizes *s, double *n_c);

/* Solve the scaling limit at (u, rho): the phase, and in GMFL-I the mixed-phase
 * equations S(q*)/d = 0, d(S/d)/d(q^2) = 0 at q*, and
 *   (b, sqrt6 c) = rho (G e1 e1^T + p_tilde M(q*) + rho I)^-1 (1, sqrt6 eps),
 * continued from the transition along the T line u rho^2 = const. d is used
 * only to call p_tilde >= d GMFL-II. Returns 0, or -1 with a message. */
int grokking_cubic_solve_limit(double u, double rho, double eps, double sigma_w2, double d,
                               grokking_cubic_limit *out, char *err, size_t errlen);

#endif
