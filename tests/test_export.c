/*
 * test_export.c - CSV, JSON and SVG exports of a recording: headers, row
 * counts, values read back, parsing by independent parsers (Python's json
 * and xml modules, xmllint when installed) and damaged chunks skipped.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "export.h"
#include "log.h"
#include "recfmt.h"
#include "recorder_fixture.h"
#include "replay.h"

#define NFRAMES 50
#define NEVENTS 6  /* one every 10 frames, and a note with invalid UTF-8 */
#define PYTHON "/usr/bin/python3"

typedef struct {
    char rec[128];
    char out[160];
    char events[192];
} paths;

/* Record NFRAMES scalar frames (series 2 NaN for the first 10), NEVENTS
 * events, one histogram and one matrix, in chunks of at most 8 records. */
static void write_sample(const char *path)
{
    gs_recording_header h;
    gs_recorder_options opt;
    gs_recorder *rec;
    gs_frame *f = calloc(1, sizeof *f);
    char err[256];

    assert_non_null(f);
    fixture_header(&h);
    /* Characters XML, CSV and JSON must escape, and non-ASCII UTF-8. */
    snprintf(h.series[3].label, sizeof h.series[3].label, "overlap <m> & \"\xcf\x83\xc2\xb2\"");
    gs_recorder_default_options(&opt);
    opt.chunk_max_records = 8;
    assert_int_equal(gs_recorder_open(&rec, path, &h, &opt, err, sizeof err), 0);
    for (int i = 0; i < NFRAMES; i++) {
        fixture_scalars(f, 10 * i, 0.1 * i);
        if (i < 10)
            f->u.scalars.v[2] = NAN;
        while (gs_recorder_push(rec, f) != 0)
            ;
        if (i % 10 == 3) {
            fixture_event(f, 10 * i, 0.1 * i, GS_EVENT_SET, "T 1e-3 -> 2e-3, \"quoted\"");
            while (gs_recorder_push(rec, f) != 0)
                ;
        }
    }
    fixture_event(f, 10 * NFRAMES - 10, 0.1 * NFRAMES, GS_EVENT_NOTE, "bad \xff byte \x01 ctl");
    while (gs_recorder_push(rec, f) != 0)
        ;
    memset(f, 0, sizeof *f);
    f->kind = GS_REC_HISTOGRAM;
    f->step = 10 * NFRAMES;
    snprintf(f->u.hist.name, sizeof f->u.hist.name, "overlap_hist");
    f->u.hist.nbins = 4;
    f->u.hist.hi = 1.0;
    f->u.hist.count[1] = 3.0f;
    while (gs_recorder_push(rec, f) != 0)
        ;
    memset(f, 0, sizeof *f);
    f->kind = GS_REC_MATRIX;
    f->step = 10 * NFRAMES;
    snprintf(f->u.matrix.name, sizeof f->u.matrix.name, "kernel");
    f->u.matrix.rows = 2;
    f->u.matrix.cols = 2;
    f->u.matrix.v[3] = 0.5f;
    while (gs_recorder_push(rec, f) != 0)
        ;
    assert_int_equal(gs_recorder_close(rec, err, sizeof err), 0);
    free(f);
}

static void make_paths(paths *p, const char *tag, const char *ext)
{
    fixture_path(p->rec, sizeof p->rec, tag);
    snprintf(p->out, sizeof p->out, "%s.%s", p->rec, ext);
    assert_int_equal(gs_export_events_path(p->out, p->events, sizeof p->events), 0);
}

static void remove_paths(const paths *p)
{
    unlink(p->rec);
    unlink(p->out);
    unlink(p->events);
}

static int count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    int n = 0, c;
    assert_non_null(f);
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

