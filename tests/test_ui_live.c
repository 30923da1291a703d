/*
 * test_ui_live.c - the live screen source: optional members start absent,
 * whatever the memory held before, so the screen never calls a stale pointer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "live.h"

static void live_source_optional_members_absent(void **state)
{
    live_source live;
    ui_source src;
    memset(&src, 0xab, sizeof src);
    live_source_init(&live, &src, NULL, 7, "run.gsr");
    assert_null(src.playback);
    assert_non_null(src.poll);
    assert_non_null(src.record);
    assert_non_null(src.recording);
    assert_string_equal(src.kind, "live");
    assert_string_equal(live.first_path, "run.gsr");
    assert_null(live.recorder);
}

static void trainer_source_optional_members_absent(void **state)
{
    ui_source src;
    memset(&src, 0xab, sizeof src);
    source_from_trainer(&src, NULL);
    assert_null(src.playback);
    assert_null(src.record);
    assert_null(src.recording);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(live_source_optional_members_absent),
        cmocka_unit_test(trainer_source_optional_members_absent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
