/*
 * logq.c - bounded, repeat-counting log queue. See logq.h.
 */
#include "logq.h"

#include <stdio.h>
#include <string.h>

int logq_init(logq *q)
{
    memset(q, 0, sizeof *q);
    return pthread_mutex_init(&q->lock, NULL) == 0 ? 0 : -1;
}

void logq_destroy(logq *q)
{
    pthread_mutex_destroy(&q->lock);
}

void logq_push(logq *q, int level, const char *text)
{
    pthread_mutex_lock(&q->lock);
    if (q->count > 0) {
        logq_line *newest = &q->line[(q->head + q->count - 1) % LOGQ_CAP];
        if (newest->level == level && strncmp(newest->text, text, LOGQ_LINE - 1) == 0) {
            newest->repeats++;
            pthread_mutex_unlock(&q->lock);
            return;
        }
    }
    if (q->count == LOGQ_CAP) {
        q->head = (q->head + 1) % LOGQ_CAP;
        q->count--;
        q->dropped++;
    }
    logq_line *slot = &q->line[(q->head + q->count) % LOGQ_CAP];
    slot->level = level;
    slot->repeats = 1;
    snprintf(slot->text, sizeof slot->text, "%s", text);
    q->count++;
    pthread_mutex_unlock(&q->lock);
}

int logq_pop(logq *q, logq_line *out)
{
    int got = 0;
    pthread_mutex_lock(&q->lock);
    if (q->count > 0) {
        *out = q->line[q->head];
        q->head = (q->head + 1) % LOGQ_CAP;
        q->count--;
        got = 1;
    }
    pthread_mutex_unlock(&q->lock);
    return got;
}

void logq_sink(int level, const char *line, void *user)
{
    logq_push(user, level, line);
}
