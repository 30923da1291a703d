/*
 * hist.h - the histogram panel: an empirical distribution with the predicted
 * one laid over it.
 *
 * Two views of one gs_histogram. Bars: the fraction of samples per bin as
 * vertical bars (block elements, '#' in ASCII), the predicted fraction per
 * bin as a line in the theory style. Negative log: -log p (p the density,
 * fraction per unit of x) of both as line plots, which shows the tails and
 * makes a Gaussian a parabola. Called by the UI thread; draws into a cell
 * buffer and allocates nothing that outlives the call.
 */
#ifndef UI_HIST_H
#define UI_HIST_H

#include "cells.h"
#include "frame.h"

typedef struct {
    int neg_log;        /* 1: plot -log p instead of bars */
    int theory_stale;   /* 1: the prediction belongs to older parameters */
} hist_options;

/* Draw h into rect r of b. Returns 0, or -1 when r is too small or h has no
 * bins (a short note is drawn instead). */
int hist_draw(cells_buf *b, cells_rect r, const gs_histogram *h, const hist_options *o);

/* Average of v over the bins that screen column col of ncols covers (or the
 * bin under it when there are fewer bins than columns). */
double hist_column_value(const float *v, int nbins, int col, int ncols);

#endif
