/*
 * panel.h - the panels of the screen as small classes.
 *
 * Every panel has the same five operations (create, free, resize, key, draw)
 * behind a table of functions, so the app lays out and dispatches to panels
 * without knowing their kind. Kinds: lines (braille plot of the series that
 * name the panel), histogram, heat map, and the parameter list. Panels draw
 * into a cell buffer only; they read the shared data through a panel_context
 * that the app fills before each draw. UI thread only. A panel owns its
 * scratch memory and its copy of the last histogram or matrix.
 */
#ifndef UI_PANEL_H
#define UI_PANEL_H

#include <stddef.h>
#include <stdint.h>

#include "cells.h"
#include "frame.h"
#include "history.h"
#include "preset.h"

typedef enum { PANEL_LINES, PANEL_HISTOGRAM, PANEL_HEATMAP, PANEL_PARAMS } panel_kind;

/* Flags returned by panel_key. */
enum { PANEL_HANDLED = 1, PANEL_REDRAW = 2 };

/* Time windows of a lines panel, cycled by ACTION_WINDOW. */
enum { PANEL_WINDOW_ALL, PANEL_WINDOW_10, PANEL_WINDOW_1, PANEL_NWINDOWS };

/* What panels read when they draw. The app owns every pointer. */
typedef struct {
    const gs_series_decl *decl;
    int nseries;
    const history *hist;         /* one per series */
    uint32_t theory_stale;       /* bit i: theory series i is stale */
    const double *event_step;    /* event positions, nevents of each */
    const double *event_t;
    int nevents;
    const gs_preset *preset;
    const gs_params *params;     /* current values */
    const double *pending;       /* per tunable: requested value not yet applied, or NaN */
    int selected;                /* selected tunable */
} panel_context;

typedef struct panel panel;

typedef struct {
    void (*free)(panel *p);
    void (*resize)(panel *p, cells_rect r);
    int (*key)(panel *p, int action, char *msg, size_t msglen);
    void (*draw)(panel *p, cells_buf *b, const panel_context *c);
} panel_ops;

struct panel {
    const panel_ops *ops;
    int kind;                    /* panel_kind */
    char name[GS_NAME_MAX];
    char title[GS_LABEL_MAX];
    cells_rect rect;             /* inside the border */

    /* lines */
    int ylog, xlog, window, smooth, x_time, y_zero;
    double smooth_share;         /* smoothing time constant as a share of the
                                    steps in the window */

    /* histogram and heat map: the newest record, owned */
    int neg_log;
    int have_data;
    gs_histogram *hist;
    gs_matrix *matrix;
};

/* Create a panel from its declaration (kind "lines", "histogram",
 * "heatmap"); unknown kinds are drawn as lines. Returns NULL on no memory. */
panel *panel_create(const gs_panel_decl *d);
/* Create the parameter list panel. */
panel *panel_create_params(void);

void panel_free(panel *p);
void panel_resize(panel *p, cells_rect r);
/* Handle a keys_action aimed at the focused panel; a short note of what
 * changed goes to msg. Returns PANEL_* flags. */
int panel_key(panel *p, int action, char *msg, size_t msglen);
void panel_draw(panel *p, cells_buf *b, const panel_context *c);

/* Store a distribution for a histogram or heat map panel. */
void panel_set_histogram(panel *p, const gs_histogram *h);
void panel_set_matrix(panel *p, const gs_matrix *m);

/* Short status of the panel's view options for its title, e.g.
 * "log-y, last 10%, smooth"; "" when all are default. */
void panel_flags(const panel *p, char *out, size_t len);

#endif
