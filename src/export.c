/*
 * export.c - CSV, JSON and SVG exports of a .gsr recording. See
 * include/export.h. Runs on the calling thread; allocates only per-export
 * scratch that it frees before returning.
 */
#include "export.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export_text.h"
#include "log.h"
#include "replay.h"

typedef int (*record_fn)(const gs_frame *f, void *user);

/* Call fn on every record of every readable chunk, in file order. Chunks
 * without the GS_REPLAY_CHUNK_EVENTS flag are skipped when events_only.
 * Returns the number of damaged chunks, or -1 when fn returned nonzero. */
static long for_each_record(gs_replay *r, int events_only, record_fn fn, void *user)
{
    gs_frame *f = malloc(sizeof *f);
    char err[256];
    long damaged = 0;

    if (!f)
        return -1;
    for (size_t i = 0; i < gs_replay_chunk_count(r); i++) {
        gs_replay_cursor c;
        if (events_only && !(gs_replay_chunk(r, i)->flags & GS_REPLAY_CHUNK_EVENTS))
            continue;
        if (gs_replay_cursor_load(r, i, &c, err, sizeof err) != 0) {
            gs_log(GS_LOG_WARN, "skipping a damaged chunk: %s", err);
            damaged++;
            continue;
        }
        while (gs_replay_cursor_next(&c, f)) {
            if (fn(f, user) != 0) {
                gs_replay_cursor_free(&c);
                free(f);
                return -1;
            }
        }
        gs_replay_cursor_free(&c);
    }
    free(f);
    return damaged;
}

static const char *event_kind_name(int kind)
{
    static const char *names[] = {"?", "set", "reset", "diverged", "pause", "resume", "note",
                                  "refused"};
    return kind >= 1 && kind <= 7 ? names[kind] : "unknown";
}

static const char *series_kind_name(int kind)
{
    static const char *names[] = {"train", "test", "order", "alignment", "theory", "status"};
    return kind >= 0 && kind <= 5 ? names[kind] : "unknown";
}

