/*
 * test_datafile.c - tests of the .npy and CSV readers and the data set loader.
 *
 * The .npy files are assembled byte by byte here, from the format's layout
 * (magic, version, header length, header dict, raw little-endian data), so
 * the tests need no NumPy. Every file lives in a fresh temporary folder that
 * the group teardown removes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datafile.h"

#define ERRLEN 512

typedef struct fixture {
    char dir[64];
    char path[128];  /* last path made by fixture_path */
} fixture;

static int group_setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    snprintf(fx->dir, sizeof fx->dir, "/tmp/gs_datafile_XXXXXX");
    if (!mkdtemp(fx->dir)) {
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int group_teardown(void **state)
{
    fixture *fx = *state;
    DIR *dir = opendir(fx->dir);
    if (dir) {
        struct dirent *entry;
        char path[sizeof fx->dir + sizeof entry->d_name + 1];
        while ((entry = readdir(dir)) != NULL) {
            if (entry->d_name[0] == '.')
                continue;
            snprintf(path, sizeof path, "%s/%s", fx->dir, entry->d_name);
            unlink(path);
        }
        closedir(dir);
    }
    rmdir(fx->dir);
    free(fx);
    return 0;
}

static const char *fixture_path(fixture *fx, const char *name)
{
    snprintf(fx->path, sizeof fx->path, "%s/%s", fx->dir, name);
    return fx->path;
}

static void write_bytes(const char *path, const void *bytes, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void write_text(const char *path, const char *text)
{
    write_bytes(path, text, strlen(text));
}

/* ---- building .npy files ------------------------------------------------ */

typedef struct npy_bytes {
    unsigned char b[4096];
    size_t len;
} npy_bytes;

static void npy_put(npy_bytes *f, const void *src, size_t n)
{
    assert_true(f->len + n <= sizeof f->b);
    memcpy(f->b + f->len, src, n);
    f->len += n;
}

/*
 * Start a .npy file: magic, version major.0, header length and the dict,
 * padded with spaces and a newline so the data starts at a multiple of 64 as
 * NumPy writes it. With pad 0 the dict is written as given, unpadded.
 */
static void npy_begin(npy_bytes *f, int major, const char *dict, int pad)
{
    size_t prefix = major == 1 ? 10 : 12;
    size_t dict_len = strlen(dict);
    size_t total = dict_len;
    if (pad)
        total = ((prefix + dict_len + 1 + 63) / 64) * 64 - prefix;

    f->len = 0;
    npy_put(f, "\x93NUMPY", 6);
    f->b[f->len++] = (unsigned char)major;
    f->b[f->len++] = 0;
    f->b[f->len++] = (unsigned char)(total & 0xff);
    f->b[f->len++] = (unsigned char)((total >> 8) & 0xff);
    if (major != 1) {
        f->b[f->len++] = (unsigned char)((total >> 16) & 0xff);
        f->b[f->len++] = (unsigned char)((total >> 24) & 0xff);
    }
    npy_put(f, dict, dict_len);
    if (pad) {
        while (f->len < prefix + total - 1)
            f->b[f->len++] = ' ';
        f->b[f->len++] = '\n';
    }
}

static void npy_put_f32(npy_bytes *f, float v)
{
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    for (int k = 0; k < 4; k++)
        f->b[f->len++] = (unsigned char)(bits >> (8 * k));
}

static void npy_put_f64(npy_bytes *f, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    for (int k = 0; k < 8; k++)
        f->b[f->len++] = (unsigned char)(bits >> (8 * k));
}

/* Write f to a file and read it back through gs_datafile_read. */
static int npy_read_back(fixture *fx, const npy_bytes *f, const char *name, float **out,
                         int *rows, int *cols, char *err)
{
    const char *path = fixture_path(fx, name);
    write_bytes(path, f->b, f->len);
    return gs_datafile_read(path, out, rows, cols, err, ERRLEN);
}

/* ---- .npy round trips --------------------------------------------------- */

static void npy_float32_2d_round_trip(void **state)
{
    const float values[6] = { 1.5f, -2.25f, 3.0e-8f, 1.0e30f, 0.0f, -7.0f };
    npy_bytes f;
    float *out;
    int rows = 0, cols = 0;
    char err[ERRLEN];

    npy_begin(&f, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", 1);
    assert_int_equal(f.len % 64, 0);
    for (int i = 0; i < 6; i++)
        npy_put_f32(&f, values[i]);

    assert_int_equal(npy_read_back(*state, &f, "f32.npy", &out, &rows, &cols, err), 0);
    assert_int_equal(rows, 3);
    assert_int_equal(cols, 2);
    for (int i = 0; i < 6; i++)
        assert_memory_equal(&out[i], &values[i], sizeof(float));  /* bit-exact */
    free(out);
}

static void npy_float64_converts_to_float32(void **state)
{
    const double values[4] = { 0.1, -1.0 / 3.0, 1.0e-40, 123456789.0 };
    npy_bytes f;
    float *out;
    int rows = 0, cols = 0;
    char err[ERRLEN];

    npy_begin(&f, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 1);
    for (int i = 0; i < 4; i++)
        npy_put_f64(&f, values[i]);

    assert_int_equal(npy_read_back(*state, &f, "f64.npy", &out, &rows, &cols, err), 0);
    assert_int_equal(rows, 2);
    assert_int_equal(cols, 2);
    /* Conversion is the C cast, so each value must equal the rounded double exactly. */
    for (int i = 0; i < 4; i++)
        assert_true(out[i] == (float)values[i]);
    free(out);
}

static void npy_1d_reads_as_column(void **state)
{
    npy_bytes f;
    float *out;
    int rows = 0, cols = 0;
    char err[ERRLEN];

    npy_begin(&f, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", 1);
    for (int i = 0; i < 5; i++)
        npy_put_f32(&f, (float)(i * i));

    assert_int_equal(npy_read_back(*state, &f, "vec.npy", &out, &rows, &cols, err), 0);
    assert_int_equal(rows, 5);
    assert_int_equal(cols, 1);
    for (int i = 0; i < 5; i++)
        assert_true(out[i] == (float)(i * i));
    free(out);
}

/* Versions 2.0 and 3.0 use a 4-byte header length; also unpadded, double-quoted dicts. */
static void npy_versions_and_dict_spellings(void **state)
{
    static const struct {
        int major, pad;
        const char *dict;
    } cases[] = {
        { 2, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1), }" },
        { 3, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1), }" },
        { 1, 0, "{\"shape\":(2,1),\"descr\":\"<f8\",\"fortran_order\":False}" },
        { 1, 0, "{'descr':'<f8','fortran_order':False,'shape':(2,1,)}" },
        { 1, 0, "{ 'descr' : '<f8' ,\n 'fortran_order' : False , 'shape' : ( 2 , 1 ) }\n" },
        { 1, 0, "{'descr':'<f8','fortran_order':False,'shape':(2,1)}" },
    };
    char err[ERRLEN];

    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        npy_bytes f;
        float *out = NULL;
        int rows = 0, cols = 0;

        npy_begin(&f, cases[k].major, cases[k].dict, cases[k].pad);
        npy_put_f64(&f, 4.0);
        npy_put_f64(&f, -0.5);
        int rc = npy_read_back(*state, &f, "spelling.npy", &out, &rows, &cols, err);
        if (rc != 0)
            print_error("case %zu: %s\n", k, err);
        assert_int_equal(rc, 0);
        assert_int_equal(rows, 2);
        assert_int_equal(cols, 1);
        assert_true(out[0] == 4.0f);
        assert_true(out[1] == -0.5f);
        free(out);
    }
}

/*
 * The file reader converts in 64 KiB chunks. A (300, 70) float64 array spans
 * three chunks, and a NaN in the third must be reported at its own index.
 */
static void npy_file_reads_across_chunks(void **state)
{
    const int rows = 300, cols = 70;
    size_t count = (size_t)rows * cols;
    npy_bytes head;
    char err[ERRLEN];
    float *out;
    int out_rows = 0, out_cols = 0;

    npy_begin(&head, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (300, 70), }", 1);
    unsigned char *file = malloc(head.len + 8 * count);
    assert_non_null(file);
    memcpy(file, head.b, head.len);
    for (size_t i = 0; i < count; i++) {
        double v = (double)i * 0.25 - 1000.0;
        uint64_t bits;
        memcpy(&bits, &v, sizeof bits);
        for (int k = 0; k < 8; k++)
            file[head.len + 8 * i + k] = (unsigned char)(bits >> (8 * k));
    }
    const char *path = fixture_path(*state, "chunks.npy");
    write_bytes(path, file, head.len + 8 * count);

    assert_int_equal(gs_datafile_read(path, &out, &out_rows, &out_cols, err, ERRLEN), 0);
    assert_int_equal(out_rows, rows);
    assert_int_equal(out_cols, cols);
    for (size_t i = 0; i < count; i++) {
        if (out[i] != (float)((double)i * 0.25 - 1000.0))
            fail_msg("element %zu is %g", i, out[i]);
    }
    free(out);

    /* Element [250, 3] lies at byte 8 * 17503, in the third 64 KiB chunk. */
    double nan_value = NAN;
    uint64_t bits;
    memcpy(&bits, &nan_value, sizeof bits);
    for (int k = 0; k < 8; k++)
        file[head.len + 8 * (250 * 70 + 3) + k] = (unsigned char)(bits >> (8 * k));
    write_bytes(path, file, head.len + 8 * count);
    assert_int_equal(gs_datafile_read(path, &out, &out_rows, &out_cols, err, ERRLEN), -1);
    assert_non_null(strstr(err, "element [250, 3]"));
    free(file);
}

/* ---- .npy rejections ---------------------------------------------------- */

typedef struct npy_reject_case {
    const char *what;
    int major;
    const char *dict;
    size_t data_bytes;    /* zero bytes of data written after the header */
    const char *expect[3];  /* substrings the message must contain */
} npy_reject_case;

static const npy_reject_case npy_rejects[] = {
    { "fortran order", 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16,
      { "'fortran_order'", "True", "False (C order)" } },
    { "big-endian float32", 1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }",
      16, { "'descr'", "'>f4'", "big-endian" } },
    { "big-endian float64", 1, "{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }",
      16, { "'descr'", "'>f8'", "'<f8' (float64)" } },
    { "int64 dtype", 1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", 16,
      { "'descr'", "'<i8'", "'<f4' (float32)" } },
    { "object dtype", 1, "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", 16,
      { "'descr'", "'|O'", "unsupported dtype" } },
    { "structured dtype", 1,
      "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 8,
      { "'descr'", "structured", "'<f4'" } },
    { "three dimensions", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 2), }",
      32, { "'shape'", "(2, 2, 2)", "3 dimensions" } },
    { "zero dimensions", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 4,
      { "'shape'", "0 dimensions", "accepted" } },
    { "empty array", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }", 0,
      { "'shape'", "(0, 3)", "empty" } },
    { "shape not a tuple", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': 4, }", 16,
      { "'shape'", "tuple", "'4, }" } },
    { "one-element shape without comma", 1,
      "{'descr': '<f4', 'fortran_order': False, 'shape': (4), }", 16,
      { "'shape'", "trailing comma", "invalid" } },
    { "leading zero in shape", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (04,), }",
      16, { "'shape'", "leading zero", "'04,)" } },
    { "negative dimension", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-4,), }",
      16, { "'shape'", "non-negative integer", "'-4,)" } },
    { "dimension above INT_MAX", 1,
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2147483648,), }", 16,
      { "'shape'", "dimension above the maximum", "2147483647" } },
    { "missing shape", 1, "{'descr': '<f4', 'fortran_order': False, }", 16,
      { "lacks the key 'shape'", "'descr'", "'fortran_order'" } },
    { "unknown key", 1,
      "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'extra': 1, }", 16,
      { "unknown key 'extra'", "accepted keys", "'shape'" } },
    { "duplicate key", 1,
      "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", 16,
      { "key 'descr' twice", ".npy", "header" } },
    { "fortran_order not a boolean", 1, "{'descr': '<f4', 'fortran_order': 0, 'shape': (4,), }",
      16, { "'fortran_order' must be True or False", "'0, ", "invalid" } },
    { "quote missing in descr", 1,
      "{'descr': '<f4, 'fortran_order': False, 'shape': (4,), }", 16,
      { "'descr'", "'<f4, '", "unsupported dtype" } },
    { "unterminated string", 1, "{'descr': '<f4", 16,
      { "unterminated string", "invalid", "'<f4" } },
    { "escape in string", 1, "{'descr': '<\\x66\\x34', 'fortran_order': False, 'shape': (4,), }",
      16, { "escapes are not supported", "invalid", "'<\\x66" } },
    { "text after dict", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), } x", 16,
      { "unexpected text after the header dict", "at 'x", "invalid" } },
    { "no opening brace", 1, "'descr': '<f4', 'fortran_order': False, 'shape': (4,)", 16,
      { "expected '{'", "invalid", "header" } },
    { "unsupported version", 4, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }",
      16, { "version 4.0", "1.0, 2.0, 3.0", "not supported" } },
    { "truncated data", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", 40,
      { "truncated", "48 bytes", "only 40" } },
    { "trailing data", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 16,
      { "16 bytes follow", "(3,)", "exactly 12" } },
    { "huge shape, small file", 1,
      "{'descr': '<f8', 'fortran_order': False, 'shape': (100000000, 2), }", 16,
      { "truncated", "1600000000 bytes", "only 16" } },
    { "shape above the size cap", 1,
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2147483647, 2147483647), }", 16,
      { "(2147483647, 2147483647)", "elements", "2048 MiB limit" } },
};

