/*
 * synth.c - the synthetic record source. See synth.h.
 *
 * Model of the fake run, with s the step and T the temperature:
 *   test error    e(s) = e_eq + (0.5 - e_eq) / (1 + exp((s - s_grok) / 300)),
 *                 e_eq = 0.05 + 20 T, s_grok = 3000 steps after the last reset;
 *   train error   e(s) / 2;
 *   overlap       m(s) = m_eq / (1 + exp(-(s - s_grok) / 400)), m_eq = 1 / (1 + 50 T);
 *   alignment     0.3 + 0.6 m(s);
 * each with a little seeded noise. The theory series carry e_eq and m_eq,
 * computed for the parameters of the last change once a delay of 400 steps
 * (the "solve") has passed, and are flagged stale until then.
 */
#include "synth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SYNTH_QUEUE 4096
#define SYNTH_NSERIES 6
#define SYNTH_SOLVE_STEPS 400

enum { SERIES_TRAIN, SERIES_TEST, SERIES_TEST_THEORY, SERIES_OVERLAP, SERIES_OVERLAP_THEORY, SERIES_ALIGN };

struct synth {
    synth_options opt;
    gs_preset preset;
    gs_params params;
    uint64_t rng;
    int64_t step, reset_step;
    double t;
    int paused;
    int64_t frames;                /* scalar frames published */
    double theory_error, theory_overlap;
    int64_t theory_ready_step;     /* the theory is stale before this step */
    double last_wall;              /* real-time mode: wall clock of the last advance */
    double start_wall;
    double carry;                  /* fractional steps owed in real-time mode */
    gs_frame *queue;               /* ring of SYNTH_QUEUE records */
    int head, count;
    uint64_t dropped;
};

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* xorshift64*: small and seedable; quality is ample for plot noise. */
static double synth_uniform(synth *s)
{
    s->rng ^= s->rng >> 12;
    s->rng ^= s->rng << 25;
    s->rng ^= s->rng >> 27;
    return (double)((s->rng * 2685821657736338717ULL) >> 11) * 0x1.0p-53;
}

static double synth_normal(synth *s)
{
    double u = synth_uniform(s), v = synth_uniform(s);
    return sqrt(-2.0 * log(u + 1e-300)) * cos(2 * M_PI * v);
}

static void synth_push(synth *s, const gs_frame *f)
{
    if (s->count == SYNTH_QUEUE) {
        s->head = (s->head + 1) % SYNTH_QUEUE;
        s->count--;
        s->dropped++;
    }
    s->queue[(s->head + s->count) % SYNTH_QUEUE] = *f;
    s->count++;
}

static void synth_event(synth *s, int kind, const char *name, double old_value, double new_value,
                        const char *text)
{
    gs_frame f;
    memset(&f, 0, sizeof f);
    f.kind = GS_REC_EVENT;
    f.step = s->step;
    f.t = s->t;
    f.wall = wall_now() - s->start_wall;
    f.u.event.kind = kind;
    snprintf(f.u.event.name, sizeof f.u.event.name, "%s", name);
    f.u.event.old_value = old_value;
    f.u.event.new_value = new_value;
    snprintf(f.u.event.text, sizeof f.u.event.text, "%s", text);
    synth_push(s, &f);
}

static double param(const synth *s, const char *name)
{
    return gs_params_get(&s->params, name, 0);
}

static void synth_solve_theory(synth *s)
{
    double T = param(s, "T");
    s->theory_error = 0.05 + 20 * T;
    s->theory_overlap = 1.0 / (1.0 + 50 * T);
    s->theory_ready_step = s->step + SYNTH_SOLVE_STEPS;
}

