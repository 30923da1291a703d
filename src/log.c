/*
 * log.c - the engine's log sink. See include/log.h.
 */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static gs_log_sink log_sink;   /* guarded by log_lock; NULL means stderr */
static void *log_user;
static int log_threshold = GS_LOG_INFO;

void gs_log_set_sink(gs_log_sink sink, void *user)
{
    pthread_mutex_lock(&log_lock);
    log_sink = sink;
    log_user = user;
    pthread_mutex_unlock(&log_lock);
}

void gs_log_set_level(int level)
{
    pthread_mutex_lock(&log_lock);
    log_threshold = level;
    pthread_mutex_unlock(&log_lock);
}

void gs_log(int level, const char *fmt, ...)
{
    static const char *names[] = {"debug", "info", "warning", "error"};
    char line[512];
    va_list ap;

    pthread_mutex_lock(&log_lock);
    if (level < log_threshold) {
        pthread_mutex_unlock(&log_lock);
        return;
    }
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (log_sink)
        log_sink(level, line, log_user);
    else
        fprintf(stderr, "grokscope: %s: %s\n", names[level < 0 || level > 3 ? 1 : level], line);
    pthread_mutex_unlock(&log_lock);
}