/* Run one rejection case through both the file reader and the in-memory parser. */
static void check_npy_reject(fixture *fx, const npy_reject_case *rc)
{
    npy_bytes f;
    float *out = (float *)&f;  /* not NULL, so the check below proves it was reset */
    int rows = -1, cols = -1;
    char err[ERRLEN];

    npy_begin(&f, rc->major, rc->dict, 1);
    assert_true(f.len + rc->data_bytes <= sizeof f.b);
    memset(f.b + f.len, 0, rc->data_bytes);
    f.len += rc->data_bytes;

    const char *path = fixture_path(fx, "reject.npy");
    write_bytes(path, f.b, f.len);
    err[0] = '\0';
    assert_int_equal(gs_npy_read(path, &out, &rows, &cols, err, ERRLEN), -1);
    assert_null(out);
    if (!strstr(err, path))
        fail_msg("%s: message does not name the file: %s", rc->what, err);
    for (int k = 0; k < 3; k++) {
        if (!strstr(err, rc->expect[k]))
            fail_msg("%s: message lacks \"%s\": %s", rc->what, rc->expect[k], err);
    }

    char mem_err[ERRLEN];
    out = (float *)&f;
    assert_int_equal(gs_npy_parse(f.b, f.len, "memory.npy", &out, &rows, &cols, mem_err, ERRLEN),
                     -1);
    assert_null(out);
    for (int k = 0; k < 3; k++) {
        if (!strstr(mem_err, rc->expect[k]))
            fail_msg("%s (in memory): message lacks \"%s\": %s", rc->what, rc->expect[k],
                     mem_err);
    }
}

