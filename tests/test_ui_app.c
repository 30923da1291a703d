/*
 * test_ui_app.c - the whole screen without a terminal: the app fed by the
 * synthetic source, driven by keys, read back from the rendered cells.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app.h"
#include "cells.h"
#include "keys.h"
#include "log.h"
#include "style.h"
#include "synth.h"

typedef struct {
    synth *synth;
    ui_source src;
    app *app;
    cells_buf screen;
} fixture;

static int fixture_setup(void **state)
{
    static fixture f;
    char err[256];
    synth_options so = {.seed = 7, .metric_every = 10, .hist_every = 5};
    app_options ao;

    memset(&f, 0, sizeof f);
    if (synth_create(&f.synth, &so, err, sizeof err) != 0)
        return -1;
    synth_source(f.synth, &f.src);
    app_options_default(&ao);
    ao.history_recent = 256;
    ao.history_old = 64;
    if (app_create(&f.app, &f.src, &ao, err, sizeof err) != 0)
        return -1;
    if (cells_init(&f.screen, 120, 40, 0) != 0)
        return -1;
    synth_advance(f.synth, 2000);
    app_drain(f.app, 1 << 20);
    app_refresh(f.app);
    *state = &f;
    return 0;
}

static int fixture_teardown(void **state)
{
    fixture *f = *state;
    app_free(f->app);
    synth_free(f->synth);
    cells_free(&f->screen);
    return 0;
}

/* Let the synthetic trainer apply queued commands, then redraw. */
static void settle(fixture *f)
{
    synth_advance(f->synth, 10);
    app_drain(f->app, 1 << 20);
    app_refresh(f->app);
    app_render(f->app, &f->screen);
}

static int screen_contains(const cells_buf *b, const char *needle)
{
    char line[8192];
    for (int y = 0; y < b->height; y++) {
        assert_true(cells_row_text(b, y, line, sizeof line) >= 0);
        if (strstr(line, needle))
            return 1;
    }
    return 0;
}

static int row_contains(const cells_buf *b, int y, const char *needle)
{
    char line[8192];
    assert_true(cells_row_text(b, y, line, sizeof line) >= 0);
    return strstr(line, needle) != NULL;
}

/* Whether needle appears in the rectangle r of b, row by row. */
static int region_contains(const cells_buf *b, cells_rect r, const char *needle)
{
    for (int y = r.y; y < r.y + r.h; y++) {
        char line[4096];
        size_t used = 0;
        for (int x = r.x; x < r.x + r.w && used + 5 < sizeof line; x++)
            used += (size_t)cells_utf8_encode(cells_get(b, x, y), line + used);
        line[used] = '\0';
        if (strstr(line, needle))
            return 1;
    }
    return 0;
}

static void type_text(fixture *f, const char *text)
{
    for (const char *c = text; *c; c++)
        app_key(f->app, *c);
}

static void app_header_shows_preset_and_step(void **state)
{
    fixture *f = *state;
    app_render(f->app, &f->screen);
    assert_true(row_contains(&f->screen, 0, "synthetic"));
    assert_true(row_contains(&f->screen, 0, "step 2 000"));
    assert_true(row_contains(&f->screen, 0, "t=1"));      /* 2000 steps of lr 5e-4 */
    assert_true(row_contains(&f->screen, 0, "[?] help"));
    assert_true(row_contains(&f->screen, 0, "theory current"));
}

static void app_panels_from_preset(void **state)
{
    fixture *f = *state;
    app_render(f->app, &f->screen);
    assert_true(screen_contains(&f->screen, "1 test error [log-y]"));
    assert_true(screen_contains(&f->screen, "2 order parameter: teacher overlap"));
    assert_true(screen_contains(&f->screen, "4 overlap per hidden unit"));
    assert_true(screen_contains(&f->screen, "5 kernel matrix"));
    assert_true(screen_contains(&f->screen, "parameters"));
    assert_true(screen_contains(&f->screen, "theory (GP)"));
    assert_true(screen_contains(&f->screen, "16x16"));
    /* The parameter list shows each label where the panel is wide enough. */
    assert_true(screen_contains(&f->screen, "training set size"));
    /* Footer keys. */
    assert_true(row_contains(&f->screen, f->screen.height - 2, "q quit"));
}

static void app_help_lists_keys(void **state)
{
    fixture *f = *state;
    assert_true(app_key(f->app, '?') & APP_REDRAW);
    app_render(f->app, &f->screen);
    assert_true(screen_contains(&f->screen, "help: Esc or ? closes"));
    assert_true(screen_contains(&f->screen, "pause or resume training"));
    assert_true(screen_contains(&f->screen, "Parameter keys"));
    assert_true(screen_contains(&f->screen, "T: temperature"));
    app_key(f->app, KEYS_ESC);
    app_render(f->app, &f->screen);
    assert_false(screen_contains(&f->screen, "Parameter keys"));
}

