/*
 * trainer.c - the training thread: Langevin steps, metrics, frames, commands.
 *
 * Threads and ownership. gs_trainer_start spawns the trainer thread (this
 * file) and the theory thread (theory_thread.c). The caller's thread is the
 * consumer. Fields are written as follows:
 *
 *   preset, opt, series                 set before start, then read-only
 *   data, model, ws_*, lv, rng, avg_*,  trainer thread only
 *   probe buffers, theory copy
 *   params                              written by the trainer thread under
 *                                       params_lock; read by it without the lock
 *   cmd_queue, ncmd                     under cmd_lock (consumer pushes, trainer pops)
 *   status                              under status_lock (trainer writes, consumer copies)
 *   ring                                see ring.h
 *
 * Nothing in the step loop allocates: buffers are sized at build time and
 * rebuilt (between steps) only when a command changes n, N, d or the data.
 */
#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datafile.h"
#include "grokking_modular.h"
#include "langevin.h"
#include "log.h"
#include "metrics.h"
#include "model.h"
#include "ring.h"
#include "step.h"
#include "theory_thread.h"
#include "trainer.h"

#define RING_CAPACITY 512
#define CMD_CAPACITY 64
#define MAX_NAMED 64
#define MAX_TOP_EIGS 3
#define STEPPER_TWO_THREADS 2e4   /* n N from which the fused step takes two threads */

extern void openblas_set_num_threads(int num_threads);

/* Values of the network's series at one metric step, by name. */
typedef struct {
    int count;
    const char *name[MAX_NAMED];
    double value[MAX_NAMED];
} named_values;

/* Every series name the engine computes; a preset's non-theory series must be one. */
static const char *const engine_series[] = {
    "train_mse", "test_mse", "test_mse_avg", "train_mse_avg", "test_mse_sample_avg", "accuracy", "accuracy_avg",
    "alignment", "disc_gp", "disc_gp_fwc", "lin_learned", "cubic_learned", "equip_lhs", "equip_rhs",
    "norm_W1", "norm_W2", "norm_A", "cov_eig1", "cov_eig2", "cov_eig3", "overlap_abs_mean",
    "droplet_count", "fourier_share", "fourier_condensed", "learned_fraction", "mode_power", "mode_condensed", "steps_per_s", "time_since_change", NULL};

struct gs_trainer {
    gs_preset preset;
    gs_trainer_options opt;
    const gs_theory_kind *theory_kind;

    pthread_mutex_t params_lock;
    gs_params params;

    /* trainer thread state */
    gs_dataset data;
    gs_model model;
    gs_workspace ws_train, ws_test;
    gs_langevin lv;
    gs_stepper *stepper;             /* the fused step of one-hidden-layer nets, or NULL */
    gs_rng rng;
    float *snapshot;                 /* last good parameters */
    int64_t snapshot_step;
    double sq_norm[2 * GS_MAX_LAYERS];
    double *avg_test, *avg_train;    /* running sums of outputs */
    long avg_count;
    double sample_mse_sum, equip_lhs_sum, equip_rhs_sum, mode_power_sum;
    int64_t avg_start;               /* first step that enters the averages */
    int64_t last_change_step;
    double *kernel, *kernel_scratch; /* probe (m, m) */
    int probe;
    double *overlaps;                /* (N) */
    double *eig_work;
    double *dft_cos, *dft_sin, *dft_work; /* (P, P) tables for the sextic term, or NULL */
    double cov_eigs[MAX_TOP_EIGS];
    int have_eigs;
    double initial_loss;
    int64_t step;
    double t;                        /* t_base + (step - step_base) * h, so h may change */
    double t_base;
    int64_t step_base;
    int64_t last_frame_step;         /* step and theory result of the last scalar frame */
    uint64_t last_frame_theory;
    double trace_ratio;              /* h * trace(preconditioned Gram) / T, last estimate */
    gs_theory_output *theory;        /* the trainer's copy of the latest result */
    uint64_t theory_seen;
    int theory_valid;
    struct timespec started_at;
    double rate_wall;
    int64_t rate_step;
    double steps_per_s;
    int paused, diverged;
    int threads;                     /* set by set_up_threads */

    pthread_t thread;
    int started;
    atomic_int stop;
    gs_ring ring;

    pthread_mutex_t cmd_lock;
    pthread_cond_t cmd_wake;
    gs_command cmd_queue[CMD_CAPACITY];
    int ncmd;

    pthread_mutex_t status_lock;
    gs_trainer_status status;

    gs_theory_thread theory_thread;
    int has_theory;
};

static double wall_seconds(const gs_trainer *tr)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - tr->started_at.tv_sec) + 1e-9 * (double)(now.tv_nsec - tr->started_at.tv_nsec);
}

static double param(const gs_trainer *tr, const char *name, double fallback)
{
    return gs_params_get(&tr->params, name, fallback);
}

static void set_param(gs_trainer *tr, const char *name, double value)
{
    pthread_mutex_lock(&tr->params_lock);
    gs_params_set(&tr->params, name, value);
    pthread_mutex_unlock(&tr->params_lock);
}

/* ---- publishing ------------------------------------------------------------ */

static gs_frame *begin_record(gs_trainer *tr, int kind)
{
    gs_frame *f = gs_ring_reserve(&tr->ring);
    f->kind = kind;
    f->step = tr->step;
    f->t = tr->t;
    f->wall = wall_seconds(tr);
    return f;
}

static void publish_event(gs_trainer *tr, int kind, const char *name, double old_value, double new_value,
                          const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void publish_event(gs_trainer *tr, int kind, const char *name, double old_value, double new_value,
                          const char *fmt, ...)
{
    gs_frame *f = begin_record(tr, GS_REC_EVENT);
    gs_event *e = &f->u.event;
    e->kind = kind;
    snprintf(e->name, sizeof e->name, "%s", name ? name : "");
    e->old_value = old_value;
    e->new_value = new_value;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->text, sizeof e->text, fmt, ap);
    va_end(ap);
    gs_ring_publish(&tr->ring);
    gs_log(kind == GS_EVENT_DIVERGED || kind == GS_EVENT_REFUSED ? GS_LOG_WARN : GS_LOG_INFO, "step %lld: %s",
           (long long)tr->step, e->text);
}

static void update_status(gs_trainer *tr, int finished)
{
    pthread_mutex_lock(&tr->status_lock);
    tr->status.step = tr->step;
    tr->status.t = tr->t;
    tr->status.steps_per_s = tr->steps_per_s;
    tr->status.paused = tr->paused;
    tr->status.diverged = tr->diverged;
    tr->status.finished = finished;
    tr->status.threads = tr->threads;
    if (!tr->has_theory)
        tr->status.theory_state = GS_THEORY_NONE;
    else if (atomic_load(&tr->theory_thread.busy) ||
             atomic_load(&tr->theory_thread.newest_request) != atomic_load(&tr->theory_thread.result_for))
        tr->status.theory_state = GS_THEORY_COMPUTING;
    else
        tr->status.theory_state = atomic_load(&tr->theory_thread.failed) ? GS_THEORY_FAILED : GS_THEORY_CURRENT;
    pthread_mutex_unlock(&tr->status_lock);
}

/* ---- building ------------------------------------------------------------- */

/* A path in a preset is relative to the preset file's folder (built-in presets:
 * the current folder). */
static void resolve_path(const gs_preset *p, const char *path, char *out, size_t size)
{
    const char *slash = strrchr(p->source, '/');
    if (path[0] == '/' || !slash || !strncmp(p->source, "builtin:", 8))
        snprintf(out, size, "%s", path);
    else
        snprintf(out, size, "%.*s/%s", (int)(slash - p->source), p->source, path);
}

static int load_data_files(const gs_preset *p, const gs_params *params, gs_dataset *out, char *err, size_t errlen)
{
    char x_path[2 * GS_TEXT_FIELD], y_path[2 * GS_TEXT_FIELD];
    int target_cols = (int)gs_params_get(params, "target_cols", 1);
    memset(out, 0, sizeof *out);
    for (int part = 0; part < 2; part++) {
        const char *x = part == 0 ? p->train_file : p->test_file;
        const char *y = part == 0 ? p->train_targets : p->test_targets;
        resolve_path(p, x, x_path, sizeof x_path);
        if (y[0])
            resolve_path(p, y, y_path, sizeof y_path);
        if (gs_datafile_load_dataset(out, part == 0 ? GS_DATAFILE_TRAIN : GS_DATAFILE_TEST, x_path,
                                     y[0] ? y_path : NULL, target_cols, err, errlen)) {
            gs_dataset_free(out);
            return -1;
        }
    }
    return 0;
}

