/*
 * ring.h - the bounded frame ring between the trainer (one producer) and its
 * consumer (one thread).
 *
 * Design: slots are fixed-size gs_frame records, preallocated. The producer
 * reserves the slot at `head` (dropping the oldest unread record when the
 * ring is full, and counting the drop), fills it without holding the lock,
 * then publishes it. The consumer copies the record at `tail` out under the
 * lock. There is one spare slot, so the slot being filled is never one the
 * consumer can read. Both critical sections are a few index updates or one
 * copy of the used part of a record (a scalar frame is under 500 bytes); the
 * producer therefore never waits for the consumer's drawing or I/O.
 */
#ifndef GS_RING_H
#define GS_RING_H

#include <pthread.h>
#include <stdint.h>

#include "frame.h"

typedef struct {
    pthread_mutex_t lock;
    gs_frame *slots;      /* capacity + 1 slots */
    uint64_t capacity;
    uint64_t head, tail;  /* guarded by lock; head - tail <= capacity */
    uint64_t dropped;     /* guarded by lock */
} gs_ring;

int gs_ring_init(gs_ring *r, uint64_t capacity);
void gs_ring_destroy(gs_ring *r);
/* Producer: the slot to fill next. */
gs_frame *gs_ring_reserve(gs_ring *r);
/* Producer: make the reserved slot readable. */
void gs_ring_publish(gs_ring *r);
/* Consumer: copy the oldest record into out; 1 if one was read, 0 if empty. */
int gs_ring_pop(gs_ring *r, gs_frame *out);
uint64_t gs_ring_dropped(gs_ring *r);
/* Bytes of a record that carry data (the rest of the union is unused). */
size_t gs_frame_used_size(const gs_frame *f);

#endif
