/*
 * fuzz_replay_seeds.c - write a small seed corpus for fuzz_replay into the
 * folder given as argv[1]: a real recording of every record kind (mode
 * byte 0) and the same records as bare chunk contents (mode byte 1).
 * Built and run by tests/run_fuzz.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recfmt.h"
#include "recorder_fixture.h"

static gs_frame frames[5];

static void make_records(void)
{
    fixture_scalars(&frames[0], 1, 0.0);
    fixture_event(&frames[1], 2, 0.1, GS_EVENT_SET, "T 1e-3 -> 2e-3");

    gs_frame *f = &frames[2];
    f->kind = GS_REC_HISTOGRAM;
    f->step = 3;
    snprintf(f->u.hist.name, sizeof f->u.hist.name, "hist");
    f->u.hist.nbins = 4;
    f->u.hist.hi = 1.0;
    f->u.hist.theory_valid = 1;
    f->u.hist.count[2] = 5.0f;
    f->u.hist.theory[2] = 0.5f;

    f = &frames[3];
    f->kind = GS_REC_MATRIX;
    f->step = 4;
    snprintf(f->u.matrix.name, sizeof f->u.matrix.name, "kernel");
    f->u.matrix.rows = 2;
    f->u.matrix.cols = 3;
    f->u.matrix.v[5] = 1.0f;

    fixture_scalars(&frames[4], 5, 1.5); /* a second chunk (wall time) */
}

static int write_seed(const char *dir, const char *name, unsigned char mode,
                      const unsigned char *bytes, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    fputc(mode, f);
    fwrite(bytes, 1, len, f);
    return fclose(f);
}

int main(int argc, char **argv)
{
    gs_recording_header h;
    gs_recorder_options opt;
    gs_recorder *rec;
    char err[256], path[512];
    static unsigned char raw[8 * RECFMT_RECORD_MAX];
    size_t raw_len = 0, len;

    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    make_records();
    fixture_header(&h);
    gs_recorder_default_options(&opt);
    opt.chunk_max_records = 2;
    snprintf(path, sizeof path, "%s/recording.tmp", argv[1]);
    if (gs_recorder_open(&rec, path, &h, &opt, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    for (int i = 0; i < 5; i++)
        while (gs_recorder_push(rec, &frames[i]) != 0)
            ;
    if (gs_recorder_close(rec, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    unsigned char *file = fixture_read_file(path, &len);
    remove(path);
    if (!file || write_seed(argv[1], "recording", 0, file, len) != 0)
        return 1;
    free(file);

    for (int i = 0; i < 5; i++)
        raw_len += recfmt_record_encode(&frames[i], raw + raw_len, sizeof raw - raw_len);
    return write_seed(argv[1], "records", 1, raw, raw_len) == 0 ? 0 : 1;
}
