/*
 * cells.h - a plain grid of character cells, the canvas every widget draws on.
 *
 * A cell holds one Unicode code point (always one terminal column wide: ASCII,
 * braille, box drawing, block elements) and a style id from style.h. Widgets
 * render into a cells_buf; term.c copies it to the curses window, and tests
 * read it back as text. No curses here.
 *
 * In ASCII mode (a locale that is not UTF-8) the buffer still accepts any code
 * point, but widgets are expected to write ASCII only. cells_row_text turns
 * any code point above 0x7e into '?', so a slip shows in tests.
 *
 * Only one thread may use a buffer at a time (in practice the UI thread). The
 * buffer owns its cell array; cells_free releases it.
 */
#ifndef UI_CELLS_H
#define UI_CELLS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t ch;    /* Unicode code point; ' ' for an empty cell */
    uint8_t style;  /* style_id */
} cells_cell;

typedef struct {
    int width, height;
    int ascii;          /* 1: draw with ASCII glyphs only */
    cells_cell *cell;   /* height rows of width cells, row-major */
} cells_buf;

/* A rectangle inside a buffer, in cells. */
typedef struct {
    int x, y, w, h;
} cells_rect;

/* Allocate a width x height buffer filled with blanks. Returns 0, or -1 when
 * the size is negative or memory runs out. */
int cells_init(cells_buf *b, int width, int height, int ascii);
/* Change the size, dropping the content. Returns 0 or -1 as cells_init. */
int cells_resize(cells_buf *b, int width, int height);
void cells_free(cells_buf *b);

/* Fill the whole buffer, or a rectangle, with blanks of one style. */
void cells_clear(cells_buf *b, int style);
void cells_fill(cells_buf *b, cells_rect r, uint32_t ch, int style);

/* Set one cell; positions outside the buffer are ignored. */
void cells_put(cells_buf *b, int x, int y, uint32_t ch, int style);
uint32_t cells_get(const cells_buf *b, int x, int y);
int cells_style_at(const cells_buf *b, int x, int y);

/* Write UTF-8 text from (x, y), at most max_cols cells (negative: to the right
 * edge). Returns the number of cells written. Invalid UTF-8 bytes become '?';
 * in ASCII mode every non-ASCII code point becomes '?'. */
int cells_text(cells_buf *b, int x, int y, const char *utf8, int style, int max_cols);
/* Same as cells_text, but a text longer than max_cols ends in an ellipsis
 * ("." in ASCII mode) in its last cell, so the cut is visible. */
int cells_text_fit(cells_buf *b, int x, int y, const char *utf8, int style, int max_cols);
/* Same as cells_text with printf formatting. */
int cells_printf(cells_buf *b, int x, int y, int style, int max_cols, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Draw a box border around r with the title in its top edge (title may be
 * NULL). Uses box-drawing characters, or '+', '-', '|' in ASCII mode. */
void cells_box(cells_buf *b, cells_rect r, const char *title, int style, int title_style);

/* Encode one code point as UTF-8 into out (at least 5 bytes); returns the
 * number of bytes, not counting the terminating NUL. */
int cells_utf8_encode(uint32_t cp, char *out);
/* Decode one UTF-8 sequence from s; stores the code point and returns the bytes
 * used (1 for an invalid byte, which decodes as '?'). s must not be empty. */
int cells_utf8_decode(const char *s, uint32_t *cp);

/* Write row y as UTF-8 (ASCII with '?' in ASCII mode) into out, with trailing
 * blanks kept. Returns the bytes written, or -1 when out is too small. */
int cells_row_text(const cells_buf *b, int y, char *out, size_t outlen);

#endif
