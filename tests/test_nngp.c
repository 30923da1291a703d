/*
 * test_nngp.c - NNGP kernels against known values and Monte Carlo over
 * random networks.
 *
 * Monte Carlo checks pass when the closed form lies within 5 standard errors
 * of the estimate. For Gaussian errors a false failure then has probability
 * below 1e-6 per check, and the seeds are fixed, so runs are repeatable.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rng.h"
#include "nngp.h"


static double dot(const double *a, const double *b, int d)
{
    double s = 0.0;
    for (int i = 0; i < d; i++)
        s += a[i] * b[i];
    return s;
}

static nngp_kernel make_kernel(nngp_activation act, int layers, double sw2, double sa2,
                               double sb2)
{
    nngp_kernel k;
    char err[256];
    int rc = nngp_init(&k, act, layers, sw2, sa2, sb2, err, sizeof err);
    assert_int_equal(rc, 0);
    return k;
}

static void erf_unit_norm_diagonal(void **state)
{
    (void)state;
    int d = 7;
    nngp_kernel k = make_kernel(NNGP_ERF, 1, 1.0, 1.0, 0.0);
    double value = nngp_eval(&k, d, d, d, d);
    /* (2/pi) asin(2/3), given to 5 decimals. */
    assert_true(fabs(value - 0.46456) < 5e-6);
    assert_true(fabs(value - (2.0 / M_PI) * asin(2.0 / 3.0)) < 1e-14);
}

static void relu_unit_norm_diagonal(void **state)
{
    (void)state;
    int d = 12;
    nngp_kernel k = make_kernel(NNGP_RELU, 1, 1.0, 1.0, 0.0);
    assert_true(fabs(nngp_eval(&k, d, d, d, d) - 0.5) < 1e-14);
}

static void linear_equals_scaled_inner_product(void **state)
{
    (void)state;
    nngp_kernel k = make_kernel(NNGP_LINEAR, 1, 1.7, 0.6, 0.3);
    double expected = 0.6 * (1.7 * 2.5 / 4 + 0.3);
    assert_true(fabs(nngp_eval(&k, 3.0, 2.5, 5.0, 4) - expected) < 1e-14);
}

/* Monte Carlo of sigma_a2 E[phi(w.x + b) phi(w.x' + b)] over the prior. */
static void compare_with_monte_carlo(nngp_activation act, double sw2, double sa2, double sb2,
                                     uint64_t seed)
{
    enum { D = 4, SAMPLES = 200000 };
    double x[D] = {0.9, -0.4, 1.2, 0.3};
    double xp[D] = {0.5, 0.8, -0.7, 1.1};
    nngp_kernel k = make_kernel(act, 1, sw2, sa2, sb2);
    gs_rng rng;
    gs_rng_seed(&rng, seed);

    double pairs[3][2] = {{0, 0}, {0, 1}, {1, 1}}; /* (x,x), (x,x'), (x',x') */
    double sum[3] = {0}, square[3] = {0};
    for (int s = 0; s < SAMPLES; s++) {
        double w[D];
        for (int i = 0; i < D; i++)
            w[i] = sqrt(sw2 / D) * gs_rng_normal(&rng);
        double b = sqrt(sb2) * gs_rng_normal(&rng);
        double phi[2] = {nngp_activation_apply(act, dot(w, x, D) + b),
                         nngp_activation_apply(act, dot(w, xp, D) + b)};
        for (int p = 0; p < 3; p++) {
            double v = sa2 * phi[(int)pairs[p][0]] * phi[(int)pairs[p][1]];
            sum[p] += v;
            square[p] += v * v;
        }
    }
    const double *in[2] = {x, xp};
    for (int p = 0; p < 3; p++) {
        const double *a = in[(int)pairs[p][0]], *c = in[(int)pairs[p][1]];
        double mean = sum[p] / SAMPLES;
        double se = sqrt((square[p] / SAMPLES - mean * mean) / SAMPLES);
        double exact = nngp_eval(&k, dot(a, a, D), dot(a, c, D), dot(c, c, D), D);
        if (fabs(exact - mean) > 5.0 * se + 1e-12)
            fail_msg("%s pair %d: closed form %.8f, Monte Carlo %.8f +- %.2g",
                     nngp_activation_name(act), p, exact, mean, se);
    }
}

static void every_kernel_matches_monte_carlo(void **state)
{
    (void)state;
    for (int a = 0; a < NNGP_ACTIVATION_COUNT; a++) {
        compare_with_monte_carlo((nngp_activation)a, 1.3, 0.8, 0.0, 11 + a);
        compare_with_monte_carlo((nngp_activation)a, 0.9, 1.1, 0.4, 101 + a);
    }
}

