/*
 * app.c - screen state, key handling and layout. See app.h.
 *
 * Layout from top to bottom: the header line, then the panels in a grid of
 * two columns, then the footer with the most used keys, then the message
 * line. The grid contains the preset's plot panels, then the parameter list.
 * The command line replaces the message line while it is open, and a zoomed
 * panel takes the whole grid.
 */
#include "app.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "log.h"
#include "panel.h"
#include "plot.h"
#include "style.h"

#define APP_MAX_EVENTS 256
#define APP_MESSAGE_MAX 240
#define APP_COMMAND_MAX 120
#define APP_MESSAGES 200
#define APP_ECHOES 16

typedef struct {
    int level;
    int repeats;
    char text[APP_MESSAGE_MAX];
} app_line;

struct app {
    ui_source *src;
    int mode;                           /* KEYS_MODE_LIVE, or KEYS_MODE_REPLAY for a source with playback */
    source_playback playback;           /* the replay's state; zero in a live run */
    const gs_preset *preset;
    const gs_series_decl *decl;
    int nseries;
    history hist[GS_MAX_SERIES];
    uint32_t theory_stale;

    panel *panels[GS_MAX_PANELS + 1];   /* the preset's panels, then parameters */
    int npanels;                        /* including the parameter panel */
    int focus;                          /* index into panels */
    int zoomed;
    int help_open;
    int help_scroll;                    /* first help row shown */
    int help_rows;                      /* rows of the help text at its last drawn width */
    int command_open;
    char command[APP_COMMAND_MAX];

    char record_path[GS_TEXT_FIELD];    /* "" when not recording */
    gs_trainer_status status;
    gs_params params;
    int selected;                       /* tunable index */
    double pending[GS_MAX_TUNABLE];     /* requested value not yet echoed, or NaN */

    double event_step[APP_MAX_EVENTS], event_t[APP_MAX_EVENTS];
    int nevents;

    /* Messages, newest last: the message line shows the newest, m shows
     * them all. */
    app_line messages[APP_MESSAGES];
    int message_head, message_count;
    int messages_open;
    int messages_scroll;                /* lines scrolled up from the newest */

    /* Event texts shown but not yet matched by the trainer's log line of the
     * same event, and the reverse, so each event shows once. */
    char echo[APP_ECHOES][GS_TEXT_MAX];
    int echo_next;
};

void app_options_default(app_options *o)
{
    o->history_recent = 4096;
    o->history_old = 1024;
    o->record_path = NULL;
}

/* ---- messages -------------------------------------------------------------- */

static app_line *app_newest_message(app *a)
{
    if (a->message_count == 0)
        return NULL;
    return &a->messages[(a->message_head + a->message_count - 1) % APP_MESSAGES];
}

static void app_set_message(app *a, int level, const char *text)
{
    app_line *newest = app_newest_message(a);

    if (newest && newest->level == level && strcmp(newest->text, text) == 0) {
        newest->repeats++;
        return;
    }
    if (a->message_count == APP_MESSAGES) {
        a->message_head = (a->message_head + 1) % APP_MESSAGES;
        a->message_count--;
    }
    app_line *slot = &a->messages[(a->message_head + a->message_count) % APP_MESSAGES];
    slot->level = level;
    slot->repeats = 1;
    snprintf(slot->text, sizeof slot->text, "%s", text);
    a->message_count++;
}

/* Return 1 if text is the other copy of an event seen once already (and
 * forget it), else remember it and return 0. */
static int app_echo_seen(app *a, const char *text)
{
    if (!text[0])
        return 0;
    for (int i = 0; i < APP_ECHOES; i++)
        if (strcmp(a->echo[i], text) == 0) {
            a->echo[i][0] = '\0';
            return 1;
        }
    snprintf(a->echo[a->echo_next], sizeof a->echo[0], "%s", text);
    a->echo_next = (a->echo_next + 1) % APP_ECHOES;
    return 0;
}

void app_log_line(app *a, int level, const char *text, int repeats)
{
    /* The trainer logs each event as "step N: TEXT"; the event itself has
     * already shown TEXT, or will. */
    long long step;
    int prefix = 0;
    if (sscanf(text, "step %lld: %n", &step, &prefix) == 1 && prefix > 0 && app_echo_seen(a, text + prefix))
        return;
    if (repeats > 1)
        app_message(a, level, "%s (x%d)", text, repeats);
    else
        app_message(a, level, "%s", text);
}

