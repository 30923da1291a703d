/*
 * params.h - a flat set of named numeric parameters.
 *
 * Every number a preset sets (T, h, N, n, d, sigma_w2, eps, ...) lives in one
 * gs_params, so the command line (--set NAME=VALUE), keystrokes, the theory
 * thread and the recorder all address a parameter by the same name. The set
 * is a plain value: copying it is how a thread takes a snapshot.
 */
#ifndef GS_PARAMS_H
#define GS_PARAMS_H

#include "frame.h"

#define GS_MAX_PARAMS 64

typedef struct {
    int count;
    char name[GS_MAX_PARAMS][GS_NAME_MAX];
    double value[GS_MAX_PARAMS];
} gs_params;

/* Return the index of name, or -1. */
int gs_params_find(const gs_params *p, const char *name);
/* Return the value of name, or fallback when the set does not contain it. */
double gs_params_get(const gs_params *p, const char *name, double fallback);
/* Set name to value, adding it if needed. Return 0, or -1 when the set is full. */
int gs_params_set(gs_params *p, const char *name, double value);
/* Return 1 for parameters that count units, samples, dimensions or steps
 * (N, n, d, P, n_test, probe, burn_in, metric_every, dist_every), which must
 * be whole numbers, else 0. */
int gs_params_is_count(const char *name);

/* The finite-size sweep of the grokking papers: N -> beta N_ref, d -> sqrt(beta) d_ref,
 * n -> beta n_ref, sigma_a2 -> sigma_a2_ref / sqrt(beta), which keeps
 * u = n^2 sigma_a2 / (T^2 d N) and rho = (T/n)/(sigma_a2/d) fixed. Parameters
 * without a *_ref value are left alone. Writes the previous values of
 * N, d, n, sigma_a2 to old_values; returns a bit mask of those it changed. */
int gs_params_apply_size_scale(gs_params *p, double beta, double old_values[4]);

#endif
