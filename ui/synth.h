/*
 * synth.h - a synthetic record source for tests and demonstrations.
 *
 * It plays a small grokking-like run without any network. The test error
 * drops after a delay to an equilibrium that grows with T, and a teacher
 * overlap rises. Theory lines match both, a histogram of per-unit overlaps
 * comes with a predicted Gaussian, and a kernel matrix changes with them. Commands behave as the
 * trainer's do: a set is applied and echoed as GS_EVENT_SET (or rejected as
 * GS_EVENT_REFUSED when out of bounds), the theory turns stale for a while
 * after a change, pause and reset are echoed. Values are deterministic for a
 * given seed.
 *
 * Steps advance only through synth_advance, or, in real-time mode, by wall
 * clock at steps_per_s inside poll. Single-threaded: the UI thread calls
 * everything. synth_create allocates; synth_free releases.
 */
#ifndef UI_SYNTH_H
#define UI_SYNTH_H

#include <stdint.h>

#include "source.h"

typedef struct synth synth;

typedef struct {
    uint64_t seed;
    int metric_every;      /* steps between scalar frames (>= 1) */
    int hist_every;        /* scalar frames between histogram and matrix frames */
    double steps_per_s;    /* > 0: advance by wall clock inside poll */
} synth_options;

/* Create a source with its own preset ("synthetic"). Returns 0, or -1 with a
 * message in err. */
int synth_create(synth **out, const synth_options *opt, char *err, size_t errlen);
void synth_free(synth *s);
/* Fill src with the function table of s. */
void synth_source(synth *s, ui_source *src);
/* Run n steps now, queueing their records (unless paused). */
void synth_advance(synth *s, int64_t n);
/* Records queued and not yet polled. */
int synth_pending(const synth *s);
/* Count of records dropped because the queue was full. */
uint64_t synth_dropped(const synth *s);

#endif
