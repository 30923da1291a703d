/*
 * source.h - where the screen gets its records and sends its commands.
 *
 * A live run, a replay of a recording and the synthetic source of the tests
 * all fill in this table of functions, so one screen serves them all. The
 * screen calls every function from the UI thread only. How the source talks
 * to its own threads is its own choice: gs_trainer uses a ring and a command
 * queue.
 *
 * self is passed back as the first argument of every call. The source owns
 * everything the pointers returned by preset() and series() point to; those
 * must stay valid and unchanged until the screen returns.
 */
#ifndef UI_SOURCE_H
#define UI_SOURCE_H

#include "frame.h"
#include "params.h"
#include "preset.h"
#include "trainer.h"

/* Playback controls, sent through command() as gs_command.kind. They lie
 * above the gs_command_kind range. */
typedef enum {
    SOURCE_CMD_SPEED = 100,      /* value +1: twice as fast, -1: half as fast */
    SOURCE_CMD_SEEK_STEP = 101,  /* value: go to this step */
    SOURCE_CMD_SEEK_CHUNK = 102, /* value +1 / -1: one chunk (about 1 s of recording) on or back */
    SOURCE_CMD_NEXT_EVENT = 103, /* value +1: next event, -1: previous event */
} source_playback_command;

#define SOURCE_RESTART 1   /* returned by command(); see there */

typedef struct {
    double speed;          /* recorded seconds played per second, 0.25 .. 64 */
    int64_t last_step;     /* last step in the file so far */
    int at_end;            /* every record of the file was delivered */
    int following;         /* the file is polled for chunks still being written */
} source_playback;

typedef struct {
    void *self;
    const char *kind;   /* shown in the header: "live", "replay", "synthetic" */

    /* Pop the oldest unread record into out. Returns 1 if one was read, 0 if none. */
    int (*poll)(void *self, gs_frame *out);
    /* Queue a command: a gs_command_kind, or a source_playback_command for
     * a source that plays a recording. Returns 0 when taken. Returns
     * SOURCE_RESTART when the source will deliver its records again from an
     * earlier point, so the screen must clear its histories first. Returns
     * -1 when the source cannot take the command now: a full queue, a
     * replay that does not train, or no event or chunk to go to. */
    int (*command)(void *self, const gs_command *cmd);
    void (*status)(void *self, gs_trainer_status *out);
    /* Current parameter values, a copy. */
    void (*params)(void *self, gs_params *out);
    const gs_preset *(*preset)(void *self);
    int (*nseries)(void *self);
    const gs_series_decl *(*series)(void *self);

    /* Optional (NULL when the source cannot record, e.g. a replay). Start
     * (on = 1) or stop (on = 0) recording; writes a one-line message for the
     * screen. Returns 0, or -1 with the reason in msg. */
    int (*record)(void *self, int on, char *msg, size_t msglen);
    /* Optional: the file being recorded now, or NULL. A recording that stopped
     * on a write error returns NULL from then on. */
    const char *(*recording)(void *self);
    /* Optional (NULL for a live run): the state of the playback of a
     * recording. Its presence puts the screen in replay mode. */
    void (*playback)(void *self, source_playback *out);
} ui_source;

/* Fill s with an adapter that forwards to a started gs_trainer. The trainer
 * must outlive every use of s. */
void source_from_trainer(ui_source *s, gs_trainer *tr);

#endif
