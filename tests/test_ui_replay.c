/*
 * test_ui_replay.c - the replay source without a terminal: a recording made
 * with the recorder in a temporary file, played through the app with a clock
 * the test moves, seeks by step, chunk and event, parameters from SET
 * events, a damaged chunk, a growing file and the command's exit status.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "app.h"
#include "cells.h"
#include "keys.h"
#include "recorder_fixture.h"
#include "replay.h"
#include "replay_run.h"
#include "replay_source.h"

/* The recording: NFRAMES scalar frames every STEP_EVERY steps, STEPS_PER_S
 * steps per recorded second, a SET of T, a RESET and a NOTE between them. */
#define NFRAMES 2000
#define STEP_EVERY 10
#define STEPS_PER_S 1000.0
#define SET_STEP 5000
#define RESET_STEP 12000
#define NOTE_STEP 15000
#define CHUNK_RECORDS 50

typedef struct {
    char path[256];
    gs_preset preset;      /* the recorded preset, parsed here for expected values */
    double t_before, t_after;
} recording;

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void push_all(gs_recorder *rec, const gs_frame *f)
{
    for (int tries = 0; gs_recorder_push(rec, f) != 0; tries++) {
        assert_true(tries < 2000);
        assert_null(gs_recorder_error(rec));
        sleep_ms(1);
    }
}

/* The value fixture_scalars gives series 0 to 3, extended to every series. */
static double value_of(int64_t step, int series)
{
    return 1.0 / (double)(step + 1 + series);
}

static void make_recording(recording *out, const char *tag)
{
    const char *text = NULL;
    char err[512];
    for (int i = 0; gs_builtin_presets[i].name; i++)
        if (strcmp(gs_builtin_presets[i].name, "grokking-cubic") == 0)
            text = gs_builtin_presets[i].text;
    assert_non_null(text);
    assert_int_equal(gs_preset_parse(&out->preset, text, "test", err, sizeof err), 0);
    out->t_before = gs_params_get(&out->preset.params, "T", NAN);
    assert_true(isfinite(out->t_before));
    out->t_after = 2 * out->t_before;

    gs_recording_header h;
    fixture_header(&h);
    snprintf(h.preset_name, sizeof h.preset_name, "grokking-cubic");
    h.preset_text = text;
    h.nseries = out->preset.nseries;
    memcpy(h.series, out->preset.series, sizeof(gs_series_decl) * (size_t)h.nseries);

    gs_recorder_options opt;
    gs_recorder_default_options(&opt);
    opt.chunk_max_records = CHUNK_RECORDS;
    opt.queue_records = 4096;
    opt.compression_level = 1;
    fixture_path(out->path, sizeof out->path, tag);
    gs_recorder *rec;
    assert_int_equal(gs_recorder_open(&rec, out->path, &h, &opt, err, sizeof err), 0);

    gs_frame *f = calloc(1, sizeof *f);
    assert_non_null(f);
    for (int i = 0; i < NFRAMES; i++) {
        int64_t step = (int64_t)i * STEP_EVERY;
        fixture_scalars(f, step, (double)step / STEPS_PER_S);
        f->u.scalars.nseries = h.nseries;
        for (int s = 0; s < h.nseries; s++)
            f->u.scalars.v[s] = value_of(step, s);
        push_all(rec, f);

        int kind = step == SET_STEP ? GS_EVENT_SET : step == RESET_STEP ? GS_EVENT_RESET
                                                   : step == NOTE_STEP ? GS_EVENT_NOTE : 0;
        if (!kind)
            continue;
        const char *note = kind == GS_EVENT_SET ? "T changed" : "event";
        fixture_event(f, step, (double)step / STEPS_PER_S, kind, note);
        f->u.event.old_value = out->t_before;
        f->u.event.new_value = out->t_after;
        push_all(rec, f);
    }
    free(f);
    assert_int_equal(gs_recorder_close(rec, err, sizeof err), 0);
}

static void drop_recording(recording *r)
{
    unlink(r->path);
    gs_preset_free(&r->preset);
}

/* A replay source, the app over it and a screen to render into. */
typedef struct {
    replay_source *rs;
    ui_source src;
    app *app;
    cells_buf screen;
} player;

