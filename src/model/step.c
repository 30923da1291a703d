/*
 * step.c - the fused two-lane Langevin step; see include/step.h.
 *
 * Letters: n samples, d inputs, N hidden units, c outputs, B rows per block.
 * Shapes, row-major: x (n, d), y (n, c), W1 (N, d), b1 (N), A (c, N); a lane's
 * block buffers pre, act, dact are (B, N).
 *
 * Hand-off between the two threads, per step g (a counter):
 *
 *   caller (lane 0)                      helper (lane 1)
 *   writes the job, posts go = g   --->  waits for go == g
 *   forward/backward of lane 0           forward/backward of lane 1
 *   waits for pass_done == g      <---   posts pass_done = g
 *   decides whether to update,
 *   posts update_go = g           --->   waits for update_go == g
 *   update of lane 0                     update of lane 1
 *   waits for update_done == g    <---   posts update_done = g
 *
 * Each post is a sequentially consistent store, so everything written before
 * it is visible after the matching wait. A waiter spins briefly, which covers
 * the hand-offs inside a step, then yields, then sleeps on a condition
 * variable. So a helper waiting while the caller computes metrics, or while
 * training is paused, does not hold a core.
 */
#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

#include "langevin.h"
#include "step.h"

enum {
    LANES = 2,
    SPINS = 4000,        /* pause instructions before yielding (roughly 10-40 us) */
    YIELDS = 200,        /* sched_yield calls before sleeping */
    BLOCK_FLOATS = 1 << 19   /* target B * N: three (B, N) buffers fill about 6 MB */
};

typedef struct {
    int row_lo, row_hi;                /* its samples */
    size_t lo[2 * GS_MAX_LAYERS];      /* its entries of each tensor */
    size_t hi[2 * GS_MAX_LAYERS];
    float *pre, *act, *dact;           /* (B, N) block buffers; pre becomes delta */
    float *grad;                       /* nparams: lane 0 uses m->grads */
    double *sextic_work;               /* 4 P doubles, or NULL */
    gs_rng rng;
    double loss;
    double norm[2 * GS_MAX_LAYERS];
} lane;

struct gs_stepper {
    gs_model *m;
    const float *x, *y;
    int n, block, threads;
    lane lanes[LANES];
    float *noise, *scratch;            /* nparams each; lanes write disjoint ranges */

    /* The job: written by the caller before posting go (and update_go for
     * do_update), read by both lanes after the matching wait. */
    double h, T;
    const gs_step_sextic *sextic;
    float *out, *resid;
    int do_update;

    /* Hand-off. The counters are written by one side each (see the top of the
     * file); lock and wake serve only waiters that went to sleep. */
    pthread_t helper;
    int helper_started;
    atomic_uint go, pass_done, update_go, update_done;
    atomic_int quit, sleepers;
    unsigned generation;               /* caller only */
    pthread_mutex_t lock;
    pthread_cond_t wake;
};

int gs_stepper_supports(const gs_model *m)
{
    return m->layers == 2 && m->width > 0;
}

int gs_stepper_threads(const gs_stepper *s)
{
    return s->threads;
}

/* ---- hand-off ---------------------------------------------------------------- */

static void post(gs_stepper *s, atomic_uint *counter, unsigned value)
{
    atomic_store(counter, value);
    if (atomic_load(&s->sleepers) > 0) {
        pthread_mutex_lock(&s->lock);
        pthread_cond_broadcast(&s->wake);
        pthread_mutex_unlock(&s->lock);
    }
}

static void wait_for(gs_stepper *s, atomic_uint *counter, unsigned value)
{
    for (int i = 0; i < SPINS; i++) {
        if (atomic_load(counter) == value)
            return;
        cpu_relax();
    }
    for (int i = 0; i < YIELDS; i++) {
        if (atomic_load(counter) == value)
            return;
        sched_yield();
    }
    atomic_fetch_add(&s->sleepers, 1);
    pthread_mutex_lock(&s->lock);
    while (atomic_load(counter) != value)
        pthread_cond_wait(&s->wake, &s->lock);
    pthread_mutex_unlock(&s->lock);
    atomic_fetch_sub(&s->sleepers, 1);
}

