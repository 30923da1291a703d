/*
 * keys.c - the key table, its lookup and its help rendering. See keys.h.
 */
#include "keys.h"

#include <stdio.h>
#include <string.h>

#include "style.h"

const keys_binding keys_table[] = {
    {{'q'}, ACTION_QUIT, "q", "q", "quit (the recording, if any, is closed first)", "quit", KEYS_MODE_ANY},
    {{' '}, ACTION_PAUSE, "space", "space",
     "pause or resume training (in a replay, the playback)", "pause", KEYS_MODE_ANY},
    {{'?', 'h'}, ACTION_HELP, "? h", "? h", "show or hide this help", "help", KEYS_MODE_ANY},
    {{'>'}, ACTION_REPLAY_FASTER, ">", ">",
     "replay: play twice as fast (up to x64)", "faster", KEYS_MODE_REPLAY},
    {{'<'}, ACTION_REPLAY_SLOWER, "<", "<", "replay: play half as fast (down to x1/4)", "slower",
     KEYS_MODE_REPLAY},
    {{'g'}, ACTION_REPLAY_GOTO, "g", "g",
     "replay: go to a step (type it, then Enter)", "go to", KEYS_MODE_REPLAY},
    {{'n'}, ACTION_REPLAY_NEXT_EVENT, "n", "n", "replay: jump to the next event", "event", KEYS_MODE_REPLAY},
    {{'N'}, ACTION_REPLAY_PREV_EVENT, "N", "N",
     "replay: jump back to the previous event", NULL, KEYS_MODE_REPLAY},
    {{KEYS_LEFT}, ACTION_REPLAY_BACK, "\u2190", "Left",
     "replay: go back one chunk (about 1 s of recording)", NULL, KEYS_MODE_REPLAY},
    {{KEYS_RIGHT}, ACTION_REPLAY_FORWARD, "\u2192", "Right",
     "replay: go on one chunk (about 1 s of recording)", NULL, KEYS_MODE_REPLAY},
    {{KEYS_TAB}, ACTION_FOCUS_NEXT, "Tab", "Tab", "focus the next panel", NULL, KEYS_MODE_ANY},
    {{KEYS_BTAB}, ACTION_FOCUS_PREV, "S-Tab", "S-Tab", "focus the previous panel", NULL, KEYS_MODE_ANY},
    {{'1'}, ACTION_FOCUS_N, "1-9", "1-9", "focus panel 1 to 9", NULL, KEYS_MODE_ANY},
    {{KEYS_ENTER, 'z'}, ACTION_ZOOM, "Enter z", "Enter z",
     "zoom the focused panel, and back", "zoom", KEYS_MODE_ANY},
    {{KEYS_UP, 'k'}, ACTION_PARAM_PREV, "\u2191 k", "Up k",
     "select the previous parameter", NULL, KEYS_MODE_ANY},
    {{KEYS_DOWN, 'j'}, ACTION_PARAM_NEXT, "\u2193 j", "Down j",
     "select the next parameter", NULL, KEYS_MODE_ANY},
    {{KEYS_LEFT, '-'}, ACTION_PARAM_DOWN, "\u2190 -", "Left -",
     "lower the selected parameter by its step", NULL, KEYS_MODE_ANY},
    {{KEYS_RIGHT, '+', '='}, ACTION_PARAM_UP, "\u2192 + =", "Right + =",
     "raise the selected parameter by its step", "change", KEYS_MODE_ANY},
    {{':'}, ACTION_COMMAND, ":", ":",
     "command line: set NAME VALUE, reset, reset cold, pause, resume, quit; in a replay goto STEP", "command",
     KEYS_MODE_ANY},
    {{'r'}, ACTION_RESET, "r", "r",
     "reset the weights to a fresh draw from the prior (hot start)", "reset", KEYS_MODE_ANY},
    {{'c'}, ACTION_RESET_COLD, "c", "c",
     "cold start: units on the teacher direction (or on Fourier modes), to see hysteresis", NULL, KEYS_MODE_ANY},
    {{'l'}, ACTION_LOG_Y, "l", "l",
     "log scale on y for the focused plot (-log p for a histogram)", "log-y", KEYS_MODE_ANY},
    {{'L'}, ACTION_LOG_X, "L", "L", "log scale on x for the focused plot", NULL, KEYS_MODE_ANY},
    {{'w'}, ACTION_WINDOW, "w", "w",
     "time window of the focused plot: all, last 10%, last 1%", "window", KEYS_MODE_ANY},
    {{'s'}, ACTION_SMOOTH, "s", "s",
     "smooth the focused plot (moving average, raw dimmed)", "smooth", KEYS_MODE_ANY},
    {{'x'}, ACTION_X_UNIT, "x", "x",
     "x axis in steps or in Langevin time t = step * h", NULL, KEYS_MODE_ANY},
    {{'0'}, ACTION_Y_ZERO, "0", "0", "y axis from zero, or fitted to the data", NULL, KEYS_MODE_ANY},
    {{'R'}, ACTION_RECORD, "R", "R", "start or stop recording", NULL, KEYS_MODE_ANY},
    {{'m'}, ACTION_MESSAGES, "m", "m", "show the last messages and engine log lines", NULL, KEYS_MODE_ANY},
    {{KEYS_ESC}, ACTION_CLOSE, "Esc", "Esc", "close the help, the messages, the command line or the zoom",
     NULL, KEYS_MODE_ANY},
    {{0}, ACTION_NONE, NULL, NULL, NULL, NULL, KEYS_MODE_ANY},
};