static void player_open(player *p, const char *path, int context_chunks)
{
    replay_source_options ro;
    app_options ao;
    char err[512];

    memset(p, 0, sizeof *p);
    replay_source_options_default(&ro);
    ro.realtime = 0;
    ro.context_chunks = context_chunks;
    assert_int_equal(replay_source_open(&p->rs, path, &ro, err, sizeof err), 0);
    replay_source_fill(p->rs, &p->src);
    app_options_default(&ao);
    ao.history_recent = 4096;
    ao.history_old = 64;
    assert_int_equal(app_create(&p->app, &p->src, &ao, err, sizeof err), 0);
    assert_int_equal(cells_init(&p->screen, 120, 40, 1), 0);
}

static void player_close(player *p)
{
    app_free(p->app);
    replay_source_close(p->rs);
    cells_free(&p->screen);
}

/* Let `seconds` of wall time pass, take what the source delivers, refresh. */
static int player_run(player *p, double seconds)
{
    replay_source_advance(p->rs, seconds);
    int n = app_drain(p->app, 1 << 20);
    app_refresh(p->app);
    return n;
}

static gs_trainer_status player_status(player *p)
{
    gs_trainer_status st;
    p->src.status(p->src.self, &st);
    return st;
}

static double player_param(player *p, const char *name)
{
    gs_params params;
    p->src.params(p->src.self, &params);
    return gs_params_get(&params, name, NAN);
}

static void type_keys(player *p, const char *keys)
{
    for (const char *c = keys; *c; c++)
        app_key(p->app, *c);
}

static int header_contains(player *p, const char *needle)
{
    char line[4096];
    app_render(p->app, &p->screen);
    assert_true(cells_row_text(&p->screen, 0, line, sizeof line) >= 0);
    return strstr(line, needle) != NULL;
}

static int message_line_contains(player *p, const char *needle)
{
    char line[4096];
    app_render(p->app, &p->screen);
    assert_true(cells_row_text(&p->screen, p->screen.height - 1, line, sizeof line) >= 0);
    return strstr(line, needle) != NULL;
}

/* ---- tests ----------------------------------------------------------------- */

/* At x64 every scalar frame reaches the history, in order, with its value,
 * and the first tenth of a second plays about 6.4 recorded seconds. */
static void replay_plays_all_frames_in_order(void **state)
{
    recording r;
    player p;
    make_recording(&r, "replay_order");
    player_open(&p, r.path, 64);

    for (int i = 0; i < 6; i++)
        app_key(p.app, '>');
    player_run(&p, 0.1);
    gs_trainer_status st = player_status(&p);
    /* 0.1 s at x64 is 6.4 recorded s = 6400 steps; one frame of slack. */
    assert_true(st.step >= 6400 - STEP_EVERY && st.step <= 6400);
    assert_true(header_contains(&p, "[replay x64]"));

    for (int i = 0; i < 100 && !player_status(&p).finished; i++)
        player_run(&p, 0.1);
    st = player_status(&p);
    assert_true(st.finished);
    assert_int_equal(st.step, (NFRAMES - 1) * STEP_EVERY);
    /* Steps per second as recorded, within 1 %. */
    assert_true(fabs(st.steps_per_s - STEPS_PER_S) < 0.01 * STEPS_PER_S);

    const history *h = app_history(p.app, 0);
    assert_non_null(h);
    assert_int_equal(history_count(h), NFRAMES);
    for (int i = 0; i < NFRAMES; i++) {
        const history_point *pt = history_at(h, i);
        assert_true(pt->step == (double)i * STEP_EVERY);
        assert_true(fabs(pt->y - value_of((int64_t)i * STEP_EVERY, 0)) < 1e-12);
    }
    assert_true(header_contains(&p, "end of file"));
    assert_int_equal(replay_source_skipped(p.rs), 0);
    player_close(&p);
    drop_recording(&r);
}

/* Records wait for the clock: nothing new arrives until time passes, and
 * nothing at all while paused. */
static void replay_waits_for_clock_and_pause(void **state)
{
    recording r;
    player p;
    make_recording(&r, "replay_clock");
    player_open(&p, r.path, 64);

    player_run(&p, 0.5);
    int64_t at = player_status(&p).step;
    assert_true(at >= 490 && at <= 500);
    assert_int_equal(player_run(&p, 0), 0);

    app_key(p.app, ' ');
    app_refresh(p.app);
    assert_true(player_status(&p).paused);
    assert_true(header_contains(&p, "PAUSED"));
    assert_int_equal(player_run(&p, 5), 0);
    assert_int_equal(player_status(&p).step, at);

    app_key(p.app, ' ');
    player_run(&p, 0.25);
    assert_true(player_status(&p).step > at);
    player_close(&p);
    drop_recording(&r);
}

