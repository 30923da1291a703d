/*
 * data.h - training and test sets.
 *
 * A data set holds float32 inputs and targets, row-major: x_train (n, d),
 * y_train (n, c), x_test (n_test, d), y_test (n_test, c). Generated sets also
 * carry the teacher direction w* (d entries, unit norm) when the teacher has
 * one. The trainer owns the set; the theory thread gets its own copy
 * (gs_dataset_copy), because a reset may rebuild the trainer's set while a
 * theory computation is still running.
 */
#ifndef GS_DATA_H
#define GS_DATA_H

#include <stddef.h>
#include <stdint.h>

typedef struct gs_dataset {
    int n, n_test, d, c;
    float *x_train, *y_train;
    float *x_test, *y_test;
    double *teacher;   /* (d) unit teacher direction, or NULL */
    int classes;       /* > 0 when targets encode classes (one-hot or sign) */
} gs_dataset;

void gs_dataset_free(gs_dataset *ds);
/* Deep copy; returns 0, or -1 when out of memory. */
int gs_dataset_copy(gs_dataset *dst, const gs_dataset *src);


/* What to generate. Inputs: "gaussian" (x ~ N(0, I_d)), "sphere" (uniform on
 * the sphere of radius sqrt(d)), "onehot-pairs" (modular arithmetic: x is
 * e_a concatenated with e_b, d = 2P). Teachers, with z = w* . x and w* = e_1:
 * "linear" (y = z), "erf-neuron" (y = erf(z)), "he3" (y = z^3 - 3z),
 * "h1h3" (y = z + eps (z^3 - 3z)), "harmonics" (a sum over the listed degrees
 * l of unit-variance zonal harmonics sqrt(N(d,l)) P_l(x . w* / |x|)), and
 * "modular" (one-hot of (a + b) mod P, P outputs, minus target_offset). */
typedef struct {
    const char *inputs, *teacher, *harmonics;
    int n, n_test, d;
    int P;                  /* modulus for onehot-pairs */
    double train_frac;      /* modular: fraction of the P^2 table used for training;
                               1 trains and tests on the full table */
    double eps;             /* h1h3 cubic weight */
    double label_noise;     /* standard deviation added to training targets */
    double target_offset;   /* subtracted from one-hot targets (e.g. 1/P centres them) */
    uint64_t seed;
} gs_data_spec;

/* Generate a data set. Returns 0, or -1 with a message naming the bad field. */
int gs_data_generate(gs_dataset *ds, const gs_data_spec *spec, char *err, size_t errlen);

/* Normalised Gegenbauer polynomial P_l^(d)(t) with P_l(1) = 1, and the
 * multiplicity N(d, l) of degree-l harmonics on S^(d-1) (as a double). */
double gs_gegenbauer(int l, int d, double t);
double gs_harmonic_multiplicity(int d, int l);

#endif
