/*
 * test_trainer.c - the trainer thread through its public API: step limits,
 * determinism, commands echoed as events, refusals, rebuilds, divergence
 * recovery and the drop-oldest ring.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "trainer.h"

static const char *preset_text =
    "[preset]\nname = small\n"
    "[model]\nactivation = erf\nlayers = 2\n"
    "[data]\ninputs = gaussian\nteacher = he3\n"
    "[params]\nd = 5\nn_test = 50\nsigma_w2 = 1\nsigma_a2 = 1\nburn_in = 200\nmetric_every = 50\ndist_every = 500\n"
    "[param T]\nvalue = 0.1\nmin = 1e-3\nmax = 10\nstep = 2\nscale = log\nkeys = [ ]\n"
    "[param h]\nvalue = 0.005\nmin = 1e-6\nmax = 1000\nstep = 2\nscale = log\nkeys = { }\n"
    "[param n]\nvalue = 40\nmin = 4\nmax = 400\nstep = 2\nscale = log\n"
    "[param N]\nvalue = 20\nmin = 2\nmax = 400\n"
    "[series train_mse]\nkind = train\n"
    "[series test_mse_avg]\n"
    "[series alignment]\nkind = alignment\n"
    "[series overlap_abs_mean]\nkind = order\n";

typedef struct {
    int scalars, events, hists;
    int64_t last_step;
    double train_mse[4096];
    gs_event event[64];
    int nevents;
} collected;

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Training threads for make(); the two-thread tests set 2 and restore 1. */
static int train_threads = 1;

static gs_trainer *make(int64_t max_steps, int paused, uint64_t seed)
{
    gs_preset p;
    char err[1024];
    assert_int_equal(gs_preset_parse(&p, preset_text, "small.ini", err, sizeof err), 0);
    gs_trainer *tr;
    gs_trainer_options opt = {.seed = seed, .max_steps = max_steps, .blas_threads = train_threads,
                              .start_paused = paused};
    if (gs_trainer_create(&tr, &p, &opt, err, sizeof err))
        fail_msg("create: %s", err);
    gs_preset_free(&p);
    gs_trainer_status st;
    gs_trainer_get_status(tr, &st);
    assert_int_equal(st.threads, train_threads);
    assert_int_equal(gs_trainer_start(tr), 0);
    return tr;
}

static void drain(gs_trainer *tr, collected *c, gs_frame *f)
{
    while (gs_trainer_poll(tr, f)) {
        if (f->kind == GS_REC_SCALARS) {
            if (c->scalars < 4096)
                c->train_mse[c->scalars] = f->u.scalars.v[0];
            c->scalars++;
            c->last_step = f->step;
        } else if (f->kind == GS_REC_EVENT) {
            if (c->nevents < 64)
                c->event[c->nevents++] = f->u.event;
            c->events++;
        } else if (f->kind == GS_REC_HISTOGRAM) {
            c->hists++;
        }
    }
}

static void run_to_end(gs_trainer *tr, collected *c)
{
    gs_frame *f = malloc(sizeof *f);
    gs_trainer_status st;
    for (int waited = 0; waited < 20000; waited += 2) {
        drain(tr, c, f);
        gs_trainer_get_status(tr, &st);
        if (st.finished)
            break;
        sleep_ms(2);
    }
    drain(tr, c, f);
    free(f);
    assert_true(st.finished);
}

/* Wait until an event of the given kind arrives; returns its index in c->event. */
static int wait_event(gs_trainer *tr, collected *c, int kind)
{
    gs_frame *f = malloc(sizeof *f);
    for (int waited = 0; waited < 10000; waited += 2) {
        drain(tr, c, f);
        for (int i = 0; i < c->nevents; i++)
            if (c->event[i].kind == kind) {
                free(f);
                return i;
            }
        sleep_ms(2);
    }
    free(f);
    fail_msg("no event of kind %d within 10 s", kind);
    return -1;
}

static void trainer_stops_at_step_limit(void **state)
{
    collected *c = calloc(1, sizeof *c);
    gs_trainer *tr = make(2000, 0, 1);
    run_to_end(tr, c);
    assert_int_equal(c->last_step, 2000);
    /* One frame every 50 steps; the last one is at the stop, so no extra frame follows. */
    assert_int_equal(c->scalars, 2000 / 50);
    assert_true(c->hists >= 4);
    assert_true(isfinite(c->train_mse[c->scalars - 1]));
    gs_trainer_status st;
    gs_trainer_get_status(tr, &st);
    assert_int_equal(st.step, 2000);
    assert_float_equal(st.t, 2000 * 0.005, 1e-9);
    gs_trainer_free(tr);
    free(c);
}

