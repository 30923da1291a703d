/*
 * cli.h - the command-line commands that need no screen.
 *
 * Each returns the process exit status: 0 done, 1 failed, 2 bad usage or
 * input. argv starts after the command word. Called from main only.
 */
#ifndef GS_CLI_H
#define GS_CLI_H

#include <stdint.h>

#include "preset.h"

#define GS_VERSION "0.1.0"

typedef struct gs_run_args gs_run_args;

/* Opens the live screen for a loaded preset; returns an exit status. The UI
 * provides it (ui/live.c), so the engine never links curses. */
typedef int (*gs_live_runner)(const gs_run_args *a, const gs_preset *p, uint64_t seed);

int gs_cli_presets(int argc, char **argv);
/* Train a preset: headless with --headless (or without a terminal on stdout),
 * otherwise through live (NULL forces headless). */
int gs_cli_run(int argc, char **argv, gs_live_runner live);
int gs_cli_theory(int argc, char **argv);
int gs_cli_export(int argc, char **argv);

struct gs_recorder;
struct gs_trainer;
/* Open a recording of a run with its header (preset text, seed, series).
 * Returns 0, or -1 after printing the error. */
int gs_cli_open_recording(struct gs_recorder **out, const char *path, const gs_preset *p, uint64_t seed,
                          struct gs_trainer *tr);
/* Close it, printing any error and the count of dropped records; 0 or -1. */
int gs_cli_close_recording(struct gs_recorder *rec, const char *path);

/* Options shared by run, the live screen and theory. */
struct gs_run_args {
    const char *preset;
    const char *sets[64];
    int nsets;
    uint64_t seed;
    int have_seed;
    int64_t steps;
    const char *csv, *record, *log;
    int threads;   /* OpenBLAS threads for the trainer; 0: the preset's blas_threads or 1 */
    int cold;      /* --cold: start from the specialised state */
    int headless, quiet, help;
};

/* Parse run options; returns 0, or 2 after printing what is wrong. */
int gs_cli_parse_run_args(int argc, char **argv, gs_run_args *a);
/* Load the preset named in a and apply its --set and --seed. Returns 0, or 2
 * after printing the error. */
int gs_cli_load_preset(const gs_run_args *a, gs_preset *p, uint64_t *seed);

#endif