/* ---- the two passes of a lane ------------------------------------------------ */

/* Forward and backward over the lane's samples; the gradient goes to L->grad. */
static void lane_pass(gs_stepper *s, lane *L)
{
    const gs_model *m = s->m;
    const gs_tensor *W = &m->tensor[0];
    const gs_tensor *b = m->bias ? &m->tensor[1] : NULL;
    const gs_tensor *A = &m->tensor[m->ntensors - 1];
    const int d = m->d, N = m->width, c = m->outputs;
    float *dW = L->grad + (W->w - m->params);
    float *db = b ? L->grad + (b->w - m->params) : NULL;
    float *dA = L->grad + (A->w - m->params);
    double loss = 0;

    if (L->row_hi <= L->row_lo) {
        memset(L->grad, 0, sizeof(float) * m->nparams);
        L->loss = 0;
        return;
    }
    for (int row = L->row_lo; row < L->row_hi; row += s->block) {
        const int B = L->row_hi - row < s->block ? L->row_hi - row : s->block;
        const float beta = row == L->row_lo ? 0.0f : 1.0f;   /* the first block writes, later ones add */
        const float *x = s->x + (size_t)row * d;
        const float *y = s->y + (size_t)row * c;
        float *out = s->out + (size_t)row * c;
        float *r = s->resid + (size_t)row * c;

        /* pre (B, N) = x (B, d) . W1^T: M = B, N = N, K = d. */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, N, d, 1.0f, x, d, W->w, d, 0.0f, L->pre, N);
        if (b)
            for (int i = 0; i < B; i++)
                for (int j = 0; j < N; j++)
                    L->pre[(size_t)i * N + j] += b->w[j];
        gs_activation_apply(m->activation, L->pre, L->act, L->dact, (size_t)B * N);

        if (c == 1) {
            /* out (B) = act (B, N) . a (N). */
            cblas_sgemv(CblasRowMajor, CblasNoTrans, B, N, 1.0f, L->act, N, A->w, 1, 0.0f, out, 1);
        } else {
            /* out (B, c) = act (B, N) . A^T: M = B, N = c, K = N. */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, c, N, 1.0f, L->act, N, A->w, N, 0.0f, out, c);
        }
        for (size_t i = 0; i < (size_t)B * c; i++) {
            r[i] = out[i] - y[i];
            loss += (double)r[i] * r[i];
        }

        if (c == 1) {
            /* dA (N) += act^T (N, B) . r (B). */
            cblas_sgemv(CblasRowMajor, CblasTrans, B, N, 1.0f, L->act, N, r, 1, beta, dA, 1);
            /* delta (B, N) = r a^T * phi'(pre), into pre. */
            gs_delta_rank1(r, A->w, L->dact, L->pre, B, N);
        } else {
            /* dA (c, N) += r^T (c, B) . act (B, N): M = c, N = N, K = B. */
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, c, N, B, 1.0f, r, c, L->act, N, beta, dA, N);
            /* delta (B, N) = r (B, c) . A (c, N): M = B, N = N, K = c; then * phi'(pre). */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, N, c, 1.0f, r, c, A->w, N, 0.0f, L->pre, N);
            gs_multiply_inplace(L->pre, L->dact, (size_t)B * N);
        }
        /* dW1 (N, d) += delta^T (N, B) . x (B, d): M = N, N = d, K = B. */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, N, d, B, 1.0f, L->pre, N, x, d, beta, dW, d);
        if (db) {
            if (beta == 0.0f)
                memset(db, 0, sizeof(float) * N);
            for (int i = 0; i < B; i++)
                for (int j = 0; j < N; j++)
                    db[j] += L->pre[(size_t)i * N + j];
        }
    }
    L->loss = 0.5 * loss;
}

