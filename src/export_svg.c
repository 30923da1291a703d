/*
 * export_svg.c - SVG figures of a .gsr recording: one plot per panel,
 * stacked top to bottom. See include/export.h for the contract.
 *
 * x is the training step. Every plot has PLOT_W pixel columns. Each series
 * keeps the minimum and maximum of the values that fall in a column, and
 * its line visits both. So the figure costs O(series * columns) memory for
 * a recording of any length and still shows every spike. Runs on the
 * calling thread.
 */
#include "export.h"
#include "preset.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export_text.h"
#include "log.h"
#include "replay.h"

#define FIG_W 1000
#define PANEL_H 280
#define MARGIN_L 78
#define MARGIN_R 330
#define MARGIN_T 34
#define MARGIN_B 46
#define PLOT_W (FIG_W - MARGIN_L - MARGIN_R)
#define PLOT_H (PANEL_H - MARGIN_T - MARGIN_B)
#define MAX_TICKS 12

static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                      "#ff7f0e", "#17becf", "#8c564b", "#e377c2"};

typedef struct {
    double lo, hi;     /* extremes of the values in this column */
    int n;
} column;

typedef struct {
    double x0, x1;                  /* step range, x1 > x0 */
    int nseries;
    column *cols;                   /* nseries * PLOT_W */
    gs_replay_event *events;
    size_t nevents;
} svg_data;

/* Write s as XML character data; control bytes and invalid UTF-8 are
 * replaced so the document stays well formed. */
static void xml_text(FILE *out, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    while (*s) {
        size_t n = export_utf8_length(s);
        if (n == 0 || *s < 0x20)
            fputc('?', out);
        else if (*s == '&')
            fputs("&amp;", out);
        else if (*s == '<')
            fputs("&lt;", out);
        else if (*s == '>')
            fputs("&gt;", out);
        else if (*s == '"')
            fputs("&quot;", out);
        else
            fwrite(s, 1, n, out);
        s += n ? n : 1;
    }
}

static int column_of(const svg_data *d, int64_t step)
{
    double u = ((double)step - d->x0) / (d->x1 - d->x0);
    if (!(u > 0)) /* NaN too */
        return 0;
    if (u >= 1)
        return PLOT_W - 1;
    return (int)(u * (PLOT_W - 1) + 0.5);
}

/* Gather column extremes of every series in one pass over the chunks. */
static long collect(gs_replay *r, svg_data *d)
{
    gs_frame *f = malloc(sizeof *f);
    char err[256];
    long damaged = 0;

    if (!f)
        return -1;
    for (size_t i = 0; i < gs_replay_chunk_count(r); i++) {
        gs_replay_cursor c;
        if (gs_replay_cursor_load(r, i, &c, err, sizeof err) != 0) {
            gs_log(GS_LOG_WARN, "skipping a damaged chunk: %s", err);
            damaged++;
            continue;
        }
        while (gs_replay_cursor_next(&c, f)) {
            if (f->kind != GS_REC_SCALARS)
                continue;
            int col = column_of(d, f->step);
            int n = f->u.scalars.nseries < d->nseries ? f->u.scalars.nseries : d->nseries;
            for (int s = 0; s < n; s++) {
                double v = f->u.scalars.v[s];
                column *cell = &d->cols[s * PLOT_W + col];
                if (!isfinite(v))
                    continue;
                if (cell->n == 0 || v < cell->lo)
                    cell->lo = v;
                if (cell->n == 0 || v > cell->hi)
                    cell->hi = v;
                cell->n++;
            }
        }
        gs_replay_cursor_free(&c);
    }
    free(f);
    return damaged;
}

/* Ticks at 1, 2 or 5 times a power of ten covering [lo, hi]. */
static int nice_ticks(double lo, double hi, double *ticks)
{
    double raw = (hi - lo) / 5.0;
    double mag = pow(10.0, floor(log10(raw)));
    double ratio = raw / mag;
    double step = 10 * mag;
    if (ratio < 1.5)
        step = mag;
    else if (ratio < 3.5)
        step = 2 * mag;
    else if (ratio < 7.5)
        step = 5 * mag;
    int n = 0;
    if (!(step > 0) || !isfinite(step) || !isfinite(lo))
        return 0; /* a range of zero width or beyond double's range */
    for (double t = ceil(lo / step) * step; t <= hi + step * 1e-9 && n < MAX_TICKS; t += step)
        ticks[n++] = fabs(t) < step * 1e-9 ? 0.0 : t;
    return n;
}