static int keys_binding_has(const keys_binding *k, int key)
{
    for (int i = 0; i < KEYS_PER_BINDING && k->key[i]; i++)
        if (k->key[i] == key)
            return 1;
    return 0;
}

/* Index of the binding of key that works in mode, or -1. A binding made for
 * this mode wins over one for every mode. */
static int keys_find(int key, int mode)
{
    for (int i = 0; keys_table[i].action != ACTION_NONE; i++)
        if (keys_table[i].mode == mode && mode != KEYS_MODE_ANY && keys_binding_has(&keys_table[i], key))
            return i;
    for (int i = 0; keys_table[i].action != ACTION_NONE; i++)
        if (keys_table[i].mode == KEYS_MODE_ANY && keys_binding_has(&keys_table[i], key))
            return i;
    return -1;
}

int keys_action_for(int key, int mode)
{
    if (key >= '1' && key <= '9')
        return ACTION_FOCUS_N;
    int i = keys_find(key, mode);
    return i < 0 ? ACTION_NONE : keys_table[i].action;
}

static int keys_in_mode(const keys_binding *k, int mode)
{
    return k->mode == KEYS_MODE_ANY || k->mode == mode;
}

/* Indexes of the bindings that work in mode, in table order; returns their
 * number. */
static int keys_list(int mode, int *out, int cap)
{
    int n = 0;
    for (int i = 0; keys_table[i].action != ACTION_NONE && n < cap; i++)
        if (keys_in_mode(&keys_table[i], mode))
            out[n++] = i;
    return n;
}

/* The key names of binding k as the help shows them in mode: its label,
 * or, when a binding of that mode takes some of its keys, the names of the
 * keys it keeps. */
static void keys_label_in_mode(const keys_binding *k, int mode, int ascii, char *out, size_t len)
{
    int shadowed = 0;
    for (int i = 0; i < KEYS_PER_BINDING && k->key[i]; i++) {
        int owner = keys_find(k->key[i], mode);
        if (owner < 0 || &keys_table[owner] != k)
            shadowed = 1;
    }
    if (!shadowed) {
        snprintf(out, len, "%s", ascii ? k->ascii_label : k->label);
        return;
    }
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < KEYS_PER_BINDING && k->key[i] && used < len; i++) {
        int owner = keys_find(k->key[i], mode);
        if (owner < 0 || &keys_table[owner] != k)
            continue;
        char name[16];
        keys_name(k->key[i], ascii, name, sizeof name);
        used += (size_t)snprintf(out + used, len - used, "%s%s", used ? " " : "", name);
    }
}

