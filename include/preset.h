/*
 * preset.h - presets: one INI-style text file per experiment.
 *
 * A preset sets up a model, a data set, the Langevin parameters, the
 * parameters a user may change (with bounds, step and keys), the series to
 * record and the panels that draw them. Shipped presets are compiled into the
 * binary (gs_builtin_presets); a user's own load by path or from
 * $XDG_CONFIG_HOME/grokscope/presets/NAME.ini. The format:
 *
 *   # comment (also after a value, following a space; ';' starts a comment line)
 *   [preset]          name, title, paper, summary, theory, convention
 *   [model]           activation, layers, readout, bias, read_in_prior (fan-in|per-weight)
 *   [data]            inputs, teacher, harmonics; for inputs = file: train_file,
 *                     test_file (X, or X with the targets as the last target_cols
 *                     columns), train_targets, test_targets (y in files of their
 *                     own); .npy or .csv, paths relative to the preset file
 *   [params]          NAME = number  (every numeric parameter)
 *   [param NAME]      value, min, max, step, scale (linear|log), keys, label,
 *                     unit, rebuild (yes|no): a parameter the user may change
 *   [series NAME]     label, kind (train|test|order|alignment|theory|status),
 *                     panel, unit, predicts (network series a theory series predicts)
 *   [panel NAME]      title, kind (lines|histogram|heatmap), ylog, xlog
 *
 * Errors name the file, the line, the key or value and what is accepted; an
 * unknown key is an error that suggests the nearest valid key.
 */
#ifndef GS_PRESET_H
#define GS_PRESET_H

#include <stddef.h>

#include "frame.h"
#include "params.h"

#define GS_MAX_TUNABLE 16
#define GS_MAX_PANELS 8
#define GS_TEXT_FIELD 256

typedef struct {
    const char *name;   /* preset name, e.g. "nngp-outputs" */
    const char *path;   /* where the text came from in the source tree */
    const char *text;
} gs_builtin_preset;

extern const gs_builtin_preset gs_builtin_presets[]; /* ends with name == NULL */

/* A parameter the user may change while training runs. */
typedef struct {
    char name[GS_NAME_MAX];
    char label[GS_LABEL_MAX];
    char unit[16];
    double min, max;
    double step;        /* additive step, or factor when log_scale */
    int log_scale;      /* 1: multiply/divide by step */
    int key_down, key_up; /* keys that lower and raise it; 0 when none */
    int rebuild;        /* 1: a change draws new data and weights (n, N, d, ...) */
} gs_tunable;

typedef struct {
    char name[GS_NAME_MAX];
    char title[GS_LABEL_MAX];
    char kind[16];      /* "lines", "histogram", "heatmap" */
    int ylog, xlog;
} gs_panel_decl;

typedef struct {
    char source[GS_TEXT_FIELD];   /* file path or "builtin:NAME", for messages */
    char *text;                   /* the whole preset text, owned; recorded in .gsr headers */

    char name[GS_NAME_MAX];
    char title[GS_TEXT_FIELD];
    char paper[GS_TEXT_FIELD];
    char summary[GS_TEXT_FIELD];
    char theory[GS_NAME_MAX];     /* theory module name, or "" */
    char convention[GS_TEXT_FIELD];

    /* [model] */
    char activation[16];          /* linear, erf, relu, tanh, quadratic, cubic */
    int layers;                   /* trainable layers, 1-3 */
    char readout[16];             /* standard, mean-field, chi */
    int bias;
    int read_in_per_weight;       /* read_in_prior = per-weight: W1 variance sigma_w2, not sigma_w2/d */

    /* [data] */
    char inputs[16];              /* gaussian, sphere, onehot-pairs, file */
    char teacher[32];             /* linear, erf-neuron, he3, h1h3, harmonics, modular, file */
    char train_file[GS_TEXT_FIELD], test_file[GS_TEXT_FIELD];       /* inputs X, or X with y last */
    char train_targets[GS_TEXT_FIELD], test_targets[GS_TEXT_FIELD]; /* y, when in files of their own */
    char harmonics[64];           /* degrees for the harmonics teacher, e.g. "1,2" */

    gs_params params;             /* every numeric parameter, tunable or not */
    int ntunable;
    gs_tunable tunable[GS_MAX_TUNABLE];
    int nseries;
    gs_series_decl series[GS_MAX_SERIES];
    int npanels;
    gs_panel_decl panel[GS_MAX_PANELS];
} gs_preset;

/* Parse preset text. source names it in messages. Returns 0, or -1 with
 * "SOURCE:LINE: message" in err. On success p owns a copy of text. */
int gs_preset_parse(gs_preset *p, const char *text, const char *source, char *err, size_t errlen);

/* Load a preset by name or path: an existing file path, then
 * $XDG_CONFIG_HOME/grokscope/presets/NAME.ini (or ~/.config/...), then the
 * built-in presets. Returns 0, or -1 with a message in err. */
int gs_preset_load(gs_preset *p, const char *name_or_path, char *err, size_t errlen);

/* Apply NAME=VALUE to the numeric parameters; checks the bounds of tunables.
 * Returns 0, or -1 with a message naming the parameter and what is accepted. */
int gs_preset_set(gs_preset *p, const char *assignment, char *err, size_t errlen);

void gs_preset_free(gs_preset *p);

/* Find a tunable parameter by name; NULL if the preset does not declare it. */
const gs_tunable *gs_preset_tunable(const gs_preset *p, const char *name);
/* Find a series by name; -1 if absent. */
int gs_preset_series_index(const gs_preset *p, const char *name);

#endif
