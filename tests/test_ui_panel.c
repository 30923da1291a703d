/*
 * test_ui_panel.c - the panel classes: which series a lines panel draws and
 * in which style, smoothing over a dimmed raw series, the time window, the
 * parameter list, and the histogram and heat map panels with and without
 * data.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cells.h"
#include "history.h"
#include "keys.h"
#include "panel.h"
#include "style.h"

typedef struct {
    gs_series_decl decl[3];
    history hist[3];
    gs_preset preset;
    gs_params params;
    double pending[GS_MAX_TUNABLE];
    panel_context ctx;
    cells_buf b;
} fixture;

static int setup(void **state)
{
    static fixture f;
    memset(&f, 0, sizeof f);
    strcpy(f.decl[0].name, "square");
    strcpy(f.decl[0].label, "square wave");
    strcpy(f.decl[0].panel, "main");
    f.decl[0].kind = GS_SERIES_TEST;
    strcpy(f.decl[1].name, "square_theory");
    strcpy(f.decl[1].label, "predicted");
    strcpy(f.decl[1].panel, "main");
    f.decl[1].kind = GS_SERIES_THEORY;
    f.decl[1].pair = 0;
    strcpy(f.decl[2].name, "elsewhere");
    strcpy(f.decl[2].label, "other panel");
    strcpy(f.decl[2].panel, "other");
    for (int i = 0; i < 3; i++)
        if (history_init(&f.hist[i], 512, 64) != 0)
            return -1;
    /* A square wave between 0 and 1 every step; theory at 0.5; the series of
     * the other panel at 7. */
    for (int s = 0; s < 400; s++) {
        history_append(&f.hist[0], s, s * 0.01, s % 2);
        history_append(&f.hist[1], s, s * 0.01, 0.5);
        history_append(&f.hist[2], s, s * 0.01, 7.0);
    }
    f.preset.ntunable = 2;
    strcpy(f.preset.tunable[0].name, "T");
    f.preset.tunable[0].key_down = '[';
    f.preset.tunable[0].key_up = ']';
    strcpy(f.preset.tunable[1].name, "n");
    f.preset.tunable[1].rebuild = 1;
    f.preset.tunable[1].key_down = 'n';
    f.preset.tunable[1].key_up = 'N';
    gs_params_set(&f.params, "T", 1e-3);
    gs_params_set(&f.params, "n", 500);
    for (int i = 0; i < GS_MAX_TUNABLE; i++)
        f.pending[i] = NAN;
    f.ctx = (panel_context){.decl = f.decl, .nseries = 3, .hist = f.hist, .preset = &f.preset,
                            .params = &f.params, .pending = f.pending};
    if (cells_init(&f.b, 60, 16, 0) != 0)
        return -1;
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < 3; i++)
        history_free(&f->hist[i]);
    cells_free(&f->b);
    return 0;
}

static int count_style(const cells_buf *b, int style)
{
    int n = 0;
    for (int y = 0; y < b->height; y++)
        for (int x = 0; x < b->width; x++) {
            unsigned cp = cells_get(b, x, y);
            if (cp >= 0x2800 && cp <= 0x28ff && cells_style_at(b, x, y) == style)
                n++;
        }
    return n;
}

static int buffer_contains(const cells_buf *b, const char *needle)
{
    char line[4096];
    for (int y = 0; y < b->height; y++) {
        assert_true(cells_row_text(b, y, line, sizeof line) >= 0);
        if (strstr(line, needle))
            return 1;
    }
    return 0;
}

static panel *lines_panel(void)
{
    gs_panel_decl d;
    memset(&d, 0, sizeof d);
    strcpy(d.name, "main");
    strcpy(d.title, "main plot");
    strcpy(d.kind, "lines");
    panel *p = panel_create(&d);
    assert_non_null(p);
    panel_resize(p, (cells_rect){0, 0, 60, 16});
    return p;
}

/* Only the series that name the panel are drawn: the network series in the
 * first series style, the theory dashed in the theory style. */
