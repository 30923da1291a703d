/*
 * replay_source.c - a .gsr recording as a screen source. See replay_source.h.
 *
 * The source reads one chunk at a time through a cursor and keeps one record
 * of lookahead. poll delivers that record when the playback clock (recorded
 * wall seconds) has reached its wall time, or at once while a seek is
 * delivering the records up to its target step ("instant" mode).
 */
#include "replay_source.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "preset.h"

#define REPLAY_SPEED_MIN 0.25
#define REPLAY_SPEED_MAX 64.0
/* A pause in the recording longer than this (recorded seconds) plays as
 * this long, so a run paused for minutes does not stall the replay. */
#define REPLAY_GAP_MAX 2.0
#define REPLAY_REFRESH_SECONDS 1.0

struct replay_source {
    gs_replay *r;
    replay_source_options opt;

    gs_preset preset;
    gs_params params;              /* the preset's values with the SET events delivered so far */
    int nseries;
    gs_series_decl series[GS_MAX_SERIES];

    /* Reading position: the chunk of the cursor and one record of lookahead. */
    size_t chunk;
    int cursor_loaded;
    gs_replay_cursor cursor;
    gs_frame next;
    int have_next;
    size_t next_chunk;

    /* Playback clock, in recorded wall seconds. */
    double clock;                  /* until clock_set: seconds played before the first record */
    int clock_set;
    double last_tick;              /* CLOCK_MONOTONIC at the last poll, realtime only */
    double speed;
    int paused;
    int instant;                   /* deliver at once every record up to instant_step */
    int64_t instant_step;

    int at_end;
    int following;
    int announced;                 /* damage found while indexing was reported */
    double last_refresh;

    /* The last record delivered. */
    int delivered;
    long delivered_chunk;
    int64_t step;
    double t, wall;

    /* Steps per second as recorded, over about one recorded second. */
    double rate;
    int rate_anchored;
    int64_t rate_step;
    double rate_wall;
};

static double replay_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void replay_source_options_default(replay_source_options *o)
{
    memset(o, 0, sizeof *o);
    o->speed = 1;
    o->realtime = 1;
    o->context_chunks = 64;
}

/* ---- parameters -------------------------------------------------------- */

/* Apply the parameter change a record carries, if any: a SET event, or a
 * RESET caused by changing a parameter that rebuilds the run. */
static void replay_apply_event(gs_params *params, const gs_frame *f)
{
    if (f->kind != GS_REC_EVENT)
        return;
    const gs_event *e = &f->u.event;
    if (e->kind != GS_EVENT_SET && e->kind != GS_EVENT_RESET)
        return;
    char name[GS_NAME_MAX];
    snprintf(name, sizeof name, "%.*s", GS_NAME_MAX - 1, e->name);
    if (!name[0] || !isfinite(e->new_value))
        return;
    if (e->kind == GS_EVENT_RESET && gs_params_find(params, name) < 0)
        return;
    gs_params_set(params, name, e->new_value);
}

/* Set params to their values at the start of chunk `end`: the preset's,
 * with the changes of every readable chunk before it that contains events. */
static void replay_params_before(replay_source *rs, size_t end)
{
    rs->params = rs->preset.params;
    for (size_t i = 0; i < end; i++) {
        const gs_replay_chunk_info *info = gs_replay_chunk(rs->r, i);
        if (!(info->flags & GS_REPLAY_CHUNK_EVENTS) || (info->flags & GS_REPLAY_CHUNK_DAMAGED))
            continue;
        gs_replay_cursor c;
        char err[256];
        if (gs_replay_cursor_load(rs->r, i, &c, err, sizeof err) != 0) {
            gs_log(GS_LOG_WARN, "replay: skipped a damaged chunk: %s", err);
            continue;
        }
        while (gs_replay_cursor_next(&c, &rs->next))
            replay_apply_event(&rs->params, &rs->next);
        gs_replay_cursor_free(&c);
    }
    rs->have_next = 0;
}

/* ---- reading ----------------------------------------------------------- */

