/*
 * model.c - fully connected networks: parameters, priors, forward and backward
 * over OpenBLAS, and plain-loop references for the tests. See include/model.h
 * for the shapes. Called only from the trainer thread (and tests).
 */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static const char *activation_names[] = {"linear", "erf", "relu", "tanh", "quadratic", "cubic"};

const char *gs_activation_name(int activation)
{
    if (activation < 0 || activation > GS_ACT_CUBIC)
        return "?";
    return activation_names[activation];
}

int gs_activation_parse(const char *name)
{
    for (int i = 0; i <= GS_ACT_CUBIC; i++)
        if (strcmp(name, activation_names[i]) == 0)
            return i;
    return -1;
}

double gs_activation_scalar(int activation, double z)
{
    switch (activation) {
    case GS_ACT_ERF: return erf(z);
    case GS_ACT_RELU: return z > 0 ? z : 0;
    case GS_ACT_TANH: return tanh(z);
    case GS_ACT_QUADRATIC: return z * z;
    case GS_ACT_CUBIC: return z * z * z;
    default: return z;
    }
}

static double activation_derivative(int activation, double z)
{
    switch (activation) {
    case GS_ACT_ERF: return 1.1283791670955126 * exp(-z * z);
    case GS_ACT_RELU: return z > 0 ? 1 : 0;
    case GS_ACT_TANH: return 1 - tanh(z) * tanh(z);
    case GS_ACT_QUADRATIC: return 2 * z;
    case GS_ACT_CUBIC: return 3 * z * z;
    default: return 1;
    }
}

static int fan_in_of_layer(const gs_model *m, int layer)
{
    return layer == 0 ? m->d : m->width;
}

void gs_model_set_priors(gs_model *m)
{
    int readout_fan_in = m->layers == 1 ? m->d : m->width;
    for (int i = 0; i < m->ntensors; i++) {
        gs_tensor *t = &m->tensor[i];
        if (t->name[0] == 'W') {
            int layer = t->name[1] - '1';
            if (layer == 0 && m->read_in_per_weight)
                t->prior_var = (float)m->sigma_w2;
            else
                t->prior_var = (float)(m->sigma_w2 / fan_in_of_layer(m, layer));
        } else if (t->name[0] == 'b') {
            t->prior_var = (float)m->sigma_b2;
        } else {
            double v = m->sigma_a2 / readout_fan_in;
            if (m->readout == GS_READOUT_MEAN_FIELD)
                v /= readout_fan_in;
            else if (m->readout == GS_READOUT_CHI)
                v /= m->chi;
            t->prior_var = (float)v;
        }
    }
}

static void add_tensor(gs_model *m, size_t *offset, const char *name, int rows, int cols)
{
    gs_tensor *t = &m->tensor[m->ntensors++];
    t->rows = rows;
    t->cols = cols;
    snprintf(t->name, sizeof t->name, "%s", name);
    /* Offsets are resolved once the block exists; store them in the pointers. */
    t->w = (float *)(uintptr_t)*offset;
    *offset += (size_t)rows * cols;
}

int gs_model_create(gs_model *m, const gs_model_spec *s, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    if (s->layers < 1 || s->layers > GS_MAX_LAYERS) {
        snprintf(err, errlen, "layers = %d is not supported; use 1, 2 or 3 trainable layers", s->layers);
        return -1;
    }
    if (s->d < 1 || s->outputs < 1 || (s->layers > 1 && s->width < 1)) {
        snprintf(err, errlen, "invalid model size d = %d, N = %d, outputs = %d; each must be at least 1",
                 s->d, s->width, s->outputs);
        return -1;
    }
    if (s->sigma_w2 <= 0 || s->sigma_a2 <= 0 || (s->bias && s->sigma_b2 <= 0) ||
        (s->readout == GS_READOUT_CHI && s->chi <= 0)) {
        snprintf(err, errlen, "prior variances must be positive (sigma_w2 = %g, sigma_a2 = %g, sigma_b2 = %g, chi = %g)",
                 s->sigma_w2, s->sigma_a2, s->sigma_b2, s->chi);
        return -1;
    }
    m->layers = s->layers;
    m->d = s->d;
    m->width = s->layers > 1 ? s->width : 0;
    m->outputs = s->outputs;
    m->activation = s->activation;
    m->bias = s->bias;
    m->readout = s->readout;
    m->read_in_per_weight = s->read_in_per_weight;
    m->sigma_w2 = s->sigma_w2;
    m->sigma_b2 = s->sigma_b2;
    m->sigma_a2 = s->sigma_a2;
    m->chi = s->chi > 0 ? s->chi : 1;

    size_t offset = 0;
    for (int l = 0; l < m->layers - 1; l++) {
        char name[16];
        snprintf(name, sizeof name, "W%d", l + 1);
        add_tensor(m, &offset, name, m->width, fan_in_of_layer(m, l));
        if (m->bias) {
            snprintf(name, sizeof name, "b%d", l + 1);
            add_tensor(m, &offset, name, 1, m->width);
        }
    }
    add_tensor(m, &offset, "A", m->outputs, m->layers == 1 ? m->d : m->width);

    m->nparams = offset;
    m->params = calloc(offset, sizeof(float));
    m->grads = calloc(offset, sizeof(float));
    if (!m->params || !m->grads) {
        gs_model_free(m);
        snprintf(err, errlen, "out of memory for %zu parameters", offset);
        return -1;
    }
    for (int i = 0; i < m->ntensors; i++) {
        size_t off = (size_t)(uintptr_t)m->tensor[i].w;
        m->tensor[i].w = m->params + off;
        m->tensor[i].dw = m->grads + off;
    }
    gs_model_set_priors(m);
    return 0;
}

