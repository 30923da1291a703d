/*
 * live.h - the screen's source for a live run: the trainer's records, with
 * recording started and stopped from the screen (the R key) or from --record.
 *
 * Runs on the UI thread, which is the trainer's consumer and the recorder's
 * producer: every record the screen polls is also pushed to the recorder
 * while one is open.
 */
#ifndef UI_LIVE_H
#define UI_LIVE_H

#include <stdint.h>

#include "recorder.h"
#include "source.h"
#include "trainer.h"

typedef struct {
    gs_trainer *trainer;
    uint64_t seed;
    gs_recorder *recorder;     /* open recording, or NULL */
    char path[512];            /* its file */
    char first_path[512];      /* --record FILE, used by the first R press if not yet recording */
    int recordings;            /* recordings started so far */
} live_source;

/* Fill src from a started trainer. first_path may be NULL. */
void live_source_init(live_source *live, ui_source *src, gs_trainer *tr, uint64_t seed, const char *first_path);
/* Start recording to path now; returns 0, or -1 with the reason in msg. */
int live_source_start_recording(live_source *live, const char *path, char *msg, size_t msglen);
/* Close any open recording (flushing its last chunk). Returns 0, or -1 with a message. */
int live_source_finish(live_source *live, char *msg, size_t msglen);

struct gs_run_args;
/* Run a preset live on the screen (a gs_live_runner): start the trainer,
 * record if asked, show the screen until q or a signal, then stop and save. */
int live_run(const struct gs_run_args *a, const gs_preset *p, uint64_t seed);

#endif
