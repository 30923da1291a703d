/*
 * log.h - engine logging through a callback the host replaces.
 *
 * The engine never prints. It calls gs_log(), which formats only when the level
 * passes the current threshold and hands the line to the installed sink: the
 * screen shows it in its log panel, tests and headless runs print it to stderr,
 * --log FILE appends it to a file. Any thread may call gs_log; the sink is called
 * under a mutex so lines never interleave.
 */
#ifndef GS_LOG_H
#define GS_LOG_H

typedef enum { GS_LOG_DEBUG = 0, GS_LOG_INFO = 1, GS_LOG_WARN = 2, GS_LOG_ERROR = 3 } gs_log_level;

typedef void (*gs_log_sink)(int level, const char *line, void *user);

/* Install a sink (NULL restores the default: stderr). */
void gs_log_set_sink(gs_log_sink sink, void *user);
void gs_log_set_level(int level);
void gs_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