static void npy_rejections_name_problem(void **state)
{
    for (size_t k = 0; k < sizeof npy_rejects / sizeof npy_rejects[0]; k++)
        check_npy_reject(*state, &npy_rejects[k]);
}

static void npy_bad_magic_rejected(void **state)
{
    const char *path = fixture_path(*state, "text.npy");
    float *out;
    int rows, cols;
    char err[ERRLEN];

    write_text(path, "this is not numpy data\n");
    assert_int_equal(gs_npy_read(path, &out, &rows, &cols, err, ERRLEN), -1);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "magic string"));

    write_text(path, "");
    assert_int_equal(gs_npy_read(path, &out, &rows, &cols, err, ERRLEN), -1);
    assert_non_null(strstr(err, "magic string"));
}

static void npy_header_past_file_end(void **state)
{
    npy_bytes f;
    float *out;
    int rows, cols;
    char err[ERRLEN];

    npy_begin(&f, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 1);
    f.len = 30;  /* cut inside the header dict */
    const char *path = fixture_path(*state, "cut.npy");
    write_bytes(path, f.b, f.len);
    assert_int_equal(gs_npy_read(path, &out, &rows, &cols, err, ERRLEN), -1);
    assert_non_null(strstr(err, "ends inside the .npy header"));

    f.len = 9;  /* cut inside the header length field */
    write_bytes(path, f.b, f.len);
    assert_int_equal(gs_npy_read(path, &out, &rows, &cols, err, ERRLEN), -1);
    assert_non_null(strstr(err, "header length field"));
}

