/*
 * heatmap.h - a small matrix (a kernel, a weight matrix) as a shaded grid.
 *
 * Each entry becomes one or more cells whose glyph and style encode its level
 * on the colour scale: shades ' ░▒▓█' in UTF-8, ' .:-=+*#%@' in ASCII, and
 * the heat styles of style.h for colour. A matrix with entries of both signs
 * uses a range symmetric about zero so zero stays mid-scale. A matrix larger
 * than the area is averaged in blocks. The bottom row shows the scale and its
 * range. Called by the UI thread; allocates nothing.
 */
#ifndef UI_HEATMAP_H
#define UI_HEATMAP_H

#include "cells.h"
#include "frame.h"

/* Draw m into rect r of b. Returns 0, or -1 when r is too small or m is empty
 * (a short note is drawn instead). */
int heatmap_draw(cells_buf *b, cells_rect r, const gs_matrix *m);

/* The range the scale uses for m: [min, max], or [-a, a] with a the largest
 * magnitude when m has entries of both signs. */
void heatmap_range(const gs_matrix *m, double *lo, double *hi);

/* Level 0 .. nlevels-1 of v on the scale [lo, hi] (clamped). */
int heatmap_level(double v, double lo, double hi, int nlevels);

#endif
