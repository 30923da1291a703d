/*
 * nngp_gp.c - theory module "nngp_gp": the NNGP posterior of a fully
 * connected net on the preset's data, plus the finite-width correction (FWC)
 * of its mean for one hidden layer.
 *
 * Runs on the theory thread. Parameters: T (ridge = likelihood noise
 * variance), sigma_w2, sigma_a2, sigma_b2 (default 0), activation (code 0..5,
 * see include/nngp.h, default 1 = erf), hidden_layers (default 1), N (width;
 * without it the FWC is skipped) and fwc_samples (Monte Carlo draws M,
 * default 20000, and 0 disables the FWC). The targets are column 0 of y_train
 * and y_test.
 *
 * Outputs: scalars gp_test_mse (error of the posterior mean), gp_post_var
 * (test-averaged posterior variance), gp_sample_mse (their sum, the error of
 * single posterior samples), gp_train_mse, and with the FWC fwc_norm
 * (|df|/|f_gp| over the test set), fwc_std_error (the Monte Carlo standard
 * error on the same scale) and gp_fwc_test_mse. Vectors "gp" and "gp_fwc"
 * hold the predictions at the first GS_THEORY_VECTOR_MAX test points. The
 * curve "fwc_vs_n" contains the relative FWC on nested subsets of the training
 * set.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwc.h"
#include "gp.h"
#include "nngp.h"
#include "theory.h"

#define DEFAULT_FWC_SAMPLES 20000
/* The fwc_vs_n sweep uses fewer draws and test points than the main FWC, so
 * it stays well under a second at n = 200. */
#define CURVE_SAMPLES 8000
#define CURVE_TEST_POINTS 128
#define CURVE_STEPS 8

static const char *const nngp_gp_depends[] = {
    "T", "sigma_w2", "sigma_a2", "sigma_b2", "N", "fwc_samples", "activation",
    "hidden_layers", "n", "d", NULL
};

typedef struct {
    double ridge;
    int width;          /* 0 when N is absent */
    int samples;
    nngp_kernel kernel;
} module_settings;

static int cancelled(const gs_theory_input *in)
{
    return in->cancel && atomic_load(in->cancel);
}

static int read_settings(const gs_params *p, module_settings *s, char *err, size_t errlen)
{
    double ridge = gs_params_get(p, "T", NAN);
    double sigma_w2 = gs_params_get(p, "sigma_w2", NAN);
    double sigma_a2 = gs_params_get(p, "sigma_a2", NAN);
    double sigma_b2 = gs_params_get(p, "sigma_b2", 0.0);
    double layers = gs_params_get(p, "hidden_layers", 1.0);
    double width = gs_params_get(p, "N", 0.0);
    double samples = gs_params_get(p, "fwc_samples", DEFAULT_FWC_SAMPLES);

    if (!(ridge >= 0.0)) {
        snprintf(err, errlen, "nngp_gp: T = %g is missing or negative; set T >= 0", ridge);
        return -1;
    }
    if (isnan(sigma_w2) || isnan(sigma_a2)) {
        snprintf(err, errlen, "nngp_gp: sigma_w2 and sigma_a2 must both be set");
        return -1;
    }
    if (layers != floor(layers) || !(samples >= 0.0) || samples > 1e9 || !(width >= 0.0) ||
        width > 1e9) {
        snprintf(err, errlen,
                 "nngp_gp: hidden_layers = %g, N = %g, fwc_samples = %g must be whole numbers >= 0",
                 layers, width, samples);
        return -1;
    }
    nngp_activation activation;
    if (nngp_activation_from_code(gs_params_get(p, "activation", 1.0), &activation, err,
                                  errlen) != 0)
        return -1;
    if (nngp_init(&s->kernel, activation, (int)layers, sigma_w2, sigma_a2, sigma_b2, err,
                  errlen) != 0)
        return -1;
    s->ridge = ridge;
    s->width = (int)width;
    s->samples = (int)samples;
    return 0;
}

static double *column_zero(const float *y, int rows, int columns)
{
    double *out = malloc(sizeof(double) * (rows > 0 ? rows : 1));
    if (out)
        for (int i = 0; i < rows; i++)
            out[i] = y[(size_t)i * columns];
    return out;
}

static double norm2(const double *v, int count)
{
    double s = 0.0;
    for (int i = 0; i < count; i++)
        s += v[i] * v[i];
    return sqrt(s);
}

