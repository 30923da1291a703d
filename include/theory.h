/*
 * theory.h - the interface every theory module implements, and the theory thread.
 *
 * A theory module (one file in src/theory/, named after what it computes) turns
 * a snapshot of the parameters, plus the data set where it needs it, into
 * predicted values: scalars named after series, curves over a swept variable,
 * and predicted histograms. It runs on the theory thread, never sees the
 * screen, and should poll `cancel` in long loops: a newer request supersedes
 * the one being computed.
 *
 * Modules are registered in the table in src/theory/registry.c; a preset names
 * its module with `theory = NAME` in its [preset] section.
 */
#ifndef GS_THEORY_H
#define GS_THEORY_H

#include <stdatomic.h>
#include <stddef.h>

#include "data.h"
#include "frame.h"
#include "params.h"

#define GS_THEORY_MAX_VALUES 32
#define GS_THEORY_MAX_CURVES 4
#define GS_THEORY_CURVE_POINTS 256
#define GS_THEORY_MAX_HISTS 2
#define GS_THEORY_MAX_VECTORS 2
#define GS_THEORY_VECTOR_MAX 4096

typedef struct {
    const gs_params *params;   /* snapshot; read-only */
    const gs_dataset *data;    /* the thread's own copy, or NULL */
    const atomic_int *cancel;  /* nonzero: stop early, the result will be discarded */
    uint64_t seed;             /* for Monte Carlo parts, so results are repeatable */
} gs_theory_input;

typedef struct {
    char name[GS_NAME_MAX];
    char x_name[GS_NAME_MAX];  /* the swept variable, e.g. "n" or "T" */
    int count;
    double x[GS_THEORY_CURVE_POINTS], y[GS_THEORY_CURVE_POINTS];
} gs_theory_curve;

typedef struct {
    int nvalues;
    char value_name[GS_THEORY_MAX_VALUES][GS_NAME_MAX]; /* matches a theory series name */
    double value[GS_THEORY_MAX_VALUES];
    int ncurves;
    gs_theory_curve curve[GS_THEORY_MAX_CURVES];
    int nhists;
    gs_histogram hist[GS_THEORY_MAX_HISTS]; /* predicted probability per bin in .theory */
    /* Predictions at every test point (in the order of data->x_test, output
     * column 0), e.g. "gp" for the GP posterior mean, so the trainer can compare
     * the network's averaged output with it point by point. */
    int nvectors;
    char vector_name[GS_THEORY_MAX_VECTORS][GS_NAME_MAX];
    int vector_len[GS_THEORY_MAX_VECTORS];
    double vector[GS_THEORY_MAX_VECTORS][GS_THEORY_VECTOR_MAX];
} gs_theory_output;

/* Add a named scalar to out; returns 0, or -1 when full. */
int gs_theory_put(gs_theory_output *out, const char *name, double value);
/* Look a named scalar up; returns NAN when absent. */
double gs_theory_value(const gs_theory_output *out, const char *name);

typedef struct {
    const char *name;            /* as written in a preset's `theory =` */
    const char *summary;         /* one line */
    /* Names of the parameters whose change calls for a new computation; NULL-terminated. */
    const char *const *depends;
    /* Compute the predictions. Returns 0, or -1 with a message in err
     * (what failed, with which values, what to change). */
    int (*compute)(const gs_theory_input *in, gs_theory_output *out, char *err, size_t errlen);
} gs_theory_kind;

/* Find a registered module by name; NULL if none. */
const gs_theory_kind *gs_theory_find(const char *name);
/* The registry, NULL-terminated. */
extern const gs_theory_kind *const gs_theory_registry[];

#endif
