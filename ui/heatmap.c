/*
 * heatmap.c - shaded matrix view. See heatmap.h.
 */
#include "heatmap.h"

#include <math.h>
#include <string.h>

#include "plot.h"
#include "style.h"

static const char ascii_ramp[] = " .:-=+*#%@";
static const unsigned utf8_ramp[] = {' ', 0x2591, 0x2592, 0x2593, 0x2588};

void heatmap_range(const gs_matrix *m, double *lo, double *hi)
{
    double mn = INFINITY, mx = -INFINITY;
    long long n = (long long)m->rows * m->cols;

    if (m->rows <= 0 || m->cols <= 0 || n > GS_MAX_MATRIX)
        n = 0;

    for (long long i = 0; i < n; i++)
        if (isfinite(m->v[i])) {
            mn = fmin(mn, m->v[i]);
            mx = fmax(mx, m->v[i]);
        }
    if (!isfinite(mn)) {
        mn = 0;
        mx = 1;
    }
    if (mn < 0 && mx > 0) {
        double a = fmax(-mn, mx);
        mn = -a;
        mx = a;
    }
    if (mx <= mn)
        mx = mn + 1;
    *lo = mn;
    *hi = mx;
}

int heatmap_level(double v, double lo, double hi, int nlevels)
{
    if (!isfinite(v))
        return 0;
    int level = (int)floor((v - lo) / (hi - lo) * nlevels);
    if (level < 0)
        level = 0;
    if (level >= nlevels)
        level = nlevels - 1;
    return level;
}

/* Mean of the entries of the block [r0, r1) x [c0, c1). */
static double block_mean(const gs_matrix *m, int r0, int r1, int c0, int c1)
{
    double sum = 0;
    int n = 0;
    for (int i = r0; i < r1; i++)
        for (int j = c0; j < c1; j++)
            if (isfinite(m->v[i * m->cols + j])) {
                sum += m->v[i * m->cols + j];
                n++;
            }
    return n ? sum / n : NAN;
}

/* Screen index k of n covers source entries [*s0, *s1) of count. */
static void block_span(int k, int n, int count, int *s0, int *s1)
{
    *s0 = (int)((long long)k * count / n);
    *s1 = (int)((long long)(k + 1) * count / n);
    if (*s1 <= *s0)
        *s1 = *s0 + 1;
}

int heatmap_draw(cells_buf *b, cells_rect r, const gs_matrix *m)
{
    int nlevels = b->ascii ? (int)strlen(ascii_ramp) : (int)(sizeof utf8_ramp / sizeof utf8_ramp[0]);
    double lo, hi;

    if (m->rows <= 0 || m->cols <= 0 || (long long)m->rows * m->cols > GS_MAX_MATRIX) {
        cells_text(b, r.x, r.y, "(no matrix yet)", STYLE_DIM, r.w);
        return -1;
    }
    if (r.w < 12 || r.h < 3) {
        cells_text(b, r.x, r.y, "(too small; Enter zooms)", STYLE_DIM, r.w);
        return -1;
    }
    heatmap_range(m, &lo, &hi);

    /* Where the matrix fits, each entry gets k rows and 2k columns of cells,
     * because a terminal cell is about twice as tall as wide. Otherwise the
     * axes scale separately and a cell may average a block of entries. */
    int avail_w = r.w, avail_h = r.h - 1;
    int k_rows = avail_h / m->rows, k_cols = avail_w / (2 * m->cols);
    int k = k_rows < k_cols ? k_rows : k_cols;
    int grid_w, grid_h;
    if (k >= 1) {
        grid_h = m->rows * k;
        grid_w = 2 * m->cols * k;
    } else {
        /* Each axis on its own: whole cells per entry where that axis fits,
         * else averaged blocks across the whole extent. */
        grid_h = m->rows <= avail_h ? m->rows * (avail_h / m->rows) : avail_h;
        grid_w = 2 * m->cols <= avail_w ? 2 * m->cols * (avail_w / (2 * m->cols)) : avail_w;
    }

    for (int y = 0; y < grid_h; y++) {
        int r0, r1;
        block_span(y, grid_h, m->rows, &r0, &r1);
        for (int x = 0; x < grid_w; x++) {
            int c0, c1;
            block_span(x, grid_w, m->cols, &c0, &c1);
            double v = block_mean(m, r0, r1, c0, c1);
            int level = heatmap_level(v, lo, hi, nlevels);
            unsigned glyph = b->ascii ? (unsigned char)ascii_ramp[level] : utf8_ramp[level];
            int style = STYLE_HEAT0 + level * STYLE_NHEAT / nlevels;
            cells_put(b, r.x + x, r.y + y, glyph, style);
        }
    }

    /* Scale: "lo [ramp] hi  rows x cols". */
    char text[32];
    int col = r.x, row = r.y + r.h - 1;
    plot_format_number(lo, text, sizeof text);
    col += cells_text(b, col, row, text, STYLE_LABEL, -1);
    col += cells_text(b, col, row, " [", STYLE_AXIS, -1);
    for (int level = 0; level < nlevels; level++) {
        unsigned glyph = b->ascii ? (unsigned char)ascii_ramp[level] : utf8_ramp[level];
        cells_put(b, col++, row, glyph, STYLE_HEAT0 + level * STYLE_NHEAT / nlevels);
    }
    col += cells_text(b, col, row, "] ", STYLE_AXIS, -1);
    plot_format_number(hi, text, sizeof text);
    col += cells_text(b, col, row, text, STYLE_LABEL, -1);
    cells_printf(b, col, row, STYLE_DIM, r.x + r.w - col, "  %dx%d", m->rows, m->cols);
    return 0;
}
