/*
 * test_blas_threads.c - Debian's OpenBLAS with two callers at once.
 *
 * The trainer thread (sgemm) and the theory thread (dgemm, dpotrf) call
 * OpenBLAS concurrently. This stress test runs both patterns from two threads
 * at the same time, with one and with two OpenBLAS threads, and checks every
 * result against the value computed before the threads started: a library
 * built without locking for concurrent callers corrupts its shared buffers
 * here and the results differ.
 */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

extern void openblas_set_num_threads(int num_threads);

enum { N_ROWS = 160, N_INNER = 40, N_COLS = 120, SPD = 120, ROUNDS = 60 };

typedef struct {
    const float *a, *b;
    const float *expect_gemm;
    const double *spd, *expect_chol;
    int kind;        /* 0: sgemm, 1: dgemm + dpotrf */
    int mismatches;
} job;

static void *worker(void *arg)
{
    job *j = arg;
    float *c = malloc(sizeof(float) * N_ROWS * N_COLS);
    double *m = malloc(sizeof(double) * SPD * SPD);
    for (int r = 0; r < ROUNDS; r++) {
        if (j->kind == 0) {
            /* c (N_ROWS, N_COLS) = a (N_ROWS, N_INNER) . b^T, b (N_COLS, N_INNER). */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N_ROWS, N_COLS, N_INNER, 1.0f, j->a, N_INNER,
                        j->b, N_INNER, 0.0f, c, N_COLS);
            if (memcmp(c, j->expect_gemm, sizeof(float) * N_ROWS * N_COLS) != 0)
                j->mismatches++;
        } else {
            memcpy(m, j->spd, sizeof(double) * SPD * SPD);
            if (LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', SPD, m, SPD) != 0)
                j->mismatches++;
            for (int col = 0; col < SPD; col++)
                for (int row = col; row < SPD; row++)
                    if (m[(size_t)col * SPD + row] != j->expect_chol[(size_t)col * SPD + row]) {
                        j->mismatches++;
                        col = SPD;
                        break;
                    }
        }
    }
    free(c);
    free(m);
    return NULL;
}

static void run_concurrently(int blas_threads)
{
    openblas_set_num_threads(blas_threads);
    float *a = malloc(sizeof(float) * N_ROWS * N_INNER), *b = malloc(sizeof(float) * N_COLS * N_INNER);
    float *expect = malloc(sizeof(float) * N_ROWS * N_COLS);
    double *g = malloc(sizeof(double) * SPD * SPD), *spd = malloc(sizeof(double) * SPD * SPD);
    double *chol = malloc(sizeof(double) * SPD * SPD);
    uint64_t state = 12345;
    for (int i = 0; i < N_ROWS * N_INNER; i++) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        a[i] = (float)((double)(state >> 11) * 0x1.0p-53 - 0.5);
    }
    for (int i = 0; i < N_COLS * N_INNER; i++) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        b[i] = (float)((double)(state >> 11) * 0x1.0p-53 - 0.5);
    }
    for (int i = 0; i < SPD * SPD; i++) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        g[i] = (double)(state >> 11) * 0x1.0p-53 - 0.5;
    }
    /* spd = g g^T + SPD I, symmetric positive definite. */
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, SPD, SPD, SPD, 1.0, g, SPD, g, SPD, 0.0, spd, SPD);
    for (int i = 0; i < SPD; i++)
        spd[(size_t)i * SPD + i] += SPD;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N_ROWS, N_COLS, N_INNER, 1.0f, a, N_INNER, b, N_INNER,
                0.0f, expect, N_COLS);
    memcpy(chol, spd, sizeof(double) * SPD * SPD);
    assert_int_equal(LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', SPD, chol, SPD), 0);

    job jobs[4];
    pthread_t threads[4];
    for (int t = 0; t < 4; t++) {
        jobs[t] = (job){.a = a, .b = b, .expect_gemm = expect, .spd = spd, .expect_chol = chol, .kind = t % 2};
        assert_int_equal(pthread_create(&threads[t], NULL, worker, &jobs[t]), 0);
    }
    for (int t = 0; t < 4; t++) {
        pthread_join(threads[t], NULL);
        if (jobs[t].mismatches)
            fail_msg("with %d OpenBLAS threads, caller %d (%s) got %d wrong results in %d rounds", blas_threads, t,
                     jobs[t].kind ? "dpotrf" : "sgemm", jobs[t].mismatches, ROUNDS);
    }
    free(a);
    free(b);
    free(expect);
    free(g);
    free(spd);
    free(chol);
    openblas_set_num_threads(1);
}

static void blas_concurrent_callers_one_thread(void **state)
{
    run_concurrently(1);
}

static void blas_concurrent_callers_two_threads(void **state)
{
#ifdef __SANITIZE_THREAD__
    /* OpenBLAS's worker threads hand work over through spinning on shared flags,
     * which ThreadSanitizer cannot see in an uninstrumented library, so it reports
     * every hand-over as a race. The plain and ASan builds run this case. */
    skip();
#endif
    run_concurrently(2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(blas_concurrent_callers_one_thread),
        cmocka_unit_test(blas_concurrent_callers_two_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
