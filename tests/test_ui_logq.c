/*
 * test_ui_logq.c - the screen's log queue: order, repeat counting, the bound,
 * concurrent producers, and the gs_log sink.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "log.h"
#include "logq.h"

static void logq_keeps_order(void **state)
{
    logq q;
    logq_line line;
    assert_int_equal(logq_init(&q), 0);
    logq_push(&q, GS_LOG_INFO, "first");
    logq_push(&q, GS_LOG_WARN, "second");
    assert_int_equal(logq_pop(&q, &line), 1);
    assert_string_equal(line.text, "first");
    assert_int_equal(line.level, GS_LOG_INFO);
    assert_int_equal(logq_pop(&q, &line), 1);
    assert_string_equal(line.text, "second");
    assert_int_equal(line.level, GS_LOG_WARN);
    assert_int_equal(logq_pop(&q, &line), 0);
    logq_destroy(&q);
}

static void logq_counts_repeats(void **state)
{
    logq q;
    logq_line line;
    assert_int_equal(logq_init(&q), 0);
    for (int i = 0; i < 1000; i++)
        logq_push(&q, GS_LOG_WARN, "theory solver did not converge");
    logq_push(&q, GS_LOG_INFO, "other");
    assert_int_equal(logq_pop(&q, &line), 1);
    assert_int_equal(line.repeats, 1000);
    assert_int_equal(logq_pop(&q, &line), 1);
    assert_int_equal(line.repeats, 1);
    assert_int_equal(logq_pop(&q, &line), 0);
    logq_destroy(&q);
}

static void logq_drops_oldest_when_full(void **state)
{
    logq q;
    logq_line line;
    char text[32];
    assert_int_equal(logq_init(&q), 0);
    for (int i = 0; i < LOGQ_CAP + 10; i++) {
        snprintf(text, sizeof text, "line %d", i);
        logq_push(&q, GS_LOG_INFO, text);
    }
    assert_int_equal(q.dropped, 10);
    assert_int_equal(logq_pop(&q, &line), 1);
    assert_string_equal(line.text, "line 10");
    logq_destroy(&q);
}

static void *push_many(void *arg)
{
    char text[32];
    for (int i = 0; i < 2000; i++) {
        snprintf(text, sizeof text, "thread line %d", i);
        gs_log(GS_LOG_INFO, "%s", text);
    }
    return NULL;
}

/* Two threads log through gs_log while this thread drains: every line is
 * either popped or counted as dropped. */
static void logq_sink_with_threads(void **state)
{
    logq q;
    logq_line line;
    pthread_t a, b;
    long popped = 0;

    assert_int_equal(logq_init(&q), 0);
    gs_log_set_sink(logq_sink, &q);
    assert_int_equal(pthread_create(&a, NULL, push_many, NULL), 0);
    assert_int_equal(pthread_create(&b, NULL, push_many, NULL), 0);
    for (int i = 0; i < 100000; i++)
        while (logq_pop(&q, &line))
            popped += line.repeats;
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    while (logq_pop(&q, &line))
        popped += line.repeats;
    gs_log_set_sink(NULL, NULL);
    assert_int_equal(popped + (long)q.dropped, 4000);
    logq_destroy(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(logq_keeps_order),
        cmocka_unit_test(logq_counts_repeats),
        cmocka_unit_test(logq_drops_oldest_when_full),
        cmocka_unit_test(logq_sink_with_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
