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
                    if (keys_table[i].key[k] == keys_table[j].key[m]) {
                        print_error("key %d bound in entries %d and %d\n", keys_table[i].key[k], i, j);
                        fail();
                    }
                }
}

static void keys_lookup_cases(void **state)
{
    assert_int_equal(keys_action_for('q'), ACTION_QUIT);
    assert_int_equal(keys_action_for(' '), ACTION_PAUSE);
    assert_int_equal(keys_action_for('?'), ACTION_HELP);
    assert_int_equal(keys_action_for(KEYS_TAB), ACTION_FOCUS_NEXT);
    assert_int_equal(keys_action_for('4'), ACTION_FOCUS_N);
    assert_int_equal(keys_action_for(KEYS_ENTER), ACTION_ZOOM);
    assert_int_equal(keys_action_for('z'), ACTION_ZOOM);
    assert_int_equal(keys_action_for('j'), ACTION_PARAM_NEXT);
    assert_int_equal(keys_action_for(KEYS_RIGHT), ACTION_PARAM_UP);
    assert_int_equal(keys_action_for('-'), ACTION_PARAM_DOWN);
    assert_int_equal(keys_action_for(':'), ACTION_COMMAND);
    assert_int_equal(keys_action_for('l'), ACTION_LOG_Y);
    assert_int_equal(keys_action_for('L'), ACTION_LOG_X);
    assert_int_equal(keys_action_for('w'), ACTION_WINDOW);
    assert_int_equal(keys_action_for('s'), ACTION_SMOOTH);
    assert_int_equal(keys_action_for(KEYS_ESC), ACTION_CLOSE);
    assert_int_equal(keys_action_for('['), ACTION_NONE);
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

/* Every binding's help text appears in the help when the rect is tall enough. */
static void keys_help_lists_every_binding(void **state)
{
    cells_buf b;
    int lines = keys_help_lines(NULL);
    assert_int_equal(cells_init(&b, 100, lines, 0), 0);
    keys_draw_help(&b, (cells_rect){0, 0, 100, lines}, NULL, 0);
    for (int i = 0; keys_table[i].action != ACTION_NONE; i++) {
        char line[1024], expected[64];
        snprintf(expected, sizeof expected, "%.40s", keys_table[i].help);
        assert_true(cells_row_text(&b, 1 + i, line, sizeof line) >= 0);
        if (!strstr(line, expected)) {
            print_error("help row %d is \"%s\", expected \"%s\"\n", 1 + i, line, expected);
            fail();
        }
    }
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
