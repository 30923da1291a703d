/*
 * style.h - the screen's styles, declared once.
 *
 * Widgets tag every cell with a style id from this list; only the terminal
 * layer (term.c) turns ids into curses colour pairs and attributes. Each style
 * has a colour form and a monochrome form, so NO_COLOR, 8-colour terminals and
 * themes change one table, not the widgets. Colours use the ANSI numbering
 * (0 black .. 7 white, -1 the terminal's default).
 */
#ifndef UI_STYLE_H
#define UI_STYLE_H

typedef enum {
    STYLE_NORMAL = 0,
    STYLE_DIM,          /* raw series under a smoothed one, idle text */
    STYLE_AXIS,         /* axis lines, ticks, box borders */
    STYLE_LABEL,        /* tick labels, legend text */
    STYLE_TITLE,        /* panel titles */
    STYLE_FOCUS,        /* title and border of the focused panel */
    STYLE_HEADER,       /* the header line */
    STYLE_FOOTER,       /* the key hints at the bottom */
    STYLE_SELECTED,     /* the selected parameter */
    STYLE_WARN,         /* dropped frames, stale theory, rejected changes */
    STYLE_ERROR,        /* failures: divergence, theory failed */
    STYLE_MARKER,       /* event markers on the x axis */
    STYLE_SERIES0,      /* network series, in declaration order, cycling */
    STYLE_SERIES1,
    STYLE_SERIES2,
    STYLE_SERIES3,
    STYLE_SERIES4,
    STYLE_SERIES5,
    STYLE_THEORY,       /* a current theory curve */
    STYLE_THEORY_STALE, /* a theory curve computed for older parameters */
    STYLE_HEAT0,        /* heat map scale, low to high */
    STYLE_HEAT1,
    STYLE_HEAT2,
    STYLE_HEAT3,
    STYLE_HEAT4,
    STYLE_COUNT
} style_id;

#define STYLE_NSERIES 6
#define STYLE_NHEAT 5

/* Attribute bits, independent of curses. */
enum { STYLE_ATTR_BOLD = 1, STYLE_ATTR_DIM = 2, STYLE_ATTR_REVERSE = 4, STYLE_ATTR_UNDERLINE = 8 };

typedef struct {
    const char *name;
    int fg, bg;         /* ANSI colour numbers, -1 for default */
    int attr;           /* STYLE_ATTR_* with colour */
    int mono_attr;      /* STYLE_ATTR_* without colour */
} style_entry;

/* Return the entry of a style id; out-of-range ids map to STYLE_NORMAL. */
const style_entry *style_get(int id);
/* Return the style of the i-th network series on a panel (cycles). */
int style_series(int i);

#endif
