/*
 * synth.c - generated data sets: Gaussian and spherical inputs with teacher
 * functions, and the modular-addition table. See include/data.h. Called from
 * the trainer thread at start and on rebuilds; allocates the set it fills.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "rng.h"

double gs_gegenbauer(int l, int d, double t)
{
    /* P_0 = 1, P_1 = t, P_{k+1} = [(2k + d - 2) t P_k - k P_{k-1}] / (k + d - 2). */
    double prev = 1, cur = t;
    if (l == 0)
        return 1;
    for (int k = 1; k < l; k++) {
        double next = ((2.0 * k + d - 2) * t * cur - k * prev) / (k + d - 2.0);
        prev = cur;
        cur = next;
    }
    return cur;
}

double gs_harmonic_multiplicity(int d, int l)
{
    if (l == 0)
        return 1;
    /* N(d,l) = (2l + d - 2)/l * binom(l + d - 3, l - 1), through log-gamma. */
    double log_binom = lgamma(l + d - 2.0) - lgamma((double)l) - lgamma(d - 1.0);
    return (2.0 * l + d - 2) / l * exp(log_binom);
}

static int parse_degrees(const char *text, int *degrees, int max)
{
    int count = 0;
    const char *p = text ? text : "";
    while (*p && count < max) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 0 || v > 64)
            return -1;
        degrees[count++] = (int)v;
        p = end;
        while (*p == ',' || *p == ' ')
            p++;
    }
    return count;
}

static void fill_inputs(gs_rng *rng, float *x, int rows, int d, int sphere)
{
    for (int i = 0; i < rows; i++) {
        float *row = x + (size_t)i * d;
        double sq = 0;
        for (int k = 0; k < d; k++) {
            row[k] = (float)gs_rng_normal(rng);
            sq += (double)row[k] * row[k];
        }
        if (sphere) {
            double scale = sqrt(d / sq);
            for (int k = 0; k < d; k++)
                row[k] = (float)(row[k] * scale);
        }
    }
}

static double teacher_value(const gs_data_spec *s, const float *x, const int *degrees, int ndegrees)
{
    double z = x[0]; /* w* = e_1 */
    const char *t = s->teacher;
    if (strcmp(t, "linear") == 0)
        return z;
    if (strcmp(t, "erf-neuron") == 0)
        return erf(z);
    if (strcmp(t, "he3") == 0)
        return z * z * z - 3 * z;
    if (strcmp(t, "h1h3") == 0)
        return z + s->eps * (z * z * z - 3 * z);
    /* harmonics */
    double norm2 = 0;
    for (int k = 0; k < s->d; k++)
        norm2 += (double)x[k] * x[k];
    double cosine = norm2 > 0 ? z / sqrt(norm2) : 0;
    double y = 0;
    for (int j = 0; j < ndegrees; j++)
        y += sqrt(gs_harmonic_multiplicity(s->d, degrees[j])) * gs_gegenbauer(degrees[j], s->d, cosine);
    return y;
}

