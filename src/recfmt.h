/*
 * recfmt.h - byte layout of a .gsr recording, shared by the writer
 * (recorder.c) and the reader (replay.c). Private to the engine.
 *
 * Every integer and float is little-endian; floats are IEEE 754 bit
 * patterns. A file is a header followed by chunks:
 *
 *   file header   magic[8]  u16 major  u16 minor  u32 body_len  u32 body_crc
 *                 body: str program_version, str preset_name, str preset_text,
 *                       u64 seed, i64 created_unix, u32 nseries, then per
 *                       series: str name, str label, str unit, str panel,
 *                       i32 kind, i32 pair        (str = u32 length + bytes)
 *   chunk header  magic[8]  u32 comp_len  u32 raw_len  u32 raw_crc
 *                 u32 nrecords  i64 first_step  i64 last_step  u32 flags
 *                 u32 header_crc (CRC-32 of the 44 bytes before it)
 *   chunk payload comp_len bytes of zlib stream; inflated, raw_len bytes of
 *                 records back to back
 *   record        u8 kind, u32 body_len, body: i64 step, f64 t, f64 wall,
 *                 then by kind
 *     scalars     u16 n, u32 theory_stale, f64 v[n]
 *     histogram   name8, u16 nbins, f64 lo, f64 hi, u8 theory_valid,
 *                 f32 count[nbins], f32 theory[nbins] if theory_valid
 *     matrix      name8, u16 rows, u16 cols, f32 v[rows * cols]
 *     event       u8 kind, name8, f64 old, f64 new, u16 text_len + text
 *                 (name8 = u8 length + bytes)
 *
 * A reader of the same major version skips record kinds it does not know
 * (body_len gives their size) and ignores bytes after the fields it knows, so a
 * minor version may add record kinds and trailing fields.
 */
#ifndef GS_RECFMT_H
#define GS_RECFMT_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"

#define RECFMT_MAGIC "\x89GSR\r\n\x1a\n"
#define RECFMT_CHUNK_MAGIC "\x8bGSC\r\n\x1a\n"
#define RECFMT_MAGIC_LEN 8
#define RECFMT_MAJOR 1
#define RECFMT_MINOR 0
#define RECFMT_FILE_PREFIX_LEN 20  /* magic, versions, body_len, body_crc */
#define RECFMT_CHUNK_HEADER_LEN 48
#define RECFMT_RECORD_PREFIX_LEN 5 /* kind, body_len */

/* Largest encoded record: a full matrix with a maximal name. */
#define RECFMT_RECORD_MAX \
    (RECFMT_RECORD_PREFIX_LEN + 24 + 1 + GS_NAME_MAX + 4 + 4 * GS_MAX_MATRIX)

#define RECFMT_CHUNK_HAS_EVENTS 1u /* chunk header flag bit */

typedef struct {
    uint32_t comp_len, raw_len, raw_crc, nrecords;
    int64_t first_step, last_step;
    uint32_t flags;
} recfmt_chunk_header;

void recfmt_put_u16(uint8_t *p, uint16_t v);
void recfmt_put_u32(uint8_t *p, uint32_t v);
void recfmt_put_u64(uint8_t *p, uint64_t v);
uint16_t recfmt_get_u16(const uint8_t *p);
uint32_t recfmt_get_u32(const uint8_t *p);
uint64_t recfmt_get_u64(const uint8_t *p);

/* Write a chunk header into out[RECFMT_CHUNK_HEADER_LEN]. */
void recfmt_chunk_header_encode(const recfmt_chunk_header *h, uint8_t *out);

/* Parse a chunk header. Returns 0, or -1 when the magic or the header
 * CRC does not match (what names which). */
int recfmt_chunk_header_decode(const uint8_t *in, recfmt_chunk_header *h, const char **what);

/* Encode one record into out (capacity cap, at least RECFMT_RECORD_MAX is
 * always enough). Counts and names that exceed the limits of frame.h are
 * clipped. Returns the bytes written, or 0 for an unknown record kind. */
size_t recfmt_record_encode(const gs_frame *f, uint8_t *out, size_t cap);

/* Decode the record at in[0..len). Sets *used to its encoded size.
 * Returns 1 when *out contains a record, 0 for a record of unknown kind that
 * was skipped, -1 when the bytes are malformed (*what names the fault). Only the
 * fields of the decoded kind are written into *out. */
int recfmt_record_decode(const uint8_t *in, size_t len, size_t *used, gs_frame *out,
                         const char **what);

#endif
