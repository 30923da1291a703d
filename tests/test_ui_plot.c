/*
 * test_ui_plot.c - braille line plots read back from the cell buffer: tick
 * numbers and labels, the dots of known lines, log axes, dashes, legend,
 * event markers, min/max strokes and the ASCII fallback. No terminal.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cells.h"
#include "plot.h"
#include "style.h"

static void assert_close(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol)) {
        print_error("got %.17g, expected %.17g (tolerance %g)\n", got, want, tol);
        fail();
    }
}

/* Braille bits of a cell, 0 when the cell is not a braille pattern. */
static unsigned bits_at(const cells_buf *b, int x, int y)
{
    unsigned cp = cells_get(b, x, y);
    return cp >= 0x2800 && cp <= 0x28ff ? cp - 0x2800 : 0;
}

/* Whether dot (dx, dy) of the data area is set, in area dot coordinates. */
static int dot_is_set(const cells_buf *b, const plot_frame *f, int dx, int dy)
{
    static const unsigned bit[4][2] = {{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};
    return (bits_at(b, f->area.x + dx / 2, f->area.y + dy / 4) & bit[dy % 4][dx % 2]) != 0;
}

static int row_contains(const cells_buf *b, int y, const char *needle)
{
    char line[2048];
    assert_true(cells_row_text(b, y, line, sizeof line) >= 0);
    return strstr(line, needle) != NULL;
}

static plot_series line_series(const double *x, const double *y, int n, int style)
{
    plot_series s = {0};
    s.label = "network";
    s.x = x;
    s.y = y;
    s.n = n;
    s.style = style;
    s.in_legend = 1;
    return s;
}

static void plot_format_number_cases(void **state)
{
    static const struct {
        double v;
        const char *text;
    } cases[] = {
        {0.0, "0"}, {0.25, "0.25"}, {150.0, "150"}, {1e-3, "1e-3"}, {2.5e-4, "2.5e-4"},
        {25000.0, "2.5e4"}, {-0.5, "-0.5"}, {1e6, "1e6"}, {0.01, "0.01"}, {9999.0, "9999"},
        {99999.0, "1e5"}, {-3e-5, "-3e-5"}, {1.0, "1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[32];
        plot_format_number(cases[i].v, out, sizeof out);
        if (strcmp(out, cases[i].text) != 0) {
            print_error("%.17g formatted as \"%s\", expected \"%s\"\n", cases[i].v, out, cases[i].text);
            fail();
        }
    }
}

static void plot_nice_ticks_round_values(void **state)
{
    double t[PLOT_MAX_TICKS], spacing;

    assert_int_equal(plot_nice_ticks(0, 1, 6, t, &spacing), 6);
    assert_close(spacing, 0.2, 1e-15);
    for (int i = 0; i < 6; i++)
        assert_close(t[i], 0.2 * i, 1e-12);

    assert_int_equal(plot_nice_ticks(0, 100, 5, t, &spacing), 3);
    assert_close(spacing, 50, 1e-12);
    assert_close(t[2], 100, 1e-12);

    assert_int_equal(plot_nice_ticks(-3, 7, 11, t, &spacing), 11);
    assert_close(t[0], -3, 1e-12);
    assert_close(t[3], 0, 0); /* snapped to exact zero */

    /* Never more ticks than requested, even where the spacing divides evenly. */
    int n = plot_nice_ticks(0, 10, 4, t, &spacing);
    assert_true(n <= 4);
    assert_true(n >= 2);

    assert_int_equal(plot_nice_ticks(1, 1, 5, t, &spacing), 0);
}

/* y = x on fixed ranges [0, 1] x [0, 1]: the line must start in the bottom
 * left dot, end in the top right dot, and pass within one dot of the exact
 * diagonal in every dot column. */
static void plot_diagonal_line_dots(void **state)
{
    cells_buf b;
    plot_options o;
    plot_frame f;
    const double x[2] = {0, 1}, y[2] = {0, 1};
    plot_series s = line_series(x, y, 2, STYLE_SERIES0);

    assert_int_equal(cells_init(&b, 50, 14, 0), 0);
    plot_options_default(&o);
    o.xmin = o.ymin = 0;
    o.xmax = o.ymax = 1;
    o.legend = 0;
    assert_int_equal(plot_draw(&b, (cells_rect){0, 0, 50, 14}, &o, &s, 1, &f), 0);

    int w = f.area.w * 2, h = f.area.h * 4;
    assert_int_equal(f.area.h, 12);
    assert_true(dot_is_set(&b, &f, 0, h - 1));
    assert_true(dot_is_set(&b, &f, w - 1, 0));
    for (int dx = 0; dx < w; dx++) {
        double exact = (1.0 - (double)dx / (w - 1)) * (h - 1);
        int near = 0;
        for (int dy = 0; dy < h; dy++)
            if (dot_is_set(&b, &f, dx, dy)) {
                if (fabs(dy - exact) > 1.0 + 1e-9) {
                    print_error("dot (%d, %d) is %.2f dots from the diagonal\n", dx, dy, dy - exact);
                    fail();
                }
                near = 1;
            }
        assert_true(near);
    }
    assert_int_equal(cells_style_at(&b, f.area.x, f.area.y + f.area.h - 1), STYLE_SERIES0);
    cells_free(&b);
}

/* A constant at the middle of [0, 1] sets exactly the dot row
 * round(0.5 * (4h - 1)) and nothing else. */
static void plot_constant_line_single_row(void **state)
{
    cells_buf b;
    plot_options o;
    plot_frame f;
    const double x[3] = {0, 0.5, 1}, y[3] = {0.5, 0.5, 0.5};
    plot_series s = line_series(x, y, 3, STYLE_SERIES1);

    assert_int_equal(cells_init(&b, 40, 10, 0), 0);
    plot_options_default(&o);
    o.xmin = o.ymin = 0;
    o.xmax = o.ymax = 1;
    o.legend = 0;
    assert_int_equal(plot_draw(&b, (cells_rect){0, 0, 40, 10}, &o, &s, 1, &f), 0);
    int h = f.area.h * 4, w = f.area.w * 2;
    int want = (int)lround(0.5 * (h - 1));
    for (int dy = 0; dy < h; dy++)
        for (int dx = 0; dx < w; dx++)
            assert_int_equal(dot_is_set(&b, &f, dx, dy), dy == want);
    cells_free(&b);
}

/* Fixed range [0, 1] on 12 rows: the tick labels 0 and 1 sit on the bottom
 * and top rows of the data area, right-aligned against the axis. */
static void plot_y_tick_labels_on_rows(void **state)
{
    cells_buf b;
    plot_options o;
    plot_frame f;
    const double x[2] = {0, 1}, y[2] = {0, 1};
    plot_series s = line_series(x, y, 2, STYLE_SERIES0);

    assert_int_equal(cells_init(&b, 50, 14, 0), 0);
    plot_options_default(&o);
    o.xmin = o.ymin = 0;
    o.xmax = o.ymax = 1;
    o.legend = 0;
    assert_int_equal(plot_draw(&b, (cells_rect){0, 0, 50, 14}, &o, &s, 1, &f), 0);
    int axis = f.area.x - 1;
    assert_int_equal(cells_get(&b, axis - 1, f.area.y), '1');
    assert_int_equal(cells_get(&b, axis - 1, f.area.y + f.area.h - 1), '0');
    assert_int_equal(cells_get(&b, axis, f.area.y), 0x2524);           /* tick */
    assert_int_equal(cells_get(&b, axis, f.area.y + f.area.h), 0x2514); /* corner */
    assert_true(f.nyticks >= 3);
    /* The middle tick 0.4 or 0.5 is written somewhere in the margin. */
    int found = 0;
    for (int row = f.area.y; row < f.area.y + f.area.h; row++)
        if (row_contains(&b, row, "0.4") || row_contains(&b, row, "0.5"))
            found = 1;
    assert_true(found);
    /* x labels below the axis, with the unit at the right. */
    assert_true(row_contains(&b, f.area.y + f.area.h + 1, "step"));
    assert_true(row_contains(&b, f.area.y + f.area.h + 1, "0.4"));
    cells_free(&b);
}

/* Automatic range: data in [0.13, 0.87] widens to round ticks around it. */
static void plot_auto_range_is_round(void **state)
{
    cells_buf b;
    plot_options o;
    plot_frame f;
    const double x[3] = {0, 10, 20}, y[3] = {0.13, 0.87, 0.5};
    plot_series s = line_series(x, y, 3, STYLE_SERIES0);

    assert_int_equal(cells_init(&b, 60, 16, 0), 0);
    plot_options_default(&o);
    assert_int_equal(plot_draw(&b, (cells_rect){0, 0, 60, 16}, &o, &s, 1, &f), 0);
    assert_true(f.ymin <= 0.13);
    assert_true(f.ymax >= 0.87);
    assert_close(f.xmin, 0, 1e-12);
    assert_close(f.xmax, 20, 1e-12);
    double q = f.ymin / 0.1;
    assert_close(q, round(q), 1e-9);

    o.y_from_zero = 1;
    cells_clear(&b, 0);
    assert_int_equal(plot_draw(&b, (cells_rect){0, 0, 60, 16}, &o, &s, 1, &f), 0);
    assert_close(f.ymin, 0, 0);
    cells_free(&b);
}

/* Log y over 1e-3 .. 1: decade labels, and y = 0.1 lands one third down. */
static void plot_log_y_decades(void **state)
{
    cells_buf b;
    plot_options o;
    plot_frame f;
    const double x[4] = {0, 1, 2, 3}, y[4] = {1e-3, 0.1, 0.1, 1};
    const double xc[2] = {0, 3}, yc[2] = {0.1, 0.1};
    plot_series s = line_series(xc, yc, 2, STYLE_SERIES0);
    plot_series range = line_series(x, y, 4, STYLE_SERIES1);
    plot_series both[2] = {range, s};

    assert_int_equal(cells_init(&b, 60, 15, 0), 0);
    plot_options_default(&o);
    o.ylog = 1;
    o.legend = 0;
    /* The automatic range covers both series, so it spans 1e-3 .. 1. */
    assert_int_equal(plot_draw(&b, (cells_rect){0, 0, 60, 15}, &o, both, 2, &f), 0);
    assert_close(f.ymin, 1e-3, 1e-15);
    assert_close(f.ymax, 1, 1e-12);
    int labels = 0;
    for (int row = f.area.y; row < f.area.y + f.area.h; row++) {
        labels += row_contains(&b, row, "1e-3");
        labels += row_contains(&b, row, "0.01");
        labels += row_contains(&b, row, "0.1 ") || row_contains(&b, row, "0.1\u2524");
    }
    assert_int_equal(labels, 3);

    /* Draw only the constant with the range fixed, then look for its row. */
    cells_clear(&b, 0);
    o.ymin = 1e-3;
    o.ymax = 1;
    assert_int_equal(plot_draw(&b, (cells_rect){0, 0, 60, 15}, &o, &s, 1, &f), 0);
    int h = f.area.h * 4;
    int want = (int)lround((h - 1) / 3.0);
    assert_true(dot_is_set(&b, &f, 0, want));
    assert_true(dot_is_set(&b, &f, f.area.w * 2 - 1, want));
    cells_free(&b);
}

/* Log y over less than a decade: the range widens to 0.2 .. 1 and the ticks
 * are 0.2, 0.5 and 1. */
static void plot_log_y_under_decade(void **state)
{
    cells_buf b;
    plot_options o;
    plot_frame f;
    const double x[3] = {0, 1, 2}, y[3] = {0.35, 0.9, 0.5};
    plot_series s = line_series(x, y, 3, STYLE_SERIES0);

    assert_int_equal(cells_init(&b, 60, 14, 0), 0);
    plot_options_default(&o);
    o.ylog = 1;
    o.legend = 0;
    assert_int_equal(plot_draw(&b, (cells_rect){0, 0, 60, 14}, &o, &s, 1, &f), 0);
    assert_close(f.ymin, 0.2, 1e-12);
    assert_close(f.ymax, 1.0, 1e-12);
    assert_int_equal(f.nyticks, 3);
    assert_true(row_contains(&b, f.area.y, "  1\u2524"));
    assert_true(row_contains(&b, f.area.y + f.area.h - 1, "0.2\u2524"));
    /* 0.5 sits log10(2) / log10(5) = 43% of the way down from 1. */
    int row = f.area.y + (int)lround(log10(2.0) / log10(5.0) * (f.area.h * 4 - 1)) / 4;
    assert_true(row_contains(&b, row, "0.5\u2524"));
    cells_free(&b);
}

/* Log x over 1 .. 1e4, with a point at 0 that must be left out: decade
 * ticks sit at equal distances on the axis. */
static void plot_log_x_equal_decades(void **state)
{
    cells_buf b;
    plot_options o;
    plot_frame f;
    const double x[4] = {0, 1, 100, 1e4}, y[4] = {5, 1, 2, 3};

    plot_series s = line_series(x, y, 4, STYLE_SERIES0);
    assert_int_equal(cells_init(&b, 70, 12, 0), 0);
    plot_options_default(&o);
    o.xlog = 1;
    o.legend = 0;
    assert_int_equal(plot_draw(&b, (cells_rect){0, 0, 70, 12}, &o, &s, 1, &f), 0);
    assert_close(f.xmin, 1, 1e-12);
    assert_close(f.xmax, 1e4, 1e-6);
    assert_true(f.ymax < 5); /* the point at x = 0 did not widen the y range */

    int axis_y = f.area.y + f.area.h, cols[8], n = 0;
    for (int x0 = f.area.x; x0 < f.area.x + f.area.w; x0++)
        if (cells_get(&b, x0, axis_y) == 0x252c && n < 8)
            cols[n++] = x0;
    assert_int_equal(n, 5);
    for (int i = 2; i < n; i++)
        assert_true(abs((cols[i] - cols[i - 1]) - (cols[1] - cols[0])) <= 1);
    assert_true(row_contains(&b, axis_y + 1, "1000"));
    assert_true(row_contains(&b, axis_y + 1, "100"));
    cells_free(&b);
}

/* A window from x = 50 leaves out the early spike: the y range follows the
 * points inside the window only. */
static void plot_window_excludes_old_points(void **state)
{
    cells_buf b;
    plot_options o;
    plot_frame f;
    const double x[4] = {0, 10, 50, 100}, y[4] = {1000, 1, 2, 3};
    plot_series s = line_series(x, y, 4, STYLE_SERIES0);

    assert_int_equal(cells_init(&b, 60, 14, 0), 0);
    plot_options_default(&o);
    o.xmin = 50;
    assert_int_equal(plot_draw(&b, (cells_rect){0, 0, 60, 14}, &o, &s, 1, &f), 0);
    assert_close(f.xmin, 50, 1e-9);
    assert_close(f.xmax, 100, 1e-9);
    assert_true(f.ymax <= 3.5);
    assert_true(f.ymin >= 1.5);
    cells_free(&b);
}

/* A legend too wide for its plot shortens the long label and keeps the theory
 * entry after it, with its stale mark, instead of cutting it off. */
static void plot_legend_shortens_long_labels(void **state)
{
    cells_buf b;
    plot_options o;
    plot_frame f;
    const double x[2] = {0, 1}, y[2] = {0.2, 0.8};
    plot_series s[2] = {line_series(x, y, 2, STYLE_NORMAL), line_series(x, y, 2, STYLE_THEORY_STALE)};
    s[0].label = "learned fraction of the target, time-averaged predictor over the window";
    s[1].label = "theory 1 + a";
    s[1].dashed = 1;
    s[1].stale = 1;

    assert_int_equal(cells_init(&b, 70, 10, 0), 0);
    plot_options_default(&o);
    o.xmin = o.ymin = 0;
    o.xmax = o.ymax = 1;
    assert_int_equal(plot_draw(&b, (cells_rect){0, 0, 70, 10}, &o, s, 2, &f), 0);
    assert_true(row_contains(&b, 0, "theory 1 + a (stale)"));
    assert_true(row_contains(&b, 0, "learned fraction"));
    assert_true(row_contains(&b, 0, "\u2026"));
    cells_free(&b);
}

/* A dashed theory line leaves gaps, keeps its own style and is marked stale
 * in the legend when asked. */
static void plot_theory_dashed_and_stale(void **state)
{
    cells_buf b;
    plot_options o;
    plot_frame f;
    const double x[2] = {0, 1}, y[2] = {0.5, 0.5};
    plot_series s = line_series(x, y, 2, STYLE_THEORY_STALE);
    s.dashed = 1;
    s.stale = 1;
    s.label = "theory (GP)";

    assert_int_equal(cells_init(&b, 60, 12, 0), 0);
    plot_options_default(&o);
    o.xmin = o.ymin = 0;
    o.xmax = o.ymax = 1;
    assert_int_equal(plot_draw(&b, (cells_rect){0, 0, 60, 12}, &o, &s, 1, &f), 0);
    int row = f.area.y + (int)lround(0.5 * (f.area.h * 4 - 1)) / 4;
    int on = 0, off = 0;
    for (int cx = f.area.x; cx < f.area.x + f.area.w; cx++) {
        if (bits_at(&b, cx, row)) {
            on++;
            assert_int_equal(cells_style_at(&b, cx, row), STYLE_THEORY_STALE);
        } else {
            off++;
        }
    }
    assert_true(on >= f.area.w / 3);
    assert_true(off >= f.area.w / 3);
    assert_true(row_contains(&b, 0, "theory (GP) (stale)"));
    assert_true(row_contains(&b, 0, "\u254c\u254c"));
    cells_free(&b);
}

/* A bucket that covers [0, 1] draws a full vertical stroke at its x. */
static void plot_minmax_stroke_shows_spike(void **state)
{
    cells_buf b;
    plot_options o;
    plot_frame f;
    const double x[3] = {0, 0.5, 1}, y[3] = {0, 0, 0}, lo[3] = {0, 0, 0}, hi[3] = {0, 1, 0};
    plot_series s = line_series(x, y, 3, STYLE_SERIES0);
    s.lo = lo;
    s.hi = hi;

    assert_int_equal(cells_init(&b, 40, 10, 0), 0);
    plot_options_default(&o);
    o.xmin = o.ymin = 0;
    o.xmax = o.ymax = 1;
    o.legend = 0;
    assert_int_equal(plot_draw(&b, (cells_rect){0, 0, 40, 10}, &o, &s, 1, &f), 0);
    int dx = (int)lround(0.5 * (f.area.w * 2 - 1));
    for (int dy = 0; dy < f.area.h * 4; dy++)
        assert_true(dot_is_set(&b, &f, dx, dy));
    cells_free(&b);
}

static void plot_event_marker_on_axis(void **state)
{
    cells_buf b;
    plot_options o;
    plot_frame f;
    const double x[2] = {0, 100}, y[2] = {1, 2}, events[1] = {50};
    plot_series s = line_series(x, y, 2, STYLE_SERIES0);

    assert_int_equal(cells_init(&b, 60, 12, 0), 0);
    plot_options_default(&o);
    o.events = events;
    o.nevents = 1;
    assert_int_equal(plot_draw(&b, (cells_rect){0, 0, 60, 12}, &o, &s, 1, &f), 0);
    int col = f.area.x + (int)lround(0.5 * (f.area.w * 2 - 1)) / 2;
    assert_int_equal(cells_get(&b, col, f.area.y + f.area.h), 0x25b2);
    assert_int_equal(cells_style_at(&b, col, f.area.y + f.area.h), STYLE_MARKER);
    cells_free(&b);
}

/* In ASCII mode nothing above 0x7e is written, the axes use + - |, and the
 * dots become ASCII glyphs where the braille would be. */
static void plot_ascii_fallback_only_ascii(void **state)
{
    cells_buf b;
    plot_options o;
    plot_frame f;
    const double x[3] = {0, 1, 2}, y[3] = {0, 1, 0.5}, ty[3] = {0.5, 0.5, 0.5};
    plot_series s[2] = {line_series(x, y, 3, STYLE_SERIES0), line_series(x, ty, 3, STYLE_THEORY)};
    s[1].dashed = 1;
    s[1].label = "theory";

    assert_int_equal(cells_init(&b, 60, 14, 1), 0);
    plot_options_default(&o);
    o.events = x + 1;
    o.nevents = 1;
    assert_int_equal(plot_draw(&b, (cells_rect){0, 0, 60, 14}, &o, s, 2, &f), 0);
    int glyphs = 0, stars = 0;
    for (int yy = 0; yy < b.height; yy++)
        for (int xx = 0; xx < b.width; xx++) {
            unsigned cp = cells_get(&b, xx, yy);
            assert_true(cp >= 0x20 && cp < 0x7f);
            int inside = xx >= f.area.x && xx < f.area.x + f.area.w && yy >= f.area.y
                         && yy < f.area.y + f.area.h;
            if (inside && cp != ' ') {
                assert_non_null(strchr(".:'-*", (int)cp));
                glyphs++;
                stars += cp == '*';
            }
        }
    assert_true(glyphs > 10);
    assert_true(stars > 3);
    assert_int_equal(cells_get(&b, f.area.x - 1, f.area.y + 1), '|');
    assert_int_equal(cells_get(&b, f.area.x - 1, f.area.y + f.area.h), '+');
    assert_int_equal(cells_get(&b, f.area.x + 3, f.area.y + f.area.h), '-');
    assert_true(row_contains(&b, 0, "-- network"));
    assert_true(row_contains(&b, 0, "** theory"));
    cells_free(&b);
}

static void plot_too_small_reports(void **state)
{
    cells_buf b;
    plot_options o;
    const double x[2] = {0, 1}, y[2] = {0, 1};
    plot_series s = line_series(x, y, 2, STYLE_SERIES0);

    assert_int_equal(cells_init(&b, 10, 3, 0), 0);
    plot_options_default(&o);
    assert_int_equal(plot_draw(&b, (cells_rect){0, 0, 10, 3}, &o, &s, 1, NULL), -1);
    assert_true(row_contains(&b, 0, "(too small"));
    cells_free(&b);
}

static void plot_braille_add_sets_bits(void **state)
{
    unsigned cp = plot_braille_add(' ', 0, 0);
    assert_int_equal(cp, 0x2801);
    cp = plot_braille_add(cp, 1, 3);
    assert_int_equal(cp, 0x2881);
    cp = plot_braille_add(cp, 0, 3);
    assert_int_equal(cp, 0x28c1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plot_format_number_cases),
        cmocka_unit_test(plot_nice_ticks_round_values),
        cmocka_unit_test(plot_diagonal_line_dots),
        cmocka_unit_test(plot_constant_line_single_row),
        cmocka_unit_test(plot_y_tick_labels_on_rows),
        cmocka_unit_test(plot_auto_range_is_round),
        cmocka_unit_test(plot_log_y_decades),
        cmocka_unit_test(plot_log_y_under_decade),
        cmocka_unit_test(plot_log_x_equal_decades),
        cmocka_unit_test(plot_window_excludes_old_points),
        cmocka_unit_test(plot_theory_dashed_and_stale),
        cmocka_unit_test(plot_legend_shortens_long_labels),
        cmocka_unit_test(plot_minmax_stroke_shows_spike),
        cmocka_unit_test(plot_event_marker_on_axis),
        cmocka_unit_test(plot_ascii_fallback_only_ascii),
        cmocka_unit_test(plot_too_small_reports),
        cmocka_unit_test(plot_braille_add_sets_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
