/*
 * replay_run.h - the `grokscope replay FILE.gsr` command: open a recording,
 * show it on the screen, restore the terminal.
 *
 * Called from main on the main thread, which becomes the UI thread.
 */
#ifndef UI_REPLAY_RUN_H
#define UI_REPLAY_RUN_H

/* Run the replay command; argv starts after the word "replay". Returns the
 * exit status: 0 done, 1 the screen failed, 2 bad usage or a file that
 * cannot be replayed (missing, not a recording, unknown major version,
 * damaged header). */
int replay_run(int argc, char **argv);

#endif
