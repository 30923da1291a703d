/*
 * replay.c - the .gsr reader: header, chunk index with resync, chunk
 * inflation and checks. See include/replay.h for the contract and
 * src/recfmt.h for the layout.
 *
 * Indexing reads the file through a window of pread() calls. While chunks
 * are small, the window is 64 KiB, so a file of small chunks is read in
 * large sequential blocks. Once chunks are larger than that, each header
 * costs one 4 KiB read and the payloads are skipped, not read.
 */
#include "replay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "recfmt.h"

#define WINDOW_LARGE (64 * 1024)
#define WINDOW_SMALL 4096
#define HEADER_BODY_MAX (8u << 20)
#define MAX_DAMAGE_REPORTS 1000
/* A deflate match yields at most 258 bytes and costs at least 2 bits, so a
 * zlib stream inflates to at most 1032 times its size (plus framing). */
#define INFLATE_RATIO_MAX 1032u

struct gs_replay {
    int fd;
    char path[256];
    int major, minor;
    gs_recording_header hdr;
    char *preset_text;

    gs_replay_chunk_info *chunks;
    size_t nchunks, chunks_cap;
    int monotonic;             /* steps never decrease: binary search is valid */

    gs_replay_damage *damage;
    size_t ndamage, damage_cap;
    size_t damage_dropped;     /* reports beyond MAX_DAMAGE_REPORTS */

    int64_t scan_pos;          /* next offset to index */
    int64_t file_size;         /* at the last scan */
    int resyncing;             /* the bytes at scan_pos are already reported */

    uint8_t *win;              /* read window for indexing */
    int64_t win_off;
    size_t win_len;
    size_t last_chunk_size;
};

/* ---- small helpers ---------------------------------------------------- */

static int read_at(int fd, void *buf, size_t n, int64_t off, size_t *got)
{
    size_t done = 0;
    while (done < n) {
        ssize_t k = pread(fd, (uint8_t *)buf + done, n - done, (off_t)(off + (int64_t)done));
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (k == 0)
            break;
        done += (size_t)k;
    }
    *got = done;
    return 0;
}

static void add_damage(gs_replay *r, int64_t offset, int64_t skipped, const char *what)
{
    for (size_t i = 0; i < r->ndamage; i++)
        if (r->damage[i].offset == offset)
            return;
    if (r->ndamage >= MAX_DAMAGE_REPORTS) {
        r->damage_dropped++;
        return;
    }
    if (r->ndamage == r->damage_cap) {
        size_t cap = r->damage_cap ? 2 * r->damage_cap : 8;
        gs_replay_damage *d = realloc(r->damage, cap * sizeof *d);
        if (!d)
            return;
        r->damage = d;
        r->damage_cap = cap;
    }
    gs_replay_damage *d = &r->damage[r->ndamage++];
    d->offset = offset;
    d->skipped = skipped;
    snprintf(d->what, sizeof d->what, "%s", what);
}

/* ---- header ----------------------------------------------------------- */

typedef struct {
    const uint8_t *p;
    size_t len, pos;
    int bad;
} hdr_reader;

static uint64_t hdr_u(hdr_reader *h, size_t width)
{
    if (h->bad || width > h->len - h->pos) {
        h->bad = 1;
        return 0;
    }
    uint64_t v = width == 4 ? recfmt_get_u32(h->p + h->pos) : recfmt_get_u64(h->p + h->pos);
    h->pos += width;
    return v;
}

/* Copy a length-prefixed string into dst[cap]; a longer one is invalid. */
static void hdr_str(hdr_reader *h, char *dst, size_t cap)
{
    uint64_t n = hdr_u(h, 4);
    if (h->bad || n >= cap || n > h->len - h->pos) {
        h->bad = 1;
        return;
    }
    memcpy(dst, h->p + h->pos, (size_t)n);
    dst[n] = '\0';
    h->pos += (size_t)n;
}

