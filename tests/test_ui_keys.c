/*
 * test_ui_keys.c - the key table: no key bound twice, lookups, tunable keys,
 * key names, and a help text that lists every binding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cells.h"
#include "keys.h"

static void keys_table_has_no_duplicates(void **state)
{
    for (int i = 0; keys_table[i].action != ACTION_NONE; i++)
        for (int k = 0; k < KEYS_PER_BINDING && keys_table[i].key[k]; k++)
            for (int j = 0; keys_table[j].action != ACTION_NONE; j++)
                for (int m = 0; m < KEYS_PER_BINDING && keys_table[j].key[m]; m++) {
                    if (i == j && k == m)
                        continue;
                    /* A replay binding may take a key from a binding of every mode. */
                    if (keys_table[i].mode != keys_table[j].mode
                        && (keys_table[i].mode == KEYS_MODE_ANY || keys_table[j].mode == KEYS_MODE_ANY))
                        continue;
                    if (keys_table[i].key[k] == keys_table[j].key[m]) {
                        print_error("key %d bound in entries %d and %d\n", keys_table[i].key[k], i, j);
                        fail();
                    }
                }
}

static void keys_lookup_cases(void **state)
{
    assert_int_equal(keys_action_for('q', KEYS_MODE_LIVE), ACTION_QUIT);
    assert_int_equal(keys_action_for(' ', KEYS_MODE_LIVE), ACTION_PAUSE);
    assert_int_equal(keys_action_for('?', KEYS_MODE_LIVE), ACTION_HELP);
    assert_int_equal(keys_action_for(KEYS_TAB, KEYS_MODE_LIVE), ACTION_FOCUS_NEXT);
    assert_int_equal(keys_action_for('4', KEYS_MODE_LIVE), ACTION_FOCUS_N);
    assert_int_equal(keys_action_for(KEYS_ENTER, KEYS_MODE_LIVE), ACTION_ZOOM);
    assert_int_equal(keys_action_for('z', KEYS_MODE_LIVE), ACTION_ZOOM);
    assert_int_equal(keys_action_for('j', KEYS_MODE_LIVE), ACTION_PARAM_NEXT);
    assert_int_equal(keys_action_for(KEYS_RIGHT, KEYS_MODE_LIVE), ACTION_PARAM_UP);
    assert_int_equal(keys_action_for('-', KEYS_MODE_LIVE), ACTION_PARAM_DOWN);
    assert_int_equal(keys_action_for(':', KEYS_MODE_LIVE), ACTION_COMMAND);
    assert_int_equal(keys_action_for('l', KEYS_MODE_LIVE), ACTION_LOG_Y);
    assert_int_equal(keys_action_for('L', KEYS_MODE_LIVE), ACTION_LOG_X);
    assert_int_equal(keys_action_for('w', KEYS_MODE_LIVE), ACTION_WINDOW);
    assert_int_equal(keys_action_for('s', KEYS_MODE_LIVE), ACTION_SMOOTH);
    assert_int_equal(keys_action_for(KEYS_ESC, KEYS_MODE_LIVE), ACTION_CLOSE);
    assert_int_equal(keys_action_for('[', KEYS_MODE_LIVE), ACTION_NONE);
}

static void keys_tunable_lookup(void **state)
{
    gs_preset p;
    int direction = 0;
    memset(&p, 0, sizeof p);
    p.ntunable = 2;
    strcpy(p.tunable[0].name, "T");
    p.tunable[0].key_down = '[';
    p.tunable[0].key_up = ']';
    strcpy(p.tunable[1].name, "n");
    p.tunable[1].key_down = 'n';
    p.tunable[1].key_up = 'N';
    assert_int_equal(keys_tunable_for(&p, ']', &direction), 0);
    assert_int_equal(direction, 1);
    assert_int_equal(keys_tunable_for(&p, 'n', &direction), 1);
    assert_int_equal(direction, -1);
    assert_int_equal(keys_tunable_for(&p, 'x', &direction), -1);
    assert_int_equal(keys_tunable_for(NULL, ']', &direction), -1);
}

static void keys_names(void **state)
{
    char out[16];
    keys_name(KEYS_LEFT, 1, out, sizeof out);
    assert_string_equal(out, "Left");
    keys_name(KEYS_LEFT, 0, out, sizeof out);
    assert_string_equal(out, "\u2190");
    keys_name('[', 1, out, sizeof out);
    assert_string_equal(out, "[");
    keys_name(0, 1, out, sizeof out);
    assert_string_equal(out, "-");
}

/* Every binding of a mode has its help text in that mode's help, in table
 * order, and no binding of another mode appears. */
static void check_help_of_mode(int mode)
{
    cells_buf b;
    /* Wide enough that no text wraps: one row per binding. */
    int lines = keys_help_rows(NULL, mode, 300);
    assert_int_equal(cells_init(&b, 300, lines, 0), 0);
    keys_draw_help(&b, (cells_rect){0, 0, 300, lines}, NULL, mode, 0);
    int row = 1;
    for (int i = 0; keys_table[i].action != ACTION_NONE; i++) {
        if (keys_table[i].mode != KEYS_MODE_ANY && keys_table[i].mode != mode)
            continue;
        char line[1024], expected[64];
        snprintf(expected, sizeof expected, "%.40s", keys_table[i].help);
        assert_true(cells_row_text(&b, row, line, sizeof line) >= 0);
        if (!strstr(line, expected)) {
            print_error("help row %d is \"%s\", expected \"%s\"\n", row, line, expected);
            fail();
        }
        row++;
    }
    assert_int_equal(row, lines);
    cells_free(&b);
}