/* Monte Carlo over the first hidden layer of a net with two hidden layers.
 * Each draw samples N1 first-layer units and forms the second layer's
 * preactivation covariance sigma_w2 (1/N1) sum_j phi_j(x) phi_j(x') + sigma_b2,
 * which is exact for an infinitely wide second layer. The readout then uses
 * the single-layer expectation, checked against Monte Carlo above. Finite N1
 * biases the average by O(1/N1). */
static void compare_deep_with_monte_carlo(nngp_activation act, uint64_t seed)
{
    enum { D = 3, N1 = 1000, NETS = 400 };
    double sw2 = 2.5, sa2 = 0.7, sb2 = 0.3;
    double x[2][D] = {{1.0, -0.6, 0.8}, {0.3, 1.1, -0.9}};
    nngp_kernel deep = make_kernel(act, 2, sw2, sa2, sb2);
    nngp_kernel shallow = make_kernel(act, 1, sw2, sa2, sb2);
    gs_rng rng;
    gs_rng_seed(&rng, seed);

    double sum[3] = {0}, square[3] = {0};
    for (int net = 0; net < NETS; net++) {
        double acc[3] = {0};
        for (int j = 0; j < N1; j++) {
            double w[D];
            for (int i = 0; i < D; i++)
                w[i] = sqrt(sw2 / D) * gs_rng_normal(&rng);
            double b = sqrt(sb2) * gs_rng_normal(&rng);
            double u = nngp_activation_apply(act, dot(w, x[0], D) + b);
            double v = nngp_activation_apply(act, dot(w, x[1], D) + b);
            acc[0] += u * u;
            acc[1] += u * v;
            acc[2] += v * v;
        }
        double q1 = sw2 * acc[0] / N1 + sb2, c = sw2 * acc[1] / N1 + sb2;
        double q2 = sw2 * acc[2] / N1 + sb2;
        double est[3] = {sa2 * nngp_expectation(&deep, q1, q1, q1),
                         sa2 * nngp_expectation(&deep, q1, c, q2),
                         sa2 * nngp_expectation(&deep, q2, q2, q2)};
        for (int p = 0; p < 3; p++) {
            sum[p] += est[p];
            square[p] += est[p] * est[p];
        }
    }
    int first[3] = {0, 0, 1}, second[3] = {0, 1, 1};
    for (int p = 0; p < 3; p++) {
        const double *a = x[first[p]], *c = x[second[p]];
        double mean = sum[p] / NETS;
        double se = sqrt((square[p] / NETS - mean * mean) / (NETS - 1));
        double exact = nngp_eval(&deep, dot(a, a, D), dot(a, c, D), dot(c, c, D), D);
        double one_layer = nngp_eval(&shallow, dot(a, a, D), dot(a, c, D), dot(c, c, D), D);
        double tolerance = 5.0 * se + 3.0 * fabs(exact) / N1;
        if (fabs(exact - mean) > tolerance)
            fail_msg("%s depth 2 pair %d: recursion %.6f, Monte Carlo %.6f +- %.2g",
                     nngp_activation_name(act), p, exact, mean, se);
        /* The check must be able to tell one hidden layer from two. */
        assert_true(fabs(one_layer - mean) > tolerance);
    }
}

/* Fully sampled net with two hidden layers of width WIDTH and ReLU units:
 * the average over nets of sigma_a2 (1/WIDTH) sum_k phi(h2_k(x)) phi(h2_k(x'))
 * is the kernel of the finite net, which differs from the recursion by
 * O(1/WIDTH). The bias makes depth change K(x,x) by about 40% here, far
 * beyond the tolerance. */