/* Sum the lanes' gradients over this lane's entries, add the sextic term,
 * draw the noise and update. */
static void lane_update(gs_stepper *s, lane *L)
{
    gs_model *m = s->m;
    const float *other = s->lanes[1].grad;
    for (int t = 0; t < m->ntensors; t++) {
        gs_tensor *tensor = &m->tensor[t];
        size_t base = (size_t)(tensor->w - m->params);
        size_t lo = base + L->lo[t], count = L->hi[t] - L->lo[t];
        if (count == 0) {
            L->norm[t] = 0;
            continue;
        }
        for (size_t i = lo; i < lo + count; i++)
            m->grads[i] += other[i];
        if (t == 0 && s->sextic && L->sextic_work) {
            /* Each lane's part of W1 is whole rows (see plan_lanes). */
            const gs_step_sextic *sx = s->sextic;
            gs_sextic_fourier(tensor->w + L->lo[0], tensor->dw + L->lo[0], (int)(count / (size_t)tensor->cols),
                              sx->P, sx->gamma, sx->scale, sx->cos_table, sx->sin_table, L->sextic_work);
        }
        gs_rng_normal_fill(&L->rng, s->noise + lo, s->scratch + lo, count);
        L->norm[t] = gs_langevin_update(m->params + lo, m->grads + lo, s->noise + lo, count,
                                        gs_langevin_coefficients(tensor->prior_var, s->h, s->T));
    }
}

static void *helper_main(void *arg)
{
    gs_stepper *s = arg;
    lane *L = &s->lanes[1];
    for (unsigned g = 1;; g++) {
        wait_for(s, &s->go, g);
        if (atomic_load(&s->quit))
            break;
        lane_pass(s, L);
        post(s, &s->pass_done, g);
        wait_for(s, &s->update_go, g);
        if (s->do_update)
            lane_update(s, L);
        post(s, &s->update_done, g);
    }
    return NULL;
}

/* ---- set-up -------------------------------------------------------------------- */

/* Lane 0 takes the first half of the samples and of each tensor, the rest goes
 * to lane 1. Tensors split by whole rows, or by entries when they have one row.
 * W1 always splits by rows because the sextic term works on whole rows, so a
 * one-row W1 goes to lane 1 whole. */
static void plan_lanes(gs_stepper *s)
{
    const gs_model *m = s->m;
    int half = s->n / 2;
    s->lanes[0].row_lo = 0;
    s->lanes[0].row_hi = half;
    s->lanes[1].row_lo = half;
    s->lanes[1].row_hi = s->n;
    for (int t = 0; t < m->ntensors; t++) {
        const gs_tensor *tensor = &m->tensor[t];
        size_t count = (size_t)tensor->rows * tensor->cols;
        size_t split = tensor->rows > 1 || t == 0 ? (size_t)(tensor->rows / 2) * tensor->cols : count / 2;
        s->lanes[0].lo[t] = 0;
        s->lanes[0].hi[t] = split;
        s->lanes[1].lo[t] = split;
        s->lanes[1].hi[t] = count;
    }
}