/* The tunable's own key raises T by its factor 2; the panel shows the
 * request at once and the applied value after the source echoes it. */
static void app_tunable_key_changes_param(void **state)
{
    fixture *f = *state;
    app_key(f->app, ']');
    app_render(f->app, &f->screen);
    assert_true(screen_contains(&f->screen, "T -> 2e-3 requested"));
    assert_true(screen_contains(&f->screen, "\u2192 2e-3"));
    settle(f);
    assert_true(screen_contains(&f->screen, "T: 0.001 -> 0.002"));
    assert_true(screen_contains(&f->screen, "T        2e-3"));
    assert_false(screen_contains(&f->screen, "\u2192 2e-3"));
    /* Arrow keys act on the selected parameter, which is now T. */
    app_key(f->app, KEYS_LEFT);
    settle(f);
    assert_true(screen_contains(&f->screen, "T        1e-3"));
}

static void app_rejects_out_of_bounds(void **state)
{
    fixture *f = *state;
    app_key(f->app, ':');
    type_text(f, "set T 5");
    app_render(f->app, &f->screen);
    assert_true(row_contains(&f->screen, f->screen.height - 1, ":set T 5"));
    app_key(f->app, KEYS_ENTER);
    settle(f);
    assert_true(screen_contains(&f->screen, "T = 5 is outside its bounds [1e-6, 1]; not changed"));
    assert_true(screen_contains(&f->screen, "T        1e-3"));
}

static void app_rebuild_param_warns(void **state)
{
    fixture *f = *state;
    app_key(f->app, 'N');
    app_render(f->app, &f->screen);
    assert_true(screen_contains(&f->screen, "n -> 1100 requested: n rebuilds data and weights"));
    settle(f);
    assert_true(screen_contains(&f->screen, "1100"));
}

static void app_command_line_forms(void **state)
{
    fixture *f = *state;
    app_key(f->app, ':');
    type_text(f, "lr = 1e-3");
    app_key(f->app, KEYS_ENTER);
    settle(f);
    assert_true(screen_contains(&f->screen, "lr       1e-3"));

    app_key(f->app, ':');
    type_text(f, "bogus");
    app_key(f->app, KEYS_ENTER);
    app_render(f->app, &f->screen);
    assert_true(screen_contains(&f->screen, "unknown command 'bogus'"));

    app_key(f->app, ':');
    type_text(f, "set nope 3");
    app_key(f->app, KEYS_ENTER);
    app_render(f->app, &f->screen);
    assert_true(screen_contains(&f->screen, "unknown parameter 'nope'; tunable: T, lr, n"));

    app_key(f->app, ':');
    type_text(f, "reset");
    app_key(f->app, KEYS_ENTER);
    settle(f);
    assert_true(screen_contains(&f->screen, "weights reset from the prior"));

    /* Esc leaves the command line without running it. */
    app_key(f->app, ':');
    type_text(f, "quit");
    assert_int_equal(app_key(f->app, KEYS_ESC) & APP_QUIT, 0);
    app_key(f->app, ':');
    type_text(f, "quit");
    assert_true(app_key(f->app, KEYS_ENTER) & APP_QUIT);
}

static void app_pause_shows_in_header(void **state)
{
    fixture *f = *state;
    app_key(f->app, ' ');
    settle(f);
    assert_true(row_contains(&f->screen, 0, "PAUSED"));
    app_key(f->app, ' ');
    settle(f);
    assert_false(row_contains(&f->screen, 0, "PAUSED"));
}

static void app_focus_zoom_and_log(void **state)
{
    fixture *f = *state;
    app_key(f->app, '3');
    app_render(f->app, &f->screen);
    /* The focused panel's title carries the focus style. */
    int found = 0;
    for (int y = 1; y < f->screen.height && !found; y++)
        for (int x = 0; x + 1 < f->screen.width; x++)
            if (cells_get(&f->screen, x, y) == '3' && cells_get(&f->screen, x + 2, y) == 'k') {
                assert_int_equal(cells_style_at(&f->screen, x, y), STYLE_FOCUS);
                found = 1;
                break;
            }
    assert_true(found);

    app_key(f->app, 'l');
    app_render(f->app, &f->screen);
    assert_true(screen_contains(&f->screen, "3 kernel alignment [log-y]"));
    app_key(f->app, 'w');
    app_render(f->app, &f->screen);
    assert_true(screen_contains(&f->screen, "3 kernel alignment [log-y, last 10%]"));

    app_key(f->app, 'z');
    app_render(f->app, &f->screen);
    assert_true(row_contains(&f->screen, 1, "3 kernel alignment"));
    assert_false(screen_contains(&f->screen, "1 test error"));
    app_key(f->app, KEYS_ESC);
    app_render(f->app, &f->screen);
    assert_true(screen_contains(&f->screen, "1 test error"));

    app_key(f->app, '9');
    app_render(f->app, &f->screen);
    assert_true(screen_contains(&f->screen, "there is no panel 9"));
}