static int parse_header_body(gs_replay *r, const uint8_t *body, size_t len)
{
    hdr_reader h = {body, len, 0, 0};
    gs_recording_header *hd = &r->hdr;

    hdr_str(&h, hd->program_version, sizeof hd->program_version);
    hdr_str(&h, hd->preset_name, sizeof hd->preset_name);
    uint64_t text_len = hdr_u(&h, 4);
    if (h.bad || text_len > len - h.pos)
        return -1;
    r->preset_text = malloc((size_t)text_len + 1);
    if (!r->preset_text)
        return -1;
    memcpy(r->preset_text, body + h.pos, (size_t)text_len);
    r->preset_text[text_len] = '\0';
    h.pos += (size_t)text_len;
    hd->preset_text = r->preset_text;

    hd->seed = hdr_u(&h, 8);
    hd->created_unix = (int64_t)hdr_u(&h, 8);
    uint64_t nseries = hdr_u(&h, 4);
    if (h.bad || nseries > GS_MAX_SERIES)
        return -1;
    hd->nseries = (int)nseries;
    for (int i = 0; i < hd->nseries; i++) {
        gs_series_decl *d = &hd->series[i];
        hdr_str(&h, d->name, sizeof d->name);
        hdr_str(&h, d->label, sizeof d->label);
        hdr_str(&h, d->unit, sizeof d->unit);
        hdr_str(&h, d->panel, sizeof d->panel);
        d->kind = (int)(int32_t)hdr_u(&h, 4);
        d->pair = (int)(int32_t)hdr_u(&h, 4);
    }
    return h.bad ? -1 : 0;
}

static int read_header(gs_replay *r, char *err, size_t errlen)
{
    uint8_t prefix[RECFMT_FILE_PREFIX_LEN];
    size_t got;

    if (read_at(r->fd, prefix, sizeof prefix, 0, &got) != 0) {
        snprintf(err, errlen, "cannot read %s: %s", r->path, strerror(errno));
        return -1;
    }
    if (got < RECFMT_MAGIC_LEN || memcmp(prefix, RECFMT_MAGIC, RECFMT_MAGIC_LEN) != 0) {
        snprintf(err, errlen, "%s is not a grokscope recording (no .gsr magic at its start)",
                 r->path);
        return -1;
    }
    if (got < sizeof prefix) {
        snprintf(err, errlen, "%s: recording header cut off after %zu bytes", r->path, got);
        return -1;
    }
    r->major = recfmt_get_u16(prefix + 8);
    r->minor = recfmt_get_u16(prefix + 10);
    if (r->major != RECFMT_MAJOR) {
        snprintf(err, errlen,
                 "%s: recording format version %d.%d is not supported; this grokscope reads "
                 "version %d.x (written by a different major release)",
                 r->path, r->major, r->minor, RECFMT_MAJOR);
        return -1;
    }

    uint32_t body_len = recfmt_get_u32(prefix + 12);
    if (body_len > HEADER_BODY_MAX) {
        snprintf(err, errlen, "%s: recording header claims %u bytes, more than the %u allowed",
                 r->path, body_len, HEADER_BODY_MAX);
        return -1;
    }
    uint8_t *body = malloc(body_len ? body_len : 1);
    if (!body) {
        snprintf(err, errlen, "out of memory reading the header of %s", r->path);
        return -1;
    }
    int rc = -1;
    if (read_at(r->fd, body, body_len, RECFMT_FILE_PREFIX_LEN, &got) != 0 || got < body_len)
        snprintf(err, errlen, "%s: recording header cut off (%zu of %u bytes)", r->path, got,
                 body_len);
    else if ((uint32_t)crc32(0L, body, body_len) != recfmt_get_u32(prefix + 16))
        snprintf(err, errlen, "%s: recording header is damaged (CRC-32 mismatch)", r->path);
    else if (parse_header_body(r, body, body_len) != 0)
        snprintf(err, errlen, "%s: recording header is malformed (a field runs past its end "
                 "or exceeds its limit)", r->path);
    else
        rc = 0;
    free(body);
    r->scan_pos = RECFMT_FILE_PREFIX_LEN + (int64_t)body_len;
    return rc;
}

/* ---- index ------------------------------------------------------------ */

/* Point *p at n bytes of the file at off, reading a new window if needed.
 * Returns 0, or -1 when fewer than n bytes exist there. */
