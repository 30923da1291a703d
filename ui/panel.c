/*
 * panel.c - the four panel kinds behind one interface. See panel.h.
 */
#include "panel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heatmap.h"
#include "hist.h"
#include "keys.h"
#include "plot.h"
#include "style.h"

#define PANEL_MAX_LINES 16

static const double window_fraction[PANEL_NWINDOWS] = {1.0, 0.1, 0.01};
static const char *const window_name[PANEL_NWINDOWS] = {"all", "last 10%", "last 1%"};

static void append_flag(char *out, size_t len, size_t *used, const char *text)
{
    if (*used >= len)
        return;
    *used += (size_t)snprintf(out + *used, len - *used, "%s%s", *used ? ", " : "", text);
}

void panel_flags(const panel *p, char *out, size_t len)
{
    size_t used = 0;

    out[0] = '\0';
    if (p->kind == PANEL_LINES) {
        if (p->ylog)
            append_flag(out, len, &used, "log-y");
        if (p->xlog)
            append_flag(out, len, &used, "log-x");
        if (p->window != PANEL_WINDOW_ALL)
            append_flag(out, len, &used, window_name[p->window]);
        if (p->smooth)
            append_flag(out, len, &used, "smooth");
        if (p->x_time)
            append_flag(out, len, &used, "x: t");
        if (p->y_zero)
            append_flag(out, len, &used, "y from 0");
    }
    if (p->kind == PANEL_HISTOGRAM && p->neg_log)
        append_flag(out, len, &used, "-log p");
}

/* ---- lines ---------------------------------------------------------------- */

static int lines_key(panel *p, int action, char *msg, size_t msglen)
{
    switch (action) {
    case ACTION_LOG_Y:
        p->ylog = !p->ylog;
        snprintf(msg, msglen, "%s: y axis %s", p->title, p->ylog ? "logarithmic" : "linear");
        break;
    case ACTION_LOG_X:
        p->xlog = !p->xlog;
        snprintf(msg, msglen, "%s: x axis %s", p->title, p->xlog ? "logarithmic" : "linear");
        break;
    case ACTION_WINDOW:
        p->window = (p->window + 1) % PANEL_NWINDOWS;
        snprintf(msg, msglen, "%s: window %s", p->title, window_name[p->window]);
        break;
    case ACTION_SMOOTH:
        p->smooth = !p->smooth;
        snprintf(msg, msglen, "%s: smoothing %s", p->title, p->smooth ? "on (raw series dimmed)" : "off");
        break;
    case ACTION_X_UNIT:
        p->x_time = !p->x_time;
        snprintf(msg, msglen, "%s: x axis in %s", p->title, p->x_time ? "Langevin time t" : "steps");
        break;
    case ACTION_Y_ZERO:
        p->y_zero = !p->y_zero;
        snprintf(msg, msglen, "%s: y axis %s", p->title, p->y_zero ? "from zero" : "fitted to the data");
        break;
    default:
        return 0;
    }
    return PANEL_HANDLED | PANEL_REDRAW;
}

/* Arrays for one plotted series, carved out of one allocation. */
typedef struct {
    double *x, *y, *lo, *hi;
} series_arrays;