int gs_preset_make_data(const gs_preset *p, const gs_params *params, uint64_t seed, gs_dataset *out, char *err,
                        size_t errlen)
{
    if (!strcmp(p->inputs, "file"))
        return load_data_files(p, params, out, err, errlen);
    gs_data_spec ds = {.inputs = p->inputs, .teacher = p->teacher, .harmonics = p->harmonics,
                       .n = (int)gs_params_get(params, "n", 200), .n_test = (int)gs_params_get(params, "n_test", 500),
                       .d = (int)gs_params_get(params, "d", 10), .P = (int)gs_params_get(params, "P", 11),
                       .train_frac = gs_params_get(params, "train_frac", 1), .eps = gs_params_get(params, "eps", 0),
                       .label_noise = gs_params_get(params, "label_noise", 0),
                       .target_offset = gs_params_get(params, "target_offset", 0), .seed = seed};
    /* center_targets = 1 subtracts 1/P from one-hot targets, whatever P is. */
    if (gs_params_get(params, "center_targets", 0) > 0 && ds.P > 0)
        ds.target_offset = 1.0 / ds.P;
    return gs_data_generate(out, &ds, err, errlen);
}

void gs_preset_theory_params(const gs_preset *p, const gs_params *params, gs_params *out)
{
    /* Theory modules read parameters only, so the architecture goes in as numbers. */
    *out = *params;
    gs_params_set(out, "activation", gs_activation_parse(p->activation));
    gs_params_set(out, "hidden_layers", p->layers - 1);
    gs_params_set(out, "readout_mean_field", !strcmp(p->readout, "mean-field"));
    gs_params_set(out, "bias", p->bias);
}

static void free_buffers(gs_trainer *tr)
{
    gs_dataset_free(&tr->data);
    gs_workspace_free(&tr->ws_train);
    gs_workspace_free(&tr->ws_test);
    gs_langevin_free(&tr->lv);
    gs_stepper_free(tr->stepper);
    tr->stepper = NULL;
    gs_model_free(&tr->model);
    free(tr->snapshot);
    free(tr->avg_test);
    free(tr->avg_train);
    free(tr->kernel);
    free(tr->kernel_scratch);
    free(tr->overlaps);
    free(tr->eig_work);
    free(tr->dft_cos);
    free(tr->dft_sin);
    free(tr->dft_work);
    tr->dft_cos = tr->dft_sin = tr->dft_work = NULL;
    tr->snapshot = NULL;
    tr->avg_test = tr->avg_train = NULL;
    tr->kernel = tr->kernel_scratch = tr->overlaps = tr->eig_work = NULL;
}

static int model_spec_from(const gs_trainer *tr, gs_model_spec *spec, char *err, size_t errlen)
{
    const gs_preset *p = &tr->preset;
    memset(spec, 0, sizeof *spec);
    spec->layers = p->layers;
    spec->d = tr->data.d;
    spec->width = (int)param(tr, "N", 100);
    spec->outputs = tr->data.c;
    spec->activation = gs_activation_parse(p->activation);
    spec->bias = p->bias;
    spec->read_in_per_weight = p->read_in_per_weight;
    spec->readout = !strcmp(p->readout, "mean-field") ? GS_READOUT_MEAN_FIELD
                    : !strcmp(p->readout, "chi")      ? GS_READOUT_CHI
                                                      : GS_READOUT_STANDARD;
    spec->sigma_w2 = param(tr, "sigma_w2", 1);
    spec->sigma_b2 = param(tr, "sigma_b2", 1);
    spec->sigma_a2 = param(tr, "sigma_a2", 1);
    spec->chi = param(tr, "chi", 1);
    if (spec->width > 100000) {
        snprintf(err, errlen, "N = %d is too large; at most 100000 units per layer are supported", spec->width);
        return -1;
    }
    return 0;
}

static void reset_averages(gs_trainer *tr)
{
    size_t test_size = (size_t)tr->data.n_test * tr->data.c, train_size = (size_t)tr->data.n * tr->data.c;
    memset(tr->avg_test, 0, sizeof(double) * test_size);
    memset(tr->avg_train, 0, sizeof(double) * train_size);
    tr->avg_count = 0;
    tr->sample_mse_sum = tr->equip_lhs_sum = tr->equip_rhs_sum = tr->mode_power_sum = 0;
    tr->avg_start = tr->step + (int64_t)param(tr, "burn_in", 1000);
    tr->last_change_step = tr->step;
}

/* Cold start of the modular-addition model: every unit starts condensed on one
 * Fourier mode k (cycling through 1 .. (P-1)/2), w[n] = 2 sqrt(Phi) cos(2 pi k n/P + phase)
 * in each half with random phases, so |w_k|^2 = Phi. Phi is the theory's
 * condensed saddle when known, else sqrt(3/gamma), the degeneracy point. */
static void cold_start_modular(gs_trainer *tr)
{
    gs_tensor *W = &tr->model.tensor[0];
    int P = tr->data.c, pairs = (P - 1) / 2;
    double phi = tr->theory_valid ? gs_theory_value(tr->theory, "gm_phi_plus") : NAN;
    if (!(phi > 0))
        phi = sqrt(3.0 / fmax(param(tr, "gamma", 1), 1e-12));
    double amplitude = 2 * sqrt(phi * tr->model.sigma_w2);
    for (int i = 0; i < W->rows; i++) {
        int k = 1 + i % (pairs > 0 ? pairs : 1);
        for (int half = 0; half < 2; half++) {
            double phase = 2 * M_PI * gs_rng_uniform(&tr->rng);
            for (int j = 0; j < P; j++)
                W->w[(size_t)i * 2 * P + (size_t)half * P + j] =
                    (float)(amplitude * cos(2 * M_PI * (double)((k * j) % P) / P + phase));
        }
    }
}

/* CPUs this process may run on (taskset and cpusets included). */
static int usable_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        return CPU_COUNT(&set);
    return 1;
}

/* How many threads train: --threads, else the preset's blas_threads, else by size.
 * One-hidden-layer nets run the fused step (step.h) on 1 or 2 threads with
 * OpenBLAS on one; deeper and linear nets give the count to OpenBLAS. */
static int set_up_threads(gs_trainer *tr, char *err, size_t errlen)
{
    const gs_model *m = &tr->model;
    int N = m->width > 0 ? m->width : 1;
    int threads = tr->opt.blas_threads > 0 ? tr->opt.blas_threads
                  : gs_params_find(&tr->preset.params, "blas_threads") >= 0
                      ? (int)gs_params_get(&tr->preset.params, "blas_threads", 1)
                      : 0;
    if (!gs_stepper_supports(m)) {
        /* From n d N = 2e8 a second OpenBLAS thread made a step 1.36 times faster on
         * 2 cores ((d, N, n) = (100, 2000, 4000)); at 1e8 it gained nothing. */
        if (threads <= 0)
            threads = (double)tr->data.n * tr->data.d * N >= 2e8 ? 2 : 1;
        openblas_set_num_threads(threads);
        tr->threads = threads;
        return 0;
    }
    /* Two threads made the bench preset 1.2 to 1.75 times faster at n N = 2e4 ((d, N, n) =
     * (20, 100, 200), runs differ) and about 1.85 times at the larger sizes, while at n N = 1e4
     * (nngp-outputs) the hand-off cost more than it saved (58 000 -> 46 000 steps/s).
     * With one usable CPU a second thread would only wait for the first. */
    if (threads <= 0)
        threads = (double)tr->data.n * N >= STEPPER_TWO_THREADS && usable_cpus() >= 2 ? 2 : 1;
    if (threads > 2) {
        gs_log(GS_LOG_WARN, "%d training threads requested: a net with one hidden layer trains on at most 2; "
                            "using 2", threads);
        threads = 2;
    }
    if (threads == 2 && usable_cpus() < 2)
        gs_log(GS_LOG_WARN, "--threads 2 with one usable CPU: the two halves of each step take turns on it, "
                            "which is slower than --threads 1");
    openblas_set_num_threads(1);
    tr->threads = threads;
    tr->stepper = gs_stepper_create(&tr->model, tr->data.x_train, tr->data.y_train, tr->data.n, threads, &tr->rng,
                                    tr->dft_cos ? tr->data.c : 0, err, errlen);
    return tr->stepper ? 0 : -1;
}