static void app_small_terminal_message(void **state)
{
    fixture *f = *state;
    cells_buf small;
    assert_int_equal(cells_init(&small, 60, 20, 0), 0);
    app_render(f->app, &small);
    assert_true(screen_contains(&small, "Terminal too small: 60x20."));
    assert_true(screen_contains(&small, "needs at least 80x24"));
    cells_free(&small);
}

static void app_ascii_screen_only_ascii(void **state)
{
    fixture *f = *state;
    cells_buf plain;
    assert_int_equal(cells_init(&plain, 100, 30, 1), 0);
    app_key(f->app, 's'); /* smoothing adds the dimmed raw series too */
    app_render(f->app, &plain);
    for (int y = 0; y < plain.height; y++)
        for (int x = 0; x < plain.width; x++)
            assert_true(cells_get(&plain, x, y) < 0x7f);
    assert_true(screen_contains(&plain, "+ 1 test error"));
    app_key(f->app, '?');
    app_render(f->app, &plain);
    for (int y = 0; y < plain.height; y++)
        for (int x = 0; x < plain.width; x++)
            assert_true(cells_get(&plain, x, y) < 0x7f);
    app_key(f->app, '?');
    cells_free(&plain);
}

/* At 80x24 the help does not fit: the title offers scrolling, and scrolling
 * down reaches the parameter keys. */
static void app_help_scrolls_when_small(void **state)
{
    fixture *f = *state;
    cells_buf b;
    assert_int_equal(cells_init(&b, 80, 24, 0), 0);
    app_key(f->app, '?');
    app_render(f->app, &b);
    assert_true(screen_contains(&b, "scroll, Esc or ? closes"));
    assert_false(screen_contains(&b, "T: temperature"));
    for (int i = 0; i < 40; i++)
        app_key(f->app, KEYS_DOWN);
    app_render(f->app, &b);
    assert_true(screen_contains(&b, "T: temperature"));
    assert_true(screen_contains(&b, "n: training set size (a change restarts training)"));
    cells_free(&b);
}

/* s toggles smoothing on the focused panel only. */
static void app_smoothing_on_focused(void **state)
{
    fixture *f = *state;
    app_key(f->app, '1');
    app_key(f->app, 's');
    app_render(f->app, &f->screen);
    assert_true(screen_contains(&f->screen, "1 test error [log-y, smooth]"));
    assert_true(screen_contains(&f->screen, "2 order parameter: teacher overlap \u2500"));
    app_key(f->app, 's');
    app_render(f->app, &f->screen);
    assert_true(screen_contains(&f->screen, "1 test error [log-y] "));
}

/* x toggles the axis to Langevin time: the unit under the axis becomes t and
 * the ticks are in time units (2000 steps of lr 5e-4 end at t = 1). */
static void app_x_axis_in_time(void **state)
{
    fixture *f = *state;
    app_key(f->app, '1');
    app_key(f->app, 'x');
    app_render(f->app, &f->screen);
    assert_true(screen_contains(&f->screen, "1 test error [log-y, x: t]"));
    /* Panel 1 is the top left of a 3 x 2 grid on 120 x 40. */
    cells_rect first = {0, 1, 60, 12};
    assert_true(region_contains(&f->screen, first, "0.4"));
    assert_true(region_contains(&f->screen, first, " t\u2502"));
    assert_false(region_contains(&f->screen, first, "1000"));
    assert_false(region_contains(&f->screen, first, "step"));
    /* Panel 2 still counts steps. */
    cells_rect second = {60, 1, 60, 12};
    assert_true(region_contains(&f->screen, second, "1000"));
}

/* A change marks the x axis, turns the theory stale until the synthetic
 * solve finishes 400 steps later, and shows it in header and legend. */