gs_stepper *gs_stepper_create(gs_model *m, const float *x, const float *y, int n, int threads, gs_rng *seeds,
                              int sextic_P, char *err, size_t errlen)
{
    if (!gs_stepper_supports(m)) {
        snprintf(err, errlen, "the fused step needs one hidden layer; this model has %d trainable layers",
                 m->layers);
        return NULL;
    }
    if (threads < 1 || threads > LANES || n < 1) {
        snprintf(err, errlen, "the fused step runs on 1 or 2 threads over at least one sample (threads = %d, n = %d)",
                 threads, n);
        return NULL;
    }
    gs_stepper *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory for the training step");
        return NULL;
    }
    s->m = m;
    s->x = x;
    s->y = y;
    s->n = n;
    s->threads = threads;
    int rows = (n + 1) / 2;
    s->block = BLOCK_FLOATS / m->width;
    if (s->block < 8)
        s->block = 8;
    if (s->block > rows)
        s->block = rows;
    plan_lanes(s);

    int ok = 1;
    size_t block = (size_t)s->block * m->width;
    for (int l = 0; l < LANES; l++) {
        lane *L = &s->lanes[l];
        L->pre = malloc(sizeof(float) * block);
        L->act = malloc(sizeof(float) * block);
        L->dact = malloc(sizeof(float) * block);
        L->grad = l == 0 ? m->grads : malloc(sizeof(float) * m->nparams);
        L->sextic_work = sextic_P > 0 ? malloc(sizeof(double) * 4 * (size_t)sextic_P) : NULL;
        gs_rng_seed(&L->rng, gs_rng_next(seeds));
        ok = ok && L->pre && L->act && L->dact && L->grad && (sextic_P <= 0 || L->sextic_work);
    }
    s->noise = malloc(sizeof(float) * m->nparams);
    s->scratch = malloc(sizeof(float) * m->nparams);
    ok = ok && s->noise && s->scratch;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    if (ok && threads == 2) {
        ok = pthread_create(&s->helper, NULL, helper_main, s) == 0;
        s->helper_started = ok;
    }
    if (!ok) {
        gs_stepper_free(s);
        snprintf(err, errlen, "out of memory or threads for the training step (n = %d, N = %d)", n, m->width);
        return NULL;
    }
    return s;
}

void gs_stepper_free(gs_stepper *s)
{
    if (!s)
        return;
    if (s->helper_started) {
        atomic_store(&s->quit, 1);
        post(s, &s->go, s->generation + 1);
        pthread_join(s->helper, NULL);
    }
    for (int l = 0; l < LANES; l++) {
        lane *L = &s->lanes[l];
        free(L->pre);
        free(L->act);
        free(L->dact);
        if (l > 0)
            free(L->grad);
        free(L->sextic_work);
    }
    free(s->noise);
    free(s->scratch);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->wake);
    free(s);
}

/* ---- the step ------------------------------------------------------------------ */

int gs_stepper_step(gs_stepper *s, double h, double T, double loss_max, const gs_step_sextic *sextic,
                    float *out, float *resid, double *loss, double *sq_norm)
{
    gs_model *m = s->m;
    s->h = h;
    s->T = T;
    s->sextic = sextic;
    s->out = out;
    s->resid = resid;

    if (s->threads == 2) {
        unsigned g = ++s->generation;
        post(s, &s->go, g);
        lane_pass(s, &s->lanes[0]);
        wait_for(s, &s->pass_done, g);
    } else {
        lane_pass(s, &s->lanes[0]);
        lane_pass(s, &s->lanes[1]);
    }
    double total = s->lanes[0].loss + s->lanes[1].loss;
    *loss = total;
    s->do_update = isfinite(total) && !(total > loss_max);

    if (s->threads == 2) {
        unsigned g = s->generation;
        post(s, &s->update_go, g);
        if (s->do_update)
            lane_update(s, &s->lanes[0]);
        wait_for(s, &s->update_done, g);
    } else if (s->do_update) {
        lane_update(s, &s->lanes[0]);
        lane_update(s, &s->lanes[1]);
    }
    if (!s->do_update)
        return GS_STEP_BAD_LOSS;

    int finite = 1;
    for (int t = 0; t < m->ntensors; t++) {
        double norm = (double)s->lanes[0].norm[t] + s->lanes[1].norm[t];
        finite = finite && isfinite(norm);
        if (sq_norm)
            sq_norm[t] = norm;
    }
    return finite ? GS_STEP_OK : GS_STEP_BAD_PARAMS;
}
