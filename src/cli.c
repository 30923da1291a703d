/*
 * cli.c - headless commands: `presets`, `run --headless` and `theory`.
 *
 * Runs on the main thread. A headless run is the consumer of the trainer's
 * record stream: it writes CSV rows, prints a progress line to stderr about
 * once a second, and ends with one JSON object on the last line of stdout.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "export.h"
#include "recorder.h"
#include "replay.h"
#include "log.h"
#include "theory.h"
#include "trainer.h"

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void install_stop_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static int parse_int64(const char *text, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end || errno || v < 0)
        return -1;
    *out = v;
    return 0;
}

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void usage_error(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "grokscope: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nRun 'grokscope run --help' for the options.\n");
}

int gs_cli_parse_run_args(int argc, char **argv, gs_run_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            a->help = 1;
        } else if (!strcmp(arg, "--headless")) {
            a->headless = 1;
        } else if (!strcmp(arg, "--quiet")) {
            a->quiet = 1;
        } else if (!strcmp(arg, "--cold")) {
            a->cold = 1;
        } else if (!strcmp(arg, "--threads")) {
            int64_t v;
            if (!next) {
                usage_error("--threads needs a value, e.g. --threads 1");
                return 2;
            }
            if (parse_int64(next, &v) || v < 1 || v > 64) {
                usage_error("--threads '%s' is invalid; give the number of training threads, 1 to 64", next);
                return 2;
            }
            a->threads = (int)v;
            i++;
        } else if (!strcmp(arg, "--set") || !strcmp(arg, "--seed") || !strcmp(arg, "--steps") ||
                   !strcmp(arg, "--csv") || !strcmp(arg, "--record") || !strcmp(arg, "--log")) {
            if (!next) {
                usage_error("%s needs a value", arg);
                return 2;
            }
            i++;
            if (!strcmp(arg, "--set")) {
                if (a->nsets >= 64) {
                    usage_error("too many --set options (at most 64; got more at %s)", next);
                    return 2;
                }
                a->sets[a->nsets++] = next;
            } else if (!strcmp(arg, "--seed")) {
                int64_t v;
                if (parse_int64(next, &v)) {
                    usage_error("--seed '%s' is not a non-negative integer", next);
                    return 2;
                }
                a->seed = (uint64_t)v;
                a->have_seed = 1;
            } else if (!strcmp(arg, "--steps")) {
                if (parse_int64(next, &a->steps) || a->steps == 0) {
                    usage_error("--steps '%s' is not a positive integer", next);
                    return 2;
                }
            } else if (!strcmp(arg, "--csv")) {
                a->csv = next;
            } else if (!strcmp(arg, "--record")) {
                a->record = next;
            } else {
                a->log = next;
            }
        } else if (!strncmp(arg, "--set=", 6) && a->nsets < 64) {
            a->sets[a->nsets++] = arg + 6;
        } else if (arg[0] == '-' && arg[1]) {
            usage_error("unknown option '%s'", arg);
            return 2;
        } else if (!a->preset) {
            a->preset = arg;
        } else {
            usage_error("unexpected argument '%s'; give one preset name or file", arg);
            return 2;
        }
    }
    return 0;
}

int gs_cli_load_preset(const gs_run_args *a, gs_preset *p, uint64_t *seed)
{
    char err[1024];
    if (gs_preset_load(p, a->preset, err, sizeof err)) {
        fprintf(stderr, "grokscope: %s\n", err);
        return 2;
    }
    for (int i = 0; i < a->nsets; i++) {
        if (gs_preset_set(p, a->sets[i], err, sizeof err)) {
            fprintf(stderr, "grokscope: %s\n", err);
            gs_preset_free(p);
            return 2;
        }
    }
    *seed = a->have_seed ? a->seed : 1;
    return 0;
}

/* List the user's presets in $XDG_CONFIG_HOME/grokscope/presets (or ~/.config/...). */
static void list_user_presets(int markdown)
{
    char dir[512];
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    if (xdg && *xdg)
        snprintf(dir, sizeof dir, "%s/grokscope/presets", xdg);
    else if (home && *home)
        snprintf(dir, sizeof dir, "%s/.config/grokscope/presets", home);
    else
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    int shown = 0;
    struct dirent *entry;
    while ((entry = readdir(d))) {
        size_t len = strlen(entry->d_name);
        if (len < 5 || strcmp(entry->d_name + len - 4, ".ini"))
            continue;
        char path[1024], err[512];
        snprintf(path, sizeof path, "%s/%s", dir, entry->d_name);
        gs_preset p;
        if (!shown && !markdown)
            printf("\nYour presets (%s; run them by file name without .ini):\n", dir);
        shown = 1;
        if (gs_preset_load(&p, path, err, sizeof err)) {
            printf("%-20.*s (invalid: %s)\n", (int)(len - 4), entry->d_name, err);
            continue;
        }
        if (markdown)
            printf("| `%.*s` | %s | %s |\n", (int)(len - 4), entry->d_name, p.paper[0] ? p.paper : "(no paper)",
                   p.summary);
        else
            printf("%-20.*s %s\n", (int)(len - 4), entry->d_name, p.summary);
        gs_preset_free(&p);
    }
    closedir(d);
}