static void app_change_marks_and_stales(void **state)
{
    fixture *f = *state;
    app_key(f->app, ']');
    settle(f);
    assert_true(screen_contains(&f->screen, "\u25b2"));
    assert_true(row_contains(&f->screen, 0, "theory recomputing"));
    assert_true(screen_contains(&f->screen, "theory (GP) (stale)"));
    synth_advance(f->synth, 500);
    app_drain(f->app, 1 << 20);
    app_refresh(f->app);
    app_render(f->app, &f->screen);
    assert_true(row_contains(&f->screen, 0, "theory current"));
    assert_false(screen_contains(&f->screen, "(stale)"));
}

/* Records beyond the source's queue are dropped and the header says so. */
static void app_header_counts_dropped(void **state)
{
    fixture *f = *state;
    synth_advance(f->synth, 100000); /* 10 000 frames into a queue of 4096 */
    assert_true(synth_dropped(f->synth) > 0);
    app_drain(f->app, 1 << 20);
    app_refresh(f->app);
    app_render(f->app, &f->screen);
    char expected[64];
    snprintf(expected, sizeof expected, "dropped %llu", (unsigned long long)synth_dropped(f->synth));
    assert_true(row_contains(&f->screen, 0, expected));
}

/* The trainer logs every event it publishes as "step N: TEXT": whichever
 * copy arrives second is dropped, so the message shows once. */
static void app_event_and_log_once(void **state)
{
    fixture *f = *state;
    app_key(f->app, ']');
    settle(f);
    assert_true(screen_contains(&f->screen, "step 2000: T: 0.001 -> 0.002"));
    app_log_line(f->app, GS_LOG_INFO, "step 2000: T: 0.001 -> 0.002", 1);
    app_render(f->app, &f->screen);
    assert_false(screen_contains(&f->screen, "(x2)"));

    /* Log line first, then the event: still one copy. */
    app_key(f->app, ']');
    app_log_line(f->app, GS_LOG_INFO, "step 2010: T: 0.002 -> 0.004", 1);
    settle(f);
    assert_true(screen_contains(&f->screen, "step 2010: T: 0.002 -> 0.004"));
    assert_false(screen_contains(&f->screen, "(x2)"));

    /* A plain log line that matches no event is shown with its count. */
    app_log_line(f->app, GS_LOG_WARN, "theory solver slow", 3);
    app_render(f->app, &f->screen);
    assert_true(row_contains(&f->screen, f->screen.height - 1, "theory solver slow (x3)"));
}

/* m lists earlier messages, newest at the bottom. */
static void app_messages_overlay(void **state)
{
    fixture *f = *state;
    app_message(f->app, GS_LOG_INFO, "first note");
    app_message(f->app, GS_LOG_WARN, "second note");
    app_key(f->app, 'm');
    app_render(f->app, &f->screen);
    assert_true(screen_contains(&f->screen, "messages:"));
    assert_true(screen_contains(&f->screen, "first note"));
    assert_true(screen_contains(&f->screen, "second note"));
    int first_row = -1, second_row = -1;
    for (int y = 0; y < f->screen.height; y++) {
        if (row_contains(&f->screen, y, "first note"))
            first_row = y;
        if (row_contains(&f->screen, y, "second note") && y < f->screen.height - 1)
            second_row = y;
    }
    assert_true(first_row >= 0 && second_row > first_row);
    app_key(f->app, KEYS_ESC);
    app_render(f->app, &f->screen);
    assert_false(screen_contains(&f->screen, "first note"));
}

/* A source whose preset declares no panels: the synthetic one with its panel
 * list removed, forwarding everything else. */
static gs_preset bare_preset;

static const gs_preset *bare_preset_of(void *self)
{
    return &bare_preset;
}

static void app_implies_missing_panels(void **state)
{
    fixture *f = *state;
    ui_source bare = f->src;
    app *a;
    app_options ao;
    char err[256];

    bare_preset = *f->src.preset(f->src.self);
    bare_preset.npanels = 0;
    bare.preset = bare_preset_of;
    app_options_default(&ao);
    assert_int_equal(app_create(&a, &bare, &ao, err, sizeof err), 0);
    app_render(a, &f->screen);
    /* One line plot per panel name of the series: error, order, alignment. */
    assert_true(screen_contains(&f->screen, "\u250c 1 error \u2500"));
    assert_true(screen_contains(&f->screen, "\u250c 2 order \u2500"));
    assert_true(screen_contains(&f->screen, "\u250c 3 alignment \u2500"));
    assert_false(screen_contains(&f->screen, "\u250c 4 "));
    assert_true(screen_contains(&f->screen, "parameters"));
    app_free(a);
}

/* Records as a damaged or crafted recording could carry them: huge and
 * subnormal values, infinities, unterminated names, impossible sizes. The
 * screen must draw without reading out of bounds (the sanitizer builds
 * check that) and keep working. */
