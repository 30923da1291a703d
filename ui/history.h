/*
 * history.h - a bounded history of one series for plotting.
 *
 * The newest points are kept at full resolution in a ring. Points that fall
 * out of the ring are merged into buckets that keep the minimum, maximum, mean
 * and last value of the points they cover, so a spike survives any amount of
 * downsampling. When the bucket array is full, neighbouring buckets merge in
 * pairs and the bucket size doubles. Memory is fixed at init: recent_cap
 * points plus old_cap buckets, whatever the length of the run.
 *
 * Index order is oldest first: old buckets, the bucket being filled, then the
 * recent ring. The UI thread owns a history; nothing here locks.
 */
#ifndef UI_HISTORY_H
#define UI_HISTORY_H

#include <stdint.h>

/* One plotted point: a raw sample (count 1, lo == hi == y) or a bucket. */
typedef struct {
    double step;    /* training step of the last sample covered */
    double t;       /* Langevin time of the last sample covered */
    double y;       /* last value covered */
    double lo, hi;  /* minimum and maximum of the values covered */
    double sum;     /* sum of the values covered, for the mean */
    int64_t count;  /* samples covered */
} history_point;

typedef struct {
    int recent_cap, old_cap;
    int64_t bucket_size;      /* samples per old bucket at the current level */
    history_point *recent;    /* ring of recent_cap points */
    int recent_start, recent_count;
    history_point *old;       /* old_count buckets, oldest first */
    int old_count;
    history_point pending;    /* bucket being filled; count 0 when empty */
    int64_t total;            /* samples appended since init or clear */
} history;

/* Allocate a history that keeps recent_cap raw points (>= 2) and old_cap
 * buckets (even, >= 2). Returns 0, or -1 on invalid sizes or no memory. */
int history_init(history *h, int recent_cap, int old_cap);
void history_free(history *h);
void history_clear(history *h);

/* Append one sample. Non-finite values are skipped (a series with no value in
 * a frame carries NaN). */
void history_append(history *h, double step, double t, double y);

/* Number of points (buckets and raw samples) and the i-th, oldest first.
 * history_at returns NULL outside [0, history_count). */
int history_count(const history *h);
const history_point *history_at(const history *h, int i);
/* The newest point, or NULL when empty. */
const history_point *history_last(const history *h);

/* Write the debiased exponential moving average of the series into out (one
 * value per point, history_count of them). The weight of a sample decays as
 * exp(-dstep / tau_steps) with the step distance, and the average is divided
 * by the total weight so the start is not pulled toward zero. Returns the
 * number of values written, at most n.
 * NOTE: only the recent ring is averaged at full resolution. Older buckets
 * enter with their mean as one sample, which matches the full-resolution
 * average only when tau_steps is long against the bucket's step span. */
int history_smooth(const history *h, double tau_steps, double *out, int n);

#endif
