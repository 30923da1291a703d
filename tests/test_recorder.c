/*
 * test_recorder.c - the .gsr writer and reader: round trip of every record
 * kind, truncation at every byte, flipped bytes, crafted lengths and zlib
 * bombs, an unknown major version, write errors, kill -9, queue overflow
 * and follow mode.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <zlib.h>

#include <cmocka.h>

#include "recfmt.h"
#include "recorder_fixture.h"
#include "replay.h"

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Push one record, retrying while the queue is full (tests only). */
static void push_all(gs_recorder *rec, const gs_frame *f)
{
    for (int tries = 0; gs_recorder_push(rec, f) != 0; tries++) {
        assert_true(tries < 2000);
        assert_null(gs_recorder_error(rec));
        sleep_ms(1);
    }
}

static gs_frame *new_frame(void)
{
    gs_frame *f = calloc(1, sizeof *f);
    assert_non_null(f);
    return f;
}

/* Record n scalar frames, 4 per second of wall time, with an event every
 * 10 frames, into path with the given options. Returns the records pushed. */
static uint64_t write_recording(const char *path, int n, const gs_recorder_options *opt)
{
    gs_recording_header h;
    gs_recorder *rec;
    gs_recorder_stats st;
    gs_frame *f = new_frame();
    char err[256];

    fixture_header(&h);
    assert_int_equal(gs_recorder_open(&rec, path, &h, opt, err, sizeof err), 0);
    for (int i = 0; i < n; i++) {
        fixture_scalars(f, i, 0.25 * i);
        push_all(rec, f);
        if (i % 10 == 5) {
            fixture_event(f, i, 0.25 * i, GS_EVENT_NOTE, "checkpoint");
            push_all(rec, f);
        }
    }
    free(f);
    gs_recorder_stats_get(rec, &st);
    assert_int_equal(gs_recorder_close(rec, err, sizeof err), 0);
    return st.pushed;
}

/* ---- round trip ------------------------------------------------------- */

static void fill_all_kinds(gs_frame *frames, int *n)
{
    int k = 0;
    gs_frame *f;

    f = &frames[k++];
    fixture_scalars(f, 7, 0.5);
    f->u.scalars.v[0] = NAN;
    f->u.scalars.v[1] = -0.0;
    f->u.scalars.v[2] = INFINITY;
    f->u.scalars.v[3] = 4.9e-324; /* smallest subnormal */

    f = &frames[k++];
    memset(f, 0, sizeof *f);
    f->kind = GS_REC_HISTOGRAM;
    f->step = 8;
    f->t = 0.08;
    f->wall = 0.6;
    snprintf(f->u.hist.name, sizeof f->u.hist.name, "overlap_hist");
    f->u.hist.nbins = GS_MAX_BINS;
    f->u.hist.lo = -1.0;
    f->u.hist.hi = 1.0;
    f->u.hist.theory_valid = 1;
    for (int i = 0; i < GS_MAX_BINS; i++) {
        f->u.hist.count[i] = (float)(i * i);
        f->u.hist.theory[i] = 1.0f / (float)(i + 1);
    }

    f = &frames[k++];
    memset(f, 0, sizeof *f);
    f->kind = GS_REC_HISTOGRAM;
    f->step = 9;
    snprintf(f->u.hist.name, sizeof f->u.hist.name, "no_theory");
    f->u.hist.nbins = 3;
    f->u.hist.lo = 0;
    f->u.hist.hi = 3;
    f->u.hist.count[0] = 1.5f;
    f->u.hist.count[2] = -2.0f;

    f = &frames[k++];
    memset(f, 0, sizeof *f);
    f->kind = GS_REC_MATRIX;
    f->step = 10;
    f->t = 0.1;
    f->wall = 0.7;
    snprintf(f->u.matrix.name, sizeof f->u.matrix.name, "kernel");
    f->u.matrix.rows = 3;
    f->u.matrix.cols = 5;
    for (int i = 0; i < 15; i++)
        f->u.matrix.v[i] = (float)i - 7.25f;

    f = &frames[k++];
    memset(f, 0, sizeof *f);
    f->kind = GS_REC_MATRIX;
    f->step = 11;
    snprintf(f->u.matrix.name, sizeof f->u.matrix.name, "full");
    f->u.matrix.rows = 64;
    f->u.matrix.cols = 64;
    for (int i = 0; i < GS_MAX_MATRIX; i++)
        f->u.matrix.v[i] = (float)sin(i);

    for (int kind = GS_EVENT_SET; kind <= GS_EVENT_REFUSED; kind++) {
        f = &frames[k++];
        fixture_event(f, 12 + kind, 0.8, kind, "");
        memset(f->u.event.text, 'x', GS_TEXT_MAX - 1); /* longest text that fits */
        f->u.event.text[GS_TEXT_MAX - 1] = '\0';
    }
    *n = k;
}

