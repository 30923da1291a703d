/*
 * model.h - fully connected networks trained by the Langevin integrator.
 *
 * A model has one to three trainable layers: L-1 hidden layers with an
 * activation, then a linear readout.
 *
 *   layers = 1:  f(x) = A x                      (a linear model)
 *   layers = 2:  f(x) = A phi(W1 x + b1)
 *   layers = 3:  f(x) = A phi(W2 phi(W1 x + b1) + b2)
 *
 * Letters: n samples, d inputs, N width of each hidden layer, c outputs.
 * Shapes, row-major: x (n, d), W1 (N, d), W2 (N, N), b (N), A (c, N) or (c, d).
 * Weights enter the forward pass unscaled; the priors carry the scaling
 * (per-weight variance sigma_l^2 / fan_in, and sigma_a^2/N, /N^2 or /(chi N)
 * for the readout). All parameters live in one float block so the Langevin
 * update is one loop per layer; gradients mirror it.
 *
 * The model and its workspace belong to the trainer thread. Nothing here
 * allocates after gs_model_create / gs_model_workspace_create.
 */
#ifndef GS_MODEL_H
#define GS_MODEL_H

#include <stddef.h>

#include "rng.h"

#define GS_MAX_LAYERS 3

typedef enum {
    GS_ACT_LINEAR = 0,
    GS_ACT_ERF = 1,
    GS_ACT_RELU = 2,
    GS_ACT_TANH = 3,
    GS_ACT_QUADRATIC = 4,
    GS_ACT_CUBIC = 5
} gs_activation;

typedef enum {
    GS_READOUT_STANDARD = 0,   /* a ~ N(0, sigma_a2 / N) */
    GS_READOUT_MEAN_FIELD = 1, /* a ~ N(0, sigma_a2 / N^2) */
    GS_READOUT_CHI = 2         /* a ~ N(0, sigma_a2 / (chi N)) */
} gs_readout;

/* A parameter tensor: a view into the model's flat block. */
typedef struct {
    float *w;          /* weights (rows, cols) */
    float *dw;         /* gradient, same shape */
    int rows, cols;
    float prior_var;   /* per-entry prior variance sigma_l^2 */
    char name[16];     /* "W1", "b1", "W2", "b2", "A" */
} gs_tensor;

typedef struct {
    int layers, d, width, outputs;
    int activation, bias, readout;
    int read_in_per_weight;     /* 1: W1 prior variance is sigma_w2 itself, not sigma_w2/d */
    double sigma_w2, sigma_b2, sigma_a2, chi;

    size_t nparams;
    float *params, *grads;      /* one block each, nparams floats */
    int ntensors;
    gs_tensor tensor[2 * GS_MAX_LAYERS];
} gs_model;

typedef struct {
    int layers, d, width, outputs;
    int activation, bias, readout;
    int read_in_per_weight;     /* 1: W1 prior variance is sigma_w2 itself, not sigma_w2/d */
    double sigma_w2, sigma_b2, sigma_a2, chi;
} gs_model_spec;

/* Activations and gradients for a batch of up to `rows` samples. */
typedef struct {
    int rows;
    float *pre[GS_MAX_LAYERS];    /* (rows, N) pre-activations of each hidden layer */
    float *act[GS_MAX_LAYERS];    /* (rows, N) phi(pre) */
    float *dact[GS_MAX_LAYERS];   /* (rows, N) phi'(pre), filled by forward */
    float *out;                   /* (rows, c) */
    float *delta;                 /* (rows, N) backward scratch */
    float *delta2;                /* (rows, N) backward scratch */
    float *resid;                 /* (rows, c) out - y */
} gs_workspace;

int gs_model_create(gs_model *m, const gs_model_spec *spec, char *err, size_t errlen);
void gs_model_free(gs_model *m);
/* Draw every parameter from its prior. */
void gs_model_init_prior(gs_model *m, gs_rng *rng);
/* Per-entry prior variance of each tensor from the spec (called by create). */
void gs_model_set_priors(gs_model *m);

int gs_workspace_create(gs_workspace *ws, const gs_model *m, int rows);
void gs_workspace_free(gs_workspace *ws);

/* Forward pass on x (rows, d); fills ws->out (rows, c) and the caches. */
void gs_model_forward(const gs_model *m, gs_workspace *ws, const float *x, int rows);
/* Backward pass of L = 1/2 sum (out - y)^2 after a forward on the same x.
 * Writes (does not accumulate) m->grads. Returns L in double. */
double gs_model_backward(gs_model *m, gs_workspace *ws, const float *x, const float *y, int rows);

/* Plain-loop references for tests: the same contracts, no BLAS, no fast math. */
void gs_model_forward_ref(const gs_model *m, gs_workspace *ws, const float *x, int rows);
double gs_model_backward_ref(gs_model *m, gs_workspace *ws, const float *x, const float *y, int rows);

/* The element-wise kernel: act = phi(pre), dact = phi'(pre) over count entries
 * (model_fast.c, vectorised). */
void gs_activation_apply(int activation, const float *pre, float *act, float *dact, size_t count);
/* delta[i][j] = r[i] * a[j] * dact[i][j] over (rows, N): the single-output
 * backward through the readout, fused (model_fast.c). */
void gs_delta_rank1(const float *r, const float *a, const float *dact, float *delta, int rows, int N);
/* x[i] *= y[i] over count entries (model_fast.c). */
void gs_multiply_inplace(float *x, const float *y, size_t count);
/* Add scale * dGamma/dW to dW for read-in weights W (rows, 2P) of the
 * modular-addition model, where Gamma = P (g/6) sum_{k=0}^{P-1} (|w_k|^6 + |v_k|^6)
 * and w_k = (1/P) sum_n w[n] e^(2 pi i k n/P) over each half of a row:
 * dGamma/dw[n] = g sum_k |w_k|^4 Re(conj(w_k) e^(2 pi i k n/P)). cos_table and
 * sin_table contain cos and sin of 2 pi (k n mod P)/P at [k * P + n]. work has room for 2P doubles.
 * Returns Gamma. */
double gs_sextic_fourier(const float *W, float *dW, int rows, int P, double g, double scale,
                         const double *cos_table, const double *sin_table, double *work);
/* Scalar phi for references and theory checks. */
double gs_activation_scalar(int activation, double z);

const char *gs_activation_name(int activation);
/* Returns the activation code for a name, or -1. */
int gs_activation_parse(const char *name);

#endif
