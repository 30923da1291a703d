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

int gs_langevin_step(gs_model *m, gs_langevin *lv, gs_rng *rng, double h, double T, double *sq_norm)
{
    gs_rng_normal_fill(rng, lv->noise, lv->scratch, m->nparams);
    int finite = 1;

    for (int i = 0; i < m->ntensors; i++) {
        gs_tensor *t = &m->tensor[i];
        double s = t->prior_var;
        const float lr = (float)(h * s / T);
        const float decay = (float)(T / s);
        const float sigma = (float)sqrt(2.0 * h * s);   /* sqrt(2 lr T) */
        const float *xi = lv->noise + (t->w - m->params);
        float *w = t->w;
        const float *g = t->dw;
        size_t count = (size_t)t->rows * t->cols;
        float norm = 0;

        for (size_t j = 0; j < count; j++) {
            float next = w[j] - lr * (g[j] + decay * w[j]) + sigma * xi[j];
            w[j] = next;
            norm += next * next;
        }
        if (!isfinite(norm))
            finite = 0;
        if (sq_norm)
            sq_norm[i] = norm;
    }
    return finite ? 0 : -1;
}