static void lines_draw(panel *p, cells_buf *b, const panel_context *c)
{
    int members[PANEL_MAX_LINES], nmembers = 0, total = 0;

    /* Bookkeeping (status) series are drawn only on a panel that has nothing
     * else, such as an equipartition check, so that a step counter filed
     * under a physics panel does not squash its scale. */
    for (int pass = 0; pass < 2 && nmembers == 0; pass++)
        for (int i = 0; i < c->nseries && nmembers < PANEL_MAX_LINES; i++) {
            int status = c->decl[i].kind == GS_SERIES_STATUS;
            if (strcmp(c->decl[i].panel, p->name) != 0 || status != (pass == 1))
                continue;
            members[nmembers++] = i;
            total += history_count(&c->hist[i]);
        }
    if (nmembers == 0) {
        cells_text(b, p->rect.x, p->rect.y, "(no series for this panel)", STYLE_DIM, p->rect.w);
        return;
    }

    /* The x range of the data, then the window at its newest end. */
    double first = INFINITY, last = -INFINITY, first_step = INFINITY, last_step = -INFINITY;
    for (int k = 0; k < nmembers; k++) {
        const history *h = &c->hist[members[k]];
        if (history_count(h) == 0)
            continue;
        const history_point *a = history_at(h, 0), *z = history_last(h);
        first = fmin(first, p->x_time ? a->t : a->step);
        last = fmax(last, p->x_time ? z->t : z->step);
        first_step = fmin(first_step, a->step);
        last_step = fmax(last_step, z->step);
    }
    if (!isfinite(first)) {
        cells_text(b, p->rect.x, p->rect.y, "(waiting for data)", STYLE_DIM, p->rect.w);
        return;
    }
    double from = last - window_fraction[p->window] * (last - first);
    if (p->xlog && from <= 0)
        from = NAN; /* let the plot start at the first positive x */
    /* Smoothing time constant: a fixed share of the steps in the window. */
    double tau = fmax(1.0, p->smooth_share * window_fraction[p->window] * (last_step - first_step));

    /* Each member may add a smoothed copy: at most 2 series per member, and
     * 5 arrays (x, y, lo, hi, smoothed) of up to total points. */
    double *mem = malloc(sizeof(double) * 5 * (size_t)(total > 0 ? total : 1));
    plot_series s[2 * PANEL_MAX_LINES];
    int ns = 0, network = 0;
    if (!mem) {
        cells_text(b, p->rect.x, p->rect.y, "(out of memory)", STYLE_ERROR, p->rect.w);
        return;
    }
    double *cursor = mem;
    char labels[PANEL_MAX_LINES][GS_LABEL_MAX + 24];
    for (int k = 0; k < nmembers; k++) {
        int i = members[k];
        const gs_series_decl *d = &c->decl[i];
        snprintf(labels[k], sizeof labels[k], "%s%s%s%s", d->label[0] ? d->label : d->name,
                 d->unit[0] ? " [" : "", d->unit, d->unit[0] ? "]" : "");
        const history *h = &c->hist[i];
        int n = history_count(h);
        series_arrays a = {cursor, cursor + n, cursor + 2 * n, cursor + 3 * n};
        double *smoothed = cursor + 4 * n;
        cursor += 5 * n;
        for (int j = 0; j < n; j++) {
            const history_point *pt = history_at(h, j);
            a.x[j] = p->x_time ? pt->t : pt->step;
            a.y[j] = pt->y;
            a.lo[j] = pt->lo;
            a.hi[j] = pt->hi;
        }
        int theory = c->decl[i].kind == GS_SERIES_THEORY;
        int stale = theory && i < 32 && (c->theory_stale >> i & 1u);
        plot_series base = {.label = labels[k], .x = a.x, .y = a.y, .lo = a.lo, .hi = a.hi, .n = n,
                            .in_legend = 1};
        if (theory) {
            base.style = stale ? STYLE_THEORY_STALE : STYLE_THEORY;
            base.dashed = 1;
            base.stale = stale;
            base.lo = base.hi = NULL;
            s[ns++] = base;
            continue;
        }
        base.style = style_series(network++);
        if (!p->smooth) {
            s[ns++] = base;
            continue;
        }
        /* Smoothed: the raw series dimmed and unlisted, then the average. */
        plot_series raw = base;
        raw.style = STYLE_DIM;
        raw.in_legend = 0;
        s[ns++] = raw;
        history_smooth(h, tau, smoothed, n);
        plot_series avg = base;
        avg.y = smoothed;
        avg.lo = avg.hi = NULL;
        s[ns++] = avg;
    }

    /* Theory curves on top: move them after the network series. */
    plot_series ordered[2 * PANEL_MAX_LINES];
    int no = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int k = 0; k < ns; k++)
            if ((s[k].dashed != 0) == (pass == 1))
                ordered[no++] = s[k];

    /* Event markers in the x unit of the panel. */
    plot_options o;
    plot_options_default(&o);
    o.xlog = p->xlog;
    o.ylog = p->ylog;
    o.y_from_zero = p->y_zero;
    o.xmin = from;
    o.xunit = p->x_time ? "t" : "step";
    o.events = p->x_time ? c->event_t : c->event_step;
    o.nevents = c->nevents;
    plot_draw(b, p->rect, &o, ordered, no, NULL);
    free(mem);
}