static int window_get(gs_replay *r, int64_t off, size_t n, const uint8_t **p)
{
    if (off < r->win_off || off + (int64_t)n > r->win_off + (int64_t)r->win_len) {
        size_t want = r->last_chunk_size >= WINDOW_LARGE ? WINDOW_SMALL : WINDOW_LARGE;
        if (want < n)
            want = n;
        r->win_off = off;
        r->win_len = 0;
        if (read_at(r->fd, r->win, want, off, &r->win_len) != 0 || r->win_len < n)
            return -1;
    }
    *p = r->win + (off - r->win_off);
    return 0;
}

/* Return the offset of the next chunk magic at or after from, or -1. */
static int64_t find_magic(gs_replay *r, int64_t from)
{
    int64_t off = from;
    while (off + RECFMT_MAGIC_LEN <= r->file_size) {
        const uint8_t *p;
        size_t n = (size_t)(r->file_size - off < WINDOW_LARGE ? r->file_size - off : WINDOW_LARGE);
        r->last_chunk_size = 0;
        if (window_get(r, off, n, &p) != 0)
            return -1;
        const uint8_t *hit = memmem(p, n, RECFMT_CHUNK_MAGIC, RECFMT_MAGIC_LEN);
        if (hit)
            return off + (hit - p);
        off += (int64_t)(n - (RECFMT_MAGIC_LEN - 1));
    }
    return -1;
}

static const char *chunk_lengths_invalid(const recfmt_chunk_header *h);

/* Return the offset of the next chunk at or after from whose header is
 * valid and whose payload ends inside the file, or -1. */
static int64_t find_whole_chunk(gs_replay *r, int64_t from)
{
    for (int64_t off = find_magic(r, from); off >= 0; off = find_magic(r, off + 1)) {
        const uint8_t *p;
        recfmt_chunk_header h;
        const char *what;
        if (off + RECFMT_CHUNK_HEADER_LEN > r->file_size ||
            window_get(r, off, RECFMT_CHUNK_HEADER_LEN, &p) != 0)
            return -1;
        if (recfmt_chunk_header_decode(p, &h, &what) == 0 && !chunk_lengths_invalid(&h) &&
            off + RECFMT_CHUNK_HEADER_LEN + (int64_t)h.comp_len <= r->file_size)
            return off;
    }
    return -1;
}

static int add_chunk(gs_replay *r, int64_t off, const recfmt_chunk_header *h)
{
    if (r->nchunks == r->chunks_cap) {
        size_t cap = r->chunks_cap ? 2 * r->chunks_cap : 256;
        gs_replay_chunk_info *c = realloc(r->chunks, cap * sizeof *c);
        if (!c)
            return -1;
        r->chunks = c;
        r->chunks_cap = cap;
    }
    if (r->nchunks > 0 && h->first_step < r->chunks[r->nchunks - 1].last_step)
        r->monotonic = 0;
    if (h->last_step < h->first_step)
        r->monotonic = 0;

    gs_replay_chunk_info *c = &r->chunks[r->nchunks++];
    c->offset = off;
    c->comp_len = h->comp_len;
    c->raw_len = h->raw_len;
    c->nrecords = h->nrecords;
    c->flags = (h->flags & RECFMT_CHUNK_HAS_EVENTS) ? GS_REPLAY_CHUNK_EVENTS : 0;
    c->first_step = h->first_step;
    c->last_step = h->last_step;
    return 0;
}

/* Check the lengths of a chunk header whose CRC matched. */
static const char *chunk_lengths_invalid(const recfmt_chunk_header *h)
{
    if (h->raw_len == 0 || h->comp_len == 0)
        return "chunk with an empty payload";
    if (h->raw_len > GS_REPLAY_MAX_RAW)
        return "chunk claims a raw length above the 64 MiB limit";
    if (h->comp_len > compressBound(h->raw_len))
        return "chunk claims a compressed length larger than zlib can produce";
    if ((uint64_t)h->raw_len > (uint64_t)h->comp_len * INFLATE_RATIO_MAX + 64)
        return "chunk claims a raw length its compressed length cannot inflate to";
    return NULL;
}