static void app_survives_hostile_records(void **state)
{
    fixture *f = *state;
    static gs_frame g;
    const double values[] = {1e308, -1e308, 5e-324, INFINITY, -INFINITY, NAN, 0.0, -0.0};

    for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
        memset(&g, 0, sizeof g);
        g.kind = GS_REC_SCALARS;
        g.step = 3000 + (int64_t)k;
        g.t = values[k];
        g.u.scalars.nseries = 1000;
        g.u.scalars.theory_stale = 0xffffffffu;
        for (int i = 0; i < GS_MAX_SERIES; i++)
            g.u.scalars.v[i] = values[(k + (size_t)i) % (sizeof values / sizeof values[0])];
        app_feed(f->app, &g);
    }

    memset(&g, 'x', sizeof g); /* names and texts without a NUL */
    g.kind = GS_REC_HISTOGRAM;
    g.u.hist.nbins = GS_MAX_BINS;
    g.u.hist.lo = -1e308;
    g.u.hist.hi = 1e308;
    g.u.hist.theory_valid = 1;
    app_feed(f->app, &g);
    g.u.hist.lo = 0;
    g.u.hist.hi = 1;
    g.u.hist.count[3] = NAN;
    g.u.hist.count[4] = -5;
    g.u.hist.theory[5] = INFINITY;
    app_feed(f->app, &g);

    memset(&g, 'y', sizeof g);
    g.kind = GS_REC_MATRIX;
    g.u.matrix.rows = 1 << 20;
    g.u.matrix.cols = 1 << 20;
    app_feed(f->app, &g);
    g.u.matrix.rows = -3;
    app_feed(f->app, &g);
    g.u.matrix.rows = 64;
    g.u.matrix.cols = 64;
    app_feed(f->app, &g);

    memset(&g, 'z', sizeof g);
    g.kind = GS_REC_EVENT;
    for (int kind = 0; kind <= 8; kind++) {
        g.u.event.kind = kind;
        app_feed(f->app, &g);
    }
    g.kind = 99;
    app_feed(f->app, &g);

    /* Every panel, with every view option, still draws. */
    for (int panel = '1'; panel <= '5'; panel++) {
        app_key(f->app, panel);
        const int keys[] = {0, 'l', 'L', 'w', 's', 'x', '0'};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            if (keys[k])
                app_key(f->app, keys[k]);
            app_render(f->app, &f->screen);
        }
    }
    app_key(f->app, 'm');
    app_render(f->app, &f->screen);
    app_key(f->app, KEYS_ESC);
    settle(f);
    assert_true(row_contains(&f->screen, 0, "synthetic"));
    assert_true(screen_contains(&f->screen, "parameters"));
}

/* The header shows the recording the caller keeps, by file name. */
static void app_header_shows_recording(void **state)
{
    fixture *f = *state;
    app *a;
    app_options ao;
    char err[256];
    cells_buf plain;

    app_render(f->app, &f->screen);
    assert_true(row_contains(&f->screen, 0, "REC off"));

    app_options_default(&ao);
    ao.record_path = "/tmp/runs/grok.gsr";
    assert_int_equal(app_create(&a, &f->src, &ao, err, sizeof err), 0);
    app_render(a, &f->screen);
    assert_true(row_contains(&f->screen, 0, "REC \u25cf grok.gsr"));
    assert_false(row_contains(&f->screen, 0, "/tmp/runs"));
    assert_int_equal(cells_init(&plain, 120, 40, 1), 0);
    app_render(a, &plain);
    assert_true(row_contains(&plain, 0, "REC * grok.gsr"));
    cells_free(&plain);
    app_free(a);
}

static void app_quit_key(void **state)
{
    fixture *f = *state;
    assert_true(app_key(f->app, 'q') & APP_QUIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(app_header_shows_preset_and_step, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(app_panels_from_preset, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(app_help_lists_keys, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(app_tunable_key_changes_param, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(app_rejects_out_of_bounds, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(app_rebuild_param_warns, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(app_command_line_forms, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(app_pause_shows_in_header, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(app_focus_zoom_and_log, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(app_small_terminal_message, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(app_ascii_screen_only_ascii, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(app_help_scrolls_when_small, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(app_smoothing_on_focused, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(app_x_axis_in_time, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(app_change_marks_and_stales, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(app_header_counts_dropped, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(app_event_and_log_once, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(app_messages_overlay, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(app_implies_missing_panels, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(app_survives_hostile_records, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(app_header_shows_recording, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(app_quit_key, fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
