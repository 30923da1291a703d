/*
 * grokking_modular.h - mean-field theory of a quadratic two-layer network
 * learning modular addition: the per-mode action, its self-consistent
 * solution and the two phase-transition points (Rubin, Seroussi and Ringel,
 * "Grokking as a first order phase transition in two layer networks",
 * arXiv 2310.03789, modular-addition model).
 *
 * Pure numerics: no allocation, no globals, callable from any thread. The
 * theory thread reaches it through gs_theory_grokking_modular (theory.h).
 *
 * Conventions (all quantities as grokscope's trainer uses them):
 *
 *   P        odd modulus (the paper takes P prime); classes p = 0 .. P-1.
 *   input    x_nm in R^(2P) for the pair (n, m): x[n] = 1, x[P + m] = 1, rest 0.
 *   target   y_p(x_nm) = delta(p, (n + m) mod P) - 1/P, P outputs (centred one-hot).
 *   network  f_p(x) = sum_i a_pi (w_i . x)^2, i = 1 .. N, w_i in R^(2P).
 *   data     the full table of P^2 pairs is the training set.
 *   loss     1/2 sum over pairs, sum over p of (f_p - y_p)^2; noise sigma^2 = T.
 *   priors   each read-in weight has variance sigma_w2 (the paper sets it to 1),
 *            so its decay is gamma_w = T / sigma_w2; each readout weight a_pi
 *            has variance sigma_a2 / N, so gamma_a = T N / sigma_a2.
 *            sigma_a2 is the kernel-level readout scale: the paper's Fig. 3
 *            uses sigma_a2 = 0.002 / N.
 *   sextic   the theory adds Gamma = P (gamma6 / 6) sum_k (|w_k|^6 + |v_k|^6)
 *            to -log p(w), acting on the physical read-in weights, so that its
 *            action is bounded. A sampler with potential U (law exp(-U/T))
 *            adds T * Gamma to U.
 *   Fourier  w_k = (1/P) sum_n w[n] e^(2 pi i k n / P) for the first half of
 *            w, v_k likewise for the second half; Phi = |w_k|^2, Psi = |v_k|^2.
 *            Modes k and P-k are complex conjugates, so a neuron has
 *            (P-1)/2 independent pairs k = 1 .. (P-1)/2.
 *
 * Reduced units: writing w = sqrt(sigma_w2) w~ maps the model onto read-in
 * variance 1 with sigma_a2 -> sigma_a2 sigma_w2^2 and gamma6 -> gamma6 sigma_w2^3.
 * Functions that take a coupling or gamma6 directly work in those units.
 *
 * The solution is a scalar discrepancy a in (-1, 0): the posterior-mean
 * output is fbar = (1 + a) y on every pair of the table.
 *
 * Eigenvalue normalization: the eigenvalue of the target in the Gram matrix
 * on the P^2 pairs is lambda = 4 P^2 sigma_a2 <Phi Psi> (the "corrected"
 * one, whose infinite-width limit is the NNGP value 4 sigma_a2 sigma_w2^2).
 * The paper's equations drop the factor 4 P^2. Its Fig. 3 numbers follow only
 * from its own normalization, so both are offered.
 */
#ifndef GROKKING_MODULAR_H
#define GROKKING_MODULAR_H

#include <stddef.h>

typedef struct {
    double sigma2;        /* noise variance sigma^2 = T, > 0 */
    int P;                /* odd modulus, >= 3 */
    double N;             /* hidden width, >= 1 */
    double sigma_a2;      /* kernel-level readout scale (per-weight variance sigma_a2 / N) */
    double sigma_w2;      /* per-weight read-in prior variance, 1 in the paper */
    double gamma6;        /* coefficient of the sextic term Gamma, > 0 */
    int paper_eigenvalue; /* 1: the paper's lambda (no 4 P^2); 0: the corrected one */
} grokking_modular_params;

/* Self-consistent solution at one sigma^2. Phi-type values are in units of
 * the physical read-in weights (they scale with sigma_w2). */
