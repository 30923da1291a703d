/*
 * theory_thread.c - the theory worker. See src/theory_thread.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "theory_thread.h"

static void *theory_main(void *arg)
{
    gs_theory_thread *tt = arg;
    gs_theory_output *out = malloc(sizeof *out);
    gs_params params;
    gs_dataset data;
    memset(&data, 0, sizeof data);

    for (;;) {
        pthread_mutex_lock(&tt->lock);
        while (!tt->have_request && !tt->stop)
            pthread_cond_wait(&tt->wake, &tt->lock);
        if (tt->stop) {
            pthread_mutex_unlock(&tt->lock);
            break;
        }
        params = tt->request_params;
        gs_dataset_free(&data);
        data = tt->request_data;
        memset(&tt->request_data, 0, sizeof tt->request_data);
        uint64_t version = tt->request_version;
        tt->have_request = 0;
        atomic_store(&tt->cancel, 0);
        pthread_mutex_unlock(&tt->lock);

        if (!out)
            break;
        char err[256] = "";
        memset(out, 0, offsetof(gs_theory_output, vector));
        gs_theory_input in = {.params = &params, .data = data.n ? &data : NULL, .cancel = &tt->cancel,
                              .seed = tt->seed};
        atomic_store(&tt->busy, 1);
        int rc = tt->kind->compute(&in, out, err, sizeof err);
        atomic_store(&tt->busy, 0);
        if (atomic_load(&tt->cancel))
            continue; /* superseded: a newer request is waiting */

        pthread_mutex_lock(&tt->result_lock);
        atomic_store(&tt->failed, rc != 0);
        if (rc == 0) {
            gs_theory_output *swap = tt->result;
            tt->result = out;
            out = swap;
        } else {
            snprintf(tt->message, sizeof tt->message, "%s", err);
        }
        atomic_store(&tt->result_for, version);
        pthread_mutex_unlock(&tt->result_lock);
        atomic_fetch_add(&tt->result_count, 1);
        if (rc != 0)
            gs_log(GS_LOG_WARN, "theory %s failed: %s", tt->kind->name, err);
    }
    gs_dataset_free(&data);
    free(out);
    return NULL;
}

int gs_theory_thread_start(gs_theory_thread *tt, const gs_theory_kind *kind, uint64_t seed)
{
    memset(tt, 0, sizeof *tt);
    tt->kind = kind;
    tt->seed = seed;
    tt->result = calloc(1, sizeof *tt->result);
    if (!tt->result)
        return -1;
    pthread_mutex_init(&tt->lock, NULL);
    pthread_mutex_init(&tt->result_lock, NULL);
    pthread_cond_init(&tt->wake, NULL);
    if (pthread_create(&tt->thread, NULL, theory_main, tt) != 0) {
        free(tt->result);
        tt->result = NULL;
        return -1;
    }
    tt->started = 1;
    return 0;
}

void gs_theory_thread_request(gs_theory_thread *tt, const gs_params *params, gs_dataset *data)
{
    pthread_mutex_lock(&tt->lock);
    gs_dataset_free(&tt->request_data);
    tt->request_params = *params;
    tt->request_data = *data;
    memset(data, 0, sizeof *data);
    tt->request_version++;
    atomic_store(&tt->newest_request, tt->request_version);
    tt->have_request = 1;
    atomic_store(&tt->cancel, 1);
    pthread_cond_signal(&tt->wake);
    pthread_mutex_unlock(&tt->lock);
}

void gs_theory_thread_stop(gs_theory_thread *tt)
{
    if (!tt->started)
        return;
    pthread_mutex_lock(&tt->lock);
    tt->stop = 1;
    atomic_store(&tt->cancel, 1);
    pthread_cond_signal(&tt->wake);
    pthread_mutex_unlock(&tt->lock);
    pthread_join(tt->thread, NULL);
    gs_dataset_free(&tt->request_data);
    pthread_mutex_destroy(&tt->lock);
    pthread_mutex_destroy(&tt->result_lock);
    pthread_cond_destroy(&tt->wake);
    free(tt->result);
    tt->result = NULL;
    tt->started = 0;
}