static void put_vector(gs_theory_output *out, const char *name, const double *v, int count)
{
    if (out->nvectors >= GS_THEORY_MAX_VECTORS)
        return;
    int slot = out->nvectors++;
    int len = count < GS_THEORY_VECTOR_MAX ? count : GS_THEORY_VECTOR_MAX;
    snprintf(out->vector_name[slot], GS_NAME_MAX, "%s", name);
    out->vector_len[slot] = len;
    memcpy(out->vector[slot], v, sizeof(double) * len);
}

/* Relative FWC |df|/|f_gp| on the first m test points for the GP fitted to
 * the first n training points, with samples draws. The kernel blocks are
 * copied out of the full gram (n_all, n_all) and cross (m_all, n_all).
 * Returns 0 and writes *relative, or -1 with a message in err. */
static int relative_fwc(const gs_theory_input *in, const module_settings *s, int n, int m,
                        int samples, const double *y, const double *full_gram,
                        const double *full_cross, double *relative, char *err, size_t errlen)
{
    const gs_dataset *ds = in->data;
    int n_all = ds->n;
    double *gram = malloc(sizeof(double) * (size_t)n * n);
    double *cross = malloc(sizeof(double) * (size_t)m * n);
    double *mean = malloc(sizeof(double) * m);
    double *shift = malloc(sizeof(double) * m);
    int status = -1;
    gp_model gp = {0};
    if (!gram || !cross || !mean || !shift) {
        snprintf(err, errlen, "nngp_gp: out of memory for the FWC sweep at n = %d", n);
        goto done;
    }
    for (int i = 0; i < n; i++)
        memcpy(gram + (size_t)i * n, full_gram + (size_t)i * n_all, sizeof(double) * n);
    for (int j = 0; j < m; j++)
        memcpy(cross + (size_t)j * n, full_cross + (size_t)j * n_all, sizeof(double) * n);
    if (gp_fit(&gp, gram, y, n, s->ridge, err, errlen) != 0 ||
        gp_predict(&gp, cross, NULL, m, mean, NULL, err, errlen) != 0)
        goto done;
    if (fwc_mean_shift(&s->kernel, ds->x_train, y, n, ds->x_test, m, ds->d, gram, cross,
                       s->ridge, s->width, samples, in->seed + (uint64_t)n, in->cancel, shift,
                       NULL, err, errlen) != 0)
        goto done;
    double base = norm2(mean, m);
    *relative = base > 0.0 ? norm2(shift, m) / base : NAN;
    status = 0;
done:
    gp_free(&gp);
    free(gram);
    free(cross);
    free(mean);
    free(shift);
    return status;
}

/* The curve fwc_vs_n over CURVE_STEPS geometrically spaced subset sizes. */
static int fwc_curve(const gs_theory_input *in, const module_settings *s, const double *y,
                     const double *gram, const double *cross, gs_theory_output *out, char *err,
                     size_t errlen)
{
    const gs_dataset *ds = in->data;
    if (out->ncurves >= GS_THEORY_MAX_CURVES || ds->n < 4)
        return 0;
    int m = ds->n_test < CURVE_TEST_POINTS ? ds->n_test : CURVE_TEST_POINTS;
    int samples = s->samples < CURVE_SAMPLES ? s->samples : CURVE_SAMPLES;
    gs_theory_curve *curve = &out->curve[out->ncurves];
    memset(curve, 0, sizeof *curve);
    snprintf(curve->name, GS_NAME_MAX, "fwc_vs_n");
    snprintf(curve->x_name, GS_NAME_MAX, "n");

    int smallest = ds->n < 8 ? 2 : 4;
    int previous = 0;
    for (int step = 0; step < CURVE_STEPS; step++) {
        double fraction = (double)step / (CURVE_STEPS - 1);
        int n = (int)lround(smallest * pow((double)ds->n / smallest, fraction));
        if (n <= previous)
            continue;
        previous = n;
        if (cancelled(in)) {
            snprintf(err, errlen, "nngp_gp: cancelled by a newer request");
            return -1;
        }
        double relative;
        if (relative_fwc(in, s, n, m, samples, y, gram, cross, &relative, err, errlen) != 0)
            return -1;
        curve->x[curve->count] = n;
        curve->y[curve->count] = relative;
        curve->count++;
    }
    out->ncurves++;
    return 0;
}

/* The FWC outputs: fwc_norm, fwc_std_error, gp_fwc_test_mse, the vector
 * gp_fwc and the curve fwc_vs_n. mean (m) is the GP posterior mean. */
