/*
 * style.c - the colour table of the screen. See style.h.
 *
 * Any thread may read it; nothing writes it at run time.
 */
#include "style.h"

/* Colour numbers of the ANSI palette, so this file needs no curses header. */
enum { BLACK = 0, RED, GREEN, YELLOW, BLUE, MAGENTA, CYAN, WHITE, DEFAULT = -1 };

static const style_entry style_table[STYLE_COUNT] = {
    [STYLE_NORMAL] = {"normal", DEFAULT, DEFAULT, 0, 0},
    [STYLE_DIM] = {"dim", WHITE, DEFAULT, STYLE_ATTR_DIM, STYLE_ATTR_DIM},
    [STYLE_AXIS] = {"axis", WHITE, DEFAULT, STYLE_ATTR_DIM, 0},
    [STYLE_LABEL] = {"label", DEFAULT, DEFAULT, 0, 0},
    [STYLE_TITLE] = {"title", CYAN, DEFAULT, STYLE_ATTR_BOLD, STYLE_ATTR_BOLD},
    [STYLE_FOCUS] = {"focus", YELLOW, DEFAULT, STYLE_ATTR_BOLD, STYLE_ATTR_REVERSE},
    [STYLE_HEADER] = {"header", BLACK, CYAN, 0, STYLE_ATTR_REVERSE},
    [STYLE_FOOTER] = {"footer", DEFAULT, DEFAULT, STYLE_ATTR_DIM, 0},
    [STYLE_SELECTED] = {"selected", BLACK, YELLOW, 0, STYLE_ATTR_REVERSE},
    [STYLE_WARN] = {"warn", YELLOW, DEFAULT, STYLE_ATTR_BOLD, STYLE_ATTR_BOLD},
    [STYLE_ERROR] = {"error", RED, DEFAULT, STYLE_ATTR_BOLD, STYLE_ATTR_BOLD | STYLE_ATTR_UNDERLINE},
    [STYLE_MARKER] = {"marker", MAGENTA, DEFAULT, STYLE_ATTR_BOLD, STYLE_ATTR_BOLD},
    [STYLE_SERIES0] = {"series0", GREEN, DEFAULT, 0, 0},
    [STYLE_SERIES1] = {"series1", BLUE, DEFAULT, STYLE_ATTR_BOLD, 0},
    [STYLE_SERIES2] = {"series2", MAGENTA, DEFAULT, 0, 0},
    [STYLE_SERIES3] = {"series3", CYAN, DEFAULT, 0, 0},
    [STYLE_SERIES4] = {"series4", YELLOW, DEFAULT, 0, 0},
    [STYLE_SERIES5] = {"series5", WHITE, DEFAULT, 0, 0},
    [STYLE_THEORY] = {"theory", RED, DEFAULT, STYLE_ATTR_BOLD, STYLE_ATTR_BOLD},
    [STYLE_THEORY_STALE] = {"theory-stale", RED, DEFAULT, STYLE_ATTR_DIM, STYLE_ATTR_DIM},
    [STYLE_HEAT0] = {"heat0", BLUE, DEFAULT, 0, 0},
    [STYLE_HEAT1] = {"heat1", CYAN, DEFAULT, 0, 0},
    [STYLE_HEAT2] = {"heat2", GREEN, DEFAULT, 0, 0},
    [STYLE_HEAT3] = {"heat3", YELLOW, DEFAULT, 0, 0},
    [STYLE_HEAT4] = {"heat4", RED, DEFAULT, STYLE_ATTR_BOLD, 0},
};

const style_entry *style_get(int id)
{
    if (id < 0 || id >= STYLE_COUNT)
        id = STYLE_NORMAL;
    return &style_table[id];
}

int style_series(int i)
{
    if (i < 0)
        i = 0;
    return STYLE_SERIES0 + i % STYLE_NSERIES;
}