int gs_cli_presets(int argc, char **argv)
{
    if (argc > 0 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
        puts("Usage: grokscope presets [--markdown]\n"
             "List the built-in presets: name, what the preset shows, and its paper.\n"
             "\n"
             "  --markdown   print the list as the Markdown table the README contains\n"
             "\n"
             "Your own presets load by path (grokscope run my.ini) or by name from\n"
             "$XDG_CONFIG_HOME/grokscope/presets/ (default ~/.config/grokscope/presets/).");
        return 0;
    }
    int markdown = argc > 0 && !strcmp(argv[0], "--markdown");
    if (argc > 0 && !markdown) {
        fprintf(stderr, "grokscope: presets takes no argument but --markdown (got '%s')\n", argv[0]);
        return 2;
    }
    if (markdown) {
        puts("| preset | paper | what it shows |");
        puts("| --- | --- | --- |");
    }
    for (int i = 0; gs_builtin_presets[i].name; i++) {
        gs_preset p;
        char err[512];
        if (gs_preset_parse(&p, gs_builtin_presets[i].text, gs_builtin_presets[i].name, err, sizeof err)) {
            printf("%-20s (invalid: %s)\n", gs_builtin_presets[i].name, err);
            continue;
        }
        if (markdown) {
            printf("| `%s` | %s | %s |\n", p.name, p.paper[0] ? p.paper : "(no paper)", p.summary);
        } else {
            printf("%-20s %s\n", p.name, p.summary);
            if (p.paper[0])
                printf("%-20s   %s\n", "", p.paper);
        }
        gs_preset_free(&p);
    }
    if (!markdown)
        list_user_presets(markdown);
    return 0;
}

int gs_cli_open_recording(gs_recorder **out, const char *path, const gs_preset *p, uint64_t seed,
                           gs_trainer *tr)
{
    gs_recording_header hdr;
    memset(&hdr, 0, sizeof hdr);
    snprintf(hdr.program_version, sizeof hdr.program_version, "grokscope %s", GS_VERSION);
    snprintf(hdr.preset_name, sizeof hdr.preset_name, "%s", p->name);
    hdr.preset_text = p->text;
    hdr.seed = seed;
    hdr.created_unix = (int64_t)time(NULL);
    hdr.nseries = gs_trainer_nseries(tr);
    memcpy(hdr.series, gs_trainer_series(tr), sizeof(gs_series_decl) * (size_t)hdr.nseries);
    char err[512];
    if (gs_recorder_open(out, path, &hdr, NULL, err, sizeof err)) {
        fprintf(stderr, "grokscope: --record %s: %s\n", path, err);
        return -1;
    }
    return 0;
}

int gs_cli_close_recording(gs_recorder *rec, const char *path)
{
    char err[512];
    gs_recorder_stats st;
    gs_recorder_stats_get(rec, &st);
    if (gs_recorder_close(rec, err, sizeof err)) {
        fprintf(stderr, "grokscope: recording %s: %s\n", path, err);
        return -1;
    }
    if (st.dropped)
        fprintf(stderr, "grokscope: recording %s: %llu records were dropped because the disk fell behind\n", path,
                (unsigned long long)st.dropped);
    return 0;
}