/* Run a shell command and return its exit status, or -1. */
static int run(const char *cmd)
{
    int status = system(cmd);
    return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void csv_header_rows_and_values(void **state)
{
    paths p;
    char err[256], line[1024];

    make_paths(&p, "csv", "csv");
    write_sample(p.rec);
    assert_int_equal(gs_export_csv(p.rec, p.out, err, sizeof err), 0);
    assert_int_equal(count_lines(p.out), NFRAMES + 1);
    assert_int_equal(count_lines(p.events), NEVENTS + 1);

    FILE *f = fopen(p.out, "r");
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "step,t,wall_s,train_loss,test_error,test_error_gp,overlap\n");
    for (int i = 0; i < NFRAMES; i++) {
        char *s = fgets(line, sizeof line, f), *end;
        double v[7];
        assert_non_null(s);
        for (int k = 0; k < 7; k++) {
            /* An empty cell is a value the frame does not have. */
            if (*s == ',' || *s == '\n') {
                v[k] = NAN;
                s++;
                continue;
            }
            v[k] = strtod(s, &end);
            assert_true(end != s);
            s = end + 1;
        }
        assert_true(v[0] == 10.0 * i);
        for (int k = 0; k < FIXTURE_NSERIES; k++) {
            if (k == 2 && i < 10)
                assert_true(isnan(v[3 + k]));
            else
                assert_true(v[3 + k] == 1.0 / (double)(10 * i + 1 + k)); /* exact round trip */
        }
    }
    fclose(f);

    f = fopen(p.events, "r");
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "step,t,kind,name,old,new,text\n");
    assert_non_null(fgets(line, sizeof line, f));
    assert_non_null(strstr(line, ",set,T,"));
    assert_non_null(strstr(line, "\"T 1e-3 -> 2e-3, \"\"quoted\"\"\""));
    fclose(f);
    remove_paths(&p);
}

static void csv_events_path_naming(void **state)
{
    char out[32];
    assert_int_equal(gs_export_events_path("run.csv", out, sizeof out), 0);
    assert_string_equal(out, "run.events.csv");
    assert_int_equal(gs_export_events_path("run", out, sizeof out), 0);
    assert_string_equal(out, "run.events.csv");
    assert_int_equal(gs_export_events_path("a/very/long/name/for/a/tiny/buffer.csv", out, 16),
                     -1);
}

static void json_parses_with_python(void **state)
{
    paths p;
    char err[256], cmd[1024];

    if (access(PYTHON, X_OK) != 0)
        skip();
    make_paths(&p, "json", "json");
    write_sample(p.rec);
    assert_int_equal(gs_export_json(p.rec, p.out, err, sizeof err), 0);
    snprintf(cmd, sizeof cmd,
             PYTHON " -c 'import json, sys\n"
             "d = json.load(open(sys.argv[1], encoding=\"utf-8\"))\n"
             "assert d[\"header\"][\"seed\"] == 0x0123456789abcdef\n"
             "assert [s[\"name\"] for s in d[\"series\"]] == "
             "[\"train_loss\", \"test_error\", \"test_error_gp\", \"overlap\"]\n"
             "assert d[\"series\"][3][\"label\"] == \"overlap <m> & \\\"\\u03c3\\u00b2\\\"\"\n"
             "assert len(d[\"frames\"]) == %d and len(d[\"events\"]) == %d\n"
             "assert d[\"frames\"][0][\"values\"][2] is None\n"
             "assert d[\"frames\"][20][\"values\"][0] == 1 / 201\n"
             "assert d[\"histograms\"][0][\"counts\"] == [0, 3, 0, 0]\n"
             "assert d[\"matrices\"][0][\"values\"] == [0, 0, 0, 0.5]\n"
             "assert d[\"damaged_chunks\"] == 0\n"
             "assert d[\"events\"][-1][\"text\"] == \"bad \\ufffd byte \\u0001 ctl\"\n"
             "' %s",
             NFRAMES, NEVENTS, p.out);
    assert_int_equal(run(cmd), 0);
    remove_paths(&p);
}

