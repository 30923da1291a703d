/*
 * langevin.h - the Euler-Maruyama Langevin step, preconditioned per layer.
 *
 * For every parameter tensor theta_l with per-entry prior variance s_l:
 *
 *   gamma_l = T / s_l                         (weight decay; the prior is fixed as T moves)
 *   lr_l    = h * s_l / T                     (per-layer step, so lr_l * gamma_l = h)
 *   theta_l <- theta_l - lr_l (dL/dtheta_l + gamma_l theta_l) + sqrt(2 lr_l T) xi
 *
 * with L = 1/2 sum (f - y)^2 and xi fresh standard normals for every entry at
 * every step. The stationary law is exp(-L/T - sum_l |theta_l|^2 / (2 s_l)): the
 * Bayesian posterior with likelihood noise variance T. A constant diagonal
 * preconditioner leaves it unchanged; the discretisation bias is O(h).
 * Langevin time is t = step * h, the number of prior relaxation times.
 *
 * Called by the trainer thread; the noise buffers are allocated once.
 */
#ifndef GS_LANGEVIN_H
#define GS_LANGEVIN_H

#include "model.h"
#include "rng.h"

typedef struct {
    float *noise, *scratch;   /* nparams floats each */
    size_t count;
} gs_langevin;

int gs_langevin_create(gs_langevin *lv, const gs_model *m);
void gs_langevin_free(gs_langevin *lv);

/* Apply one update to m->params using m->grads. Writes the squared norm of
 * each tensor after the update into sq_norm[0..ntensors) (may be NULL).
 * Returns 0, or -1 when a parameter became NaN or infinite (the caller keeps
 * its last good copy). T must be positive. */
int gs_langevin_step(gs_model *m, gs_langevin *lv, gs_rng *rng, double h, double T, double *sq_norm);

/* The per-tensor constants of the update above, for a prior variance s. */
typedef struct {
    float lr;      /* h s / T */
    float decay;   /* T / s */
    float sigma;   /* sqrt(2 lr T) = sqrt(2 h s) */
} gs_langevin_coef;

gs_langevin_coef gs_langevin_coefficients(double prior_var, double h, double T);
/* w <- w - lr (g + decay w) + sigma xi over count entries. Returns the sum of
 * squares of the new w (NaN or infinite when an entry is). */
float gs_langevin_update(float *w, const float *g, const float *xi, size_t count, gs_langevin_coef k);

#endif
