/*
 * export_text.h - text helpers shared by the exporters (export.c,
 * export_svg.c). Private to the engine.
 */
#ifndef GS_EXPORT_TEXT_H
#define GS_EXPORT_TEXT_H

#include <stddef.h>

/* Return the length of the valid UTF-8 sequence at s (1 to 4), or 0 when
 * the bytes there are not valid UTF-8 (overlong forms and surrogates
 * included). */
size_t export_utf8_length(const unsigned char *s);

#endif