static int scan(gs_replay *r, size_t *added, char *err, size_t errlen)
{
    struct stat st;
    size_t before = r->nchunks;

    if (fstat(r->fd, &st) != 0) {
        snprintf(err, errlen, "cannot stat %s: %s", r->path, strerror(errno));
        return -1;
    }
    r->file_size = st.st_size;
    r->win_len = 0; /* the file may have grown under the window */

    int64_t pos = r->scan_pos;
    while (pos + RECFMT_CHUNK_HEADER_LEN <= r->file_size) {
        const uint8_t *p;
        recfmt_chunk_header h;
        const char *what = NULL;

        if (window_get(r, pos, RECFMT_CHUNK_HEADER_LEN, &p) != 0) {
            snprintf(err, errlen, "cannot read %s at offset %lld: %s", r->path, (long long)pos,
                     errno ? strerror(errno) : "file shrank while being read");
            return -1;
        }
        if (recfmt_chunk_header_decode(p, &h, &what) == 0)
            what = chunk_lengths_invalid(&h);
        if (!what) {
            int64_t end = pos + RECFMT_CHUNK_HEADER_LEN + (int64_t)h.comp_len;
            if (end > r->file_size) {
                /* Cut off, or still being written, unless a whole chunk
                 * starts inside it: then its length field lies. */
                int64_t next = find_whole_chunk(r, pos + 1);
                if (next < 0)
                    break;
                add_damage(r, pos, next - pos, "chunk runs past the end of the file");
                pos = next;
                continue;
            }
            if (add_chunk(r, pos, &h) != 0) {
                snprintf(err, errlen, "out of memory indexing %s", r->path);
                return -1;
            }
            r->last_chunk_size = (size_t)(end - pos);
            r->resyncing = 0;
            pos = end;
            continue;
        }

        int64_t next = find_magic(r, pos + 1);
        if (!r->resyncing)
            add_damage(r, pos, next < 0 ? r->file_size - pos : next - pos, what);
        if (next < 0) {
            /* Keep the last bytes: a magic may be arriving across the end. */
            int64_t keep = r->file_size - (RECFMT_MAGIC_LEN - 1);
            r->resyncing = 1;
            pos = keep > pos + 1 ? keep : pos + 1;
            break;
        }
        r->resyncing = 0;
        pos = next;
    }
    r->scan_pos = pos;
    if (added)
        *added = r->nchunks - before;
    return 0;
}

/* ---- public: open, close, queries ------------------------------------- */

int gs_replay_open(gs_replay **out, const char *path, char *err, size_t errlen)
{
    *out = NULL;
    gs_replay *r = calloc(1, sizeof *r);
    if (!r || !(r->win = malloc(WINDOW_LARGE))) {
        free(r);
        snprintf(err, errlen, "out of memory opening %s", path);
        return -1;
    }
    snprintf(r->path, sizeof r->path, "%s", path);
    r->monotonic = 1;
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
        snprintf(err, errlen, "cannot open recording %s: %s", path, strerror(errno));
        free(r->win);
        free(r);
        return -1;
    }
    if (read_header(r, err, errlen) != 0 || scan(r, NULL, err, errlen) != 0) {
        gs_replay_close(r);
        return -1;
    }
    *out = r;
    return 0;
}

void gs_replay_close(gs_replay *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    free(r->preset_text);
    free(r->chunks);
    free(r->damage);
    free(r->win);
    free(r);
}

const gs_recording_header *gs_replay_header(const gs_replay *r)
{
    return &r->hdr;
}

void gs_replay_version(const gs_replay *r, int *major, int *minor)
{
    *major = r->major;
    *minor = r->minor;
}

size_t gs_replay_chunk_count(const gs_replay *r)
{
    return r->nchunks;
}

const gs_replay_chunk_info *gs_replay_chunk(const gs_replay *r, size_t i)
{
    return i < r->nchunks ? &r->chunks[i] : NULL;
}

int64_t gs_replay_tail_bytes(const gs_replay *r)
{
    return r->file_size - r->scan_pos;
}

int gs_replay_refresh(gs_replay *r, size_t *added, char *err, size_t errlen)
{
    return scan(r, added, err, errlen);
}