static void assert_same_record(const gs_frame *a, const gs_frame *b)
{
    assert_int_equal(a->kind, b->kind);
    assert_int_equal(a->step, b->step);
    assert_memory_equal(&a->t, &b->t, sizeof a->t);
    assert_memory_equal(&a->wall, &b->wall, sizeof a->wall);
    switch (a->kind) {
    case GS_REC_SCALARS:
        assert_int_equal(a->u.scalars.nseries, b->u.scalars.nseries);
        assert_int_equal(a->u.scalars.theory_stale, b->u.scalars.theory_stale);
        /* Bit patterns, so NaN and -0.0 count too. */
        for (int i = 0; i < a->u.scalars.nseries; i++)
            assert_memory_equal(&a->u.scalars.v[i], &b->u.scalars.v[i], sizeof(double));
        break;
    case GS_REC_HISTOGRAM:
        assert_string_equal(a->u.hist.name, b->u.hist.name);
        assert_int_equal(a->u.hist.nbins, b->u.hist.nbins);
        assert_true(a->u.hist.lo == b->u.hist.lo);
        assert_true(a->u.hist.hi == b->u.hist.hi);
        assert_int_equal(a->u.hist.theory_valid, b->u.hist.theory_valid);
        assert_memory_equal(a->u.hist.count, b->u.hist.count, sizeof(float) * a->u.hist.nbins);
        if (a->u.hist.theory_valid)
            assert_memory_equal(a->u.hist.theory, b->u.hist.theory,
                                sizeof(float) * a->u.hist.nbins);
        break;
    case GS_REC_MATRIX:
        assert_string_equal(a->u.matrix.name, b->u.matrix.name);
        assert_int_equal(a->u.matrix.rows, b->u.matrix.rows);
        assert_int_equal(a->u.matrix.cols, b->u.matrix.cols);
        assert_memory_equal(a->u.matrix.v, b->u.matrix.v,
                            sizeof(float) * a->u.matrix.rows * a->u.matrix.cols);
        break;
    case GS_REC_EVENT:
        assert_int_equal(a->u.event.kind, b->u.event.kind);
        assert_string_equal(a->u.event.name, b->u.event.name);
        assert_true(a->u.event.old_value == b->u.event.old_value);
        assert_true(a->u.event.new_value == b->u.event.new_value);
        assert_string_equal(a->u.event.text, b->u.event.text);
        break;
    default:
        fail_msg("unexpected record kind %d", a->kind);
    }
}

static void roundtrip_every_record_kind(void **state)
{
    gs_frame *in = calloc(16, sizeof *in);
    gs_recording_header h;
    gs_recorder *rec;
    gs_replay *r;
    char path[128], err[256];
    int n;

    assert_non_null(in);
    fill_all_kinds(in, &n);
    fixture_header(&h);
    fixture_path(path, sizeof path, "roundtrip");
    assert_int_equal(gs_recorder_open(&rec, path, &h, NULL, err, sizeof err), 0);
    for (int i = 0; i < n; i++)
        push_all(rec, &in[i]);
    assert_int_equal(gs_recorder_close(rec, err, sizeof err), 0);

    assert_int_equal(gs_replay_open(&r, path, err, sizeof err), 0);
    const gs_recording_header *g = gs_replay_header(r);
    assert_string_equal(g->program_version, h.program_version);
    assert_string_equal(g->preset_name, h.preset_name);
    assert_string_equal(g->preset_text, h.preset_text);
    assert_true(g->seed == h.seed);
    assert_int_equal(g->created_unix, h.created_unix);
    assert_int_equal(g->nseries, h.nseries);
    for (int i = 0; i < h.nseries; i++) {
        assert_string_equal(g->series[i].name, h.series[i].name);
        assert_string_equal(g->series[i].label, h.series[i].label);
        assert_string_equal(g->series[i].unit, h.series[i].unit);
        assert_string_equal(g->series[i].panel, h.series[i].panel);
        assert_int_equal(g->series[i].kind, h.series[i].kind);
        assert_int_equal(g->series[i].pair, h.series[i].pair);
    }

    int k = 0;
    for (size_t c = 0; c < gs_replay_chunk_count(r); c++) {
        gs_frame *out;
        size_t m;
        assert_int_equal(gs_replay_read_chunk(r, c, &out, &m, err, sizeof err), 0);
        for (size_t j = 0; j < m; j++, k++) {
            assert_true(k < n);
            assert_same_record(&in[k], &out[j]);
        }
        free(out);
    }
    assert_int_equal(k, n);
    assert_int_equal(gs_replay_damage_count(r), 0);

    gs_replay_event *ev;
    size_t nev;
    assert_int_equal(gs_replay_events(r, &ev, &nev, err, sizeof err), 0);
    assert_int_equal(nev, GS_EVENT_REFUSED - GS_EVENT_SET + 1);
    assert_int_equal(ev[0].event.kind, GS_EVENT_SET);
    assert_string_equal(ev[0].event.name, "T");
    free(ev);
    gs_replay_close(r);
    unlink(path);
    free(in);
}

/* ---- chunking and seeking --------------------------------------------- */

