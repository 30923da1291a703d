/*
 * recorder.c - the recorder thread and its queue. See include/recorder.h for
 * the contract and src/recfmt.h for the bytes it writes.
 *
 * Design. The producer and the recorder thread share only a ring of
 * gs_frame slots and a few atomic counters:
 *
 *   head   written by the producer (release) after it filled slot head % n
 *   tail   written by the recorder thread (release) after it encoded slot
 *          tail % n; the producer reads it (acquire) to see free slots
 *   wake   a POSIX semaphore the producer posts; sem_post never blocks
 *   failed set once by the recorder thread (release) after it wrote error[]
 *   stop   set once by gs_recorder_close
 *
 * A full ring drops the record being pushed: a single producer cannot take
 * back a slot the consumer may be reading, so dropping the oldest would need
 * a lock. The recorder thread wakes on each push or every 50 ms, encodes
 * what is queued into the pending chunk, and writes the chunk once it spans
 * chunk_seconds, fills chunk_max_bytes or chunk_max_records, or has waited
 * chunk_seconds since its first record (so a paused run still flushes its
 * events). Compression and disk writes happen only on this thread.
 */
#include "recorder.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "recfmt.h"

#define WAKE_PERIOD_NS 50000000L

struct gs_recorder {
    /* Set by gs_recorder_open, read-only afterwards. */
    int fd;
    char path[256];
    gs_recorder_options opt;
    pthread_t thread;
    sem_t wake;
    gs_frame *slots;
    size_t nslots;

    /* Shared; see the design note above. */
    atomic_size_t head, tail;
    atomic_int stop, failed;
    char error[320];
    atomic_uint_least64_t pushed, dropped, records_written, chunks_written, bytes_written,
        raw_bytes;

    /* Recorder thread only. */
    uint8_t *raw;              /* encoded records of the pending chunk */
    size_t raw_len, raw_cap;
    uint8_t *out;              /* chunk header + compressed payload */
    size_t out_cap;
    recfmt_chunk_header pending;
    double first_wall;
    struct timespec first_mono;
    uint64_t drops_noted;
    gs_frame note;             /* scratch record for note_drops */
    off_t good_size;           /* file size after the last whole chunk */
};

