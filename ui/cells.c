/*
 * cells.c - the character cell buffer. See cells.h.
 */
#include "cells.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cells_init(cells_buf *b, int width, int height, int ascii)
{
    memset(b, 0, sizeof *b);
    b->ascii = ascii;
    return cells_resize(b, width, height);
}

int cells_resize(cells_buf *b, int width, int height)
{
    if (width < 0 || height < 0)
        return -1;
    size_t n = (size_t)width * (size_t)height;
    cells_cell *cell = calloc(n ? n : 1, sizeof *cell);
    if (!cell)
        return -1;
    free(b->cell);
    b->cell = cell;
    b->width = width;
    b->height = height;
    cells_clear(b, 0);
    return 0;
}

void cells_free(cells_buf *b)
{
    free(b->cell);
    b->cell = NULL;
    b->width = b->height = 0;
}

void cells_clear(cells_buf *b, int style)
{
    cells_rect all = {0, 0, b->width, b->height};
    cells_fill(b, all, ' ', style);
}

void cells_fill(cells_buf *b, cells_rect r, uint32_t ch, int style)
{
    for (int y = r.y; y < r.y + r.h; y++)
        for (int x = r.x; x < r.x + r.w; x++)
            cells_put(b, x, y, ch, style);
}

void cells_put(cells_buf *b, int x, int y, uint32_t ch, int style)
{
    if (x < 0 || y < 0 || x >= b->width || y >= b->height)
        return;
    cells_cell *c = &b->cell[(size_t)y * (size_t)b->width + (size_t)x];
    c->ch = ch;
    c->style = (uint8_t)style;
}

uint32_t cells_get(const cells_buf *b, int x, int y)
{
    if (x < 0 || y < 0 || x >= b->width || y >= b->height)
        return 0;
    return b->cell[(size_t)y * (size_t)b->width + (size_t)x].ch;
}

int cells_style_at(const cells_buf *b, int x, int y)
{
    if (x < 0 || y < 0 || x >= b->width || y >= b->height)
        return -1;
    return b->cell[(size_t)y * (size_t)b->width + (size_t)x].style;
}

int cells_utf8_decode(const char *s, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    int len;
    uint32_t v;

    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    } else if ((u[0] & 0xe0) == 0xc0) {
        len = 2;
        v = u[0] & 0x1f;
    } else if ((u[0] & 0xf0) == 0xe0) {
        len = 3;
        v = u[0] & 0x0f;
    } else if ((u[0] & 0xf8) == 0xf0) {
        len = 4;
        v = u[0] & 0x07;
    } else {
        *cp = '?';
        return 1;
    }
    for (int i = 1; i < len; i++) {
        if ((u[i] & 0xc0) != 0x80) {
            *cp = '?';
            return 1;
        }
        v = (v << 6) | (u[i] & 0x3f);
    }
    *cp = v;
    return len;
}

int cells_utf8_encode(uint32_t cp, char *out)
{
    int n;

    if (cp < 0x80) {
        out[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        out[0] = (char)(0xf0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    out[n] = '\0';
    return n;
}

int cells_text(cells_buf *b, int x, int y, const char *utf8, int style, int max_cols)
{
    int limit = max_cols < 0 ? b->width - x : max_cols;
    int written = 0;

    while (*utf8 && written < limit) {
        uint32_t cp;
        utf8 += cells_utf8_decode(utf8, &cp);
        if (cp < 0x20 || cp == 0x7f || (b->ascii && cp > 0x7e))
            cp = '?';
        cells_put(b, x + written, y, cp, style);
        written++;
    }
    return written;
}

int cells_text_fit(cells_buf *b, int x, int y, const char *utf8, int style, int max_cols)
{
    int limit = max_cols < 0 ? b->width - x : max_cols;
    int count = 0;
    for (const char *s = utf8; *s; s++)
        count += ((unsigned char)*s & 0xC0) != 0x80;
    if (count <= limit || limit < 2)
        return cells_text(b, x, y, utf8, style, limit);
    int written = cells_text(b, x, y, utf8, style, limit - 1);
    cells_put(b, x + written, y, b->ascii ? '.' : 0x2026, style);
    return written + 1;
}

int cells_printf(cells_buf *b, int x, int y, int style, int max_cols, const char *fmt, ...)
{
    char line[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    return cells_text(b, x, y, line, style, max_cols);
}

void cells_box(cells_buf *b, cells_rect r, const char *title, int style, int title_style)
{
    uint32_t h = b->ascii ? '-' : 0x2500, v = b->ascii ? '|' : 0x2502;
    uint32_t tl = b->ascii ? '+' : 0x250c, tr = b->ascii ? '+' : 0x2510;
    uint32_t bl = b->ascii ? '+' : 0x2514, br = b->ascii ? '+' : 0x2518;

    if (r.w < 2 || r.h < 2)
        return;
    for (int x = r.x + 1; x < r.x + r.w - 1; x++) {
        cells_put(b, x, r.y, h, style);
        cells_put(b, x, r.y + r.h - 1, h, style);
    }
    for (int y = r.y + 1; y < r.y + r.h - 1; y++) {
        cells_put(b, r.x, y, v, style);
        cells_put(b, r.x + r.w - 1, y, v, style);
    }
    cells_put(b, r.x, r.y, tl, style);
    cells_put(b, r.x + r.w - 1, r.y, tr, style);
    cells_put(b, r.x, r.y + r.h - 1, bl, style);
    cells_put(b, r.x + r.w - 1, r.y + r.h - 1, br, style);

    /* " title " after the corner, clipped to leave the far corner visible. */
    if (title && *title && r.w > 6) {
        int room = r.w - 4;
        cells_put(b, r.x + 1, r.y, ' ', style);
        int n = cells_text_fit(b, r.x + 2, r.y, title, title_style, room - 1);
        cells_put(b, r.x + 2 + n, r.y, ' ', style);
    }
}

int cells_row_text(const cells_buf *b, int y, char *out, size_t outlen)
{
    size_t used = 0;

    if (y < 0 || y >= b->height)
        return -1;
    for (int x = 0; x < b->width; x++) {
        char enc[5];
        uint32_t cp = cells_get(b, x, y);
        if (cp == 0 || (b->ascii && cp > 0x7e))
            cp = cp == 0 ? ' ' : '?';
        int n = cells_utf8_encode(cp, enc);
        if (used + (size_t)n + 1 > outlen)
            return -1;
        memcpy(out + used, enc, (size_t)n);
        used += (size_t)n;
    }
    out[used] = '\0';
    return (int)used;
}
