/*
 * theory_thread.h - the thread that computes a preset's predictions.
 *
 * Design: the trainer posts requests (a parameter snapshot and its own copy
 * of the data set) with gs_theory_thread_request. A newer request replaces a
 * pending one and raises `cancel`, so a module polling it abandons the stale
 * computation. Results are published whole under result_lock and counted in
 * result_version; the trainer copies the latest one out when the count moves.
 * Each request carries a version; a result is current when its version equals
 * the newest request's.
 */
#ifndef GS_THEORY_THREAD_H
#define GS_THEORY_THREAD_H

#include <pthread.h>
#include <stdatomic.h>

#include "theory.h"

typedef struct {
    const gs_theory_kind *kind;
    pthread_t thread;
    int started;

    pthread_mutex_t lock;          /* guards the request fields and stop */
    pthread_cond_t wake;
    int have_request, stop;
    gs_params request_params;
    gs_dataset request_data;       /* owned; moved to the worker when taken */
    uint64_t request_version;
    uint64_t seed;
    atomic_int cancel;             /* raised by a newer request or stop */
    atomic_int busy;               /* 1 while computing */

    pthread_mutex_t result_lock;   /* guards result and message */
    gs_theory_output *result;
    atomic_uint_fast64_t result_for; /* request version of the published result */
    atomic_int failed;
    char message[256];
    atomic_uint_fast64_t result_count; /* bumped on each publication */
    atomic_uint_fast64_t newest_request;
} gs_theory_thread;

int gs_theory_thread_start(gs_theory_thread *tt, const gs_theory_kind *kind, uint64_t seed);
/* Post a request; takes ownership of data's arrays (data is zeroed). */
void gs_theory_thread_request(gs_theory_thread *tt, const gs_params *params, gs_dataset *data);
void gs_theory_thread_stop(gs_theory_thread *tt);

#endif
