/*
 * keys.h - the one table of key bindings: the app dispatches through it and
 * the help screen and the footer render it, so they cannot disagree.
 *
 * Key codes are plain characters, or KEYS_* values above the character range
 * for keys that curses reports as KEY_* codes; term.c translates. Tunable
 * parameters bring their own keys from the preset (gs_tunable.key_down and
 * key_up); a global binding wins over a tunable key on the same character.
 * Read-only data; any thread may read it.
 */
#ifndef UI_KEYS_H
#define UI_KEYS_H

#include "cells.h"
#include "preset.h"

enum {
    KEYS_ESC = 27,
    KEYS_ENTER = '\n',
    KEYS_TAB = '\t',
    KEYS_UP = 0x110000,
    KEYS_DOWN,
    KEYS_LEFT,
    KEYS_RIGHT,
    KEYS_BACKSPACE,
    KEYS_BTAB,           /* shift-Tab */
    KEYS_RESIZE
};

typedef enum {
    ACTION_NONE = 0,
    ACTION_QUIT,
    ACTION_PAUSE,
    ACTION_HELP,
    ACTION_FOCUS_NEXT,
    ACTION_FOCUS_PREV,
    ACTION_FOCUS_N,      /* digit 1-9: focus that panel */
    ACTION_ZOOM,
    ACTION_PARAM_PREV,
    ACTION_PARAM_NEXT,
    ACTION_PARAM_DOWN,
    ACTION_PARAM_UP,
    ACTION_COMMAND,
    ACTION_RESET,
    ACTION_RESET_COLD,
    ACTION_LOG_Y,
    ACTION_LOG_X,
    ACTION_WINDOW,
    ACTION_SMOOTH,
    ACTION_X_UNIT,
    ACTION_Y_ZERO,
    ACTION_RECORD,
    ACTION_MESSAGES,
    ACTION_CLOSE,
    ACTION_REPLAY_FASTER,
    ACTION_REPLAY_SLOWER,
    ACTION_REPLAY_GOTO,
    ACTION_REPLAY_NEXT_EVENT,
    ACTION_REPLAY_PREV_EVENT,
    ACTION_REPLAY_BACK,
    ACTION_REPLAY_FORWARD
} keys_action;

/* Which screens a binding works on; see keys_binding.mode. */
typedef enum {
    KEYS_MODE_ANY = 0,
    KEYS_MODE_LIVE = 1,
    KEYS_MODE_REPLAY = 2
} keys_mode;

#define KEYS_PER_BINDING 3

typedef struct {
    int key[KEYS_PER_BINDING];  /* 0-terminated when fewer */
    int action;                 /* keys_action */
    const char *label;          /* key names as the help shows them, UTF-8 */
    const char *ascii_label;    /* the same in ASCII */
    const char *help;           /* what the key does */
    const char *footer;         /* short text for the footer, or NULL */
    int mode;                   /* keys_mode: KEYS_MODE_ANY, or the one screen it
                                   works on. In a replay, a replay binding wins
                                   over another binding of the same key. */
} keys_binding;

/* The table, ending with an entry whose action is ACTION_NONE. */
extern const keys_binding keys_table[];

/* Return the action bound to key on a screen of the given mode
 * (KEYS_MODE_LIVE or KEYS_MODE_REPLAY), or ACTION_NONE. Digits 1-9 map to
 * ACTION_FOCUS_N. */
int keys_action_for(int key, int mode);

/* Return the index of the tunable of p that key lowers (*direction = -1) or
 * raises (+1), or -1 when no tunable uses the key. */
int keys_tunable_for(const gs_preset *p, int key, int *direction);

/* Write a printable name of key ("[", "Tab", "Up") into out. */
void keys_name(int key, int ascii, char *out, size_t len);

/* Number of rows that the help text for preset p (p may be NULL) on a
 * screen of the given mode fills when drawn width columns wide; long
 * texts wrap onto further rows. */
int keys_help_rows(const gs_preset *p, int mode, int width);
/* Draw the help text into rect r of b from row first on: every binding of
 * the table that works in mode, then the keys of the tunable parameters of
 * p, each text wrapped at word boundaries to the rect's width. */
void keys_draw_help(cells_buf *b, cells_rect r, const gs_preset *p, int mode, int first);

/* Draw the footer: the bindings of mode that have footer text, as many as
 * fit. A replay leaves out the keys that would change the run. */
void keys_draw_footer(cells_buf *b, int y, int width, int mode);

#endif
