/*
 * plot.h - line plots drawn with braille dots into a cell buffer.
 *
 * Each cell carries a 2 x 4 grid of dots (the Unicode braille block, U+2800),
 * so a plot area of w x h cells has 2w x 4h dots. The y axis has tick labels
 * at round numbers. The x axis is in the caller's unit (steps or Langevin
 * time), with ticks and event markers. A one-row legend names the series,
 * either axis may be logarithmic, and theory curves are dashed in their own
 * style. In ASCII mode the dots of a cell become one of ". - : ' *" and the
 * axes use '+-|'.
 *
 * Called by the UI thread (and tests). plot_draw allocates a scratch dot grid
 * per call and frees it before returning; the caller owns the series arrays.
 */
#ifndef UI_PLOT_H
#define UI_PLOT_H

#include <stddef.h>

#include "cells.h"

typedef struct {
    const char *label;
    const double *x, *y;     /* n points in drawing order (x increasing) */
    const double *lo, *hi;   /* NULL, or the range each point covers; drawn as a
                                vertical stroke so downsampled spikes show */
    int n;
    int style;               /* style_id */
    int dashed;              /* theory curves: every other run of dots is left out */
    int stale;               /* legend appends "(stale)" */
    int in_legend;           /* 1: listed in the legend */
} plot_series;

typedef struct {
    int xlog, ylog;          /* log10 scales; points <= 0 are left out */
    int y_from_zero;         /* automatic y range includes 0 (ignored with ylog) */
    double xmin, xmax;       /* NaN: from the data */
    double ymin, ymax;       /* NaN: from the data, widened to round ticks */
    const char *xunit;       /* written under the x axis, e.g. "step" or "t" */
    const double *events;    /* x positions of event markers, or NULL */
    int nevents;
    int legend;              /* 1: reserve the top row for the legend */
} plot_options;

/* Where the last plot_draw put its data area and which ranges it used. */
typedef struct {
    cells_rect area;         /* the cells that hold dots */
    double xmin, xmax, ymin, ymax;
    int nyticks, nxticks;
} plot_frame;

#define PLOT_MAX_TICKS 16

/* Fill o with automatic ranges, linear axes, a legend and unit "step". */
void plot_options_default(plot_options *o);

/* Draw series s[0..ns) into rect r of b. Fills *frame when it is not NULL.
 * Returns 0, or -1 when r is too small for axes (a short note is drawn). */
int plot_draw(cells_buf *b, cells_rect r, const plot_options *o, const plot_series *s, int ns,
              plot_frame *frame);

/* Compute round tick values (1, 2 or 5 times a power of ten apart) inside
 * [lo, hi], at most max_ticks of them. Returns the count and the spacing. */
int plot_nice_ticks(double lo, double hi, int max_ticks, double *ticks, double *spacing);

/* Format a tick value compactly: "0", "0.25", "150", "1e-3", "2.5e4".
 * Writes at most len bytes including the NUL. */
void plot_format_number(double v, char *out, size_t len);

/* Return the braille code point with dot (col 0-1, row 0-3) added to cp. A cp
 * of 0 or ' ' starts from an empty pattern. */
unsigned plot_braille_add(unsigned cp, int col, int row);

#endif
