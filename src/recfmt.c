/*
 * recfmt.c - encode and decode the records and chunk headers of a .gsr
 * recording. See recfmt.h for the layout. Pure functions, callable from any
 * thread; no allocation.
 */
#include "recfmt.h"

#include <string.h>
#include <zlib.h>

void recfmt_put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

void recfmt_put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void recfmt_put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

uint16_t recfmt_get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

uint32_t recfmt_get_u32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

uint64_t recfmt_get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

void recfmt_chunk_header_encode(const recfmt_chunk_header *h, uint8_t *out)
{
    memcpy(out, RECFMT_CHUNK_MAGIC, RECFMT_MAGIC_LEN);
    recfmt_put_u32(out + 8, h->comp_len);
    recfmt_put_u32(out + 12, h->raw_len);
    recfmt_put_u32(out + 16, h->raw_crc);
    recfmt_put_u32(out + 20, h->nrecords);
    recfmt_put_u64(out + 24, (uint64_t)h->first_step);
    recfmt_put_u64(out + 32, (uint64_t)h->last_step);
    recfmt_put_u32(out + 40, h->flags);
    recfmt_put_u32(out + 44, (uint32_t)crc32(0L, out, 44));
}

int recfmt_chunk_header_decode(const uint8_t *in, recfmt_chunk_header *h, const char **what)
{
    if (memcmp(in, RECFMT_CHUNK_MAGIC, RECFMT_MAGIC_LEN) != 0) {
        *what = "no chunk magic";
        return -1;
    }
    if (recfmt_get_u32(in + 44) != (uint32_t)crc32(0L, in, 44)) {
        *what = "chunk header CRC mismatch";
        return -1;
    }
    h->comp_len = recfmt_get_u32(in + 8);
    h->raw_len = recfmt_get_u32(in + 12);
    h->raw_crc = recfmt_get_u32(in + 16);
    h->nrecords = recfmt_get_u32(in + 20);
    h->first_step = (int64_t)recfmt_get_u64(in + 24);
    h->last_step = (int64_t)recfmt_get_u64(in + 32);
    h->flags = recfmt_get_u32(in + 40);
    return 0;
}

/* ---- encoding --------------------------------------------------------- */

typedef struct {
    uint8_t *p;
    size_t len, cap;
    int overflow;
} out_buf;