void app_message(app *a, int level, const char *fmt, ...)
{
    char text[APP_MESSAGE_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    app_set_message(a, level, text);
}

/* ---- set-up ---------------------------------------------------------------- */

/* Give a preset without [panel] sections one line plot per panel name that
 * its series use, in order of first use. */
static int app_imply_panels(app *a, char *err, size_t errlen)
{
    for (int i = 0; i < a->nseries && a->npanels < GS_MAX_PANELS; i++) {
        int known = 0;
        for (int k = 0; k < i; k++)
            if (strcmp(a->decl[k].panel, a->decl[i].panel) == 0 && a->decl[k].kind != GS_SERIES_STATUS)
                known = 1;
        if (known || a->decl[i].kind == GS_SERIES_STATUS)
            continue;
        gs_panel_decl implied;
        memset(&implied, 0, sizeof implied);
        snprintf(implied.name, sizeof implied.name, "%s", a->decl[i].panel);
        snprintf(implied.kind, sizeof implied.kind, "lines");
        panel *p = panel_create(&implied);
        if (!p) {
            snprintf(err, errlen, "screen: out of memory for panel %s", implied.name);
            return -1;
        }
        a->panels[a->npanels++] = p;
    }
    return 0;
}

int app_create(app **out, ui_source *src, const app_options *o, char *err, size_t errlen)
{
    app *a = calloc(1, sizeof *a);

    *out = NULL;
    if (!a) {
        snprintf(err, errlen, "screen: out of memory");
        return -1;
    }
    a->src = src;
    a->mode = src->playback ? KEYS_MODE_REPLAY : KEYS_MODE_LIVE;
    if (o->record_path)
        snprintf(a->record_path, sizeof a->record_path, "%s", o->record_path);
    a->preset = src->preset(src->self);
    a->decl = src->series(src->self);
    a->nseries = src->nseries(src->self);
    if (a->nseries < 0 || a->nseries > GS_MAX_SERIES) {
        snprintf(err, errlen, "screen: the source declares %d series; at most %d are supported", a->nseries,
                 GS_MAX_SERIES);
        free(a);
        return -1;
    }
    for (int i = 0; i < a->nseries; i++)
        if (history_init(&a->hist[i], o->history_recent, o->history_old) != 0) {
            snprintf(err, errlen, "screen: cannot keep a history of %d + %d points per series",
                     o->history_recent, o->history_old);
            app_free(a);
            return -1;
        }
    for (int i = 0; a->preset && i < a->preset->npanels && i < GS_MAX_PANELS; i++) {
        panel *p = panel_create(&a->preset->panel[i]);
        if (!p) {
            snprintf(err, errlen, "screen: out of memory for panel %s", a->preset->panel[i].name);
            app_free(a);
            return -1;
        }
        a->panels[a->npanels++] = p;
    }
    if (a->npanels == 0 && app_imply_panels(a, err, errlen) != 0) {
        app_free(a);
        return -1;
    }
    if (!(a->panels[a->npanels] = panel_create_params())) {
        snprintf(err, errlen, "screen: out of memory for the parameter panel");
        app_free(a);
        return -1;
    }
    a->npanels++;
    for (int i = 0; i < GS_MAX_TUNABLE; i++)
        a->pending[i] = NAN;

    /* A tunable key that a global binding shadows never reaches the tunable,
     * so report it once instead of ignoring the key silently. */
    for (int i = 0; a->mode == KEYS_MODE_LIVE && a->preset && i < a->preset->ntunable; i++) {
        const gs_tunable *t = &a->preset->tunable[i];
        if ((t->key_down && keys_action_for(t->key_down, a->mode) != ACTION_NONE)
            || (t->key_up && keys_action_for(t->key_up, a->mode) != ACTION_NONE))
            app_message(a, GS_LOG_WARN, "the keys of %s clash with screen keys; use the parameter list or :set",
                        t->name);
    }
    if (a->message_count == 0)
        app_message(a, GS_LOG_INFO, "%s: %s  (press ? for help)", a->preset ? a->preset->name : "?",
                    a->preset ? a->preset->title : "");
    app_refresh(a);
    *out = a;
    return 0;
}

void app_reset_history(app *a)
{
    for (int i = 0; i < a->nseries; i++)
        history_clear(&a->hist[i]);
    a->theory_stale = 0;
    a->nevents = 0;
    for (int i = 0; i < GS_MAX_TUNABLE; i++)
        a->pending[i] = NAN;
    /* Events delivered again must show again, not pass as echoes. */
    for (int i = 0; i < APP_ECHOES; i++)
        a->echo[i][0] = '\0';
}

const history *app_history(const app *a, int series)
{
    return series >= 0 && series < a->nseries ? &a->hist[series] : NULL;
}

void app_free(app *a)
{
    if (!a)
        return;
    for (int i = 0; i < a->nseries; i++)
        history_free(&a->hist[i]);
    for (int i = 0; i < a->npanels; i++)
        panel_free(a->panels[i]);
    free(a);
}

/* ---- records --------------------------------------------------------------- */

static void app_add_event(app *a, const gs_frame *f)
{
    if (a->nevents == APP_MAX_EVENTS) {
        memmove(a->event_step, a->event_step + 1, sizeof(double) * (APP_MAX_EVENTS - 1));
        memmove(a->event_t, a->event_t + 1, sizeof(double) * (APP_MAX_EVENTS - 1));
        a->nevents--;
    }
    a->event_step[a->nevents] = (double)f->step;
    a->event_t[a->nevents] = f->t;
    a->nevents++;
}

static int app_tunable_index(const app *a, const char *name)
{
    for (int i = 0; a->preset && i < a->preset->ntunable; i++)
        if (strcmp(a->preset->tunable[i].name, name) == 0)
            return i;
    return -1;
}

static void app_event(app *a, const gs_frame *f)
{
    /* A copy with terminated strings: a record read from a file may lack
     * the terminating NUL. */
    gs_event copy = f->u.event;
    copy.name[GS_NAME_MAX - 1] = '\0';
    copy.text[GS_TEXT_MAX - 1] = '\0';
    const gs_event *e = &copy;
    int t = app_tunable_index(a, e->name);

    if (app_echo_seen(a, e->text)) {
        /* The log line came first and is on screen; keep only the side effects. */
        if (t >= 0 && (e->kind == GS_EVENT_SET || e->kind == GS_EVENT_REFUSED))
            a->pending[t] = NAN;
        if (e->kind == GS_EVENT_SET || e->kind == GS_EVENT_RESET || e->kind == GS_EVENT_DIVERGED)
            app_add_event(a, f);
        return;
    }

    switch (e->kind) {
    case GS_EVENT_SET:
        if (t >= 0)
            a->pending[t] = NAN;
        app_add_event(a, f);
        if (e->text[0])
            app_message(a, GS_LOG_INFO, "step %lld: %s", (long long)f->step, e->text);
        else
            app_message(a, GS_LOG_INFO, "step %lld: %s %g -> %g", (long long)f->step, e->name, e->old_value,
                        e->new_value);
        break;
    case GS_EVENT_REFUSED:
        if (t >= 0)
            a->pending[t] = NAN;
        app_message(a, GS_LOG_WARN, "step %lld: %s", (long long)f->step,
                    e->text[0] ? e->text : "a command was rejected");
        break;
    case GS_EVENT_RESET:
        app_add_event(a, f);
        app_message(a, GS_LOG_INFO, "step %lld: %s", (long long)f->step, e->text[0] ? e->text : "reset");
        break;
    case GS_EVENT_DIVERGED:
        app_add_event(a, f);
        app_message(a, GS_LOG_ERROR, "step %lld: %s", (long long)f->step,
                    e->text[0] ? e->text : "training diverged and is paused; lower lr or T, then press r");
        break;
    case GS_EVENT_PAUSE:
    case GS_EVENT_RESUME:
        app_message(a, GS_LOG_INFO, "step %lld: %s", (long long)f->step,
                    e->kind == GS_EVENT_PAUSE ? "paused" : "resumed");
        break;
    default:
        if (e->text[0])
            app_message(a, GS_LOG_INFO, "%s", e->text);
    }
}

static panel *app_panel_for(app *a, int kind, const char *name)
{
    panel *fallback = NULL;
    for (int i = 0; i < a->npanels; i++) {
        if (a->panels[i]->kind != kind)
            continue;
        if (strcmp(a->panels[i]->name, name) == 0)
            return a->panels[i];
        if (!fallback)
            fallback = a->panels[i];
    }
    return fallback;
}

void app_feed(app *a, const gs_frame *f)
{
    switch (f->kind) {
    case GS_REC_SCALARS: {
        int n = f->u.scalars.nseries < a->nseries ? f->u.scalars.nseries : a->nseries;
        for (int i = 0; i < n; i++)
            history_append(&a->hist[i], (double)f->step, f->t, f->u.scalars.v[i]);
        a->theory_stale = f->u.scalars.theory_stale;
        break;
    }
    case GS_REC_HISTOGRAM: {
        char name[GS_NAME_MAX];
        snprintf(name, sizeof name, "%.*s", GS_NAME_MAX - 1, f->u.hist.name);
        panel *p = app_panel_for(a, PANEL_HISTOGRAM, name);
        if (p)
            panel_set_histogram(p, &f->u.hist);
        break;
    }
    case GS_REC_MATRIX: {
        char name[GS_NAME_MAX];
        snprintf(name, sizeof name, "%.*s", GS_NAME_MAX - 1, f->u.matrix.name);
        /* "curve:NAME" records are theory curves (x and y rows), not images: only a
         * heat map panel named after one shows it. */
        if (strncmp(name, "curve:", 6) == 0) {
            for (int i = 0; i < a->npanels; i++)
                if (a->panels[i]->kind == PANEL_HEATMAP && strcmp(a->panels[i]->name, name) == 0)
                    panel_set_matrix(a->panels[i], &f->u.matrix);
            break;
        }
        panel *p = app_panel_for(a, PANEL_HEATMAP, name);
        if (p)
            panel_set_matrix(p, &f->u.matrix);
        break;
    }
    case GS_REC_EVENT:
        app_event(a, f);
        break;
    default:
        break;
    }
}

int app_drain(app *a, int max)
{
    gs_frame f;
    int n = 0;
    while (n < max && a->src->poll(a->src->self, &f)) {
        app_feed(a, &f);
        n++;
    }
    return n;
}

void app_refresh(app *a)
{
    int was_finished = a->status.finished;

    a->src->status(a->src->self, &a->status);
    a->src->params(a->src->self, &a->params);
    if (a->src->playback)
        a->src->playback(a->src->self, &a->playback);
    if (a->status.finished && !was_finished && a->mode == KEYS_MODE_REPLAY)
        app_message(a, GS_LOG_INFO, "replay: end of the recording at step %lld; new chunks play if the file "
                    "grows; g or Left goes back, q quits", (long long)a->status.step);
    else if (a->status.finished && !was_finished)
        app_message(a, GS_LOG_INFO, "training finished at step %lld; the plots stay until you press q",
                    (long long)a->status.step);
}

/* ---- commands -------------------------------------------------------------- */

/* Return the file being recorded. A source that reports its recording is asked;
 * for any other source the path it was started with is shown. */
static const char *app_recording_path(const app *a)
{
    if (a->src->recording)
        return a->src->recording(a->src->self);
    return a->record_path[0] ? a->record_path : NULL;
}

static int app_recording(const app *a)
{
    return app_recording_path(a) != NULL;
}

static void app_send(app *a, const gs_command *cmd)
{
    int rc = a->src->command(a->src->self, cmd);
    if (rc == SOURCE_RESTART)
        app_reset_history(a);
    else if (rc != 0 && a->mode == KEYS_MODE_LIVE)
        app_message(a, GS_LOG_WARN, "the command queue is full or the source takes no commands; try again");
}

/* In a replay, show that keys and commands which would change the run have
 * no effect. Returns 1 when the app is a replay, 0 otherwise. */
static int app_replay_refuses(app *a)
{
    if (a->mode != KEYS_MODE_REPLAY)
        return 0;
    app_message(a, GS_LOG_WARN, "replay: parameters are as recorded");
    return 1;
}

/* Send a playback control. The replay source reports the outcome (where it
 * went, or why it could not) through gs_log, which the screen shows. */
static void app_playback(app *a, int kind, double value)
{
    gs_command cmd = {.kind = kind, .value = value};
    app_send(a, &cmd);
}

/* Request name = value after checking the bounds of a tunable. */
static void app_request_set(app *a, int t, double value)
{
    const gs_tunable *tu = &a->preset->tunable[t];
    char v[32], lo[32], hi[32];

    plot_format_number(value, v, sizeof v);
    plot_format_number(tu->min, lo, sizeof lo);
    plot_format_number(tu->max, hi, sizeof hi);
    double slack = 1e-9 * fmax(fabs(tu->min), fabs(tu->max));
    if (!isfinite(value) || value < tu->min - slack || value > tu->max + slack) {
        app_message(a, GS_LOG_WARN, "%s = %s is outside its bounds [%s, %s]; not changed", tu->name, v, lo, hi);
        return;
    }
    gs_command cmd = {.kind = GS_CMD_SET, .value = value};
    snprintf(cmd.name, sizeof cmd.name, "%s", tu->name);
    app_send(a, &cmd);
    a->pending[t] = value;
    if (tu->rebuild)
        app_message(a, GS_LOG_WARN, "%s -> %s requested: %s rebuilds data and weights, so training restarts",
                    tu->name, v, tu->name);
    else
        app_message(a, GS_LOG_INFO, "%s -> %s requested", tu->name, v);
}

static void app_step_param(app *a, int t, int direction)
{
    const gs_tunable *tu = &a->preset->tunable[t];
    double current = isfinite(a->pending[t]) ? a->pending[t] : gs_params_get(&a->params, tu->name, NAN);
    double value;

    if (!isfinite(current)) {
        app_message(a, GS_LOG_WARN, "%s has no current value yet", tu->name);
        return;
    }
    if (tu->log_scale)
        value = direction > 0 ? current * tu->step : current / tu->step;
    else
        value = current + direction * tu->step;
    app_request_set(a, t, value);
}

/* Execute the text of the command line. */
static int app_run_command(app *a, const char *line)
{
    char verb[32] = "", name[GS_NAME_MAX] = "", rest[64] = "";
    int n = sscanf(line, " %31s %47s %63s", verb, name, rest);

    if (n <= 0)
        return 0;
    /* "NAME=VALUE" is the same as "set NAME VALUE". */
    const char *eq = strchr(line, '=');
    if (eq && strcmp(verb, "set") != 0) {
        const char *start = line, *end = eq;
        while (*start == ' ')
            start++;
        while (end > start && end[-1] == ' ')
            end--;
        snprintf(name, sizeof name, "%.*s", (int)(end - start), start);
        snprintf(rest, sizeof rest, "%s", eq + 1);
        snprintf(verb, sizeof verb, "set");
        n = 3;
    }
    if (strcmp(verb, "goto") == 0 || strcmp(verb, "g") == 0) {
        char *end = NULL;
        double step = n >= 2 ? strtod(name, &end) : NAN;
        if (a->mode != KEYS_MODE_REPLAY) {
            app_message(a, GS_LOG_WARN, "goto works in a replay only (grokscope replay FILE.gsr)");
            return 0;
        }
        if (n < 2 || end == name || *end || !isfinite(step) || step < 0) {
            app_message(a, GS_LOG_WARN, "usage: goto STEP, e.g. goto 12000");
            return 0;
        }
        app_playback(a, SOURCE_CMD_SEEK_STEP, floor(step));
        return 0;
    }
    if ((strcmp(verb, "set") == 0 || strcmp(verb, "reset") == 0) && app_replay_refuses(a))
        return 0;
    if (strcmp(verb, "set") == 0) {
        char *end = NULL;
        double value = n == 3 ? strtod(rest, &end) : NAN;
        if (n < 3 || end == rest) {
            app_message(a, GS_LOG_WARN, "usage: set NAME VALUE, e.g. set T 1e-3");
            return 0;
        }
        int t = app_tunable_index(a, name);
        if (t >= 0) {
            app_request_set(a, t, value);
            return 0;
        }
        /* Not a tunable: the source decides, and rejects with a reason. */
        if (gs_params_find(&a->params, name) < 0) {
            char names[160] = "";
            size_t used = 0;
            for (int i = 0; a->preset && i < a->preset->ntunable && used < sizeof names; i++)
                used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "",
                                         a->preset->tunable[i].name);
            app_message(a, GS_LOG_WARN, "unknown parameter '%s'; tunable: %s", name, names);
            return 0;
        }
        gs_command cmd = {.kind = GS_CMD_SET, .value = value};
        snprintf(cmd.name, sizeof cmd.name, "%s", name);
        app_send(a, &cmd);
        app_message(a, GS_LOG_INFO, "%s -> %g requested", name, value);
        return 0;
    }
    if (strcmp(verb, "reset") == 0) {
        int cold = strcmp(name, "cold") == 0;
        gs_command cmd = {.kind = GS_CMD_RESET, .value = cold ? 1 : 0};
        app_send(a, &cmd);
        app_message(a, GS_LOG_INFO, "reset requested (%s start)", cold ? "cold" : "hot");
        return 0;
    }
    if (strcmp(verb, "pause") == 0 || strcmp(verb, "resume") == 0) {
        gs_command cmd = {.kind = verb[0] == 'p' ? GS_CMD_PAUSE : GS_CMD_RESUME};
        app_send(a, &cmd);
        return 0;
    }
    if (strcmp(verb, "quit") == 0 || strcmp(verb, "q") == 0)
        return APP_QUIT;
    if (a->mode == KEYS_MODE_REPLAY)
        app_message(a, GS_LOG_WARN, "unknown command '%s'; try: goto STEP, pause, resume, quit", verb);
    else
        app_message(a, GS_LOG_WARN, "unknown command '%s'; try: set NAME VALUE, reset, reset cold, pause, "
                    "resume, quit", verb);
    return 0;
}

