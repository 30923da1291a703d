/*
 * datafile.h - read a user's own data from NumPy .npy and CSV files.
 *
 * Every reader returns a row-major float32 matrix (rows, cols) in memory that
 * the caller frees with free(). A 1-D array or a one-column CSV is (rows, 1).
 * Readers reject what they cannot read exactly and write a message into err
 * that names the file, the offending field, line or value, and what is
 * accepted. They never trust a size stated in a file: a size is checked
 * against the bytes actually present before anything is allocated, and no
 * result may exceed GS_DATAFILE_MAX_BYTES of float32 data. Values must be
 * finite and within float32 range.
 *
 * .npy: format versions 1.0, 2.0 and 3.0; dtype '<f4' (float32) or '<f8'
 * (float64, converted to float32); C order; 1 or 2 dimensions, none of them
 * zero. The header dict must contain exactly the keys 'descr',
 * 'fortran_order' and 'shape'.
 *
 * CSV: numbers separated by commas, one row per line. '#' starts a comment
 * that runs to the end of the line; blank lines are skipped. The first row is
 * a header when none of its cells is a number. Every row must have the same
 * number of columns. NOTE: a comma inside a quoted cell is not supported; a
 * cell may only be wrapped whole in one pair of double quotes.
 *
 * Any thread may call these functions; they keep no state between calls.
 */
#ifndef GS_DATAFILE_H
#define GS_DATAFILE_H

#include <stddef.h>

#include "data.h"

/* Maximum size of one result matrix in bytes of float32 data (2 GiB). */
#define GS_DATAFILE_MAX_BYTES ((size_t)2 << 30)

/* Which half of a gs_dataset a loader fills. */
typedef enum { GS_DATAFILE_TRAIN = 0, GS_DATAFILE_TEST = 1 } gs_datafile_part;

/*
 * Read a .npy or .csv file, chosen by its extension (case-insensitive), into
 * a new float32 matrix *out of shape (*rows, *cols). Returns 0, or -1 with a
 * message in err; on failure *out is NULL.
 */
int gs_datafile_read(const char *path, float **out, int *rows, int *cols, char *err,
                     size_t errlen);

/* The same for one format, whatever the extension. */
int gs_npy_read(const char *path, float **out, int *rows, int *cols, char *err, size_t errlen);
int gs_csv_read(const char *path, float **out, int *rows, int *cols, char *err, size_t errlen);

/*
 * Parse a whole file already in memory; name is used only in messages.
 * These are what the file readers call after their size checks, and what the
 * fuzz target drives.
 */
int gs_npy_parse(const unsigned char *bytes, size_t len, const char *name, float **out,
                 int *rows, int *cols, char *err, size_t errlen);
int gs_csv_parse(const char *text, size_t len, const char *name, float **out, int *rows,
                 int *cols, char *err, size_t errlen);

/*
 * Load the train or test part of ds from files: inputs x (n, d) from x_path
 * and targets y (n,) or (n, c) from y_path, ignoring target_cols. With y_path
 * NULL, x_path is one file (CSV or .npy) whose last target_cols columns are
 * the targets. Its other columns are the inputs.
 *
 * Row counts must agree, and when the other part of ds is already loaded, d
 * and c must agree with it. On success the part's arrays are replaced, ds->n
 * (or n_test), d and c are set, and ds->teacher is freed and set to NULL,
 * because data read from files has no known teacher direction. ds->classes is
 * left as it was. Returns 0, or -1 with a message in err and ds unchanged.
 */
int gs_datafile_load_dataset(gs_dataset *ds, gs_datafile_part part, const char *x_path,
                             const char *y_path, int target_cols, char *err, size_t errlen);

#endif