static void put_bytes(out_buf *b, const void *src, size_t n)
{
    if (b->len + n > b->cap) {
        b->overflow = 1;
        return;
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

static void put_u8(out_buf *b, unsigned v)
{
    uint8_t c = (uint8_t)v;
    put_bytes(b, &c, 1);
}

static void put_u16(out_buf *b, unsigned v)
{
    uint8_t tmp[2];
    recfmt_put_u16(tmp, (uint16_t)v);
    put_bytes(b, tmp, 2);
}

static void put_u32(out_buf *b, uint32_t v)
{
    uint8_t tmp[4];
    recfmt_put_u32(tmp, v);
    put_bytes(b, tmp, 4);
}

static void put_u64(out_buf *b, uint64_t v)
{
    uint8_t tmp[8];
    recfmt_put_u64(tmp, v);
    put_bytes(b, tmp, 8);
}

static void put_f64(out_buf *b, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, 8);
    put_u64(b, bits);
}

static void put_f32(out_buf *b, float v)
{
    uint32_t bits;
    memcpy(&bits, &v, 4);
    put_u32(b, bits);
}

/* A name of at most GS_NAME_MAX - 1 bytes, stopping at the first NUL. */
static void put_name8(out_buf *b, const char *s)
{
    size_t n = strnlen(s, GS_NAME_MAX - 1);
    put_u8(b, (unsigned)n);
    put_bytes(b, s, n);
}

static int clip(int v, int lo, int hi)
{
    if (v < lo)
        return lo;
    if (v > hi)
        return hi;
    return v;
}

static void encode_body(const gs_frame *f, out_buf *b)
{
    put_u64(b, (uint64_t)f->step);
    put_f64(b, f->t);
    put_f64(b, f->wall);

    switch (f->kind) {
    case GS_REC_SCALARS: {
        const gs_scalars *s = &f->u.scalars;
        int n = clip(s->nseries, 0, GS_MAX_SERIES);
        put_u16(b, (unsigned)n);
        put_u32(b, s->theory_stale);
        for (int i = 0; i < n; i++)
            put_f64(b, s->v[i]);
        break;
    }
    case GS_REC_HISTOGRAM: {
        const gs_histogram *h = &f->u.hist;
        int n = clip(h->nbins, 0, GS_MAX_BINS);
        put_name8(b, h->name);
        put_u16(b, (unsigned)n);
        put_f64(b, h->lo);
        put_f64(b, h->hi);
        put_u8(b, h->theory_valid ? 1 : 0);
        for (int i = 0; i < n; i++)
            put_f32(b, h->count[i]);
        if (h->theory_valid)
            for (int i = 0; i < n; i++)
                put_f32(b, h->theory[i]);
        break;
    }
    case GS_REC_MATRIX: {
        const gs_matrix *m = &f->u.matrix;
        int rows = clip(m->rows, 0, GS_MAX_MATRIX);
        int cols = clip(m->cols, 0, GS_MAX_MATRIX);
        if ((long)rows * cols > GS_MAX_MATRIX)
            rows = cols > 0 ? GS_MAX_MATRIX / cols : 0;
        put_name8(b, m->name);
        put_u16(b, (unsigned)rows);
        put_u16(b, (unsigned)cols);
        for (int i = 0; i < rows * cols; i++)
            put_f32(b, m->v[i]);
        break;
    }
    case GS_REC_EVENT: {
        const gs_event *e = &f->u.event;
        size_t n = strnlen(e->text, GS_TEXT_MAX - 1);
        put_u8(b, (unsigned)clip(e->kind, 0, 255));
        put_name8(b, e->name);
        put_f64(b, e->old_value);
        put_f64(b, e->new_value);
        put_u16(b, (unsigned)n);
        put_bytes(b, e->text, n);
        break;
    }
    }
}

size_t recfmt_record_encode(const gs_frame *f, uint8_t *out, size_t cap)
{
    if (f->kind < GS_REC_SCALARS || f->kind > GS_REC_EVENT || cap < RECFMT_RECORD_PREFIX_LEN)
        return 0;
    out_buf b = {out + RECFMT_RECORD_PREFIX_LEN, 0, cap - RECFMT_RECORD_PREFIX_LEN, 0};
    encode_body(f, &b);
    if (b.overflow)
        return 0;
    out[0] = (uint8_t)f->kind;
    recfmt_put_u32(out + 1, (uint32_t)b.len);
    return RECFMT_RECORD_PREFIX_LEN + b.len;
}

/* ---- decoding --------------------------------------------------------- */

typedef struct {
    const uint8_t *p;
    size_t len, pos;
    const char *error; /* first failure, NULL while all reads fit */
} in_buf;

static int take(in_buf *b, size_t n, const uint8_t **where)
{
    if (b->error || n > b->len - b->pos) {
        if (!b->error)
            b->error = "record shorter than its fields";
        return -1;
    }
    *where = b->p + b->pos;
    b->pos += n;
    return 0;
}

static unsigned get_u8(in_buf *b)
{
    const uint8_t *q;
    return take(b, 1, &q) ? 0 : q[0];
}

static unsigned get_u16(in_buf *b)
{
    const uint8_t *q;
    return take(b, 2, &q) ? 0 : recfmt_get_u16(q);
}

static uint32_t get_u32(in_buf *b)
{
    const uint8_t *q;
    return take(b, 4, &q) ? 0 : recfmt_get_u32(q);
}

static uint64_t get_u64(in_buf *b)
{
    const uint8_t *q;
    return take(b, 8, &q) ? 0 : recfmt_get_u64(q);
}

static double get_f64(in_buf *b)
{
    uint64_t bits = get_u64(b);
    double v;
    memcpy(&v, &bits, 8);
    return v;
}

static float get_f32(in_buf *b)
{
    uint32_t bits = get_u32(b);
    float v;
    memcpy(&v, &bits, 4);
    return v;
}

/* Read a string of n bytes into dst[cap], rejecting one that would not fit
 * with its terminating NUL. */
static void get_string(in_buf *b, size_t n, char *dst, size_t cap)
{
    const uint8_t *q;
    if (n >= cap) {
        if (!b->error)
            b->error = "string longer than its field";
        return;
    }
    if (take(b, n, &q) == 0) {
        memcpy(dst, q, n);
        dst[n] = '\0';
    }
}

static void decode_body(in_buf *b, int kind, gs_frame *f)
{
    f->kind = kind;
    f->step = (int64_t)get_u64(b);
    f->t = get_f64(b);
    f->wall = get_f64(b);

    switch (kind) {
    case GS_REC_SCALARS: {
        gs_scalars *s = &f->u.scalars;
        unsigned n = get_u16(b);
        if (n > GS_MAX_SERIES) {
            b->error = "scalar frame with more series than GS_MAX_SERIES";
            return;
        }
        s->nseries = (int)n;
        s->theory_stale = get_u32(b);
        for (unsigned i = 0; i < n; i++)
            s->v[i] = get_f64(b);
        break;
    }
    case GS_REC_HISTOGRAM: {
        gs_histogram *h = &f->u.hist;
        get_string(b, get_u8(b), h->name, sizeof h->name);
        unsigned n = get_u16(b);
        if (n > GS_MAX_BINS) {
            b->error = "histogram with more bins than GS_MAX_BINS";
            return;
        }
        h->nbins = (int)n;
        h->lo = get_f64(b);
        h->hi = get_f64(b);
        h->theory_valid = get_u8(b) != 0;
        for (unsigned i = 0; i < n; i++)
            h->count[i] = get_f32(b);
        for (unsigned i = 0; i < n; i++)
            h->theory[i] = h->theory_valid ? get_f32(b) : 0.0f;
        break;
    }
    case GS_REC_MATRIX: {
        gs_matrix *m = &f->u.matrix;
        get_string(b, get_u8(b), m->name, sizeof m->name);
        unsigned rows = get_u16(b), cols = get_u16(b);
        if ((unsigned long)rows * cols > GS_MAX_MATRIX) {
            b->error = "matrix with more entries than GS_MAX_MATRIX";
            return;
        }
        m->rows = (int)rows;
        m->cols = (int)cols;
        for (unsigned i = 0; i < rows * cols; i++)
            m->v[i] = get_f32(b);
        break;
    }
    case GS_REC_EVENT: {
        gs_event *e = &f->u.event;
        e->kind = (int)get_u8(b);
        get_string(b, get_u8(b), e->name, sizeof e->name);
        e->old_value = get_f64(b);
        e->new_value = get_f64(b);
        get_string(b, get_u16(b), e->text, sizeof e->text);
        break;
    }
    }
}

int recfmt_record_decode(const uint8_t *in, size_t len, size_t *used, gs_frame *out,
                         const char **what)
{
    if (len < RECFMT_RECORD_PREFIX_LEN) {
        *what = "record prefix cut off";
        return -1;
    }
    int kind = in[0];
    uint32_t body_len = recfmt_get_u32(in + 1);
    if (body_len > len - RECFMT_RECORD_PREFIX_LEN) {
        *what = "record body runs past the end of its chunk";
        return -1;
    }
    *used = RECFMT_RECORD_PREFIX_LEN + (size_t)body_len;
    if (kind < GS_REC_SCALARS || kind > GS_REC_EVENT)
        return 0;

    in_buf b = {in + RECFMT_RECORD_PREFIX_LEN, body_len, 0, NULL};
    decode_body(&b, kind, out);
    if (b.error) {
        *what = b.error;
        return -1;
    }
    return 1;
}
