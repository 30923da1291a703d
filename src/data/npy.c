/*
 * npy.c - reader for NumPy .npy files of float32 or float64 data.
 *
 * A .npy file starts with a 6-byte magic string "\x93NUMPY", a major and a
 * minor version byte, and the length of the header. That length takes 2 bytes,
 * little-endian, in version 1.0 and 4 bytes in 2.0 and 3.0. The header follows,
 * and then the raw array data. The header is the text of a Python dict
 * literal, for example
 *   {'descr': '<f8', 'fortran_order': False, 'shape': (200, 20), }
 * padded with spaces and a newline. We parse that dict with a strict grammar
 * of our own instead of evaluating it: exactly the three keys, string values
 * in single or double quotes without escapes, True or False, and a tuple of
 * decimal integers.
 *
 * Any thread may call; no state is kept. The returned matrix is row-major
 * float32 (rows, cols), allocated with malloc and owned by the caller. A 1-D
 * array of shape (n,) is returned as (n, 1).
 */
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/snippet.h"
#include "datafile.h"

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
/* Header dicts larger than this are rejected; NumPy writes under 200 bytes. */
#define NPY_MAX_HEADER 65536
/* Bytes read from a file per chunk while converting. */
#define NPY_CHUNK 65536

typedef struct npy_header {
    size_t data_offset;  /* bytes before the array data */
    int word_size;       /* 4 for '<f4', 8 for '<f8' */
    int ndim;            /* 1 or 2 */
    int rows, cols;
} npy_header;

/* Cursor over the header dict text, with the file name for messages. */
typedef struct npy_cursor {
    const char *text;
    size_t len, pos;
    const char *name;
    char *err;
    size_t errlen;
} npy_cursor;

static uint32_t npy_load_u32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint64_t npy_load_u64(const unsigned char *b)
{
    return (uint64_t)npy_load_u32(b) | (uint64_t)npy_load_u32(b + 4) << 32;
}

/*
 * Check the magic string and version and find where the header dict starts
 * and how long it is. len may cover only the first 12 bytes of the file.
 */
static int npy_parse_preamble(const unsigned char *b, size_t len, const char *name,
                              size_t *dict_offset, size_t *dict_len, char *err, size_t errlen)
{
    if (len < NPY_MAGIC_LEN + 2 || memcmp(b, NPY_MAGIC, NPY_MAGIC_LEN) != 0) {
        snprintf(err, errlen,
                 "%s: not a .npy file: it does not start with the magic string \\x93NUMPY",
                 name);
        return -1;
    }
    int major = b[6], minor = b[7];
    if (minor != 0 || major < 1 || major > 3) {
        snprintf(err, errlen,
                 "%s: .npy format version %d.%d is not supported; accepted: 1.0, 2.0, 3.0",
                 name, major, minor);
        return -1;
    }
    size_t prefix = major == 1 ? 10 : 12;
    if (len < prefix) {
        snprintf(err, errlen, "%s: file ends inside the .npy header length field", name);
        return -1;
    }
    size_t header_len = major == 1 ? (size_t)b[8] | (size_t)b[9] << 8 : npy_load_u32(b + 8);
    if (header_len > NPY_MAX_HEADER) {
        snprintf(err, errlen,
                 "%s: .npy header length %zu bytes exceeds the maximum %d; the file is "
                 "damaged or not written by NumPy",
                 name, header_len, NPY_MAX_HEADER);
        return -1;
    }
    *dict_offset = prefix;
    *dict_len = header_len;
    return 0;
}

static void npy_skip_space(npy_cursor *c)
{
    while (c->pos < c->len && (c->text[c->pos] == ' ' || c->text[c->pos] == '\t' ||
                               c->text[c->pos] == '\n' || c->text[c->pos] == '\r'))
        c->pos++;
}

/* Write "NAME: header ...: WHAT at 'TEXT'" quoting the text at the cursor. */
static int npy_syntax_error(npy_cursor *c, const char *what)
{
    char shown[GS_SNIPPET_MAX + 4];
    if (c->pos >= c->len) {
        snprintf(c->err, c->errlen, "%s: .npy header is invalid: %s at the end of the header",
                 c->name, what);
    } else {
        gs_snippet(shown, sizeof shown, c->text + c->pos, c->len - c->pos);
        snprintf(c->err, c->errlen, "%s: .npy header is invalid: %s at '%s'", c->name, what,
                 shown);
    }
    return -1;
}