int keys_tunable_for(const gs_preset *p, int key, int *direction)
{
    if (!p || key == 0)
        return -1;
    for (int i = 0; i < p->ntunable; i++) {
        if (p->tunable[i].key_down == key) {
            *direction = -1;
            return i;
        }
        if (p->tunable[i].key_up == key) {
            *direction = 1;
            return i;
        }
    }
    return -1;
}

void keys_name(int key, int ascii, char *out, size_t len)
{
    switch (key) {
    case 0:
        snprintf(out, len, "-");
        break;
    case ' ':
        snprintf(out, len, "space");
        break;
    case KEYS_TAB:
        snprintf(out, len, "Tab");
        break;
    case KEYS_ENTER:
        snprintf(out, len, "Enter");
        break;
    case KEYS_ESC:
        snprintf(out, len, "Esc");
        break;
    case KEYS_UP:
        snprintf(out, len, "%s", ascii ? "Up" : "\u2191");
        break;
    case KEYS_DOWN:
        snprintf(out, len, "%s", ascii ? "Down" : "\u2193");
        break;
    case KEYS_LEFT:
        snprintf(out, len, "%s", ascii ? "Left" : "\u2190");
        break;
    case KEYS_RIGHT:
        snprintf(out, len, "%s", ascii ? "Right" : "\u2192");
        break;
    default:
        if (key > ' ' && key < 0x7f)
            snprintf(out, len, "%c", key);
        else
            snprintf(out, len, "#%d", key);
    }
}

#define KEYS_TABLE_MAX 64

/* Logical lines of the help text: a title, the bindings, a gap, a title and
 * the parameter keys. */
static int keys_help_lines(const gs_preset *p, int mode)
{
    int list[KEYS_TABLE_MAX];
    int nkeys = keys_list(mode, list, KEYS_TABLE_MAX);
    return 1 + nkeys + (p && p->ntunable ? 2 + p->ntunable : 0);
}

/* Bytes of the start of text that fit in width columns, ending after a
 * space when the whole text does not fit (or mid-word when no space does). */
static int wrap_length(const char *text, int width)
{
    int cols = 0, last_space = -1, i = 0;
    for (; text[i]; i++) {
        if (((unsigned char)text[i] & 0xC0) == 0x80)
            continue;   /* a UTF-8 continuation byte: same column */
        if (cols == width)
            break;
        if (text[i] == ' ')
            last_space = i;
        cols++;
    }
    if (!text[i] || text[i] == ' ')
        return i;
    return last_space > 0 ? last_space + 1 : i;
}

/* Rows that text fills at width columns, or 1 when width leaves no room to wrap. */
static int wrapped_rows(const char *text, int width)
{
    if (width < 8 || !text[0])
        return 1;
    int rows = 0;
    while (*text) {
        text += wrap_length(text, width);
        while (*text == ' ')
            text++;
        rows++;
    }
    return rows;
}

/* Line `line` of the help text: a title (keys NULL) or key names and text. */
static void help_line_text(const gs_preset *p, int mode, int line, int ascii, char *keys, size_t keys_len,
                           char *text, size_t text_len)
{
    int list[KEYS_TABLE_MAX];
    int nkeys = keys_list(mode, list, KEYS_TABLE_MAX);

    keys[0] = text[0] = '\0';
    if (line == 0) {
        snprintf(text, text_len, "Keys");
        return;
    }
    line--;
    if (line < nkeys) {
        const keys_binding *k = &keys_table[list[line]];
        keys_label_in_mode(k, mode, ascii, keys, keys_len);
        snprintf(text, text_len, "%s", k->help);
        return;
    }
    line -= nkeys;
    if (line == 0)
        return;
    if (line == 1) {
        if (mode == KEYS_MODE_REPLAY)
            snprintf(text, text_len, "Parameter keys (a replay shows the recorded values)");
        else
            snprintf(text, text_len, "Parameter keys (lower, raise)");
        return;
    }
    const gs_tunable *t = &p->tunable[line - 2];
    char down[16], up[16];
    keys_name(t->key_down, ascii, down, sizeof down);
    keys_name(t->key_up, ascii, up, sizeof up);
    snprintf(keys, keys_len, "%s %s", down, up);
    snprintf(text, text_len, "%s: %s%s%s", t->name, t->label, t->log_scale ? " (log steps)" : "",
             t->rebuild ? " (a change restarts training)" : "");
}

