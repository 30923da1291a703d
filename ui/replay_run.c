/*
 * replay_run.c - the replay command. See replay_run.h.
 */
#include "replay_run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay_source.h"
#include "screen.h"

static void replay_run_help(void)
{
    puts("Usage: grokscope replay FILE.gsr [--follow] [--speed S] [--ascii]\n"
         "\n"
         "Show a recording on the same screen as a live run, played at its recorded pace.\n"
         "\n"
         "Options:\n"
         "  --follow     the file is still being recorded: keep playing chunks as they are\n"
         "               written (the replay also does this by itself at the end of the file)\n"
         "  --speed S    start at S times the recorded pace: 1/4, 1/2, 1, 2, 4, ... 64 (default 1)\n"
         "  --ascii      ASCII glyphs only, even in a UTF-8 locale\n"
         "\n"
         "Keys: space pauses, > and < play faster and slower, g goes to a step (type it,\n"
         "then Enter), n and N jump to the next and previous event, Left and Right go back\n"
         "and on by one chunk (about 1 s of recording), ? lists every key, q quits.\n"
         "Parameters show their recorded values; a replay cannot change them.\n"
         "\n"
         "Exit status: 0 done, 1 the screen failed, 2 bad usage or a file that cannot be\n"
         "replayed. Damaged chunks are skipped, and their count is printed at the end.");
}

/* Parse "4", "x4", "1/4" or "0.25" into a power of two in [1/4, 64]. */
static int replay_run_parse_speed(const char *text, double *out)
{
    const char *s = text[0] == 'x' ? text + 1 : text;
    char *end;
    double v = strtod(s, &end);
    if (end != s && *end == '/') {
        const char *d = end + 1;
        double den = strtod(d, &end);
        if (end == d || den == 0)
            return -1;
        v /= den;
    }
    if (end == s || *end || !isfinite(v) || v < 0.25 || v > 64)
        return -1;
    double k = log2(v);
    if (fabs(k - round(k)) > 1e-9)
        return -1;
    *out = v;
    return 0;
}

int replay_run(int argc, char **argv)
{
    const char *path = NULL;
    replay_source_options ro;
    screen_options so;

    replay_source_options_default(&ro);
    screen_options_default(&so);
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            replay_run_help();
            return 0;
        } else if (!strcmp(arg, "--follow")) {
            ro.follow = 1;
        } else if (!strcmp(arg, "--ascii")) {
            so.force_ascii = 1;
        } else if (!strcmp(arg, "--speed")) {
            if (i + 1 >= argc || replay_run_parse_speed(argv[i + 1], &ro.speed) != 0) {
                fprintf(stderr, "grokscope: --speed needs a power of two from 1/4 to 64, e.g. --speed 4 "
                        "or --speed 1/2\n");
                return 2;
            }
            i++;
        } else if (arg[0] == '-' && arg[1]) {
            fprintf(stderr, "grokscope: unknown replay option '%s'\nRun 'grokscope replay --help' for the "
                    "options.\n", arg);
            return 2;
        } else if (path) {
            fprintf(stderr, "grokscope: replay takes one file; got '%s' and '%s'\n", path, arg);
            return 2;
        } else {
            path = arg;
        }
    }
    if (!path) {
        fprintf(stderr, "grokscope: replay needs a file: grokscope replay FILE.gsr\n");
        return 2;
    }

    char err[1024];
    replay_source *rs;
    if (replay_source_open(&rs, path, &ro, err, sizeof err) != 0) {
        fprintf(stderr, "grokscope: cannot replay: %s\n", err);
        return 2;
    }
    ui_source src;
    replay_source_fill(rs, &src);
    int rc = screen_run(&src, &so, err, sizeof err);

    size_t skipped = replay_source_skipped(rs);
    if (skipped > 0)
        fprintf(stderr, "grokscope: %s: skipped %zu damaged chunk%s; the rest was replayed\n", path, skipped,
                skipped == 1 ? "" : "s");
    replay_source_close(rs);
    if (rc < 0) {
        fprintf(stderr, "grokscope: %s\n", err);
        fprintf(stderr, "grokscope: to read a recording without a screen, use: grokscope export %s --csv OUT\n",
                path);
        return 1;
    }
    return 0;
}