long gs_replay_find_step(const gs_replay *r, int64_t step)
{
    if (r->nchunks == 0)
        return -1;
    if (r->monotonic) {
        size_t lo = 0, hi = r->nchunks; /* first chunk with last_step >= step */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (r->chunks[mid].last_step < step)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo < r->nchunks ? (long)lo : (long)r->nchunks - 1;
    }
    for (size_t i = 0; i < r->nchunks; i++)
        if (r->chunks[i].first_step <= step && step <= r->chunks[i].last_step)
            return (long)i;
    for (size_t i = 0; i < r->nchunks; i++)
        if (r->chunks[i].first_step > step)
            return (long)i;
    return (long)r->nchunks - 1;
}

size_t gs_replay_damage_count(const gs_replay *r)
{
    return r->ndamage;
}

const gs_replay_damage *gs_replay_damage_get(const gs_replay *r, size_t i)
{
    return i < r->ndamage ? &r->damage[i] : NULL;
}

/* ---- chunk payloads --------------------------------------------------- */

/* Inflate exactly h->raw_len bytes from comp into raw. Returns NULL or what
 * went wrong. */
static const char *inflate_exact(const uint8_t *comp, const recfmt_chunk_header *h, uint8_t *raw)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit(&zs) != Z_OK)
        return "zlib inflateInit failed";
    zs.next_in = (Bytef *)comp;
    zs.avail_in = h->comp_len;
    zs.next_out = raw;
    zs.avail_out = h->raw_len;
    int zrc = inflate(&zs, Z_FINISH);
    uLong produced = zs.total_out;
    uInt left_in = zs.avail_in;
    inflateEnd(&zs);

    if (zrc == Z_STREAM_END) {
        if (produced != h->raw_len)
            return "chunk inflates to fewer bytes than its stated raw length";
        if (left_in != 0)
            return "chunk has bytes after the end of its zlib stream";
        return NULL;
    }
    if (zrc == Z_BUF_ERROR && zs.avail_out == 0)
        return "chunk inflates to more bytes than its stated raw length";
    if (zrc == Z_BUF_ERROR)
        return "chunk's zlib stream is cut short";
    return "chunk's zlib stream is corrupt";
}

/* Walk every record once so a cursor never meets a malformed one. */
static const char *check_records(const uint8_t *raw, size_t len, uint32_t expected,
                                 gs_frame *scratch)
{
    size_t pos = 0;
    uint32_t count = 0;
    while (pos < len) {
        size_t used;
        const char *what = NULL;
        if (recfmt_record_decode(raw + pos, len - pos, &used, scratch, &what) < 0)
            return what;
        pos += used;
        count++;
    }
    return count == expected ? NULL : "chunk holds a different number of records than stated";
}

static int chunk_fail(gs_replay *r, size_t i, const char *what, char *err, size_t errlen)
{
    r->chunks[i].flags |= GS_REPLAY_CHUNK_DAMAGED;
    add_damage(r, r->chunks[i].offset, 0, what);
    snprintf(err, errlen, "%s: chunk %zu at offset %lld is damaged: %s", r->path, i,
             (long long)r->chunks[i].offset, what);
    return -1;
}

int gs_replay_cursor_load(gs_replay *r, size_t i, gs_replay_cursor *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    if (i >= r->nchunks) {
        snprintf(err, errlen, "%s: no chunk %zu (the recording has %zu)", r->path, i, r->nchunks);
        return -1;
    }
    const gs_replay_chunk_info *info = &r->chunks[i];
    size_t total = RECFMT_CHUNK_HEADER_LEN + info->comp_len;
    uint8_t *buf = malloc(total);
    uint8_t *raw = malloc(info->raw_len);
    gs_frame *scratch = malloc(sizeof *scratch);
    const char *what = NULL;
    size_t got;
    recfmt_chunk_header h;

    if (!buf || !raw || !scratch) {
        free(buf);
        free(raw);
        free(scratch);
        snprintf(err, errlen, "out of memory reading chunk %zu of %s", i, r->path);
        return -1;
    }
    if (read_at(r->fd, buf, total, info->offset, &got) != 0 || got < total)
        what = "chunk could not be read back (file shrank or read error)";
    else if (recfmt_chunk_header_decode(buf, &h, &what) == 0 &&
             (h.comp_len != info->comp_len || h.raw_len != info->raw_len))
        what = "chunk header changed since the file was indexed";
    if (!what)
        what = inflate_exact(buf + RECFMT_CHUNK_HEADER_LEN, &h, raw);
    if (!what && (uint32_t)crc32(0L, raw, h.raw_len) != h.raw_crc)
        what = "CRC-32 of the inflated records does not match";
    if (!what)
        what = check_records(raw, h.raw_len, h.nrecords, scratch);
    free(buf);
    free(scratch);
    if (what) {
        free(raw);
        return chunk_fail(r, i, what, err, errlen);
    }
    c->raw = raw;
    c->len = h.raw_len;
    return 0;
}

