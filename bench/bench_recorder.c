/*
 * bench_recorder.c - size and speed of .gsr recordings.
 *
 *   1. Bytes per hour: one hour of a typical stream (10 scalar frames per
 *      second of 12 series, one 64-bin histogram per second). The real
 *      recorder writes it, and chunks follow the wall times in the records,
 *      so the run takes seconds, not an hour.
 *   2. Index time: that hour's chunks repeated (steps shifted) into a file
 *      of BENCH_GB gigabytes (default 1), then gs_replay_open timed.
 *   3. Seek time: gs_replay_find_step plus gs_replay_read_chunk at random
 *      steps of the large file.
 *
 * Build and run from the repository root (not part of make):
 *   make build/libgs.a
 *   cc -O2 -Iinclude -Isrc -o build/bench_recorder bench/bench_recorder.c \
 *      build/libgs.a -lz -lm -pthread
 *   ./build/bench_recorder [DIR]      (DIR for the files, default /tmp)
 * The large file is deleted at the end. Timings are of a warm page cache.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "recfmt.h"
#include "recorder.h"
#include "replay.h"

#define NSERIES 12
#define FRAMES_PER_SECOND 10
#define SECONDS 3600

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* xorshift64*: deterministic noise for the synthetic curves. */
static double noise(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return (double)((*s * 2685821657736338717ULL) >> 11) / 9007199254740992.0 - 0.5;
}

static void push(gs_recorder *rec, const gs_frame *f)
{
    while (gs_recorder_push(rec, f) != 0) {
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    }
}