void gs_recorder_default_options(gs_recorder_options *opt)
{
    opt->chunk_seconds = 1.0;
    opt->chunk_max_bytes = 1u << 20;
    opt->chunk_max_records = 1024;
    opt->queue_records = 256;
    opt->compression_level = 6;
    opt->sync = 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (w == 0) {
            errno = EIO;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* ---- header ----------------------------------------------------------- */

static size_t put_str(uint8_t *p, const char *s, size_t n)
{
    if (p) {
        recfmt_put_u32(p, (uint32_t)n);
        memcpy(p + 4, s, n);
    }
    return 4 + n;
}

/* Encode the header body into p, or only measure it when p is NULL. */
static size_t encode_header_body(const gs_recording_header *h, int nseries, uint8_t *p)
{
    const char *text = h->preset_text ? h->preset_text : "";
    size_t n = 0;

    n += put_str(p ? p + n : NULL, h->program_version,
                 strnlen(h->program_version, sizeof h->program_version - 1));
    n += put_str(p ? p + n : NULL, h->preset_name,
                 strnlen(h->preset_name, sizeof h->preset_name - 1));
    n += put_str(p ? p + n : NULL, text, strlen(text));
    if (p) {
        recfmt_put_u64(p + n, h->seed);
        recfmt_put_u64(p + n + 8, (uint64_t)h->created_unix);
        recfmt_put_u32(p + n + 16, (uint32_t)nseries);
    }
    n += 20;
    for (int i = 0; i < nseries; i++) {
        const gs_series_decl *d = &h->series[i];
        n += put_str(p ? p + n : NULL, d->name, strnlen(d->name, sizeof d->name - 1));
        n += put_str(p ? p + n : NULL, d->label, strnlen(d->label, sizeof d->label - 1));
        n += put_str(p ? p + n : NULL, d->unit, strnlen(d->unit, sizeof d->unit - 1));
        n += put_str(p ? p + n : NULL, d->panel, strnlen(d->panel, sizeof d->panel - 1));
        if (p) {
            recfmt_put_u32(p + n, (uint32_t)d->kind);
            recfmt_put_u32(p + n + 4, (uint32_t)d->pair);
        }
        n += 8;
    }
    return n;
}

static int write_header(gs_recorder *rec, const gs_recording_header *h, char *err, size_t errlen)
{
    int nseries = h->nseries;
    if (nseries < 0)
        nseries = 0;
    if (nseries > GS_MAX_SERIES)
        nseries = GS_MAX_SERIES;
    size_t body = encode_header_body(h, nseries, NULL);
    uint8_t *buf = malloc(RECFMT_FILE_PREFIX_LEN + body);
    if (!buf) {
        snprintf(err, errlen, "out of memory for the header of %s", rec->path);
        return -1;
    }
    memcpy(buf, RECFMT_MAGIC, RECFMT_MAGIC_LEN);
    recfmt_put_u16(buf + 8, RECFMT_MAJOR);
    recfmt_put_u16(buf + 10, RECFMT_MINOR);
    recfmt_put_u32(buf + 12, (uint32_t)body);
    encode_header_body(h, nseries, buf + RECFMT_FILE_PREFIX_LEN);
    recfmt_put_u32(buf + 16, (uint32_t)crc32(0L, buf + RECFMT_FILE_PREFIX_LEN, (uInt)body));

    int rc = write_all(rec->fd, buf, RECFMT_FILE_PREFIX_LEN + body);
    if (rc != 0)
        snprintf(err, errlen, "cannot write the header of %s: %s", rec->path, strerror(errno));
    else
        rec->good_size = (off_t)(RECFMT_FILE_PREFIX_LEN + body);
    free(buf);
    return rc;
}

/* ---- recorder thread -------------------------------------------------- */

static double seconds_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + 1e-9 * (double)(now.tv_nsec - t0->tv_nsec);
}

static void fail(gs_recorder *rec, const char *what, int errnum)
{
    snprintf(rec->error, sizeof rec->error,
             "recording to %s stopped: %s: %s (%llu chunks kept)", rec->path, what,
             strerror(errnum), (unsigned long long)atomic_load(&rec->chunks_written));
    /* Cut off a partly written chunk so the file ends on a whole chunk. */
    if (ftruncate(rec->fd, rec->good_size) != 0) {
        /* A device such as /dev/full cannot be truncated; the reader stops at
         * the partial chunk anyway. */
    }
    atomic_store_explicit(&rec->failed, 1, memory_order_release);
}

static void append(gs_recorder *rec, const gs_frame *f)
{
    size_t n = recfmt_record_encode(f, rec->raw + rec->raw_len, rec->raw_cap - rec->raw_len);
    if (n == 0)
        return;
    if (rec->pending.nrecords == 0) {
        rec->pending.first_step = f->step;
        rec->first_wall = f->wall;
        clock_gettime(CLOCK_MONOTONIC, &rec->first_mono);
    }
    rec->pending.last_step = f->step;
    rec->pending.nrecords++;
    if (f->kind == GS_REC_EVENT)
        rec->pending.flags |= RECFMT_CHUNK_HAS_EVENTS;
    rec->raw_len += n;
}

/* Add a note about records lost to a full queue since the last note. */
static void note_drops(gs_recorder *rec)
{
    uint64_t dropped = atomic_load_explicit(&rec->dropped, memory_order_relaxed);
    if (dropped == rec->drops_noted || rec->raw_cap - rec->raw_len < RECFMT_RECORD_MAX)
        return;

    gs_frame *note = &rec->note;
    memset(note, 0, offsetof(gs_frame, u) + sizeof note->u.event);
    note->kind = GS_REC_EVENT;
    note->step = rec->pending.last_step;
    note->u.event.kind = GS_EVENT_NOTE;
    unsigned long long lost = (unsigned long long)(dropped - rec->drops_noted);
    snprintf(note->u.event.text, sizeof note->u.event.text,
             "recorder dropped %llu record%s because its queue was full", lost,
             lost == 1 ? "" : "s");
    rec->drops_noted = dropped;
    append(rec, note);
}

static void flush_chunk(gs_recorder *rec)
{
    if (rec->pending.nrecords == 0 || atomic_load(&rec->failed))
        return;
    note_drops(rec);

    uLongf comp = (uLongf)(rec->out_cap - RECFMT_CHUNK_HEADER_LEN);
    int zrc = compress2(rec->out + RECFMT_CHUNK_HEADER_LEN, &comp, rec->raw, (uLong)rec->raw_len,
                        rec->opt.compression_level);
    if (zrc != Z_OK) {
        fail(rec, "zlib compress2 failed", ENOMEM);
        return;
    }
    rec->pending.comp_len = (uint32_t)comp;
    rec->pending.raw_len = (uint32_t)rec->raw_len;
    rec->pending.raw_crc = (uint32_t)crc32(0L, rec->raw, (uInt)rec->raw_len);
    recfmt_chunk_header_encode(&rec->pending, rec->out);

    size_t total = RECFMT_CHUNK_HEADER_LEN + comp;
    if (write_all(rec->fd, rec->out, total) != 0) {
        fail(rec, "write failed", errno);
        return;
    }
    if (rec->opt.sync && fdatasync(rec->fd) != 0 && errno != EINVAL) {
        fail(rec, "fdatasync failed", errno);
        return;
    }
    rec->good_size += (off_t)total;
    atomic_fetch_add_explicit(&rec->records_written, rec->pending.nrecords, memory_order_relaxed);
    atomic_fetch_add_explicit(&rec->chunks_written, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&rec->bytes_written, total, memory_order_relaxed);
    atomic_fetch_add_explicit(&rec->raw_bytes, rec->raw_len, memory_order_relaxed);
    memset(&rec->pending, 0, sizeof rec->pending);
    rec->raw_len = 0;
}

static int chunk_full(const gs_recorder *rec, double last_wall)
{
    return rec->raw_len >= rec->opt.chunk_max_bytes ||
           rec->pending.nrecords >= rec->opt.chunk_max_records ||
           last_wall - rec->first_wall >= rec->opt.chunk_seconds;
}

static void drain_queue(gs_recorder *rec)
{
    size_t tail = atomic_load_explicit(&rec->tail, memory_order_relaxed);
    size_t head = atomic_load_explicit(&rec->head, memory_order_acquire);

    while (tail != head) {
        const gs_frame *f = &rec->slots[tail % rec->nslots];
        if (!atomic_load_explicit(&rec->failed, memory_order_relaxed)) {
            append(rec, f);
            if (chunk_full(rec, f->wall))
                flush_chunk(rec);
        }
        tail++;
        atomic_store_explicit(&rec->tail, tail, memory_order_release);
        if (tail == head)
            head = atomic_load_explicit(&rec->head, memory_order_acquire);
    }
}

static void *recorder_main(void *arg)
{
    gs_recorder *rec = arg;

    for (;;) {
        int stopping = atomic_load_explicit(&rec->stop, memory_order_acquire);
        drain_queue(rec);
        if (rec->pending.nrecords > 0 && seconds_since(&rec->first_mono) >= rec->opt.chunk_seconds)
            flush_chunk(rec);
        if (stopping)
            break;

        /* CLOCK_MONOTONIC, so a change of the system clock cannot stretch
         * the wait (sem_clockwait is in glibc since 2.30). */
        struct timespec deadline;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_nsec += WAKE_PERIOD_NS;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
        while (sem_clockwait(&rec->wake, CLOCK_MONOTONIC, &deadline) != 0 && errno == EINTR)
            ;
    }
    flush_chunk(rec);
    return NULL;
}

/* ---- public ----------------------------------------------------------- */

static void free_recorder(gs_recorder *rec)
{
    free(rec->slots);
    free(rec->raw);
    free(rec->out);
    free(rec);
}

int gs_recorder_open(gs_recorder **out, const char *path, const gs_recording_header *hdr,
                     const gs_recorder_options *opt, char *err, size_t errlen)
{
    *out = NULL;
    gs_recorder *rec = calloc(1, sizeof *rec);
    if (!rec) {
        snprintf(err, errlen, "out of memory opening recording %s", path);
        return -1;
    }
    if (opt)
        rec->opt = *opt;
    else
        gs_recorder_default_options(&rec->opt);
    if (rec->opt.queue_records < 2)
        rec->opt.queue_records = 2;
    /* Stay well inside what the reader accepts (64 MiB raw, 65536 records
     * per chunk), counting the drop note a chunk may gain. */
    if (rec->opt.chunk_max_bytes < 1)
        rec->opt.chunk_max_bytes = 1;
    if (rec->opt.chunk_max_bytes > (32u << 20))
        rec->opt.chunk_max_bytes = 32u << 20;
    if (rec->opt.chunk_max_records < 1)
        rec->opt.chunk_max_records = 1;
    if (rec->opt.chunk_max_records > 65000)
        rec->opt.chunk_max_records = 65000;
    if (rec->opt.compression_level < 1 || rec->opt.compression_level > 9)
        rec->opt.compression_level = 6;
    snprintf(rec->path, sizeof rec->path, "%s", path);

    rec->nslots = rec->opt.queue_records;
    rec->slots = malloc(rec->nslots * sizeof *rec->slots);
    rec->raw_cap = rec->opt.chunk_max_bytes + 2 * RECFMT_RECORD_MAX;
    rec->raw = malloc(rec->raw_cap);
    rec->out_cap = RECFMT_CHUNK_HEADER_LEN + compressBound((uLong)rec->raw_cap);
    rec->out = malloc(rec->out_cap);
    if (!rec->slots || !rec->raw || !rec->out) {
        snprintf(err, errlen, "out of memory for the recorder queue of %s (%zu records)", path,
                 rec->nslots);
        free_recorder(rec);
        return -1;
    }

    rec->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (rec->fd < 0) {
        snprintf(err, errlen, "cannot create recording %s: %s", path, strerror(errno));
        free_recorder(rec);
        return -1;
    }
    if (write_header(rec, hdr, err, errlen) != 0) {
        close(rec->fd);
        free_recorder(rec);
        return -1;
    }
    if (sem_init(&rec->wake, 0, 0) != 0) {
        snprintf(err, errlen, "sem_init failed for recording %s: %s", path, strerror(errno));
        close(rec->fd);
        free_recorder(rec);
        return -1;
    }
    atomic_store(&rec->bytes_written, (uint64_t)rec->good_size);
    int rc = pthread_create(&rec->thread, NULL, recorder_main, rec);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the recorder thread for %s: %s", path, strerror(rc));
        sem_destroy(&rec->wake);
        close(rec->fd);
        free_recorder(rec);
        return -1;
    }
    *out = rec;
    return 0;
}