static void npy_header_length_capped(void **state)
{
    npy_bytes f;
    float *out;
    int rows, cols;
    char err[ERRLEN];

    npy_begin(&f, 2, "{}", 0);
    /* State a 16 MiB header in the 4-byte length field of version 2.0. */
    f.b[8] = 0;
    f.b[9] = 0;
    f.b[10] = 0;
    f.b[11] = 1;
    assert_int_equal(npy_read_back(*state, &f, "longhead.npy", &out, &rows, &cols, err), -1);
    assert_non_null(strstr(err, "header length 16777216"));
    assert_non_null(strstr(err, "exceeds the maximum"));
}

static void npy_nonfinite_values_rejected(void **state)
{
    npy_bytes f;
    float *out;
    int rows, cols;
    char err[ERRLEN];

    npy_begin(&f, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 1);
    for (int i = 0; i < 6; i++)
        npy_put_f32(&f, i == 4 ? NAN : 1.0f);
    assert_int_equal(npy_read_back(*state, &f, "nan.npy", &out, &rows, &cols, err), -1);
    assert_non_null(strstr(err, "element [1, 1]"));
    assert_non_null(strstr(err, "not finite"));

    npy_begin(&f, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", 1);
    npy_put_f64(&f, 1.0);
    npy_put_f64(&f, 2.0);
    npy_put_f64(&f, -1e300);
    assert_int_equal(npy_read_back(*state, &f, "big.npy", &out, &rows, &cols, err), -1);
    assert_non_null(strstr(err, "element [2]"));
    assert_non_null(strstr(err, "outside the float32 range"));
}

/* ---- CSV ---------------------------------------------------------------- */

static int csv_read_text(fixture *fx, const char *text, float **out, int *rows, int *cols,
                         char *err)
{
    const char *path = fixture_path(fx, "data.csv");
    write_text(path, text);
    return gs_datafile_read(path, out, rows, cols, err, ERRLEN);
}

static void csv_header_and_comments(void **state)
{
    const char *text = "\xEF\xBB\xBF# generated by hand\r\n"
                       "x1, x2 ,\"y\"\r\n"
                       "\n"
                       "1, 2.5, -3e2   # first sample\r\n"
                       "   # a whole-line comment\n"
                       "\t-.5,5.,\"1E-3\"\n";
    float *out;
    int rows = 0, cols = 0;
    char err[ERRLEN];

    int rc = csv_read_text(*state, text, &out, &rows, &cols, err);
    if (rc)
        print_error("%s\n", err);
    assert_int_equal(rc, 0);
    assert_int_equal(rows, 2);
    assert_int_equal(cols, 3);
    const float expect[6] = { 1.0f, 2.5f, -300.0f, -0.5f, 5.0f, 1e-3f };
    for (int i = 0; i < 6; i++)
        assert_true(out[i] == expect[i]);
    free(out);
}

static void csv_without_header(void **state)
{
    float *out;
    int rows = 0, cols = 0;
    char err[ERRLEN];

    assert_int_equal(csv_read_text(*state, "7\n8\n9", &out, &rows, &cols, err), 0);
    assert_int_equal(rows, 3);
    assert_int_equal(cols, 1);
    assert_true(out[0] == 7.0f && out[1] == 8.0f && out[2] == 9.0f);
    free(out);
}

static void csv_ragged_row_names_line(void **state)
{
    const char *text = "a,b,c\n"
                       "1,2,3\n"
                       "# comment\n"
                       "4,5\n";
    float *out;
    int rows, cols;
    char err[ERRLEN];

    assert_int_equal(csv_read_text(*state, text, &out, &rows, &cols, err), -1);
    assert_null(out);
    assert_non_null(strstr(err, "data.csv:4:"));
    assert_non_null(strstr(err, "2 columns"));
    assert_non_null(strstr(err, "line 1 has 3"));
}

static void csv_non_numeric_names_line_column(void **state)
{
    const char *text = "1,2,3\n"
                       "4,5,6\n"
                       "\n"
                       "7,abc,9\n";
    float *out;
    int rows, cols;
    char err[ERRLEN];

    assert_int_equal(csv_read_text(*state, text, &out, &rows, &cols, err), -1);
    assert_non_null(strstr(err, "data.csv:4, column 2"));
    assert_non_null(strstr(err, "'abc'"));
    assert_non_null(strstr(err, "not a number"));
}

typedef struct csv_reject_case {
    const char *what;
    const char *text;
    const char *expect[2];
} csv_reject_case;

static const csv_reject_case csv_rejects[] = {
    { "mixed header", "x,2,y\n1,2,3\n", { "data.csv:1, column 1: 'x'", "only names" } },
    { "nan cell", "1,2\nnan,3\n", { "data.csv:2, column 1: 'nan'", "not a finite number" } },
    { "inf cell", "1,-Infinity\n", { "column 2: '-Infinity'", "not a finite number" } },
    { "empty cell", "1,2,3\n4,,6\n", { "data.csv:2, column 2: ''", "empty cell" } },
    { "trailing comma", "1,2,\n", { "column 3: ''", "empty cell" } },
    { "float32 overflow", "1e39,1\n", { "column 1: '1e39'", "float32 range" } },
    { "hex float", "1,0x10\n", { "column 2: '0x10'", "not a number" } },
    { "two points", "1.2.3,1\n", { "column 1: '1.2.3'", "not a number" } },
    { "bare exponent", "1e,1\n", { "column 1: '1e'", "not a number" } },
    { "stray quote", "\"a,b\",c\n1,2\n", { "data.csv:1, column 1: '\"a'", "double quote" } },
    { "no data", "# only a comment\nx,y\n", { "data.csv", "no data rows" } },
    { "empty file", "", { "data.csv", "no data rows" } },
    { "control byte", "1,2\n3,\0014\n", { "data.csv:2, column 2: '?4'", "not a number" } },
};

static void csv_rejections_name_problem(void **state)
{
    for (size_t k = 0; k < sizeof csv_rejects / sizeof csv_rejects[0]; k++) {
        float *out = NULL;
        int rows, cols;
        char err[ERRLEN];
        err[0] = '\0';
        if (csv_read_text(*state, csv_rejects[k].text, &out, &rows, &cols, err) != -1)
            fail_msg("%s: accepted", csv_rejects[k].what);
        assert_null(out);
        for (int j = 0; j < 2; j++) {
            if (!strstr(err, csv_rejects[k].expect[j]))
                fail_msg("%s: message lacks \"%s\": %s", csv_rejects[k].what,
                         csv_rejects[k].expect[j], err);
        }
    }
}

/* A process locale with a decimal comma must not change how numbers read. */
static void csv_ignores_decimal_comma_locale(void **state)
{
    const char *names[] = { "de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8" };
    const char *set = NULL;
    for (size_t k = 0; k < 3 && !set; k++)
        set = setlocale(LC_NUMERIC, names[k]);
    if (!set)
        skip();  /* no decimal-comma locale installed */

    float *out;
    int rows, cols;
    char err[ERRLEN];
    int rc = csv_read_text(*state, "1.5,2.25\n", &out, &rows, &cols, err);
    setlocale(LC_NUMERIC, "C");
    assert_int_equal(rc, 0);
    assert_true(out[0] == 1.5f && out[1] == 2.25f);
    free(out);
}

/* Text in memory is read up to its length, so a NUL byte is just a bad cell. */
static void csv_parse_nul_byte_in_memory(void **state)
{
    const char text[] = "1,2\n3,\0\n";
    float *out;
    int rows, cols;
    char err[ERRLEN];

    assert_int_equal(gs_csv_parse(text, sizeof text - 1, "memory.csv", &out, &rows, &cols, err,
                                  ERRLEN),
                     -1);
    assert_null(out);
    assert_non_null(strstr(err, "memory.csv:2, column 2: '?'"));
}

/* ---- dispatch and the data set loader ----------------------------------- */

static void read_rejects_unknown_extension(void **state)
{
    const char *path = fixture_path(*state, "data.txt");
    float *out;
    int rows, cols;
    char err[ERRLEN];

    write_text(path, "1,2\n");
    assert_int_equal(gs_datafile_read(path, &out, &rows, &cols, err, ERRLEN), -1);
    assert_non_null(strstr(err, "'.txt'"));
    assert_non_null(strstr(err, ".npy (NumPy) or .csv"));

    path = fixture_path(*state, "DATA.CSV");
    write_text(path, "1,2\n");
    assert_int_equal(gs_datafile_read(path, &out, &rows, &cols, err, ERRLEN), 0);
    free(out);

    assert_int_equal(gs_datafile_read(fixture_path(*state, "absent.csv"), &out, &rows, &cols,
                                      err, ERRLEN),
                     -1);
    assert_non_null(strstr(err, "absent.csv: cannot open"));

    fixture *fx = *state;
    char folder[sizeof fx->dir + 16];
    snprintf(folder, sizeof folder, "%s/folder.npy", fx->dir);
    assert_int_equal(mkdir(folder, 0700), 0);
    assert_int_equal(gs_datafile_read(folder, &out, &rows, &cols, err, ERRLEN), -1);
    assert_non_null(strstr(err, "folder.npy: not a regular file"));
    assert_int_equal(rmdir(folder), 0);
}

/* Write an (n, d) float32 .npy whose entry [i, j] is 10 i + j + offset. */
static void write_npy_matrix(const char *path, int n, int d, int ndim, float offset)
{
    npy_bytes f;
    char dict[128];
    if (ndim == 1)
        snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (%d,), }",
                 n);
    else
        snprintf(dict, sizeof dict,
                 "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }", n, d);
    npy_begin(&f, 1, dict, 1);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < d; j++)
            npy_put_f32(&f, (float)(10 * i + j) + offset);
    write_bytes(path, f.b, f.len);
}