/* Build data, model and buffers from the current parameters. Called before
 * start and by the trainer thread between steps. */
static int build(gs_trainer *tr, int cold_start, char *err, size_t errlen)
{
    const gs_preset *p = &tr->preset;
    free_buffers(tr);

    if (gs_preset_make_data(p, &tr->params, tr->opt.seed, &tr->data, err, errlen))
        return -1;

    gs_model_spec spec;
    if (model_spec_from(tr, &spec, err, errlen) || gs_model_create(&tr->model, &spec, err, errlen))
        return -1;
    if (gs_workspace_create(&tr->ws_train, &tr->model, tr->data.n) ||
        gs_workspace_create(&tr->ws_test, &tr->model, tr->data.n_test) || gs_langevin_create(&tr->lv, &tr->model)) {
        snprintf(err, errlen, "out of memory for n = %d, N = %d", tr->data.n, spec.width);
        return -1;
    }
    tr->probe = (int)param(tr, "probe", 96);
    if (tr->probe > tr->data.n_test)
        tr->probe = tr->data.n_test;
    int width = tr->model.layers > 1 ? tr->model.width : tr->model.d;
    size_t d = (size_t)tr->data.d;
    tr->snapshot = malloc(sizeof(float) * tr->model.nparams);
    tr->avg_test = malloc(sizeof(double) * (size_t)tr->data.n_test * tr->data.c);
    tr->avg_train = malloc(sizeof(double) * (size_t)tr->data.n * tr->data.c);
    tr->kernel = malloc(sizeof(double) * (size_t)tr->probe * tr->probe + 1);
    tr->kernel_scratch = malloc(sizeof(double) * (size_t)tr->probe * tr->probe + 1);
    tr->overlaps = malloc(sizeof(double) * (size_t)(width > 0 ? width : 1));
    tr->eig_work = malloc(sizeof(double) * (2 * d * d + 34 * d));
    if (!tr->snapshot || !tr->avg_test || !tr->avg_train || !tr->kernel || !tr->kernel_scratch || !tr->overlaps ||
        !tr->eig_work) {
        snprintf(err, errlen, "out of memory for n = %d, N = %d", tr->data.n, spec.width);
        return -1;
    }

    if (!strcmp(p->inputs, "onehot-pairs") && tr->model.layers == 2) {
        int P = tr->data.c;
        tr->dft_cos = malloc(sizeof(double) * (size_t)P * P);
        tr->dft_sin = malloc(sizeof(double) * (size_t)P * P);
        tr->dft_work = malloc(sizeof(double) * 4 * (size_t)P);
        if (!tr->dft_cos || !tr->dft_sin || !tr->dft_work) {
            snprintf(err, errlen, "out of memory for P = %d", P);
            return -1;
        }
        for (int k = 0; k < P; k++)
            for (int j = 0; j < P; j++) {
                double angle = 2 * M_PI * (double)((k * j) % P) / P;
                tr->dft_cos[(size_t)k * P + j] = cos(angle);
                tr->dft_sin[(size_t)k * P + j] = sin(angle);
            }
    }

    gs_model_init_prior(&tr->model, &tr->rng);
    if (cold_start && tr->data.teacher && tr->model.layers > 1) {
        /* Cold start: every unit starts on the teacher direction with a random sign,
         * at a few prior widths, so a run can approach a specialised phase from above. */
        const gs_tensor *W = &tr->model.tensor[0];
        double scale = 3 * sqrt(tr->model.sigma_w2);
        for (int i = 0; i < W->rows; i++)
            W->w[(size_t)i * W->cols] += (float)((gs_rng_next(&tr->rng) & 1 ? 1 : -1) * scale);
    }
    if (cold_start && tr->dft_cos)
        cold_start_modular(tr);
    double fraction = param(tr, "train_frac", 1);
    if (fraction < 1 && tr->preset.theory[0])
        publish_event(tr, GS_EVENT_NOTE, "train_frac", NAN, fraction,
                      "train_frac = %g: the network sees part of the table, while the theory describes "
                      "training on all of it, so its curves are qualitative here", fraction);
    if (set_up_threads(tr, err, errlen))
        return -1;
    memcpy(tr->snapshot, tr->model.params, sizeof(float) * tr->model.nparams);
    tr->snapshot_step = tr->step;
    tr->initial_loss = NAN;
    tr->have_eigs = 0;
    reset_averages(tr);
    return 0;
}

/* ---- theory ---------------------------------------------------------------- */

static int theory_depends_on(const gs_trainer *tr, const char *name)
{
    const char *const *dep = tr->theory_kind ? tr->theory_kind->depends : NULL;
    if (!dep)
        return 1;
    for (; *dep; dep++)
        if (!strcmp(*dep, name))
            return 1;
    return 0;
}

static void request_theory(gs_trainer *tr)
{
    if (!tr->has_theory)
        return;
    gs_dataset copy;
    gs_params snapshot;
    gs_preset_theory_params(&tr->preset, &tr->params, &snapshot);
    if (gs_dataset_copy(&copy, &tr->data)) {
        gs_log(GS_LOG_ERROR, "out of memory copying the data for the theory thread");
        return;
    }
    gs_theory_thread_request(&tr->theory_thread, &snapshot, &copy);
}

static void publish_phase_map(gs_trainer *tr);

/* Take a newly published theory result, if any. Curves go out as matrix records. */
static void collect_theory(gs_trainer *tr)
{
    if (!tr->has_theory)
        return;
    uint64_t count = atomic_load(&tr->theory_thread.result_count);
    if (count == tr->theory_seen)
        return;
    tr->theory_seen = count;
    pthread_mutex_lock(&tr->theory_thread.result_lock);
    int failed = tr->theory_thread.failed;
    char message[256];
    snprintf(message, sizeof message, "%s", tr->theory_thread.message);
    if (!failed)
        memcpy(tr->theory, tr->theory_thread.result, sizeof *tr->theory);
    pthread_mutex_unlock(&tr->theory_thread.result_lock);
    if (failed) {
        publish_event(tr, GS_EVENT_NOTE, "theory", NAN, NAN, "theory failed: %s", message);
        return;
    }
    tr->theory_valid = 1;
    publish_phase_map(tr);
    for (int i = 0; i < tr->theory->ncurves; i++) {
        const gs_theory_curve *c = &tr->theory->curve[i];
        int count_points = c->count < GS_MAX_MATRIX / 2 ? c->count : GS_MAX_MATRIX / 2;
        gs_frame *f = begin_record(tr, GS_REC_MATRIX);
        snprintf(f->u.matrix.name, sizeof f->u.matrix.name, "curve:%.40s", c->name);
        f->u.matrix.rows = 2;
        f->u.matrix.cols = count_points;
        for (int j = 0; j < count_points; j++) {
            f->u.matrix.v[j] = (float)c->x[j];
            f->u.matrix.v[count_points + j] = (float)c->y[j];
        }
        gs_ring_publish(&tr->ring);
    }
}

/* A phase diagram from the theory's "phase_boundary" curve (sigma^2_c against N):
 * a matrix record "phase-map" with rows of sigma^2 from high (top) to low and columns
 * of N, both on log grids; 0 where sigma^2 > sigma^2_c(N) (no feature learning),
 * 1 below the boundary, 2 at the run's current (N, T). */