typedef struct {
    double lo, hi;
    int log_y;
} y_axis;

static double y_pixel(const y_axis *a, double top, double v)
{
    double u = a->log_y ? (log10(v) - a->lo) / (a->hi - a->lo) : (v - a->lo) / (a->hi - a->lo);
    return top + PLOT_H - u * PLOT_H;
}

/* Choose the y range of a panel from its columns; returns 0 when it has
 * no value to draw. */
static int y_range(const svg_data *d, const int *members, int nmembers, int want_log, y_axis *a)
{
    double lo = INFINITY, hi = -INFINITY, pos_lo = INFINITY;
    for (int k = 0; k < nmembers; k++) {
        const column *col = &d->cols[members[k] * PLOT_W];
        for (int c = 0; c < PLOT_W; c++) {
            if (col[c].n == 0)
                continue;
            lo = fmin(lo, col[c].lo);
            hi = fmax(hi, col[c].hi);
            if (col[c].lo > 0)
                pos_lo = fmin(pos_lo, col[c].lo);
            else if (col[c].hi > 0)
                pos_lo = fmin(pos_lo, col[c].hi);
        }
    }
    if (!(lo <= hi))
        return 0;
    a->log_y = want_log && pos_lo <= hi && hi > 0;
    if (a->log_y) {
        a->lo = floor(log10(pos_lo));
        a->hi = ceil(log10(hi));
        if (a->hi <= a->lo)
            a->hi = a->lo + 1;
        return 1;
    }
    double pad = 0.04 * (hi - lo); /* keep lines off the frame */
    if (hi == lo)
        pad = lo != 0 ? fabs(lo) * 0.05 : 1.0;
    a->lo = lo - pad;
    a->hi = hi + pad;
    return 1;
}

static void draw_axes(FILE *out, const svg_data *d, const y_axis *a, double top)
{
    double ticks[MAX_TICKS];
    double bottom = top + PLOT_H;

    fprintf(out, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"none\" "
                 "stroke=\"#444\"/>\n", MARGIN_L, top, PLOT_W, PLOT_H);

    int n = nice_ticks(d->x0, d->x1, ticks);
    for (int i = 0; i < n; i++) {
        double x = MARGIN_L + (ticks[i] - d->x0) / (d->x1 - d->x0) * (PLOT_W - 1);
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>"
                     "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.6g</text>\n",
                x, bottom, x, bottom + 5, x, bottom + 18, ticks[i]);
    }
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">step</text>\n",
            MARGIN_L + PLOT_W / 2.0, bottom + 36);

    if (a->log_y) {
        n = 0;
        for (double e = a->lo; e <= a->hi && n < MAX_TICKS; e += 1)
            ticks[n++] = pow(10.0, e);
    } else {
        n = nice_ticks(a->lo, a->hi, ticks);
    }
    for (int i = 0; i < n; i++) {
        double y = y_pixel(a, top, ticks[i]);
        fprintf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#444\"/>"
                     "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.6g</text>\n",
                MARGIN_L - 5, y, MARGIN_L, y, MARGIN_L - 8, y + 4, ticks[i]);
    }
}

static const char *series_color(const gs_recording_header *h, int s)
{
    int pair = h->series[s].pair;
    if (h->series[s].kind == GS_SERIES_THEORY && pair >= 0 && pair < h->nseries)
        s = pair; /* a prediction takes the colour of the series it predicts */
    return palette[s % (int)(sizeof palette / sizeof palette[0])];
}

