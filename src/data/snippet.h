/*
 * snippet.h - short printable copies of file text for error messages.
 *
 * Private to src/data: the data file readers quote the text they reject, and
 * that text may hold control bytes or be very long.
 */
#ifndef GS_SNIPPET_H
#define GS_SNIPPET_H

#include <stddef.h>

/* Longest quoted text in a message, not counting the "..." that marks a cut. */
#define GS_SNIPPET_MAX 40

/*
 * Copy src[0..len) into dst as a NUL-terminated string of at most
 * GS_SNIPPET_MAX characters, with every byte outside printable ASCII replaced
 * by '?' and "..." appended when the text was cut. dstlen must be at least
 * GS_SNIPPET_MAX + 4.
 */
void gs_snippet(char *dst, size_t dstlen, const char *src, size_t len);

#endif
