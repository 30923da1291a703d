/*
 * test_ui_synth.c - the synthetic record source that the screen tests use:
 * it must behave like the trainer toward the screen (echo, rejection,
 * pause, drops), or the screen tests prove nothing.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "synth.h"

static synth *make(int metric_every, int hist_every)
{
    synth *s = NULL;
    char err[128];
    synth_options o = {.seed = 3, .metric_every = metric_every, .hist_every = hist_every};
    assert_int_equal(synth_create(&s, &o, err, sizeof err), 0);
    return s;
}

static void synth_emits_declared_frames(void **state)
{
    synth *s = make(10, 2);
    ui_source src;
    gs_frame f;
    int scalars = 0, hists = 0, matrices = 0;

    synth_source(s, &src);
    const gs_preset *p = src.preset(src.self);
    assert_string_equal(p->name, "synthetic");
    assert_int_equal(src.nseries(src.self), p->nseries);
    synth_advance(s, 100);
    while (src.poll(src.self, &f)) {
        if (f.kind == GS_REC_SCALARS) {
            scalars++;
            assert_int_equal(f.step % 10, 0);
            assert_int_equal(f.u.scalars.nseries, p->nseries);
            assert_true(fabs(f.t - f.step * 5e-4) < 1e-12);
        }
        hists += f.kind == GS_REC_HISTOGRAM;
        matrices += f.kind == GS_REC_MATRIX;
    }
    assert_int_equal(scalars, 10);
    assert_int_equal(hists, 5);
    assert_int_equal(matrices, 5);
    synth_free(s);
}

static void synth_set_echoes_and_rejects(void **state)
{
    synth *s = make(10, 100);
    ui_source src;
    gs_frame f;
    gs_params params;
    gs_command set = {.kind = GS_CMD_SET, .value = 4e-3};

    synth_source(s, &src);
    strcpy(set.name, "T");
    assert_int_equal(src.command(src.self, &set), 0);
    assert_int_equal(src.poll(src.self, &f), 1);
    assert_int_equal(f.kind, GS_REC_EVENT);
    assert_int_equal(f.u.event.kind, GS_EVENT_SET);
    assert_string_equal(f.u.event.name, "T");
    assert_true(fabs(f.u.event.old_value - 1e-3) < 1e-15);
    assert_true(fabs(f.u.event.new_value - 4e-3) < 1e-15);
    src.params(src.self, &params);
    assert_true(fabs(gs_params_get(&params, "T", 0) - 4e-3) < 1e-15);

    set.value = 7;
    src.command(src.self, &set);
    assert_int_equal(src.poll(src.self, &f), 1);
    assert_int_equal(f.u.event.kind, GS_EVENT_REFUSED);
    assert_non_null(strstr(f.u.event.text, "outside [1e-06, 1]"));
    src.params(src.self, &params);
    assert_true(fabs(gs_params_get(&params, "T", 0) - 4e-3) < 1e-15);

    /* Theory turns stale after a change, then current. */
    gs_trainer_status st;
    src.status(src.self, &st);
    assert_int_equal(st.theory_state, GS_THEORY_COMPUTING);
    synth_advance(s, 500);
    src.status(src.self, &st);
    assert_int_equal(st.theory_state, GS_THEORY_CURRENT);
    synth_free(s);
}

static void synth_pause_stops_steps(void **state)
{
    synth *s = make(10, 100);
    ui_source src;
    gs_trainer_status st;
    gs_command pause = {.kind = GS_CMD_TOGGLE_PAUSE};

    synth_source(s, &src);
    src.command(src.self, &pause);
    synth_advance(s, 100);
    src.status(src.self, &st);
    assert_int_equal(st.paused, 1);
    assert_int_equal(st.step, 0);
    src.command(src.self, &pause);
    synth_advance(s, 100);
    src.status(src.self, &st);
    assert_int_equal(st.paused, 0);
    assert_int_equal(st.step, 100);
    synth_free(s);
}

static void synth_counts_dropped_records(void **state)
{
    synth *s = make(1, 1000000);
    synth_advance(s, 5000);
    assert_true(synth_pending(s) > 0);
    assert_int_equal(synth_dropped(s), 5000 - synth_pending(s));
    synth_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(synth_emits_declared_frames),
        cmocka_unit_test(synth_set_echoes_and_rejects),
        cmocka_unit_test(synth_pause_stops_steps),
        cmocka_unit_test(synth_counts_dropped_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