static int npy_expect(npy_cursor *c, char ch, const char *what)
{
    npy_skip_space(c);
    if (c->pos < c->len && c->text[c->pos] == ch) {
        c->pos++;
        return 0;
    }
    return npy_syntax_error(c, what);
}

/* Parse a quoted string without escapes; *start and *n give its contents. */
static int npy_parse_string(npy_cursor *c, const char **start, size_t *n)
{
    npy_skip_space(c);
    if (c->pos >= c->len || (c->text[c->pos] != '\'' && c->text[c->pos] != '"'))
        return npy_syntax_error(c, "expected a quoted string");
    char quote = c->text[c->pos];
    size_t begin = c->pos + 1, end = begin;
    while (end < c->len && c->text[end] != quote && c->text[end] != '\n') {
        if (c->text[end] == '\\')
            return npy_syntax_error(c, "escapes are not supported in header strings");
        end++;
    }
    if (end >= c->len || c->text[end] != quote)
        return npy_syntax_error(c, "unterminated string");
    *start = c->text + begin;
    *n = end - begin;
    c->pos = end + 1;
    return 0;
}

/* True when the text at the cursor is the word w, not followed by a name character. */
static int npy_match_word(const npy_cursor *c, const char *w)
{
    size_t n = strlen(w);
    if (c->len - c->pos < n || memcmp(c->text + c->pos, w, n) != 0)
        return 0;
    if (c->pos + n < c->len) {
        char next = c->text[c->pos + n];
        if ((next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') ||
            (next >= '0' && next <= '9') || next == '_')
            return 0;
    }
    return 1;
}

static int npy_parse_descr(npy_cursor *c, npy_header *h)
{
    npy_skip_space(c);
    if (c->pos < c->len && c->text[c->pos] == '[') {
        snprintf(c->err, c->errlen,
                 "%s: header field 'descr' is a structured dtype (a list of fields); "
                 "accepted: '<f4' (float32) or '<f8' (float64)",
                 c->name);
        return -1;
    }
    const char *s;
    size_t n;
    if (npy_parse_string(c, &s, &n))
        return -1;
    if (n == 3 && memcmp(s, "<f4", 3) == 0) {
        h->word_size = 4;
        return 0;
    }
    if (n == 3 && memcmp(s, "<f8", 3) == 0) {
        h->word_size = 8;
        return 0;
    }
    char shown[GS_SNIPPET_MAX + 4];
    gs_snippet(shown, sizeof shown, s, n);
    const char *why = "unsupported dtype";
    if (n == 3 && s[0] == '>' && (s[2] == '4' || s[2] == '8') && s[1] == 'f')
        why = "big-endian float";
    snprintf(c->err, c->errlen,
             "%s: header field 'descr' is '%s' (%s); accepted: '<f4' (float32) or '<f8' "
             "(float64), little-endian",
             c->name, shown, why);
    return -1;
}

static int npy_parse_fortran_order(npy_cursor *c)
{
    npy_skip_space(c);
    if (npy_match_word(c, "False")) {
        c->pos += 5;
        return 0;
    }
    if (npy_match_word(c, "True")) {
        snprintf(c->err, c->errlen,
                 "%s: header field 'fortran_order' is True (column-major); accepted: False "
                 "(C order); save a C-ordered copy with numpy.ascontiguousarray",
                 c->name);
        return -1;
    }
    return npy_syntax_error(c, "'fortran_order' must be True or False");
}

/* Parse one non-negative decimal integer of a shape tuple, capped at INT_MAX. */
static int npy_parse_dim(npy_cursor *c, long long *dim)
{
    npy_skip_space(c);
    size_t begin = c->pos;
    long long v = 0;
    while (c->pos < c->len && c->text[c->pos] >= '0' && c->text[c->pos] <= '9') {
        v = v * 10 + (c->text[c->pos] - '0');
        if (v > INT_MAX) {
            snprintf(c->err, c->errlen,
                     "%s: header field 'shape' has a dimension above the maximum %d", c->name,
                     INT_MAX);
            return -1;
        }
        c->pos++;
    }
    if (c->pos == begin)
        return npy_syntax_error(c, "expected a non-negative integer in 'shape'");
    if (c->text[begin] == '0' && c->pos - begin > 1) {
        c->pos = begin;
        return npy_syntax_error(c, "a dimension in 'shape' has a leading zero");
    }
    *dim = v;
    return 0;
}

/* Parse a Python tuple of integers: (), (n,), (n, m), (n, m,), (a, b, c) ... */
static int npy_parse_shape(npy_cursor *c, npy_header *h)
{
    long long dims[2] = { 0, 0 };
    int ndim = 0;
    size_t begin;

    npy_skip_space(c);
    begin = c->pos;
    if (npy_expect(c, '(', "'shape' must be a tuple such as (200, 20)"))
        return -1;
    npy_skip_space(c);
    while (c->pos < c->len && c->text[c->pos] != ')') {
        long long dim = 0;
        if (npy_parse_dim(c, &dim))
            return -1;
        if (ndim < 2)
            dims[ndim] = dim;
        ndim++;
        npy_skip_space(c);
        if (c->pos < c->len && c->text[c->pos] == ',') {
            c->pos++;
            npy_skip_space(c);
        } else if (c->pos < c->len && c->text[c->pos] == ')') {
            if (ndim == 1)
                return npy_syntax_error(c, "a one-element 'shape' needs a trailing comma, (n,)");
        } else {
            return npy_syntax_error(c, "expected ',' or ')' in 'shape'");
        }
    }
    if (npy_expect(c, ')', "unterminated 'shape' tuple"))
        return -1;

    char shown[GS_SNIPPET_MAX + 4];
    gs_snippet(shown, sizeof shown, c->text + begin, c->pos - begin);
    if (ndim < 1 || ndim > 2) {
        snprintf(c->err, c->errlen,
                 "%s: header field 'shape' is %s with %d dimensions; accepted: 1 dimension "
                 "(n,) or 2 dimensions (n, d)",
                 c->name, shown, ndim);
        return -1;
    }
    if (dims[0] == 0 || (ndim == 2 && dims[1] == 0)) {
        snprintf(c->err, c->errlen,
                 "%s: header field 'shape' is %s, an empty array; every dimension must be at "
                 "least 1",
                 c->name, shown);
        return -1;
    }
    h->ndim = ndim;
    h->rows = (int)dims[0];
    h->cols = ndim == 2 ? (int)dims[1] : 1;
    return 0;
}

/* Parse the header dict text into h: exactly 'descr', 'fortran_order', 'shape'. */
static int npy_parse_dict(const char *text, size_t len, const char *name, npy_header *h,
                          char *err, size_t errlen)
{
    static const char *const keys[] = { "descr", "fortran_order", "shape" };
    npy_cursor c = { text, len, 0, name, err, errlen };
    int seen[3] = { 0, 0, 0 };

    if (npy_expect(&c, '{', "expected '{' opening the header dict"))
        return -1;
    for (;;) {
        npy_skip_space(&c);
        if (c.pos < c.len && c.text[c.pos] == '}')
            break;

        const char *key;
        size_t key_len;
        if (npy_parse_string(&c, &key, &key_len))
            return -1;
        int k = -1;
        for (int i = 0; i < 3; i++)
            if (strlen(keys[i]) == key_len && memcmp(keys[i], key, key_len) == 0)
                k = i;
        char shown[GS_SNIPPET_MAX + 4];
        gs_snippet(shown, sizeof shown, key, key_len);
        if (k < 0) {
            snprintf(err, errlen,
                     "%s: header has the unknown key '%s'; accepted keys: 'descr', "
                     "'fortran_order', 'shape'",
                     name, shown);
            return -1;
        }
        if (seen[k]) {
            snprintf(err, errlen, "%s: header has the key '%s' twice", name, shown);
            return -1;
        }
        seen[k] = 1;
        if (npy_expect(&c, ':', "expected ':' after a key"))
            return -1;

        int rc = k == 0 ? npy_parse_descr(&c, h)
               : k == 1 ? npy_parse_fortran_order(&c)
                        : npy_parse_shape(&c, h);
        if (rc)
            return -1;

        npy_skip_space(&c);
        if (c.pos < c.len && c.text[c.pos] == ',') {
            c.pos++;
            continue;
        }
        if (c.pos < c.len && c.text[c.pos] == '}')
            break;
        return npy_syntax_error(&c, "expected ',' or '}' after a value");
    }
    c.pos++;
    npy_skip_space(&c);
    if (c.pos != c.len)
        return npy_syntax_error(&c, "unexpected text after the header dict");
    for (int i = 0; i < 3; i++) {
        if (!seen[i]) {
            snprintf(err, errlen,
                     "%s: header lacks the key '%s'; a .npy header must contain 'descr', "
                     "'fortran_order' and 'shape'",
                     name, keys[i]);
            return -1;
        }
    }
    return 0;
}

/*
 * Check the shape against the size cap and against the data bytes present,
 * which must be exactly what the shape and dtype need.
 */
static int npy_check_size(const npy_header *h, uint64_t present, const char *name, char *err,
                          size_t errlen)
{
    uint64_t count = (uint64_t)h->rows * (uint64_t)h->cols;
    const char *type = h->word_size == 4 ? "float32" : "float64";
    char shape[64];

    if (h->ndim == 1)
        snprintf(shape, sizeof shape, "(%d,)", h->rows);
    else
        snprintf(shape, sizeof shape, "(%d, %d)", h->rows, h->cols);
    if (count > GS_DATAFILE_MAX_BYTES / sizeof(float)) {
        snprintf(err, errlen,
                 "%s: shape %s has %llu elements, more than the %zu MiB limit of float32 "
                 "data allows",
                 name, shape, (unsigned long long)count, GS_DATAFILE_MAX_BYTES >> 20);
        return -1;
    }
    uint64_t needed = count * (uint64_t)h->word_size;
    if (present < needed) {
        snprintf(err, errlen,
                 "%s: file is truncated: shape %s of %s needs %llu bytes of data, but only "
                 "%llu follow the header",
                 name, shape, type, (unsigned long long)needed, (unsigned long long)present);
        return -1;
    }
    if (present > needed) {
        snprintf(err, errlen,
                 "%s: %llu bytes follow the header, but shape %s of %s needs exactly %llu; "
                 "the header does not describe the data",
                 name, (unsigned long long)present, shape, type, (unsigned long long)needed);
        return -1;
    }
    return 0;
}

/*
 * Convert count little-endian words from src into dst[first..first+count),
 * rejecting values that are not finite or do not fit in float32.
 */
static int npy_convert(const unsigned char *src, size_t count, const npy_header *h, float *dst,
                       size_t first, const char *name, char *err, size_t errlen)
{
    for (size_t i = 0; i < count; i++) {
        double v;
        if (h->word_size == 4) {
            uint32_t bits = npy_load_u32(src + 4 * i);
            float f;
            memcpy(&f, &bits, sizeof f);
            v = f;
        } else {
            uint64_t bits = npy_load_u64(src + 8 * i);
            memcpy(&v, &bits, sizeof v);
        }
        if (!isfinite(v) || fabs(v) > FLT_MAX) {
            size_t at = first + i;
            char where[64];
            if (h->ndim == 1)
                snprintf(where, sizeof where, "[%zu]", at);
            else
                snprintf(where, sizeof where, "[%zu, %zu]", at / (size_t)h->cols,
                         at % (size_t)h->cols);
            snprintf(err, errlen,
                     "%s: element %s is %g, which is %s; data must be finite float32 values",
                     name, where, v, isfinite(v) ? "outside the float32 range" : "not finite");
            return -1;
        }
        dst[first + i] = (float)v;
    }
    return 0;
}

static float *npy_alloc(const npy_header *h, const char *name, char *err, size_t errlen)
{
    size_t count = (size_t)h->rows * (size_t)h->cols;
    float *out = malloc(count * sizeof *out);
    if (!out)
        snprintf(err, errlen, "%s: out of memory allocating %zu floats", name, count);
    return out;
}

int gs_npy_parse(const unsigned char *bytes, size_t len, const char *name, float **out,
                 int *rows, int *cols, char *err, size_t errlen)
{
    npy_header h;
    size_t dict_offset, dict_len;

    *out = NULL;
    if (npy_parse_preamble(bytes, len, name, &dict_offset, &dict_len, err, errlen))
        return -1;
    if (len - dict_offset < dict_len) {
        snprintf(err, errlen,
                 "%s: file is truncated: it ends inside the .npy header, which states %zu bytes",
                 name, dict_len);
        return -1;
    }
    if (npy_parse_dict((const char *)bytes + dict_offset, dict_len, name, &h, err, errlen))
        return -1;
    h.data_offset = dict_offset + dict_len;
    if (npy_check_size(&h, len - h.data_offset, name, err, errlen))
        return -1;

    float *data = npy_alloc(&h, name, err, errlen);
    if (!data)
        return -1;
    size_t count = (size_t)h.rows * (size_t)h.cols;
    if (npy_convert(bytes + h.data_offset, count, &h, data, 0, name, err, errlen)) {
        free(data);
        return -1;
    }
    *out = data;
    *rows = h.rows;
    *cols = h.cols;
    return 0;
}

/* Read exactly n bytes or fail with a message naming the file. */
static int npy_read_exact(FILE *f, void *buf, size_t n, const char *name, char *err,
                          size_t errlen)
{
    if (fread(buf, 1, n, f) == n)
        return 0;
    if (ferror(f))
        snprintf(err, errlen, "%s: read failed: %s", name, strerror(errno));
    else
        snprintf(err, errlen, "%s: file ended early; was it changed while being read?", name);
    return -1;
}

/* Read the data section chunk by chunk, converting into out. */
static int npy_read_data(FILE *f, const npy_header *h, float *out, const char *name, char *err,
                         size_t errlen)
{
    unsigned char *chunk = malloc(NPY_CHUNK);
    size_t count = (size_t)h->rows * (size_t)h->cols;
    size_t per_chunk = NPY_CHUNK / (size_t)h->word_size;
    int rc = 0;

    if (!chunk) {
        snprintf(err, errlen, "%s: out of memory", name);
        return -1;
    }
    for (size_t done = 0; done < count && rc == 0;) {
        size_t n = count - done < per_chunk ? count - done : per_chunk;
        rc = npy_read_exact(f, chunk, n * (size_t)h->word_size, name, err, errlen);
        if (rc == 0)
            rc = npy_convert(chunk, n, h, out, done, name, err, errlen);
        done += n;
    }
    free(chunk);
    return rc;
}

int gs_npy_read(const char *path, float **out, int *rows, int *cols, char *err, size_t errlen)
{
    unsigned char preamble[12];
    char *dict = NULL;
    float *data = NULL;
    npy_header h;
    size_t dict_offset, dict_len;
    struct stat st;
    int rc = -1;

    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        goto done;
    }

    uint64_t size = (uint64_t)st.st_size;
    size_t head = size < sizeof preamble ? (size_t)size : sizeof preamble;
    if (npy_read_exact(f, preamble, head, path, err, errlen) ||
        npy_parse_preamble(preamble, head, path, &dict_offset, &dict_len, err, errlen))
        goto done;
    if (size < dict_offset + dict_len) {
        snprintf(err, errlen,
                 "%s: file is truncated: it ends inside the .npy header, which states %zu bytes",
                 path, dict_len);
        goto done;
    }
    dict = malloc(dict_len ? dict_len : 1);
    if (!dict) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto done;
    }
    /* The preamble buffer may already hold the first header bytes. */
    size_t have = head - dict_offset;
    memcpy(dict, preamble + dict_offset, have < dict_len ? have : dict_len);
    if (have > dict_len) {
        /* Tiny header: rewind so the data starts where it should. */
        if (fseek(f, (long)(dict_offset + dict_len), SEEK_SET) != 0) {
            snprintf(err, errlen, "%s: seek failed: %s", path, strerror(errno));
            goto done;
        }
    } else if (npy_read_exact(f, dict + have, dict_len - have, path, err, errlen)) {
        goto done;
    }
    if (npy_parse_dict(dict, dict_len, path, &h, err, errlen))
        goto done;
    h.data_offset = dict_offset + dict_len;
    if (npy_check_size(&h, size - h.data_offset, path, err, errlen))
        goto done;

    data = npy_alloc(&h, path, err, errlen);
    if (!data || npy_read_data(f, &h, data, path, err, errlen))
        goto done;
    *out = data;
    *rows = h.rows;
    *cols = h.cols;
    data = NULL;
    rc = 0;
done:
    free(data);
    free(dict);
    fclose(f);
    return rc;
}