static void replay_drop_cursor(replay_source *rs)
{
    if (rs->cursor_loaded)
        gs_replay_cursor_free(&rs->cursor);
    rs->cursor_loaded = 0;
    rs->have_next = 0;
}

/* At the end of the indexed chunks: index the chunks appended since, about
 * once a second (every call when not realtime). Returns the number added. */
static size_t replay_look_for_more(replay_source *rs)
{
    double now = replay_now();
    if (rs->opt.realtime && now - rs->last_refresh < REPLAY_REFRESH_SECONDS)
        return 0;
    rs->last_refresh = now;
    size_t added = 0;
    char err[256];
    if (gs_replay_refresh(rs->r, &added, err, sizeof err) != 0) {
        gs_log(GS_LOG_WARN, "replay: %s", err);
        return 0;
    }
    if (added > 0)
        rs->following = 1;
    return added;
}

/* Make the next record of the file the lookahead. Returns 1, or 0 at the
 * end of what is readable now. Damaged chunks are skipped. */
static int replay_fetch(replay_source *rs)
{
    if (rs->have_next)
        return 1;
    for (;;) {
        if (!rs->cursor_loaded) {
            if (rs->chunk >= gs_replay_chunk_count(rs->r) && replay_look_for_more(rs) == 0)
                return 0;
            const gs_replay_chunk_info *info = gs_replay_chunk(rs->r, rs->chunk);
            if (info->flags & GS_REPLAY_CHUNK_DAMAGED) {
                rs->chunk++;
                continue;
            }
            char err[256];
            if (gs_replay_cursor_load(rs->r, rs->chunk, &rs->cursor, err, sizeof err) != 0) {
                gs_log(GS_LOG_WARN, "replay: skipped a damaged chunk: %s", err);
                rs->chunk++;
                continue;
            }
            rs->cursor_loaded = 1;
        }
        if (gs_replay_cursor_next(&rs->cursor, &rs->next)) {
            rs->have_next = 1;
            rs->next_chunk = rs->chunk;
            return 1;
        }
        gs_replay_cursor_free(&rs->cursor);
        rs->cursor_loaded = 0;
        rs->chunk++;
    }
}

static void replay_note_delivered(replay_source *rs, const gs_frame *f)
{
    if (!rs->rate_anchored || f->step < rs->rate_step || f->wall < rs->rate_wall) {
        rs->rate_anchored = 1;
        rs->rate_step = f->step;
        rs->rate_wall = f->wall;
    } else if (f->wall - rs->rate_wall >= 1.0) {
        rs->rate = (double)(f->step - rs->rate_step) / (f->wall - rs->rate_wall);
        rs->rate_step = f->step;
        rs->rate_wall = f->wall;
    }
    rs->delivered = 1;
    rs->delivered_chunk = (long)rs->next_chunk;
    rs->step = f->step;
    rs->t = f->t;
    rs->wall = f->wall;
    replay_apply_event(&rs->params, f);
}

static int replay_poll(void *self, gs_frame *out)
{
    replay_source *rs = self;

    if (!rs->announced) {
        /* Here rather than at open, so that the screen shows it. */
        rs->announced = 1;
        if (gs_replay_damage_count(rs->r) > 0)
            gs_log(GS_LOG_WARN, "replay: %zu damaged chunks are skipped; the rest of the file plays",
                   gs_replay_damage_count(rs->r));
    }

    if (rs->opt.realtime) {
        double now = replay_now();
        if (rs->last_tick > 0 && !rs->paused)
            rs->clock += (now - rs->last_tick) * rs->speed;
        rs->last_tick = now;
    }
    if (!replay_fetch(rs)) {
        rs->at_end = 1;
        return 0;
    }
    rs->at_end = 0;

    if (rs->instant && rs->next.step > rs->instant_step) {
        /* The seek is done: play on from the last record it delivered. */
        rs->instant = 0;
        rs->clock = rs->delivered ? rs->wall : rs->next.wall;
        rs->clock_set = 1;
    }
    if (!rs->instant) {
        if (rs->paused)
            return 0;
        if (!rs->clock_set) {
            /* The clock starts at the first record; time that passed
             * before it was read counts from there. */
            rs->clock += rs->next.wall;
            rs->clock_set = 1;
        }
        double from = rs->delivered && rs->wall > rs->clock ? rs->wall : rs->clock;
        if (rs->next.wall - from > REPLAY_GAP_MAX)
            rs->clock = rs->next.wall - REPLAY_GAP_MAX;
        if (rs->next.wall > rs->clock)
            return 0;
    }
    memcpy(out, &rs->next, sizeof *out);
    rs->have_next = 0;
    replay_note_delivered(rs, out);
    return 1;
}

