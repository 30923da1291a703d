/*
 * model_fast.c - element-wise kernels of the forward and backward passes.
 *
 * Built with -ffast-math (see the Makefile) so gcc vectorises these loops and
 * calls glibc's vector erff/expf/tanhf (libmvec; max abs error of erff about
 * 7e-8 on x86-64). Nothing here checks for NaN: the loss and parameter checks
 * that detect divergence live in files built with strict IEEE semantics.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "model.h"

/* e^x for x <= 0, inlined so the erf loop stays one vector loop without calls.
 * x log2(e) = k + f with k an integer and |f| <= 1/2; 2^f from its degree-7
 * Taylor polynomial (truncation error at most 5e-9 relative, so float32 rounding dominates);
 * 2^k from the exponent bits. Below x = -87, where e^x < 2^-125, it returns 0,
 * and the clamp keeps 2^k a normal float on the way. */
static inline float exp_nonpositive(float x)
{
    const float clamped = fmaxf(x, -87.0f);
    const float t = clamped * 1.44269504088896341f;
    const float k = rintf(t);
    const float f = t - k;
    float p = 1.52527338e-5f;                 /* ln(2)^7 / 7! */
    p = p * f + 1.54035304e-4f;               /* ln(2)^6 / 6! */
    p = p * f + 1.33335581e-3f;
    p = p * f + 9.61812911e-3f;
    p = p * f + 5.55041087e-2f;
    p = p * f + 2.40226507e-1f;
    p = p * f + 6.93147181e-1f;
    p = p * f + 1.0f;
    const int32_t bits = ((int32_t)k + 127) * (1 << 23);
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return x < -87.0f ? 0.0f : p * scale;
}

void gs_activation_apply(int activation, const float *restrict pre, float *restrict act,
                         float *restrict dact, size_t count)
{
    const float two_over_sqrt_pi = 1.12837916709551257f;
    switch (activation) {
    case GS_ACT_ERF:
        /* One exp serves both: erf(|z|) = 1 - t (a1 + t (a2 + t (a3 + t (a4 + t a5)))) e^(-z^2),
         * t = 1/(1 + p |z|) (Abramowitz and Stegun 7.1.26, absolute error below 1.5e-7; in
         * float32 the total stays below 1e-6, about ten units in the last place near 1), and
         * phi'(z) = 2/sqrt(pi) e^(-z^2). It halves the transcendental work of erff + expf. */
        for (size_t i = 0; i < count; i++) {
            const float z = pre[i];
            const float e = exp_nonpositive(-z * z);
            const float az = fabsf(z);
            const float t = 1.0f / (1.0f + 0.3275911f * az);
            const float poly = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f +
                               t * (-1.453152027f + t * 1.061405429f))));
            const float magnitude = 1.0f - poly * e;
            act[i] = copysignf(magnitude, z);
            dact[i] = two_over_sqrt_pi * e;
        }
        break;
    case GS_ACT_RELU:
        for (size_t i = 0; i < count; i++) {
            act[i] = fmaxf(pre[i], 0.0f);
            dact[i] = pre[i] > 0.0f ? 1.0f : 0.0f;
        }
        break;
    case GS_ACT_TANH:
        for (size_t i = 0; i < count; i++)
            act[i] = tanhf(pre[i]);
        for (size_t i = 0; i < count; i++)
            dact[i] = 1.0f - act[i] * act[i];
        break;
    case GS_ACT_QUADRATIC:
        for (size_t i = 0; i < count; i++) {
            act[i] = pre[i] * pre[i];
            dact[i] = 2.0f * pre[i];
        }
        break;
    case GS_ACT_CUBIC:
        for (size_t i = 0; i < count; i++) {
            act[i] = pre[i] * pre[i] * pre[i];
            dact[i] = 3.0f * pre[i] * pre[i];
        }
        break;
    default:
        for (size_t i = 0; i < count; i++) {
            act[i] = pre[i];
            dact[i] = 1.0f;
        }
        break;
    }
}

void gs_delta_rank1(const float *restrict r, const float *restrict a, const float *restrict dact,
                    float *restrict delta, int rows, int N)
{
    for (int i = 0; i < rows; i++) {
        const float ri = r[i];
        const float *restrict di = dact + (size_t)i * N;
        float *restrict out = delta + (size_t)i * N;
        for (int j = 0; j < N; j++)
            out[j] = ri * a[j] * di[j];
    }
}

void gs_multiply_inplace(float *restrict x, const float *restrict y, size_t count)
{
    for (size_t i = 0; i < count; i++)
        x[i] *= y[i];
}
