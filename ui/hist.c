/*
 * hist.c - histogram panel with the predicted distribution. See hist.h.
 */
#include "hist.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot.h"
#include "style.h"

double hist_column_value(const float *v, int nbins, int col, int ncols)
{
    int b0 = (int)((long long)col * nbins / ncols);
    int b1 = (int)((long long)(col + 1) * nbins / ncols);
    double sum = 0;

    if (b1 <= b0)
        return v[b0 < nbins ? b0 : nbins - 1];
    for (int i = b0; i < b1; i++)
        sum += v[i];
    return sum / (b1 - b0);
}

/* The -log p view: both distributions as densities on the bin centres. */
static int hist_draw_neg_log(cells_buf *b, cells_rect r, const gs_histogram *h, const hist_options *o,
                             double total)
{
    double x[GS_MAX_BINS], y[GS_MAX_BINS], ty[GS_MAX_BINS];
    double width = (h->hi - h->lo) / h->nbins;
    plot_options po;
    plot_series s[2];

    for (int i = 0; i < h->nbins; i++) {
        x[i] = h->lo + (i + 0.5) * width;
        y[i] = h->count[i] > 0 ? -log(h->count[i] / total / width) : NAN;
        ty[i] = h->theory_valid && h->theory[i] > 0 ? -log(h->theory[i] / width) : NAN;
    }
    memset(s, 0, sizeof s);
    s[0] = (plot_series){.label = "-log p network", .x = x, .y = y, .n = h->nbins,
                         .style = STYLE_SERIES0, .in_legend = 1};
    s[1] = (plot_series){.label = "-log p predicted", .x = x, .y = ty, .n = h->nbins,
                         .style = o->theory_stale ? STYLE_THEORY_STALE : STYLE_THEORY,
                         .dashed = 1, .stale = o->theory_stale, .in_legend = 1};
    plot_options_default(&po);
    po.xunit = "";
    return plot_draw(b, r, &po, s, h->theory_valid ? 2 : 1, NULL);
}

/* Glyph of a bar cell filled to eighths (1-8) of its height. */
static unsigned bar_glyph(int eighths, int ascii)
{
    if (ascii)
        return eighths >= 8 ? '#' : (eighths >= 4 ? '=' : '_');
    return 0x2580u + (unsigned)eighths; /* U+2581 lower one eighth .. U+2588 full block */
}

int hist_draw(cells_buf *b, cells_rect r, const gs_histogram *h, const hist_options *o)
{
    double total = 0;

    if (h->nbins <= 0 || h->nbins > GS_MAX_BINS || !(h->hi > h->lo) || !isfinite(h->hi - h->lo)) {
        cells_text(b, r.x, r.y, "(no histogram yet)", STYLE_DIM, r.w);
        return -1;
    }
    for (int i = 0; i < h->nbins; i++)
        if (isfinite(h->count[i]) && h->count[i] > 0)
            total += h->count[i];
    if (!(total > 0) || !isfinite(total)) {
        cells_text(b, r.x, r.y, "(empty histogram)", STYLE_DIM, r.w);
        return -1;
    }
    if (o->neg_log)
        return hist_draw_neg_log(b, r, h, o, total);

    /* Heights are fractions of the samples per bin, averaged over the bins
     * that share a column, so bars and prediction use one scale. The top of
     * the scale is the largest bin, which does not depend on the width. */
    float frac[GS_MAX_BINS];
    double top = 0;
    for (int i = 0; i < h->nbins; i++) {
        frac[i] = isfinite(h->count[i]) && h->count[i] > 0 ? (float)(h->count[i] / total) : 0.0f;
        top = fmax(top, frac[i]);
        if (h->theory_valid && isfinite(h->theory[i]))
            top = fmax(top, h->theory[i]);
    }
    if (top <= 0)
        top = 1;
    char top_text[32];
    plot_format_number(top, top_text, sizeof top_text);

    /* Layout: legend row, bars, x axis, x labels; y labels on the left. */
    int label_w = (int)strlen(top_text);
    cells_rect area = {r.x + label_w + 1, r.y + 1, r.w - label_w - 1, r.h - 3};
    if (area.w < 4 || area.h < 2) {
        cells_text(b, r.x, r.y, "(too small; Enter zooms)", STYLE_DIM, r.w);
        return -1;
    }

    int theory_style = o->theory_stale ? STYLE_THEORY_STALE : STYLE_THEORY;
    for (int c = 0; c < area.w; c++) {
        int eighths = (int)lround(hist_column_value(frac, h->nbins, c, area.w) / top * area.h * 8);
        for (int row = 0; row < area.h && eighths > 0; row++, eighths -= 8) {
            unsigned glyph = bar_glyph(eighths > 8 ? 8 : eighths, b->ascii);
            cells_put(b, area.x + c, area.y + area.h - 1 - row, glyph, STYLE_SERIES0);
        }
        if (h->theory_valid) {
            double p = hist_column_value(h->theory, h->nbins, c, area.w);
            if (!isfinite(p) || p < 0)
                continue;
            int row = (int)floor(fmin(p / top, 1.0) * area.h - 1e-9);
            if (row < 0)
                row = 0;
            cells_put(b, area.x + c, area.y + area.h - 1 - row, b->ascii ? '-' : 0x2500, theory_style);
        }
    }

    /* Axes and labels. */
    char text[32];
    for (int y = area.y; y < area.y + area.h; y++)
        cells_put(b, area.x - 1, y, b->ascii ? '|' : 0x2502, STYLE_AXIS);
    cells_text(b, r.x, area.y, top_text, STYLE_LABEL, label_w);
    cells_text(b, area.x - 2, area.y + area.h - 1, "0", STYLE_LABEL, 1);
    int axis_y = area.y + area.h;
    cells_put(b, area.x - 1, axis_y, b->ascii ? '+' : 0x2514, STYLE_AXIS);
    for (int x = area.x; x < area.x + area.w; x++)
        cells_put(b, x, axis_y, b->ascii ? '-' : 0x2500, STYLE_AXIS);
    plot_format_number(h->lo, text, sizeof text);
    cells_text(b, area.x, axis_y + 1, text, STYLE_LABEL, -1);
    plot_format_number((h->lo + h->hi) / 2, text, sizeof text);
    cells_text(b, area.x + area.w / 2 - (int)strlen(text) / 2, axis_y + 1, text, STYLE_LABEL, -1);
    plot_format_number(h->hi, text, sizeof text);
    cells_text(b, area.x + area.w - (int)strlen(text), axis_y + 1, text, STYLE_LABEL, -1);

    /* Legend. */
    int col = area.x;
    col += cells_text(b, col, r.y, b->ascii ? "#" : "\u2588", STYLE_SERIES0, -1);
    col += cells_printf(b, col, r.y, STYLE_LABEL, area.x + area.w - col, " %s (%.0f)  ", h->name, total);
    if (h->theory_valid) {
        col += cells_text(b, col, r.y, b->ascii ? "-" : "\u2500", theory_style, -1);
        cells_text(b, col, r.y, o->theory_stale ? " predicted (stale)" : " predicted",
                   o->theory_stale ? STYLE_THEORY_STALE : STYLE_LABEL, area.x + area.w - col);
    }
    return 0;
}