/* ---- seeking ----------------------------------------------------------- */

/* Deliver everything up to step at once, from the current position. */
static int replay_fast_forward(replay_source *rs, int64_t step)
{
    rs->instant = 1;
    rs->instant_step = step;
    return 0;
}

/* Start the stream again context_chunks before chunk `target` and deliver
 * everything up to step at once. */
static int replay_restart(replay_source *rs, long target, int64_t step)
{
    long start = target - rs->opt.context_chunks;
    if (start < 0)
        start = 0;
    replay_drop_cursor(rs);
    replay_params_before(rs, (size_t)start);
    rs->chunk = (size_t)start;
    rs->instant = 1;
    rs->instant_step = step;
    rs->delivered = 0;
    rs->delivered_chunk = -1;
    rs->rate_anchored = 0;
    rs->at_end = 0;
    return SOURCE_RESTART;
}

static int replay_seek_step(replay_source *rs, int64_t step)
{
    long target = gs_replay_find_step(rs->r, step);
    if (target < 0) {
        gs_log(GS_LOG_WARN, "replay: the recording has no records yet");
        return -1;
    }
    int64_t last = gs_replay_chunk(rs->r, gs_replay_chunk_count(rs->r) - 1)->last_step;
    if (step > last) {
        gs_log(GS_LOG_INFO, "replay: the recording ends at step %lld; going there", (long long)last);
        step = last;
    }
    if (rs->delivered && step > rs->step && target <= rs->delivered_chunk + rs->opt.context_chunks)
        return replay_fast_forward(rs, step);
    return replay_restart(rs, target, step);
}

static int replay_seek_chunk(replay_source *rs, int direction)
{
    long n = (long)gs_replay_chunk_count(rs->r);
    long current = rs->delivered ? rs->delivered_chunk : 0;
    if (n == 0) {
        gs_log(GS_LOG_WARN, "replay: the recording has no records yet");
        return -1;
    }
    if (direction > 0) {
        if (current + 1 >= n) {
            gs_log(GS_LOG_INFO, "replay: already in the last chunk");
            return replay_fast_forward(rs, gs_replay_chunk(rs->r, (size_t)n - 1)->last_step);
        }
        return replay_seek_step(rs, gs_replay_chunk(rs->r, (size_t)current + 1)->last_step);
    }
    long back = current > 0 ? current - 1 : 0;
    return replay_seek_step(rs, gs_replay_chunk(rs->r, (size_t)back)->first_step);
}

/* Find the step of the first event after the position (direction +1) or
 * the last event before it (-1), reading only the chunks flagged as
 * containing events. Returns 1 with *step set, or 0 when there is none.
 * NOTE: like the seeks, this assumes steps never decrease through the file,
 * as the trainer writes them. In a file whose steps go back, n and N can
 * miss events. */
