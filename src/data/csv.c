/*
 * csv.c - reader for numeric CSV files.
 *
 * One row per line, cells separated by commas, spaces and tabs around a cell
 * ignored. '#' starts a comment that runs to the end of the line, so a line
 * that is only a comment, like a blank line, is skipped. The first remaining
 * line is a header when none of its cells is a number, and it is then only
 * checked for its column count. A cell may be wrapped whole in one pair of
 * double quotes. A UTF-8 byte order mark at the start is skipped, and lines
 * may end in "\n" or "\r\n".
 *
 * Numbers are plain decimals: an optional sign, digits with an optional
 * decimal point, and an optional exponent, read with the C locale whatever
 * the process locale is (the screen sets a UTF-8 locale, and some locales use
 * a decimal comma). nan, inf, hexadecimal floats and empty cells are rejected.
 *
 * Any thread may call; no state is kept. The result is row-major float32
 * (rows, cols), allocated with malloc and owned by the caller. Line and
 * column numbers in messages start at 1.
 */
#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "data/snippet.h"
#include "datafile.h"

/* Maximum length of a cell read as a number; a longer cell is rejected. */
#define CSV_MAX_NUMBER 400

typedef struct csv_cell {
    const char *text;
    size_t len;
} csv_cell;

typedef struct csv_reader {
    const char *name;
    locale_t c_locale;
    char *err;
    size_t errlen;
    float *data;        /* rows * cols values so far */
    size_t count, capacity;
    size_t cols;        /* 0 until the header or the first data row */
    size_t cols_line;   /* line that fixed cols */
    size_t rows;
    int header_done;    /* the first non-blank line has been seen */
    csv_cell *cells;    /* cells of the current line */
    size_t cells_capacity;
} csv_reader;

static int csv_is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

static csv_cell csv_trim(const char *s, size_t len)
{
    while (len > 0 && csv_is_space(s[0])) {
        s++;
        len--;
    }
    while (len > 0 && csv_is_space(s[len - 1]))
        len--;
    return (csv_cell){ s, len };
}

/* True when s is a plain decimal number: [+-]digits[.digits][(e|E)[+-]digits]. */
static int csv_is_decimal(const char *s, size_t len)
{
    size_t i = 0, digits = 0;

    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        i++;
        digits++;
    }
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
            digits++;
        }
    }
    if (digits == 0)
        return 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        size_t exp_digits = 0;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
            exp_digits++;
        }
        if (exp_digits == 0)
            return 0;
    }
    return i == len;
}

/* True when s spells a non-finite value that strtod would accept. */
static int csv_is_nonfinite_word(const char *s, size_t len)
{
    if (len > 0 && (s[0] == '+' || s[0] == '-')) {
        s++;
        len--;
    }
    return (len == 3 && (strncasecmp(s, "nan", 3) == 0 || strncasecmp(s, "inf", 3) == 0)) ||
           (len == 8 && strncasecmp(s, "infinity", 8) == 0);
}

/* Remove one pair of double quotes wrapping the whole cell. */
static csv_cell csv_unquote(csv_cell cell)
{
    if (cell.len >= 2 && cell.text[0] == '"' && cell.text[cell.len - 1] == '"')
        return csv_trim(cell.text + 1, cell.len - 2);
    return cell;
}

static int csv_cell_error(csv_reader *r, size_t line, size_t column, csv_cell cell,
                          const char *what)
{
    char shown[GS_SNIPPET_MAX + 4];
    gs_snippet(shown, sizeof shown, cell.text, cell.len);
    snprintf(r->err, r->errlen, "%s:%zu, column %zu: '%s' %s", r->name, line, column, shown,
             what);
    return -1;
}

/*
 * Convert one cell to float. Returns 0, 1 when the cell is not a number at
 * all (so the caller may treat the row as a header), or -1 with a message for
 * a number we reject.
 */
static int csv_parse_number(csv_reader *r, csv_cell cell, size_t line, size_t column,
                            float *value)
{
    char buf[CSV_MAX_NUMBER + 1];

    if (csv_is_nonfinite_word(cell.text, cell.len))
        return csv_cell_error(r, line, column, cell,
                              "is not a finite number; remove or fill missing values");
    if (!csv_is_decimal(cell.text, cell.len))
        return 1;
    if (cell.len > CSV_MAX_NUMBER)
        return csv_cell_error(r, line, column, cell, "is too long to read as a number");
    memcpy(buf, cell.text, cell.len);
    buf[cell.len] = '\0';
    double v = strtod_l(buf, NULL, r->c_locale);
    if (!isfinite(v) || fabs(v) > FLT_MAX)
        return csv_cell_error(r, line, column, cell,
                              "is outside the float32 range (about 3.4e38)");
    *value = (float)v;
    return 0;
}

/* Split a line without its comment into its n cells in r->cells. */
static int csv_split(csv_reader *r, const char *s, size_t len, size_t n)
{
    if (n > r->cells_capacity) {
        csv_cell *grown = realloc(r->cells, n * sizeof *grown);
        if (!grown) {
            snprintf(r->err, r->errlen, "%s: out of memory for a line of %zu cells", r->name, n);
            return -1;
        }
        r->cells = grown;
        r->cells_capacity = n;
    }
    size_t j = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == ',') {
            r->cells[j++] = csv_unquote(csv_trim(s + start, i - start));
            start = i + 1;
        }
    }
    return 0;
}

static size_t csv_count_cells(const char *s, size_t len)
{
    size_t n = 1;
    for (size_t i = 0; i < len; i++)
        n += s[i] == ',';
    return n;
}