static void trainer_same_seed_same_run(void **state)
{
    collected *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b), *other = calloc(1, sizeof *other);
    gs_trainer *tr = make(1000, 0, 42);
    run_to_end(tr, a);
    gs_trainer_free(tr);
    tr = make(1000, 0, 42);
    run_to_end(tr, b);
    gs_trainer_free(tr);
    tr = make(1000, 0, 43);
    run_to_end(tr, other);
    gs_trainer_free(tr);
    assert_int_equal(a->scalars, b->scalars);
    for (int i = 0; i < a->scalars; i++)
        assert_true(a->train_mse[i] == b->train_mse[i]);
    assert_true(a->train_mse[a->scalars - 1] != other->train_mse[other->scalars - 1]);
    free(a);
    free(b);
    free(other);
}

static void trainer_set_is_echoed_and_bounded(void **state)
{
    collected *c = calloc(1, sizeof *c);
    gs_trainer *tr = make(0, 1, 1);
    gs_command set = {.kind = GS_CMD_SET, .name = "T", .value = 0.5};
    assert_int_equal(gs_trainer_command(tr, &set), 0);
    int i = wait_event(tr, c, GS_EVENT_SET);
    assert_string_equal(c->event[i].name, "T");
    assert_float_equal(c->event[i].old_value, 0.1, 1e-12);
    assert_float_equal(c->event[i].new_value, 0.5, 1e-12);
    gs_params params;
    gs_trainer_get_params(tr, &params);
    assert_float_equal(gs_params_get(&params, "T", 0), 0.5, 0);

    gs_command too_big = {.kind = GS_CMD_SET, .name = "T", .value = 50};
    assert_int_equal(gs_trainer_command(tr, &too_big), 0);
    i = wait_event(tr, c, GS_EVENT_REFUSED);
    assert_non_null(strstr(c->event[i].text, "[0.001, 10]"));
    gs_trainer_get_params(tr, &params);
    assert_float_equal(gs_params_get(&params, "T", 0), 0.5, 0);

    c->nevents = 0;
    gs_command unknown = {.kind = GS_CMD_SET, .name = "Q", .value = 1};
    gs_trainer_command(tr, &unknown);
    i = wait_event(tr, c, GS_EVENT_REFUSED);
    assert_non_null(strstr(c->event[i].text, "no parameter 'Q'"));
    gs_trainer_free(tr);
    free(c);
}

static void trainer_rebuilds_when_n_changes(void **state)
{
    collected *c = calloc(1, sizeof *c);
    gs_trainer *tr = make(0, 0, 1);
    gs_command set = {.kind = GS_CMD_SET, .name = "n", .value = 80};
    gs_trainer_command(tr, &set);
    int i = wait_event(tr, c, GS_EVENT_RESET);
    assert_non_null(strstr(c->event[i].text, "rebuilt"));
    int scalars_before = c->scalars;
    gs_frame *f = malloc(sizeof *f);
    for (int waited = 0; waited < 5000 && c->scalars < scalars_before + 3; waited += 2) {
        drain(tr, c, f);
        sleep_ms(2);
    }
    assert_true(c->scalars >= scalars_before + 3);
    assert_true(isfinite(c->train_mse[c->scalars - 1 < 4095 ? c->scalars - 1 : 4095]));
    free(f);
    gs_trainer_free(tr);
    free(c);
}

/* Keys step N by a factor; the trainer rounds to a whole width, so network and
 * theory see the same N. */
static void trainer_rounds_counts_to_whole_numbers(void **state)
{
    collected *c = calloc(1, sizeof *c);
    gs_trainer *tr = make(0, 1, 1);
    gs_command set = {.kind = GS_CMD_SET, .name = "N", .value = 30.6};
    gs_trainer_command(tr, &set);
    int i = wait_event(tr, c, GS_EVENT_SET);
    assert_float_equal(c->event[i].new_value, 31, 0);
    gs_params params;
    gs_trainer_get_params(tr, &params);
    assert_float_equal(gs_params_get(&params, "N", 0), 31, 0);
    gs_trainer_free(tr);
    free(c);
}