static int app_command_key(app *a, int key)
{
    size_t len = strlen(a->command);

    if (key == KEYS_ESC) {
        a->command_open = 0;
        return APP_REDRAW;
    }
    if (key == KEYS_ENTER || key == '\r') {
        a->command_open = 0;
        return APP_REDRAW | app_run_command(a, a->command);
    }
    if (key == KEYS_BACKSPACE || key == 127 || key == 8) {
        if (len > 0)
            a->command[len - 1] = '\0';
        return APP_REDRAW;
    }
    if (key >= ' ' && key < 0x7f && len + 1 < sizeof a->command) {
        a->command[len] = (char)key;
        a->command[len + 1] = '\0';
    }
    return APP_REDRAW;
}

/* ---- keys ------------------------------------------------------------------ */

static int app_plot_count(const app *a)
{
    return a->npanels - 1;
}

int app_key(app *a, int key)
{
    char note[APP_MESSAGE_MAX] = "";
    int action, direction;

    if (a->command_open)
        return app_command_key(a, key);
    action = keys_action_for(key, a->mode);
    if (a->messages_open) {
        if (action == ACTION_MESSAGES || action == ACTION_CLOSE)
            a->messages_open = 0;
        if (action == ACTION_QUIT)
            return APP_QUIT;
        if (action == ACTION_PARAM_PREV && a->messages_scroll + 1 < a->message_count)
            a->messages_scroll++;
        if (action == ACTION_PARAM_NEXT && a->messages_scroll > 0)
            a->messages_scroll--;
        return APP_REDRAW;
    }
    if (a->help_open) {
        if (action == ACTION_HELP || action == ACTION_CLOSE)
            a->help_open = 0;
        if (action == ACTION_QUIT)
            return APP_QUIT;
        if (action == ACTION_PARAM_NEXT && a->help_scroll + 1 < a->help_rows)
            a->help_scroll++;
        if (action == ACTION_PARAM_PREV && a->help_scroll > 0)
            a->help_scroll--;
        return APP_REDRAW;
    }

    int nplots = app_plot_count(a);
    switch (action) {
    case ACTION_QUIT:
        return APP_QUIT;
    case ACTION_PAUSE: {
        gs_command cmd = {.kind = GS_CMD_TOGGLE_PAUSE};
        app_send(a, &cmd);
        return APP_REDRAW;
    }
    case ACTION_MESSAGES:
        a->messages_open = 1;
        a->messages_scroll = 0;
        return APP_REDRAW;
    case ACTION_HELP:
        a->help_open = 1;
        a->help_scroll = 0;
        return APP_REDRAW;
    case ACTION_CLOSE:
        a->zoomed = 0;
        return APP_REDRAW;
    case ACTION_FOCUS_NEXT:
    case ACTION_FOCUS_PREV:
        if (nplots > 0)
            a->focus = (a->focus + (action == ACTION_FOCUS_NEXT ? 1 : nplots - 1)) % nplots;
        return APP_REDRAW;
    case ACTION_FOCUS_N:
        if (key - '1' < nplots)
            a->focus = key - '1';
        else
            app_message(a, GS_LOG_WARN, "there is no panel %c; this preset has %d", key, nplots);
        return APP_REDRAW;
    case ACTION_ZOOM:
        a->zoomed = !a->zoomed;
        return APP_REDRAW;
    case ACTION_PARAM_PREV:
    case ACTION_PARAM_NEXT:
        if (a->preset && a->preset->ntunable > 0) {
            int n = a->preset->ntunable;
            a->selected = (a->selected + (action == ACTION_PARAM_NEXT ? 1 : n - 1)) % n;
        }
        return APP_REDRAW;
    case ACTION_PARAM_DOWN:
    case ACTION_PARAM_UP:
        if (app_replay_refuses(a))
            return APP_REDRAW;
        if (a->preset && a->preset->ntunable > 0)
            app_step_param(a, a->selected, action == ACTION_PARAM_UP ? 1 : -1);
        return APP_REDRAW;
    case ACTION_COMMAND:
        a->command_open = 1;
        a->command[0] = '\0';
        return APP_REDRAW;
    case ACTION_RESET:
    case ACTION_RESET_COLD: {
        if (app_replay_refuses(a))
            return APP_REDRAW;
        int cold = action == ACTION_RESET_COLD;
        gs_command cmd = {.kind = GS_CMD_RESET, .value = cold};
        app_send(a, &cmd);
        app_message(a, GS_LOG_INFO, cold ? "reset requested (cold start: units on the teacher direction)"
                                         : "reset requested (fresh draw from the prior)");
        return APP_REDRAW;
    }
    case ACTION_RECORD: {
        char msg[256] = "";
        if (!a->src->record) {
            app_message(a, GS_LOG_WARN, "this %s source cannot record", a->src->kind ? a->src->kind : "");
            return APP_REDRAW;
        }
        int on = !app_recording(a);
        if (a->src->record(a->src->self, on, msg, sizeof msg) != 0)
            app_message(a, GS_LOG_WARN, "%s", msg);
        else
            app_message(a, GS_LOG_INFO, "%s", msg);
        return APP_REDRAW;
    }
    case ACTION_REPLAY_FASTER:
    case ACTION_REPLAY_SLOWER:
        app_playback(a, SOURCE_CMD_SPEED, action == ACTION_REPLAY_FASTER ? 1 : -1);
        return APP_REDRAW;
    case ACTION_REPLAY_GOTO:
        a->command_open = 1;
        snprintf(a->command, sizeof a->command, "goto ");
        return APP_REDRAW;
    case ACTION_REPLAY_NEXT_EVENT:
    case ACTION_REPLAY_PREV_EVENT:
        app_playback(a, SOURCE_CMD_NEXT_EVENT, action == ACTION_REPLAY_NEXT_EVENT ? 1 : -1);
        return APP_REDRAW;
    case ACTION_REPLAY_BACK:
    case ACTION_REPLAY_FORWARD:
        app_playback(a, SOURCE_CMD_SEEK_CHUNK, action == ACTION_REPLAY_FORWARD ? 1 : -1);
        return APP_REDRAW;
    case ACTION_NONE:
        break;
    default:
        if (nplots > 0 && panel_key(a->panels[a->focus], action, note, sizeof note) & PANEL_HANDLED) {
            if (note[0])
                app_message(a, GS_LOG_INFO, "%s", note);
        } else {
            app_message(a, GS_LOG_INFO, "the focused panel has no use for that key");
        }
        return APP_REDRAW;
    }

    int t = keys_tunable_for(a->preset, key, &direction);
    if (t >= 0 && app_replay_refuses(a))
        return APP_REDRAW;
    if (t >= 0) {
        a->selected = t;
        app_step_param(a, t, direction);
        return APP_REDRAW;
    }
    return 0;
}

