/*
 * ring.c - the single-producer, single-consumer frame ring. See src/ring.h.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ring.h"

int gs_ring_init(gs_ring *r, uint64_t capacity)
{
    memset(r, 0, sizeof *r);
    r->capacity = capacity;
    r->slots = calloc(capacity + 1, sizeof(gs_frame));
    if (!r->slots)
        return -1;
    pthread_mutex_init(&r->lock, NULL);
    return 0;
}

void gs_ring_destroy(gs_ring *r)
{
    if (!r->slots)
        return;
    pthread_mutex_destroy(&r->lock);
    free(r->slots);
    r->slots = NULL;
}

size_t gs_frame_used_size(const gs_frame *f)
{
    size_t base = offsetof(gs_frame, u);
    switch (f->kind) {
    case GS_REC_SCALARS: return base + offsetof(gs_scalars, v) + sizeof(double) * (size_t)f->u.scalars.nseries;
    case GS_REC_HISTOGRAM: return base + sizeof(gs_histogram);
    case GS_REC_MATRIX: return base + offsetof(gs_matrix, v) + sizeof(float) * (size_t)f->u.matrix.rows * f->u.matrix.cols;
    case GS_REC_EVENT: return base + sizeof(gs_event);
    default: return sizeof(gs_frame);
    }
}

gs_frame *gs_ring_reserve(gs_ring *r)
{
    pthread_mutex_lock(&r->lock);
    if (r->head - r->tail >= r->capacity) {
        r->tail++;
        r->dropped++;
    }
    gs_frame *slot = &r->slots[r->head % (r->capacity + 1)];
    pthread_mutex_unlock(&r->lock);
    return slot;
}

void gs_ring_publish(gs_ring *r)
{
    pthread_mutex_lock(&r->lock);
    r->head++;
    pthread_mutex_unlock(&r->lock);
}

int gs_ring_pop(gs_ring *r, gs_frame *out)
{
    pthread_mutex_lock(&r->lock);
    if (r->tail == r->head) {
        pthread_mutex_unlock(&r->lock);
        return 0;
    }
    const gs_frame *slot = &r->slots[r->tail % (r->capacity + 1)];
    memcpy(out, slot, gs_frame_used_size(slot));
    r->tail++;
    pthread_mutex_unlock(&r->lock);
    return 1;
}

uint64_t gs_ring_dropped(gs_ring *r)
{
    pthread_mutex_lock(&r->lock);
    uint64_t d = r->dropped;
    pthread_mutex_unlock(&r->lock);
    return d;
}
