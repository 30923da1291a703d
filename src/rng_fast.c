/*
 * rng_fast.c - bulk standard normals for the Langevin noise, float32.
 *
 * Built with -ffast-math so gcc calls glibc's vector logf/sinf/cosf (libmvec).
 * Box-Muller: u1 in (0, 1], u2 in [0, 1), r = sqrt(-2 log u1), z0 = r cos(2 pi u2),
 * z1 = r sin(2 pi u2). The sine and cosine run in separate loops so gcc does not
 * fuse them into an unvectorised sincosf. Uniforms take 24 bits each from one
 * 64-bit draw per pair.
 */
#include <math.h>

#include "rng.h"

void gs_rng_normal_fill(gs_rng *r, float *out, float *scratch, size_t count)
{
    size_t pairs = count / 2;
    float *u1 = scratch;          /* becomes the radius */
    float *u2 = scratch + pairs;  /* becomes the angle */
    const float two_pi = 6.28318530717958647692f;

    for (size_t i = 0; i < pairs; i++) {
        uint64_t x = gs_rng_next(r);
        u1[i] = ((float)(x >> 40) + 1.0f) * 0x1.0p-24f;
        u2[i] = (float)((x >> 16) & 0xffffff) * 0x1.0p-24f * two_pi;
    }
    for (size_t i = 0; i < pairs; i++)
        u1[i] = sqrtf(-2.0f * logf(u1[i]));
    for (size_t i = 0; i < pairs; i++)
        out[i] = u1[i] * cosf(u2[i]);
    for (size_t i = 0; i < pairs; i++)
        out[pairs + i] = u1[i] * sinf(u2[i]);
    if (count & 1)
        out[count - 1] = (float)gs_rng_normal(r);
}