static void load_dataset_from_x_and_y(void **state)
{
    fixture *fx = *state;
    char x_path[128], y_path[128], err[ERRLEN];
    gs_dataset ds = { 0 };

    snprintf(x_path, sizeof x_path, "%s", fixture_path(fx, "x.npy"));
    snprintf(y_path, sizeof y_path, "%s", fixture_path(fx, "y.npy"));
    write_npy_matrix(x_path, 4, 3, 2, 0.0f);
    write_npy_matrix(y_path, 4, 1, 1, 0.5f);

    ds.teacher = calloc(3, sizeof(double));
    assert_int_equal(gs_datafile_load_dataset(&ds, GS_DATAFILE_TRAIN, x_path, y_path, 0, err,
                                              ERRLEN),
                     0);
    assert_int_equal(ds.n, 4);
    assert_int_equal(ds.d, 3);
    assert_int_equal(ds.c, 1);
    assert_null(ds.teacher);
    assert_true(ds.x_train[2 * 3 + 1] == 21.0f);
    assert_true(ds.y_train[3] == 30.5f);

    /* The test part must agree on d and c, but not on n. */
    write_npy_matrix(x_path, 2, 3, 2, 100.0f);
    write_npy_matrix(y_path, 2, 1, 1, 200.0f);
    assert_int_equal(gs_datafile_load_dataset(&ds, GS_DATAFILE_TEST, x_path, y_path, 0, err,
                                              ERRLEN),
                     0);
    assert_int_equal(ds.n_test, 2);
    assert_int_equal(ds.n, 4);
    assert_true(ds.x_test[3] == 110.0f);
    assert_true(ds.y_test[1] == 210.0f);
    gs_dataset_free(&ds);
}