/* ---- histogram and heat map ------------------------------------------------ */

static int hist_key(panel *p, int action, char *msg, size_t msglen)
{
    if (action != ACTION_LOG_Y)
        return 0;
    p->neg_log = !p->neg_log;
    snprintf(msg, msglen, "%s: %s", p->title, p->neg_log ? "-log p of network and prediction" : "bars");
    return PANEL_HANDLED | PANEL_REDRAW;
}

static void hist_panel_draw(panel *p, cells_buf *b, const panel_context *c)
{
    if (!p->have_data) {
        cells_text(b, p->rect.x, p->rect.y, "(waiting for a histogram)", STYLE_DIM, p->rect.w);
        return;
    }
    /* NOTE: a histogram record carries no stale flag, so the prediction is
     * marked stale while any theory series is. */
    hist_options o = {.neg_log = p->neg_log, .theory_stale = c->theory_stale != 0};
    hist_draw(b, p->rect, p->hist, &o);
}

static int no_key(panel *p, int action, char *msg, size_t msglen)
{
    return 0;
}

static void heatmap_panel_draw(panel *p, cells_buf *b, const panel_context *c)
{
    if (!p->have_data) {
        cells_text(b, p->rect.x, p->rect.y, "(waiting for a matrix)", STYLE_DIM, p->rect.w);
        return;
    }
    heatmap_draw(b, p->rect, p->matrix);
}

/* ---- parameters ------------------------------------------------------------ */

static void params_draw(panel *p, cells_buf *b, const panel_context *c)
{
    const gs_preset *preset = c->preset;
    int y = p->rect.y, any_rebuild = 0;

    if (!preset || preset->ntunable == 0) {
        cells_text(b, p->rect.x, y, "(no tunable parameters)", STYLE_DIM, p->rect.w);
        return;
    }
    /* Names in one column as wide as the longest (at most 16). */
    int name_w = 4;
    for (int i = 0; i < preset->ntunable; i++) {
        int len = (int)strlen(preset->tunable[i].name);
        if (len > name_w)
            name_w = len < 16 ? len : 16;
    }

    /* Scroll so the selected line stays visible. */
    int rows = p->rect.h - 1, first = 0;
    if (rows < 1)
        rows = 1;
    if (c->selected >= rows)
        first = c->selected - rows + 1;
    for (int i = first; i < preset->ntunable && y < p->rect.y + rows; i++, y++) {
        const gs_tunable *t = &preset->tunable[i];
        int selected = i == c->selected;
        int style = selected ? STYLE_SELECTED : STYLE_NORMAL;
        char value[32], down[16], up[16], line[160];

        plot_format_number(gs_params_get(c->params, t->name, NAN), value, sizeof value);
        keys_name(t->key_down, b->ascii, down, sizeof down);
        keys_name(t->key_up, b->ascii, up, sizeof up);
        const char *marker = " ";
        if (selected)
            marker = b->ascii ? ">" : "\u25b6";
        snprintf(line, sizeof line, "%s %-*.*s %8s%s%s  %s %s%s", marker, name_w, name_w, t->name, value,
                 t->unit[0] ? " " : "", t->unit, down, up, t->rebuild ? " *" : "  ");
        cells_fill(b, (cells_rect){p->rect.x, y, p->rect.w, 1}, ' ', style);
        int col = cells_text(b, p->rect.x, y, line, style, p->rect.w);
        if (c->pending && isfinite(c->pending[i])) {
            char pending[32];
            plot_format_number(c->pending[i], pending, sizeof pending);
            cells_printf(b, p->rect.x + col + 1, y, STYLE_WARN, p->rect.w - col - 1,
                         b->ascii ? "-> %s" : "\u2192 %s", pending);
        }
        /* The label after room for a pending value, where the panel is wide. */
        int label_x = col + 12;
        if (t->label[0] && p->rect.w - label_x >= 12)
            cells_text_fit(b, p->rect.x + label_x, y, t->label, selected ? STYLE_SELECTED : STYLE_DIM,
                           p->rect.w - label_x);
        any_rebuild |= t->rebuild;
    }
    if (any_rebuild && y < p->rect.y + p->rect.h)
        cells_text(b, p->rect.x, p->rect.y + p->rect.h - 1, "  * a change restarts training", STYLE_DIM,
                   p->rect.w);
}

