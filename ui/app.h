/*
 * app.h - the screen's state and behaviour, without curses.
 *
 * The app takes records from a ui_source, keeps a bounded history per
 * series, and turns keys into panel changes and commands. It renders the
 * whole screen into a cell buffer of the terminal's size: header, panels,
 * parameter list, footer, message line, and the help and command line
 * overlays. screen.c wraps it with the terminal, and tests drive it directly
 * and read the cells.
 *
 * UI thread only. app_create allocates; app_free releases. The source must
 * outlive the app.
 */
#ifndef UI_APP_H
#define UI_APP_H

#include <stddef.h>

#include "cells.h"
#include "history.h"
#include "source.h"

#define APP_MIN_WIDTH 80
#define APP_MIN_HEIGHT 24

/* Flags returned by app_key. */
enum { APP_REDRAW = 1, APP_QUIT = 2 };

typedef struct app app;

typedef struct {
    int history_recent;   /* full-resolution points kept per series (>= 2) */
    int history_old;      /* downsampled buckets kept per series (even, >= 2) */
    const char *record_path; /* shown in the header while recording, or NULL */
} app_options;

void app_options_default(app_options *o);

/* Returns 0, or -1 with a message in err. */
int app_create(app **out, ui_source *src, const app_options *o, char *err, size_t errlen);
void app_free(app *a);

/* Take one record. */
void app_feed(app *a, const gs_frame *f);
/* Poll the source until it is empty or max records were read; returns the
 * number read. */
int app_drain(app *a, int max);
/* Clear the plot histories and event marks, for a source that delivers its
 * records again from an earlier point (a replay seeking back). Messages and
 * panel settings stay. */
void app_reset_history(app *a);
/* The history of series i, or NULL when there is no such series. */
const history *app_history(const app *a, int series);
/* Copy the source's status and parameter values. */
void app_refresh(app *a);
/* Handle one key (a character or a KEYS_* code); returns APP_* flags. */
int app_key(app *a, int key);
/* Add a line to the message line (level as gs_log_level). */
void app_message(app *a, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Add an engine log line to the messages. The trainer logs every event it
 * publishes as "step N: TEXT", so such a line is dropped when its event was
 * already shown. When the log line comes first, the event drops its copy. */
void app_log_line(app *a, int level, const char *text, int repeats);
/* Draw the whole screen into b, sized to the terminal. */
void app_render(app *a, cells_buf *b);

#endif