static void print_run_help(void)
{
    puts("Usage: grokscope run PRESET [options]\n"
         "Train a preset's network with Langevin dynamics beside its theory.\n"
         "\n"
         "  PRESET               a preset name (see 'grokscope presets') or a path to an .ini file\n"
         "  --set NAME=VALUE     set a preset parameter, e.g. --set T=0.01 (repeatable)\n"
         "  --seed N             seed of data, initial weights and noise (default 1)\n"
         "  --steps N            stop after N Langevin steps (default: run until stopped)\n"
         "  --headless           no screen: progress on stderr, a JSON summary on stdout\n"
         "  --csv FILE           write one row per metric frame: step, t, wall_s, then every series\n"
         "  --record FILE.gsr    record the session (compressed) for replay and export\n"
         "  --log FILE           append engine messages to FILE\n"
         "  --threads K          training threads, 1 to 64. Nets with one hidden layer use 1 or 2\n"
         "                       (default: 2 once n*N >= 2e4, for n training points and width N, if\n"
         "                       the CPU affinity allows two CPUs); other depths give K threads to\n"
         "                       OpenBLAS (default: 1, or 2 once n*d*N >= 2e8, d inputs)\n"
         "  --quiet              no progress lines\n"
         "  --cold               cold start: units begin on the teacher direction (or, for modular\n"
         "                       addition, condensed on Fourier modes) instead of a prior draw\n"
         "\n"
         "Units: t is Langevin time, step * h; wall_s is seconds since the start; T is the\n"
         "likelihood noise variance (the GP ridge). Exit status: 0 done, 1 failed, 2 bad usage or input.");
}

/* Print a double as JSON (null for NaN and infinities). */
static void json_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.10g", v);
    else
        fputs("null", f);
}

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static FILE *log_file;

static void log_to_file(int level, const char *line, void *user)
{
    (void)user;
    static const char *names[] = {"debug", "info", "warning", "error"};
    fprintf(log_file, "%s: %s\n", names[level < 0 || level > 3 ? 1 : level], line);
    fflush(log_file);
}

static void log_to_stderr(int level, const char *line, void *user)
{
    (void)user;
    if (level >= GS_LOG_WARN || !*(int *)user)
        fprintf(stderr, "grokscope: %s\n", line);
}

