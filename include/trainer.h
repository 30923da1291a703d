/*
 * trainer.h - the training thread and its theory thread, as the UI and headless
 * runs see them.
 *
 * gs_trainer_start spawns two threads: the trainer (Langevin steps, metrics,
 * frames) and the theory thread (predictions for the current parameters). The
 * caller's thread is the single consumer: it polls frames with gs_trainer_poll
 * and sends commands with gs_trainer_command. The trainer never waits for the
 * consumer: when the frame ring is full it drops the oldest unread frame and
 * counts the drop. Commands are applied between two steps and echoed back as
 * GS_EVENT_SET (or GS_EVENT_REFUSED with the reason) events.
 *
 * Theory values arrive inside scalar frames as the series of kind
 * GS_SERIES_THEORY; gs_scalars.theory_stale marks those computed for older
 * parameters. Predicted histograms arrive as histogram frames with
 * theory_valid set.
 */
#ifndef GS_TRAINER_H
#define GS_TRAINER_H

#include <stdint.h>

#include "data.h"
#include "frame.h"
#include "preset.h"

typedef struct gs_trainer gs_trainer;

typedef enum {
    GS_CMD_SET = 1,          /* name = value */
    GS_CMD_PAUSE = 2,
    GS_CMD_RESUME = 3,
    GS_CMD_TOGGLE_PAUSE = 4,
    GS_CMD_RESET = 5,        /* value 0: fresh draw from the prior (hot start);
                                value 1: cold start at the teacher where the model allows */
    GS_CMD_STOP = 6
} gs_command_kind;

typedef struct {
    int kind;
    char name[GS_NAME_MAX];
    double value;
} gs_command;

typedef enum {
    GS_THEORY_NONE = 0,      /* the preset has no theory */
    GS_THEORY_CURRENT = 1,
    GS_THEORY_COMPUTING = 2,
    GS_THEORY_FAILED = 3
} gs_theory_state;

typedef struct {
    int64_t step;
    double t;
    double steps_per_s;      /* over the last second or so */
    uint64_t frames_dropped;
    int paused;
    int diverged;
    int theory_state;        /* gs_theory_state */
    int finished;            /* the step limit was reached or the trainer stopped */
    int threads;             /* threads that train: the fused step's, or OpenBLAS's for other depths */
} gs_trainer_status;

typedef struct {
    uint64_t seed;
    int64_t max_steps;       /* 0: run until stopped */
    int blas_threads;        /* threads for training (see --threads); 0: choose by size */
    int start_paused;
    int cold_start;          /* 1: start from the model's specialised state (see GS_CMD_RESET) */
} gs_trainer_options;

/* Build the model and data from the preset; does not start threads.
 * Returns 0, or -1 with a message in err. The trainer keeps its own copy of p. */
int gs_trainer_create(gs_trainer **out, const gs_preset *p, const gs_trainer_options *opt,
                      char *err, size_t errlen);
int gs_trainer_start(gs_trainer *tr);
/* Ask both threads to stop after their current step and join them. */
void gs_trainer_stop(gs_trainer *tr);
void gs_trainer_free(gs_trainer *tr);

const gs_preset *gs_trainer_preset(const gs_trainer *tr);
int gs_trainer_nseries(const gs_trainer *tr);
const gs_series_decl *gs_trainer_series(const gs_trainer *tr);

/* Pop the oldest unread record into out. Returns 1 if one was read, 0 if none. */
int gs_trainer_poll(gs_trainer *tr, gs_frame *out);
/* Queue a command. Returns 0, or -1 when the queue is full. */
int gs_trainer_command(gs_trainer *tr, const gs_command *cmd);
void gs_trainer_get_status(gs_trainer *tr, gs_trainer_status *out);
/* Current parameter values (a copy taken under a short lock). */
void gs_trainer_get_params(gs_trainer *tr, gs_params *out);

/* Generate the data set a preset describes for the given parameters. */
int gs_preset_make_data(const gs_preset *p, const gs_params *params, uint64_t seed, gs_dataset *out, char *err,
                        size_t errlen);
/* The parameter snapshot a theory module receives: params plus the architecture
 * as numbers ("activation" code, "hidden_layers", "readout_mean_field", "bias"). */
void gs_preset_theory_params(const gs_preset *p, const gs_params *params, gs_params *out);

#endif