static size_t frame_copy_size(int kind)
{
    switch (kind) {
    case GS_REC_SCALARS:
        return offsetof(gs_frame, u) + sizeof(gs_scalars);
    case GS_REC_HISTOGRAM:
        return offsetof(gs_frame, u) + sizeof(gs_histogram);
    case GS_REC_MATRIX:
        return offsetof(gs_frame, u) + sizeof(gs_matrix);
    case GS_REC_EVENT:
        return offsetof(gs_frame, u) + sizeof(gs_event);
    }
    return 0;
}

int gs_recorder_push(gs_recorder *rec, const gs_frame *f)
{
    size_t size = frame_copy_size(f->kind);
    size_t head = atomic_load_explicit(&rec->head, memory_order_relaxed);
    size_t tail = atomic_load_explicit(&rec->tail, memory_order_acquire);

    if (size == 0 || atomic_load_explicit(&rec->failed, memory_order_acquire) ||
        head - tail >= rec->nslots) {
        atomic_fetch_add_explicit(&rec->dropped, 1, memory_order_relaxed);
        return -1;
    }
    memcpy(&rec->slots[head % rec->nslots], f, size);
    atomic_store_explicit(&rec->head, head + 1, memory_order_release);
    atomic_fetch_add_explicit(&rec->pushed, 1, memory_order_relaxed);
    sem_post(&rec->wake);
    return 0;
}