static void chunks_split_by_wall_time(void **state)
{
    char path[128], err[256];
    gs_replay *r;

    fixture_path(path, sizeof path, "split");
    write_recording(path, 40, NULL); /* 40 frames over 10 s of wall time */
    assert_int_equal(gs_replay_open(&r, path, err, sizeof err), 0);
    size_t n = gs_replay_chunk_count(r);
    /* Chunks close once they span 1 s: 4 frames of 0.25 s each plus a
     * fifth that crosses the second, so 40 frames make 8 to 10 chunks. */
    assert_true(n >= 8);
    assert_true(n <= 10);
    for (size_t i = 1; i < n; i++)
        assert_true(gs_replay_chunk(r, i)->first_step > gs_replay_chunk(r, i - 1)->last_step);

    for (int64_t step = 0; step < 40; step++) {
        long c = gs_replay_find_step(r, step);
        assert_true(c >= 0);
        assert_true(gs_replay_chunk(r, (size_t)c)->first_step <= step);
        assert_true(gs_replay_chunk(r, (size_t)c)->last_step >= step);
    }
    assert_int_equal(gs_replay_find_step(r, -5), 0);
    assert_int_equal(gs_replay_find_step(r, 1000), (long)n - 1);
    gs_replay_close(r);
    unlink(path);
}

/* ---- truncation ------------------------------------------------------- */

/* Records in the chunks that end at or before len, from the original file. */
static size_t records_before(gs_replay *full, size_t len)
{
    size_t total = 0;
    for (size_t i = 0; i < gs_replay_chunk_count(full); i++) {
        const gs_replay_chunk_info *c = gs_replay_chunk(full, i);
        if ((size_t)c->offset + RECFMT_CHUNK_HEADER_LEN + c->comp_len <= len)
            total += c->nrecords;
    }
    return total;
}

static void truncation_at_every_byte(void **state)
{
    gs_recorder_options opt;
    char path[128], cut[128], err[256];
    gs_replay *full;
    size_t len;

    gs_recorder_default_options(&opt);
    opt.chunk_max_records = 6;
    fixture_path(path, sizeof path, "trunc_full");
    fixture_path(cut, sizeof cut, "trunc_cut");
    write_recording(path, 24, &opt);
    unsigned char *bytes = fixture_read_file(path, &len);
    assert_non_null(bytes);
    assert_int_equal(gs_replay_open(&full, path, err, sizeof err), 0);
    size_t nchunks = gs_replay_chunk_count(full);
    assert_true(nchunks >= 4);
    int64_t data_start = gs_replay_chunk(full, 0)->offset;

    for (size_t l = 0; l <= len; l++) {
        gs_replay *r;
        assert_int_equal(fixture_write_file(cut, bytes, l), 0);
        int rc = gs_replay_open(&r, cut, err, sizeof err);
        if ((int64_t)l < data_start) {
            assert_int_equal(rc, -1);
            assert_true(strlen(err) > 0);
            continue;
        }
        assert_int_equal(rc, 0);
        assert_int_equal(gs_replay_damage_count(r), 0);
        size_t records = 0;
        for (size_t i = 0; i < gs_replay_chunk_count(r); i++) {
            gs_frame *frames;
            size_t m;
            assert_int_equal(gs_replay_read_chunk(r, i, &frames, &m, err, sizeof err), 0);
            records += m;
            free(frames);
        }
        assert_int_equal(records, records_before(full, l));
        gs_replay_close(r);
    }
    gs_replay_close(full);
    free(bytes);
    unlink(path);
    unlink(cut);
}

/* ---- flipped bytes ---------------------------------------------------- */

/* Return 1 when frames[0..n) equal the records of chunk i of full. */
static int same_as_original(gs_replay *full, size_t i, const gs_frame *frames, size_t n)
{
    gs_frame *orig;
    size_t m;
    char err[256];
    assert_int_equal(gs_replay_read_chunk(full, i, &orig, &m, err, sizeof err), 0);
    assert_int_equal(m, n);
    for (size_t j = 0; j < n; j++)
        assert_same_record(&orig[j], &frames[j]);
    free(orig);
    return 1;
}

static void flipped_byte_skips_its_chunk(void **state)
{
    gs_recorder_options opt;
    char path[128], bad[128], err[256];
    gs_replay *full;
    size_t len;

    gs_recorder_default_options(&opt);
    opt.chunk_max_records = 6;
    fixture_path(path, sizeof path, "flip_full");
    fixture_path(bad, sizeof bad, "flip_bad");
    write_recording(path, 24, &opt);
    unsigned char *bytes = fixture_read_file(path, &len);
    assert_int_equal(gs_replay_open(&full, path, err, sizeof err), 0);
    size_t nchunks = gs_replay_chunk_count(full);
    int64_t data_start = gs_replay_chunk(full, 0)->offset;

    int padding_flips = 0;
    for (size_t pos = (size_t)data_start; pos < len; pos++) {
        gs_replay *r;
        size_t hit = 0; /* chunk that contains pos */
        while (hit + 1 < nchunks && gs_replay_chunk(full, hit + 1)->offset <= (int64_t)pos)
            hit++;

        bytes[pos] ^= 0x10;
        assert_int_equal(fixture_write_file(bad, bytes, len), 0);
        bytes[pos] ^= 0x10;
        assert_int_equal(gs_replay_open(&r, bad, err, sizeof err), 0);

        /* Every other chunk is indexed at its offset and reads back whole. */
        size_t readable = 0;
        int intact = 0;
        for (size_t i = 0; i < gs_replay_chunk_count(r); i++) {
            gs_frame *frames;
            size_t m;
            const gs_replay_chunk_info *c = gs_replay_chunk(r, i);
            if (c->offset == gs_replay_chunk(full, hit)->offset) {
                /* A flip in the padding bits after the last deflate block
                 * changes no output byte; the chunk then reads back intact. */
                if (gs_replay_read_chunk(r, i, &frames, &m, err, sizeof err) == 0) {
                    assert_int_equal(same_as_original(full, hit, frames, m), 1);
                    free(frames);
                    intact = 1;
                    continue;
                }
                assert_non_null(strstr(err, "damaged"));
                continue;
            }
            assert_int_equal(gs_replay_read_chunk(r, i, &frames, &m, err, sizeof err), 0);
            assert_int_equal(m, c->nrecords);
            free(frames);
            readable++;
        }
        assert_int_equal(readable, nchunks - 1);
        if (!intact)
            assert_true(gs_replay_damage_count(r) >= 1);
        else
            padding_flips++;
        gs_replay_close(r);
    }
    /* Only the last payload byte of a chunk contains padding bits. */
    assert_true(padding_flips <= (int)nchunks);
    gs_replay_close(full);
    free(bytes);
    unlink(path);
    unlink(bad);
}