static int put_fwc_outputs(const gs_theory_input *in, const module_settings *s, const double *y,
                           const double *y_test, const double *gram, const double *cross,
                           const double *mean, gs_theory_output *out, char *err, size_t errlen)
{
    const gs_dataset *ds = in->data;
    int n = ds->n, m = ds->n_test;
    double *shift = malloc(sizeof(double) * m);
    double *std_error = malloc(sizeof(double) * m);
    int status = -1;
    if (!shift || !std_error) {
        snprintf(err, errlen, "nngp_gp: out of memory for the FWC of %d test points", m);
        goto done;
    }
    if (fwc_mean_shift(&s->kernel, ds->x_train, y, n, ds->x_test, m, ds->d, gram, cross,
                       s->ridge, s->width, s->samples, in->seed, in->cancel, shift, std_error,
                       err, errlen) != 0)
        goto done;

    double base = norm2(mean, m);
    gs_theory_put(out, "fwc_norm", base > 0.0 ? norm2(shift, m) / base : NAN);
    gs_theory_put(out, "fwc_std_error", base > 0.0 ? norm2(std_error, m) / base : NAN);
    for (int j = 0; j < m; j++)
        shift[j] += mean[j];
    gs_theory_put(out, "gp_fwc_test_mse", gp_test_errors(shift, NULL, y_test, m).mean_mse);
    put_vector(out, "gp_fwc", shift, m);

    status = fwc_curve(in, s, y, gram, cross, out, err, errlen);
done:
    free(shift);
    free(std_error);
    return status;
}

static int nngp_gp_compute(const gs_theory_input *in, gs_theory_output *out, char *err,
                           size_t errlen)
{
    const gs_dataset *ds = in->data;
    if (!ds || ds->n < 1 || ds->n_test < 1 || ds->c < 1) {
        snprintf(err, errlen, "nngp_gp needs a data set with training and test points");
        return -1;
    }
    module_settings s;
    if (read_settings(in->params, &s, err, errlen) != 0)
        return -1;

    int n = ds->n, m = ds->n_test, d = ds->d;
    double *y = column_zero(ds->y_train, n, ds->c);
    double *y_test = column_zero(ds->y_test, m, ds->c);
    double *gram = malloc(sizeof(double) * (size_t)n * n);
    double *cross = malloc(sizeof(double) * (size_t)m * n);
    double *diag = malloc(sizeof(double) * m);
    double *mean = malloc(sizeof(double) * m);
    double *var = malloc(sizeof(double) * m);
    double *train_mean = malloc(sizeof(double) * n);
    gp_model gp = {0};
    int status = -1;
    if (!y || !y_test || !gram || !cross || !diag || !mean || !var || !train_mean) {
        snprintf(err, errlen, "nngp_gp: out of memory for n = %d, n_test = %d", n, m);
        goto done;
    }

    if (nngp_gram(&s.kernel, ds->x_train, n, ds->x_train, n, d, in->cancel, gram, err,
                  errlen) != 0 ||
        nngp_gram(&s.kernel, ds->x_test, m, ds->x_train, n, d, in->cancel, cross, err,
                  errlen) != 0)
        goto done;
    nngp_gram_diag(&s.kernel, ds->x_test, m, d, diag);
    if (cancelled(in)) {
        snprintf(err, errlen, "nngp_gp: cancelled by a newer request");
        goto done;
    }
    if (gp_fit(&gp, gram, y, n, s.ridge, err, errlen) != 0 ||
        gp_predict(&gp, cross, diag, m, mean, var, err, errlen) != 0 ||
        gp_predict(&gp, gram, NULL, n, train_mean, NULL, err, errlen) != 0)
        goto done;

    gp_errors test = gp_test_errors(mean, var, y_test, m);
    gp_errors train = gp_test_errors(train_mean, NULL, y, n);
    gs_theory_put(out, "gp_test_mse", test.mean_mse);
    gs_theory_put(out, "gp_post_var", test.post_var);
    gs_theory_put(out, "gp_sample_mse", test.sample_mse);
    gs_theory_put(out, "gp_train_mse", train.mean_mse);
    put_vector(out, "gp", mean, m);

    /* NOTE: the FWC formula is derived for one hidden layer; deeper nets and
     * runs without a width N get the GP outputs only. */
    if (s.samples < 2 || s.width < 1 || s.kernel.hidden_layers != 1) {
        status = 0;
        goto done;
    }
    status = put_fwc_outputs(in, &s, y, y_test, gram, cross, mean, out, err, errlen);
done:
    gp_free(&gp);
    free(y);
    free(y_test);
    free(gram);
    free(cross);
    free(diag);
    free(mean);
    free(var);
    free(train_mean);
    return status;
}

const gs_theory_kind gs_theory_nngp_gp = {
    .name = "nngp_gp",
    .summary = "NNGP posterior of a fully connected net, with its finite-width correction",
    .depends = nngp_gp_depends,
    .compute = nngp_gp_compute,
};