static void draw_series(FILE *out, const svg_data *d, const y_axis *a, double top,
                        const gs_recording_header *h, int s)
{
    const column *col = &d->cols[s * PLOT_W];
    int pen_down = 0;

    fprintf(out, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"1.3\"%s d=\"",
            series_color(h, s),
            h->series[s].kind == GS_SERIES_THEORY ? " stroke-dasharray=\"6 4\"" : "");
    for (int c = 0; c < PLOT_W; c++) {
        int usable = col[c].n > 0 && (!a->log_y || col[c].hi > 0);
        if (!usable) {
            continue; /* bridge the gap: sparse frames leave most columns empty */
        }
        double lo = a->log_y && col[c].lo <= 0 ? col[c].hi : col[c].lo;
        double x = MARGIN_L + c;
        fprintf(out, "%c%.1f %.1f", pen_down ? 'L' : 'M', x, y_pixel(a, top, lo));
        if (col[c].hi != lo)
            fprintf(out, "L%.1f %.1f", x, y_pixel(a, top, col[c].hi));
        pen_down = 1;
    }
    fputs("\"/>\n", out);
}

static void draw_legend(FILE *out, const gs_recording_header *h, const int *members,
                        int nmembers, double top)
{
    double x = MARGIN_L + PLOT_W + 14;
    for (int k = 0; k < nmembers; k++) {
        const gs_series_decl *sd = &h->series[members[k]];
        double y = top + 12 + 18 * k;
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                     "stroke-width=\"2\"%s/><text x=\"%.1f\" y=\"%.1f\">",
                x, y, x + 22, y, series_color(h, members[k]),
                sd->kind == GS_SERIES_THEORY ? " stroke-dasharray=\"6 4\"" : "", x + 28, y + 4);
        xml_text(out, sd->label[0] ? sd->label : sd->name);
        if (sd->unit[0]) {
            fputs(" (", out);
            xml_text(out, sd->unit);
            fputc(')', out);
        }
        fputs("</text>\n", out);
    }
}

static void draw_events(FILE *out, const svg_data *d, double top)
{
    for (size_t i = 0; i < d->nevents; i++) {
        const gs_replay_event *e = &d->events[i];
        if ((double)e->step < d->x0 || (double)e->step > d->x1)
            continue;
        double x = MARGIN_L + column_of(d, e->step);
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\" "
                     "stroke-width=\"1.5\"><title>step %lld: ",
                x, top, x, top + 9, (long long)e->step);
        xml_text(out, e->event.text[0] ? e->event.text : e->event.name);
        fputs("</title></line>\n", out);
    }
}

/* Look up a panel's title and log-y choice in the preset text the recording carries.
 * Without such a panel the title is the panel's id and ylog stays the caller's flag. */
static void panel_style(const gs_preset *preset, const char *panel, const char **title, int *ylog)
{
    *title = panel;
    if (!preset)
        return;
    for (int i = 0; i < preset->npanels; i++) {
        if (strcmp(preset->panel[i].name, panel) != 0)
            continue;
        if (preset->panel[i].title[0])
            *title = preset->panel[i].title;
        *ylog |= preset->panel[i].ylog;
    }
}

static void draw_panel(FILE *out, const svg_data *d, const gs_recording_header *h, const gs_preset *preset,
                       const char *panel, int index, unsigned flags)
{
    int members[GS_MAX_SERIES];
    int nmembers = 0;
    double top = index * PANEL_H + MARGIN_T;
    y_axis a;

    for (int s = 0; s < h->nseries; s++)
        if (strcmp(h->series[s].panel, panel) == 0)
            members[nmembers++] = s;

    const char *title;
    int ylog = (flags & GS_SVG_LOG_Y) != 0;
    panel_style(preset, panel, &title, &ylog);
    fprintf(out, "<g>\n<text x=\"%d\" y=\"%.1f\" font-weight=\"bold\">", MARGIN_L, top - 12);
    xml_text(out, title);
    fputs("</text>\n", out);
    if (!y_range(d, members, nmembers, ylog, &a)) {
        fprintf(out, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"none\" "
                     "stroke=\"#444\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">"
                     "no finite values</text>\n</g>\n",
                MARGIN_L, top, PLOT_W, PLOT_H, MARGIN_L + PLOT_W / 2.0, top + PLOT_H / 2.0);
        return;
    }
    draw_axes(out, d, &a, top);
    for (int k = 0; k < nmembers; k++)
        draw_series(out, d, &a, top, h, members[k]);
    draw_events(out, d, top);
    draw_legend(out, h, members, nmembers, top);
    fputs("</g>\n", out);
}