typedef struct {
    double a;                  /* discrepancy: fbar = (1 + a) y */
    double learned_fraction;   /* 1 + a = (fbar . y) / |y|^2 */
    double coupling;           /* A = u a^2, the Phi Psi coefficient of the mode action / P */
    double phi_plus;           /* Phi at the condensed saddle (Phi = Psi), or 0 when it does not exist */
    double phi_barrier;        /* Phi at the barrier between the saddles, or 0 when absent */
    double side_action;        /* mode action at the condensed saddle, or NAN when absent */
    double condensed_fraction; /* weight p of the condensed saddle: fraction of (neuron, pair) condensed */
    double mode_power;         /* <Phi Psi> per (neuron, pair), mixed over both saddles */
    double eigenvalue;         /* lambda of the target, in the chosen normalization */
    double table_mse;          /* mean over the P^2 pairs of sum_p (fbar_p - y_p)^2 = a^2 (P-1)/P */
    int phase;                 /* 0: GFL, 1: GMFL-I (mixed), 2: GMFL-II (fully condensed) */
} grokking_modular_state;

/* Check the ranges listed in grokking_modular_params. Returns 0, or -1 with
 * the offending value and the accepted range in err. */
int grokking_modular_check(const grokking_modular_params *gp, char *err, size_t errlen);

/* Return the factor between lambda and sigma_a2 <Phi Psi>: 4 P^2, or 1 with
 * the paper's normalization. */
double grokking_modular_eigen_prefactor(int P, int paper_eigenvalue);

/* Return the scale-invariant coupling u = 2 sigma_a2 P^2 / (N sigma^4), with
 * sigma_a2 in reduced units. */
double grokking_modular_u(const grokking_modular_params *gp);

/* Return the action of one Fourier mode, in reduced units (read-in prior
 * variance 1, sextic coefficient gamma6 sigma_w2^3):
 * S = P [ (Phi + Psi)/2 - A Phi Psi + (gamma6/6)(Phi^3 + Psi^3) ]. */
double grokking_modular_mode_action(double phi, double psi, double coupling,
                                    double gamma6, int P);

/* Find the stationary points of the mode action on the line Phi = Psi, in
 * reduced units. Returns 1 and writes the condensed saddle (phi_plus) and the
 * barrier (phi_minus) when coupling^2 > gamma6; returns 0 and writes zeros
 * otherwise. */
int grokking_modular_side_saddle(double coupling, double gamma6,
                                 double *phi_plus, double *phi_minus);

/* Return the degeneracy point sigma_c^2 = sqrt(sigma_a2 P^2 / (N sqrt(gamma6/3))),
 * with sigma_a2 and gamma6 in reduced units: there the condensed saddle has
 * zero action at a = -1. It does not depend on the eigenvalue normalization. */
double grokking_modular_sigma2_degenerate(const grokking_modular_params *gp);

/* Return the GMFL-I onset: sigma_c^2 minus the Gaussian background eigenvalue
 * (prefactor sigma_a2 / P^2), a shift far below the paper's precision. */
double grokking_modular_sigma2_c1(const grokking_modular_params *gp);

/* Return the GMFL-II onset, sigma_c^2 - prefactor * 3 sigma_a2 / gamma6.
 * A value <= 0 means every sigma^2 > 0 below the GMFL-I onset is mixed. */
double grokking_modular_sigma2_c2(const grokking_modular_params *gp);

/* Return the eigenvalue that one neuron condensed at Phi_c = sqrt(3/gamma6)
 * adds to its Fourier mode, prefactor * sigma_a2 Phi_c^2 / N (reduced units).
 * The mixed phase self-averages only when this is far below sigma_c^2, so
 * that many neurons per mode share the condensed weight. */
double grokking_modular_lambda_per_neuron(const grokking_modular_params *gp);

/* Solve a = -sigma^2 / (lambda(a) + sigma^2) for a in (-1, 0) by bisection.
 * Returns 0, or -1 with a message in err when gp is out of range. */
int grokking_modular_solve(const grokking_modular_params *gp,
                           grokking_modular_state *st, char *err, size_t errlen);

/* Write the Fourier power of one neuron's read-in weights w (2P entries,
 * first half for n, second half for m): phi[k-1] = |w_k|^2 and
 * psi[k-1] = |v_k|^2 for the pairs k = 1 .. (P-1)/2. Costs O(P^2). The mean
 * of phi * psi over neurons and pairs is the network's value of
 * state.mode_power. Returns 0, or -1 when P < 3 or P is even. */
int grokking_modular_fourier_power(const double *w, int P, double *phi, double *psi);

#endif
