/*
 * keys.c - the key table, its lookup and its help rendering. See keys.h.
 */
#include "keys.h"

#include <stdio.h>
#include <string.h>

#include "style.h"

const keys_binding keys_table[] = {
    {{'q'}, ACTION_QUIT, "q", "q", "quit (the recording, if any, is closed first)", "quit"},
    {{' '}, ACTION_PAUSE, "space", "space", "pause or resume training", "pause"},
    {{'?', 'h'}, ACTION_HELP, "? h", "? h", "show or hide this help", "help"},
    {{KEYS_TAB}, ACTION_FOCUS_NEXT, "Tab", "Tab", "focus the next panel", NULL},
    {{KEYS_BTAB}, ACTION_FOCUS_PREV, "S-Tab", "S-Tab", "focus the previous panel", NULL},
    {{'1'}, ACTION_FOCUS_N, "1-9", "1-9", "focus panel 1 to 9", NULL},
    {{KEYS_ENTER, 'z'}, ACTION_ZOOM, "Enter z", "Enter z", "zoom the focused panel, and back", "zoom"},
    {{KEYS_UP, 'k'}, ACTION_PARAM_PREV, "\u2191 k", "Up k", "select the previous parameter", NULL},
    {{KEYS_DOWN, 'j'}, ACTION_PARAM_NEXT, "\u2193 j", "Down j", "select the next parameter", NULL},
    {{KEYS_LEFT, '-'}, ACTION_PARAM_DOWN, "\u2190 -", "Left -",
     "lower the selected parameter by its step", NULL},
    {{KEYS_RIGHT, '+', '='}, ACTION_PARAM_UP, "\u2192 + =", "Right + =",
     "raise the selected parameter by its step", "change"},
    {{':'}, ACTION_COMMAND, ":", ":",
     "command line: set NAME VALUE, reset, reset cold, pause, resume, quit", "command"},
    {{'r'}, ACTION_RESET, "r", "r", "reset the weights to a fresh draw from the prior", "reset"},
    {{'l'}, ACTION_LOG_Y, "l", "l", "log scale on y for the focused plot (-log p for a histogram)", "log-y"},
    {{'L'}, ACTION_LOG_X, "L", "L", "log scale on x for the focused plot", NULL},
    {{'w'}, ACTION_WINDOW, "w", "w", "time window of the focused plot: all, last 10%, last 1%", "window"},
    {{'s'}, ACTION_SMOOTH, "s", "s", "smooth the focused plot (moving average, raw dimmed)", "smooth"},
    {{'x'}, ACTION_X_UNIT, "x", "x", "x axis in steps or in Langevin time t = step * lr", NULL},
    {{'0'}, ACTION_Y_ZERO, "0", "0", "y axis from zero, or fitted to the data", NULL},
    {{'R'}, ACTION_RECORD, "R", "R", "start or stop recording", NULL},
    {{'m'}, ACTION_MESSAGES, "m", "m", "show the last messages and engine log lines", NULL},
    {{KEYS_ESC}, ACTION_CLOSE, "Esc", "Esc", "close the help, the messages, the command line or the zoom",
     NULL},
    {{0}, ACTION_NONE, NULL, NULL, NULL, NULL},
};

int keys_action_for(int key)
{
    if (key >= '1' && key <= '9')
        return ACTION_FOCUS_N;
    for (int i = 0; keys_table[i].action != ACTION_NONE; i++)
        for (int k = 0; k < KEYS_PER_BINDING && keys_table[i].key[k]; k++)
            if (keys_table[i].key[k] == key)
                return keys_table[i].action;
    return ACTION_NONE;
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

int keys_help_lines(const gs_preset *p)
{
    int nkeys = 0;
    while (keys_table[nkeys].action != ACTION_NONE)
        nkeys++;
    return 1 + nkeys + (p && p->ntunable ? 2 + p->ntunable : 0);
}

/* Line `line` of the help text: a title (keys NULL) or key names and text. */
static void help_line_text(const gs_preset *p, int line, int ascii, char *keys, size_t keys_len, char *text,
                           size_t text_len)
{
    int nkeys = 0;
    while (keys_table[nkeys].action != ACTION_NONE)
        nkeys++;

    keys[0] = text[0] = '\0';
    if (line == 0) {
        snprintf(text, text_len, "Keys");
        return;
    }
    line--;
    if (line < nkeys) {
        const keys_binding *k = &keys_table[line];
        snprintf(keys, keys_len, "%s", ascii ? k->ascii_label : k->label);
        snprintf(text, text_len, "%s", k->help);
        return;
    }
    line -= nkeys;
    if (line == 0)
        return;
    if (line == 1) {
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

void keys_draw_help(cells_buf *b, cells_rect r, const gs_preset *p, int first)
{
    const int label_w = 11;
    int total = keys_help_lines(p);

    for (int y = 0; y < r.h && first + y < total; y++) {
        char keys[40], text[256];
        help_line_text(p, first + y, b->ascii, keys, sizeof keys, text, sizeof text);
        if (!keys[0]) {
            cells_text(b, r.x, r.y + y, text, STYLE_TITLE, r.w);
            continue;
        }
        cells_text(b, r.x + 1, r.y + y, keys, STYLE_SELECTED, label_w);
        cells_text(b, r.x + 2 + label_w, r.y + y, text, STYLE_NORMAL, r.w - label_w - 2);
    }
}

void keys_draw_footer(cells_buf *b, int y, int width)
{
    int x = 1;
    for (int i = 0; keys_table[i].action != ACTION_NONE; i++) {
        const keys_binding *k = &keys_table[i];
        if (!k->footer)
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