/* List the panels to draw: the requested ones, or every panel named in the
 * series declarations, in order of first appearance. */
static int choose_panels(const gs_recording_header *h, const char *const *want, size_t nwant,
                         const char **chosen, char *err, size_t errlen)
{
    int n = 0;
    if (want) {
        for (size_t i = 0; i < nwant; i++) {
            int found = 0;
            for (int s = 0; s < h->nseries && !found; s++)
                found = strcmp(h->series[s].panel, want[i]) == 0;
            if (!found) {
                snprintf(err, errlen, "no series of this recording is drawn in panel \"%s\"",
                         want[i]);
                return -1;
            }
            if (n < GS_MAX_SERIES)
                chosen[n++] = want[i];
        }
        return n;
    }
    for (int s = 0; s < h->nseries; s++) {
        int seen = 0;
        for (int k = 0; k < n && !seen; k++)
            seen = strcmp(chosen[k], h->series[s].panel) == 0;
        if (!seen)
            chosen[n++] = h->series[s].panel;
    }
    return n;
}

int gs_export_svg(const char *in_path, const char *out_path, const char *const *panels,
                  size_t npanels, unsigned flags, char *err, size_t errlen)
{
    const char *chosen[GS_MAX_SERIES];
    svg_data d = {0};
    gs_replay *r;

    if (gs_replay_open(&r, in_path, err, errlen) != 0)
        return -1;
    const gs_recording_header *h = gs_replay_header(r);
    int n = choose_panels(h, panels, npanels, chosen, err, errlen);
    size_t nchunks = gs_replay_chunk_count(r);
    if (n < 0) {
        gs_replay_close(r);
        return -1;
    }

    d.nseries = h->nseries;
    d.x0 = INFINITY;
    d.x1 = -INFINITY;
    for (size_t i = 0; i < nchunks; i++) {
        d.x0 = fmin(d.x0, (double)gs_replay_chunk(r, i)->first_step);
        d.x1 = fmax(d.x1, (double)gs_replay_chunk(r, i)->last_step);
    }
    if (nchunks == 0)
        d.x0 = 0;
    if (!(d.x1 > d.x0)) /* one step, or steps beyond double precision */
        d.x1 = d.x0 + fmax(1.0, fabs(d.x0) * 1e-9);
    d.cols = calloc((size_t)(d.nseries ? d.nseries : 1) * PLOT_W, sizeof *d.cols);
    if (!d.cols || gs_replay_events(r, &d.events, &d.nevents, err, errlen) != 0 ||
        collect(r, &d) < 0) {
        if (!d.cols)
            snprintf(err, errlen, "out of memory exporting %s", in_path);
        free(d.cols);
        free(d.events);
        gs_replay_close(r);
        return -1;
    }

    FILE *out = fopen(out_path, "w");
    int rc = -1;
    if (!out) {
        snprintf(err, errlen, "cannot create %s: %s", out_path, strerror(errno));
    } else {
        fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                     "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                     "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">\n"
                     "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
                FIG_W, PANEL_H * (n ? n : 1), FIG_W, PANEL_H * (n ? n : 1));
        /* The preset text gives panel titles and log axes; a recording whose text no
         * longer parses is still drawn, with panel ids as titles. */
        gs_preset *preset = calloc(1, sizeof *preset);
        char preset_err[256];
        if (preset && (!h->preset_text ||
                       gs_preset_parse(preset, h->preset_text, "recording", preset_err, sizeof preset_err))) {
            free(preset);
            preset = NULL;
        }
        for (int i = 0; i < n; i++)
            draw_panel(out, &d, h, preset, chosen[i], i, flags);
        if (preset) {
            gs_preset_free(preset);
            free(preset);
        }
        fputs("</svg>\n", out);
        int bad = ferror(out);
        if (fclose(out) != 0 || bad)
            snprintf(err, errlen, "writing %s failed (disk full or I/O error)", out_path);
        else
            rc = 0;
    }
    free(d.cols);
    free(d.events);
    gs_replay_close(r);
    return rc;
}
