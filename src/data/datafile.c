/*
 * datafile.c - choose a reader by file extension, and fill a gs_dataset from
 * user files. See include/datafile.h for the formats and the contract.
 *
 * Any thread may call. gs_datafile_read returns a malloc'd matrix owned by the
 * caller; gs_datafile_load_dataset hands its arrays to the gs_dataset, which
 * gs_dataset_free releases.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "datafile.h"

/* Return the extension of path's last component, including the dot, or "". */
static const char *datafile_extension(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    return dot && dot != base ? dot : "";
}

int gs_datafile_read(const char *path, float **out, int *rows, int *cols, char *err,
                     size_t errlen)
{
    const char *ext = datafile_extension(path);

    *out = NULL;
    if (strcasecmp(ext, ".npy") == 0)
        return gs_npy_read(path, out, rows, cols, err, errlen);
    if (strcasecmp(ext, ".csv") == 0)
        return gs_csv_read(path, out, rows, cols, err, errlen);
    snprintf(err, errlen,
             "%s: unknown data file type '%s'; accepted extensions: .npy (NumPy) or .csv", path,
             ext);
    return -1;
}

/* Split m (rows, cols) into its first cols - target_cols columns and the rest. */
static int datafile_split(const float *m, int rows, int cols, int target_cols, float **x,
                          float **y, const char *path, char *err, size_t errlen)
{
    int d = cols - target_cols;
    *x = malloc(sizeof(float) * (size_t)rows * (size_t)d);
    *y = malloc(sizeof(float) * (size_t)rows * (size_t)target_cols);
    if (!*x || !*y) {
        free(*x);
        free(*y);
        *x = *y = NULL;
        snprintf(err, errlen, "%s: out of memory splitting inputs from targets", path);
        return -1;
    }
    for (int i = 0; i < rows; i++) {
        const float *row = m + (size_t)i * (size_t)cols;
        memcpy(*x + (size_t)i * (size_t)d, row, sizeof(float) * (size_t)d);
        memcpy(*y + (size_t)i * (size_t)target_cols, row + d, sizeof(float) * (size_t)target_cols);
    }
    return 0;
}

/* Read inputs and targets of one part into new arrays x (n, d) and y (n, c). */
static int datafile_read_xy(const char *x_path, const char *y_path, int target_cols, float **x,
                            float **y, int *n, int *d, int *c, char *err, size_t errlen)
{
    *x = *y = NULL;
    if (y_path) {
        int y_rows;
        if (gs_datafile_read(x_path, x, n, d, err, errlen))
            return -1;
        if (gs_datafile_read(y_path, y, &y_rows, c, err, errlen)) {
            free(*x);
            *x = NULL;
            return -1;
        }
        if (y_rows != *n) {
            snprintf(err, errlen,
                     "%s has %d rows but %s has %d; inputs and targets need one row per sample",
                     x_path, *n, y_path, y_rows);
            free(*x);
            free(*y);
            *x = *y = NULL;
            return -1;
        }
        return 0;
    }

    float *m;
    int cols;
    if (gs_datafile_read(x_path, &m, n, &cols, err, errlen))
        return -1;
    if (target_cols < 1 || target_cols >= cols) {
        snprintf(err, errlen,
                 "%s has %d columns, so the number of target columns must be between 1 and "
                 "%d, not %d",
                 x_path, cols, cols - 1, target_cols);
        free(m);
        return -1;
    }
    int rc = datafile_split(m, *n, cols, target_cols, x, y, x_path, err, errlen);
    free(m);
    *d = cols - target_cols;
    *c = target_cols;
    return rc;
}

int gs_datafile_load_dataset(gs_dataset *ds, gs_datafile_part part, const char *x_path,
                             const char *y_path, int target_cols, char *err, size_t errlen)
{
    const char *name = part == GS_DATAFILE_TRAIN ? "training" : "test";
    const char *other_name = part == GS_DATAFILE_TRAIN ? "test" : "training";
    float *x, *y;
    int n, d, c;

    if (part != GS_DATAFILE_TRAIN && part != GS_DATAFILE_TEST) {
        snprintf(err, errlen, "invalid data set part %d; expected train or test", (int)part);
        return -1;
    }
    if (!x_path) {
        snprintf(err, errlen, "no input file given for the %s set", name);
        return -1;
    }
    if (datafile_read_xy(x_path, y_path, target_cols, &x, &y, &n, &d, &c, err, errlen))
        return -1;

    const float *other_x = part == GS_DATAFILE_TRAIN ? ds->x_test : ds->x_train;
    if (other_x && (d != ds->d || c != ds->c)) {
        snprintf(err, errlen,
                 "%s: the %s set has %d input and %d target columns, but the %s set already "
                 "loaded has %d and %d",
                 y_path ? y_path : x_path, name, d, c, other_name, ds->d, ds->c);
        free(x);
        free(y);
        return -1;
    }

    if (part == GS_DATAFILE_TRAIN) {
        free(ds->x_train);
        free(ds->y_train);
        ds->x_train = x;
        ds->y_train = y;
        ds->n = n;
    } else {
        free(ds->x_test);
        free(ds->y_test);
        ds->x_test = x;
        ds->y_test = y;
        ds->n_test = n;
    }
    ds->d = d;
    ds->c = c;
    free(ds->teacher);
    ds->teacher = NULL;
    return 0;
}
