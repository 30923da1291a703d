/*
 * test_ui_cells.c - the cell buffer: UTF-8 in and out, clipping, boxes in
 * both glyph sets, and the ASCII guard.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cells.h"

static void cells_utf8_round_trip(void **state)
{
    const uint32_t points[] = {'A', 0xe9, 0x2502, 0x28ff, 0x1f600};
    const int lengths[] = {1, 2, 3, 3, 4};
    for (int i = 0; i < 5; i++) {
        char enc[5];
        uint32_t back = 0;
        assert_int_equal(cells_utf8_encode(points[i], enc), lengths[i]);
        assert_int_equal(cells_utf8_decode(enc, &back), lengths[i]);
        assert_int_equal(back, points[i]);
    }
    uint32_t cp;
    assert_int_equal(cells_utf8_decode("\xff", &cp), 1);
    assert_int_equal(cp, '?');
    assert_int_equal(cells_utf8_decode("\xe2\x94", &cp), 1); /* cut short */
    assert_int_equal(cp, '?');
}

static void cells_text_clips_to_width(void **state)
{
    cells_buf b;
    char row[64];
    assert_int_equal(cells_init(&b, 8, 2, 0), 0);
    assert_int_equal(cells_text(&b, 5, 0, "abcdef", 3, -1), 3);
    assert_int_equal(cells_text(&b, 0, 1, "\u2502x\u2502", 0, 2), 2);
    assert_true(cells_row_text(&b, 0, row, sizeof row) >= 0);
    assert_string_equal(row, "     abc");
    assert_int_equal(cells_style_at(&b, 6, 0), 3);
    assert_int_equal(cells_get(&b, 0, 1), 0x2502);
    assert_int_equal(cells_get(&b, 1, 1), 'x');
    assert_int_equal(cells_get(&b, 2, 1), ' ');
    /* Outside the buffer nothing is written and reads return 0. */
    cells_put(&b, -1, 0, 'z', 0);
    cells_put(&b, 8, 0, 'z', 0);
    assert_int_equal(cells_get(&b, 8, 0), 0);
    assert_int_equal(cells_style_at(&b, 0, 5), -1);
    cells_free(&b);
}

static void cells_box_glyphs(void **state)
{
    cells_buf b;
    char row[128];
    assert_int_equal(cells_init(&b, 12, 3, 0), 0);
    cells_box(&b, (cells_rect){0, 0, 12, 3}, "plot", 1, 2);
    assert_true(cells_row_text(&b, 0, row, sizeof row) >= 0);
    assert_string_equal(row, "\u250c plot \u2500\u2500\u2500\u2500\u2510");
    assert_int_equal(cells_get(&b, 0, 1), 0x2502);
    assert_int_equal(cells_get(&b, 11, 2), 0x2518);
    assert_int_equal(cells_style_at(&b, 2, 0), 2);
    cells_free(&b);

    assert_int_equal(cells_init(&b, 12, 3, 1), 0);
    cells_box(&b, (cells_rect){0, 0, 12, 3}, "plot", 1, 2);
    assert_true(cells_row_text(&b, 0, row, sizeof row) >= 0);
    assert_string_equal(row, "+ plot ----+");
    assert_true(cells_row_text(&b, 1, row, sizeof row) >= 0);
    assert_string_equal(row, "|          |");
    cells_free(&b);
}

/* A text cut to fit ends in an ellipsis; one that fits is written whole. */
static void cells_text_fit_marks_the_cut(void **state)
{
    cells_buf b;
    char row[128];
    assert_int_equal(cells_init(&b, 12, 3, 0), 0);
    assert_int_equal(cells_text_fit(&b, 0, 0, "abcdef", 0, 4), 4);
    assert_int_equal(cells_text_fit(&b, 0, 1, "abcd", 0, 4), 4);
    cells_box(&b, (cells_rect){0, 2, 12, 1}, NULL, 0, 0);
    assert_true(cells_row_text(&b, 0, row, sizeof row) >= 0);
    assert_string_equal(row, "abc\u2026        ");
    assert_true(cells_row_text(&b, 1, row, sizeof row) >= 0);
    assert_string_equal(row, "abcd        ");
    cells_free(&b);

    /* A box title too long for its box ends in "." in ASCII mode, before " -+". */
    assert_int_equal(cells_init(&b, 12, 3, 1), 0);
    cells_box(&b, (cells_rect){0, 0, 12, 3}, "a long title", 1, 2);
    assert_true(cells_row_text(&b, 0, row, sizeof row) >= 0);
    assert_string_equal(row, "+ a long. -+");
    cells_free(&b);
}

/* In ASCII mode text is reduced to ASCII on the way in, and any stray code
 * point is shown as '?' on the way out. */
static void cells_ascii_guard(void **state)
{
    cells_buf b;
    char row[32];
    assert_int_equal(cells_init(&b, 6, 1, 1), 0);
    cells_text(&b, 0, 0, "a\u2502b", 0, -1);
    cells_put(&b, 4, 0, 0x2800, 0);
    assert_true(cells_row_text(&b, 0, row, sizeof row) >= 0);
    assert_string_equal(row, "a?b ? ");
    cells_free(&b);
}

static void cells_resize_clears(void **state)
{
    cells_buf b;
    assert_int_equal(cells_init(&b, 4, 4, 0), 0);
    cells_put(&b, 1, 1, 'x', 5);
    assert_int_equal(cells_resize(&b, 10, 2), 0);
    assert_int_equal(b.width, 10);
    assert_int_equal(b.height, 2);
    assert_int_equal(cells_get(&b, 1, 1), ' ');
    assert_int_equal(cells_resize(&b, -1, 2), -1);
    cells_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cells_utf8_round_trip),
        cmocka_unit_test(cells_text_clips_to_width),
        cmocka_unit_test(cells_box_glyphs),
        cmocka_unit_test(cells_text_fit_marks_the_cut),
        cmocka_unit_test(cells_ascii_guard),
        cmocka_unit_test(cells_resize_clears),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
