/*
 * replay.h - read a .gsr recording: header, chunk index, records, events.
 *
 * gs_replay_open validates the header and indexes the chunks by reading only
 * their 48-byte headers, so opening a large file costs one pass over chunk
 * headers, not a decompression. Reading a chunk inflates it, checks its
 * length and CRC-32, and decodes its records.
 *
 * The reader trusts no length in the file. A chunk may claim at most
 * GS_REPLAY_MAX_RAW bytes of records, a compressed length that zlib could
 * have produced from them, and must inflate to exactly its stated length.
 * A chunk header that fails its CRC is reported as damage, and indexing
 * resumes at the next chunk magic. A chunk whose payload fails is reported
 * when read and skipped by gs_replay_events and the exporters. A file cut
 * off mid-chunk indexes up to its last whole chunk. gs_replay_refresh indexes
 * chunks appended since, for following a file still being recorded.
 *
 * Threads: a gs_replay belongs to one thread at a time. Memory: the
 * header, chunk infos and damage reports belong to the gs_replay; arrays
 * returned through a gs_frame ** or gs_replay_event ** belong to the caller
 * (free()).
 */
#ifndef GS_REPLAY_H
#define GS_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "recorder.h"

#define GS_REPLAY_MAX_RAW (64u << 20)        /* cap on a chunk's raw length */
#define GS_REPLAY_MAX_CHUNK_RECORDS 65536u   /* cap for gs_replay_read_chunk */

#define GS_REPLAY_CHUNK_EVENTS 1u   /* gs_replay_chunk_info.flags: contains events */
#define GS_REPLAY_CHUNK_DAMAGED 2u  /* payload failed when read */

typedef struct {
    int64_t offset;            /* of the chunk header in the file */
    uint32_t comp_len, raw_len;
    uint32_t nrecords;
    uint32_t flags;            /* GS_REPLAY_CHUNK_* */
    int64_t first_step, last_step;
} gs_replay_chunk_info;

typedef struct {
    int64_t offset;            /* where the damage starts */
    int64_t skipped;           /* bytes skipped to the next chunk, 0 when the
                                  chunk was skipped through the index */
    char what[160];
} gs_replay_damage;

typedef struct {
    int64_t step;
    double t, wall;
    gs_event event;
} gs_replay_event;

/* Records of one chunk, decoded one at a time (no gs_frame array). */
typedef struct {
    uint8_t *raw;
    size_t len, pos;
} gs_replay_cursor;

typedef struct gs_replay gs_replay;

/* Open and index path. An unknown major version or a damaged header fails
 * with a message; damaged chunks do not (see gs_replay_damage_count). */
int gs_replay_open(gs_replay **out, const char *path, char *err, size_t errlen);
void gs_replay_close(gs_replay *r);

const gs_recording_header *gs_replay_header(const gs_replay *r);
void gs_replay_version(const gs_replay *r, int *major, int *minor);

size_t gs_replay_chunk_count(const gs_replay *r);
const gs_replay_chunk_info *gs_replay_chunk(const gs_replay *r, size_t i);

/* Bytes after the last indexed chunk: a chunk still being written or cut
 * off by a crash. */
int64_t gs_replay_tail_bytes(const gs_replay *r);

/* Index chunks appended since the last scan. *added (may be NULL) gets
 * their number. Returns 0, or -1 with a message when the file cannot be
 * read. */
int gs_replay_refresh(gs_replay *r, size_t *added, char *err, size_t errlen);

/* Return the index of the chunk holding step, else the first chunk after
 * it, else the last chunk; -1 when there are no chunks. */
long gs_replay_find_step(const gs_replay *r, int64_t step);

/* Inflate and check chunk i and position c at its first record. Returns 0,
 * or -1 with a message (the chunk is then marked damaged and reported). */
int gs_replay_cursor_load(gs_replay *r, size_t i, gs_replay_cursor *c, char *err, size_t errlen);

/* Decode the next record into *out. Returns 1, or 0 at the end of the
 * chunk. Records of kinds this version does not know are skipped. */
int gs_replay_cursor_next(gs_replay_cursor *c, gs_frame *out);
void gs_replay_cursor_free(gs_replay_cursor *c);

/* Decode chunk i into a new array of *n records (caller frees *frames).
 * Fails for a damaged chunk or one of more than GS_REPLAY_MAX_CHUNK_RECORDS
 * records (use a cursor for those). */
int gs_replay_read_chunk(gs_replay *r, size_t i, gs_frame **frames, size_t *n, char *err,
                         size_t errlen);

/* Collect every event of the recording in file order (caller frees
 * *events). Damaged chunks are skipped and reported as damage. */
int gs_replay_events(gs_replay *r, gs_replay_event **events, size_t *n, char *err, size_t errlen);

size_t gs_replay_damage_count(const gs_replay *r);
const gs_replay_damage *gs_replay_damage_get(const gs_replay *r, size_t i);

#endif