static void publish_phase_map(gs_trainer *tr)
{
    const gs_theory_curve *c = NULL;
    for (int i = 0; tr->theory_valid && i < tr->theory->ncurves; i++)
        if (!strcmp(tr->theory->curve[i].name, "phase_boundary") && tr->theory->curve[i].count >= 2)
            c = &tr->theory->curve[i];
    if (!c)
        return;
    enum { ROWS = 12, COLS = 48 };
    double T = param(tr, "T", NAN), N = param(tr, "N", NAN);
    double lo = INFINITY, hi = 0;
    for (int j = 0; j < c->count; j++)
        if (c->y[j] > 0 && isfinite(c->y[j])) {
            lo = fmin(lo, c->y[j]);
            hi = fmax(hi, c->y[j]);
        }
    if (!(hi > 0))
        return;
    lo = fmin(lo, T) / 2;
    hi = fmax(hi, T) * 2;
    double n_lo = c->x[0], n_hi = c->x[c->count - 1];
    gs_frame *f = begin_record(tr, GS_REC_MATRIX);
    snprintf(f->u.matrix.name, sizeof f->u.matrix.name, "phase-map");
    f->u.matrix.rows = ROWS;
    f->u.matrix.cols = COLS;
    int current_row = (int)lround((log(hi) - log(T)) / (log(hi) - log(lo)) * (ROWS - 1));
    int current_col = (int)lround((log(N) - log(n_lo)) / (log(n_hi) - log(n_lo)) * (COLS - 1));
    for (int col = 0; col < COLS; col++) {
        double n_here = exp(log(n_lo) + (log(n_hi) - log(n_lo)) * col / (COLS - 1));
        /* sigma^2_c at this N, interpolated in log N along the curve. */
        double boundary = c->y[c->count - 1];
        for (int j = 1; j < c->count; j++)
            if (c->x[j] >= n_here) {
                double w = (log(n_here) - log(c->x[j - 1])) / (log(c->x[j]) - log(c->x[j - 1]));
                boundary = c->y[j - 1] + w * (c->y[j] - c->y[j - 1]);
                break;
            }
        for (int row = 0; row < ROWS; row++) {
            double sigma2 = exp(log(hi) - (log(hi) - log(lo)) * row / (ROWS - 1));
            float v = sigma2 < boundary ? 1.0f : 0.0f;
            /* A small cross marks the current point, so it survives the screen's downsampling. */
            if ((row == current_row && abs(col - current_col) <= 2) ||
                (col == current_col && abs(row - current_row) <= 1))
                v = 2.0f;
            f->u.matrix.v[row * COLS + col] = v;
        }
    }
    gs_ring_publish(&tr->ring);
}

static const double *theory_vector(const gs_trainer *tr, const char *name, int expected_len)
{
    if (!tr->theory_valid)
        return NULL;
    for (int i = 0; i < tr->theory->nvectors; i++)
        if (!strcmp(tr->theory->vector_name[i], name) && tr->theory->vector_len[i] == expected_len)
            return tr->theory->vector[i];
    return NULL;
}

/* ---- metrics --------------------------------------------------------------- */

static void put(named_values *nv, const char *name, double value)
{
    if (nv->count < MAX_NAMED) {
        nv->name[nv->count] = name;
        nv->value[nv->count++] = value;
    }
}

static double relative_discrepancy(const double *avg_sum, long count, const double *target, int len)
{
    double num = 0, den = 0;
    for (int i = 0; i < len; i++) {
        double f = avg_sum[i] / count;
        num += (f - target[i]) * (f - target[i]);
        den += target[i] * target[i];
    }
    return den > 0 ? num / den : NAN;
}

/* Trace of the preconditioned Gram sum_l s_l J_l J_l^T over the training set,
 * from the caches of the last forward pass; an upper bound of its largest
 * eigenvalue, which sets the stable step: h * lambda_max / T < 2. */
static double gram_trace(const gs_trainer *tr)
{
    const gs_model *m = &tr->model;
    const gs_workspace *ws = &tr->ws_train;
    int n = tr->data.n, c = m->outputs;
    const gs_tensor *A = &m->tensor[m->ntensors - 1];
    int top = m->layers - 2;
    const float *h = top >= 0 ? ws->act[top] : tr->data.x_train;
    int fan_in = top >= 0 ? m->width : m->d;
    double trace = 0, hh = 0;
    for (size_t i = 0; i < (size_t)n * fan_in; i++)
        hh += (double)h[i] * h[i];
    trace += A->prior_var * hh * c;
    if (top == 0) {
        /* First layer: s_w sum_mu |x_mu|^2 sum_i (sum_o A_oi^2) phi'(pre_mu,i)^2. */
        const gs_tensor *W = &m->tensor[0];
        double s = 0;
        for (int mu = 0; mu < n; mu++) {
            double x2 = 0, inner = 0;
            for (int k = 0; k < m->d; k++)
                x2 += (double)tr->data.x_train[(size_t)mu * m->d + k] * tr->data.x_train[(size_t)mu * m->d + k];
            for (int i = 0; i < m->width; i++) {
                double a2 = 0;
                for (int o = 0; o < c; o++)
                    a2 += (double)A->w[(size_t)o * m->width + i] * A->w[(size_t)o * m->width + i];
                double g = ws->dact[0][(size_t)mu * m->width + i];
                inner += a2 * g * g;
            }
            s += x2 * inner;
        }
        trace += W->prior_var * s;
    }
    return trace;
}

/* Fourier order parameters of the modular-addition model, in the normalisation
 * of the grokking_modular theory: Phi = |w_k|^2 and Psi = |v_k|^2 per unit and
 * mode pair k = 1 .. (P-1)/2; mode_power is the mean of Phi Psi (time-averaged
 * with the predictor), mode_condensed the fraction of slots with
 * sqrt(Phi Psi) above the theory's barrier between the two saddles. */
static void modular_metrics(gs_trainer *tr, named_values *nv)
{
    const gs_dataset *ds = &tr->data;
    const gs_tensor *W = &tr->model.tensor[0];
    int P = ds->c, pairs = (P - 1) / 2;
    double *row = tr->dft_work, *phi = row + 2 * P, *psi = phi + pairs;
    double barrier = tr->theory_valid ? gs_theory_value(tr->theory, "gm_phi_barrier") : NAN;
    /* Without a side saddle (GFL) the theory has no barrier; count slots past the
     * barrier at the degeneracy point, Phi_c / 3 = sqrt(3/gamma) / 3, instead. */
    if (tr->theory_valid && !(barrier > 0))
        barrier = sqrt(3.0 / fmax(param(tr, "gamma", 1), 1e-12)) / 3 * tr->model.sigma_w2;
    double power = 0, share_sum = 0;
    long condensed = 0, condensed_units = 0;
    for (int i = 0; i < W->rows; i++) {
        for (int j = 0; j < 2 * P; j++)
            row[j] = W->w[(size_t)i * 2 * P + j];
        if (grokking_modular_fourier_power(row, P, phi, psi))
            return;
        double total = 0, best = 0;
        for (int k = 0; k < pairs; k++) {
            power += phi[k] * psi[k];
            condensed += sqrt(phi[k] * psi[k]) > barrier;
            total += phi[k] + psi[k];
            if (phi[k] + psi[k] > best)
                best = phi[k] + psi[k];
        }
        double share = total > 0 ? best / total : 0;
        share_sum += share;
        condensed_units += share > 0.5;
    }
    double mean_power = power / ((double)W->rows * pairs);
    if (tr->step >= tr->avg_start)
        tr->mode_power_sum += mean_power;
    if (tr->avg_count > 0)
        put(nv, "mode_power", tr->mode_power_sum / tr->avg_count);
    if (!isnan(barrier))
        put(nv, "mode_condensed", (double)condensed / ((double)W->rows * pairs));
    put(nv, "fourier_share", share_sum / W->rows);
    put(nv, "fourier_condensed", (double)condensed_units / W->rows);
    if (tr->avg_count > 0) {
        /* learned fraction 1 + a = <f, y> / <y, y> of the averaged predictor, on the
         * centred targets y - mean(y) whatever offset the data uses. */
        double fy = 0, yy = 0;
        for (int i = 0; i < ds->n_test; i++) {
            double mean_y = 0;
            for (int k = 0; k < P; k++)
                mean_y += ds->y_test[(size_t)i * P + k] / P;
            for (int k = 0; k < P; k++) {
                double y = ds->y_test[(size_t)i * P + k] - mean_y;
                fy += tr->avg_test[(size_t)i * P + k] / tr->avg_count * y;
                yy += y * y;
            }
        }
        put(nv, "learned_fraction", yy > 0 ? fy / yy : NAN);
    }
}

