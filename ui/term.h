/*
 * term.h - the thin layer between cell buffers and the curses terminal.
 *
 * term_open sets the locale and picks UTF-8 or ASCII glyphs from
 * nl_langinfo(CODESET). It starts curses in cbreak/noecho/keypad/nodelay mode
 * and sets up colour pairs from style.h, or none under NO_COLOR or on
 * terminals with fewer than 8 colours. It also installs signal handlers.
 * SIGINT and SIGTERM set a flag that the loop checks. SIGSEGV, SIGBUS,
 * SIGFPE, SIGILL and SIGABRT restore the terminal and re-raise. term_close
 * undoes all of it.
 *
 * Only the UI thread may call these functions, and only one term may be open
 * at a time, because curses and signal dispositions are process-wide.
 */
#ifndef UI_TERM_H
#define UI_TERM_H

#include <stddef.h>

#include "cells.h"
#include "style.h"

typedef struct {
    int ascii;                  /* 1: the locale is not UTF-8 (or ASCII was forced) */
    int colour;                 /* 1: colour pairs in use */
    int attr[STYLE_COUNT];      /* curses attributes (with the colour pair) per style */
} term;

/* Take over the terminal. force_ascii and no_colour override the detection.
 * Returns 0, or -1 with a message in err (for example when standard input or
 * output is not a terminal). */
int term_open(term *t, int force_ascii, int no_colour, char *err, size_t errlen);
/* Restore the terminal and the signal handlers. Safe to call twice. */
void term_close(term *t);

/* Current size in cells. */
void term_size(int *width, int *height);
/* Copy the buffer to the screen and refresh. */
void term_draw(term *t, const cells_buf *b);
/* Next key as a character or KEYS_* code, or -1 when none is waiting. */
int term_read_key(void);
/* Wait until input is ready or timeout_ms passes (a signal also ends it). */
void term_wait(int timeout_ms);
/* The signal number of a SIGINT or SIGTERM received since term_open, or 0. */
int term_stop_signal(void);

#endif