static void panel_lines_draws_its_series(void **state)
{
    fixture *f = *state;
    panel *p = lines_panel();
    strcpy(f->decl[0].unit, "nats");
    panel_draw(p, &f->b, &f->ctx);
    assert_true(buffer_contains(&f->b, "square wave [nats]"));
    assert_true(buffer_contains(&f->b, "predicted"));
    assert_false(buffer_contains(&f->b, "other panel"));
    assert_true(count_style(&f->b, STYLE_SERIES0) > 0);
    assert_true(count_style(&f->b, STYLE_THEORY) > 0);
    /* The series at 7 would widen the y axis past 1. */
    assert_false(buffer_contains(&f->b, "7"));
    panel_free(p);
}

static void panel_lines_stale_theory(void **state)
{
    fixture *f = *state;
    panel *p = lines_panel();
    f->ctx.theory_stale = 1u << 1;
    panel_draw(p, &f->b, &f->ctx);
    assert_int_equal(count_style(&f->b, STYLE_THEORY), 0);
    assert_true(count_style(&f->b, STYLE_THEORY_STALE) > 0);
    assert_true(buffer_contains(&f->b, "predicted (stale)"));
    panel_free(p);
}

/* The square wave's average sits near 0.5, so with smoothing the series
 * style fills the middle rows, and the raw wave shows dimmed at the top and
 * bottom rows. */
static void panel_smoothing_dims_raw(void **state)
{
    fixture *f = *state;
    char note[128];
    panel *p = lines_panel();
    assert_true(panel_key(p, ACTION_SMOOTH, note, sizeof note) & PANEL_HANDLED);
    assert_non_null(strstr(note, "smoothing on"));
    f->ctx.nseries = 1; /* leave the theory line out of the middle rows */
    panel_draw(p, &f->b, &f->ctx);
    int top_dim = 0, top_series = 0, middle_series = 0;
    /* Rows: legend at 0, data 1..13, axis 14, labels 15. */
    for (int x = 0; x < f->b.width; x++) {
        top_dim += cells_style_at(&f->b, x, 1) == STYLE_DIM && cells_get(&f->b, x, 1) >= 0x2800;
        top_series += cells_style_at(&f->b, x, 1) == STYLE_SERIES0 && cells_get(&f->b, x, 1) >= 0x2800;
        for (int y = 5; y <= 9; y++)
            middle_series += cells_style_at(&f->b, x, y) == STYLE_SERIES0;
    }
    assert_true(top_dim > 10);
    assert_int_equal(top_series, 0);
    assert_true(middle_series > 10);

    /* Without smoothing nothing is dimmed and the wave itself reaches the top. */
    panel_key(p, ACTION_SMOOTH, note, sizeof note);
    cells_clear(&f->b, 0);
    panel_draw(p, &f->b, &f->ctx);
    assert_int_equal(count_style(&f->b, STYLE_DIM), 0);
    assert_true(cells_style_at(&f->b, 10, 1) == STYLE_SERIES0);
    panel_key(p, ACTION_SMOOTH, note, sizeof note);
    cells_clear(&f->b, 0);
    panel_draw(p, &f->b, &f->ctx);
    /* The dimmed raw series is not listed in the legend. */
    char legend[1024];
    assert_true(cells_row_text(&f->b, 0, legend, sizeof legend) >= 0);
    assert_non_null(strstr(legend, "square wave"));
    assert_null(strstr(strstr(legend, "square wave") + 1, "square wave"));
    panel_free(p);
}

/* The last 10% window of 400 steps starts near step 359. */
static void panel_window_narrows_x(void **state)
{
    fixture *f = *state;
    char note[128];
    panel *p = lines_panel();
    panel_key(p, ACTION_WINDOW, note, sizeof note);
    assert_non_null(strstr(note, "last 10%"));
    panel_draw(p, &f->b, &f->ctx);
    assert_false(buffer_contains(&f->b, " 100 "));
    assert_true(buffer_contains(&f->b, "370") || buffer_contains(&f->b, "380"));
    char flags[64];
    panel_flags(p, flags, sizeof flags);
    assert_string_equal(flags, "last 10%");
    panel_key(p, ACTION_WINDOW, note, sizeof note);
    panel_key(p, ACTION_WINDOW, note, sizeof note);
    panel_flags(p, flags, sizeof flags);
    assert_string_equal(flags, "");
    panel_free(p);
}

