/*
 * langevin.c - the preconditioned Euler-Maruyama step. See include/langevin.h.
 *
 * Built with strict IEEE semantics, so the finiteness check here still sees NaN
 * and infinity produced anywhere in the step.
 */
#include <math.h>
#include <stdlib.h>

#include "langevin.h"

int gs_langevin_create(gs_langevin *lv, const gs_model *m)
{
    lv->count = m->nparams;
    lv->noise = malloc(sizeof(float) * (m->nparams + 1));
    lv->scratch = malloc(sizeof(float) * (m->nparams + 1));
    if (!lv->noise || !lv->scratch) {
        gs_langevin_free(lv);
        return -1;
    }
    return 0;
}

void gs_langevin_free(gs_langevin *lv)
{
    free(lv->noise);
    free(lv->scratch);
    lv->noise = lv->scratch = NULL;
}

gs_langevin_coef gs_langevin_coefficients(double prior_var, double h, double T)
{
    gs_langevin_coef k;
    k.lr = (float)(h * prior_var / T);
    k.decay = (float)(T / prior_var);
    k.sigma = (float)sqrt(2.0 * h * prior_var);
    return k;
}

float gs_langevin_update(float *restrict w, const float *restrict g, const float *restrict xi, size_t count,
                         gs_langevin_coef k)
{
    float norm = 0;
    for (size_t j = 0; j < count; j++) {
        float next = w[j] - k.lr * (g[j] + k.decay * w[j]) + k.sigma * xi[j];
        w[j] = next;
        norm += next * next;
    }
    return norm;
}

int gs_langevin_step(gs_model *m, gs_langevin *lv, gs_rng *rng, double h, double T, double *sq_norm)
{
    gs_rng_normal_fill(rng, lv->noise, lv->scratch, m->nparams);
    int finite = 1;

    for (int i = 0; i < m->ntensors; i++) {
        gs_tensor *t = &m->tensor[i];
        size_t count = (size_t)t->rows * t->cols;
        float norm = gs_langevin_update(t->w, t->dw, lv->noise + (t->w - m->params), count,
                                        gs_langevin_coefficients(t->prior_var, h, T));
        if (!isfinite(norm))
            finite = 0;
        if (sq_norm)
            sq_norm[i] = norm;
    }
    return finite ? 0 : -1;
}