int gs_cli_run(int argc, char **argv, gs_live_runner live)
{
    gs_run_args a;
    int rc = gs_cli_parse_run_args(argc, argv, &a);
    if (rc)
        return rc;
    if (a.help) {
        print_run_help();
        return 0;
    }
    if (!a.preset) {
        fprintf(stderr, "grokscope: run needs a preset; see 'grokscope presets'\n");
        return 2;
    }
    gs_preset p;
    uint64_t seed;
    if ((rc = gs_cli_load_preset(&a, &p, &seed)))
        return rc;
    if (live && !a.headless && isatty(STDOUT_FILENO)) {
        if (a.csv)
            fprintf(stderr, "grokscope: --csv applies to headless runs; record with --record or R, then "
                            "'grokscope export FILE.gsr --csv OUT'\n");
        rc = live(&a, &p, seed);
        gs_preset_free(&p);
        return rc;
    }

    static int quiet;
    quiet = a.quiet;
    if (a.log) {
        log_file = fopen(a.log, "a");
        if (!log_file) {
            fprintf(stderr, "grokscope: --log %s: cannot open: %s\n", a.log, strerror(errno));
            gs_preset_free(&p);
            return 2;
        }
        gs_log_set_sink(log_to_file, NULL);
    } else {
        gs_log_set_sink(log_to_stderr, &quiet);
    }

    FILE *csv = NULL;
    if (a.csv) {
        csv = fopen(a.csv, "w");
        if (!csv) {
            fprintf(stderr, "grokscope: --csv %s: cannot open for writing: %s\n", a.csv, strerror(errno));
            gs_preset_free(&p);
            return 2;
        }
    }

    char err[1024];
    gs_trainer *tr;
    gs_trainer_options opt = {.seed = seed, .max_steps = a.steps, .blas_threads = a.threads, .cold_start = a.cold};
    if (gs_trainer_create(&tr, &p, &opt, err, sizeof err)) {
        fprintf(stderr, "grokscope: %s\n", err);
        if (csv)
            fclose(csv);
        gs_preset_free(&p);
        return 2;
    }
    int nseries = gs_trainer_nseries(tr);
    const gs_series_decl *series = gs_trainer_series(tr);
    double last[GS_MAX_SERIES];
    for (int i = 0; i < GS_MAX_SERIES; i++)
        last[i] = NAN;
    if (csv) {
        fprintf(csv, "step,t,wall_s");
        for (int i = 0; i < nseries; i++)
            fprintf(csv, ",%s", series[i].name);
        fputc('\n', csv);
    }

    gs_recorder *rec = NULL;
    if (a.record && gs_cli_open_recording(&rec, a.record, &p, seed, tr)) {
        gs_trainer_free(tr);
        if (csv)
            fclose(csv);
        gs_preset_free(&p);
        return 2;
    }
    int rec_failed = 0;

    install_stop_handlers();
    if (gs_trainer_start(tr)) {
        fprintf(stderr, "grokscope: could not start the training threads\n");
        gs_trainer_free(tr);
        gs_preset_free(&p);
        return 1;
    }

    gs_frame *frame = malloc(sizeof *frame);
    struct timespec begin, now;
    clock_gettime(CLOCK_MONOTONIC, &begin);
    double next_progress = 1.0;
    int stop_sent = 0, diverged = 0, csv_failed = 0;
    gs_trainer_status st;
    int64_t last_step = 0;
    for (;;) {
        int got = 0;
        while (gs_trainer_poll(tr, frame)) {
            got = 1;
            if (rec) {
                gs_recorder_push(rec, frame);
                const char *rec_err = gs_recorder_error(rec);
                if (rec_err && !rec_failed) {
                    fprintf(stderr, "grokscope: recording to %s stopped: %s; training goes on\n", a.record, rec_err);
                    rec_failed = 1;
                }
            }
            if (frame->kind == GS_REC_SCALARS) {
                last_step = frame->step;
                for (int i = 0; i < nseries; i++)
                    if (!isnan(frame->u.scalars.v[i]))
                        last[i] = frame->u.scalars.v[i];
                if (csv && !csv_failed) {
                    fprintf(csv, "%" PRId64 ",%.10g,%.4f", frame->step, frame->t, frame->wall);
                    for (int i = 0; i < nseries; i++) {
                        fputc(',', csv);
                        if (!isnan(frame->u.scalars.v[i]))
                            fprintf(csv, "%.10g", frame->u.scalars.v[i]);
                    }
                    if (fputc('\n', csv) == EOF) {
                        fprintf(stderr, "grokscope: --csv %s: write failed: %s; training goes on\n", a.csv,
                                strerror(errno));
                        csv_failed = 1;
                    }
                }
            } else if (frame->kind == GS_REC_EVENT) {
                const gs_event *e = &frame->u.event;
                if (e->kind == GS_EVENT_DIVERGED) {
                    diverged = 1;
                    if (!stop_sent) {
                        gs_command stop = {.kind = GS_CMD_STOP};
                        gs_trainer_command(tr, &stop);
                        stop_sent = 1;
                    }
                }
            }
        }
        gs_trainer_get_status(tr, &st);
        if (st.finished && !got)
            break;
        if (stop_requested && !stop_sent) {
            gs_command stop = {.kind = GS_CMD_STOP};
            gs_trainer_command(tr, &stop);
            stop_sent = 1;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        double elapsed = (double)(now.tv_sec - begin.tv_sec) + 1e-9 * (double)(now.tv_nsec - begin.tv_nsec);
        if (!a.quiet && elapsed >= next_progress) {
            next_progress = elapsed + 1.0;
            if (a.steps > 0) {
                double left = st.steps_per_s > 0 ? (double)(a.steps - st.step) / st.steps_per_s : NAN;
                fprintf(stderr, "step %" PRId64 "/%" PRId64 " (%.0f%%)  %.0f steps/s  %.0f s left\n", st.step,
                        a.steps, 100.0 * (double)st.step / (double)a.steps, st.steps_per_s, left);
            } else {
                fprintf(stderr, "step %" PRId64 "  %.0f steps/s\n", st.step, st.steps_per_s);
            }
        }
        if (!got) {
            struct timespec pause = {0, 5 * 1000000L};
            nanosleep(&pause, NULL);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
    double wall = (double)(now.tv_sec - begin.tv_sec) + 1e-9 * (double)(now.tv_nsec - begin.tv_nsec);
    gs_trainer_get_status(tr, &st);
    gs_trainer_stop(tr);

    printf("{\"preset\":");
    json_string(stdout, p.name);
    printf(",\"seed\":%" PRIu64 ",\"steps\":%" PRId64 ",\"t\":", seed, st.step > last_step ? st.step : last_step);
    json_number(stdout, st.t);
    printf(",\"wall_s\":%.3f,\"steps_per_s\":", wall);
    json_number(stdout, wall > 0 ? (double)st.step / wall : NAN);
    printf(",\"threads\":%d,\"frames_dropped\":%" PRIu64 ",\"diverged\":%s,\"stopped_early\":%s", st.threads,
           st.frames_dropped, diverged ? "true" : "false", stop_requested ? "true" : "false");
    for (int i = 0; i < nseries; i++) {
        putchar(',');
        json_string(stdout, series[i].name);
        putchar(':');
        json_number(stdout, last[i]);
    }
    printf("}\n");
    fflush(stdout);

    free(frame);
    gs_trainer_free(tr);
    gs_preset_free(&p);
    if (rec && gs_cli_close_recording(rec, a.record))
        rec_failed = 1;
    if (csv && fclose(csv) != 0 && !csv_failed) {
        fprintf(stderr, "grokscope: --csv %s: write failed: %s\n", a.csv, strerror(errno));
        csv_failed = 1;
    }
    if (log_file)
        fclose(log_file);
    gs_log_set_sink(NULL, NULL);
    return diverged || csv_failed || rec_failed ? 1 : 0;
}

/* ---- theory ------------------------------------------------------------------ */

static void print_theory_help(void)
{
    puts("Usage: grokscope theory PRESET [--set NAME=VALUE]... [--sweep NAME=FROM:TO:COUNT[:log]] [--json]\n"
         "Print a preset's theory predictions without training.\n"
         "\n"
         "  --set NAME=VALUE     set a preset parameter before computing (repeatable)\n"
         "  --sweep NAME=FROM:TO:COUNT[:log]\n"
         "                       compute at COUNT values of NAME from FROM to TO, evenly spaced\n"
         "                       (geometrically with :log); one CSV row per value\n"
         "  --seed N             seed of the data set and of Monte Carlo parts (default 1)\n"
         "  --json               print a JSON array of objects instead of CSV\n"
         "\n"
         "Columns: the swept parameter, then every scalar the preset's theory module computes.");
}

typedef struct {
    char name[GS_NAME_MAX];
    double from, to;
    int count, log_scale;
} sweep_spec;

static int parse_sweep(const char *text, sweep_spec *s)
{
    const char *eq = strchr(text, '=');
    if (!eq || eq == text || (size_t)(eq - text) >= sizeof s->name)
        return -1;
    memcpy(s->name, text, (size_t)(eq - text));
    s->name[eq - text] = '\0';
    char scale[8] = "";
    int used = 0;
    if (sscanf(eq + 1, "%lf:%lf:%d%n", &s->from, &s->to, &s->count, &used) != 3)
        return -1;
    const char *rest = eq + 1 + used;
    if (*rest == ':') {
        snprintf(scale, sizeof scale, "%s", rest + 1);
        if (strcmp(scale, "log"))
            return -1;
        s->log_scale = 1;
    } else if (*rest) {
        return -1;
    }
    if (s->count < 1 || s->count > 10000 || (s->log_scale && (s->from <= 0 || s->to <= 0)))
        return -1;
    return 0;
}

int gs_cli_theory(int argc, char **argv)
{
    gs_run_args a;
    const char *rest[128];
    int nrest = 0, json = 0;
    sweep_spec sweep = {.count = 0};
    for (int i = 0; i < argc && nrest < 127; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (!strcmp(argv[i], "--sweep")) {
            if (i + 1 >= argc || parse_sweep(argv[i + 1], &sweep)) {
                fprintf(stderr, "grokscope: --sweep '%s' is invalid; write NAME=FROM:TO:COUNT or "
                                "NAME=FROM:TO:COUNT:log, e.g. --sweep T=1e-3:1:20:log\n",
                        i + 1 < argc ? argv[i + 1] : "");
                return 2;
            }
            i++;
        } else {
            rest[nrest++] = argv[i];
        }
    }
    int rc = gs_cli_parse_run_args(nrest, (char **)rest, &a);
    if (rc)
        return rc;
    if (a.help) {
        print_theory_help();
        return 0;
    }
    if (!a.preset) {
        fprintf(stderr, "grokscope: theory needs a preset; see 'grokscope presets'\n");
        return 2;
    }
    gs_preset p;
    uint64_t seed;
    if ((rc = gs_cli_load_preset(&a, &p, &seed)))
        return rc;
    const gs_theory_kind *kind = p.theory[0] ? gs_theory_find(p.theory) : NULL;
    if (!kind) {
        fprintf(stderr, "grokscope: preset %s has no theory module%s%s\n", p.name, p.theory[0] ? " named " : "",
                p.theory);
        gs_preset_free(&p);
        return 2;
    }
    if (sweep.count && gs_params_find(&p.params, sweep.name) < 0) {
        fprintf(stderr, "grokscope: --sweep %s: preset %s has no parameter '%s'\n", sweep.name, p.name, sweep.name);
        gs_preset_free(&p);
        return 2;
    }
    const gs_tunable *bounds = sweep.count ? gs_preset_tunable(&p, sweep.name) : NULL;
    if (bounds && (fmin(sweep.from, sweep.to) < bounds->min || fmax(sweep.from, sweep.to) > bounds->max)) {
        fprintf(stderr, "grokscope: --sweep %s=%g:%g is outside the accepted range [%g, %g]\n", sweep.name, sweep.from,
                sweep.to, bounds->min, bounds->max);
        gs_preset_free(&p);
        return 2;
    }

    gs_theory_output *out = calloc(1, sizeof *out);
    int points = sweep.count ? sweep.count : 1;
    int header_done = 0;
    char (*columns)[GS_NAME_MAX] = calloc(GS_THEORY_MAX_VALUES, GS_NAME_MAX);
    int ncolumns = 0;
    rc = 0;
    if (json)
        printf("[");
    for (int k = 0; k < points && out && columns; k++) {
        gs_params params = p.params;
        double x = NAN;
        if (sweep.count) {
            double frac = points > 1 ? (double)k / (points - 1) : 0;
            x = sweep.log_scale ? sweep.from * pow(sweep.to / sweep.from, frac)
                                : sweep.from + (sweep.to - sweep.from) * frac;
            if (gs_params_is_count(sweep.name))
                x = round(x);
            gs_params_set(&params, sweep.name, x);
        }
        char err[1024];
        gs_dataset data;
        if (gs_preset_make_data(&p, &params, seed, &data, err, sizeof err)) {
            fprintf(stderr, "grokscope: %s\n", err);
            rc = 2;
            break;
        }
        gs_params snapshot;
        gs_preset_theory_params(&p, &params, &snapshot);
        atomic_int cancel = 0;
        memset(out, 0, offsetof(gs_theory_output, vector));
        gs_theory_input in = {.params = &snapshot, .data = &data, .cancel = &cancel, .seed = seed};
        int failed = kind->compute(&in, out, err, sizeof err);
        gs_dataset_free(&data);
        if (failed) {
            fprintf(stderr, "grokscope: theory %s failed%s%s: %s\n", kind->name, sweep.count ? " at " : "",
                    sweep.count ? sweep.name : "", err);
            rc = 1;
            break;
        }
        if (!header_done) {
            ncolumns = out->nvalues;
            for (int i = 0; i < ncolumns; i++)
                snprintf(columns[i], GS_NAME_MAX, "%s", out->value_name[i]);
            if (!json) {
                printf("%s", sweep.count ? sweep.name : "preset");
                for (int i = 0; i < ncolumns; i++)
                    printf(",%s", columns[i]);
                putchar('\n');
            }
            header_done = 1;
        }
        if (json) {
            printf("%s{", k ? "," : "");
            if (sweep.count) {
                json_string(stdout, sweep.name);
                putchar(':');
                json_number(stdout, x);
            } else {
                printf("\"preset\":");
                json_string(stdout, p.name);
            }
            for (int i = 0; i < ncolumns; i++) {
                putchar(',');
                json_string(stdout, columns[i]);
                putchar(':');
                json_number(stdout, gs_theory_value(out, columns[i]));
            }
            putchar('}');
        } else {
            if (sweep.count)
                printf("%.10g", x);
            else
                printf("%s", p.name);
            for (int i = 0; i < ncolumns; i++) {
                double v = gs_theory_value(out, columns[i]);
                if (isnan(v))
                    printf(",");
                else
                    printf(",%.10g", v);
            }
            putchar('\n');
        }
    }
    if (json && rc == 0)
        printf("]\n");
    free(columns);
    free(out);
    gs_preset_free(&p);
    return rc;
}

/* ---- export ------------------------------------------------------------------ */

static void print_export_help(void)
{
    puts("Usage: grokscope export FILE.gsr (--csv|--json|--svg) OUT [--panel NAME]... [--log-y]\n"
         "Convert a recording.\n"
         "\n"
         "  --csv OUT      one row per scalar frame: step, t, wall_s, then one column per series;\n"
         "                 events go to OUT with .events.csv in place of .csv\n"
         "  --json OUT     the header, series, frames and events as one JSON document\n"
         "  --svg OUT      a figure of the recorded panels: axes, ticks, legend, theory curves\n"
         "                 dashed, events as ticks on the time axis\n"
         "  --panel NAME   draw only this panel in the SVG (repeatable)\n"
         "  --log-y        logarithmic y axes in the SVG");
}

int gs_cli_export(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *format = NULL;
    const char *panels[GS_MAX_PANELS];
    size_t npanels = 0;
    unsigned flags = 0;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            print_export_help();
            return 0;
        } else if (!strcmp(arg, "--csv") || !strcmp(arg, "--json") || !strcmp(arg, "--svg")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "grokscope: export %s needs an output file\n", arg);
                return 2;
            }
            if (format) {
                fprintf(stderr, "grokscope: export takes one of --csv, --json, --svg (got %s and %s)\n", format, arg);
                return 2;
            }
            format = arg;
            out = argv[++i];
        } else if (!strcmp(arg, "--panel")) {
            if (i + 1 >= argc || npanels >= GS_MAX_PANELS) {
                fprintf(stderr, "grokscope: --panel needs a panel name (at most %d)\n", GS_MAX_PANELS);
                return 2;
            }
            panels[npanels++] = argv[++i];
        } else if (!strcmp(arg, "--log-y")) {
            flags |= GS_SVG_LOG_Y;
        } else if (arg[0] == '-') {
            fprintf(stderr, "grokscope: export: unknown option '%s'; see 'grokscope export --help'\n", arg);
            return 2;
        } else if (!in) {
            in = arg;
        } else {
            fprintf(stderr, "grokscope: export: unexpected argument '%s'\n", arg);
            return 2;
        }
    }
    if (!in || !format) {
        fprintf(stderr, "grokscope: export needs a recording and one of --csv, --json or --svg with an output "
                        "file; see 'grokscope export --help'\n");
        return 2;
    }
    char err[1024];
    int rc;
    if (!strcmp(format, "--csv"))
        rc = gs_export_csv(in, out, err, sizeof err);
    else if (!strcmp(format, "--json"))
        rc = gs_export_json(in, out, err, sizeof err);
    else
        rc = gs_export_svg(in, out, npanels ? panels : NULL, npanels, flags, err, sizeof err);
    if (rc) {
        fprintf(stderr, "grokscope: export %s: %s\n", in, err);
        /* A recording that cannot be read, or a panel it lacks, is bad input (exit 2).
         * A failed write of a readable recording is a failure (exit 1). */
        gs_replay *probe;
        char probe_err[256];
        if (gs_replay_open(&probe, in, probe_err, sizeof probe_err))
            return 2;
        gs_replay_close(probe);
        return npanels ? 2 : 1;
    }
    return 0;
}