static void synth_scalars(synth *s)
{
    gs_frame f;
    double T = param(s, "T");
    double e_eq = 0.05 + 20 * T, m_eq = 1.0 / (1.0 + 50 * T);
    double since = (double)(s->step - s->reset_step);
    double e = e_eq + (0.5 - e_eq) / (1 + exp((since - 3000) / 300));
    double m = m_eq / (1 + exp(-(since - 3000) / 400));

    memset(&f, 0, sizeof f);
    f.kind = GS_REC_SCALARS;
    f.step = s->step;
    f.t = s->t;
    f.wall = wall_now() - s->start_wall;
    f.u.scalars.nseries = SYNTH_NSERIES;
    f.u.scalars.v[SERIES_TRAIN] = fmax(0, e / 2 + 0.01 * synth_normal(s));
    f.u.scalars.v[SERIES_TEST] = fmax(0, e + 0.01 * synth_normal(s));
    f.u.scalars.v[SERIES_TEST_THEORY] = s->theory_error;
    f.u.scalars.v[SERIES_OVERLAP] = m + 0.02 * synth_normal(s);
    f.u.scalars.v[SERIES_OVERLAP_THEORY] = s->theory_overlap;
    f.u.scalars.v[SERIES_ALIGN] = 0.3 + 0.6 * m + 0.01 * synth_normal(s);
    if (s->step < s->theory_ready_step)
        f.u.scalars.theory_stale = (1u << SERIES_TEST_THEORY) | (1u << SERIES_OVERLAP_THEORY);
    synth_push(s, &f);
}

static void synth_distributions(synth *s)
{
    gs_frame f;
    double since = (double)(s->step - s->reset_step);
    double m = s->theory_overlap / (1 + exp(-(since - 3000) / 400));

    memset(&f, 0, sizeof f);
    f.kind = GS_REC_HISTOGRAM;
    f.step = s->step;
    f.t = s->t;
    gs_histogram *h = &f.u.hist;
    snprintf(h->name, sizeof h->name, "overlaps");
    h->nbins = 32;
    h->lo = -1;
    h->hi = 1.5;
    double width = (h->hi - h->lo) / h->nbins, sd = 0.2;
    for (int unit = 0; unit < 256; unit++) {
        double x = m + sd * synth_normal(s);
        int bin = (int)floor((x - h->lo) / width);
        if (bin >= 0 && bin < h->nbins)
            h->count[bin] += 1;
    }
    for (int i = 0; i < h->nbins; i++) {
        double x = h->lo + (i + 0.5) * width;
        h->theory[i] = (float)(width * exp(-(x - s->theory_overlap) * (x - s->theory_overlap) / (2 * sd * sd))
                               / (sd * sqrt(2 * M_PI)));
    }
    h->theory_valid = 1;
    synth_push(s, &f);

    memset(&f, 0, sizeof f);
    f.kind = GS_REC_MATRIX;
    f.step = s->step;
    f.t = s->t;
    gs_matrix *k = &f.u.matrix;
    snprintf(k->name, sizeof k->name, "kernel");
    k->rows = k->cols = 16;
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++)
            k->v[i * 16 + j] = (float)(exp(-(i - j) * (i - j) / (2.0 + 20 * m)) * (1 - 0.5 * m)
                                       + m * ((i < 8) == (j < 8) ? 0.5 : -0.5));
    synth_push(s, &f);
}

void synth_advance(synth *s, int64_t n)
{
    if (s->paused)
        return;
    double lr = param(s, "lr");
    for (int64_t i = 0; i < n; i++) {
        s->step++;
        s->t += lr;
        if (s->step % s->opt.metric_every != 0)
            continue;
        synth_scalars(s);
        s->frames++;
        if (s->frames % s->opt.hist_every == 0)
            synth_distributions(s);
    }
}

int synth_pending(const synth *s)
{
    return s->count;
}

uint64_t synth_dropped(const synth *s)
{
    return s->dropped;
}

/* ---- the ui_source functions --------------------------------------------- */

static int synth_poll(void *self, gs_frame *out)
{
    synth *s = self;

    if (s->opt.steps_per_s > 0 && s->count == 0) {
        double now = wall_now();
        s->carry += (now - s->last_wall) * s->opt.steps_per_s;
        s->last_wall = now;
        int64_t n = (int64_t)s->carry;
        s->carry -= (double)n;
        synth_advance(s, n);
    }
    if (s->count == 0)
        return 0;
    *out = s->queue[s->head];
    s->head = (s->head + 1) % SYNTH_QUEUE;
    s->count--;
    return 1;
}