/* g 7000 Enter lands on step 7000, in the chunk the index names, and a
 * backward seek rebuilds the history from the start of the context. */
static void replay_goto_step_lands_in_chunk(void **state)
{
    recording r;
    player p;
    char err[256];
    gs_replay *index;
    make_recording(&r, "replay_goto");
    assert_int_equal(gs_replay_open(&index, r.path, err, sizeof err), 0);
    player_open(&p, r.path, 2);

    player_run(&p, 12.0);
    assert_int_equal(player_status(&p).step, 12000);

    type_keys(&p, "g7000\n");
    player_run(&p, 0);
    assert_int_equal(player_status(&p).step, 7000);
    long chunk = replay_source_chunk(p.rs);
    assert_int_equal(chunk, gs_replay_find_step(index, 7000));
    const gs_replay_chunk_info *info = gs_replay_chunk(index, (size_t)chunk);
    assert_true(info->first_step <= 7000 && 7000 <= info->last_step);
    assert_true(header_contains(&p, "step 7 000 of 19 990"));

    /* The history restarts two chunks before the target and ends there. */
    const history *h = app_history(p.app, 0);
    long start = chunk >= 2 ? chunk - 2 : 0;
    assert_true(history_at(h, 0)->step == (double)gs_replay_chunk(index, (size_t)start)->first_step);
    assert_true(history_last(h)->step == 7000.0);

    /* Forward within the context: no restart, the history grows. */
    int before = history_count(h);
    type_keys(&p, ":goto 7500\n");
    player_run(&p, 0);
    assert_int_equal(player_status(&p).step, 7500);
    assert_int_equal(history_count(h), before + 50);

    /* Right goes to the end of the next chunk, Left back to the start of
     * the previous one. */
    long here = replay_source_chunk(p.rs);
    app_key(p.app, KEYS_RIGHT);
    player_run(&p, 0);
    assert_int_equal(player_status(&p).step, gs_replay_chunk(index, (size_t)here + 1)->last_step);
    here = replay_source_chunk(p.rs);
    app_key(p.app, KEYS_LEFT);
    player_run(&p, 0);
    assert_int_equal(player_status(&p).step, gs_replay_chunk(index, (size_t)here - 1)->first_step);

    /* Past the end: the last step. */
    type_keys(&p, "g999999\n");
    player_run(&p, 0);
    assert_int_equal(player_status(&p).step, (NFRAMES - 1) * STEP_EVERY);

    gs_replay_close(index);
    player_close(&p);
    drop_recording(&r);
}

/* n visits SET, RESET and NOTE in order and stops after the last; N walks
 * back the same way. */
static void replay_events_in_order(void **state)
{
    recording r;
    player p;
    make_recording(&r, "replay_events");
    player_open(&p, r.path, 64);
    const int64_t events[3] = {SET_STEP, RESET_STEP, NOTE_STEP};

    for (int i = 0; i < 3; i++) {
        app_key(p.app, 'n');
        player_run(&p, 0);
        assert_int_equal(player_status(&p).step, events[i]);
    }
    app_key(p.app, 'n');
    player_run(&p, 0);
    assert_int_equal(player_status(&p).step, NOTE_STEP);

    for (int i = 1; i >= 0; i--) {
        app_key(p.app, 'N');
        player_run(&p, 0);
        assert_int_equal(player_status(&p).step, events[i]);
    }
    app_key(p.app, 'N');
    player_run(&p, 0);
    assert_int_equal(player_status(&p).step, SET_STEP);
    player_close(&p);
    drop_recording(&r);
}

/* params() shows the preset's T before the SET, the new T after it, the
 * old one again after seeking back, and the new one after a seek whose
 * context starts past the SET. */
static void replay_params_follow_set_events(void **state)
{
    recording r;
    player p;
    make_recording(&r, "replay_params");
    player_open(&p, r.path, 2);

    player_run(&p, 4.0);
    assert_true(fabs(player_param(&p, "T") - r.t_before) < 1e-12);
    player_run(&p, 2.0);
    assert_int_equal(player_status(&p).step, 6000);
    assert_true(fabs(player_param(&p, "T") - r.t_after) < 1e-12);

    type_keys(&p, "g1000\n");
    player_run(&p, 0);
    assert_true(fabs(player_param(&p, "T") - r.t_before) < 1e-12);

    type_keys(&p, "g16000\n");
    player_run(&p, 0);
    assert_int_equal(player_status(&p).step, 16000);
    assert_true(fabs(player_param(&p, "T") - r.t_after) < 1e-12);
    player_close(&p);
    drop_recording(&r);
}

