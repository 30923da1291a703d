/*
 * step.h - the fused Langevin step of one-hidden-layer networks, on one or two threads.
 *
 * The step splits its work into two lanes. Lane l owns half of the training
 * samples for the forward and backward passes, and half of every parameter
 * tensor (by rows, or by entries for a single row) for the update:
 *
 *   1. each lane runs forward and backward over its samples in blocks of rows
 *      small enough to stay in cache, so the (n, N) pre-activations, phi and
 *      phi' never travel to main memory, and sums its own gradient;
 *   2. each lane adds the two gradients over its parameter range (lane 0's
 *      first), adds the optional sextic term of the modular model, draws its
 *      noise from its own generator and applies the update of langevin.h.
 *
 * The blocks, the summation order and the generators do not depend on how many
 * threads run the lanes, so one and two threads give bit-identical runs.
 * With two threads the caller's thread runs lane 0 and a helper thread lane 1;
 * OpenBLAS must then run single-threaded (openblas_set_num_threads(1)), so no
 * third thread competes for the two cores.
 *
 * Only models with layers == 2 are supported (gs_stepper_supports); others use
 * gs_model_forward/backward and gs_langevin_step. The stepper belongs to one
 * thread, which calls every function here; it allocates only in create.
 */
#ifndef GS_STEP_H
#define GS_STEP_H

#include <stddef.h>

#include "model.h"
#include "rng.h"

typedef struct gs_stepper gs_stepper;

/* The sextic term of the modular-addition model (see gs_sextic_fourier), added
 * to the gradient of W1 before the update. */
typedef struct {
    int P;
    double gamma, scale;
    const double *cos_table, *sin_table;
} gs_step_sextic;

/* Outcome of gs_stepper_step. */
enum {
    GS_STEP_OK = 0,
    GS_STEP_BAD_LOSS = 1,     /* loss not finite or above loss_max; nothing updated */
    GS_STEP_BAD_PARAMS = -1   /* the update made a parameter NaN or infinite */
};

int gs_stepper_supports(const gs_model *m);

/* A stepper for model m on the n samples x (n, d), y (n, c), which must outlive
 * it. threads is 1 or 2. The lanes' generators are seeded from two draws of
 * seeds. sextic_P > 0 reserves room for the sextic term with that P.
 * Returns NULL and a message in err on failure. */
gs_stepper *gs_stepper_create(gs_model *m, const float *x, const float *y, int n, int threads, gs_rng *seeds,
                              int sextic_P, char *err, size_t errlen);
/* Stops the helper thread, if any, and frees everything. NULL is allowed. */
void gs_stepper_free(gs_stepper *s);
int gs_stepper_threads(const gs_stepper *s);

/* One Langevin step with step h and temperature T. Fills out and resid (n, c)
 * with the outputs and residuals before the update, *loss with
 * L = 1/2 sum (out - y)^2, m->grads with the whole gradient (sextic term
 * included) and sq_norm[0..ntensors) with each tensor's squared norm after the
 * update. sextic may be NULL. */
int gs_stepper_step(gs_stepper *s, double h, double T, double loss_max, const gs_step_sextic *sextic,
                    float *out, float *resid, double *loss, double *sq_norm);

#endif