static int synth_set(synth *s, const gs_command *cmd)
{
    const gs_tunable *t = NULL;
    char text[GS_TEXT_MAX];

    for (int i = 0; i < s->preset.ntunable; i++)
        if (strcmp(s->preset.tunable[i].name, cmd->name) == 0)
            t = &s->preset.tunable[i];
    if (!t) {
        snprintf(text, sizeof text, "cannot set %s: not a tunable parameter", cmd->name);
        synth_event(s, GS_EVENT_REFUSED, cmd->name, 0, cmd->value, text);
        return 0;
    }
    double old_value = param(s, cmd->name);
    if (!(cmd->value >= t->min && cmd->value <= t->max)) {
        snprintf(text, sizeof text, "rejected %s = %g: outside [%g, %g]", cmd->name, cmd->value, t->min,
                 t->max);
        synth_event(s, GS_EVENT_REFUSED, cmd->name, old_value, cmd->value, text);
        return 0;
    }
    gs_params_set(&s->params, cmd->name, cmd->value);
    snprintf(text, sizeof text, "%s: %g -> %g", cmd->name, old_value, cmd->value);
    synth_event(s, GS_EVENT_SET, cmd->name, old_value, cmd->value, text);
    if (t->rebuild) {
        s->reset_step = s->step;
        synth_event(s, GS_EVENT_RESET, "", 0, 0, "new data and weights after a rebuild parameter changed");
    }
    synth_solve_theory(s);
    return 0;
}

static int synth_command(void *self, const gs_command *cmd)
{
    synth *s = self;

    switch (cmd->kind) {
    case GS_CMD_SET:
        return synth_set(s, cmd);
    case GS_CMD_PAUSE:
    case GS_CMD_RESUME:
    case GS_CMD_TOGGLE_PAUSE: {
        int pause = cmd->kind == GS_CMD_PAUSE || (cmd->kind == GS_CMD_TOGGLE_PAUSE && !s->paused);
        s->paused = pause;
        synth_event(s, pause ? GS_EVENT_PAUSE : GS_EVENT_RESUME, "", 0, 0, pause ? "paused" : "resumed");
        return 0;
    }
    case GS_CMD_RESET:
        s->reset_step = s->step;
        synth_event(s, GS_EVENT_RESET, "", 0, cmd->value,
                    cmd->value != 0 ? "weights reset at the teacher (cold start)"
                                    : "weights reset from the prior");
        return 0;
    case GS_CMD_STOP:
        s->paused = 1;
        return 0;
    default:
        return -1;
    }
}

static void synth_status(void *self, gs_trainer_status *out)
{
    synth *s = self;
    memset(out, 0, sizeof *out);
    out->step = s->step;
    out->t = s->t;
    out->steps_per_s = s->paused ? 0 : s->opt.steps_per_s;
    out->frames_dropped = s->dropped;
    out->paused = s->paused;
    out->theory_state = s->step < s->theory_ready_step ? GS_THEORY_COMPUTING : GS_THEORY_CURRENT;
}

static void synth_params(void *self, gs_params *out)
{
    *out = ((synth *)self)->params;
}

static const gs_preset *synth_preset(void *self)
{
    return &((synth *)self)->preset;
}

static int synth_nseries(void *self)
{
    return ((synth *)self)->preset.nseries;
}

static const gs_series_decl *synth_series(void *self)
{
    return ((synth *)self)->preset.series;
}

void synth_source(synth *s, ui_source *src)
{
    /* Every optional member starts NULL, so members added later default to absent. */
    memset(src, 0, sizeof *src);
    src->self = s;
    src->kind = "synthetic";
    src->poll = synth_poll;
    src->command = synth_command;
    src->status = synth_status;
    src->params = synth_params;
    src->preset = synth_preset;
    src->nseries = synth_nseries;
    src->series = synth_series;
    src->record = NULL;
    src->recording = NULL;
}

/* ---- set-up --------------------------------------------------------------- */

