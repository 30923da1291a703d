/*
 * logq.h - a bounded queue of engine log lines for the screen.
 *
 * While the screen owns the terminal nothing may print, so the screen installs
 * logq_sink as the gs_log sink. Any thread may push (the sink runs on the
 * thread that logs); the UI thread drains. A line equal to the newest queued
 * one only raises its repeat count. When the queue is full the oldest line
 * is dropped and counted. A mutex guards every field; the critical sections
 * copy at most one line.
 */
#ifndef UI_LOGQ_H
#define UI_LOGQ_H

#include <pthread.h>
#include <stdint.h>

#define LOGQ_CAP 64
#define LOGQ_LINE 240

typedef struct {
    int level;
    int repeats;          /* 1 for a line seen once */
    char text[LOGQ_LINE];
} logq_line;

typedef struct {
    pthread_mutex_t lock;
    logq_line line[LOGQ_CAP];   /* ring, guarded by lock */
    int head, count;            /* guarded by lock */
    uint64_t dropped;           /* guarded by lock */
} logq;

int logq_init(logq *q);
void logq_destroy(logq *q);
void logq_push(logq *q, int level, const char *text);
/* Pop the oldest line into out. Returns 1 if one was popped, 0 if empty. */
int logq_pop(logq *q, logq_line *out);
/* A gs_log_sink; user is the logq. */
void logq_sink(int level, const char *line, void *user);

#endif
