/*
 * screen.h - the live screen: owns the terminal and shows a record source.
 *
 * screen_run takes over the terminal on the calling thread (which becomes
 * the UI thread), shows the records of src, sends the user's commands to it,
 * and returns when the user quits (q or :quit) or a SIGINT or SIGTERM
 * arrives. The terminal is restored before it returns, also on those
 * signals; crash signals restore it and re-raise. While it runs, gs_log lines
 * go to the screen's message line instead of stderr; the previous sink is
 * not restored, stderr is (gs_log_set_sink(NULL, NULL)).
 *
 * The caller owns src and stops its threads after screen_run returns; the
 * screen never sends GS_CMD_STOP.
 */
#ifndef UI_SCREEN_H
#define UI_SCREEN_H

#include <stddef.h>

#include "source.h"

typedef struct {
    int fps;              /* redraws per second while records arrive; 0 means 25 */
    int idle_fps;         /* redraws per second when nothing arrives; 0 means 2 */
    int force_ascii;      /* 1: ASCII glyphs even in a UTF-8 locale */
    int no_colour;        /* 1: monochrome even where colours work */
    int history_recent;   /* full-resolution points per series; 0 means 4096 */
    int history_old;      /* downsampled buckets per series (even); 0 means 1024 */
    const char *record_path; /* file the caller records to, shown in the header;
                                NULL: not recording. The caller records: its
                                poll function can write each record it returns. */
} screen_options;

void screen_options_default(screen_options *o);

/* Run the screen until the user quits. Returns 0 after a quit by key, the
 * signal number after SIGINT or SIGTERM, or -1 with a message in err when the
 * screen could not start (no terminal, out of memory). */
int screen_run(ui_source *src, const screen_options *o, char *err, size_t errlen);

#endif
