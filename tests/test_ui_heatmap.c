/*
 * test_ui_heatmap.c - the matrix view: range and levels, shading of a known
 * matrix, block averaging of a large one, the scale row and ASCII shades.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "cells.h"
#include "heatmap.h"
#include "style.h"

static int row_contains(const cells_buf *b, int y, const char *needle)
{
    char line[4096];
    assert_true(cells_row_text(b, y, line, sizeof line) >= 0);
    return strstr(line, needle) != NULL;
}

static void heatmap_range_symmetric_for_signs(void **state)
{
    gs_matrix m = {.rows = 1, .cols = 3, .v = {-0.2f, 0.1f, 0.5f}};
    double lo, hi;
    heatmap_range(&m, &lo, &hi);
    assert_true(fabs(lo + 0.5) < 1e-7);
    assert_true(fabs(hi - 0.5) < 1e-7);

    gs_matrix p = {.rows = 1, .cols = 2, .v = {1.0f, 3.0f}};
    heatmap_range(&p, &lo, &hi);
    assert_true(fabs(lo - 1.0) < 1e-7);
    assert_true(fabs(hi - 3.0) < 1e-7);
}

static void heatmap_level_clamps(void **state)
{
    assert_int_equal(heatmap_level(0.0, 0, 1, 5), 0);
    assert_int_equal(heatmap_level(0.5, 0, 1, 5), 2);
    assert_int_equal(heatmap_level(1.0, 0, 1, 5), 4);
    assert_int_equal(heatmap_level(7.0, 0, 1, 5), 4);
    assert_int_equal(heatmap_level(-7.0, 0, 1, 5), 0);
    assert_int_equal(heatmap_level(NAN, 0, 1, 5), 0);
}

/* A 2 x 2 identity in a 20 x 11 rect: each entry takes 5 rows and 10
 * columns. The diagonal is full blocks and the rest blank. */
static void heatmap_identity_shades(void **state)
{
    cells_buf b;
    gs_matrix m = {.rows = 2, .cols = 2, .v = {1, 0, 0, 1}};
    assert_int_equal(cells_init(&b, 20, 11, 0), 0);
    assert_int_equal(heatmap_draw(&b, (cells_rect){0, 0, 20, 11}, &m), 0);
    assert_int_equal(cells_get(&b, 0, 0), 0x2588);
    assert_int_equal(cells_get(&b, 9, 4), 0x2588);
    assert_int_equal(cells_get(&b, 10, 0), ' ');
    assert_int_equal(cells_get(&b, 19, 9), 0x2588);
    assert_int_equal(cells_style_at(&b, 0, 0), STYLE_HEAT4);
    assert_int_equal(cells_style_at(&b, 10, 0), STYLE_HEAT0);
    assert_true(row_contains(&b, 10, "0 ["));
    assert_true(row_contains(&b, 10, "] 1"));
    assert_true(row_contains(&b, 10, "2x2"));
    cells_free(&b);
}

/* 64 x 64 with a bright left half into 40 x 8 cells: neither axis fits, so
 * blocks average into a grid of the full 40 columns, bright in columns 0-19
 * and dark in 20-39. */
static void heatmap_large_matrix_averaged(void **state)
{
    cells_buf b;
    static gs_matrix m;
    m.rows = m.cols = 64;
    for (int i = 0; i < 64; i++)
        for (int j = 0; j < 64; j++)
            m.v[i * 64 + j] = j < 32 ? 1.0f : 0.0f;
    assert_int_equal(cells_init(&b, 40, 9, 0), 0);
    assert_int_equal(heatmap_draw(&b, (cells_rect){0, 0, 40, 9}, &m), 0);
    assert_int_equal(cells_get(&b, 0, 0), 0x2588);
    assert_int_equal(cells_get(&b, 0, 7), 0x2588);
    assert_int_equal(cells_get(&b, 19, 3), 0x2588);
    assert_int_equal(cells_get(&b, 20, 3), ' ');
    assert_int_equal(cells_get(&b, 39, 7), ' ');
    assert_int_equal(cells_style_at(&b, 39, 7), STYLE_HEAT0);
    assert_int_equal(cells_get(&b, 0, 8), '0');
    cells_free(&b);
}

/* A 2 x 256 matrix in 40 x 7: the rows stretch to three cells each although
 * the columns must be averaged. */
static void heatmap_wide_matrix_stretches_rows(void **state)
{
    cells_buf b;
    static gs_matrix m;
    m.rows = 2;
    m.cols = 256;
    for (int j = 0; j < 256; j++) {
        m.v[j] = 1.0f;
        m.v[256 + j] = 0.0f;
    }
    assert_int_equal(cells_init(&b, 40, 7, 0), 0);
    assert_int_equal(heatmap_draw(&b, (cells_rect){0, 0, 40, 7}, &m), 0);
    for (int y = 0; y < 3; y++)
        assert_int_equal(cells_get(&b, 5, y), 0x2588);
    for (int y = 3; y < 6; y++)
        assert_int_equal(cells_get(&b, 5, y), ' ');
    assert_int_equal(cells_get(&b, 39, 0), 0x2588);
    cells_free(&b);
}

static void heatmap_ascii_ramp(void **state)
{
    cells_buf b;
    gs_matrix m = {.rows = 1, .cols = 10};
    for (int j = 0; j < 10; j++)
        m.v[j] = (float)j;
    assert_int_equal(cells_init(&b, 40, 4, 1), 0);
    assert_int_equal(heatmap_draw(&b, (cells_rect){0, 0, 40, 4}, &m), 0);
    char line[64];
    assert_true(cells_row_text(&b, 0, line, sizeof line) >= 0);
    /* k = min(3 / 1, 40 / 20) = 2: each entry is 4 columns wide. */
    assert_int_equal(line[0], ' ');
    assert_int_equal(line[4], '.');
    assert_int_equal(line[36], '@');
    for (int y = 0; y < b.height; y++)
        for (int x = 0; x < b.width; x++)
            assert_true(cells_get(&b, x, y) < 0x7f);
    cells_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(heatmap_range_symmetric_for_signs),
        cmocka_unit_test(heatmap_level_clamps),
        cmocka_unit_test(heatmap_identity_shades),
        cmocka_unit_test(heatmap_large_matrix_averaged),
        cmocka_unit_test(heatmap_wide_matrix_stretches_rows),
        cmocka_unit_test(heatmap_ascii_ramp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