static int write_hour(const char *path, gs_recorder_stats *st)
{
    gs_recording_header h;
    gs_recorder_options opt;
    gs_recorder *rec;
    gs_frame *f = calloc(1, sizeof *f);
    char err[256];
    uint64_t seed = 0x9e3779b97f4a7c15ULL;

    memset(&h, 0, sizeof h);
    snprintf(h.program_version, sizeof h.program_version, "bench");
    h.nseries = NSERIES;
    for (int i = 0; i < NSERIES; i++) {
        snprintf(h.series[i].name, sizeof h.series[i].name, "series_%d", i);
        snprintf(h.series[i].panel, sizeof h.series[i].panel, "panel_%d", i / 4);
        h.series[i].pair = -1;
    }
    gs_recorder_default_options(&opt);
    /* The queue is drained faster than real time, so a large queue only
     * saves retries. */
    opt.queue_records = 4096;
    if (!f || gs_recorder_open(&rec, path, &h, &opt, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", f ? err : "out of memory");
        return -1;
    }
    for (int64_t i = 0; i < (int64_t)SECONDS * FRAMES_PER_SECOND; i++) {
        memset(f, 0, sizeof *f);
        f->kind = GS_REC_SCALARS;
        f->step = 100 * i;
        f->t = 1e-3 * (double)f->step;
        f->wall = (double)i / FRAMES_PER_SECOND;
        f->u.scalars.nseries = NSERIES;
        for (int s = 0; s < NSERIES; s++) {
            /* Decaying curves, 9 of 12 with 1 % noise. The noise makes
             * most mantissa bits random, as an estimate of a noisy loss. */
            double clean = exp(-f->t / (50.0 * (s + 1))) + 0.1 * s;
            f->u.scalars.v[s] = s % 4 == 3 ? clean : clean * (1 + 0.01 * noise(&seed));
        }
        push(rec, f);
        if (i % FRAMES_PER_SECOND == 0) {
            memset(f, 0, sizeof *f);
            f->kind = GS_REC_HISTOGRAM;
            f->step = 100 * i;
            f->wall = (double)i / FRAMES_PER_SECOND;
            snprintf(f->u.hist.name, sizeof f->u.hist.name, "overlap");
            f->u.hist.nbins = 64;
            f->u.hist.lo = -1;
            f->u.hist.hi = 1;
            for (int b = 0; b < 64; b++)
                f->u.hist.count[b] = (float)floor(100 * exp(-(b - 32) * (b - 32) / 50.0) *
                                                  (1 + 0.2 * noise(&seed)));
            push(rec, f);
        }
    }
    gs_recorder_stats_get(rec, st);
    free(f);
    if (gs_recorder_close(rec, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

/* Copy the chunks of src again and again, shifting steps, until the file
 * reaches target bytes. Returns the number of chunks written. */
static long build_large(const char *src, const char *dst, int64_t target)
{
    gs_replay *r;
    char err[256];
    if (gs_replay_open(&r, src, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    size_t n = gs_replay_chunk_count(r);
    int64_t data_start = gs_replay_chunk(r, 0)->offset;
    int64_t data_end = gs_replay_chunk(r, n - 1)->offset + RECFMT_CHUNK_HEADER_LEN +
                       gs_replay_chunk(r, n - 1)->comp_len;
    size_t span = (size_t)(data_end - data_start);
    uint8_t *head = malloc((size_t)data_start), *data = malloc(span);
    int64_t step_span = gs_replay_chunk(r, n - 1)->last_step + 100;
    long chunks = 0;

    if (!in || !out || !head || !data || fread(head, 1, (size_t)data_start, in) !=
        (size_t)data_start || fread(data, 1, span, in) != span)
        return -1;
    fwrite(head, 1, (size_t)data_start, out);
    int64_t size = data_start;
    for (int64_t copy = 0; size < target; copy++) {
        for (size_t i = 0; i < n; i++) {
            const gs_replay_chunk_info *c = gs_replay_chunk(r, i);
            uint8_t *p = data + (c->offset - data_start);
            recfmt_chunk_header h;
            const char *what;
            if (recfmt_chunk_header_decode(p, &h, &what) != 0)
                return -1;
            h.first_step = c->first_step + copy * step_span;
            h.last_step = c->last_step + copy * step_span;
            recfmt_chunk_header_encode(&h, p);
            /* The payload's own steps are not shifted: the index is what
             * this benchmark measures. */
        }
        fwrite(data, 1, span, out);
        size += (int64_t)span;
        chunks += (long)n;
    }
    fclose(in);
    fclose(out);
    free(head);
    free(data);
    gs_replay_close(r);
    return chunks;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    const char *gb_env = getenv("BENCH_GB");
    double gb = gb_env ? atof(gb_env) : 1.0;
    char hour[512], large[512], err[256];
    gs_recorder_stats st;

    snprintf(hour, sizeof hour, "%s/bench_hour_%ld.gsr", dir, (long)getpid());
    snprintf(large, sizeof large, "%s/bench_large_%ld.gsr", dir, (long)getpid());

    double t0 = now_seconds();
    if (write_hour(hour, &st) != 0)
        return 1;
    double t_write = now_seconds() - t0;
    gs_replay *r;
    if (gs_replay_open(&r, hour, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    uint64_t comp = 0, raw = 0, file_size;
    for (size_t i = 0; i < gs_replay_chunk_count(r); i++) {
        comp += gs_replay_chunk(r, i)->comp_len;
        raw += gs_replay_chunk(r, i)->raw_len;
    }
    const gs_replay_chunk_info *tail = gs_replay_chunk(r, gs_replay_chunk_count(r) - 1);
    file_size = (uint64_t)tail->offset + RECFMT_CHUNK_HEADER_LEN + tail->comp_len;
    printf("one hour (10 frames/s x 12 series + 64-bin histogram/s):\n");
    printf("  records %llu, chunks %zu, file %llu bytes/hour\n",
           (unsigned long long)st.pushed, gs_replay_chunk_count(r),
           (unsigned long long)file_size);
    printf("  raw records %llu bytes, compressed payload %llu bytes, ratio %.2f\n",
           (unsigned long long)raw, (unsigned long long)comp, (double)raw / (double)comp);
    printf("  written in %.2f s (CPU of encode + zlib level 6)\n", t_write);
    gs_replay_close(r);

    long chunks = build_large(hour, large, (int64_t)(gb * (1 << 30)));
    if (chunks < 0) {
        fprintf(stderr, "building %s failed\n", large);
        return 1;
    }
    t0 = now_seconds();
    if (gs_replay_open(&r, large, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    double t_open = now_seconds() - t0;
    size_t n = gs_replay_chunk_count(r);
    printf("%.2f GB file, %zu chunks: gs_replay_open (index) %.3f s, damage %zu\n", gb, n,
           t_open, gs_replay_damage_count(r));

    uint64_t seed = 42;
    int64_t last = gs_replay_chunk(r, n - 1)->last_step;
    const int seeks = 1000;
    t0 = now_seconds();
    for (int i = 0; i < seeks; i++) {
        int64_t step = (int64_t)((noise(&seed) + 0.5) * (double)last);
        long c = gs_replay_find_step(r, step);
        gs_frame *frames;
        size_t m;
        if (c < 0 || gs_replay_read_chunk(r, (size_t)c, &frames, &m, err, sizeof err) != 0) {
            fprintf(stderr, "seek to %lld failed: %s\n", (long long)step, err);
            return 1;
        }
        free(frames);
    }
    double t_seek = (now_seconds() - t0) / seeks;
    printf("seek (find_step + read_chunk of ~%zu records): %.1f us average over %d\n",
           (size_t)gs_replay_chunk(r, 0)->nrecords, 1e6 * t_seek, seeks);
    gs_replay_close(r);
    unlink(large);
    unlink(hour);
    return 0;
}