static int open_input(gs_replay **r, const char *in_path, char *err, size_t errlen)
{
    if (gs_replay_open(r, in_path, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < gs_replay_damage_count(*r); i++) {
        const gs_replay_damage *d = gs_replay_damage_get(*r, i);
        gs_log(GS_LOG_WARN, "%s: damage at offset %lld (%lld bytes skipped): %s", in_path,
               (long long)d->offset, (long long)d->skipped, d->what);
    }
    return 0;
}

static int close_output(FILE *out, const char *path, int failed, char *err, size_t errlen)
{
    int bad = ferror(out);
    if (fclose(out) != 0)
        bad = 1;
    if (bad && !failed) {
        snprintf(err, errlen, "writing %s failed (disk full or I/O error)", path);
        return -1;
    }
    return failed ? -1 : 0;
}

/* ---- CSV -------------------------------------------------------------- */

/* A number as 'run --csv' writes it: shortest round-trip digits, and an empty
 * cell for a value the frame does not have (NaN). */
static void csv_number(FILE *out, double v)
{
    if (!isnan(v))
        fprintf(out, "%.17g", v);
}

/* Quote a field that contains a comma, quote or line break (RFC 4180). */
static void csv_text(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

typedef struct {
    FILE *rows, *events;
    int nseries;
} csv_state;

static int csv_record(const gs_frame *f, void *user)
{
    csv_state *s = user;

    if (f->kind == GS_REC_SCALARS) {
        fprintf(s->rows, "%lld,", (long long)f->step);
        csv_number(s->rows, f->t);
        fputc(',', s->rows);
        csv_number(s->rows, f->wall);
        for (int i = 0; i < s->nseries; i++) {
            fputc(',', s->rows);
            csv_number(s->rows, i < f->u.scalars.nseries ? f->u.scalars.v[i] : NAN);
        }
        fputc('\n', s->rows);
    } else if (f->kind == GS_REC_EVENT) {
        const gs_event *e = &f->u.event;
        fprintf(s->events, "%lld,", (long long)f->step);
        csv_number(s->events, f->t);
        fprintf(s->events, ",%s,", event_kind_name(e->kind));
        csv_text(s->events, e->name);
        fputc(',', s->events);
        csv_number(s->events, e->old_value);
        fputc(',', s->events);
        csv_number(s->events, e->new_value);
        fputc(',', s->events);
        csv_text(s->events, e->text);
        fputc('\n', s->events);
    }
    return 0;
}

int gs_export_events_path(const char *csv_path, char *out, size_t outlen)
{
    size_t n = strlen(csv_path);
    if (n >= 4 && strcmp(csv_path + n - 4, ".csv") == 0)
        n -= 4;
    int k = snprintf(out, outlen, "%.*s.events.csv", (int)n, csv_path);
    return k < 0 || (size_t)k >= outlen ? -1 : 0;
}

int gs_export_csv(const char *in_path, const char *out_path, char *err, size_t errlen)
{
    char events_path[1024];
    gs_replay *r;
    csv_state s;

    if (gs_export_events_path(out_path, events_path, sizeof events_path) != 0) {
        snprintf(err, errlen, "output path too long: %s", out_path);
        return -1;
    }
    if (open_input(&r, in_path, err, errlen) != 0)
        return -1;
    const gs_recording_header *h = gs_replay_header(r);
    s.nseries = h->nseries;
    s.rows = fopen(out_path, "w");
    s.events = s.rows ? fopen(events_path, "w") : NULL;
    if (!s.rows || !s.events) {
        snprintf(err, errlen, "cannot create %s: %s", s.rows ? events_path : out_path,
                 strerror(errno));
        if (s.rows)
            fclose(s.rows);
        gs_replay_close(r);
        return -1;
    }

    fputs("step,t,wall_s", s.rows);
    for (int i = 0; i < h->nseries; i++) {
        fputc(',', s.rows);
        csv_text(s.rows, h->series[i].name);
    }
    fputc('\n', s.rows);
    fputs("step,t,kind,name,old,new,text\n", s.events);

    long damaged = for_each_record(r, 0, csv_record, &s);
    gs_replay_close(r);
    int failed = 0;
    if (damaged < 0) {
        snprintf(err, errlen, "out of memory exporting %s", in_path);
        failed = 1;
    }
    int rc = close_output(s.rows, out_path, failed, err, errlen);
    if (close_output(s.events, events_path, failed || rc != 0, err, errlen) != 0)
        rc = -1;
    return rc;
}

/* ---- JSON ------------------------------------------------------------- */

static void json_number(FILE *out, double v)
{
    if (isfinite(v))
        fprintf(out, "%.17g", v);
    else
        fputs("null", out);
}

size_t export_utf8_length(const unsigned char *s)
{
    size_t n;
    unsigned min;
    unsigned cp;
    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xe0) == 0xc0) {
        n = 2, min = 0x80, cp = s[0] & 0x1f;
    } else if ((s[0] & 0xf0) == 0xe0) {
        n = 3, min = 0x800, cp = s[0] & 0x0f;
    } else if ((s[0] & 0xf8) == 0xf0) {
        n = 4, min = 0x10000, cp = s[0] & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* Write s as a JSON string; bytes that are not valid UTF-8 become U+FFFD. */
static void json_string(FILE *out, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    fputc('"', out);
    while (*s) {
        size_t n = export_utf8_length(s);
        if (n == 0) {
            fputs("\\ufffd", out);
            s++;
        } else if (*s == '"' || *s == '\\') {
            fprintf(out, "\\%c", *s++);
        } else if (*s < 0x20) {
            fprintf(out, "\\u%04x", *s++);
        } else {
            fwrite(s, 1, n, out);
            s += n;
        }
    }
    fputc('"', out);
}

typedef struct {
    FILE *out;
    int kind;          /* the record kind this pass writes */
    int first;         /* no element written yet in the current array */
} json_state;

static void json_record_start(json_state *s, const gs_frame *f)
{
    fputs(s->first ? "\n  {" : ",\n  {", s->out);
    s->first = 0;
    fprintf(s->out, "\"step\":%lld,\"t\":", (long long)f->step);
    json_number(s->out, f->t);
    fputs(",\"wall\":", s->out);
    json_number(s->out, f->wall);
}

static void json_floats(FILE *out, const float *v, int n)
{
    fputc('[', out);
    for (int i = 0; i < n; i++) {
        if (i)
            fputc(',', out);
        json_number(out, v[i]);
    }
    fputc(']', out);
}

static int json_record(const gs_frame *f, void *user)
{
    json_state *s = user;
    FILE *out = s->out;

    if (f->kind != s->kind)
        return 0;
    json_record_start(s, f);
    switch (f->kind) {
    case GS_REC_SCALARS:
        fprintf(out, ",\"theory_stale\":%u,\"values\":[", (unsigned)f->u.scalars.theory_stale);
        for (int i = 0; i < f->u.scalars.nseries; i++) {
            if (i)
                fputc(',', out);
            json_number(out, f->u.scalars.v[i]);
        }
        fputc(']', out);
        break;
    case GS_REC_HISTOGRAM:
        fputs(",\"name\":", out);
        json_string(out, f->u.hist.name);
        fputs(",\"lo\":", out);
        json_number(out, f->u.hist.lo);
        fputs(",\"hi\":", out);
        json_number(out, f->u.hist.hi);
        fputs(",\"counts\":", out);
        json_floats(out, f->u.hist.count, f->u.hist.nbins);
        fputs(",\"theory\":", out);
        if (f->u.hist.theory_valid)
            json_floats(out, f->u.hist.theory, f->u.hist.nbins);
        else
            fputs("null", out);
        break;
    case GS_REC_MATRIX:
        fputs(",\"name\":", out);
        json_string(out, f->u.matrix.name);
        fprintf(out, ",\"rows\":%d,\"cols\":%d,\"values\":", f->u.matrix.rows, f->u.matrix.cols);
        json_floats(out, f->u.matrix.v, f->u.matrix.rows * f->u.matrix.cols);
        break;
    case GS_REC_EVENT:
        fprintf(out, ",\"kind\":\"%s\",\"name\":", event_kind_name(f->u.event.kind));
        json_string(out, f->u.event.name);
        fputs(",\"old\":", out);
        json_number(out, f->u.event.old_value);
        fputs(",\"new\":", out);
        json_number(out, f->u.event.new_value);
        fputs(",\"text\":", out);
        json_string(out, f->u.event.text);
        break;
    }
    fputc('}', out);
    return 0;
}

static void json_header(FILE *out, gs_replay *r)
{
    const gs_recording_header *h = gs_replay_header(r);
    int major, minor;

    gs_replay_version(r, &major, &minor);
    fprintf(out, "{\"header\":{\"format_version\":\"%d.%d\",\"program_version\":", major, minor);
    json_string(out, h->program_version);
    fputs(",\"preset_name\":", out);
    json_string(out, h->preset_name);
    fputs(",\"preset_text\":", out);
    json_string(out, h->preset_text);
    fprintf(out, ",\"seed\":%llu,\"created_unix\":%lld},\n\"series\":[",
            (unsigned long long)h->seed, (long long)h->created_unix);
    for (int i = 0; i < h->nseries; i++) {
        const gs_series_decl *d = &h->series[i];
        fputs(i ? ",\n  {\"name\":" : "\n  {\"name\":", out);
        json_string(out, d->name);
        fputs(",\"label\":", out);
        json_string(out, d->label);
        fputs(",\"unit\":", out);
        json_string(out, d->unit);
        fprintf(out, ",\"kind\":\"%s\",\"panel\":", series_kind_name(d->kind));
        json_string(out, d->panel);
        fprintf(out, ",\"pair\":%d}", d->pair);
    }
    fputs("]", out);
}

int gs_export_json(const char *in_path, const char *out_path, char *err, size_t errlen)
{
    static const struct {
        const char *key;
        int kind;
    } sections[] = {{"frames", GS_REC_SCALARS},
                    {"histograms", GS_REC_HISTOGRAM},
                    {"matrices", GS_REC_MATRIX},
                    {"events", GS_REC_EVENT}};
    gs_replay *r;

    if (open_input(&r, in_path, err, errlen) != 0)
        return -1;
    FILE *out = fopen(out_path, "w");
    if (!out) {
        snprintf(err, errlen, "cannot create %s: %s", out_path, strerror(errno));
        gs_replay_close(r);
        return -1;
    }
    json_header(out, r);

    long damaged = 0;
    int failed = 0;
    for (size_t k = 0; k < sizeof sections / sizeof sections[0]; k++) {
        json_state s = {out, sections[k].kind, 1};
        fprintf(out, ",\n\"%s\":[", sections[k].key);
        long pass = for_each_record(r, sections[k].kind == GS_REC_EVENT, json_record, &s);
        if (pass > damaged)
            damaged = pass; /* the first pass reads every chunk */
        if (pass < 0) {
            snprintf(err, errlen, "out of memory exporting %s", in_path);
            failed = 1;
            break;
        }
        fputs("]", out);
    }
    fprintf(out, ",\n\"damaged_chunks\":%ld}\n", damaged);
    gs_replay_close(r);
    return close_output(out, out_path, failed, err, errlen);
}