/* ---- crafted chunks --------------------------------------------------- */

/* Write a valid header followed by one chunk with the given header fields
 * and payload. */
static void write_crafted(const char *path, const recfmt_chunk_header *ch, const void *payload,
                          size_t payload_len)
{
    gs_recording_header h;
    gs_recorder *rec;
    char err[256];
    uint8_t head[RECFMT_CHUNK_HEADER_LEN];

    fixture_header(&h);
    assert_int_equal(gs_recorder_open(&rec, path, &h, NULL, err, sizeof err), 0);
    assert_int_equal(gs_recorder_close(rec, err, sizeof err), 0);
    recfmt_chunk_header_encode(ch, head);
    FILE *f = fopen(path, "ab");
    assert_non_null(f);
    assert_int_equal(fwrite(head, 1, sizeof head, f), sizeof head);
    assert_int_equal(fwrite(payload, 1, payload_len, f), payload_len);
    assert_int_equal(fclose(f), 0);
}

static void huge_raw_length_rejected(void **state)
{
    char path[128], err[256];
    uint8_t payload[64] = {0};
    recfmt_chunk_header ch = {.comp_len = sizeof payload, .raw_len = 0x7fffffff, .nrecords = 1};
    gs_replay *r;

    fixture_path(path, sizeof path, "huge");
    write_crafted(path, &ch, payload, sizeof payload);
    assert_int_equal(gs_replay_open(&r, path, err, sizeof err), 0);
    assert_int_equal(gs_replay_chunk_count(r), 0);
    assert_int_equal(gs_replay_damage_count(r), 1);
    assert_non_null(strstr(gs_replay_damage_get(r, 0)->what, "64 MiB"));
    gs_replay_close(r);

    /* Under the cap, but more than 64 compressed bytes can inflate to. */
    ch.raw_len = 1u << 20;
    write_crafted(path, &ch, payload, sizeof payload);
    assert_int_equal(gs_replay_open(&r, path, err, sizeof err), 0);
    assert_int_equal(gs_replay_chunk_count(r), 0);
    assert_int_equal(gs_replay_damage_count(r), 1);
    assert_non_null(strstr(gs_replay_damage_get(r, 0)->what, "cannot inflate"));
    gs_replay_close(r);
    unlink(path);
}

static void zlib_bomb_rejected(void **state)
{
    const size_t zeros = 8u << 20;
    uint8_t *raw = calloc(1, zeros);
    uLongf comp_len = compressBound(zeros);
    uint8_t *comp = malloc(comp_len);
    char path[128], err[256];
    gs_replay *r;
    gs_frame *frames;
    size_t n;

    assert_non_null(raw);
    assert_non_null(comp);
    assert_int_equal(compress2(comp, &comp_len, raw, zeros, 9), Z_OK);
    /* 8 MiB of zeros claim to be 1 MiB; header CRC and ratio are plausible. */
    recfmt_chunk_header ch = {.comp_len = (uint32_t)comp_len, .raw_len = 1u << 20,
                              .raw_crc = (uint32_t)crc32(0L, raw, 1u << 20), .nrecords = 1};
    fixture_path(path, sizeof path, "bomb");
    write_crafted(path, &ch, comp, comp_len);

    assert_int_equal(gs_replay_open(&r, path, err, sizeof err), 0);
    assert_int_equal(gs_replay_chunk_count(r), 1);
    assert_int_equal(gs_replay_read_chunk(r, 0, &frames, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, "more bytes than its stated raw length"));
    assert_null(frames);
    assert_true(gs_replay_chunk(r, 0)->flags & GS_REPLAY_CHUNK_DAMAGED);
    assert_int_equal(gs_replay_damage_count(r), 1);
    gs_replay_close(r);
    unlink(path);
    free(raw);
    free(comp);
}