static void compute_metrics(gs_trainer *tr, named_values *nv)
{
    const gs_dataset *ds = &tr->data;
    gs_model *m = &tr->model;
    int c = ds->c;
    double T = param(tr, "T", 1);

    gs_model_forward(m, &tr->ws_test, ds->x_test, ds->n_test);
    double test_mse = gs_metric_mse(tr->ws_test.out, ds->y_test, ds->n_test, c);
    double train_mse = gs_metric_mse(tr->ws_train.out, ds->y_train, ds->n, c);
    put(nv, "train_mse", train_mse);
    put(nv, "test_mse", test_mse);

    /* Readout equipartition: <|A|^2>/(count s_A) = 1 - <(f - y) . f>_train/(count T). */
    const gs_tensor *A = &m->tensor[m->ntensors - 1];
    double count_a = (double)A->rows * A->cols;
    double rf = 0;
    for (size_t i = 0; i < (size_t)ds->n * c; i++)
        rf += ((double)tr->ws_train.out[i] - ds->y_train[i]) * tr->ws_train.out[i];
    double lhs = tr->sq_norm[m->ntensors - 1] / (count_a * A->prior_var);
    double rhs = 1 - rf / (count_a * T);

    if (tr->step >= tr->avg_start) {
        for (size_t i = 0; i < (size_t)ds->n_test * c; i++)
            tr->avg_test[i] += tr->ws_test.out[i];
        for (size_t i = 0; i < (size_t)ds->n * c; i++)
            tr->avg_train[i] += tr->ws_train.out[i];
        tr->avg_count++;
        tr->sample_mse_sum += test_mse;
        tr->equip_lhs_sum += lhs;
        tr->equip_rhs_sum += rhs;
    }
    if (tr->avg_count > 0) {
        long k = tr->avg_count;
        double e_test = 0, e_train = 0;
        for (size_t i = 0; i < (size_t)ds->n_test * c; i++)
            e_test += (tr->avg_test[i] / k - ds->y_test[i]) * (tr->avg_test[i] / k - ds->y_test[i]);
        for (size_t i = 0; i < (size_t)ds->n * c; i++)
            e_train += (tr->avg_train[i] / k - ds->y_train[i]) * (tr->avg_train[i] / k - ds->y_train[i]);
        put(nv, "test_mse_avg", e_test / ds->n_test);
        put(nv, "train_mse_avg", e_train / ds->n);
        put(nv, "test_mse_sample_avg", tr->sample_mse_sum / k);
        put(nv, "equip_lhs", tr->equip_lhs_sum / k);
        put(nv, "equip_rhs", tr->equip_rhs_sum / k);
        if (ds->classes > 0) {
            /* Accuracy of the averaged predictor: argmax of the sums equals argmax of the means. */
            put(nv, "accuracy_avg", gs_metric_accuracy_d(tr->avg_test, ds->y_test, ds->n_test, c));
        }
        const double *gp = theory_vector(tr, "gp", ds->n_test < GS_THEORY_VECTOR_MAX ? ds->n_test : GS_THEORY_VECTOR_MAX);
        int len = ds->n_test < GS_THEORY_VECTOR_MAX ? ds->n_test : GS_THEORY_VECTOR_MAX;
        if (gp && c == 1)
            put(nv, "disc_gp", relative_discrepancy(tr->avg_test, k, gp, len));
        const double *fwc = theory_vector(tr, "gp_fwc", len);
        if (fwc && c == 1)
            put(nv, "disc_gp_fwc", relative_discrepancy(tr->avg_test, k, fwc, len));
        if (ds->teacher && c == 1) {
            double lin, cub;
            /* The components are linear in f, so those of the sums divided by k are those of the mean. */
            gs_metric_hermite(tr->avg_test, ds->x_test, ds->n_test, ds->d, ds->teacher, &lin, &cub);
            put(nv, "lin_learned", lin / k);
            put(nv, "cubic_learned", cub / k);
        }
    }
    if (ds->classes > 0) {
        double correct = 0;
        for (int i = 0; i < ds->n_test; i++) {
            const float *fi = tr->ws_test.out + (size_t)i * c, *yi = ds->y_test + (size_t)i * c;
            int bf = 0, by = 0;
            for (int k = 1; k < c; k++) {
                if (fi[k] > fi[bf]) bf = k;
                if (yi[k] > yi[by]) by = k;
            }
            correct += bf == by;
        }
        put(nv, "accuracy", correct / ds->n_test);
    }

    /* Kernel alignment of the last hidden layer's features on the probe set. */
    if (tr->probe >= 2) {
        int top = m->layers - 2;
        const float *features = top >= 0 ? tr->ws_test.act[top] : ds->x_test;
        int width = top >= 0 ? m->width : m->d;
        put(nv, "alignment", gs_metric_alignment(features, tr->probe, width, ds->y_test, c, tr->kernel,
                                                 tr->kernel_scratch));
    }

    for (int i = 0; i < m->ntensors; i++) {
        const gs_tensor *t = &m->tensor[i];
        double ratio = tr->sq_norm[i] / ((double)t->rows * t->cols * t->prior_var);
        if (!strcmp(t->name, "W1"))
            put(nv, "norm_W1", ratio);
        else if (!strcmp(t->name, "W2"))
            put(nv, "norm_W2", ratio);
        else if (!strcmp(t->name, "A"))
            put(nv, "norm_A", ratio);
    }
    if (tr->have_eigs) {
        put(nv, "cov_eig1", tr->cov_eigs[0]);
        put(nv, "cov_eig2", tr->cov_eigs[1]);
        put(nv, "cov_eig3", tr->cov_eigs[2]);
    }
    if (ds->teacher && m->layers > 1) {
        const gs_tensor *W = &m->tensor[0];
        gs_metric_overlaps(W->w, W->rows, W->cols, ds->teacher, tr->overlaps);
        double s = 0, q_droplet = param(tr, "q_droplet", 0.45);
        int droplets = 0;
        for (int i = 0; i < W->rows; i++) {
            s += fabs(tr->overlaps[i]);
            droplets += fabs(tr->overlaps[i]) > q_droplet;
        }
        put(nv, "overlap_abs_mean", s / W->rows);
        put(nv, "droplet_count", droplets);
    }
    if (tr->dft_work)
        modular_metrics(tr, nv);
    put(nv, "steps_per_s", tr->steps_per_s);
    put(nv, "time_since_change", (tr->step - tr->last_change_step) * param(tr, "h", 0));
    tr->trace_ratio = param(tr, "h", 0) * gram_trace(tr) / T;
}

static void publish_scalars(gs_trainer *tr, const named_values *nv)
{
    gs_frame *f = begin_record(tr, GS_REC_SCALARS);
    gs_scalars *s = &f->u.scalars;
    const gs_preset *p = &tr->preset;
    uint64_t newest = atomic_load(&tr->theory_thread.newest_request);
    int stale = tr->has_theory && (!tr->theory_valid || atomic_load(&tr->theory_thread.result_for) != newest);
    s->nseries = p->nseries;
    s->theory_stale = 0;
    for (int i = 0; i < p->nseries; i++) {
        const gs_series_decl *d = &p->series[i];
        double v = NAN;
        if (d->kind == GS_SERIES_THEORY) {
            if (tr->theory_valid)
                v = gs_theory_value(tr->theory, d->name);
            if (stale)
                s->theory_stale |= 1u << (i < 32 ? i : 31);
        } else if (!strncmp(d->name, "param:", 6)) {
            v = param(tr, d->name + 6, NAN);
        } else {
            for (int j = 0; j < nv->count; j++)
                if (!strcmp(nv->name[j], d->name)) {
                    v = nv->value[j];
                    break;
                }
        }
        s->v[i] = v;
    }
    gs_ring_publish(&tr->ring);
}

/* The read-in weights of the units with the most concentrated Fourier power,
 * one row per unit (up to 16), as a matrix record named "weights": condensed
 * units show as cosines in both halves of their row. */