void gs_model_free(gs_model *m)
{
    free(m->params);
    free(m->grads);
    m->params = m->grads = NULL;
}

void gs_model_init_prior(gs_model *m, gs_rng *rng)
{
    for (int i = 0; i < m->ntensors; i++) {
        gs_tensor *t = &m->tensor[i];
        float sd = sqrtf(t->prior_var);
        for (int j = 0; j < t->rows * t->cols; j++)
            t->w[j] = sd * (float)gs_rng_normal(rng);
    }
}

int gs_workspace_create(gs_workspace *ws, const gs_model *m, int rows)
{
    memset(ws, 0, sizeof *ws);
    ws->rows = rows;
    size_t hidden = (size_t)rows * (m->width > 0 ? m->width : 1);
    int ok = 1;
    for (int l = 0; l < m->layers - 1; l++) {
        ws->pre[l] = malloc(hidden * sizeof(float));
        ws->act[l] = malloc(hidden * sizeof(float));
        ws->dact[l] = malloc(hidden * sizeof(float));
        ok = ok && ws->pre[l] && ws->act[l] && ws->dact[l];
    }
    ws->out = malloc((size_t)rows * m->outputs * sizeof(float));
    ws->resid = malloc((size_t)rows * m->outputs * sizeof(float));
    ws->delta = malloc(hidden * sizeof(float));
    ws->delta2 = malloc(hidden * sizeof(float));
    if (!ok || !ws->out || !ws->resid || !ws->delta || !ws->delta2) {
        gs_workspace_free(ws);
        return -1;
    }
    return 0;
}

void gs_workspace_free(gs_workspace *ws)
{
    for (int l = 0; l < GS_MAX_LAYERS; l++) {
        free(ws->pre[l]);
        free(ws->act[l]);
        free(ws->dact[l]);
    }
    free(ws->out);
    free(ws->resid);
    free(ws->delta);
    free(ws->delta2);
    memset(ws, 0, sizeof *ws);
}

/* Tensor lookup in creation order: W1 [b1] W2 [b2] A. */
static const gs_tensor *weight_of(const gs_model *m, int layer)
{
    return &m->tensor[layer * (m->bias ? 2 : 1)];
}

static const gs_tensor *bias_of(const gs_model *m, int layer)
{
    return m->bias ? &m->tensor[layer * 2 + 1] : NULL;
}

static const gs_tensor *readout_of(const gs_model *m)
{
    return &m->tensor[m->ntensors - 1];
}

void gs_model_forward(const gs_model *m, gs_workspace *ws, const float *x, int rows)
{
    const float *in = x;
    int fan_in = m->d;
    int N = m->width;

    for (int l = 0; l < m->layers - 1; l++) {
        const gs_tensor *W = weight_of(m, l);
        const gs_tensor *b = bias_of(m, l);
        /* pre (rows, N) = in (rows, fan_in) . W^T: M = rows, N = N, K = fan_in. */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, N, fan_in, 1.0f, in, fan_in,
                    W->w, fan_in, 0.0f, ws->pre[l], N);
        if (b)
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < N; j++)
                    ws->pre[l][(size_t)i * N + j] += b->w[j];
        gs_activation_apply(m->activation, ws->pre[l], ws->act[l], ws->dact[l], (size_t)rows * N);
        in = ws->act[l];
        fan_in = N;
    }

    const gs_tensor *A = readout_of(m);
    if (m->outputs == 1) {
        /* out (rows) = in (rows, fan_in) . a (fan_in). */
        cblas_sgemv(CblasRowMajor, CblasNoTrans, rows, fan_in, 1.0f, in, fan_in, A->w, 1, 0.0f, ws->out, 1);
    } else {
        /* out (rows, c) = in (rows, fan_in) . A^T: M = rows, N = c, K = fan_in. */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, m->outputs, fan_in, 1.0f, in, fan_in,
                    A->w, fan_in, 0.0f, ws->out, m->outputs);
    }
}