static void relu_sampled_net_matches_recursion(void **state)
{
    (void)state;
    enum { D = 3, WIDTH = 300, NETS = 100 };
    double sw2 = 2.5, sa2 = 0.7, sb2 = 0.3;
    double x[2][D] = {{1.0, -0.6, 0.8}, {0.3, 1.1, -0.9}};
    static double h1[2][WIDTH], w2[WIDTH];
    nngp_kernel deep = make_kernel(NNGP_RELU, 2, sw2, sa2, sb2);
    nngp_kernel shallow = make_kernel(NNGP_RELU, 1, sw2, sa2, sb2);
    gs_rng rng;
    gs_rng_seed(&rng, 31);

    double sum[3] = {0}, square[3] = {0};
    for (int net = 0; net < NETS; net++) {
        for (int j = 0; j < WIDTH; j++) {
            double w[D];
            for (int i = 0; i < D; i++)
                w[i] = sqrt(sw2 / D) * gs_rng_normal(&rng);
            double b = sqrt(sb2) * gs_rng_normal(&rng);
            for (int p = 0; p < 2; p++)
                h1[p][j] = nngp_activation_apply(NNGP_RELU, dot(w, x[p], D) + b);
        }
        double acc[3] = {0};
        for (int k = 0; k < WIDTH; k++) {
            for (int j = 0; j < WIDTH; j++)
                w2[j] = sqrt(sw2 / WIDTH) * gs_rng_normal(&rng);
            double b = sqrt(sb2) * gs_rng_normal(&rng);
            double u = nngp_activation_apply(NNGP_RELU, dot(w2, h1[0], WIDTH) + b);
            double v = nngp_activation_apply(NNGP_RELU, dot(w2, h1[1], WIDTH) + b);
            acc[0] += u * u;
            acc[1] += u * v;
            acc[2] += v * v;
        }
        for (int p = 0; p < 3; p++) {
            double est = sa2 * acc[p] / WIDTH;
            sum[p] += est;
            square[p] += est * est;
        }
    }
    int first[3] = {0, 0, 1}, second[3] = {0, 1, 1};
    for (int p = 0; p < 3; p++) {
        const double *a = x[first[p]], *c = x[second[p]];
        double mean = sum[p] / NETS;
        double se = sqrt((square[p] / NETS - mean * mean) / (NETS - 1));
        double exact = nngp_eval(&deep, dot(a, a, D), dot(a, c, D), dot(c, c, D), D);
        double one_layer = nngp_eval(&shallow, dot(a, a, D), dot(a, c, D), dot(c, c, D), D);
        double tolerance = 5.0 * se + 3.0 * fabs(exact) / WIDTH;
        if (fabs(exact - mean) > tolerance)
            fail_msg("sampled ReLU net pair %d: recursion %.6f, Monte Carlo %.6f +- %.2g", p,
                     exact, mean, se);
        assert_true(fabs(one_layer - mean) > tolerance);
    }
}

static void deep_recursion_matches_monte_carlo(void **state)
{
    (void)state;
    compare_deep_with_monte_carlo(NNGP_RELU, 7);
    compare_deep_with_monte_carlo(NNGP_ERF, 8);
    compare_deep_with_monte_carlo(NNGP_TANH, 9);
}

/* E[tanh(u) tanh(v)] by a tensor trapezoid rule with step 0.02 on |z| <= 9,
 * 4 to 14 times finer than the library's step for the cases below. The error
 * of such a rule falls exponentially with 1/step. */
static double tanh_fine_reference(double q1, double c, double q2)
{
    double step = 0.02, s1 = sqrt(q1), slope = c / s1, s2 = sqrt(q2 - c * c / q1);
    int half = (int)(9.0 / step);
    double sum = 0.0;
    for (int i = -half; i <= half; i++) {
        double z1 = i * step;
        double outer = exp(-0.5 * z1 * z1) * tanh(s1 * z1);
        double inner = 0.0;
        for (int j = -half; j <= half; j++) {
            double z2 = j * step;
            inner += exp(-0.5 * z2 * z2) * tanh(slope * z1 + s2 * z2);
        }
        sum += outer * inner;
    }
    return sum * step * step / (2.0 * M_PI);
}

static void tanh_matches_fine_quadrature(void **state)
{
    (void)state;
    nngp_kernel k = make_kernel(NNGP_TANH, 1, 1.0, 1.0, 0.0);
    double cases[][3] = {{1.0, 0.6, 1.5}, {4.0, -2.0, 4.0}, {16.0, 10.0, 16.0}, {0.3, 0.1, 9.0}};
    for (int i = 0; i < 4; i++) {
        double q1 = cases[i][0], c = cases[i][1], q2 = cases[i][2];
        double got = nngp_expectation(&k, q1, c, q2);
        double want = tanh_fine_reference(q1, c, q2);
        if (!(fabs(got - want) < 1e-9))
            fail_msg("tanh (%g, %g, %g): %.15f, fine rule %.15f", q1, c, q2, got, want);
        /* Swapping the inputs must give the same value. */
        assert_true(got == nngp_expectation(&k, q2, c, q1));
    }
    /* The diagonal, against the 2-D rule at full correlation. */
    double diag = nngp_expectation(&k, 2.0, 2.0, 2.0);
    double want = tanh_fine_reference(2.0, 2.0 * (1.0 - 1e-12), 2.0);
    if (!(fabs(diag - want) < 1e-9))
        fail_msg("tanh diagonal at q = 2: %.15f, fine rule %.15f", diag, want);
}

