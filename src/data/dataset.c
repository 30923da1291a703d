/*
 * dataset.c - ownership helpers for gs_dataset. See include/data.h.
 */
#include <stdlib.h>
#include <string.h>

#include "data.h"

void gs_dataset_free(gs_dataset *ds)
{
    free(ds->x_train);
    free(ds->y_train);
    free(ds->x_test);
    free(ds->y_test);
    free(ds->teacher);
    memset(ds, 0, sizeof *ds);
}

static int copy_block(void **dst, const void *src, size_t bytes)
{
    *dst = NULL;
    if (!src)
        return 0;
    *dst = malloc(bytes ? bytes : 1);
    if (!*dst)
        return -1;
    memcpy(*dst, src, bytes);
    return 0;
}

int gs_dataset_copy(gs_dataset *dst, const gs_dataset *src)
{
    size_t f = sizeof(float);
    *dst = *src;
    if (copy_block((void **)&dst->x_train, src->x_train, f * src->n * src->d) ||
        copy_block((void **)&dst->y_train, src->y_train, f * src->n * src->c) ||
        copy_block((void **)&dst->x_test, src->x_test, f * src->n_test * src->d) ||
        copy_block((void **)&dst->y_test, src->y_test, f * src->n_test * src->c) ||
        copy_block((void **)&dst->teacher, src->teacher, sizeof(double) * src->d)) {
        gs_dataset_free(dst);
        return -1;
    }
    return 0;
}