static void publish_top_units(gs_trainer *tr)
{
    const gs_tensor *W = &tr->model.tensor[0];
    int P = tr->data.c, pairs = (P - 1) / 2, cols = W->cols;
    int rows = W->rows < 16 ? W->rows : 16;
    if (rows * cols > GS_MAX_MATRIX)
        rows = GS_MAX_MATRIX / cols;
    if (rows < 1)
        return;
    int chosen[16];
    double score[16];
    double *row = tr->dft_work, *phi = row + 2 * P, *psi = phi + pairs;
    int count = 0;
    for (int i = 0; i < W->rows; i++) {
        for (int j = 0; j < cols; j++)
            row[j] = W->w[(size_t)i * cols + j];
        if (grokking_modular_fourier_power(row, P, phi, psi))
            return;
        double best = 0;
        for (int k = 0; k < pairs; k++)
            if (phi[k] * psi[k] > best)
                best = phi[k] * psi[k];
        /* Keep the top rows by insertion into a short sorted list. */
        int at = count < rows ? count++ : rows;
        while (at > 0 && score[at - 1] < best) {
            if (at < rows) {
                score[at] = score[at - 1];
                chosen[at] = chosen[at - 1];
            }
            at--;
        }
        if (at < rows) {
            score[at] = best;
            chosen[at] = i;
        }
    }
    gs_frame *f = begin_record(tr, GS_REC_MATRIX);
    snprintf(f->u.matrix.name, sizeof f->u.matrix.name, "weights");
    f->u.matrix.rows = count;
    f->u.matrix.cols = cols;
    for (int r = 0; r < count; r++)
        memcpy(f->u.matrix.v + (size_t)r * cols, W->w + (size_t)chosen[r] * cols, sizeof(float) * cols);
    gs_ring_publish(&tr->ring);
}

static void publish_distributions(gs_trainer *tr)
{
    const gs_dataset *ds = &tr->data;
    gs_model *m = &tr->model;
    if (m->layers < 2)
        return;
    const gs_tensor *W = &m->tensor[0];
    int d = W->cols;
    if (d <= 512 && gs_metric_cov_top_eigs(W->w, W->rows, d, m->tensor[0].prior_var, MAX_TOP_EIGS, tr->cov_eigs,
                                           tr->eig_work) >= MAX_TOP_EIGS)
        tr->have_eigs = 1;

    if (tr->dft_work)
        publish_top_units(tr);

    if (ds->teacher) {
        gs_frame *f = begin_record(tr, GS_REC_HISTOGRAM);
        gs_histogram *h = &f->u.hist;
        const gs_histogram *predicted = NULL;
        if (tr->theory_valid)
            for (int i = 0; i < tr->theory->nhists; i++)
                if (!strcmp(tr->theory->hist[i].name, "overlap"))
                    predicted = &tr->theory->hist[i];
        memset(h, 0, sizeof *h);
        snprintf(h->name, sizeof h->name, "overlap");
        if (predicted) {
            h->nbins = predicted->nbins;
            h->lo = predicted->lo;
            h->hi = predicted->hi;
            memcpy(h->theory, predicted->theory, sizeof h->theory);
            h->theory_valid = 1;
        } else {
            h->nbins = (int)param(tr, "hist_bins", 41);
            if (h->nbins < 2 || h->nbins > GS_MAX_BINS)
                h->nbins = 41;
            double q_max = param(tr, "q_max", 4 * sqrt(m->tensor[0].prior_var));
            h->lo = -q_max;
            h->hi = q_max;
        }
        gs_metric_overlaps(W->w, W->rows, d, ds->teacher, tr->overlaps);
        gs_metric_histogram(tr->overlaps, W->rows, h->lo, h->hi, h->nbins, h->count);
        gs_ring_publish(&tr->ring);
    }
}

/* ---- commands -------------------------------------------------------------- */

static void describe_keys(const gs_tunable *t, char *out, size_t size)
{
    if (t && t->key_down)
        snprintf(out, size, " (keys %c and %c)", t->key_down, t->key_up);
    else
        out[0] = '\0';
}

static void apply_size_scale(gs_trainer *tr, double beta)
{
    static const char *const names[] = {"N", "d", "n", "sigma_a2"};
    double old_values[4];
    pthread_mutex_lock(&tr->params_lock);
    int changed = gs_params_apply_size_scale(&tr->params, beta, old_values);
    pthread_mutex_unlock(&tr->params_lock);
    for (int i = 0; i < 4; i++)
        if (changed & (1 << i))
            publish_event(tr, GS_EVENT_SET, names[i], old_values[i], param(tr, names[i], NAN),
                          "%s: %g -> %g (size scale beta = %g)", names[i], old_values[i], param(tr, names[i], NAN),
                          beta);
}

static void apply_set(gs_trainer *tr, const gs_command *cmd)
{
    const gs_tunable *t = gs_preset_tunable(&tr->preset, cmd->name);
    double old_value = param(tr, cmd->name, NAN);
    /* Keys step counts by factors (88 / 1.5 = 58.67): the network and the theory
     * both get the nearest whole number. */
    double v = gs_params_is_count(cmd->name) ? round(cmd->value) : cmd->value;
    char err[256];

    if (isnan(old_value)) {
        publish_event(tr, GS_EVENT_REFUSED, cmd->name, NAN, v, "set %s: this preset has no parameter '%s'",
                      cmd->name, cmd->name);
        return;
    }
    if (!isfinite(v) || (t && (v < t->min || v > t->max))) {
        publish_event(tr, GS_EVENT_REFUSED, cmd->name, old_value, v, "set %s = %g rejected: the accepted range is [%g, %g]",
                      cmd->name, v, t ? t->min : -INFINITY, t ? t->max : INFINITY);
        return;
    }
    if ((!strcmp(cmd->name, "T") || !strcmp(cmd->name, "h") || !strcmp(cmd->name, "sigma_w2") ||
         !strcmp(cmd->name, "sigma_a2") || !strcmp(cmd->name, "N") || !strcmp(cmd->name, "n")) && v <= 0) {
        publish_event(tr, GS_EVENT_REFUSED, cmd->name, old_value, v, "set %s = %g rejected: it must be positive",
                      cmd->name, v);
        return;
    }
    /* Reject a step far past the stable range. h * trace / T is an upper bound of h * lambda_max / T,
     * so only a bound 200 times past the stable value 2 counts as certain divergence. */
    if (!strcmp(cmd->name, "h") || !strcmp(cmd->name, "T")) {
        double h = !strcmp(cmd->name, "h") ? v : param(tr, "h", 0);
        double T = !strcmp(cmd->name, "T") ? v : param(tr, "T", 1);
        double ratio = tr->trace_ratio / (param(tr, "h", 1) / param(tr, "T", 1)) * (h / T);
        if (tr->trace_ratio > 0 && ratio > 2 * 200) {
            char keys[64];
            describe_keys(gs_preset_tunable(&tr->preset, "h"), keys, sizeof keys);
            publish_event(tr, GS_EVENT_REFUSED, cmd->name, old_value, v,
                          "set %s = %g rejected: the step would diverge (h*trace/T = %.3g); lower h%s first",
                          cmd->name, v, ratio, keys);
            return;
        }
    }

    int rebuild = t ? t->rebuild : 0;
    if (!strcmp(cmd->name, "h")) {
        tr->t_base = tr->t;
        tr->step_base = tr->step;
    }
    set_param(tr, cmd->name, v);
    if (!strcmp(cmd->name, "beta"))
        apply_size_scale(tr, v);
    if (rebuild) {
        if (build(tr, 0, err, sizeof err)) {
            set_param(tr, cmd->name, old_value);
            publish_event(tr, GS_EVENT_REFUSED, cmd->name, old_value, v, "set %s = %g failed: %s", cmd->name, v, err);
            if (build(tr, 0, err, sizeof err)) {
                publish_event(tr, GS_EVENT_NOTE, "", NAN, NAN, "could not rebuild the previous set-up: %s", err);
                atomic_store(&tr->stop, 1);
            }
            return;
        }
        publish_event(tr, GS_EVENT_SET, cmd->name, old_value, v, "%s: %g -> %g (new data and weights)", cmd->name,
                      old_value, v);
        publish_event(tr, GS_EVENT_RESET, cmd->name, old_value, v, "reset: %s changed, so data and network were rebuilt",
                      cmd->name);
    } else {
        if (!strcmp(cmd->name, "sigma_w2") || !strcmp(cmd->name, "sigma_a2") || !strcmp(cmd->name, "sigma_b2")) {
            tr->model.sigma_w2 = param(tr, "sigma_w2", 1);
            tr->model.sigma_a2 = param(tr, "sigma_a2", 1);
            tr->model.sigma_b2 = param(tr, "sigma_b2", 1);
            gs_model_set_priors(&tr->model);
        }
        publish_event(tr, GS_EVENT_SET, cmd->name, old_value, v, "%s: %g -> %g", cmd->name, old_value, v);
        /* The posterior changed (unless only bookkeeping did): start the averages afresh. */
        if (strcmp(cmd->name, "metric_every") && strcmp(cmd->name, "dist_every"))
            reset_averages(tr);
    }
    if (rebuild || theory_depends_on(tr, cmd->name))
        request_theory(tr);
}