static int csv_check_quotes(csv_reader *r, const csv_cell *cells, size_t n, size_t line)
{
    for (size_t j = 0; j < n; j++) {
        if (memchr(cells[j].text, '"', cells[j].len))
            return csv_cell_error(r, line, j + 1, cells[j],
                                  "has a stray double quote; a quoted cell must be quoted "
                                  "whole and must not contain a comma");
    }
    return 0;
}

static int csv_reserve(csv_reader *r, size_t extra)
{
    if (r->count + extra <= r->capacity)
        return 0;
    if (r->count + extra > GS_DATAFILE_MAX_BYTES / sizeof(float)) {
        snprintf(r->err, r->errlen,
                 "%s: more than %zu values, the %zu MiB limit of float32 data; split the file",
                 r->name, GS_DATAFILE_MAX_BYTES / sizeof(float), GS_DATAFILE_MAX_BYTES >> 20);
        return -1;
    }
    size_t capacity = r->capacity ? r->capacity : 1024;
    while (capacity < r->count + extra)
        capacity *= 2;
    if (capacity > GS_DATAFILE_MAX_BYTES / sizeof(float))
        capacity = GS_DATAFILE_MAX_BYTES / sizeof(float);
    float *grown = realloc(r->data, capacity * sizeof *grown);
    if (!grown) {
        snprintf(r->err, r->errlen, "%s: out of memory for %zu values", r->name, capacity);
        return -1;
    }
    r->data = grown;
    r->capacity = capacity;
    return 0;
}

/* Handle one line with its comment removed; blank lines are skipped. */
static int csv_parse_line(csv_reader *r, const char *s, size_t len, size_t line)
{
    csv_cell whole = csv_trim(s, len);
    if (whole.len == 0)
        return 0;

    size_t n = csv_count_cells(whole.text, whole.len);
    if (r->cols != 0 && n != r->cols) {
        snprintf(r->err, r->errlen,
                 "%s:%zu: this row has %zu column%s, but line %zu has %zu; every row must "
                 "have the same number of columns",
                 r->name, line, n, n == 1 ? "" : "s", r->cols_line, r->cols);
        return -1;
    }
    if (r->cols == 0) {
        r->cols = n;
        r->cols_line = line;
    }
    if (csv_split(r, whole.text, whole.len, n) || csv_check_quotes(r, r->cells, n, line) ||
        csv_reserve(r, n))
        return -1;

    const csv_cell *cells = r->cells;

    float *row = r->data + r->count;
    size_t first_text = 0, numbers = 0;
    for (size_t j = 0; j < n; j++) {
        int rc = csv_parse_number(r, cells[j], line, j + 1, &row[j]);
        if (rc < 0)
            return -1;
        if (rc == 1 && first_text == 0)
            first_text = j + 1;
        numbers += rc == 0;
    }

    int first_line = !r->header_done;
    r->header_done = 1;
    if (first_line && numbers == 0)
        return 0;  /* a header of names */
    if (first_text != 0) {
        const char *why = cells[first_text - 1].len == 0
                              ? "is an empty cell; every data cell must hold a number"
                          : first_line
                              ? "is not a number; a header row must contain only names"
                              : "is not a number";
        return csv_cell_error(r, line, first_text, cells[first_text - 1], why);
    }
    r->count += n;
    r->rows++;
    return 0;
}

int gs_csv_parse(const char *text, size_t len, const char *name, float **out, int *rows,
                 int *cols, char *err, size_t errlen)
{
    csv_reader r = { 0 };
    size_t pos = 0, line = 0;
    int rc = -1;

    *out = NULL;
    r.name = name;
    r.err = err;
    r.errlen = errlen;
    r.c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (!r.c_locale) {
        snprintf(err, errlen, "%s: out of memory", name);
        goto done;
    }
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;

    while (pos < len) {
        const char *start = text + pos;
        const char *end = memchr(start, '\n', len - pos);
        size_t line_len = end ? (size_t)(end - start) : len - pos;
        const char *comment = memchr(start, '#', line_len);
        line++;
        if (csv_parse_line(&r, start, comment ? (size_t)(comment - start) : line_len, line))
            goto done;
        pos += line_len + 1;
    }
    if (r.rows == 0) {
        snprintf(err, errlen, "%s: no data rows; expected lines of comma-separated numbers",
                 name);
        goto done;
    }
    if (r.rows > INT32_MAX || r.cols > INT32_MAX) {
        snprintf(err, errlen, "%s: %zu rows of %zu columns is more than this reader accepts",
                 name, r.rows, r.cols);
        goto done;
    }
    *out = r.data;
    *rows = (int)r.rows;
    *cols = (int)r.cols;
    r.data = NULL;
    rc = 0;
done:
    free(r.data);
    free(r.cells);
    if (r.c_locale)
        freelocale(r.c_locale);
    return rc;
}

int gs_csv_read(const char *path, float **out, int *rows, int *cols, char *err, size_t errlen)
{
    struct stat st;
    char *text = NULL;
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
    if ((uint64_t)st.st_size > GS_DATAFILE_MAX_BYTES) {
        snprintf(err, errlen,
                 "%s: file is %lld bytes, more than the %zu MiB this reader accepts; save "
                 "large data as .npy",
                 path, (long long)st.st_size, GS_DATAFILE_MAX_BYTES >> 20);
        goto done;
    }
    size_t size = (size_t)st.st_size;
    text = malloc(size ? size : 1);
    if (!text) {
        snprintf(err, errlen, "%s: out of memory reading %zu bytes", path, size);
        goto done;
    }
    if (fread(text, 1, size, f) != size) {
        snprintf(err, errlen, "%s: read failed or the file shrank while being read", path);
        goto done;
    }
    rc = gs_csv_parse(text, size, path, out, rows, cols, err, errlen);
done:
    free(text);
    fclose(f);
    return rc;
}
