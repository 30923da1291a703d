/*
 * history.c - bounded min/max-preserving series history. See history.h.
 */
#include "history.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int history_init(history *h, int recent_cap, int old_cap)
{
    memset(h, 0, sizeof *h);
    if (recent_cap < 2 || old_cap < 2 || old_cap % 2 != 0)
        return -1;
    h->recent = calloc((size_t)recent_cap, sizeof *h->recent);
    h->old = calloc((size_t)old_cap, sizeof *h->old);
    if (!h->recent || !h->old) {
        history_free(h);
        return -1;
    }
    h->recent_cap = recent_cap;
    h->old_cap = old_cap;
    h->bucket_size = 1;
    return 0;
}

void history_free(history *h)
{
    free(h->recent);
    free(h->old);
    memset(h, 0, sizeof *h);
}

void history_clear(history *h)
{
    h->recent_start = h->recent_count = 0;
    h->old_count = 0;
    h->bucket_size = 1;
    memset(&h->pending, 0, sizeof h->pending);
    h->total = 0;
}

/* Fold b, which comes after a in time, into a. */
static void point_merge(history_point *a, const history_point *b)
{
    if (a->count == 0) {
        *a = *b;
        return;
    }
    a->step = b->step;
    a->t = b->t;
    a->y = b->y;
    a->lo = fmin(a->lo, b->lo);
    a->hi = fmax(a->hi, b->hi);
    a->sum += b->sum;
    a->count += b->count;
}

/* Halve the number of old buckets by merging neighbours in pairs. */
static void history_compact(history *h)
{
    int n = h->old_count / 2;

    for (int i = 0; i < n; i++) {
        history_point merged = h->old[2 * i];
        point_merge(&merged, &h->old[2 * i + 1]);
        h->old[i] = merged;
    }
    if (h->old_count % 2 == 1)
        h->old[n++] = h->old[h->old_count - 1];
    h->old_count = n;
    h->bucket_size *= 2;
}

/* Move the oldest recent point into the pending bucket, and the pending bucket
 * into the old array once it covers bucket_size samples. */
static void history_evict(history *h)
{
    history_point *oldest = &h->recent[h->recent_start];

    point_merge(&h->pending, oldest);
    h->recent_start = (h->recent_start + 1) % h->recent_cap;
    h->recent_count--;
    if (h->pending.count < h->bucket_size)
        return;
    if (h->old_count == h->old_cap)
        history_compact(h);
    h->old[h->old_count++] = h->pending;
    memset(&h->pending, 0, sizeof h->pending);
}

void history_append(history *h, double step, double t, double y)
{
    if (!isfinite(y))
        return;
    if (h->recent_count == h->recent_cap)
        history_evict(h);

    int slot = (h->recent_start + h->recent_count) % h->recent_cap;
    history_point *p = &h->recent[slot];
    p->step = step;
    p->t = t;
    p->y = p->lo = p->hi = p->sum = y;
    p->count = 1;
    h->recent_count++;
    h->total++;
}

int history_count(const history *h)
{
    return h->old_count + (h->pending.count > 0) + h->recent_count;
}

const history_point *history_at(const history *h, int i)
{
    if (i < 0)
        return NULL;
    if (i < h->old_count)
        return &h->old[i];
    i -= h->old_count;
    if (h->pending.count > 0) {
        if (i == 0)
            return &h->pending;
        i--;
    }
    if (i >= h->recent_count)
        return NULL;
    return &h->recent[(h->recent_start + i) % h->recent_cap];
}

const history_point *history_last(const history *h)
{
    int n = history_count(h);
    return n > 0 ? history_at(h, n - 1) : NULL;
}

int history_smooth(const history *h, double tau_steps, double *out, int n)
{
    int count = history_count(h);
    double numerator = 0, weight = 0, prev_step = 0;

    if (count > n)
        count = n;
    for (int i = 0; i < count; i++) {
        const history_point *p = history_at(h, i);
        double value = p->sum / (double)p->count;
        /* A sample weighs by the step gap before it, and the first sample by
         * the gap after it. A gap below one step counts as one, so every
         * sample carries some weight. */
        double gap;
        if (i > 0)
            gap = fmax(p->step - prev_step, 1.0);
        else if (count > 1)
            gap = fmax(history_at(h, 1)->step - p->step, 1.0);
        else
            gap = 1.0;
        double keep = tau_steps > 0 ? exp(-gap / tau_steps) : 0.0;

        numerator = keep * numerator + (1.0 - keep) * value;
        weight = keep * weight + (1.0 - keep);
        out[i] = weight > 0 ? numerator / weight : value;
        prev_step = p->step;
    }
    return count;
}
