/*
 * fuzz_replay.c - libFuzzer target for the .gsr reader and the exporters.
 *
 * The first input byte selects a mode. With its low bit clear, the rest is
 * a whole file. With it set, the rest is taken as the raw records of one
 * chunk and wrapped in a valid header and chunk (true lengths and CRCs),
 * so the fuzzer reaches the record decoder without having to forge
 * CRC-32s. Each input is read through every entry point: open, index,
 * cursor, read_chunk, events, find_step, refresh and the JSON and SVG
 * exports (to /dev/null). Build and run with tests/run_fuzz.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "export.h"
#include "log.h"
#include "recfmt.h"
#include "replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t put_string(uint8_t *p, const char *s)
{
    size_t n = strlen(s);
    recfmt_put_u32(p, (uint32_t)n);
    memcpy(p + 4, s, n);
    return 4 + n;
}

/* Build a file around raw records: a header with two series in one panel
 * and a single chunk. Returns the file size; *out is malloc'ed. */
static size_t wrap_records(const uint8_t *raw, size_t raw_len, uint8_t **out)
{
    uint8_t body[512];
    size_t b = 0;
    b += put_string(body + b, "fuzz");
    b += put_string(body + b, "fuzz");
    b += put_string(body + b, "");
    memset(body + b, 0, 16); /* seed, created_unix */
    b += 16;
    recfmt_put_u32(body + b, 2);
    b += 4;
    for (int i = 0; i < 2; i++) {
        b += put_string(body + b, i ? "theory" : "loss");
        b += put_string(body + b, "label");
        b += put_string(body + b, "");
        b += put_string(body + b, "panel");
        recfmt_put_u32(body + b, i ? GS_SERIES_THEORY : GS_SERIES_TRAIN);
        recfmt_put_u32(body + b + 4, (uint32_t)(i ? 0 : -1));
        b += 8;
    }

    uLongf comp_len = compressBound((uLong)raw_len);
    size_t total = RECFMT_FILE_PREFIX_LEN + b + RECFMT_CHUNK_HEADER_LEN + comp_len;
    uint8_t *file = malloc(total);
    if (!file)
        return 0;
    memcpy(file, RECFMT_MAGIC, RECFMT_MAGIC_LEN);
    recfmt_put_u16(file + 8, RECFMT_MAJOR);
    recfmt_put_u16(file + 10, RECFMT_MINOR);
    recfmt_put_u32(file + 12, (uint32_t)b);
    recfmt_put_u32(file + 16, (uint32_t)crc32(0L, body, (uInt)b));
    memcpy(file + RECFMT_FILE_PREFIX_LEN, body, b);

    uint8_t *chunk = file + RECFMT_FILE_PREFIX_LEN + b;
    if (compress2(chunk + RECFMT_CHUNK_HEADER_LEN, &comp_len, raw, (uLong)raw_len, 1) != Z_OK) {
        free(file);
        return 0;
    }
    /* Count the records the way a writer would, so nrecords can match. */
    uint32_t count = 0;
    for (size_t pos = 0; pos + RECFMT_RECORD_PREFIX_LEN <= raw_len; count++) {
        uint32_t body_len = recfmt_get_u32(raw + pos + 1);
        if (body_len > raw_len - pos - RECFMT_RECORD_PREFIX_LEN)
            break;
        pos += RECFMT_RECORD_PREFIX_LEN + body_len;
    }
    recfmt_chunk_header h = {.comp_len = (uint32_t)comp_len, .raw_len = (uint32_t)raw_len,
                             .raw_crc = (uint32_t)crc32(0L, raw, (uInt)raw_len),
                             .nrecords = count, .first_step = 0, .last_step = 100,
                             .flags = RECFMT_CHUNK_HAS_EVENTS};
    recfmt_chunk_header_encode(&h, chunk);
    *out = file;
    return RECFMT_FILE_PREFIX_LEN + b + RECFMT_CHUNK_HEADER_LEN + comp_len;
}

static void read_everything(const char *path)
{
    gs_replay *r;
    char err[256];
    static gs_frame frame;

    if (gs_replay_open(&r, path, err, sizeof err) != 0)
        return;
    for (size_t i = 0; i < gs_replay_chunk_count(r); i++) {
        gs_replay_cursor c;
        if (gs_replay_cursor_load(r, i, &c, err, sizeof err) == 0) {
            while (gs_replay_cursor_next(&c, &frame))
                ;
            gs_replay_cursor_free(&c);
        }
        gs_frame *frames;
        size_t n;
        if (i < 4 && gs_replay_read_chunk(r, i, &frames, &n, err, sizeof err) == 0)
            free(frames);
    }
    gs_replay_event *events;
    size_t nevents;
    if (gs_replay_events(r, &events, &nevents, err, sizeof err) == 0)
        free(events);
    gs_replay_find_step(r, 0);
    gs_replay_find_step(r, INT64_MAX);
    gs_replay_refresh(r, NULL, err, sizeof err);
    gs_replay_close(r);

    gs_export_json(path, "/dev/null", err, sizeof err);
    gs_export_svg(path, "/dev/null", NULL, 0, GS_SVG_LOG_Y, err, sizeof err);
}

static void quiet_log(int level, const char *line, void *user)
{
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    char path[64];
    uint8_t *wrapped = NULL;

    if (size < 1)
        return 0;
    if (fd < 0) {
        gs_log_set_sink(quiet_log, NULL);
        fd = memfd_create("gsr-fuzz", 0);
        if (fd < 0)
            abort();
    }
    const uint8_t *file = data + 1;
    size_t len = size - 1;
    if (data[0] & 1) {
        len = wrap_records(data + 1, size - 1, &wrapped);
        file = wrapped;
        if (!wrapped)
            return 0;
    }
    if (ftruncate(fd, 0) != 0 || pwrite(fd, file, len, 0) != (ssize_t)len)
        abort();
    free(wrapped);
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    read_everything(path);
    return 0;
}