static int replay_find_event(replay_source *rs, int direction, int64_t *step, char *text, size_t textlen)
{
    long n = (long)gs_replay_chunk_count(rs->r);
    long current = rs->delivered ? rs->delivered_chunk : 0;
    int found = 0;
    gs_frame *f = malloc(sizeof *f);
    if (!f)
        return 0;

    for (long i = current; i >= 0 && i < n && !found; i += direction) {
        const gs_replay_chunk_info *info = gs_replay_chunk(rs->r, (size_t)i);
        if (!(info->flags & GS_REPLAY_CHUNK_EVENTS) || (info->flags & GS_REPLAY_CHUNK_DAMAGED))
            continue;
        gs_replay_cursor c;
        char err[256];
        if (gs_replay_cursor_load(rs->r, (size_t)i, &c, err, sizeof err) != 0) {
            gs_log(GS_LOG_WARN, "replay: skipped a damaged chunk: %s", err);
            continue;
        }
        while (gs_replay_cursor_next(&c, f)) {
            if (f->kind != GS_REC_EVENT)
                continue;
            int after = !rs->delivered || f->step > rs->step;
            int before = rs->delivered && f->step < rs->step;
            if ((direction > 0 && after && !found) || (direction < 0 && before)) {
                /* Going forward the first match wins; going back, the last one in the chunk. */
                *step = f->step;
                snprintf(text, textlen, "%.*s", GS_TEXT_MAX - 1, f->u.event.text);
                found = 1;
            }
        }
        gs_replay_cursor_free(&c);
    }
    free(f);
    return found;
}

static int replay_seek_event(replay_source *rs, int direction)
{
    int64_t step;
    char text[GS_TEXT_MAX];
    if (!replay_find_event(rs, direction, &step, text, sizeof text)) {
        gs_log(GS_LOG_INFO, "replay: no event %s step %lld", direction > 0 ? "after" : "before",
               (long long)rs->step);
        return -1;
    }
    gs_log(GS_LOG_INFO, "replay: %s event at step %lld", direction > 0 ? "next" : "previous",
           (long long)step);
    return replay_seek_step(rs, step);
}

/* ---- the source table ---------------------------------------------------- */

static int replay_command(void *self, const gs_command *cmd)
{
    replay_source *rs = self;

    switch (cmd->kind) {
    case GS_CMD_PAUSE:
    case GS_CMD_RESUME:
    case GS_CMD_TOGGLE_PAUSE:
        rs->paused = cmd->kind == GS_CMD_TOGGLE_PAUSE ? !rs->paused : cmd->kind == GS_CMD_PAUSE;
        return 0;
    case SOURCE_CMD_SPEED: {
        double speed = cmd->value > 0 ? rs->speed * 2 : rs->speed / 2;
        if (speed < REPLAY_SPEED_MIN || speed > REPLAY_SPEED_MAX) {
            gs_log(GS_LOG_INFO, "replay: the speed stays between x1/4 and x64");
            return -1;
        }
        rs->speed = speed;
        return 0;
    }
    case SOURCE_CMD_SEEK_STEP:
        if (!isfinite(cmd->value) || cmd->value < 0 || cmd->value > 9e18)
            return -1;
        return replay_seek_step(rs, (int64_t)cmd->value);
    case SOURCE_CMD_SEEK_CHUNK:
        return replay_seek_chunk(rs, cmd->value > 0 ? 1 : -1);
    case SOURCE_CMD_NEXT_EVENT:
        return replay_seek_event(rs, cmd->value > 0 ? 1 : -1);
    default:
        /* A replay does not train: set, reset and stop have nothing to act on. */
        return -1;
    }
}

static void replay_status(void *self, gs_trainer_status *out)
{
    replay_source *rs = self;
    memset(out, 0, sizeof *out);
    out->step = rs->step;
    out->t = rs->t;
    out->steps_per_s = rs->rate;
    out->paused = rs->paused;
    out->theory_state = GS_THEORY_NONE;
    out->finished = rs->at_end && !rs->following;
}

static void replay_params(void *self, gs_params *out)
{
    *out = ((replay_source *)self)->params;
}

static const gs_preset *replay_preset(void *self)
{
    return &((replay_source *)self)->preset;
}

static int replay_nseries(void *self)
{
    return ((replay_source *)self)->nseries;
}

static const gs_series_decl *replay_series(void *self)
{
    return ((replay_source *)self)->series;
}

static void replay_playback(void *self, source_playback *out)
{
    replay_source *rs = self;
    size_t n = gs_replay_chunk_count(rs->r);
    memset(out, 0, sizeof *out);
    out->speed = rs->speed;
    out->last_step = n ? gs_replay_chunk(rs->r, n - 1)->last_step : 0;
    out->at_end = rs->at_end;
    out->following = rs->following;
}