const char *gs_recorder_error(const gs_recorder *rec)
{
    gs_recorder *r = (gs_recorder *)rec;
    return atomic_load_explicit(&r->failed, memory_order_acquire) ? rec->error : NULL;
}

void gs_recorder_stats_get(const gs_recorder *rec, gs_recorder_stats *st)
{
    gs_recorder *r = (gs_recorder *)rec;
    st->pushed = atomic_load_explicit(&r->pushed, memory_order_relaxed);
    st->dropped = atomic_load_explicit(&r->dropped, memory_order_relaxed);
    st->records_written = atomic_load_explicit(&r->records_written, memory_order_relaxed);
    st->chunks_written = atomic_load_explicit(&r->chunks_written, memory_order_relaxed);
    st->bytes_written = atomic_load_explicit(&r->bytes_written, memory_order_relaxed);
    st->raw_bytes = atomic_load_explicit(&r->raw_bytes, memory_order_relaxed);
}

int gs_recorder_close(gs_recorder *rec, char *err, size_t errlen)
{
    if (!rec)
        return 0;
    atomic_store_explicit(&rec->stop, 1, memory_order_release);
    sem_post(&rec->wake);
    pthread_join(rec->thread, NULL);
    sem_destroy(&rec->wake);

    int rc = 0;
    if (atomic_load(&rec->failed)) {
        snprintf(err, errlen, "%s", rec->error);
        rc = -1;
    } else if (fdatasync(rec->fd) != 0 && errno != EINVAL && errno != EROFS) {
        snprintf(err, errlen, "fdatasync of recording %s failed: %s", rec->path, strerror(errno));
        rc = -1;
    }
    if (close(rec->fd) != 0 && rc == 0) {
        snprintf(err, errlen, "closing recording %s failed: %s", rec->path, strerror(errno));
        rc = -1;
    }
    free_recorder(rec);
    return rc;
}
