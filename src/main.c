/*
 * main.c - grokscope's entry point: dispatch on the command word.
 *
 *   grokscope [PRESET|FILE] [--set NAME=VALUE]... [--seed N] [--record FILE.gsr]
 *   grokscope run PRESET --headless --steps N [--csv FILE] [--record FILE]
 *   grokscope theory PRESET [--sweep NAME=FROM:TO:COUNT[:log]] [--json]
 *   grokscope replay FILE.gsr [--follow] [--speed S]
 *   grokscope export FILE.gsr --csv|--json|--svg OUT
 *   grokscope presets
 *
 * Only main exits; every command returns 0 done, 1 failed, 2 bad usage.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "live.h"
#include "replay_run.h"

#define DEFAULT_PRESET "grokking-modular"

static void print_help(void)
{
    puts("grokscope " GS_VERSION " - finite networks trained with Langevin dynamics, beside their theory.\n"
         "\n"
         "Usage:\n"
         "  grokscope [PRESET|FILE] [options]     open a preset live (default preset: " DEFAULT_PRESET ")\n"
         "  grokscope run PRESET --headless --steps N [--csv FILE]\n"
         "                                        train without a screen; JSON summary on stdout\n"
         "  grokscope theory PRESET [--sweep NAME=FROM:TO:COUNT[:log]] [--json]\n"
         "                                        print a preset's predictions without training\n"
         "  grokscope replay FILE.gsr [--follow] [--speed S]\n"
         "                                        play a recording on the live screen (also:\n"
         "                                        grokscope FILE.gsr)\n"
         "  grokscope export FILE.gsr --csv|--json|--svg OUT\n"
         "                                        convert a recording\n"
         "  grokscope presets                     list presets with their paper\n"
         "\n"
         "Run 'grokscope run --help', 'grokscope replay --help' or 'grokscope theory --help' for the\n"
         "options. When standard output is not a terminal, 'grokscope PRESET' runs headless.");
}

int main(int argc, char **argv)
{
    if (argc >= 2) {
        const char *cmd = argv[1];
        if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
            print_help();
            return 0;
        }
        if (!strcmp(cmd, "--version")) {
            puts("grokscope " GS_VERSION);
            return 0;
        }
        if (!strcmp(cmd, "presets"))
            return gs_cli_presets(argc - 2, argv + 2);
        if (!strcmp(cmd, "run"))
            return gs_cli_run(argc - 2, argv + 2, live_run);
        if (!strcmp(cmd, "theory"))
            return gs_cli_theory(argc - 2, argv + 2);
        if (!strcmp(cmd, "replay"))
            return replay_run(argc - 2, argv + 2);
        /* A recording given where a preset would go opens its replay. */
        size_t len = strlen(cmd);
        if (len > 4 && !strcmp(cmd + len - 4, ".gsr"))
            return replay_run(argc - 1, argv + 1);
        if (!strcmp(cmd, "export"))
            return gs_cli_export(argc - 2, argv + 2);
    }

    /* grokscope [PRESET] [options]: live when stdout is a terminal, headless otherwise. */
    char *args[128];
    int count = 0;
    int has_preset = argc >= 2 && argv[1][0] != '-';
    if (!has_preset)
        args[count++] = DEFAULT_PRESET;
    for (int i = 1; i < argc && count < 127; i++)
        args[count++] = argv[i];
    if (!isatty(STDOUT_FILENO))
        args[count++] = "--headless";
    return gs_cli_run(count, args, live_run);
}