/* Parameter keys and :set send nothing and say why. */
static void replay_parameter_keys_refused(void **state)
{
    recording r;
    player p;
    make_recording(&r, "replay_keys");
    player_open(&p, r.path, 64);
    player_run(&p, 1.0);

    app_key(p.app, '+');
    assert_true(message_line_contains(&p, "replay: parameters are as recorded"));
    app_key(p.app, ']');
    type_keys(&p, ":set T 1\n");
    assert_true(message_line_contains(&p, "replay: parameters are as recorded"));
    player_run(&p, 0);
    assert_true(fabs(player_param(&p, "T") - r.t_before) < 1e-12);

    gs_command cmd = {.kind = GS_CMD_SET, .value = 1};
    snprintf(cmd.name, sizeof cmd.name, "T");
    assert_int_equal(p.src.command(p.src.self, &cmd), -1);
    player_close(&p);
    drop_recording(&r);
}

/* A chunk whose payload is damaged is skipped and counted; every other
 * frame plays in order. */
static void replay_skips_damaged_chunk(void **state)
{
    recording r;
    player p;
    char err[256];
    gs_replay *index;
    make_recording(&r, "replay_damage");

    assert_int_equal(gs_replay_open(&index, r.path, err, sizeof err), 0);
    assert_true(gs_replay_chunk_count(index) > 10);
    const gs_replay_chunk_info *victim = gs_replay_chunk(index, 5);
    int64_t lost_first = victim->first_step, lost_last = victim->last_step;
    int64_t offset = victim->offset + 48 + victim->comp_len / 2;
    gs_replay_close(index);

    size_t len;
    unsigned char *bytes = fixture_read_file(r.path, &len);
    assert_non_null(bytes);
    assert_true((size_t)offset < len);
    bytes[offset] ^= 0xff;
    assert_int_equal(fixture_write_file(r.path, bytes, len), 0);
    free(bytes);

    player_open(&p, r.path, 64);
    for (int i = 0; i < 100 && !player_status(&p).finished; i++)
        player_run(&p, 1.0);
    assert_int_equal(player_status(&p).step, (NFRAMES - 1) * STEP_EVERY);
    assert_int_equal(replay_source_skipped(p.rs), 1);

    const history *h = app_history(p.app, 0);
    int64_t lost = (lost_last - lost_first) / STEP_EVERY + 1;
    assert_int_equal(history_count(h), NFRAMES - lost);
    for (int i = 1; i < history_count(h); i++)
        assert_true(history_at(h, i)->step > history_at(h, i - 1)->step);
    player_close(&p);
    drop_recording(&r);
}

/* A file that grows while it plays: the chunks appended later play too. */
static void replay_follows_growing_file(void **state)
{
    recording r;
    player p;
    char err[256], grow_path[256];
    gs_replay *index;
    make_recording(&r, "replay_follow_src");

    assert_int_equal(gs_replay_open(&index, r.path, err, sizeof err), 0);
    int64_t cut = gs_replay_chunk(index, 10)->offset;
    int64_t last_before_cut = gs_replay_chunk(index, 9)->last_step;
    gs_replay_close(index);
    size_t len;
    unsigned char *bytes = fixture_read_file(r.path, &len);
    assert_non_null(bytes);
    fixture_path(grow_path, sizeof grow_path, "replay_follow");
    assert_int_equal(fixture_write_file(grow_path, bytes, (size_t)cut), 0);

    player_open(&p, grow_path, 64);
    for (int i = 0; i < 100 && player_status(&p).step < last_before_cut; i++)
        player_run(&p, 1.0);
    assert_int_equal(player_run(&p, 1.0), 0);
    assert_int_equal(player_status(&p).step, last_before_cut);
    assert_true(player_status(&p).finished);

    FILE *f = fopen(grow_path, "ab");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes + cut, 1, len - (size_t)cut, f), len - (size_t)cut);
    fclose(f);
    free(bytes);

    for (int i = 0; i < 100 && player_status(&p).step < (NFRAMES - 1) * STEP_EVERY; i++)
        player_run(&p, 1.0);
    assert_int_equal(player_status(&p).step, (NFRAMES - 1) * STEP_EVERY);
    assert_true(header_contains(&p, "following"));
    assert_int_equal(history_count(app_history(p.app, 0)), NFRAMES);
    player_close(&p);
    unlink(grow_path);
    drop_recording(&r);
}

