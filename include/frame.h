/*
 * frame.h - the stream of records that flows from the trainer to its consumers.
 *
 * A run declares its series once (gs_series_decl), then publishes records:
 * scalar frames (one value per series), distributions (a histogram or a small
 * matrix) and events (a command applied, a reset, a divergence, a note).
 * The same records feed the live screen, headless output, the recorder and
 * replay, so every consumer sees one format.
 *
 * Records have a fixed maximum size so that the trainer can publish them into
 * a preallocated ring without allocating. Values are double; a series with no
 * value yet in a frame holds NaN.
 */
#ifndef GS_FRAME_H
#define GS_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define GS_MAX_SERIES 48
#define GS_NAME_MAX 48
#define GS_LABEL_MAX 96
#define GS_MAX_BINS 256
#define GS_MAX_MATRIX 4096 /* entries of a matrix distribution, e.g. 64 x 64 */
#define GS_TEXT_MAX 192

/* What a series measures; the screen styles theory series differently. */
typedef enum {
    GS_SERIES_TRAIN = 0,
    GS_SERIES_TEST = 1,
    GS_SERIES_ORDER = 2,     /* order parameter */
    GS_SERIES_ALIGNMENT = 3,
    GS_SERIES_THEORY = 4,    /* a theory prediction; see gs_frame.theory_stale */
    GS_SERIES_STATUS = 5     /* bookkeeping such as steps/s or equipartition */
} gs_series_kind;

typedef struct {
    char name[GS_NAME_MAX];   /* id used on the command line, in CSV headers, JSON */
    char label[GS_LABEL_MAX]; /* human-readable legend text */
    char unit[16];            /* "" when dimensionless */
    char panel[GS_NAME_MAX];  /* name of the panel that draws it */
    int kind;                 /* gs_series_kind */
    int pair;                 /* for a theory series: index of the network series it
                                 predicts, or -1 */
} gs_series_decl;

typedef enum {
    GS_REC_SCALARS = 1,
    GS_REC_HISTOGRAM = 2,
    GS_REC_MATRIX = 3,
    GS_REC_EVENT = 4
} gs_record_kind;

typedef enum {
    GS_EVENT_SET = 1,        /* a parameter changed: name, old, new */
    GS_EVENT_RESET = 2,      /* weights (and maybe data) re-drawn */
    GS_EVENT_DIVERGED = 3,   /* training paused after a non-finite or exploding loss */
    GS_EVENT_PAUSE = 4,
    GS_EVENT_RESUME = 5,
    GS_EVENT_NOTE = 6,       /* free text, e.g. a theory solver failure */
    GS_EVENT_REFUSED = 7     /* a command rejected; text gives the reason */
} gs_event_kind;

/* Scalar frame: one value per declared series. */
typedef struct {
    int nseries;
    uint32_t theory_stale; /* bit i set: theory series i belongs to old parameters */
    double v[GS_MAX_SERIES];
} gs_scalars;

/* Histogram over [lo, hi) with nbins equal bins. A theory histogram carries the
 * predicted density in the same bins (theory_valid = 1) beside the counts. */
typedef struct {
    char name[GS_NAME_MAX];
    int nbins;
    double lo, hi;
    float count[GS_MAX_BINS];  /* empirical counts */
    float theory[GS_MAX_BINS]; /* predicted probability per bin, if theory_valid */
    int theory_valid;
} gs_histogram;

typedef struct {
    char name[GS_NAME_MAX];
    int rows, cols;            /* rows * cols <= GS_MAX_MATRIX */
    float v[GS_MAX_MATRIX];    /* row-major */
} gs_matrix;

typedef struct {
    int kind;                  /* gs_event_kind */
    char name[GS_NAME_MAX];    /* parameter name for GS_EVENT_SET, else "" */
    double old_value, new_value;
    char text[GS_TEXT_MAX];    /* one line for the log panel */
} gs_event;

/* One record of the stream. step and t are those of the trainer when the
 * record was made; wall is seconds since the run started. */
typedef struct {
    int kind;                  /* gs_record_kind */
    int64_t step;
    double t;                  /* Langevin time, step * h */
    double wall;
    union {
        gs_scalars scalars;
        gs_histogram hist;
        gs_matrix matrix;
        gs_event event;
    } u;
} gs_frame;

#endif
