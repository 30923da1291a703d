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

#endif