static void add_tunable(gs_preset *p, const char *name, const char *label, double min, double max,
                        double step, int log_scale, int key_down, int key_up, int rebuild)
{
    gs_tunable *t = &p->tunable[p->ntunable++];
    snprintf(t->name, sizeof t->name, "%s", name);
    snprintf(t->label, sizeof t->label, "%s", label);
    t->min = min;
    t->max = max;
    t->step = step;
    t->log_scale = log_scale;
    t->key_down = key_down;
    t->key_up = key_up;
    t->rebuild = rebuild;
}

static void add_series(gs_preset *p, const char *name, const char *label, const char *panel, int kind,
                       int pair)
{
    gs_series_decl *d = &p->series[p->nseries++];
    snprintf(d->name, sizeof d->name, "%s", name);
    snprintf(d->label, sizeof d->label, "%s", label);
    snprintf(d->panel, sizeof d->panel, "%s", panel);
    d->kind = kind;
    d->pair = pair;
}

static void add_panel(gs_preset *p, const char *name, const char *title, const char *kind, int ylog)
{
    gs_panel_decl *d = &p->panel[p->npanels++];
    snprintf(d->name, sizeof d->name, "%s", name);
    snprintf(d->title, sizeof d->title, "%s", title);
    snprintf(d->kind, sizeof d->kind, "%s", kind);
    d->ylog = ylog;
}

int synth_create(synth **out, const synth_options *opt, char *err, size_t errlen)
{
    synth *s = calloc(1, sizeof *s);

    *out = NULL;
    if (!s || !(s->queue = calloc(SYNTH_QUEUE, sizeof *s->queue))) {
        free(s);
        snprintf(err, errlen, "synthetic source: out of memory");
        return -1;
    }
    s->opt = *opt;
    if (s->opt.metric_every < 1)
        s->opt.metric_every = 1;
    if (s->opt.hist_every < 1)
        s->opt.hist_every = 1;
    s->rng = opt->seed * 0x9e3779b97f4a7c15ULL + 1;
    s->start_wall = s->last_wall = wall_now();

    gs_preset *p = &s->preset;
    snprintf(p->source, sizeof p->source, "builtin:synthetic");
    snprintf(p->name, sizeof p->name, "synthetic");
    snprintf(p->title, sizeof p->title, "Synthetic grokking curves for testing the screen");
    snprintf(p->theory, sizeof p->theory, "synthetic");
    gs_params_set(&p->params, "T", 1e-3);
    gs_params_set(&p->params, "lr", 5e-4);
    gs_params_set(&p->params, "n", 1000);
    gs_params_set(&p->params, "N", 64);
    add_tunable(p, "T", "temperature", 1e-6, 1.0, 2.0, 1, '[', ']', 0);
    add_tunable(p, "lr", "learning rate (Langevin step h)", 1e-5, 0.1, 1.5, 1, '{', '}', 0);
    add_tunable(p, "n", "training set size", 100, 10000, 100, 0, 'n', 'N', 1);
    add_series(p, "train_error", "train error", "error", GS_SERIES_TRAIN, -1);
    add_series(p, "test_error", "test error", "error", GS_SERIES_TEST, -1);
    add_series(p, "test_error_theory", "theory (GP)", "error", GS_SERIES_THEORY, SERIES_TEST);
    add_series(p, "overlap", "teacher overlap", "order", GS_SERIES_ORDER, -1);
    add_series(p, "overlap_theory", "theory", "order", GS_SERIES_THEORY, SERIES_OVERLAP);
    add_series(p, "alignment", "kernel-target alignment", "alignment", GS_SERIES_ALIGNMENT, -1);
    add_panel(p, "error", "test error", "lines", 1);
    add_panel(p, "order", "order parameter: teacher overlap", "lines", 0);
    add_panel(p, "alignment", "kernel alignment", "lines", 0);
    add_panel(p, "overlaps", "overlap per hidden unit", "histogram", 0);
    add_panel(p, "kernel", "kernel matrix", "heatmap", 0);
    s->params = p->params;
    synth_solve_theory(s);
    s->theory_ready_step = 0; /* the first prediction is ready at the start */
    *out = s;
    return 0;
}

void synth_free(synth *s)
{
    if (!s)
        return;
    free(s->queue);
    free(s);
}