static void load_dataset_rows_mismatch(void **state)
{
    fixture *fx = *state;
    char x_path[128], y_path[128], err[ERRLEN];
    gs_dataset ds = { 0 };

    snprintf(x_path, sizeof x_path, "%s", fixture_path(fx, "x_mismatch.npy"));
    snprintf(y_path, sizeof y_path, "%s", fixture_path(fx, "y_mismatch.csv"));
    write_npy_matrix(x_path, 4, 3, 2, 0.0f);
    write_text(y_path, "y\n1\n2\n3\n4\n5\n");

    assert_int_equal(gs_datafile_load_dataset(&ds, GS_DATAFILE_TRAIN, x_path, y_path, 0, err,
                                              ERRLEN),
                     -1);
    assert_non_null(strstr(err, "x_mismatch.npy has 4 rows"));
    assert_non_null(strstr(err, "y_mismatch.csv has 5"));
    assert_null(ds.x_train);
    assert_null(ds.y_train);
    assert_int_equal(ds.n, 0);

    /* A missing target file fails after the inputs were read; they must be freed. */
    assert_int_equal(gs_datafile_load_dataset(&ds, GS_DATAFILE_TRAIN, x_path,
                                              fixture_path(fx, "absent_y.npy"), 0, err, ERRLEN),
                     -1);
    assert_non_null(strstr(err, "absent_y.npy: cannot open"));
    assert_null(ds.x_train);
}

