/*
 * snippet.c - short printable copies of file text for error messages.
 * See snippet.h.
 */
#include "data/snippet.h"

void gs_snippet(char *dst, size_t dstlen, const char *src, size_t len)
{
    size_t max = GS_SNIPPET_MAX;
    size_t i;

    if (dstlen < max + 4)
        max = dstlen > 4 ? dstlen - 4 : 0;
    for (i = 0; i < len && i < max; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (i < len) {
        dst[i++] = '.';
        dst[i++] = '.';
        dst[i++] = '.';
    }
    dst[i] = '\0';
}
