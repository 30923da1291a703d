/*
 * plot.c - braille line plots with axes and legend. See plot.h.
 *
 * Drawing goes in three passes. First the ranges are chosen (data, window,
 * log scale). Then dots are set in a scratch grid of the data area, one byte
 * of braille bits per cell plus the style of the last series drawn there.
 * Last, the grid, the axes, the ticks and the legend go into the cell buffer.
 */
#include "frame.h"
#include "plot.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "style.h"

/* Bit of dot (col, row) in a braille pattern, as Unicode numbers the dots:
 * 1 4 / 2 5 / 3 6 / 7 8 from top left, column by column. */
static const uint8_t braille_bit[4][2] = {{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};

/* Dots per dash and per gap along a theory curve: two cells on, two off on a
 * flat line. */
#define DASH_DOTS 4

unsigned plot_braille_add(unsigned cp, int col, int row)
{
    unsigned bits = (cp >= 0x2800 && cp <= 0x28ff) ? cp - 0x2800 : 0;
    return 0x2800 + (bits | braille_bit[row & 3][col & 1]);
}

void plot_options_default(plot_options *o)
{
    memset(o, 0, sizeof *o);
    o->xmin = o->xmax = o->ymin = o->ymax = NAN;
    o->xunit = "step";
    o->legend = 1;
}

/* ---- numbers and ticks ---------------------------------------------------- */

/* Remove trailing zeros of a decimal fraction: "2.500" -> "2.5", "3.0" -> "3". */
static void trim_zeros(char *s)
{
    char *dot = strchr(s, '.');
    if (!dot)
        return;
    char *end = s + strlen(s) - 1;
    while (end > dot && *end == '0')
        *end-- = '\0';
    if (end == dot)
        *end = '\0';
}

void plot_format_number(double v, char *out, size_t len)
{
    double a = fabs(v);

    if (!isfinite(v)) {
        snprintf(out, len, "%s", isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf"));
        return;
    }
    if (a < 1e-12) {
        snprintf(out, len, "0");
        return;
    }
    if (a >= 1e4 || a < 1e-2) {
        int exponent = (int)floor(log10(a));
        double mantissa = v / pow(10.0, exponent);
        /* Rounding can carry the mantissa to 10: 9.999e3 prints as 1e4. */
        if (fabs(mantissa) >= 9.995) {
            mantissa /= 10;
            exponent++;
        }
        if (!isfinite(mantissa)) {
            /* Subnormal numbers: 10^exponent underflows to zero. */
            snprintf(out, len, "%.2g", v);
            return;
        }
        char m[32];
        snprintf(m, sizeof m, "%.2f", mantissa);
        trim_zeros(m);
        snprintf(out, len, "%se%d", m, exponent);
        return;
    }
    char s[32];
    snprintf(s, sizeof s, "%.4g", v);
    snprintf(out, len, "%s", s);
}

static double nice_spacing(double span, int max_ticks)
{
    double raw = span / (max_ticks > 1 ? max_ticks - 1 : 1);
    double magnitude = pow(10.0, floor(log10(raw)));
    double f = raw / magnitude;
    double nice = 10;
    if (f <= 1)
        nice = 1;
    else if (f <= 2)
        nice = 2;
    else if (f <= 5)
        nice = 5;
    return nice * magnitude;
}

int plot_nice_ticks(double lo, double hi, int max_ticks, double *ticks, double *spacing)
{
    if (!(hi > lo) || max_ticks < 2) {
        *spacing = 0;
        return 0;
    }
    if (max_ticks > PLOT_MAX_TICKS)
        max_ticks = PLOT_MAX_TICKS;

    double step = nice_spacing(hi - lo, max_ticks);
    double first = ceil(lo / step - 1e-9) * step;
    int n = 0;
    /* The spacing may give one tick more than requested; widen it then. */
    while (first + (max_ticks)*step <= hi + step * 1e-9) {
        step = nice_spacing(step * max_ticks * 1.01, max_ticks);
        first = ceil(lo / step - 1e-9) * step;
    }
    for (double v = first; v <= hi + step * 1e-9 && n < max_ticks; v = first + n * step) {
        ticks[n++] = fabs(v) < step * 1e-9 ? 0.0 : v;
    }
    *spacing = step;
    return n;
}

/* ---- ranges --------------------------------------------------------------- */

typedef struct {
    int xlog, ylog;
    double x0, x1, y0, y1;   /* range in the transformed (log10 or plain) space */
    int dots_w, dots_h;
} plot_scale;

static int usable(double v, int log_scale)
{
    return isfinite(v) && (!log_scale || v > 0);
}

static double to_axis(double v, int log_scale)
{
    return log_scale ? log10(v) : v;
}

static void data_range(const plot_options *o, const plot_series *s, int ns, plot_scale *sc)
{
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;

    for (int k = 0; k < ns; k++)
        for (int i = 0; i < s[k].n; i++)
            if (usable(s[k].x[i], o->xlog)) {
                xlo = fmin(xlo, s[k].x[i]);
                xhi = fmax(xhi, s[k].x[i]);
            }
    if (isfinite(o->xmin))
        xlo = o->xmin;
    if (isfinite(o->xmax))
        xhi = o->xmax;

    for (int k = 0; k < ns; k++)
        for (int i = 0; i < s[k].n; i++) {
            if (!usable(s[k].x[i], o->xlog) || s[k].x[i] < xlo || s[k].x[i] > xhi)
                continue;
            double lo = s[k].lo ? s[k].lo[i] : s[k].y[i];
            double hi = s[k].hi ? s[k].hi[i] : s[k].y[i];
            if (usable(lo, o->ylog))
                ylo = fmin(ylo, lo);
            if (usable(hi, o->ylog))
                yhi = fmax(yhi, hi);
            if (usable(s[k].y[i], o->ylog)) {
                ylo = fmin(ylo, s[k].y[i]);
                yhi = fmax(yhi, s[k].y[i]);
            }
        }
    if (!isfinite(xlo) || !isfinite(xhi)) {
        xlo = o->xlog ? 1 : 0;
        xhi = o->xlog ? 10 : 1;
    }
    if (!isfinite(ylo) || !isfinite(yhi)) {
        ylo = o->ylog ? 0.1 : 0;
        yhi = 1;
    }
    if (o->y_from_zero && !o->ylog) {
        ylo = fmin(ylo, 0);
        yhi = fmax(yhi, 0);
    }
    if (isfinite(o->ymin))
        ylo = o->ymin;
    if (isfinite(o->ymax))
        yhi = o->ymax;

    sc->x0 = to_axis(xlo, o->xlog);
    sc->x1 = to_axis(xhi, o->xlog);
    sc->y0 = to_axis(ylo, o->ylog);
    sc->y1 = to_axis(yhi, o->ylog);
    if (sc->x1 <= sc->x0) {
        double pad = o->xlog ? 0.5 : fmax(fabs(sc->x0) * 0.05, 0.5);
        sc->x0 -= pad;
        sc->x1 += pad;
    }
    if (sc->y1 <= sc->y0) {
        double pad = o->ylog ? 0.5 : fmax(fabs(sc->y0) * 0.1, 1e-12);
        sc->y0 -= pad;
        sc->y1 += pad;
    }
}

static const double steps125[3] = {1, 2, 5};

/* Largest value of the form 1, 2 or 5 times 10^k that is <= v (v > 0). */
static double step125_below(double v)
{
    double decade = pow(10.0, floor(log10(v) + 1e-12));
    double best = decade;
    for (int i = 0; i < 3; i++)
        if (steps125[i] * decade <= v * (1 + 1e-12))
            best = steps125[i] * decade;
    return best;
}

/* Smallest value of the form 1, 2 or 5 times 10^k that is >= v (v > 0). */
static double step125_above(double v)
{
    double decade = pow(10.0, floor(log10(v) + 1e-12));
    for (int i = 0; i < 3; i++)
        if (steps125[i] * decade >= v * (1 - 1e-12))
            return steps125[i] * decade;
    return 10 * decade;
}

/* Widen an automatic y range to round numbers: whole decades on a log axis
 * spanning at least one decade, else multiples of the tick spacing. */
static void round_y_range(const plot_options *o, plot_scale *sc, int max_ticks)
{
    if (isfinite(o->ymin) && isfinite(o->ymax))
        return;
    if (o->ylog) {
        if (sc->y1 - sc->y0 >= 1) {
            if (!isfinite(o->ymin))
                sc->y0 = floor(sc->y0 + 1e-9);
            if (!isfinite(o->ymax))
                sc->y1 = ceil(sc->y1 - 1e-9);
            return;
        }
        /* Under a decade: widen to the enclosing values of 1, 2, 5 x 10^k,
         * which the ticks then use. */
        if (!isfinite(o->ymin))
            sc->y0 = log10(step125_below(pow(10.0, sc->y0)));
        if (!isfinite(o->ymax))
            sc->y1 = log10(step125_above(pow(10.0, sc->y1)));
        return;
    }
    double ticks[PLOT_MAX_TICKS], spacing;
    if (plot_nice_ticks(sc->y0, sc->y1, max_ticks, ticks, &spacing) > 0 && spacing > 0) {
        if (!isfinite(o->ymin))
            sc->y0 = floor(sc->y0 / spacing + 1e-9) * spacing;
        if (!isfinite(o->ymax))
            sc->y1 = ceil(sc->y1 / spacing - 1e-9) * spacing;
    }
}

/* Tick positions in real units for an axis spanning [a0, a1] in axis space. */
static int axis_ticks(double a0, double a1, int log_scale, int max_ticks, double *ticks)
{
    double spacing;

    if (!log_scale)
        return plot_nice_ticks(a0, a1, max_ticks, ticks, &spacing);

    /* Whole decades when two or more fall inside; thin them to max_ticks. */
    int d0 = (int)ceil(a0 - 1e-9), d1 = (int)floor(a1 + 1e-9);
    if (d1 - d0 + 1 >= 2) {
        /* Round the stride up, so both end decades show when it divides. */
        int gaps = max_ticks > 1 ? max_ticks - 1 : 1;
        int every = (d1 - d0 + gaps - 1) / gaps;
        if (every < 1)
            every = 1;
        int n = 0;
        for (int d = d0; d <= d1 && n < max_ticks; d += every)
            ticks[n++] = pow(10.0, d);
        return n;
    }
    /* Under two decades: the values 1, 2, 5 x 10^k inside, if they fit. */
    int n = 0;
    for (int d = (int)floor(a0) - 1; d <= (int)ceil(a1) && n <= max_ticks; d++)
        for (int i = 0; i < 3; i++) {
            double v = steps125[i] * pow(10.0, d);
            double a = log10(v);
            if (a >= a0 - 1e-9 && a <= a1 + 1e-9 && n < PLOT_MAX_TICKS)
                ticks[n++] = v;
        }
    if (n >= 2 && n <= max_ticks)
        return n;
    n = plot_nice_ticks(pow(10.0, a0), pow(10.0, a1), max_ticks, ticks, &spacing);
    int kept = 0;
    for (int i = 0; i < n; i++)
        if (ticks[i] > 0)
            ticks[kept++] = ticks[i];
    return kept;
}

/* ---- dots ----------------------------------------------------------------- */

typedef struct {
    int w, h;            /* cells */
    uint8_t *bits;       /* braille bits per cell */
    uint8_t *style;      /* style of the last series per cell */
    uint8_t *dashed;     /* 1 if that series was dashed (ASCII glyph choice) */
    int dash_count;      /* dots along the current dashed series */
} dot_grid;

static void dot_set(dot_grid *g, int dx, int dy, int style, int dashed)
{
    if (dx < 0 || dy < 0 || dx >= g->w * 2 || dy >= g->h * 4)
        return;
    if (dashed) {
        int on = (g->dash_count / DASH_DOTS) % 2 == 0;
        g->dash_count++;
        if (!on)
            return;
    }
    size_t c = (size_t)(dy / 4) * (size_t)g->w + (size_t)(dx / 2);
    g->bits[c] |= braille_bit[dy % 4][dx % 2];
    g->style[c] = (uint8_t)style;
    g->dashed[c] = (uint8_t)dashed;
}

/* Draw a straight run of dots from (x0, y0) to (x1, y1), the end included and
 * the start only when with_start is 1, so that joined segments do not count
 * their shared dot twice in the dash pattern. */
static void dot_line(dot_grid *g, int x0, int y0, int x1, int y1, int style, int dashed,
                     int with_start)
{
    int dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
    int dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
    int e = dx + dy;

    for (int first = 1;; first = 0) {
        if (!first || with_start)
            dot_set(g, x0, y0, style, dashed);
        if (x0 == x1 && y0 == y1)
            break;
        int e2 = 2 * e;
        if (e2 >= dy) {
            e += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            e += dx;
            y0 += sy;
        }
    }
}

/* Dot coordinate of a value, clamped just outside the grid so that a line to
 * a far point stays short to draw. */
static int dot_x(const plot_scale *sc, double v)
{
    double f = (to_axis(v, sc->xlog) - sc->x0) / (sc->x1 - sc->x0) * (sc->dots_w - 1);
    return (int)lround(fmax(-1.0, fmin((double)sc->dots_w, f)));
}

static int dot_y(const plot_scale *sc, double v)
{
    double f = (sc->y1 - to_axis(v, sc->ylog)) / (sc->y1 - sc->y0) * (sc->dots_h - 1);
    return (int)lround(fmax(-1.0, fmin((double)sc->dots_h, f)));
}

static void draw_series(dot_grid *g, const plot_scale *sc, const plot_series *s, double xlo, double xhi)
{
    int have_prev = 0, px = 0, py = 0;

    g->dash_count = 0;
    for (int i = 0; i < s->n; i++) {
        double x = s->x[i], y = s->y[i];
        if (!usable(x, sc->xlog) || !usable(y, sc->ylog) || x < xlo || x > xhi) {
            have_prev = 0;
            continue;
        }
        int cx = dot_x(sc, x), cy = dot_y(sc, y);
        if (have_prev)
            dot_line(g, px, py, cx, cy, s->style, s->dashed, 0);
        else
            dot_set(g, cx, cy, s->style, s->dashed);
        if (s->lo && s->hi && s->lo[i] < s->hi[i] && usable(s->lo[i], sc->ylog)
            && usable(s->hi[i], sc->ylog))
            dot_line(g, cx, dot_y(sc, s->lo[i]), cx, dot_y(sc, s->hi[i]), s->style, 0, 1);
        px = cx;
        py = cy;
        have_prev = 1;
    }
}

/* ASCII glyph for the dots of one cell: by the rows they occupy. */
static uint32_t ascii_glyph(uint8_t bits, int dashed)
{
    int rows = 0;
    for (int r = 0; r < 4; r++)
        if (bits & (braille_bit[r][0] | braille_bit[r][1]))
            rows |= 1 << r;
    if (dashed)
        return '*';
    if ((rows & 0x3) && (rows & 0xc))
        return ':';
    if (rows == 0x1)
        return '\'';
    if (rows & 0x8)
        return '.';
    return '-';
}

/* ---- axes and legend ------------------------------------------------------ */

static int label_width(const double *ticks, int n)
{
    int w = 1;
    for (int i = 0; i < n; i++) {
        char s[32];
        plot_format_number(ticks[i], s, sizeof s);
        int len = (int)strlen(s);
        if (len > w)
            w = len;
    }
    return w;
}

static void draw_legend(cells_buf *b, int x, int y, int w, const plot_series *s, int ns)
{
    /* When the entries do not all fit, theory entries and short entries keep their
     * width and the long ones share the rest equally with shortened labels, so the
     * theory entries after a long label stay visible. */
    int natural[GS_MAX_SERIES], allowed[GS_MAX_SERIES], fixed[GS_MAX_SERIES];
    int open = 0, avail = w + 2; /* the last entry needs no gap after it */
    for (int k = 0; k < ns && k < GS_MAX_SERIES; k++) {
        natural[k] = 5 + (int)strlen(s[k].label ? s[k].label : "") + (s[k].stale ? 8 : 0);
        allowed[k] = natural[k];
        fixed[k] = !s[k].in_legend;
        open += s[k].in_legend;
    }
    /* Theory entries come first, because they are short and mark which line is the prediction. */
    for (int k = 0; k < ns && k < GS_MAX_SERIES; k++)
        if (!fixed[k] && s[k].dashed && natural[k] <= avail / 2) {
            fixed[k] = 1;
            avail -= natural[k];
            open--;
        }
    for (int changed = 1; changed && open > 0;) {
        changed = 0;
        int share = avail / open;
        for (int k = 0; k < ns && k < GS_MAX_SERIES; k++)
            if (!fixed[k] && natural[k] <= share) {
                fixed[k] = 1;
                avail -= natural[k];
                open--;
                changed = 1;
            }
    }
    for (int k = 0; k < ns && k < GS_MAX_SERIES; k++)
        if (!fixed[k])
            allowed[k] = open > 0 ? avail / open : natural[k];

    int col = x;
    for (int k = 0; k < ns && k < GS_MAX_SERIES && col < x + w; k++) {
        if (!s[k].in_legend)
            continue;
        const char *sample = s[k].dashed ? "\u254c\u254c" : "\u2500\u2500";
        if (b->ascii)
            sample = s[k].dashed ? "**" : "--";
        char text[160];
        const char *suffix = s[k].stale ? " (stale)" : "";
        snprintf(text, sizeof text, "%s", s[k].label ? s[k].label : "");
        int limit = allowed[k] - 5 - (int)strlen(suffix);
        if (limit < 3)
            limit = 3;
        if ((int)strlen(text) > limit) {
            int cut = limit - 1;
            while (cut > 0 && ((unsigned char)text[cut] & 0xc0) == 0x80)
                cut--; /* never split a UTF-8 sequence */
            snprintf(text + cut, sizeof text - (size_t)cut, "%s", b->ascii ? "." : "\u2026");
        }
        size_t used = strlen(text);
        snprintf(text + used, sizeof text - used, "%s", suffix);
        int room = x + w - col;
        if (room < 4)
            break;
        col += cells_text(b, col, y, sample, s[k].style, room);
        col += cells_text(b, col, y, " ", STYLE_LABEL, x + w - col);
        col += cells_text(b, col, y, text, s[k].stale ? STYLE_THEORY_STALE : STYLE_LABEL, x + w - col);
        col += 2;
    }
}

int plot_draw(cells_buf *b, cells_rect r, const plot_options *o, const plot_series *s, int ns,
              plot_frame *frame)
{
    int legend_rows = o->legend && r.h >= 6 ? 1 : 0;
    int ah = r.h - legend_rows - 2;
    plot_scale sc = {.xlog = o->xlog, .ylog = o->ylog};
    double yticks[PLOT_MAX_TICKS], xticks[PLOT_MAX_TICKS];

    if (frame)
        memset(frame, 0, sizeof *frame);
    if (ah < 2 || r.w < 12) {
        cells_text(b, r.x, r.y, "(too small; Enter zooms)", STYLE_DIM, r.w);
        return -1;
    }

    int max_yticks = ah / 2 + 1 < 6 ? ah / 2 + 1 : 6;
    data_range(o, s, ns, &sc);
    round_y_range(o, &sc, max_yticks);
    int nyt = axis_ticks(sc.y0, sc.y1, o->ylog, max_yticks, yticks);
    int lw = label_width(yticks, nyt);
    cells_rect area = {r.x + lw + 1, r.y + legend_rows, r.w - lw - 1, ah};
    if (area.w < 4) {
        cells_text(b, r.x, r.y, "(too small; Enter zooms)", STYLE_DIM, r.w);
        return -1;
    }
    sc.dots_w = area.w * 2;
    sc.dots_h = area.h * 4;

    /* Dots. */
    dot_grid g = {area.w, area.h, NULL, NULL, NULL, 0};
    size_t ncell = (size_t)area.w * (size_t)area.h;
    g.bits = calloc(ncell, 3);
    if (!g.bits) {
        cells_text(b, r.x, r.y, "(out of memory)", STYLE_ERROR, r.w);
        return -1;
    }
    g.style = g.bits + ncell;
    g.dashed = g.style + ncell;
    double xlo = o->xlog ? pow(10.0, sc.x0) : sc.x0, xhi = o->xlog ? pow(10.0, sc.x1) : sc.x1;
    for (int k = 0; k < ns; k++)
        draw_series(&g, &sc, &s[k], xlo * (1 - 1e-12) - 1e-300, xhi * (1 + 1e-12) + 1e-300);
    for (int cy = 0; cy < area.h; cy++)
        for (int cx = 0; cx < area.w; cx++) {
            size_t c = (size_t)cy * (size_t)area.w + (size_t)cx;
            if (!g.bits[c])
                continue;
            uint32_t glyph = b->ascii ? ascii_glyph(g.bits[c], g.dashed[c]) : 0x2800u + g.bits[c];
            cells_put(b, area.x + cx, area.y + cy, glyph, g.style[c]);
        }
    free(g.bits);

    /* Y axis with tick labels right-aligned against it. */
    int axis_x = area.x - 1;
    int last_row = -1;
    for (int y = area.y; y < area.y + area.h; y++)
        cells_put(b, axis_x, y, b->ascii ? '|' : 0x2502, STYLE_AXIS);
    for (int i = 0; i < nyt; i++) {
        int row = area.y + dot_y(&sc, yticks[i]) / 4;
        if (row == last_row || row < area.y || row >= area.y + area.h)
            continue;
        char text[32];
        plot_format_number(yticks[i], text, sizeof text);
        cells_text(b, axis_x - (int)strlen(text), row, text, STYLE_LABEL, -1);
        cells_put(b, axis_x, row, b->ascii ? '+' : 0x2524, STYLE_AXIS);
        last_row = row;
    }

    /* X axis: the line, ticks, event markers, then labels that do not overlap. */
    int axis_y = area.y + area.h, label_y = axis_y + 1;
    cells_put(b, axis_x, axis_y, b->ascii ? '+' : 0x2514, STYLE_AXIS);
    for (int x = area.x; x < area.x + area.w; x++)
        cells_put(b, x, axis_y, b->ascii ? '-' : 0x2500, STYLE_AXIS);
    int max_xticks = area.w / 9 + 1;
    if (max_xticks < 2)
        max_xticks = 2;
    int nxt = axis_ticks(sc.x0, sc.x1, o->xlog, max_xticks, xticks);
    const char *unit = o->xunit ? o->xunit : "";
    int unit_x = r.x + r.w - (int)strlen(unit);
    int free_from = r.x;
    for (int i = 0; i < nxt; i++) {
        int col = area.x + dot_x(&sc, xticks[i]) / 2;
        if (col < area.x || col >= area.x + area.w)
            continue;
        cells_put(b, col, axis_y, b->ascii ? '+' : 0x252c, STYLE_AXIS);
        char text[32];
        plot_format_number(xticks[i], text, sizeof text);
        int len = (int)strlen(text);
        int start = col - len / 2;
        if (start < free_from || start + len > unit_x - 1)
            continue;
        cells_text(b, start, label_y, text, STYLE_LABEL, len);
        free_from = start + len + 1;
    }
    if (*unit && unit_x >= free_from)
        cells_text(b, unit_x, label_y, unit, STYLE_DIM, -1);
    for (int i = 0; i < o->nevents; i++) {
        double e = o->events[i];
        if (!usable(e, o->xlog) || to_axis(e, o->xlog) < sc.x0 || to_axis(e, o->xlog) > sc.x1)
            continue;
        cells_put(b, area.x + dot_x(&sc, e) / 2, axis_y, b->ascii ? '^' : 0x25b2, STYLE_MARKER);
    }

    if (legend_rows)
        draw_legend(b, area.x, r.y, r.x + r.w - area.x, s, ns);

    if (frame) {
        frame->area = area;
        frame->xmin = xlo;
        frame->xmax = xhi;
        frame->ymin = o->ylog ? pow(10.0, sc.y0) : sc.y0;
        frame->ymax = o->ylog ? pow(10.0, sc.y1) : sc.y1;
        frame->nyticks = nyt;
        frame->nxticks = nxt;
    }
    return 0;
}