int gs_replay_cursor_next(gs_replay_cursor *c, gs_frame *out)
{
    while (c->pos < c->len) {
        size_t used;
        const char *what;
        int rc = recfmt_record_decode(c->raw + c->pos, c->len - c->pos, &used, out, &what);
        if (rc < 0)
            return 0; /* check_records has decoded every record at load */
        c->pos += used;
        if (rc == 1)
            return 1;
    }
    return 0;
}

void gs_replay_cursor_free(gs_replay_cursor *c)
{
    free(c->raw);
    memset(c, 0, sizeof *c);
}

int gs_replay_read_chunk(gs_replay *r, size_t i, gs_frame **frames, size_t *n, char *err,
                         size_t errlen)
{
    gs_replay_cursor c;
    *frames = NULL;
    *n = 0;
    if (gs_replay_cursor_load(r, i, &c, err, errlen) != 0)
        return -1;
    size_t count = r->chunks[i].nrecords;
    if (count > GS_REPLAY_MAX_CHUNK_RECORDS) {
        gs_replay_cursor_free(&c);
        snprintf(err, errlen,
                 "%s: chunk %zu holds %zu records, more than the %u read at once; "
                 "read it with a cursor",
                 r->path, i, count, GS_REPLAY_MAX_CHUNK_RECORDS);
        return -1;
    }
    gs_frame *f = calloc(count ? count : 1, sizeof *f);
    if (!f) {
        gs_replay_cursor_free(&c);
        snprintf(err, errlen, "out of memory for %zu records of chunk %zu of %s", count, i,
                 r->path);
        return -1;
    }
    size_t k = 0;
    while (k < count && gs_replay_cursor_next(&c, &f[k]))
        k++;
    gs_replay_cursor_free(&c);
    *frames = f;
    *n = k;
    return 0;
}

int gs_replay_events(gs_replay *r, gs_replay_event **events, size_t *n, char *err, size_t errlen)
{
    gs_replay_event *list = NULL;
    size_t count = 0, cap = 0;
    gs_frame *f = malloc(sizeof *f);
    char chunk_err[256];

    *events = NULL;
    *n = 0;
    if (!f) {
        snprintf(err, errlen, "out of memory listing the events of %s", r->path);
        return -1;
    }
    for (size_t i = 0; i < r->nchunks; i++) {
        gs_replay_cursor c;
        if (!(r->chunks[i].flags & GS_REPLAY_CHUNK_EVENTS))
            continue;
        if (gs_replay_cursor_load(r, i, &c, chunk_err, sizeof chunk_err) != 0)
            continue; /* reported as damage */
        while (gs_replay_cursor_next(&c, f)) {
            if (f->kind != GS_REC_EVENT)
                continue;
            if (count == cap) {
                size_t ncap = cap ? 2 * cap : 64;
                gs_replay_event *l = realloc(list, ncap * sizeof *l);
                if (!l) {
                    gs_replay_cursor_free(&c);
                    free(list);
                    free(f);
                    snprintf(err, errlen, "out of memory listing the events of %s", r->path);
                    return -1;
                }
                list = l;
                cap = ncap;
            }
            list[count].step = f->step;
            list[count].t = f->t;
            list[count].wall = f->wall;
            list[count].event = f->u.event;
            count++;
        }
        gs_replay_cursor_free(&c);
    }
    free(f);
    *events = list;
    *n = count;
    return 0;
}