/* Status series show only where a panel has nothing else. */
static void panel_status_series_only_alone(void **state)
{
    fixture *f = *state;
    panel *p = lines_panel();
    f->decl[2].kind = GS_SERIES_STATUS;
    strcpy(f->decl[2].panel, "main");
    panel_draw(p, &f->b, &f->ctx);
    assert_false(buffer_contains(&f->b, "other panel"));

    f->decl[0].kind = GS_SERIES_STATUS;
    f->decl[1].kind = GS_SERIES_STATUS;
    cells_clear(&f->b, 0);
    panel_draw(p, &f->b, &f->ctx);
    assert_true(buffer_contains(&f->b, "other panel"));
    assert_true(buffer_contains(&f->b, "square wave"));
    panel_free(p);
}

static void panel_params_lists_tunables(void **state)
{
    fixture *f = *state;
    panel *p = panel_create_params();
    assert_non_null(p);
    panel_resize(p, (cells_rect){0, 0, 60, 6});
    f->ctx.selected = 1;
    f->pending[0] = 2e-3;
    panel_draw(p, &f->b, &f->ctx);
    assert_true(buffer_contains(&f->b, "  T        1e-3  [ ]   \u2192 2e-3"));
    assert_true(buffer_contains(&f->b, "\u25b6 n         500  n N *"));
    assert_true(buffer_contains(&f->b, "* a change restarts training"));
    assert_int_equal(cells_style_at(&f->b, 3, 1), STYLE_SELECTED);
    panel_free(p);
}

static void panel_distributions_wait_for_data(void **state)
{
    fixture *f = *state;
    gs_panel_decl d;
    memset(&d, 0, sizeof d);
    strcpy(d.name, "dist");
    strcpy(d.kind, "histogram");
    d.ylog = 1;
    panel *h = panel_create(&d);
    assert_non_null(h);
    assert_int_equal(h->kind, PANEL_HISTOGRAM);
    assert_int_equal(h->neg_log, 1); /* ylog of a histogram means -log p */
    panel_resize(h, (cells_rect){0, 0, 60, 16});
    panel_draw(h, &f->b, &f->ctx);
    assert_true(buffer_contains(&f->b, "waiting for a histogram"));

    strcpy(d.kind, "heatmap");
    panel *m = panel_create(&d);
    assert_non_null(m);
    panel_resize(m, (cells_rect){0, 0, 60, 16});
    cells_clear(&f->b, 0);
    panel_draw(m, &f->b, &f->ctx);
    assert_true(buffer_contains(&f->b, "waiting for a matrix"));
    gs_matrix mat = {.rows = 2, .cols = 2, .v = {0, 1, 1, 0}};
    panel_set_matrix(m, &mat);
    panel_set_matrix(h, &mat); /* ignored by a histogram panel */
    assert_int_equal(h->have_data, 0);
    cells_clear(&f->b, 0);
    panel_draw(m, &f->b, &f->ctx);
    assert_true(buffer_contains(&f->b, "2x2"));
    panel_free(h);
    panel_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(panel_lines_draws_its_series, setup, teardown),
        cmocka_unit_test_setup_teardown(panel_lines_stale_theory, setup, teardown),
        cmocka_unit_test_setup_teardown(panel_smoothing_dims_raw, setup, teardown),
        cmocka_unit_test_setup_teardown(panel_window_narrows_x, setup, teardown),
        cmocka_unit_test_setup_teardown(panel_status_series_only_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(panel_params_lists_tunables, setup, teardown),
        cmocka_unit_test_setup_teardown(panel_distributions_wait_for_data, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