enum { HELP_LABEL_W = 11 };

int keys_help_rows(const gs_preset *p, int mode, int width)
{
    int total = keys_help_lines(p, mode), rows = 0;
    for (int line = 0; line < total; line++) {
        char keys[40], text[256];
        help_line_text(p, mode, line, 0, keys, sizeof keys, text, sizeof text);
        rows += keys[0] ? wrapped_rows(text, width - HELP_LABEL_W - 2) : 1;
    }
    return rows;
}

void keys_draw_help(cells_buf *b, cells_rect r, const gs_preset *p, int mode, int first)
{
    int total = keys_help_lines(p, mode);
    int text_w = r.w - HELP_LABEL_W - 2;
    int row = 0;   /* rows of the whole text before this line */

    for (int line = 0; line < total && row < first + r.h; line++) {
        char keys[40], text[256];
        help_line_text(p, mode, line, b->ascii, keys, sizeof keys, text, sizeof text);
        if (!keys[0]) {
            if (row >= first)
                cells_text(b, r.x, r.y + row - first, text, STYLE_TITLE, r.w);
            row++;
            continue;
        }
        if (row >= first)
            cells_text(b, r.x + 1, r.y + row - first, keys, STYLE_SELECTED, HELP_LABEL_W);
        if (text_w < 8) {
            if (row >= first)
                cells_text(b, r.x + 2 + HELP_LABEL_W, r.y + row - first, text, STYLE_NORMAL, text_w);
            row++;
            continue;
        }
        const char *rest = text;
        do {
            int n = wrap_length(rest, text_w);
            if (row >= first && row < first + r.h) {
                char piece[256];
                snprintf(piece, sizeof piece, "%.*s", n, rest);
                cells_text(b, r.x + 2 + HELP_LABEL_W, r.y + row - first, piece, STYLE_NORMAL, text_w);
            }
            rest += n;
            while (*rest == ' ')
                rest++;
            row++;
        } while (*rest);
    }
}

/* Whether action changes the run, which a replay cannot do. */
static int keys_changes_run(int action)
{
    return action == ACTION_PARAM_DOWN || action == ACTION_PARAM_UP || action == ACTION_RESET
           || action == ACTION_RESET_COLD || action == ACTION_RECORD;
}

void keys_draw_footer(cells_buf *b, int y, int width, int mode)
{
    int x = 1;
    for (int i = 0; keys_table[i].action != ACTION_NONE; i++) {
        const keys_binding *k = &keys_table[i];
        if (!k->footer || !keys_in_mode(k, mode))
            continue;
        if (mode == KEYS_MODE_REPLAY && keys_changes_run(k->action))
            continue;
        const char *label = b->ascii ? k->ascii_label : k->label;
        /* Only the first key name of the label, e.g. "?" of "? h". */
        char first[24];
        snprintf(first, sizeof first, "%s", label);
        char *space = strchr(first, ' ');
        if (space && strcmp(first, "space") != 0)
            *space = '\0';
        int need = (int)strlen(first) + 1 + (int)strlen(k->footer) + 2;
        if (x + need > width)
            break;
        x += cells_text(b, x, y, first, STYLE_SELECTED, -1);
        x += cells_text(b, x, y, " ", STYLE_FOOTER, -1);
        x += cells_text(b, x, y, k->footer, STYLE_FOOTER, -1);
        x += 2;
    }
}