static const char *reset_description(const gs_trainer *tr, int cold)
{
    if (!cold)
        return "reset: weights redrawn from the prior (hot start)";
    if (tr->dft_cos)
        return "reset: cold start (every unit condensed on one Fourier mode)";
    return "reset: cold start (every unit on the teacher direction)";
}

static void apply_commands(gs_trainer *tr)
{
    gs_command batch[CMD_CAPACITY];
    int count;
    pthread_mutex_lock(&tr->cmd_lock);
    count = tr->ncmd;
    memcpy(batch, tr->cmd_queue, sizeof(gs_command) * (size_t)count);
    tr->ncmd = 0;
    pthread_mutex_unlock(&tr->cmd_lock);

    for (int i = 0; i < count; i++) {
        const gs_command *cmd = &batch[i];
        char err[256];
        switch (cmd->kind) {
        case GS_CMD_SET:
            apply_set(tr, cmd);
            break;
        case GS_CMD_PAUSE:
        case GS_CMD_RESUME:
        case GS_CMD_TOGGLE_PAUSE: {
            int want = !tr->paused;
            if (cmd->kind == GS_CMD_PAUSE)
                want = 1;
            else if (cmd->kind == GS_CMD_RESUME)
                want = 0;
            if (want != tr->paused) {
                tr->paused = want;
                if (!want)
                    tr->diverged = 0;
                publish_event(tr, want ? GS_EVENT_PAUSE : GS_EVENT_RESUME, "", NAN, NAN, want ? "paused" : "resumed");
            }
            break;
        }
        case GS_CMD_RESET:
            if (cmd->value != 0 && !tr->dft_cos && !(tr->data.teacher && tr->model.layers > 1)) {
                publish_event(tr, GS_EVENT_REFUSED, "", NAN, cmd->value,
                              "cold start rejected: this model has no specialised state to start from "
                              "(press r for a hot start)");
                break;
            }
            if (build(tr, cmd->value != 0, err, sizeof err)) {
                publish_event(tr, GS_EVENT_NOTE, "", NAN, NAN, "reset failed: %s", err);
                atomic_store(&tr->stop, 1);
                break;
            }
            tr->diverged = 0;
            publish_event(tr, GS_EVENT_RESET, "", NAN, cmd->value,
                          "%s", reset_description(tr, cmd->value != 0));
            request_theory(tr);
            break;
        case GS_CMD_STOP:
            atomic_store(&tr->stop, 1);
            break;
        default:
            break;
        }
    }
}

/* ---- the loop -------------------------------------------------------------- */

static void handle_divergence(gs_trainer *tr, double loss)
{
    memcpy(tr->model.params, tr->snapshot, sizeof(float) * tr->model.nparams);
    tr->paused = 1;
    tr->diverged = 1;
    char keys[64];
    describe_keys(gs_preset_tunable(&tr->preset, "h"), keys, sizeof keys);
    publish_event(tr, GS_EVENT_DIVERGED, "", loss, NAN,
                  "diverged (loss %.3g) with h = %g, T = %g; restored the weights of step %lld and paused. "
                  "The step is likely too large for T and the priors: lower h%s, then resume",
                  loss, param(tr, "h", 0), param(tr, "T", 0), (long long)tr->snapshot_step, keys);
}

static void update_rate(gs_trainer *tr)
{
    double now = wall_seconds(tr);
    if (now - tr->rate_wall >= 0.5) {
        tr->steps_per_s = (double)(tr->step - tr->rate_step) / (now - tr->rate_wall);
        tr->rate_wall = now;
        tr->rate_step = tr->step;
    }
}

static void metric_step(gs_trainer *tr)
{
    named_values nv = {0};
    collect_theory(tr);
    update_rate(tr);
    /* The fused step keeps no (n, N) caches; the metrics read them at the new weights. */
    if (tr->stepper)
        gs_model_forward(&tr->model, &tr->ws_train, tr->data.x_train, tr->data.n);
    compute_metrics(tr, &nv);
    publish_scalars(tr, &nv);
    tr->last_frame_step = tr->step;
    tr->last_frame_theory = tr->theory_seen;
    memcpy(tr->snapshot, tr->model.params, sizeof(float) * tr->model.nparams);
    tr->snapshot_step = tr->step;
    update_status(tr, 0);
}

/* Wait up to limit seconds until the theory thread has published a result for the newest request. */
static void wait_for_theory(gs_trainer *tr, double limit)
{
    double start = wall_seconds(tr);
    while (wall_seconds(tr) - start < limit) {
        uint64_t newest = atomic_load(&tr->theory_thread.newest_request);
        if (!atomic_load(&tr->theory_thread.busy) && atomic_load(&tr->theory_thread.result_for) == newest &&
            atomic_load(&tr->theory_thread.result_count) > 0)
            return;
        struct timespec pause = {0, 10 * 1000000L};
        nanosleep(&pause, NULL);
    }
    gs_log(GS_LOG_WARN, "the theory for the final parameters took over %.0f s; the summary has the last result",
           limit);
}

static void *trainer_main(void *arg)
{
    gs_trainer *tr = arg;
    int64_t max_steps = tr->opt.max_steps;

    request_theory(tr);
    while (!atomic_load(&tr->stop)) {
        apply_commands(tr);
        if (atomic_load(&tr->stop))
            break;
        if (tr->paused) {
            collect_theory(tr);
            update_status(tr, 0);
            pthread_mutex_lock(&tr->cmd_lock);
            if (tr->ncmd == 0 && !atomic_load(&tr->stop)) {
                struct timespec until;
                clock_gettime(CLOCK_REALTIME, &until);
                until.tv_nsec += 50 * 1000000L;
                if (until.tv_nsec >= 1000000000L) {
                    until.tv_sec++;
                    until.tv_nsec -= 1000000000L;
                }
                pthread_cond_timedwait(&tr->cmd_wake, &tr->cmd_lock, &until);
            }
            pthread_mutex_unlock(&tr->cmd_lock);
            continue;
        }

        double h = param(tr, "h", 0.001), T = param(tr, "T", 0.01);
        double sextic = param(tr, "sextic", 0), gamma6 = param(tr, "gamma", 0);
        /* The theory's sextic term enters the potential as T * Gamma. */
        gs_step_sextic sx = {.P = tr->data.c, .gamma = gamma6, .scale = T,
                             .cos_table = tr->dft_cos, .sin_table = tr->dft_sin};
        int with_sextic = sextic > 0 && gamma6 > 0 && tr->dft_cos;
        double loss;
        int outcome;
        if (tr->stepper) {
            /* The first step has no initial loss yet, so nothing caps it. */
            double loss_max = isnan(tr->initial_loss) ? INFINITY
                                                      : param(tr, "loss_max", 1e6 * (1 + tr->initial_loss));
            outcome = gs_stepper_step(tr->stepper, h, T, loss_max, with_sextic ? &sx : NULL, tr->ws_train.out,
                                      tr->ws_train.resid, &loss, tr->sq_norm);
            if (isnan(tr->initial_loss) && isfinite(loss))
                tr->initial_loss = loss;
        } else {
            gs_model_forward(&tr->model, &tr->ws_train, tr->data.x_train, tr->data.n);
            loss = gs_model_backward(&tr->model, &tr->ws_train, tr->data.x_train, tr->data.y_train, tr->data.n);
            if (isnan(tr->initial_loss))
                tr->initial_loss = loss;
            if (with_sextic) {
                const gs_tensor *W = &tr->model.tensor[0];
                gs_sextic_fourier(W->w, W->dw, W->rows, sx.P, sx.gamma, sx.scale, sx.cos_table, sx.sin_table,
                                  tr->dft_work);
            }
            double loss_max = param(tr, "loss_max", 1e6 * (1 + tr->initial_loss));
            outcome = !isfinite(loss) || loss > loss_max ? GS_STEP_BAD_LOSS
                      : gs_langevin_step(&tr->model, &tr->lv, &tr->rng, h, T, tr->sq_norm) != 0 ? GS_STEP_BAD_PARAMS
                                                                                                : GS_STEP_OK;
        }
        if (outcome != GS_STEP_OK) {
            handle_divergence(tr, loss);
            update_status(tr, 0);
            continue;
        }
        tr->step++;
        tr->t = tr->t_base + (double)(tr->step - tr->step_base) * h;

        int64_t metric_every = (int64_t)param(tr, "metric_every", 100);
        int64_t dist_every = (int64_t)param(tr, "dist_every", 1000);
        int last = max_steps > 0 && tr->step >= max_steps;
        if (dist_every > 0 && (tr->step % dist_every == 0 || last))
            publish_distributions(tr);
        if (metric_every > 0 && (tr->step % metric_every == 0 || last))
            metric_step(tr);
        if (last)
            break;
    }
    /* A final frame at the step where training stopped, once the theory for the
     * current parameters is in (a short run can end before its first result). */
    if (tr->has_theory)
        wait_for_theory(tr, atomic_load(&tr->stop) ? 5.0 : 120.0);
    collect_theory(tr);
    if (tr->step > 0 && (tr->step != tr->last_frame_step || tr->theory_seen != tr->last_frame_theory)) {
        named_values nv = {0};
        gs_model_forward(&tr->model, &tr->ws_train, tr->data.x_train, tr->data.n);
        compute_metrics(tr, &nv);
        publish_scalars(tr, &nv);
    }
    update_status(tr, 1);
    return NULL;
}