/* The header shows slow speeds as fractions; ? lists the replay keys and
 * the footer leaves out the keys that would change the run. */
static void replay_header_help_and_footer(void **state)
{
    recording r;
    player p;
    make_recording(&r, "replay_help");
    player_open(&p, r.path, 64);
    player_run(&p, 1.0);

    app_key(p.app, '<');
    app_key(p.app, '<');
    app_refresh(p.app);
    assert_true(header_contains(&p, "[replay x1/4]"));
    assert_int_equal(app_key(p.app, '<') & APP_QUIT, 0);
    app_refresh(p.app);
    assert_true(header_contains(&p, "[replay x1/4]"));
    assert_false(header_contains(&p, "REC"));

    char line[4096];
    app_render(p.app, &p.screen);
    assert_true(cells_row_text(&p.screen, p.screen.height - 2, line, sizeof line) >= 0);
    assert_non_null(strstr(line, "faster"));
    assert_null(strstr(line, "reset"));
    assert_null(strstr(line, "change"));

    app_key(p.app, '?');
    app_render(p.app, &p.screen);
    const char *expected[] = {
        "replay: play twice as fast", "replay: go to a step", "replay: jump to the next event",
        "replay: jump back to the previous event", "replay: go back one chunk",
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        int found = 0;
        for (int y = 0; y < p.screen.height && !found; y++) {
            assert_true(cells_row_text(&p.screen, y, line, sizeof line) >= 0);
            found = strstr(line, expected[i]) != NULL;
        }
        if (!found)
            print_error("the replay help lacks \"%s\"\n", expected[i]);
        assert_true(found);
    }
    player_close(&p);
    drop_recording(&r);
}

/* After jumping to an event the replay plays on at the recorded pace. */
static void replay_plays_on_after_jump(void **state)
{
    recording r;
    player p;
    make_recording(&r, "replay_jump_pace");
    player_open(&p, r.path, 64);

    app_key(p.app, 'n');
    player_run(&p, 0);
    assert_int_equal(player_status(&p).step, SET_STEP);
    assert_int_equal(player_run(&p, 0), 0);
    /* One second at x1 is 1000 steps, within one frame. */
    player_run(&p, 1.0);
    int64_t step = player_status(&p).step;
    assert_true(step >= SET_STEP + 1000 - STEP_EVERY && step <= SET_STEP + 1000);
    player_close(&p);
    drop_recording(&r);
}

/* Files that cannot be replayed fail with exit status 2 before any screen. */
static void replay_command_rejects_bad_files(void **state)
{
    char path[256], err[512];
    replay_source *rs;

    fixture_path(path, sizeof path, "replay_missing");
    assert_int_equal(replay_source_open(&rs, path, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, path));
    char *argv_missing[] = {path};
    assert_int_equal(replay_run(1, argv_missing), 2);

    const unsigned char junk[] = "not a recording at all, just text\n";
    assert_int_equal(fixture_write_file(path, junk, sizeof junk - 1), 0);
    assert_int_equal(replay_source_open(&rs, path, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a grokscope recording"));
    char *argv_junk[] = {path};
    assert_int_equal(replay_run(1, argv_junk), 2);
    unlink(path);

    char *argv_speed[] = {"x.gsr", "--speed", "3"};
    assert_int_equal(replay_run(3, argv_speed), 2);
    char *argv_none[] = {"--follow"};
    assert_int_equal(replay_run(1, argv_none), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(replay_plays_all_frames_in_order),
        cmocka_unit_test(replay_waits_for_clock_and_pause),
        cmocka_unit_test(replay_goto_step_lands_in_chunk),
        cmocka_unit_test(replay_events_in_order),
        cmocka_unit_test(replay_params_follow_set_events),
        cmocka_unit_test(replay_parameter_keys_refused),
        cmocka_unit_test(replay_skips_damaged_chunk),
        cmocka_unit_test(replay_follows_growing_file),
        cmocka_unit_test(replay_header_help_and_footer),
        cmocka_unit_test(replay_plays_on_after_jump),
        cmocka_unit_test(replay_command_rejects_bad_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