static void load_dataset_single_csv_targets(void **state)
{
    fixture *fx = *state;
    char err[ERRLEN];
    gs_dataset ds = { 0 };
    const char *path = fixture_path(fx, "xy.csv");

    write_text(path, "x1,x2,x3,y1,y2\n"
                     "1,2,3,4,5\n"
                     "6,7,8,9,10\n");
    assert_int_equal(gs_datafile_load_dataset(&ds, GS_DATAFILE_TEST, path, NULL, 2, err, ERRLEN),
                     0);
    assert_int_equal(ds.n_test, 2);
    assert_int_equal(ds.d, 3);
    assert_int_equal(ds.c, 2);
    const float x_expect[6] = { 1, 2, 3, 6, 7, 8 };
    const float y_expect[4] = { 4, 5, 9, 10 };
    for (int i = 0; i < 6; i++)
        assert_true(ds.x_test[i] == x_expect[i]);
    for (int i = 0; i < 4; i++)
        assert_true(ds.y_test[i] == y_expect[i]);

    /* Training data with one target column no longer matches c = 2. */
    float *kept_x = ds.x_test;
    assert_int_equal(gs_datafile_load_dataset(&ds, GS_DATAFILE_TRAIN, path, NULL, 1, err,
                                              ERRLEN),
                     -1);
    assert_non_null(strstr(err, "4 input and 1 target columns"));
    assert_non_null(strstr(err, "test set already loaded has 3 and 2"));
    assert_null(ds.x_train);
    assert_ptr_equal(ds.x_test, kept_x);

    const int bad_targets[3] = { 0, -1, 5 };
    for (int k = 0; k < 3; k++) {
        assert_int_equal(gs_datafile_load_dataset(&ds, GS_DATAFILE_TEST, path, NULL,
                                                  bad_targets[k], err, ERRLEN),
                         -1);
        assert_non_null(strstr(err, "between 1 and 4"));
    }
    gs_dataset_free(&ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(npy_float32_2d_round_trip),
        cmocka_unit_test(npy_float64_converts_to_float32),
        cmocka_unit_test(npy_1d_reads_as_column),
        cmocka_unit_test(npy_versions_and_dict_spellings),
        cmocka_unit_test(npy_file_reads_across_chunks),
        cmocka_unit_test(npy_rejections_name_problem),
        cmocka_unit_test(npy_bad_magic_rejected),
        cmocka_unit_test(npy_header_past_file_end),
        cmocka_unit_test(npy_header_length_capped),
        cmocka_unit_test(npy_nonfinite_values_rejected),
        cmocka_unit_test(csv_header_and_comments),
        cmocka_unit_test(csv_without_header),
        cmocka_unit_test(csv_ragged_row_names_line),
        cmocka_unit_test(csv_non_numeric_names_line_column),
        cmocka_unit_test(csv_rejections_name_problem),
        cmocka_unit_test(csv_ignores_decimal_comma_locale),
        cmocka_unit_test(csv_parse_nul_byte_in_memory),
        cmocka_unit_test(read_rejects_unknown_extension),
        cmocka_unit_test(load_dataset_from_x_and_y),
        cmocka_unit_test(load_dataset_rows_mismatch),
        cmocka_unit_test(load_dataset_single_csv_targets),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
