/*
 * recorder.h - write the record stream to a .gsr file on its own thread.
 *
 * One producer thread (the UI thread) hands records to gs_recorder_push,
 * which copies them into a bounded single-producer/single-consumer queue and
 * returns at once: it never waits for the disk. The recorder thread encodes
 * the records (only their used fields, little-endian), gathers about one
 * second of them into a chunk, compresses the chunk with zlib and writes it
 * with one write(2). A file cut off at any byte is readable up to its last
 * whole chunk (see replay.h).
 *
 * When the queue is full, push drops the new record and counts it; the next
 * chunk then carries a GS_EVENT_NOTE saying how many records were lost. A
 * write error (a full disk, a removed device) stops the recording: later
 * pushes are dropped, gs_recorder_error returns the message, and the file
 * keeps every chunk written before the error.
 *
 * Threads: gs_recorder_open and gs_recorder_close on the owning thread;
 * gs_recorder_push on one producer thread; gs_recorder_error and
 * gs_recorder_stats on any thread.
 */
#ifndef GS_RECORDER_H
#define GS_RECORDER_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"

#define GS_VERSION_MAX 64

/* What a recording states once, at its start. */
typedef struct {
    char program_version[GS_VERSION_MAX];
    char preset_name[GS_NAME_MAX];
    const char *preset_text;   /* the preset as it was at start; NULL is "" */
    uint64_t seed;
    int64_t created_unix;      /* seconds since 1970; 0 when unknown */
    int nseries;               /* 0 .. GS_MAX_SERIES */
    gs_series_decl series[GS_MAX_SERIES];
} gs_recording_header;

/* Tuning; gs_recorder_default_options fills the usual values. */
typedef struct {
    double chunk_seconds;      /* close a chunk after this long: record wall time or
                                  time since its first record (default 1.0) */
    size_t chunk_max_bytes;    /* ... or once its raw records reach this (default 1 MiB) */
    uint32_t chunk_max_records;/* ... or this many records (default 1024) */
    size_t queue_records;      /* queue capacity in records (default 256) */
    int compression_level;     /* zlib level 1..9 (default 6) */
    int sync;                  /* 1: fdatasync after each chunk (default 0) */
} gs_recorder_options;

typedef struct {
    uint64_t pushed;           /* records accepted into the queue */
    uint64_t dropped;          /* records lost to a full queue or a stopped recorder */
    uint64_t records_written;
    uint64_t chunks_written;
    uint64_t bytes_written;    /* file size, header included */
    uint64_t raw_bytes;        /* encoded records before compression */
} gs_recorder_stats;

typedef struct gs_recorder gs_recorder;

void gs_recorder_default_options(gs_recorder_options *opt);

/* Create path (truncating it), write the header and start the recorder
 * thread. opt may be NULL for the defaults. Returns 0, or -1 with a message
 * in err. */
int gs_recorder_open(gs_recorder **out, const char *path, const gs_recording_header *hdr,
                     const gs_recorder_options *opt, char *err, size_t errlen);

/* Queue a copy of *f. Returns 0 when queued, -1 when dropped (queue full or
 * recording stopped by an error). Never blocks. */
int gs_recorder_push(gs_recorder *rec, const gs_frame *f);

/* Return the message of the write error that stopped the recording, or NULL
 * while it runs. The string lives until gs_recorder_close. */
const char *gs_recorder_error(const gs_recorder *rec);

void gs_recorder_stats_get(const gs_recorder *rec, gs_recorder_stats *st);

/* Write what is queued as a last chunk, stop the thread, sync and close the
 * file, free rec. Returns 0, or -1 with a message in err when the recording
 * failed at any point. rec may be NULL. */
int gs_recorder_close(gs_recorder *rec, char *err, size_t errlen);

#endif
