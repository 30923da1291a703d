/*
 * screen.c - the UI loop: records in, keys in, cells out. See screen.h.
 *
 * Each pass of the loop drains every pending record, moves the engine's log
 * lines to the message line and reads every waiting key. It redraws after a
 * key or a resize, at most fps times a second while records arrive, and
 * idle_fps times a second otherwise. Between passes it waits for input for
 * up to one frame, so a key takes effect at once.
 */
#include "screen.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "keys.h"
#include "log.h"
#include "logq.h"
#include "term.h"

void screen_options_default(screen_options *o)
{
    memset(o, 0, sizeof *o);
    o->fps = 25;
    o->idle_fps = 2;
    o->history_recent = 4096;
    o->history_old = 1024;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void screen_move_log_lines(logq *q, app *a)
{
    logq_line line;
    while (logq_pop(q, &line))
        app_log_line(a, line.level, line.text, line.repeats);
}

int screen_run(ui_source *src, const screen_options *o, char *err, size_t errlen)
{
    screen_options opt = *o;
    app_options ao;
    app *a = NULL;
    logq q;
    term t;
    cells_buf buf;
    int width, height, result = 0;

    if (opt.fps <= 0)
        opt.fps = 25;
    if (opt.idle_fps <= 0)
        opt.idle_fps = 2;
    app_options_default(&ao);
    if (opt.history_recent > 0)
        ao.history_recent = opt.history_recent;
    if (opt.history_old > 0)
        ao.history_old = opt.history_old;
    ao.record_path = opt.record_path;
    if (app_create(&a, src, &ao, err, errlen) != 0)
        return -1;
    if (logq_init(&q) != 0) {
        snprintf(err, errlen, "screen: cannot create the log queue");
        app_free(a);
        return -1;
    }
    if (term_open(&t, opt.force_ascii, opt.no_colour, err, errlen) != 0) {
        logq_destroy(&q);
        app_free(a);
        return -1;
    }
    term_size(&width, &height);
    if (cells_init(&buf, width, height, t.ascii) != 0) {
        term_close(&t);
        snprintf(err, errlen, "screen: out of memory for a %dx%d screen", width, height);
        logq_destroy(&q);
        app_free(a);
        return -1;
    }
    gs_log_set_sink(logq_sink, &q);

    double frame = 1.0 / opt.fps, idle_frame = 1.0 / opt.idle_fps;
    double last_draw = -1e9;
    int dirty = 1, fresh = 0;
    for (;;) {
        int sig = term_stop_signal();
        if (sig) {
            result = sig;
            break;
        }
        fresh += app_drain(a, 1 << 20);
        screen_move_log_lines(&q, a);

        int quit = 0, key;
        while ((key = term_read_key()) >= 0) {
            if (key == KEYS_RESIZE) {
                term_size(&width, &height);
                if (cells_resize(&buf, width, height) != 0) {
                    snprintf(err, errlen, "screen: out of memory for a %dx%d screen", width, height);
                    result = -1;
                    quit = 1;
                    break;
                }
                dirty = 1;
                continue;
            }
            int flags = app_key(a, key);
            dirty |= flags & APP_REDRAW;
            if (flags & APP_QUIT) {
                quit = 1;
                break;
            }
        }
        if (quit)
            break;

        double now = now_seconds();
        double since = now - last_draw;
        if (dirty || (fresh && since >= frame) || since >= idle_frame) {
            app_refresh(a);
            app_render(a, &buf);
            term_draw(&t, &buf);
            last_draw = now;
            dirty = 0;
            fresh = 0;
        }
        term_wait((int)(frame * 1000));
    }

    term_close(&t);
    gs_log_set_sink(NULL, NULL);

    /* Lines logged after the last pass would be lost with the screen. */
    logq_line line;
    while (logq_pop(&q, &line))
        fprintf(stderr, "grokscope: %s\n", line.text);
    cells_free(&buf);
    logq_destroy(&q);
    app_free(a);
    return result;
}
