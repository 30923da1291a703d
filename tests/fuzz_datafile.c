/*
 * fuzz_datafile.c - libFuzzer target for the .npy and CSV parsers.
 *
 * Every input goes to both gs_npy_parse and gs_csv_parse, since a user may
 * give either reader any file. Besides the sanitizers' checks, the target
 * aborts when a parser breaks its contract: on success a non-NULL matrix of
 * at least one finite value, on failure NULL and a non-empty message.
 * Build and run it with tests/run_fuzz_datafile.sh; it is not part of make.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datafile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_result(int rc, float *out, int rows, int cols, const char *err,
                         const char *parser)
{
    if (rc == 0) {
        if (!out || rows < 1 || cols < 1) {
            fprintf(stderr, "%s: success with out=%p rows=%d cols=%d\n", parser, (void *)out,
                    rows, cols);
            abort();
        }
        for (size_t i = 0; i < (size_t)rows * (size_t)cols; i++) {
            if (!isfinite(out[i])) {
                fprintf(stderr, "%s: success with a non-finite value at %zu\n", parser, i);
                abort();
            }
        }
    } else if (rc != -1 || out != NULL || err[0] == '\0' || strlen(err) >= 512) {
        fprintf(stderr, "%s: failure rc=%d out=%p err='%s'\n", parser, rc, (void *)out, err);
        abort();
    }
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    float *out;
    int rows = 0, cols = 0;
    char err[512];

    err[0] = '\0';
    int rc = gs_npy_parse(data, size, "fuzz.npy", &out, &rows, &cols, err, sizeof err);
    check_result(rc, out, rows, cols, err, "npy");

    err[0] = '\0';
    rows = cols = 0;
    rc = gs_csv_parse((const char *)data, size, "fuzz.csv", &out, &rows, &cols, err, sizeof err);
    check_result(rc, out, rows, cols, err, "csv");
    return 0;
}