/* ---- public API -------------------------------------------------------------- */

static int check_series(const gs_preset *p, char *err, size_t errlen)
{
    for (int i = 0; i < p->nseries; i++) {
        const gs_series_decl *d = &p->series[i];
        if (d->kind == GS_SERIES_THEORY)
            continue;
        if (!strncmp(d->name, "param:", 6)) {
            if (gs_params_find(&p->params, d->name + 6) < 0) {
                snprintf(err, errlen, "%s: [series %s] shows parameter '%s', which the preset does not set",
                         p->source, d->name, d->name + 6);
                return -1;
            }
            continue;
        }
        int known = 0;
        for (int j = 0; engine_series[j]; j++)
            known |= !strcmp(engine_series[j], d->name);
        if (!known) {
            char list[1024] = "";
            for (int j = 0; engine_series[j]; j++) {
                size_t used = strlen(list);
                snprintf(list + used, sizeof list - used, "%s%s", j ? ", " : "", engine_series[j]);
            }
            snprintf(err, errlen, "%s: [series %s] is not computed by the engine; mark theory series with "
                     "kind = theory, name a parameter as param:NAME, or use one of: %s", p->source, d->name, list);
            return -1;
        }
    }
    return 0;
}

int gs_trainer_create(gs_trainer **out, const gs_preset *p, const gs_trainer_options *opt, char *err, size_t errlen)
{
    *out = NULL;
    if (check_series(p, err, errlen))
        return -1;
    if (gs_activation_parse(p->activation) < 0) {
        snprintf(err, errlen, "%s: activation '%s' is not supported", p->source, p->activation);
        return -1;
    }
    const gs_theory_kind *kind = NULL;
    if (p->theory[0]) {
        kind = gs_theory_find(p->theory);
        if (!kind) {
            snprintf(err, errlen, "%s: theory = %s is not a known theory module", p->source, p->theory);
            return -1;
        }
    }
    double T = gs_params_get(&p->params, "T", NAN), h = gs_params_get(&p->params, "h", NAN);
    if (!(T > 0) || !(h > 0)) {
        snprintf(err, errlen, "%s: T = %g and h = %g must both be set and positive", p->source, T, h);
        return -1;
    }

    gs_trainer *tr = calloc(1, sizeof *tr);
    if (!tr) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    tr->preset = *p;
    tr->preset.text = p->text ? strdup(p->text) : NULL;
    tr->opt = *opt;
    tr->params = p->params;
    tr->theory_kind = kind;
    tr->theory = calloc(1, sizeof *tr->theory);
    pthread_mutex_init(&tr->params_lock, NULL);
    pthread_mutex_init(&tr->cmd_lock, NULL);
    pthread_cond_init(&tr->cmd_wake, NULL);
    pthread_mutex_init(&tr->status_lock, NULL);
    clock_gettime(CLOCK_MONOTONIC, &tr->started_at);
    gs_rng_seed(&tr->rng, opt->seed);
    tr->paused = opt->start_paused;

    if (!tr->theory || gs_ring_init(&tr->ring, RING_CAPACITY)) {
        snprintf(err, errlen, "out of memory");
        gs_trainer_free(tr);
        return -1;
    }
    if (build(tr, opt->cold_start, err, errlen)) {
        gs_trainer_free(tr);
        return -1;
    }
    update_status(tr, 0);
    *out = tr;
    return 0;
}

int gs_trainer_start(gs_trainer *tr)
{
    if (tr->theory_kind) {
        /* The same seed as 'grokscope theory', so both print the same Monte Carlo estimates. */
        if (gs_theory_thread_start(&tr->theory_thread, tr->theory_kind, tr->opt.seed))
            return -1;
        tr->has_theory = 1;
    }
    atomic_store(&tr->stop, 0);
    if (pthread_create(&tr->thread, NULL, trainer_main, tr) != 0)
        return -1;
    tr->started = 1;
    return 0;
}

void gs_trainer_stop(gs_trainer *tr)
{
    atomic_store(&tr->stop, 1);
    pthread_mutex_lock(&tr->cmd_lock);
    pthread_cond_signal(&tr->cmd_wake);
    pthread_mutex_unlock(&tr->cmd_lock);
    if (tr->started) {
        pthread_join(tr->thread, NULL);
        tr->started = 0;
    }
    if (tr->has_theory) {
        gs_theory_thread_stop(&tr->theory_thread);
        tr->has_theory = 0;
    }
}

void gs_trainer_free(gs_trainer *tr)
{
    if (!tr)
        return;
    gs_trainer_stop(tr);
    free_buffers(tr);
    gs_ring_destroy(&tr->ring);
    free(tr->theory);
    gs_preset_free(&tr->preset);
    pthread_mutex_destroy(&tr->params_lock);
    pthread_mutex_destroy(&tr->cmd_lock);
    pthread_cond_destroy(&tr->cmd_wake);
    pthread_mutex_destroy(&tr->status_lock);
    free(tr);
}

const gs_preset *gs_trainer_preset(const gs_trainer *tr)
{
    return &tr->preset;
}

int gs_trainer_nseries(const gs_trainer *tr)
{
    return tr->preset.nseries;
}

const gs_series_decl *gs_trainer_series(const gs_trainer *tr)
{
    return tr->preset.series;
}

int gs_trainer_poll(gs_trainer *tr, gs_frame *out)
{
    return gs_ring_pop(&tr->ring, out);
}

int gs_trainer_command(gs_trainer *tr, const gs_command *cmd)
{
    pthread_mutex_lock(&tr->cmd_lock);
    if (tr->ncmd >= CMD_CAPACITY) {
        pthread_mutex_unlock(&tr->cmd_lock);
        return -1;
    }
    tr->cmd_queue[tr->ncmd++] = *cmd;
    pthread_cond_signal(&tr->cmd_wake);
    pthread_mutex_unlock(&tr->cmd_lock);
    return 0;
}

void gs_trainer_get_status(gs_trainer *tr, gs_trainer_status *out)
{
    pthread_mutex_lock(&tr->status_lock);
    *out = tr->status;
    pthread_mutex_unlock(&tr->status_lock);
    out->frames_dropped = gs_ring_dropped(&tr->ring);
}

void gs_trainer_get_params(gs_trainer *tr, gs_params *out)
{
    pthread_mutex_lock(&tr->params_lock);
    *out = tr->params;
    pthread_mutex_unlock(&tr->params_lock);
}