static void wrong_record_count_rejected(void **state)
{
    char path[128], err[256];
    gs_frame *f = new_frame();
    uint8_t raw[RECFMT_RECORD_MAX];
    uint8_t comp[RECFMT_RECORD_MAX + 1024];
    uLongf comp_len = sizeof comp;
    gs_replay *r;
    gs_frame *frames;
    size_t n;

    fixture_scalars(f, 3, 0.0);
    size_t raw_len = recfmt_record_encode(f, raw, sizeof raw);
    assert_true(raw_len > 0);
    assert_int_equal(compress2(comp, &comp_len, raw, raw_len, 6), Z_OK);
    recfmt_chunk_header ch = {.comp_len = (uint32_t)comp_len, .raw_len = (uint32_t)raw_len,
                              .raw_crc = (uint32_t)crc32(0L, raw, (uInt)raw_len),
                              .nrecords = 2, .first_step = 3, .last_step = 3};
    fixture_path(path, sizeof path, "count");
    write_crafted(path, &ch, comp, comp_len);
    assert_int_equal(gs_replay_open(&r, path, err, sizeof err), 0);
    assert_int_equal(gs_replay_read_chunk(r, 0, &frames, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, "different number of records"));
    gs_replay_close(r);

    ch.nrecords = 1; /* the same chunk with the true count reads back */
    write_crafted(path, &ch, comp, comp_len);
    assert_int_equal(gs_replay_open(&r, path, err, sizeof err), 0);
    assert_int_equal(gs_replay_read_chunk(r, 0, &frames, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    assert_same_record(f, &frames[0]);
    free(frames);
    gs_replay_close(r);
    unlink(path);
    free(f);
}

static void overlong_chunk_skipped(void **state)
{
    gs_recorder_options opt;
    char path[128], err[256];
    gs_replay *r;
    recfmt_chunk_header h;
    const char *what;
    size_t len;

    gs_recorder_default_options(&opt);
    opt.chunk_max_records = 4;
    fixture_path(path, sizeof path, "overlong");
    write_recording(path, 16, &opt);
    assert_int_equal(gs_replay_open(&r, path, err, sizeof err), 0);
    size_t nchunks = gs_replay_chunk_count(r);
    int64_t first = gs_replay_chunk(r, 0)->offset;
    gs_replay_close(r);
    assert_true(nchunks >= 3);

    /* Chunk 0 claims 1 MiB of payload, past the end of this small file,
     * with a header CRC that matches the lie. */
    unsigned char *bytes = fixture_read_file(path, &len);
    assert_int_equal(recfmt_chunk_header_decode(bytes + first, &h, &what), 0);
    h.comp_len = 1u << 20;
    h.raw_len = 1u << 20;
    recfmt_chunk_header_encode(&h, bytes + first);
    assert_int_equal(fixture_write_file(path, bytes, len), 0);

    assert_int_equal(gs_replay_open(&r, path, err, sizeof err), 0);
    assert_int_equal(gs_replay_chunk_count(r), nchunks - 1);
    assert_int_equal(gs_replay_damage_count(r), 1);
    assert_int_equal(gs_replay_damage_get(r, 0)->offset, first);
    assert_non_null(strstr(gs_replay_damage_get(r, 0)->what, "past the end"));
    gs_replay_close(r);
    free(bytes);
    unlink(path);
}

static void inserted_junk_skipped(void **state)
{
    gs_recorder_options opt;
    char path[128], err[256];
    gs_replay *r;
    size_t len;
    const size_t junk = 1000;

    gs_recorder_default_options(&opt);
    opt.chunk_max_records = 4;
    fixture_path(path, sizeof path, "junk");
    write_recording(path, 16, &opt);
    assert_int_equal(gs_replay_open(&r, path, err, sizeof err), 0);
    size_t nchunks = gs_replay_chunk_count(r);
    size_t at = (size_t)gs_replay_chunk(r, 2)->offset;
    gs_replay_close(r);

    /* 1000 bytes of junk between chunks 1 and 2. */
    unsigned char *bytes = fixture_read_file(path, &len);
    unsigned char *bigger = malloc(len + junk);
    assert_non_null(bigger);
    memcpy(bigger, bytes, at);
    for (size_t i = 0; i < junk; i++)
        bigger[at + i] = (unsigned char)(i * 37 + 11);
    memcpy(bigger + at + junk, bytes + at, len - at);
    assert_int_equal(fixture_write_file(path, bigger, len + junk), 0);

    assert_int_equal(gs_replay_open(&r, path, err, sizeof err), 0);
    assert_int_equal(gs_replay_chunk_count(r), nchunks);
    assert_int_equal(gs_replay_damage_count(r), 1);
    assert_int_equal(gs_replay_damage_get(r, 0)->offset, (int64_t)at);
    assert_int_equal(gs_replay_damage_get(r, 0)->skipped, (int64_t)junk);
    gs_replay_close(r);
    free(bigger);
    free(bytes);
    unlink(path);
}

static void idle_chunk_flushed_by_age(void **state)
{
    gs_recording_header h;
    gs_recorder_options opt;
    gs_recorder *rec;
    gs_frame *f = new_frame();
    char path[128], err[256];
    gs_replay *r;

    fixture_header(&h);
    gs_recorder_default_options(&opt);
    opt.chunk_seconds = 0.1;
    fixture_path(path, sizeof path, "idle");
    assert_int_equal(gs_recorder_open(&rec, path, &h, &opt, err, sizeof err), 0);
    fixture_event(f, 5, 0.0, GS_EVENT_PAUSE, "paused");
    push_all(rec, f);

    /* No further record arrives, as in a paused run: the chunk is written
     * once it is 0.1 s old, well within 400 ms. */
    sleep_ms(400);
    assert_int_equal(gs_replay_open(&r, path, err, sizeof err), 0);
    assert_int_equal(gs_replay_chunk_count(r), 1);
    assert_int_equal(gs_replay_chunk(r, 0)->nrecords, 1);
    assert_true(gs_replay_chunk(r, 0)->flags & GS_REPLAY_CHUNK_EVENTS);
    gs_replay_close(r);
    assert_int_equal(gs_recorder_close(rec, err, sizeof err), 0);
    unlink(path);
    free(f);
}

static void unknown_major_version_rejected(void **state)
{
    char path[128], err[256];
    gs_replay *r;
    size_t len;

    fixture_path(path, sizeof path, "major");
    write_recording(path, 3, NULL);
    unsigned char *bytes = fixture_read_file(path, &len);
    recfmt_put_u16(bytes + 8, 2);
    recfmt_put_u16(bytes + 10, 7);
    assert_int_equal(fixture_write_file(path, bytes, len), 0);
    assert_int_equal(gs_replay_open(&r, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "2.7"));
    assert_non_null(strstr(err, "1.x"));

    memcpy(bytes, "not a recording", 8);
    assert_int_equal(fixture_write_file(path, bytes, len), 0);
    assert_int_equal(gs_replay_open(&r, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a grokscope recording"));
    free(bytes);
    unlink(path);
}

/* ---- write errors ----------------------------------------------------- */

static void full_disk_at_open_reported(void **state)
{
    gs_recording_header h;
    gs_recorder *rec = (gs_recorder *)&h;
    char err[256] = "";

    fixture_header(&h);
    assert_int_equal(gs_recorder_open(&rec, "/dev/full", &h, NULL, err, sizeof err), -1);
    assert_null(rec);
    assert_non_null(strstr(err, "/dev/full"));
    assert_non_null(strstr(err, strerror(ENOSPC)));
}

/* Child: record until the file size limit stops the recording. Exit codes
 * name the check that failed. */
static int child_records_past_size_limit(const char *path)
{
    struct rlimit lim = {8192, 8192};
    gs_recording_header h;
    gs_recorder_options opt;
    gs_recorder *rec;
    gs_frame f;
    char err[256];

    signal(SIGXFSZ, SIG_IGN); /* write then fails with EFBIG */
    if (setrlimit(RLIMIT_FSIZE, &lim) != 0)
        return 10;
    fixture_header(&h);
    gs_recorder_default_options(&opt);
    opt.chunk_max_records = 8;
    opt.compression_level = 1;
    if (gs_recorder_open(&rec, path, &h, &opt, err, sizeof err) != 0)
        return 11;

    int64_t step = 0;
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!gs_recorder_error(rec)) {
        fixture_scalars(&f, step, 0.001 * (double)step);
        for (int i = 0; i < FIXTURE_NSERIES; i++)
            f.u.scalars.v[i] = sin((double)step * (i + 1.7)); /* compresses badly */
        if (gs_recorder_push(rec, &f) == 0)
            step++;
        else
            sleep_ms(1);
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - t0.tv_sec > 5)
            return 12; /* the error never came */
    }
    if (!strstr(gs_recorder_error(rec), strerror(EFBIG)))
        return 13;
    if (gs_recorder_push(rec, &f) != -1)
        return 14;
    if (gs_recorder_close(rec, err, sizeof err) != -1 || !strstr(err, "stopped"))
        return 15;
    return 0;
}

static void write_error_stops_recording(void **state)
{
    char path[128], err[256];
    gs_replay *r;
    int status;

    fixture_path(path, sizeof path, "fsize");
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(child_records_past_size_limit(path));
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);

    /* The file ends on a whole chunk: the partial write was cut off. */
    assert_int_equal(gs_replay_open(&r, path, err, sizeof err), 0);
    assert_true(gs_replay_chunk_count(r) >= 1);
    assert_int_equal(gs_replay_tail_bytes(r), 0);
    assert_int_equal(gs_replay_damage_count(r), 0);
    for (size_t i = 0; i < gs_replay_chunk_count(r); i++) {
        gs_frame *frames;
        size_t n;
        assert_int_equal(gs_replay_read_chunk(r, i, &frames, &n, err, sizeof err), 0);
        free(frames);
    }
    gs_replay_close(r);
    unlink(path);
}

/* ---- kill -9 ---------------------------------------------------------- */

static void kill9_keeps_whole_chunks(void **state)
{
    char path[128], err[256];
    gs_replay *r;
    int status;
    /* Last step the child pushed, shared with the parent. */
    volatile int64_t *pushed = mmap(NULL, sizeof(int64_t), PROT_READ | PROT_WRITE,
                                    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(pushed != MAP_FAILED);
    *pushed = -1;

    fixture_path(path, sizeof path, "kill9");
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        gs_recording_header h;
        gs_recorder_options opt;
        gs_recorder *rec;
        gs_frame f;
        fixture_header(&h);
        gs_recorder_default_options(&opt);
        opt.chunk_seconds = 0.05;
        if (gs_recorder_open(&rec, path, &h, &opt, err, sizeof err) != 0)
            _exit(1);
        for (int64_t step = 0;; step++) {
            fixture_scalars(&f, step, 0.001 * (double)step);
            while (gs_recorder_push(rec, &f) != 0)
                sleep_ms(1);
            *pushed = step;
            sleep_ms(1);
        }
    }
    sleep_ms(500);
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    int64_t last_pushed = *pushed;

    assert_int_equal(gs_replay_open(&r, path, err, sizeof err), 0);
    size_t nchunks = gs_replay_chunk_count(r);
    assert_true(nchunks >= 3);
    assert_int_equal(gs_replay_damage_count(r), 0);
    int64_t expect = 0;
    for (size_t i = 0; i < nchunks; i++) {
        gs_frame *frames;
        size_t n;
        assert_int_equal(gs_replay_read_chunk(r, i, &frames, &n, err, sizeof err), 0);
        for (size_t j = 0; j < n; j++)
            assert_int_equal(frames[j].step, expect++); /* no gap, no repeat */
        free(frames);
    }
    /* The loss is at most the pending chunk (0.05 s plus one 50 ms wake
     * period) and the queue. At about 1 push per ms that is far below 1000. */
    assert_true(last_pushed - (expect - 1) < 1000);
    gs_replay_close(r);
    munmap((void *)pushed, sizeof(int64_t));
    unlink(path);
}

/* ---- queue overflow --------------------------------------------------- */

static void full_queue_drops_and_notes(void **state)
{
    gs_recording_header h;
    gs_recorder_options opt;
    gs_recorder *rec;
    gs_recorder_stats st;
    gs_frame *f = new_frame();
    char path[128], err[256];
    gs_replay *r;
    int attempts = 20000;

    fixture_header(&h);
    gs_recorder_default_options(&opt);
    opt.queue_records = 2;
    fixture_path(path, sizeof path, "drops");
    assert_int_equal(gs_recorder_open(&rec, path, &h, &opt, err, sizeof err), 0);
    for (int i = 0; i < attempts; i++) {
        fixture_scalars(f, i, 0.0);
        gs_recorder_push(rec, f);
    }
    gs_recorder_stats_get(rec, &st);
    assert_int_equal(st.pushed + st.dropped, (uint64_t)attempts);
    assert_true(st.dropped > 0); /* 20000 pushes outrun a 2-slot queue */
    assert_int_equal(gs_recorder_close(rec, err, sizeof err), 0);

    gs_replay_event *ev;
    size_t nev;
    uint64_t noted = 0;
    assert_int_equal(gs_replay_open(&r, path, err, sizeof err), 0);
    assert_int_equal(gs_replay_events(r, &ev, &nev, err, sizeof err), 0);
    for (size_t i = 0; i < nev; i++) {
        unsigned long long k;
        assert_int_equal(ev[i].event.kind, GS_EVENT_NOTE);
        assert_int_equal(sscanf(ev[i].event.text, "recorder dropped %llu", &k), 1);
        noted += k;
    }
    assert_int_equal(noted, st.dropped);
    free(ev);
    gs_replay_close(r);
    unlink(path);
    free(f);
}

/* ---- follow mode ------------------------------------------------------ */

static void refresh_indexes_appended_chunks(void **state)
{
    gs_recorder_options opt;
    char path[128], cut[128], err[256];
    gs_replay *r;
    size_t len, added;

    gs_recorder_default_options(&opt);
    opt.chunk_max_records = 5;
    fixture_path(path, sizeof path, "follow_full");
    fixture_path(cut, sizeof cut, "follow_cut");
    write_recording(path, 20, &opt);
    unsigned char *bytes = fixture_read_file(path, &len);

    /* A file cut in the middle of its last chunk, then completed. */
    assert_int_equal(gs_replay_open(&r, path, err, sizeof err), 0);
    size_t total = gs_replay_chunk_count(r);
    int64_t mid = gs_replay_chunk(r, total - 1)->offset + 20;
    gs_replay_close(r);

    assert_int_equal(fixture_write_file(cut, bytes, (size_t)mid), 0);
    assert_int_equal(gs_replay_open(&r, cut, err, sizeof err), 0);
    assert_int_equal(gs_replay_chunk_count(r), total - 1);
    assert_int_equal(gs_replay_tail_bytes(r), 20);
    FILE *f = fopen(cut, "ab");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes + mid, 1, len - (size_t)mid, f), len - (size_t)mid);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(gs_replay_refresh(r, &added, err, sizeof err), 0);
    assert_int_equal(added, 1);
    assert_int_equal(gs_replay_chunk_count(r), total);
    assert_int_equal(gs_replay_tail_bytes(r), 0);
    assert_int_equal(gs_replay_damage_count(r), 0);
    gs_replay_close(r);

    /* A live recorder: chunks appear while it runs. */
    gs_recording_header h;
    gs_recorder *rec;
    gs_frame *fr = new_frame();
    fixture_header(&h);
    opt.chunk_max_records = 2;
    assert_int_equal(gs_recorder_open(&rec, path, &h, &opt, err, sizeof err), 0);
    assert_int_equal(gs_replay_open(&r, path, err, sizeof err), 0);
    assert_int_equal(gs_replay_chunk_count(r), 0);
    for (int i = 0; i < 4; i++) {
        fixture_scalars(fr, i, 0.0);
        push_all(rec, fr);
    }
    size_t seen = 0;
    for (int tries = 0; tries < 200 && seen < 2; tries++) {
        sleep_ms(5);
        assert_int_equal(gs_replay_refresh(r, NULL, err, sizeof err), 0);
        seen = gs_replay_chunk_count(r);
    }
    assert_int_equal(seen, 2);
    assert_int_equal(gs_recorder_close(rec, err, sizeof err), 0);
    gs_replay_close(r);
    free(fr);
    free(bytes);
    unlink(path);
    unlink(cut);
}