static void trainer_divergence_restores_and_pauses(void **state)
{
    collected *c = calloc(1, sizeof *c);
    /* Paused, so no metric frame has estimated the stable step yet and the
     * set is not rejected: the divergence itself is under test here. */
    gs_trainer *tr = make(0, 1, 1);
    gs_command set = {.kind = GS_CMD_SET, .name = "h", .value = 900};
    gs_command go = {.kind = GS_CMD_RESUME};
    gs_trainer_command(tr, &set);
    gs_trainer_command(tr, &go);
    int i = wait_event(tr, c, GS_EVENT_DIVERGED);
    assert_non_null(strstr(c->event[i].text, "restored the weights"));
    assert_non_null(strstr(c->event[i].text, "lower h (keys { and })"));
    gs_trainer_status st;
    gs_trainer_get_status(tr, &st);
    assert_int_equal(st.paused, 1);
    assert_int_equal(st.diverged, 1);

    /* Lower the step and resume: training goes on with finite values. */
    gs_command lower = {.kind = GS_CMD_SET, .name = "h", .value = 0.005};
    gs_command resume = {.kind = GS_CMD_RESUME};
    gs_trainer_command(tr, &lower);
    gs_trainer_command(tr, &resume);
    int before = c->scalars;
    gs_frame *f = malloc(sizeof *f);
    for (int waited = 0; waited < 5000 && c->scalars < before + 3; waited += 2) {
        drain(tr, c, f);
        sleep_ms(2);
    }
    assert_true(c->scalars >= before + 3);
    assert_true(isfinite(c->train_mse[(c->scalars - 1) % 4096]));
    gs_trainer_get_status(tr, &st);
    assert_int_equal(st.diverged, 0);
    free(f);
    gs_trainer_free(tr);
    free(c);
}

/* Rebuild and divergence again with the fused step on two threads: the rebuild
 * joins the helper thread and starts a new one, and the divergence check covers both lanes. */
static int use_two_threads(void **state)
{
    train_threads = 2;
    return 0;
}

static int use_one_thread(void **state)
{
    train_threads = 1;
    return 0;
}

static void trainer_rejects_step_past_stability(void **state)
{
    collected *c = calloc(1, sizeof *c);
    gs_trainer *tr = make(0, 0, 1);
    gs_frame *f = malloc(sizeof *f);
    for (int waited = 0; waited < 5000 && c->scalars < 2; waited += 2) {
        drain(tr, c, f);
        sleep_ms(2);
    }
    assert_true(c->scalars >= 2);
    gs_command set = {.kind = GS_CMD_SET, .name = "h", .value = 1000};
    gs_trainer_command(tr, &set);
    int i = wait_event(tr, c, GS_EVENT_REFUSED);
    assert_non_null(strstr(c->event[i].text, "would diverge"));
    gs_params params;
    gs_trainer_get_params(tr, &params);
    assert_float_equal(gs_params_get(&params, "h", 0), 0.005, 0);
    free(f);
    gs_trainer_free(tr);
    free(c);
}

static void trainer_ring_drops_oldest(void **state)
{
    gs_trainer *tr = make(5000, 0, 1);
    gs_command set = {.kind = GS_CMD_SET, .name = "metric_every", .value = 1};
    gs_trainer_command(tr, &set);
    gs_trainer_status st;
    for (int waited = 0; waited < 20000; waited += 5) {
        gs_trainer_get_status(tr, &st);
        if (st.finished)
            break;
        sleep_ms(5);
    }
    assert_true(st.finished);
    assert_true(st.frames_dropped > 0);
    gs_frame *f = malloc(sizeof *f);
    int count = 0;
    int64_t last = -1;
    while (gs_trainer_poll(tr, f)) {
        count++;
        assert_true(f->step >= last);
        last = f->step;
    }
    assert_true(count <= 512);
    assert_int_equal(last, 5000);
    free(f);
    gs_trainer_free(tr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(trainer_stops_at_step_limit),
        cmocka_unit_test(trainer_same_seed_same_run),
        cmocka_unit_test(trainer_set_is_echoed_and_bounded),
        cmocka_unit_test(trainer_rebuilds_when_n_changes),
        cmocka_unit_test(trainer_divergence_restores_and_pauses),
        cmocka_unit_test(trainer_rounds_counts_to_whole_numbers),
        cmocka_unit_test_setup_teardown(trainer_rebuilds_when_n_changes, use_two_threads, use_one_thread),
        cmocka_unit_test_setup_teardown(trainer_divergence_restores_and_pauses, use_two_threads, use_one_thread),
        cmocka_unit_test(trainer_rejects_step_past_stability),
        cmocka_unit_test(trainer_ring_drops_oldest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
