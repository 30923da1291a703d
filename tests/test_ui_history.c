/*
 * test_ui_history.c - the bounded series history: capacity, downsampling that
 * keeps extremes, and the debiased exponential moving average.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "history.h"

static void assert_close(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol)) {
        print_error("got %.17g, expected %.17g (tolerance %g)\n", got, want, tol);
        fail();
    }
}

static void history_init_rejects_bad_sizes(void **state)
{
    history h;
    assert_int_equal(history_init(&h, 1, 8), -1);
    assert_int_equal(history_init(&h, 8, 3), -1);
    assert_int_equal(history_init(&h, 8, 0), -1);
    assert_int_equal(history_init(&h, 8, 4), 0);
    history_free(&h);
}

static void history_keeps_points_below_capacity(void **state)
{
    history h;
    assert_int_equal(history_init(&h, 16, 8), 0);
    for (int i = 0; i < 10; i++)
        history_append(&h, i * 5, i * 0.5, i * i);
    assert_int_equal(history_count(&h), 10);
    for (int i = 0; i < 10; i++) {
        const history_point *p = history_at(&h, i);
        assert_non_null(p);
        assert_close(p->step, i * 5, 0);
        assert_close(p->t, i * 0.5, 0);
        assert_close(p->y, i * i, 0);
        assert_int_equal(p->count, 1);
    }
    assert_null(history_at(&h, 10));
    assert_null(history_at(&h, -1));
    assert_close(history_last(&h)->y, 81, 0);
    history_free(&h);
}

static void history_skips_non_finite_values(void **state)
{
    history h;
    assert_int_equal(history_init(&h, 8, 4), 0);
    history_append(&h, 0, 0, NAN);
    history_append(&h, 1, 0.1, 2.0);
    history_append(&h, 2, 0.2, INFINITY);
    assert_int_equal(history_count(&h), 1);
    assert_int_equal(h.total, 1);
    history_free(&h);
}

/* 100 000 samples through 16 raw slots and 8 buckets: memory stays fixed,
 * every sample is still counted once, and a single spike and a single dip
 * survive as the maximum and minimum of some bucket. */
static void history_downsample_keeps_spike(void **state)
{
    history h;
    const int n = 100000;
    assert_int_equal(history_init(&h, 16, 8), 0);
    for (int i = 0; i < n; i++) {
        double y = 1.0;
        if (i == 1234)
            y = 500.0;
        if (i == 77777)
            y = -40.0;
        history_append(&h, i, i * 0.01, y);
    }
    assert_true(history_count(&h) <= 16 + 8 + 1);

    int64_t covered = 0;
    double hi = -INFINITY, lo = INFINITY, prev_step = -1;
    for (int i = 0; i < history_count(&h); i++) {
        const history_point *p = history_at(&h, i);
        covered += p->count;
        hi = fmax(hi, p->hi);
        lo = fmin(lo, p->lo);
        assert_true(p->step > prev_step);
        prev_step = p->step;
    }
    assert_int_equal(covered, n);
    assert_close(hi, 500.0, 0);
    assert_close(lo, -40.0, 0);
    assert_close(history_last(&h)->step, n - 1, 0);
    /* Recent points stay raw. */
    assert_int_equal(history_last(&h)->count, 1);
    history_free(&h);
}

/* The spike must sit in the bucket whose step range contains its step. */
static void history_spike_in_right_bucket(void **state)
{
    history h;
    assert_int_equal(history_init(&h, 4, 4), 0);
    for (int i = 0; i < 1000; i++)
        history_append(&h, i, i, i == 300 ? 9.0 : 0.0);
    double prev_last = -1;
    int found = 0;
    for (int i = 0; i < history_count(&h); i++) {
        const history_point *p = history_at(&h, i);
        if (p->hi == 9.0) {
            assert_true(prev_last < 300);
            assert_true(p->step >= 300);
            found = 1;
        }
        prev_last = p->step;
    }
    assert_true(found);
    history_free(&h);
}

/* Equal gaps: the debiased EMA is sum b^(n-i) y_i / sum b^(n-i) with
 * b = exp(-gap / tau). */
static void history_smooth_matches_closed_form(void **state)
{
    history h;
    const double y[3] = {1.0, 3.0, 2.0};
    double out[3];
    const double b = exp(-1.0); /* gap 10, tau 10 */

    assert_int_equal(history_init(&h, 8, 4), 0);
    for (int i = 0; i < 3; i++)
        history_append(&h, 10.0 * i, i, y[i]);
    assert_int_equal(history_smooth(&h, 10.0, out, 3), 3);
    assert_close(out[0], 1.0, 1e-12);
    assert_close(out[1], (b * 1.0 + 3.0) / (b + 1.0), 1e-12);
    assert_close(out[2], (b * b * 1.0 + b * 3.0 + 2.0) / (b * b + b + 1.0), 1e-12);
    history_free(&h);
}

/* A sample after a long gap outweighs the earlier close ones: with a gap of
 * 100 steps and tau 10, the earlier samples keep weight about exp(-10). */
static void history_smooth_weighs_step_gap(void **state)
{
    history h;
    double out[3];
    assert_int_equal(history_init(&h, 8, 4), 0);
    history_append(&h, 0, 0, 0.0);
    history_append(&h, 1, 0, 0.0);
    history_append(&h, 101, 0, 1.0);
    assert_int_equal(history_smooth(&h, 10.0, out, 3), 3);
    assert_close(out[2], 1.0, 1e-4);
    assert_true(out[2] < 1.0);
    history_free(&h);
}

static void history_smooth_respects_output_size(void **state)
{
    history h;
    double out[2] = {-7, -7};
    assert_int_equal(history_init(&h, 8, 4), 0);
    for (int i = 0; i < 5; i++)
        history_append(&h, i, i, 4.0);
    assert_int_equal(history_smooth(&h, 3.0, out, 2), 2);
    assert_close(out[0], 4.0, 1e-12);
    assert_close(out[1], 4.0, 1e-12);
    history_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(history_init_rejects_bad_sizes),
        cmocka_unit_test(history_keeps_points_below_capacity),
        cmocka_unit_test(history_skips_non_finite_values),
        cmocka_unit_test(history_downsample_keeps_spike),
        cmocka_unit_test(history_spike_in_right_bucket),
        cmocka_unit_test(history_smooth_matches_closed_form),
        cmocka_unit_test(history_smooth_weighs_step_gap),
        cmocka_unit_test(history_smooth_respects_output_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