/* ---- drawing --------------------------------------------------------------- */

/* Digits in groups of three separated by spaces: 184200 -> "184 200". */
static void format_grouped(long long v, char *out, size_t len)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%lld", v < 0 ? -v : v);
    size_t used = 0;
    if (v < 0 && used + 1 < len)
        out[used++] = '-';
    for (int i = 0; i < n && used + 2 < len; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[used++] = ' ';
        out[used++] = digits[i];
    }
    out[used] = '\0';
}

/* Header pieces with a priority: when the line is too narrow, the pieces
 * of lowest priority are left out first. */
typedef struct {
    char text[96];
    int style;
    int priority;
} header_piece;

#define HEADER_PIECES 10

static int header_add(header_piece *pieces, int n, int priority, int style, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int header_add(header_piece *pieces, int n, int priority, int style, const char *fmt, ...)
{
    va_list ap;
    if (n >= HEADER_PIECES)
        return n;
    va_start(ap, fmt);
    vsnprintf(pieces[n].text, sizeof pieces[n].text, fmt, ap);
    va_end(ap);
    pieces[n].style = style;
    pieces[n].priority = priority;
    return n + 1;
}

static void app_draw_header(app *a, cells_buf *b)
{
    header_piece pieces[HEADER_PIECES];
    int n = 0, normal = STYLE_HEADER;
    const gs_trainer_status *s = &a->status;
    char step[32], rate[32];

    format_grouped((long long)s->step, step, sizeof step);
    long long steps_per_s = 0;
    if (isfinite(s->steps_per_s) && fabs(s->steps_per_s) < 1e15)
        steps_per_s = llround(s->steps_per_s);
    format_grouped(steps_per_s, rate, sizeof rate);
    n = header_add(pieces, n, 1, normal, "grokscope");
    n = header_add(pieces, n, 9, normal, "%s", a->preset ? a->preset->name : "?");
    if (a->mode == KEYS_MODE_REPLAY) {
        char speed[16];
        const source_playback *pb = &a->playback;
        if (pb->speed < 1 && pb->speed > 0)
            snprintf(speed, sizeof speed, "x1/%.0f", 1 / pb->speed);
        else
            snprintf(speed, sizeof speed, "x%.0f", pb->speed);
        n = header_add(pieces, n, 9, STYLE_WARN, "[%s %s%s]", a->src->kind ? a->src->kind : "replay", speed,
                       pb->following ? " following" : "");
        char total[32];
        format_grouped((long long)pb->last_step, total, sizeof total);
        n = header_add(pieces, n, 10, normal, "step %s of %s", step, total);
    } else {
        if (a->src->kind && strcmp(a->src->kind, "live") != 0)
            n = header_add(pieces, n, 3, normal, "[%s]", a->src->kind);
        n = header_add(pieces, n, 10, normal, "step %s", step);
    }
    n = header_add(pieces, n, 8, normal, "t=%.4g", s->t);
    n = header_add(pieces, n, 5, normal, "%s steps/s", rate);
    if (s->frames_dropped)
        n = header_add(pieces, n, 7, STYLE_WARN, "dropped %llu", (unsigned long long)s->frames_dropped);
    const char *recording = app_recording_path(a);
    if (a->mode == KEYS_MODE_REPLAY) {
        /* A replay cannot record, so REC off would only take room. */
    } else if (recording) {
        const char *base = strrchr(recording, '/');
        base = base ? base + 1 : recording;
        n = header_add(pieces, n, 7, STYLE_ERROR, "REC %s %.24s", b->ascii ? "*" : "\u25cf", base);
    } else {
        n = header_add(pieces, n, 4, normal, "REC off");
    }
    if (s->theory_state == GS_THEORY_COMPUTING)
        n = header_add(pieces, n, 6, STYLE_WARN, "theory recomputing");
    else if (s->theory_state == GS_THEORY_FAILED)
        n = header_add(pieces, n, 6, STYLE_ERROR, "theory failed");
    else if (s->theory_state == GS_THEORY_CURRENT && a->theory_stale)
        n = header_add(pieces, n, 6, STYLE_WARN, "theory stale");
    else if (s->theory_state == GS_THEORY_CURRENT)
        n = header_add(pieces, n, 6, normal, "theory current");
    if (s->diverged)
        n = header_add(pieces, n, 9, STYLE_ERROR, "DIVERGED");
    else if (s->finished && a->mode == KEYS_MODE_REPLAY)
        n = header_add(pieces, n, 9, normal, "end of file");
    else if (s->finished)
        n = header_add(pieces, n, 9, normal, "finished");
    else if (s->paused)
        n = header_add(pieces, n, 9, STYLE_WARN, "PAUSED");

    /* Leave out the lowest priorities until the pieces and the help hint fit. */
    const char *hint = "[?] help ";
    int keep[HEADER_PIECES], width = (int)strlen(hint) + 1;
    for (int i = 0; i < n; i++) {
        keep[i] = 1;
        width += (int)strlen(pieces[i].text) + 2;
    }
    for (int level = 1; level <= 10 && width > b->width; level++)
        for (int i = 0; i < n && width > b->width; i++)
            if (keep[i] && pieces[i].priority == level) {
                keep[i] = 0;
                width -= (int)strlen(pieces[i].text) + 2;
            }

    cells_fill(b, (cells_rect){0, 0, b->width, 1}, ' ', normal);
    int x = 1;
    for (int i = 0; i < n; i++) {
        if (!keep[i])
            continue;
        x += cells_text(b, x, 0, pieces[i].text, pieces[i].style, -1);
        x += 2;
    }
    int hint_x = b->width - (int)strlen(hint);
    if (hint_x >= x)
        cells_text(b, hint_x, 0, hint, normal, -1);
}

static void app_draw_panel(app *a, cells_buf *b, int i, cells_rect r, const panel_context *c)
{
    panel *p = a->panels[i];
    int plot = i < app_plot_count(a);
    int focused = plot && i == a->focus;
    char title[GS_LABEL_MAX + 96], flags[64];

    panel_flags(p, flags, sizeof flags);
    if (plot)
        snprintf(title, sizeof title, "%d %s%s%s%s", i + 1, p->title, flags[0] ? " [" : "", flags,
                 flags[0] ? "]" : "");
    else
        snprintf(title, sizeof title, "%s", p->title);
    cells_box(b, r, title, focused ? STYLE_FOCUS : STYLE_AXIS, focused ? STYLE_FOCUS : STYLE_TITLE);
    panel_resize(p, (cells_rect){r.x + 1, r.y + 1, r.w - 2, r.h - 2});
    if (r.w > 4 && r.h > 2)
        panel_draw(p, b, c);
}

static void app_draw_panels(app *a, cells_buf *b, cells_rect body)
{
    panel_context c = {
        .decl = a->decl, .nseries = a->nseries, .hist = a->hist, .theory_stale = a->theory_stale,
        .event_step = a->event_step, .event_t = a->event_t, .nevents = a->nevents, .preset = a->preset,
        .params = &a->params, .pending = a->pending, .selected = a->selected,
    };

    if (a->zoomed && app_plot_count(a) > 0) {
        app_draw_panel(a, b, a->focus, body, &c);
        return;
    }
    int slots = a->npanels, cols = slots > 1 ? 2 : 1, rows = (slots + cols - 1) / cols;

    /* With an odd count the parameter list is alone in the last row and
     * spans the full width. It then takes only the height it needs, and the
     * plots get the rest. */
    int grid_h = body.h;
    if (cols == 2 && slots % 2 == 1) {
        int ntunable = a->preset ? a->preset->ntunable : 0;
        int need = ntunable + 3;
        int share = body.h / rows;
        int params_h = need < share ? need : share;
        grid_h = body.h - params_h;
        rows--;
        app_draw_panel(a, b, slots - 1, (cells_rect){body.x, body.y + grid_h, body.w, params_h}, &c);
        slots--;
    }
    for (int i = 0; i < slots; i++) {
        int row = i / cols, col = i % cols;
        int x0 = body.x + body.w * col / cols, x1 = body.x + body.w * (col + 1) / cols;
        int y0 = body.y + grid_h * row / rows, y1 = body.y + grid_h * (row + 1) / rows;
        app_draw_panel(a, b, i, (cells_rect){x0, y0, x1 - x0, y1 - y0}, &c);
    }
}

static int app_level_style(int level)
{
    if (level == GS_LOG_WARN)
        return STYLE_WARN;
    if (level >= GS_LOG_ERROR)
        return STYLE_ERROR;
    return STYLE_NORMAL;
}

static void app_draw_message_line(app *a, cells_buf *b, int y)
{
    if (a->command_open) {
        int x = cells_text(b, 0, y, ":", STYLE_SELECTED, -1);
        x += cells_text(b, x, y, a->command, STYLE_NORMAL, b->width - 2);
        cells_put(b, x, y, '_', STYLE_SELECTED);
        return;
    }
    const app_line *newest = app_newest_message(a);
    if (!newest)
        return;
    int x = cells_text(b, 1, y, newest->text, app_level_style(newest->level), b->width - 1);
    if (newest->repeats > 1)
        cells_printf(b, 1 + x, y, STYLE_DIM, -1, " (x%d)", newest->repeats);
}

static void app_draw_messages(app *a, cells_buf *b, cells_rect body)
{
    int w = body.w - 4;
    int h = body.h;
    int visible = h - 2;
    cells_rect r = {body.x + 2, body.y, w, h};

    cells_fill(b, r, ' ', STYLE_NORMAL);
    const char *title = "messages: \u2191/\u2193 scroll, Esc or m closes";
    if (b->ascii)
        title = "messages: Up/Down scroll, Esc or m closes";
    cells_box(b, r, title, STYLE_FOCUS, STYLE_TITLE);
    /* Newest at the bottom; scrolling moves the window toward older lines. */
    int last = a->message_count - 1 - a->messages_scroll;
    for (int row = visible - 1, i = last; row >= 0 && i >= 0; row--, i--) {
        const app_line *m = &a->messages[(a->message_head + i) % APP_MESSAGES];
        int x = cells_text(b, r.x + 2, r.y + 1 + row, m->text, app_level_style(m->level), r.w - 4);
        if (m->repeats > 1)
            cells_printf(b, r.x + 2 + x, r.y + 1 + row, STYLE_DIM, r.w - 4 - x, " (x%d)", m->repeats);
    }
}

static void app_draw_help(app *a, cells_buf *b, cells_rect body)
{
    int w = body.w - 4 < 90 ? body.w - 4 : 90;
    int lines = keys_help_rows(a->preset, a->mode, w - 4);
    a->help_rows = lines;
    int h = lines + 2 < body.h ? lines + 2 : body.h;
    int visible = h - 2;

    if (a->help_scroll > lines - visible)
        a->help_scroll = lines - visible > 0 ? lines - visible : 0;
    cells_rect r = {body.x + (body.w - w) / 2, body.y + (body.h - h) / 2, w, h};
    cells_fill(b, r, ' ', STYLE_NORMAL);
    const char *title = "help: Esc or ? closes";
    if (lines > visible)
        title = b->ascii ? "help: Up/Down scroll, Esc or ? closes"
                         : "help: \u2191/\u2193 scroll, Esc or ? closes";
    cells_box(b, r, title, STYLE_FOCUS, STYLE_TITLE);
    keys_draw_help(b, (cells_rect){r.x + 2, r.y + 1, r.w - 4, visible}, a->preset, a->mode, a->help_scroll);
}

static void app_draw_too_small(cells_buf *b)
{
    char line[3][96];
    snprintf(line[0], sizeof line[0], "Terminal too small: %dx%d.", b->width, b->height);
    snprintf(line[1], sizeof line[1], "grokscope needs at least %dx%d.", APP_MIN_WIDTH, APP_MIN_HEIGHT);
    snprintf(line[2], sizeof line[2], "Training goes on. Enlarge the window, or press q to quit.");
    for (int i = 0; i < 3; i++) {
        int len = (int)strlen(line[i]);
        int x = (b->width - len) / 2;
        cells_text(b, x < 0 ? 0 : x, b->height / 2 - 1 + i, line[i], i == 0 ? STYLE_WARN : STYLE_NORMAL, -1);
    }
}

void app_render(app *a, cells_buf *b)
{
    cells_clear(b, STYLE_NORMAL);
    if (b->width < APP_MIN_WIDTH || b->height < APP_MIN_HEIGHT) {
        app_draw_too_small(b);
        return;
    }
    cells_rect body = {0, 1, b->width, b->height - 3};
    app_draw_header(a, b);
    app_draw_panels(a, b, body);
    keys_draw_footer(b, b->height - 2, b->width, a->mode);
    app_draw_message_line(a, b, b->height - 1);
    if (a->help_open)
        app_draw_help(a, b, body);
    else if (a->messages_open)
        app_draw_messages(a, b, body);
}