/* ---- dispatch -------------------------------------------------------------- */

static void plain_free(panel *p)
{
    free(p->hist);
    free(p->matrix);
    free(p);
}

static void plain_resize(panel *p, cells_rect r)
{
    p->rect = r;
}

static const panel_ops lines_ops = {plain_free, plain_resize, lines_key, lines_draw};
static const panel_ops hist_ops = {plain_free, plain_resize, hist_key, hist_panel_draw};
static const panel_ops heatmap_ops = {plain_free, plain_resize, no_key, heatmap_panel_draw};
static const panel_ops params_ops = {plain_free, plain_resize, no_key, params_draw};

panel *panel_create(const gs_panel_decl *d)
{
    panel *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    snprintf(p->name, sizeof p->name, "%s", d->name);
    snprintf(p->title, sizeof p->title, "%s", d->title[0] ? d->title : d->name);
    p->ylog = d->ylog;
    p->xlog = d->xlog;
    p->smooth_share = 0.02;
    if (strcmp(d->kind, "histogram") == 0) {
        p->kind = PANEL_HISTOGRAM;
        p->ops = &hist_ops;
        p->neg_log = d->ylog; /* a log y axis of a histogram is its -log p view */
        p->hist = calloc(1, sizeof *p->hist);
    } else if (strcmp(d->kind, "heatmap") == 0) {
        p->kind = PANEL_HEATMAP;
        p->ops = &heatmap_ops;
        p->matrix = calloc(1, sizeof *p->matrix);
    } else {
        p->kind = PANEL_LINES;
        p->ops = &lines_ops;
    }
    if ((p->kind == PANEL_HISTOGRAM && !p->hist) || (p->kind == PANEL_HEATMAP && !p->matrix)) {
        plain_free(p);
        return NULL;
    }
    return p;
}

panel *panel_create_params(void)
{
    panel *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->kind = PANEL_PARAMS;
    p->ops = &params_ops;
    snprintf(p->name, sizeof p->name, "parameters");
    snprintf(p->title, sizeof p->title, "parameters");
    return p;
}

void panel_free(panel *p)
{
    if (p)
        p->ops->free(p);
}

void panel_resize(panel *p, cells_rect r)
{
    p->ops->resize(p, r);
}

int panel_key(panel *p, int action, char *msg, size_t msglen)
{
    return p->ops->key(p, action, msg, msglen);
}

void panel_draw(panel *p, cells_buf *b, const panel_context *c)
{
    p->ops->draw(p, b, c);
}

void panel_set_histogram(panel *p, const gs_histogram *h)
{
    if (p->kind != PANEL_HISTOGRAM)
        return;
    *p->hist = *h;
    p->hist->name[GS_NAME_MAX - 1] = '\0'; /* a record read from a file may lack it */
    p->have_data = 1;
}

void panel_set_matrix(panel *p, const gs_matrix *m)
{
    if (p->kind != PANEL_HEATMAP)
        return;
    *p->matrix = *m;
    p->matrix->name[GS_NAME_MAX - 1] = '\0';
    p->have_data = 1;
}
