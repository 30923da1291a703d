/*
 * rng.h - the engine's seeded random generator (xoshiro256**).
 *
 * Each thread that needs randomness owns a gs_rng; nothing here is shared or
 * global. The same seed gives the same sequence on every machine.
 * gs_rng_normal_fill draws standard normals in bulk for the Langevin noise
 * (a vectorised Box-Muller in rng_fast.c).
 */
#ifndef GS_RNG_H
#define GS_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t s[4];
} gs_rng;

void gs_rng_seed(gs_rng *r, uint64_t seed);
uint64_t gs_rng_next(gs_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double gs_rng_uniform(gs_rng *r);
/* One standard normal (polar Box-Muller in double). */
double gs_rng_normal(gs_rng *r);
/* Uniform integer in [0, bound). */
uint64_t gs_rng_below(gs_rng *r, uint64_t bound);
/* Fill out[0..count) with independent standard normals, float32. scratch must
 * hold count floats; it is overwritten. */
void gs_rng_normal_fill(gs_rng *r, float *out, float *scratch, size_t count);

#endif
