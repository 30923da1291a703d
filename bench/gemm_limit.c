/*
 * gemm_limit.c - time the matrix products of one Langevin step of a two-layer
 * network with OpenBLAS on one thread, as a bound on the steps per second
 * that any float32 implementation can reach.
 *
 * Network f(x) = sum_i a_i phi(w_i . x). Letters: n training points, d input
 * dimension, N hidden units. Shapes: x (n, d), w (N, d), z and g (n, N),
 * a (N), residual r (n). One step needs
 *   forward         z = x w^T                 sgemm (n, d) x (d, N)
 *   weight gradient dw = g^T x                sgemm (N, n) x (n, d)
 *   readout         f = phi(z) a              sgemv (n, N) x (N)
 *   readout grad    da = phi(z)^T r           sgemv (N, n) x (n)
 * and nothing else is timed: no activation, noise or update.
 *
 * Usage: gemm_limit [--threads T] [d N n]...   (default: one thread, the four benchmark sizes)
 * Prints one JSON line per size with the median time of each product in
 * microseconds and "steps_per_s", the inverse of their sum.
 *
 * Build (bench/run.sh does this):
 *   cc -O2 $(pkg-config --cflags openblas) bench/gemm_limit.c -o gemm_limit -lopenblas
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

/* Time of one batch of calls, and batches per product whose median we keep. */
#define BATCH_SECONDS 0.02
#define BATCHES 7

enum { FORWARD, WEIGHT_GRAD, READOUT, READOUT_GRAD, PRODUCTS };
static const char *const product_names[PRODUCTS] = { "forward_us", "grad_w_us", "readout_us",
                                                     "readout_grad_us" };

typedef struct step_buffers {
    int n, d, N;
    float *x, *w, *z, *g, *dw, *a, *f, *r, *da;
} step_buffers;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Fill with values uniform in [-1, 1) from a xorshift64 generator. */
static void fill_uniform(float *v, size_t count, uint64_t *state)
{
    for (size_t i = 0; i < count; i++) {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        v[i] = (float)((double)(*state >> 11) * 0x1p-52 - 1.0);
    }
}

static void run_product(step_buffers *b, int product)
{
    switch (product) {
    case FORWARD:
        /* z (n, N) = x (n, d) w^T: M = n, N = N, K = d, w transposed. */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b->n, b->N, b->d, 1.0f, b->x, b->d,
                    b->w, b->d, 0.0f, b->z, b->N);
        break;
    case WEIGHT_GRAD:
        /* dw (N, d) = g^T (N, n) x (n, d): M = N, N = d, K = n, g transposed. */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, b->N, b->d, b->n, 1.0f, b->g, b->N,
                    b->x, b->d, 0.0f, b->dw, b->d);
        break;
    case READOUT:
        cblas_sgemv(CblasRowMajor, CblasNoTrans, b->n, b->N, 1.0f, b->z, b->N, b->a, 1, 0.0f,
                    b->f, 1);
        break;
    default:
        cblas_sgemv(CblasRowMajor, CblasTrans, b->n, b->N, 1.0f, b->z, b->N, b->r, 1, 0.0f,
                    b->da, 1);
        break;
    }
}

static int compare_double(const void *p, const void *q)
{
    double x = *(const double *)p, y = *(const double *)q;
    return (x > y) - (x < y);
}

/* Median over BATCHES of the mean time of one call, in seconds. */
static double time_product(step_buffers *b, int product)
{
    double batch[BATCHES];
    long calls = 1;

    run_product(b, product);  /* warm the caches and OpenBLAS */
    for (;;) {
        double start = now_seconds();
        for (long k = 0; k < calls; k++)
            run_product(b, product);
        if (now_seconds() - start >= BATCH_SECONDS || calls > (1L << 30))
            break;
        calls *= 2;
    }
    for (int i = 0; i < BATCHES; i++) {
        double start = now_seconds();
        for (long k = 0; k < calls; k++)
            run_product(b, product);
        batch[i] = (now_seconds() - start) / (double)calls;
    }
    qsort(batch, BATCHES, sizeof batch[0], compare_double);
    return batch[BATCHES / 2];
}

static int time_size(int d, int N, int n, int threads)
{
    step_buffers b = { .n = n, .d = d, .N = N };
    size_t nd = (size_t)n * d, Nd = (size_t)N * d, nN = (size_t)n * N;
    uint64_t state = 0x9e3779b97f4a7c15u;

    b.x = malloc(nd * sizeof(float));
    b.w = malloc(Nd * sizeof(float));
    b.dw = malloc(Nd * sizeof(float));
    b.z = malloc(nN * sizeof(float));
    b.g = malloc(nN * sizeof(float));
    b.a = malloc((size_t)N * sizeof(float));
    b.da = malloc((size_t)N * sizeof(float));
    b.f = malloc((size_t)n * sizeof(float));
    b.r = malloc((size_t)n * sizeof(float));
    int ok = b.x && b.w && b.dw && b.z && b.g && b.a && b.da && b.f && b.r;
    if (ok) {
        fill_uniform(b.x, nd, &state);
        fill_uniform(b.w, Nd, &state);
        fill_uniform(b.g, nN, &state);
        fill_uniform(b.z, nN, &state);
        fill_uniform(b.a, (size_t)N, &state);
        fill_uniform(b.r, (size_t)n, &state);

        double seconds[PRODUCTS], total = 0.0;
        for (int p = 0; p < PRODUCTS; p++) {
            seconds[p] = time_product(&b, p);
            total += seconds[p];
        }
        printf("{\"d\": %d, \"N\": %d, \"n\": %d, \"threads\": %d", d, N, n, threads);
        for (int p = 0; p < PRODUCTS; p++)
            printf(", \"%s\": %.2f", product_names[p], 1e6 * seconds[p]);
        printf(", \"steps_per_s\": %.1f}\n", 1.0 / total);
        fflush(stdout);
    } else {
        fprintf(stderr, "gemm_limit: out of memory at d=%d N=%d n=%d\n", d, N, n);
    }
    free(b.x);
    free(b.w);
    free(b.dw);
    free(b.z);
    free(b.g);
    free(b.a);
    free(b.da);
    free(b.f);
    free(b.r);
    return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
    static const int sizes[4][3] = { { 20, 100, 200 }, { 50, 500, 1000 }, { 64, 1000, 1500 },
                                     { 100, 2000, 4000 } };
    int status = 0, first = 1, threads = 1;

    if (argc > 2 && strcmp(argv[1], "--threads") == 0) {
        threads = atoi(argv[2]);
        if (threads < 1 || threads > 64) {
            fprintf(stderr, "gemm_limit: --threads '%s' is invalid; give 1 to 64\n", argv[2]);
            return 2;
        }
        first = 3;
    }
    openblas_set_num_threads(threads);
    if (argc > first) {
        if ((argc - first) % 3 != 0) {
            fprintf(stderr, "usage: gemm_limit [--threads T] [d N n]...\n");
            return 2;
        }
        for (int i = first; i + 2 < argc; i += 3) {
            int d = atoi(argv[i]), N = atoi(argv[i + 1]), n = atoi(argv[i + 2]);
            if (d < 1 || N < 1 || n < 1) {
                fprintf(stderr, "gemm_limit: sizes must be positive integers, got %s %s %s\n",
                        argv[i], argv[i + 1], argv[i + 2]);
                return 2;
            }
            status |= time_size(d, N, n, threads);
        }
    } else {
        for (int i = 0; i < 4; i++)
            status |= time_size(sizes[i][0], sizes[i][1], sizes[i][2], threads);
    }
    return status ? 1 : 0;
}