static void keys_help_lists_every_binding(void **state)
{
    check_help_of_mode(KEYS_MODE_LIVE);
    check_help_of_mode(KEYS_MODE_REPLAY);
}

/* In a narrow help the long texts wrap at spaces onto more rows, so their
 * last words stay on screen, and scrolling by rows shows the rest. */
static void keys_help_wraps_long_texts(void **state)
{
    enum { WIDTH = 50 };
    int wide = keys_help_rows(NULL, KEYS_MODE_LIVE, 300);
    int lines = keys_help_rows(NULL, KEYS_MODE_LIVE, WIDTH);
    assert_true(lines > wide);

    cells_buf b;
    assert_int_equal(cells_init(&b, WIDTH, lines, 0), 0);
    keys_draw_help(&b, (cells_rect){0, 0, WIDTH, lines}, NULL, KEYS_MODE_LIVE, 0);
    int found = 0, cut_word = 0;
    for (int y = 0; y < lines; y++) {
        char line[1024];
        assert_true(cells_row_text(&b, y, line, sizeof line) >= 0);
        found |= strstr(line, "see hysteresis") != NULL;
        cut_word |= strstr(line, "hysteres ") != NULL;
    }
    assert_true(found);
    assert_false(cut_word);

    /* From row 3 on, the first row drawn is the old fourth. */
    cells_buf scrolled;
    assert_int_equal(cells_init(&scrolled, WIDTH, lines - 3, 0), 0);
    keys_draw_help(&scrolled, (cells_rect){0, 0, WIDTH, lines - 3}, NULL, KEYS_MODE_LIVE, 3);
    char want[1024], got[1024];
    assert_true(cells_row_text(&b, 3, want, sizeof want) >= 0);
    assert_true(cells_row_text(&scrolled, 0, got, sizeof got) >= 0);
    assert_string_equal(got, want);
    cells_free(&scrolled);
    cells_free(&b);
}

/* In a replay the replay keys win; on a live screen they keep their
 * ordinary meaning or none. */
static void keys_replay_mode_lookup(void **state)
{
    assert_int_equal(keys_action_for('>', KEYS_MODE_REPLAY), ACTION_REPLAY_FASTER);
    assert_int_equal(keys_action_for('<', KEYS_MODE_REPLAY), ACTION_REPLAY_SLOWER);
    assert_int_equal(keys_action_for('g', KEYS_MODE_REPLAY), ACTION_REPLAY_GOTO);
    assert_int_equal(keys_action_for('n', KEYS_MODE_REPLAY), ACTION_REPLAY_NEXT_EVENT);
    assert_int_equal(keys_action_for('N', KEYS_MODE_REPLAY), ACTION_REPLAY_PREV_EVENT);
    assert_int_equal(keys_action_for(KEYS_LEFT, KEYS_MODE_REPLAY), ACTION_REPLAY_BACK);
    assert_int_equal(keys_action_for(KEYS_RIGHT, KEYS_MODE_REPLAY), ACTION_REPLAY_FORWARD);
    assert_int_equal(keys_action_for('-', KEYS_MODE_REPLAY), ACTION_PARAM_DOWN);
    assert_int_equal(keys_action_for(' ', KEYS_MODE_REPLAY), ACTION_PAUSE);
    assert_int_equal(keys_action_for('>', KEYS_MODE_LIVE), ACTION_NONE);
    assert_int_equal(keys_action_for('n', KEYS_MODE_LIVE), ACTION_NONE);
    assert_int_equal(keys_action_for(KEYS_LEFT, KEYS_MODE_LIVE), ACTION_PARAM_DOWN);
}

/* The replay help names Left only on the replay binding: the parameter
 * binding keeps just '-'. */
static void keys_replay_help_drops_taken_keys(void **state)
{
    cells_buf b;
    int lines = keys_help_rows(NULL, KEYS_MODE_REPLAY, 100);
    assert_int_equal(cells_init(&b, 100, lines, 1), 0);
    keys_draw_help(&b, (cells_rect){0, 0, 100, lines}, NULL, KEYS_MODE_REPLAY, 0);
    int found = 0;
    for (int y = 0; y < lines; y++) {
        char line[1024];
        assert_true(cells_row_text(&b, y, line, sizeof line) >= 0);
        if (strstr(line, "lower the selected parameter")) {
            found = 1;
            assert_null(strstr(line, "Left"));
        }
    }
    assert_true(found);
    cells_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys_table_has_no_duplicates),
        cmocka_unit_test(keys_lookup_cases),
        cmocka_unit_test(keys_tunable_lookup),
        cmocka_unit_test(keys_names),
        cmocka_unit_test(keys_help_lists_every_binding),
        cmocka_unit_test(keys_help_wraps_long_texts),
        cmocka_unit_test(keys_replay_mode_lookup),
        cmocka_unit_test(keys_replay_help_drops_taken_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
