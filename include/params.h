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

#endif