void replay_source_fill(replay_source *rs, ui_source *src)
{
    memset(src, 0, sizeof *src);
    src->self = rs;
    src->kind = "replay";
    src->poll = replay_poll;
    src->command = replay_command;
    src->status = replay_status;
    src->params = replay_params;
    src->preset = replay_preset;
    src->nseries = replay_nseries;
    src->series = replay_series;
    src->record = NULL;
    src->recording = NULL;
    src->playback = replay_playback;
}

/* ---- life cycle ---------------------------------------------------------- */

/* Parse the preset text of the header. A recording whose preset no longer
 * parses still plays: its series come from the header, its parameters are
 * then only those its SET events name. */
static void replay_load_preset(replay_source *rs, const char *path)
{
    const gs_recording_header *h = gs_replay_header(rs->r);
    char source[GS_TEXT_FIELD], err[512];

    snprintf(source, sizeof source, "%s (recorded preset)", path);
    if (gs_preset_parse(&rs->preset, h->preset_text ? h->preset_text : "", source, err, sizeof err) == 0)
        return;
    gs_log(GS_LOG_WARN, "replay: the recorded preset does not parse (%s); showing the series without it",
           err);
    memset(&rs->preset, 0, sizeof rs->preset);
    snprintf(rs->preset.name, sizeof rs->preset.name, "%.*s", GS_NAME_MAX - 1, h->preset_name);
    snprintf(rs->preset.title, sizeof rs->preset.title, "recorded preset that no longer parses");
}

int replay_source_open(replay_source **out, const char *path, const replay_source_options *o, char *err,
                       size_t errlen)
{
    replay_source *rs = calloc(1, sizeof *rs);
    *out = NULL;
    if (!rs) {
        snprintf(err, errlen, "out of memory opening %s", path);
        return -1;
    }
    if (o)
        rs->opt = *o;
    else
        replay_source_options_default(&rs->opt);
    if (rs->opt.context_chunks <= 0)
        rs->opt.context_chunks = 64;
    rs->speed = rs->opt.speed > 0 ? rs->opt.speed : 1;
    if (rs->speed < REPLAY_SPEED_MIN)
        rs->speed = REPLAY_SPEED_MIN;
    if (rs->speed > REPLAY_SPEED_MAX)
        rs->speed = REPLAY_SPEED_MAX;
    rs->following = rs->opt.follow;
    rs->delivered_chunk = -1;

    if (gs_replay_open(&rs->r, path, err, errlen) != 0) {
        free(rs);
        return -1;
    }
    replay_load_preset(rs, path);
    rs->params = rs->preset.params;
    const gs_recording_header *h = gs_replay_header(rs->r);
    rs->nseries = h->nseries;
    if (rs->nseries < 0)
        rs->nseries = 0;
    if (rs->nseries > GS_MAX_SERIES)
        rs->nseries = GS_MAX_SERIES;
    memcpy(rs->series, h->series, sizeof(gs_series_decl) * (size_t)rs->nseries);
    for (int i = 0; i < rs->nseries; i++) {
        /* Strings read from a file may lack their terminating NUL. */
        gs_series_decl *d = &rs->series[i];
        d->name[GS_NAME_MAX - 1] = d->panel[GS_NAME_MAX - 1] = '\0';
        d->label[GS_LABEL_MAX - 1] = d->unit[sizeof d->unit - 1] = '\0';
    }
    rs->last_refresh = replay_now();
    *out = rs;
    return 0;
}

void replay_source_close(replay_source *rs)
{
    if (!rs)
        return;
    replay_drop_cursor(rs);
    gs_replay_close(rs->r);
    gs_preset_free(&rs->preset);
    free(rs);
}

void replay_source_advance(replay_source *rs, double seconds)
{
    if (!rs->paused && seconds > 0)
        rs->clock += seconds * rs->speed;
}

size_t replay_source_skipped(const replay_source *rs)
{
    return gs_replay_damage_count(rs->r);
}

long replay_source_chunk(const replay_source *rs)
{
    return rs->delivered ? rs->delivered_chunk : -1;
}