static void oversized_fields_clipped(void **state)
{
    gs_recording_header h;
    gs_recorder *rec;
    gs_frame *in = calloc(3, sizeof *in);
    char path[128], err[256];
    gs_replay *r;
    gs_frame *out;
    size_t n;

    assert_non_null(in);
    fixture_scalars(&in[0], 1, 0.0);
    in[0].u.scalars.nseries = GS_MAX_SERIES + 5;
    in[1].kind = GS_REC_MATRIX;
    in[1].step = 2;
    memset(in[1].u.matrix.name, 'a', sizeof in[1].u.matrix.name); /* no NUL */
    in[1].u.matrix.rows = 100;
    in[1].u.matrix.cols = 100;
    fixture_event(&in[2], 3, 0.0, GS_EVENT_NOTE, "");
    memset(in[2].u.event.text, 'b', sizeof in[2].u.event.text); /* no NUL */

    fixture_header(&h);
    fixture_path(path, sizeof path, "clip");
    assert_int_equal(gs_recorder_open(&rec, path, &h, NULL, err, sizeof err), 0);
    for (int i = 0; i < 3; i++)
        push_all(rec, &in[i]);
    assert_int_equal(gs_recorder_close(rec, err, sizeof err), 0);

    assert_int_equal(gs_replay_open(&r, path, err, sizeof err), 0);
    assert_int_equal(gs_replay_chunk_count(r), 1);
    assert_int_equal(gs_replay_read_chunk(r, 0, &out, &n, err, sizeof err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(out[0].u.scalars.nseries, GS_MAX_SERIES);
    assert_int_equal(strlen(out[1].u.matrix.name), GS_NAME_MAX - 1);
    assert_int_equal(out[1].u.matrix.cols, 100);
    assert_int_equal(out[1].u.matrix.rows, GS_MAX_MATRIX / 100); /* whole rows that fit */
    assert_int_equal(strlen(out[2].u.event.text), GS_TEXT_MAX - 1);
    free(out);
    gs_replay_close(r);
    unlink(path);
    free(in);
}

static void refresh_after_junk_tail(void **state)
{
    gs_recorder_options opt;
    char path[128], cut[128], err[256];
    gs_replay *r;
    size_t len, added;

    gs_recorder_default_options(&opt);
    opt.chunk_max_records = 100;
    fixture_path(path, sizeof path, "junktail_full");
    fixture_path(cut, sizeof cut, "junktail_cut");
    write_recording(path, 3, &opt);
    unsigned char *bytes = fixture_read_file(path, &len);
    assert_int_equal(gs_replay_open(&r, path, err, sizeof err), 0);
    assert_int_equal(gs_replay_chunk_count(r), 1);
    size_t at = (size_t)gs_replay_chunk(r, 0)->offset;
    gs_replay_close(r);

    /* Header, 100 junk bytes, then the first 4 bytes of the chunk magic:
     * the junk is reported once, and the chunk found once it is whole. */
    FILE *f = fopen(cut, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, at, f), at);
    for (int i = 0; i < 100; i++)
        fputc('j', f);
    assert_int_equal(fwrite(bytes + at, 1, 4, f), 4);
    assert_int_equal(fclose(f), 0);

    assert_int_equal(gs_replay_open(&r, cut, err, sizeof err), 0);
    assert_int_equal(gs_replay_chunk_count(r), 0);
    assert_int_equal(gs_replay_damage_count(r), 1);
    assert_int_equal(gs_replay_refresh(r, &added, err, sizeof err), 0);
    assert_int_equal(added, 0);
    assert_int_equal(gs_replay_damage_count(r), 1);

    f = fopen(cut, "ab");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes + at + 4, 1, len - at - 4, f), len - at - 4);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(gs_replay_refresh(r, &added, err, sizeof err), 0);
    assert_int_equal(added, 1);
    assert_int_equal(gs_replay_chunk(r, 0)->offset, (int64_t)at + 100);
    assert_int_equal(gs_replay_damage_count(r), 1);
    gs_replay_close(r);
    free(bytes);
    unlink(path);
    unlink(cut);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(roundtrip_every_record_kind),
        cmocka_unit_test(chunks_split_by_wall_time),
        cmocka_unit_test(truncation_at_every_byte),
        cmocka_unit_test(flipped_byte_skips_its_chunk),
        cmocka_unit_test(huge_raw_length_rejected),
        cmocka_unit_test(zlib_bomb_rejected),
        cmocka_unit_test(wrong_record_count_rejected),
        cmocka_unit_test(overlong_chunk_skipped),
        cmocka_unit_test(inserted_junk_skipped),
        cmocka_unit_test(idle_chunk_flushed_by_age),
        cmocka_unit_test(unknown_major_version_rejected),
        cmocka_unit_test(full_disk_at_open_reported),
        cmocka_unit_test(write_error_stops_recording),
        cmocka_unit_test(kill9_keeps_whole_chunks),
        cmocka_unit_test(full_queue_drops_and_notes),
        cmocka_unit_test(refresh_indexes_appended_chunks),
        cmocka_unit_test(oversized_fields_clipped),
        cmocka_unit_test(refresh_after_junk_tail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