double gs_model_backward(gs_model *m, gs_workspace *ws, const float *x, const float *y, int rows)
{
    int c = m->outputs;
    int N = m->width;
    size_t rc = (size_t)rows * c;
    double loss = 0;

    for (size_t i = 0; i < rc; i++) {
        float r = ws->out[i] - y[i];
        ws->resid[i] = r;
        loss += (double)r * r;
    }
    loss *= 0.5;

    const gs_tensor *A = readout_of(m);
    int top = m->layers - 2;               /* index of the last hidden layer, or -1 */
    const float *h = top >= 0 ? ws->act[top] : x;
    int fan_in = top >= 0 ? N : m->d;

    if (c == 1) {
        /* dA (fan_in) = h^T (fan_in, rows) . r (rows). */
        cblas_sgemv(CblasRowMajor, CblasTrans, rows, fan_in, 1.0f, h, fan_in, ws->resid, 1, 0.0f, A->dw, 1);
    } else {
        /* dA (c, fan_in) = r^T (c, rows) . h (rows, fan_in): M = c, N = fan_in, K = rows. */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, c, fan_in, rows, 1.0f, ws->resid, c, h,
                    fan_in, 0.0f, A->dw, fan_in);
    }
    if (top < 0)
        return loss;

    /* delta (rows, N) = (r . A) * phi'(pre) for the last hidden layer. */
    if (c == 1) {
        gs_delta_rank1(ws->resid, A->w, ws->dact[top], ws->delta, rows, N);
    } else {
        /* delta (rows, N) = r (rows, c) . A (c, N): M = rows, N = N, K = c. */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, N, c, 1.0f, ws->resid, c, A->w, N,
                    0.0f, ws->delta, N);
        gs_multiply_inplace(ws->delta, ws->dact[top], (size_t)rows * N);
    }

    float *delta = ws->delta, *spare = ws->delta2;
    for (int l = top; l >= 0; l--) {
        const gs_tensor *W = weight_of(m, l);
        const gs_tensor *b = bias_of(m, l);
        const float *in = l == 0 ? x : ws->act[l - 1];
        int fin = l == 0 ? m->d : N;
        /* dW (N, fin) = delta^T (N, rows) . in (rows, fin): M = N, N = fin, K = rows. */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, N, fin, rows, 1.0f, delta, N, in, fin, 0.0f,
                    W->dw, fin);
        if (b) {
            memset(b->dw, 0, sizeof(float) * N);
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < N; j++)
                    b->dw[j] += delta[(size_t)i * N + j];
        }
        if (l > 0) {
            /* spare (rows, N) = delta (rows, N) . W (N, N): M = rows, N = N, K = N. */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, N, N, 1.0f, delta, N, W->w, N, 0.0f,
                        spare, N);
            gs_multiply_inplace(spare, ws->dact[l - 1], (size_t)rows * N);
            float *swap = delta;
            delta = spare;
            spare = swap;
        }
    }
    return loss;
}

/* ---- plain-loop references ---------------------------------------------- */

void gs_model_forward_ref(const gs_model *m, gs_workspace *ws, const float *x, int rows)
{
    const float *in = x;
    int fan_in = m->d;
    int N = m->width;
    for (int l = 0; l < m->layers - 1; l++) {
        const gs_tensor *W = weight_of(m, l);
        const gs_tensor *b = bias_of(m, l);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < N; j++) {
                double s = b ? b->w[j] : 0;
                for (int k = 0; k < fan_in; k++)
                    s += (double)in[(size_t)i * fan_in + k] * W->w[(size_t)j * fan_in + k];
                size_t at = (size_t)i * N + j;
                ws->pre[l][at] = (float)s;
                ws->act[l][at] = (float)gs_activation_scalar(m->activation, s);
                ws->dact[l][at] = (float)activation_derivative(m->activation, s);
            }
        }
        in = ws->act[l];
        fan_in = N;
    }
    const gs_tensor *A = readout_of(m);
    for (int i = 0; i < rows; i++)
        for (int o = 0; o < m->outputs; o++) {
            double s = 0;
            for (int k = 0; k < fan_in; k++)
                s += (double)in[(size_t)i * fan_in + k] * A->w[(size_t)o * fan_in + k];
            ws->out[(size_t)i * m->outputs + o] = (float)s;
        }
}

