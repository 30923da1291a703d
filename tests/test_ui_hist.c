/*
 * test_ui_hist.c - the histogram panel: bar heights against the counts, the
 * predicted line, the -log p view and the ASCII glyphs.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "cells.h"
#include "hist.h"
#include "style.h"

static int row_contains(const cells_buf *b, int y, const char *needle)
{
    char line[4096];
    assert_true(cells_row_text(b, y, line, sizeof line) >= 0);
    return strstr(line, needle) != NULL;
}

/* Cells of column x that carry the bar style. */
static int bar_cells(const cells_buf *b, int x)
{
    int n = 0;
    for (int y = 0; y < b->height; y++)
        if (cells_style_at(b, x, y) == STYLE_SERIES0 && cells_get(b, x, y) != ' ')
            n++;
    return n;
}

static void make_histogram(gs_histogram *h)
{
    memset(h, 0, sizeof *h);
    strcpy(h->name, "overlap");
    h->nbins = 4;
    h->lo = -1;
    h->hi = 1;
    h->count[0] = 10;
    h->count[1] = 40;
    h->count[2] = 40;
    h->count[3] = 10;
    for (int i = 0; i < 4; i++)
        h->theory[i] = 0.25f;
    h->theory_valid = 1;
}

static void hist_column_value_averages(void **state)
{
    const float v[4] = {1, 3, 5, 7};
    /* Two columns: each averages two bins. */
    assert_true(fabs(hist_column_value(v, 4, 0, 2) - 2.0) < 1e-12);
    assert_true(fabs(hist_column_value(v, 4, 1, 2) - 6.0) < 1e-12);
    /* Eight columns: each shows the bin under it. */
    assert_true(fabs(hist_column_value(v, 4, 0, 8) - 1.0) < 1e-12);
    assert_true(fabs(hist_column_value(v, 4, 7, 8) - 7.0) < 1e-12);
}

/* Bins with 40 of 100 samples fill the full height (the tallest), bins with
 * 10 a quarter of it. */
static void hist_bars_follow_counts(void **state)
{
    cells_buf b;
    gs_histogram h;
    hist_options o = {0};
    make_histogram(&h);
    h.theory_valid = 0; /* the prediction line would cover one bar cell */
    assert_int_equal(cells_init(&b, 4 + 40, 3 + 16, 0), 0);
    assert_int_equal(hist_draw(&b, (cells_rect){0, 0, b.width, b.height}, &h, &o), 0);
    /* The label "0.4" and the axis take 4 columns, then 40 of data: 10 columns per bin. */
    assert_int_equal(bar_cells(&b, 4 + 15), 16);
    assert_int_equal(bar_cells(&b, 4 + 25), 16);
    assert_int_equal(bar_cells(&b, 4 + 5), 4);
    assert_int_equal(cells_get(&b, 4 + 15, 1), 0x2588);
    assert_true(row_contains(&b, 0, "overlap (100)"));
    assert_false(row_contains(&b, 0, "predicted"));
    cells_free(&b);
}

/* Prediction 0.25 per bin on a scale topped at 0.4: the theory line sits in
 * the cell row that contains height 0.25 / 0.4 of 16 rows, i.e. the 10th
 * row from the bottom. */
static void hist_theory_line_height(void **state)
{
    cells_buf b;
    gs_histogram h;
    hist_options o = {0};
    make_histogram(&h);
    assert_int_equal(cells_init(&b, 44, 19, 0), 0);
    assert_int_equal(hist_draw(&b, (cells_rect){0, 0, 44, 19}, &h, &o), 0);
    int bottom = 1 + 16 - 1;
    assert_int_equal(cells_get(&b, 4 + 5, bottom - 9), 0x2500);
    assert_int_equal(cells_style_at(&b, 4 + 5, bottom - 9), STYLE_THEORY);

    o.theory_stale = 1;
    cells_clear(&b, 0);
    assert_int_equal(hist_draw(&b, (cells_rect){0, 0, 44, 19}, &h, &o), 0);
    assert_int_equal(cells_style_at(&b, 4 + 5, bottom - 9), STYLE_THEORY_STALE);
    assert_true(row_contains(&b, 0, "predicted (stale)"));
    cells_free(&b);
}

static void hist_neg_log_view(void **state)
{
    cells_buf b;
    gs_histogram h;
    hist_options o = {.neg_log = 1};
    make_histogram(&h);
    assert_int_equal(cells_init(&b, 60, 14, 0), 0);
    assert_int_equal(hist_draw(&b, (cells_rect){0, 0, 60, 14}, &h, &o), 0);
    assert_true(row_contains(&b, 0, "-log p network"));
    assert_true(row_contains(&b, 0, "-log p predicted"));
    int braille = 0;
    for (int y = 0; y < b.height; y++)
        for (int x = 0; x < b.width; x++)
            braille += cells_get(&b, x, y) >= 0x2800 && cells_get(&b, x, y) <= 0x28ff;
    assert_true(braille > 5);
    cells_free(&b);
}

static void hist_ascii_only_ascii(void **state)
{
    cells_buf b;
    gs_histogram h;
    hist_options o = {0};
    make_histogram(&h);
    assert_int_equal(cells_init(&b, 44, 19, 1), 0);
    assert_int_equal(hist_draw(&b, (cells_rect){0, 0, 44, 19}, &h, &o), 0);
    for (int y = 0; y < b.height; y++)
        for (int x = 0; x < b.width; x++)
            assert_true(cells_get(&b, x, y) < 0x7f);
    assert_int_equal(cells_get(&b, 4 + 15, 1), '#');
    cells_free(&b);
}

static void hist_empty_shows_note(void **state)
{
    cells_buf b;
    gs_histogram h;
    hist_options o = {0};
    memset(&h, 0, sizeof h);
    assert_int_equal(cells_init(&b, 40, 10, 0), 0);
    assert_int_equal(hist_draw(&b, (cells_rect){0, 0, 40, 10}, &h, &o), -1);
    assert_true(row_contains(&b, 0, "no histogram"));
    h.nbins = 3;
    h.hi = 1;
    cells_clear(&b, 0);
    assert_int_equal(hist_draw(&b, (cells_rect){0, 0, 40, 10}, &h, &o), -1);
    assert_true(row_contains(&b, 0, "empty histogram"));
    cells_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hist_column_value_averages),
        cmocka_unit_test(hist_bars_follow_counts),
        cmocka_unit_test(hist_theory_line_height),
        cmocka_unit_test(hist_neg_log_view),
        cmocka_unit_test(hist_ascii_only_ascii),
        cmocka_unit_test(hist_empty_shows_note),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