static void gram_matches_scalar_kernel(void **state)
{
    (void)state;
    enum { N = 5, M = 3, D = 4 };
    float x[N * D], x2[M * D];
    gs_rng rng;
    gs_rng_seed(&rng, 5);
    for (int i = 0; i < N * D; i++)
        x[i] = (float)gs_rng_normal(&rng);
    for (int i = 0; i < M * D; i++)
        x2[i] = (float)gs_rng_normal(&rng);
    for (int a = 0; a < NNGP_ACTIVATION_COUNT; a++) {
        nngp_kernel k = make_kernel((nngp_activation)a, 2, 1.2, 0.9, 0.1);
        double gram[N * N], cross[N * M], diag[N];
        char err[256];
        assert_int_equal(nngp_gram(&k, x, N, x, N, D, NULL, gram, err, sizeof err), 0);
        assert_int_equal(nngp_gram(&k, x, N, x2, M, D, NULL, cross, err, sizeof err), 0);
        nngp_gram_diag(&k, x, N, D, diag);
        for (int i = 0; i < N; i++) {
            double xi[D], xj[D];
            for (int c = 0; c < D; c++)
                xi[c] = x[i * D + c];
            assert_true(fabs(diag[i] - gram[i * N + i]) < 1e-12 * (1 + fabs(diag[i])));
            for (int j = 0; j < N; j++) {
                for (int c = 0; c < D; c++)
                    xj[c] = x[j * D + c];
                double v = nngp_eval(&k, dot(xi, xi, D), dot(xi, xj, D), dot(xj, xj, D), D);
                if (!(fabs(gram[i * N + j] - v) < 1e-12 * (1 + fabs(v))))
                    fail_msg("%s gram (%d,%d): %.17g vs scalar %.17g", nngp_activation_name(k.activation), i, j, gram[i * N + j], v);
            }
            for (int j = 0; j < M; j++) {
                for (int c = 0; c < D; c++)
                    xj[c] = x2[j * D + c];
                double v = nngp_eval(&k, dot(xi, xi, D), dot(xi, xj, D), dot(xj, xj, D), D);
                assert_true(fabs(cross[i * M + j] - v) < 1e-12 * (1 + fabs(v)));
            }
        }
    }
}

static void gram_stops_when_cancelled(void **state)
{
    (void)state;
    float x[4 * 2] = {1, 0, 0, 1, 1, 1, -1, 0};
    double gram[16];
    char err[256] = "";
    atomic_int cancel = 1;
    nngp_kernel k = make_kernel(NNGP_ERF, 1, 1.0, 1.0, 0.0);
    assert_int_equal(nngp_gram(&k, x, 4, x, 4, 2, &cancel, gram, err, sizeof err), -1);
    assert_non_null(strstr(err, "cancelled"));
    atomic_store(&cancel, 0);
    assert_int_equal(nngp_gram(&k, x, 4, x, 4, 2, &cancel, gram, err, sizeof err), 0);
}

static void invalid_settings_are_rejected(void **state)
{
    (void)state;
    nngp_kernel k;
    nngp_activation act;
    char err[256];
    assert_int_equal(nngp_init(&k, NNGP_ERF, 0, 1, 1, 0, err, sizeof err), -1);
    assert_int_equal(nngp_init(&k, NNGP_ERF, 1, -1, 1, 0, err, sizeof err), -1);
    assert_int_equal(nngp_init(&k, NNGP_ERF, 1, 1, 1, NAN, err, sizeof err), -1);
    assert_int_equal(nngp_init(&k, (nngp_activation)9, 1, 1, 1, 0, err, sizeof err), -1);
    assert_int_equal(nngp_activation_from_code(6, &act, err, sizeof err), -1);
    assert_int_equal(nngp_activation_from_code(1.5, &act, err, sizeof err), -1);
    assert_int_equal(nngp_activation_from_code(-1, &act, err, sizeof err), -1);
    assert_int_equal(nngp_activation_from_code(3, &act, err, sizeof err), 0);
    assert_int_equal(act, NNGP_TANH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(erf_unit_norm_diagonal),
        cmocka_unit_test(relu_unit_norm_diagonal),
        cmocka_unit_test(linear_equals_scaled_inner_product),
        cmocka_unit_test(every_kernel_matches_monte_carlo),
        cmocka_unit_test(deep_recursion_matches_monte_carlo),
        cmocka_unit_test(relu_sampled_net_matches_recursion),
        cmocka_unit_test(tanh_matches_fine_quadrature),
        cmocka_unit_test(gram_matches_scalar_kernel),
        cmocka_unit_test(gram_stops_when_cancelled),
        cmocka_unit_test(invalid_settings_are_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
