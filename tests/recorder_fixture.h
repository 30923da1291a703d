/*
 * recorder_fixture.h - helpers shared by the recorder, replay and export
 * tests: a header with a few series, record builders, temporary paths and
 * whole-file reads. Header-only (static functions), test code only.
 */
#ifndef GS_RECORDER_FIXTURE_H
#define GS_RECORDER_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frame.h"
#include "recorder.h"

#define FIXTURE_NSERIES 4

static void fixture_header(gs_recording_header *h)
{
    static const struct {
        const char *name, *label, *unit, *panel;
        int kind, pair;
    } decl[FIXTURE_NSERIES] = {
        {"train_loss", "train loss", "", "loss", GS_SERIES_TRAIN, -1},
        {"test_error", "test error", "", "loss", GS_SERIES_TEST, -1},
        {"test_error_gp", "test error, GP theory", "", "loss", GS_SERIES_THEORY, 1},
        {"overlap", "teacher overlap, m", "rad", "order", GS_SERIES_ORDER, -1},
    };
    memset(h, 0, sizeof *h);
    snprintf(h->program_version, sizeof h->program_version, "grokscope 0.1-test");
    snprintf(h->preset_name, sizeof h->preset_name, "fixture");
    h->preset_text = "[preset]\nname = fixture\n";
    h->seed = 0x0123456789abcdefULL;
    h->created_unix = 1764806400;
    h->nseries = FIXTURE_NSERIES;
    for (int i = 0; i < FIXTURE_NSERIES; i++) {
        gs_series_decl *d = &h->series[i];
        snprintf(d->name, sizeof d->name, "%s", decl[i].name);
        snprintf(d->label, sizeof d->label, "%s", decl[i].label);
        snprintf(d->unit, sizeof d->unit, "%s", decl[i].unit);
        snprintf(d->panel, sizeof d->panel, "%s", decl[i].panel);
        d->kind = decl[i].kind;
        d->pair = decl[i].pair;
    }
}

/* Scalar frame whose values are a known function of the step. */
static void fixture_scalars(gs_frame *f, int64_t step, double wall)
{
    memset(f, 0, sizeof *f);
    f->kind = GS_REC_SCALARS;
    f->step = step;
    f->t = 0.01 * (double)step;
    f->wall = wall;
    f->u.scalars.nseries = FIXTURE_NSERIES;
    f->u.scalars.theory_stale = (uint32_t)(step & 1) << 2;
    for (int i = 0; i < FIXTURE_NSERIES; i++)
        f->u.scalars.v[i] = 1.0 / (double)(step + 1 + i);
}

static void fixture_event(gs_frame *f, int64_t step, double wall, int kind, const char *text)
{
    memset(f, 0, sizeof *f);
    f->kind = GS_REC_EVENT;
    f->step = step;
    f->t = 0.01 * (double)step;
    f->wall = wall;
    f->u.event.kind = kind;
    snprintf(f->u.event.name, sizeof f->u.event.name, "%s", kind == GS_EVENT_SET ? "T" : "");
    f->u.event.old_value = 1e-3;
    f->u.event.new_value = 2e-3;
    snprintf(f->u.event.text, sizeof f->u.event.text, "%s", text);
}

/* Make a unique path under /tmp; the caller unlinks it. */
static void fixture_path(char *out, size_t cap, const char *tag)
{
    static int counter;
    snprintf(out, cap, "/tmp/gs_test_%s_%ld_%d.gsr", tag, (long)getpid(), counter++);
}

static unsigned char *fixture_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    *len = 0;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n)
        *len = (size_t)n;
    fclose(f);
    return buf;
}

static int fixture_write_file(const char *path, const unsigned char *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t k = fwrite(buf, 1, len, f);
    return fclose(f) == 0 && k == len ? 0 : -1;
}

#endif