static void svg_parses_as_xml(void **state)
{
    paths p;
    char err[256], cmd[1024];

    if (access(PYTHON, X_OK) != 0)
        skip();
    make_paths(&p, "svg", "svg");
    write_sample(p.rec);
    for (unsigned flags = 0; flags <= GS_SVG_LOG_Y; flags++) {
        assert_int_equal(gs_export_svg(p.rec, p.out, NULL, 0, flags, err, sizeof err), 0);
        /* Two panels ("loss", "order"): 4 series paths, of which the one
         * theory series is dashed, and NEVENTS event ticks per panel. */
        snprintf(cmd, sizeof cmd,
                 PYTHON " -c 'import sys, xml.etree.ElementTree as ET\n"
                 "ns = \"{http://www.w3.org/2000/svg}\"\n"
                 "root = ET.parse(sys.argv[1]).getroot()\n"
                 "assert root.tag == ns + \"svg\"\n"
                 "paths = root.findall(\".//\" + ns + \"path\")\n"
                 "assert len(paths) == 4, len(paths)\n"
                 "assert sum(1 for e in paths if e.get(\"stroke-dasharray\")) == 1\n"
                 "assert len(root.findall(\".//\" + ns + \"title\")) == 2 * %d\n"
                 "assert all(len(e.get(\"d\")) > 20 for e in paths)\n"
                 "' %s",
                 NEVENTS, p.out);
        assert_int_equal(run(cmd), 0);
        if (run("command -v xmllint > /dev/null") == 0) {
            snprintf(cmd, sizeof cmd, "xmllint --noout %s", p.out);
            assert_int_equal(run(cmd), 0);
        }
    }

    const char *one[] = {"order"};
    assert_int_equal(gs_export_svg(p.rec, p.out, one, 1, 0, err, sizeof err), 0);
    const char *bad[] = {"no_such_panel"};
    assert_int_equal(gs_export_svg(p.rec, p.out, bad, 1, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "no_such_panel"));
    remove_paths(&p);
}

static void export_skips_damaged_chunk(void **state)
{
    paths p;
    char err[256];
    gs_replay *r;
    size_t len;

    make_paths(&p, "damaged", "csv");
    write_sample(p.rec);
    assert_int_equal(gs_replay_open(&r, p.rec, err, sizeof err), 0);
    const gs_replay_chunk_info *c = gs_replay_chunk(r, 1);
    int64_t mid = c->offset + RECFMT_CHUNK_HEADER_LEN + c->comp_len / 2;
    gs_frame *frames;
    size_t n, lost = 0;
    assert_int_equal(gs_replay_read_chunk(r, 1, &frames, &n, err, sizeof err), 0);
    for (size_t i = 0; i < n; i++)
        lost += frames[i].kind == GS_REC_SCALARS;
    free(frames);
    gs_replay_close(r);
    assert_true(lost > 0);

    unsigned char *bytes = fixture_read_file(p.rec, &len);
    bytes[mid] ^= 0xff;
    assert_int_equal(fixture_write_file(p.rec, bytes, len), 0);
    free(bytes);

    assert_int_equal(gs_export_csv(p.rec, p.out, err, sizeof err), 0);
    assert_int_equal(count_lines(p.out), NFRAMES - (int)lost + 1);
    remove_paths(&p);
}

static void export_missing_input_fails(void **state)
{
    char err[256];
    assert_int_equal(gs_export_csv("/nonexistent/x.gsr", "/tmp/unused.csv", err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/x.gsr"));
}

static void quiet_log(int level, const char *line, void *user)
{
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(csv_header_rows_and_values),
        cmocka_unit_test(csv_events_path_naming),
        cmocka_unit_test(json_parses_with_python),
        cmocka_unit_test(svg_parses_as_xml),
        cmocka_unit_test(export_skips_damaged_chunk),
        cmocka_unit_test(export_missing_input_fails),
    };
    gs_log_set_sink(quiet_log, NULL); /* damaged-chunk warnings are expected */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