static int generate_modular(gs_dataset *ds, const gs_data_spec *s, gs_rng *rng, char *err, size_t errlen)
{
    int P = s->P;
    if (P < 2 || P > 200) {
        snprintf(err, errlen, "P = %d is out of range for modular data; use 2 <= P <= 200", P);
        return -1;
    }
    if (!(s->train_frac > 0 && s->train_frac <= 1)) {
        snprintf(err, errlen, "train_frac = %g is invalid; use a fraction in (0, 1]", s->train_frac);
        return -1;
    }
    int total = P * P;
    int *order = malloc(sizeof(int) * total);
    if (!order) {
        snprintf(err, errlen, "out of memory for the P = %d table", P);
        return -1;
    }
    for (int i = 0; i < total; i++)
        order[i] = i;
    int full = s->train_frac >= 1;
    if (!full)
        for (int i = total - 1; i > 0; i--) {
            int j = (int)gs_rng_below(rng, (uint64_t)i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
    ds->d = 2 * P;
    ds->c = P;
    ds->classes = P;
    ds->n = full ? total : (int)lround(s->train_frac * total);
    if (ds->n < 1)
        ds->n = 1;
    ds->n_test = full ? total : total - ds->n;
    if (ds->n_test < 1) {
        free(order);
        snprintf(err, errlen, "train_frac = %g leaves no test pairs; use a smaller fraction", s->train_frac);
        return -1;
    }
    ds->x_train = calloc((size_t)ds->n * ds->d, sizeof(float));
    ds->y_train = calloc((size_t)ds->n * ds->c, sizeof(float));
    ds->x_test = calloc((size_t)ds->n_test * ds->d, sizeof(float));
    ds->y_test = calloc((size_t)ds->n_test * ds->c, sizeof(float));
    if (!ds->x_train || !ds->y_train || !ds->x_test || !ds->y_test) {
        free(order);
        snprintf(err, errlen, "out of memory for the P = %d table", P);
        return -1;
    }
    for (int part = 0; part < 2; part++) {
        int rows = part == 0 ? ds->n : ds->n_test;
        int first = part == 0 || full ? 0 : ds->n;
        float *x = part == 0 ? ds->x_train : ds->x_test;
        float *y = part == 0 ? ds->y_train : ds->y_test;
        for (int i = 0; i < rows; i++) {
            int pair = order[first + i], a = pair / P, b = pair % P;
            x[(size_t)i * ds->d + a] = 1;
            x[(size_t)i * ds->d + P + b] = 1;
            for (int k = 0; k < P; k++)
                y[(size_t)i * P + k] = (float)((k == (a + b) % P) - s->target_offset);
        }
    }
    free(order);
    return 0;
}

int gs_data_generate(gs_dataset *ds, const gs_data_spec *s, char *err, size_t errlen)
{
    gs_rng rng;
    memset(ds, 0, sizeof *ds);
    gs_rng_seed(&rng, s->seed ^ 0x5eedda7aULL);

    if (strcmp(s->inputs, "onehot-pairs") == 0 || strcmp(s->teacher, "modular") == 0) {
        if (strcmp(s->inputs, "onehot-pairs") != 0 || strcmp(s->teacher, "modular") != 0) {
            snprintf(err, errlen, "inputs = onehot-pairs and teacher = modular go together (got inputs = %s, "
                     "teacher = %s)", s->inputs, s->teacher);
            return -1;
        }
        if (generate_modular(ds, s, &rng, err, errlen)) {
            gs_dataset_free(ds);
            return -1;
        }
        return 0;
    }

    int sphere = strcmp(s->inputs, "sphere") == 0;
    if (!sphere && strcmp(s->inputs, "gaussian") != 0) {
        snprintf(err, errlen, "inputs = %s is not supported; use gaussian, sphere or onehot-pairs", s->inputs);
        return -1;
    }
    static const char *teachers[] = {"linear", "erf-neuron", "he3", "h1h3", "harmonics"};
    int known = 0;
    for (size_t i = 0; i < sizeof teachers / sizeof *teachers; i++)
        known |= strcmp(s->teacher, teachers[i]) == 0;
    if (!known) {
        snprintf(err, errlen, "teacher = %s is not supported; use linear, erf-neuron, he3, h1h3, harmonics "
                 "or modular", s->teacher);
        return -1;
    }
    int degrees[16], ndegrees = 0;
    if (strcmp(s->teacher, "harmonics") == 0) {
        ndegrees = parse_degrees(s->harmonics, degrees, 16);
        if (ndegrees <= 0) {
            snprintf(err, errlen, "harmonics = \"%s\" is invalid; list degrees 0-64 separated by commas, "
                     "e.g. 1,2", s->harmonics ? s->harmonics : "");
            return -1;
        }
    }
    if (s->n < 1 || s->n_test < 1 || s->d < 1) {
        snprintf(err, errlen, "n = %d, n_test = %d, d = %d: each must be at least 1", s->n, s->n_test, s->d);
        return -1;
    }

    ds->n = s->n;
    ds->n_test = s->n_test;
    ds->d = s->d;
    ds->c = 1;
    ds->x_train = malloc(sizeof(float) * (size_t)s->n * s->d);
    ds->y_train = malloc(sizeof(float) * (size_t)s->n);
    ds->x_test = malloc(sizeof(float) * (size_t)s->n_test * s->d);
    ds->y_test = malloc(sizeof(float) * (size_t)s->n_test);
    ds->teacher = calloc((size_t)s->d, sizeof(double));
    if (!ds->x_train || !ds->y_train || !ds->x_test || !ds->y_test || !ds->teacher) {
        gs_dataset_free(ds);
        snprintf(err, errlen, "out of memory for n = %d, n_test = %d, d = %d", s->n, s->n_test, s->d);
        return -1;
    }
    ds->teacher[0] = 1;

    fill_inputs(&rng, ds->x_train, s->n, s->d, sphere);
    fill_inputs(&rng, ds->x_test, s->n_test, s->d, sphere);
    for (int i = 0; i < s->n; i++)
        ds->y_train[i] = (float)(teacher_value(s, ds->x_train + (size_t)i * s->d, degrees, ndegrees) +
                                 s->label_noise * gs_rng_normal(&rng));
    for (int i = 0; i < s->n_test; i++)
        ds->y_test[i] = (float)teacher_value(s, ds->x_test + (size_t)i * s->d, degrees, ndegrees);
    return 0;
}