double gs_model_backward_ref(gs_model *m, gs_workspace *ws, const float *x, const float *y, int rows)
{
    int c = m->outputs, N = m->width;
    double loss = 0;
    for (size_t i = 0; i < (size_t)rows * c; i++) {
        ws->resid[i] = ws->out[i] - y[i];
        loss += 0.5 * (double)ws->resid[i] * ws->resid[i];
    }
    const gs_tensor *A = readout_of(m);
    int top = m->layers - 2;
    const float *h = top >= 0 ? ws->act[top] : x;
    int fan_in = top >= 0 ? N : m->d;
    for (int o = 0; o < c; o++)
        for (int k = 0; k < fan_in; k++) {
            double s = 0;
            for (int i = 0; i < rows; i++)
                s += (double)ws->resid[(size_t)i * c + o] * h[(size_t)i * fan_in + k];
            A->dw[(size_t)o * fan_in + k] = (float)s;
        }
    if (top < 0)
        return loss;
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int o = 0; o < c; o++)
                s += (double)ws->resid[(size_t)i * c + o] * A->w[(size_t)o * N + j];
            ws->delta[(size_t)i * N + j] = (float)(s * ws->dact[top][(size_t)i * N + j]);
        }
    float *delta = ws->delta, *spare = ws->delta2;
    for (int l = top; l >= 0; l--) {
        const gs_tensor *W = weight_of(m, l);
        const gs_tensor *b = bias_of(m, l);
        const float *in = l == 0 ? x : ws->act[l - 1];
        int fin = l == 0 ? m->d : N;
        for (int j = 0; j < N; j++) {
            for (int k = 0; k < fin; k++) {
                double s = 0;
                for (int i = 0; i < rows; i++)
                    s += (double)delta[(size_t)i * N + j] * in[(size_t)i * fin + k];
                W->dw[(size_t)j * fin + k] = (float)s;
            }
            if (b) {
                double s = 0;
                for (int i = 0; i < rows; i++)
                    s += delta[(size_t)i * N + j];
                b->dw[j] = (float)s;
            }
        }
        if (l > 0) {
            for (int i = 0; i < rows; i++)
                for (int k = 0; k < N; k++) {
                    double s = 0;
                    for (int j = 0; j < N; j++)
                        s += (double)delta[(size_t)i * N + j] * W->w[(size_t)j * N + k];
                    spare[(size_t)i * N + k] = (float)(s * ws->dact[l - 1][(size_t)i * N + k]);
                }
            float *swap = delta;
            delta = spare;
            spare = swap;
        }
    }
    return loss;
}

double gs_sextic_fourier(const float *W, float *dW, int rows, int P, double g, double scale,
                         const double *cos_table, const double *sin_table, double *work)
{
    double gamma_total = 0;
    double *re = work, *im = work + P;
    for (int i = 0; i < rows; i++) {
        for (int half = 0; half < 2; half++) {
            const float *w = W + (size_t)i * 2 * P + (size_t)half * P;
            float *dw = dW + (size_t)i * 2 * P + (size_t)half * P;
            for (int k = 0; k < P; k++) {
                double c = 0, s = 0;
                for (int n = 0; n < P; n++) {
                    c += w[n] * cos_table[(size_t)k * P + n];
                    s += w[n] * sin_table[(size_t)k * P + n];
                }
                re[k] = c / P;
                im[k] = s / P;
            }
            for (int k = 0; k < P; k++) {
                double mod2 = re[k] * re[k] + im[k] * im[k];
                gamma_total += mod2 * mod2 * mod2;
                /* Weight each mode by |w_k|^4 for the gradient. */
                re[k] *= mod2 * mod2;
                im[k] *= mod2 * mod2;
            }
            for (int n = 0; n < P; n++) {
                double sum = 0;
                for (int k = 0; k < P; k++)
                    sum += re[k] * cos_table[(size_t)k * P + n] + im[k] * sin_table[(size_t)k * P + n];
                dw[n] += (float)(scale * g * sum);
            }
        }
    }
    return P * g / 6 * gamma_total;
}
