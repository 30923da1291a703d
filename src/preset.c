/*
 * preset.c - parse, load and amend presets. See include/preset.h for the format.
 *
 * Called from the main thread before training starts; the trainer keeps its
 * own copy of the parsed struct. Every message names the source, the line,
 * the key or value and what is accepted.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "preset.h"
#include "theory.h"

/* Parameter names the engine and the theory modules read. A [params] entry
 * must be one of these (a [param NAME] section may declare any name). */
static const char *const known_params[] = {
    "T", "h", "N", "n", "n_test", "d", "sigma_w2", "sigma_a2", "sigma_b2", "chi", "eps",
    "label_noise", "P", "train_frac", "target_offset", "burn_in", "metric_every", "dist_every",
    "probe", "hist_bins", "fwc_samples", "q_bins", "q_max", "paper_eigenvalue", "blas_threads",
    "sigma_a2_tilde", "beta", "loss_max", "N_ref", "d_ref", "n_ref", "sigma_a2_ref", "q_droplet",
    "gamma", "sextic", "center_targets", "target_cols", NULL};

static const char *const preset_keys[] = {"name", "title", "paper", "summary", "theory", "convention", NULL};
static const char *const model_keys[] = {"activation", "layers", "readout", "bias", "read_in_prior", NULL};
static const char *const data_keys[] = {"inputs", "teacher", "train_file", "test_file", "train_targets",
                                        "test_targets", "harmonics", NULL};
static const char *const param_keys[] = {"value", "min", "max", "step", "scale", "keys", "label", "unit",
                                         "rebuild", NULL};
static const char *const series_keys[] = {"label", "kind", "panel", "unit", "predicts", NULL};
static const char *const panel_keys[] = {"title", "kind", "ylog", "xlog", NULL};
static const char *const section_names[] = {"preset", "model", "data", "params", "param", "series", "panel", NULL};

/* Parameters whose change needs new data or a new network. */
static const char *const rebuild_params[] = {"N", "n", "n_test", "d", "P", "train_frac", "eps",
                                             "label_noise", "target_offset", "chi", "beta", NULL};

static int edit_distance(const char *a, const char *b)
{
    int la = (int)strlen(a), lb = (int)strlen(b);
    if (la > 40 || lb > 40)
        return 99;
    int row[41];
    for (int j = 0; j <= lb; j++)
        row[j] = j;
    for (int i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = i;
        for (int j = 1; j <= lb; j++) {
            int up = row[j];
            int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            int best = diag + cost;
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

static const char *nearest(const char *word, const char *const *choices)
{
    const char *best = NULL;
    int best_distance = 99;
    for (int i = 0; choices[i]; i++) {
        int dist = edit_distance(word, choices[i]);
        if (dist < best_distance) {
            best_distance = dist;
            best = choices[i];
        }
    }
    return best_distance <= 3 ? best : NULL;
}

static int in_list(const char *word, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(word, list[i]) == 0)
            return 1;
    return 0;
}

static void join_list(char *out, size_t size, const char *const *list)
{
    out[0] = '\0';
    for (int i = 0; list[i]; i++) {
        size_t used = strlen(out);
        snprintf(out + used, size - used, "%s%s", i ? ", " : "", list[i]);
    }
}

typedef struct {
    const char *source;
    int line;
    char *err;
    size_t errlen;
} parse_ctx;

static int fail(parse_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(parse_ctx *c, const char *fmt, ...)
{
    int used = snprintf(c->err, c->errlen, "%s:%d: ", c->source, c->line);
    if (used < 0 || (size_t)used >= c->errlen)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err + used, c->errlen - used, fmt, ap);
    va_end(ap);
    return -1;
}

static int unknown_key(parse_ctx *c, const char *section, const char *key, const char *const *keys)
{
    char accepted[512];
    const char *guess = nearest(key, keys);
    join_list(accepted, sizeof accepted, keys);
    if (guess)
        return fail(c, "unknown key '%s' in [%s]; did you mean '%s'? Accepted: %s", key, section, guess, accepted);
    return fail(c, "unknown key '%s' in [%s]; accepted: %s", key, section, accepted);
}

static int parse_number(parse_ctx *c, const char *key, const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    while (*end && isspace((unsigned char)*end))
        end++;
    if (end == text || *end || errno == ERANGE || !isfinite(v))
        return fail(c, "%s = '%s' is not a number; write e.g. 0.01, 1e-3 or 200", key, text);
    *out = v;
    return 0;
}

static int parse_bool(parse_ctx *c, const char *key, const char *text, int *out)
{
    if (!strcmp(text, "yes") || !strcmp(text, "true") || !strcmp(text, "1"))
        *out = 1;
    else if (!strcmp(text, "no") || !strcmp(text, "false") || !strcmp(text, "0"))
        *out = 0;
    else
        return fail(c, "%s = '%s' is invalid; use yes or no", key, text);
    return 0;
}

static int copy_text(parse_ctx *c, const char *key, char *dst, size_t size, const char *value)
{
    if (strlen(value) >= size)
        return fail(c, "%s is %zu characters long; at most %zu are accepted", key, strlen(value), size - 1);
    memcpy(dst, value, strlen(value) + 1);
    return 0;
}

static int valid_name(const char *name)
{
    if (!*name || strlen(name) >= GS_NAME_MAX)
        return 0;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.')
            return 0;
    return 1;
}

/* A series may also be named param:NAME, which plots a parameter's value. */
static int valid_series_name(const char *name)
{
    return valid_name(!strncmp(name, "param:", 6) ? name + 6 : name);
}

/* Section state while parsing. */
typedef struct {
    char kind[16];
    char name[GS_NAME_MAX];
    int tunable;   /* index into p->tunable for [param NAME] */
    int series;
    int panel;
    int tunable_line[GS_MAX_TUNABLE]; /* header lines, for checks that need the whole file */
    int series_line[GS_MAX_SERIES];
    int theory_line;
} section_state;

static int parse_key_pair(parse_ctx *c, const char *value, gs_tunable *t)
{
    /* "[ ]" or "t T": two single characters separated by spaces. */
    char a = 0, b = 0;
    const char *p = value;
    while (*p == ' ')
        p++;
    a = *p;
    if (a)
        p++;
    while (*p == ' ')
        p++;
    b = *p;
    if (b)
        p++;
    while (*p == ' ')
        p++;
    if (!a || !b || *p || isspace((unsigned char)a) || isspace((unsigned char)b))
        return fail(c, "keys = '%s' is invalid; give two single characters, the key that lowers and the key "
                       "that raises the value, e.g. keys = [ ]", value);
    t->key_down = (unsigned char)a;
    t->key_up = (unsigned char)b;
    return 0;
}

static int set_tunable(parse_ctx *c, gs_preset *p, section_state *s, const char *key, const char *value)
{
    gs_tunable *t = &p->tunable[s->tunable];
    double v;
    if (!strcmp(key, "value")) {
        if (parse_number(c, key, value, &v))
            return -1;
        if (gs_params_is_count(s->name) && v != round(v))
            return fail(c, "value = %g is not a whole number; %s is a count", v, s->name);
        gs_params_set(&p->params, s->name, v);
    } else if (!strcmp(key, "min")) {
        return parse_number(c, key, value, &t->min);
    } else if (!strcmp(key, "max")) {
        return parse_number(c, key, value, &t->max);
    } else if (!strcmp(key, "step")) {
        return parse_number(c, key, value, &t->step);
    } else if (!strcmp(key, "scale")) {
        if (strcmp(value, "log") && strcmp(value, "linear"))
            return fail(c, "scale = '%s' is invalid; use linear or log", value);
        t->log_scale = !strcmp(value, "log");
    } else if (!strcmp(key, "keys")) {
        return parse_key_pair(c, value, t);
    } else if (!strcmp(key, "label")) {
        return copy_text(c, key, t->label, sizeof t->label, value);
    } else if (!strcmp(key, "unit")) {
        return copy_text(c, key, t->unit, sizeof t->unit, value);
    } else if (!strcmp(key, "rebuild")) {
        return parse_bool(c, key, value, &t->rebuild);
    } else {
        return unknown_key(c, "param", key, param_keys);
    }
    return 0;
}

static int set_series(parse_ctx *c, gs_preset *p, section_state *s, const char *key, const char *value,
                      char predicts[][GS_NAME_MAX])
{
    static const char *const kinds[] = {"train", "test", "order", "alignment", "theory", "status", NULL};
    gs_series_decl *d = &p->series[s->series];
    if (!strcmp(key, "label"))
        return copy_text(c, key, d->label, sizeof d->label, value);
    if (!strcmp(key, "unit"))
        return copy_text(c, key, d->unit, sizeof d->unit, value);
    if (!strcmp(key, "panel"))
        return copy_text(c, key, d->panel, sizeof d->panel, value);
    if (!strcmp(key, "predicts"))
        return copy_text(c, key, predicts[s->series], GS_NAME_MAX, value);
    if (!strcmp(key, "kind")) {
        for (int i = 0; kinds[i]; i++)
            if (!strcmp(value, kinds[i])) {
                d->kind = i;
                return 0;
            }
        char accepted[128];
        join_list(accepted, sizeof accepted, kinds);
        return fail(c, "kind = '%s' is invalid for a series; accepted: %s", value, accepted);
    }
    return unknown_key(c, "series", key, series_keys);
}

static int set_panel(parse_ctx *c, gs_preset *p, section_state *s, const char *key, const char *value)
{
    gs_panel_decl *d = &p->panel[s->panel];
    if (!strcmp(key, "title"))
        return copy_text(c, key, d->title, sizeof d->title, value);
    if (!strcmp(key, "kind")) {
        if (strcmp(value, "lines") && strcmp(value, "histogram") && strcmp(value, "heatmap"))
            return fail(c, "kind = '%s' is invalid for a panel; accepted: lines, histogram, heatmap", value);
        return copy_text(c, key, d->kind, sizeof d->kind, value);
    }
    if (!strcmp(key, "ylog"))
        return parse_bool(c, key, value, &d->ylog);
    if (!strcmp(key, "xlog"))
        return parse_bool(c, key, value, &d->xlog);
    return unknown_key(c, "panel", key, panel_keys);
}

static int set_model(parse_ctx *c, gs_preset *p, const char *key, const char *value)
{
    if (!strcmp(key, "activation")) {
        static const char *const acts[] = {"linear", "erf", "relu", "tanh", "quadratic", "cubic", NULL};
        if (!in_list(value, acts))
            return fail(c, "activation = '%s' is not supported; use linear, erf, relu, tanh, quadratic or cubic",
                        value);
        return copy_text(c, key, p->activation, sizeof p->activation, value);
    }
    if (!strcmp(key, "layers")) {
        double v;
        if (parse_number(c, key, value, &v))
            return -1;
        if (v != 1 && v != 2 && v != 3)
            return fail(c, "layers = %s is not supported; use 1, 2 or 3 trainable layers", value);
        p->layers = (int)v;
        return 0;
    }
    if (!strcmp(key, "readout")) {
        if (strcmp(value, "standard") && strcmp(value, "mean-field") && strcmp(value, "chi"))
            return fail(c, "readout = '%s' is invalid; use standard (1/N), mean-field (1/N^2) or chi "
                           "(1/(chi N))", value);
        return copy_text(c, key, p->readout, sizeof p->readout, value);
    }
    if (!strcmp(key, "bias"))
        return parse_bool(c, key, value, &p->bias);
    if (!strcmp(key, "read_in_prior")) {
        if (strcmp(value, "fan-in") && strcmp(value, "per-weight"))
            return fail(c, "read_in_prior = '%s' is invalid; use fan-in (variance sigma_w2/d) or per-weight "
                           "(variance sigma_w2)", value);
        p->read_in_per_weight = !strcmp(value, "per-weight");
        return 0;
    }
    return unknown_key(c, "model", key, model_keys);
}

static int set_data(parse_ctx *c, gs_preset *p, const char *key, const char *value)
{
    if (!strcmp(key, "inputs")) {
        static const char *const inputs[] = {"gaussian", "sphere", "onehot-pairs", "file", NULL};
        if (!in_list(value, inputs))
            return fail(c, "inputs = '%s' is not supported; use gaussian, sphere, onehot-pairs or file", value);
        return copy_text(c, key, p->inputs, sizeof p->inputs, value);
    }
    if (!strcmp(key, "teacher")) {
        static const char *const teachers[] = {"linear", "erf-neuron", "he3", "h1h3", "harmonics", "modular",
                                               "file", NULL};
        if (!in_list(value, teachers))
            return fail(c, "teacher = '%s' is not supported; use linear, erf-neuron, he3, h1h3, harmonics, "
                           "modular or file", value);
        return copy_text(c, key, p->teacher, sizeof p->teacher, value);
    }
    if (!strcmp(key, "train_file"))
        return copy_text(c, key, p->train_file, sizeof p->train_file, value);
    if (!strcmp(key, "test_file"))
        return copy_text(c, key, p->test_file, sizeof p->test_file, value);
    if (!strcmp(key, "train_targets"))
        return copy_text(c, key, p->train_targets, sizeof p->train_targets, value);
    if (!strcmp(key, "test_targets"))
        return copy_text(c, key, p->test_targets, sizeof p->test_targets, value);
    if (!strcmp(key, "harmonics"))
        return copy_text(c, key, p->harmonics, sizeof p->harmonics, value);
    return unknown_key(c, "data", key, data_keys);
}

static int set_preset_field(parse_ctx *c, gs_preset *p, const char *key, const char *value)
{
    if (!strcmp(key, "name")) {
        if (!valid_name(value))
            return fail(c, "name = '%s' is invalid; use letters, digits, '-', '_' or '.'", value);
        return copy_text(c, key, p->name, sizeof p->name, value);
    }
    if (!strcmp(key, "title"))
        return copy_text(c, key, p->title, sizeof p->title, value);
    if (!strcmp(key, "paper"))
        return copy_text(c, key, p->paper, sizeof p->paper, value);
    if (!strcmp(key, "summary"))
        return copy_text(c, key, p->summary, sizeof p->summary, value);
    if (!strcmp(key, "theory"))
        return copy_text(c, key, p->theory, sizeof p->theory, value);  /* checked once the file is read */
    if (!strcmp(key, "convention"))
        return copy_text(c, key, p->convention, sizeof p->convention, value);
    return unknown_key(c, "preset", key, preset_keys);
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

static int open_section(parse_ctx *c, gs_preset *p, char *header, section_state *s)
{
    char *kind = trim(header);
    char *name = strchr(kind, ' ');
    if (name) {
        *name++ = '\0';
        name = trim(name);
    }
    if (!in_list(kind, section_names)) {
        char accepted[128];
        const char *guess = nearest(kind, section_names);
        join_list(accepted, sizeof accepted, section_names);
        if (guess)
            return fail(c, "unknown section [%s]; did you mean [%s]? Accepted: %s", kind, guess, accepted);
        return fail(c, "unknown section [%s]; accepted: %s", kind, accepted);
    }
    int named = !strcmp(kind, "param") || !strcmp(kind, "series") || !strcmp(kind, "panel");
    int is_series = !strcmp(kind, "series");
    if (named && (!name || !(is_series ? valid_series_name(name) : valid_name(name))))
        return fail(c, "[%s] needs a name of letters, digits, '-', '_' or '.', e.g. [%s T]", kind, kind);
    if (!named && name)
        return fail(c, "[%s] takes no name (got '%s')", kind, name);
    snprintf(s->kind, sizeof s->kind, "%s", kind);
    snprintf(s->name, sizeof s->name, "%s", name ? name : "");

    if (!strcmp(kind, "param")) {
        if (gs_preset_tunable(p, name))
            return fail(c, "[param %s] is declared twice", name);
        if (p->ntunable >= GS_MAX_TUNABLE)
            return fail(c, "too many [param] sections; at most %d are accepted", GS_MAX_TUNABLE);
        s->tunable = p->ntunable++;
        s->tunable_line[s->tunable] = c->line;
        gs_tunable *t = &p->tunable[s->tunable];
        memset(t, 0, sizeof *t);
        snprintf(t->name, sizeof t->name, "%s", name);
        t->min = -INFINITY;
        t->max = INFINITY;
        t->step = 0;
        t->rebuild = in_list(name, rebuild_params);
    } else if (!strcmp(kind, "series")) {
        if (gs_preset_series_index(p, name) >= 0)
            return fail(c, "[series %s] is declared twice", name);
        if (p->nseries >= GS_MAX_SERIES)
            return fail(c, "too many [series] sections; at most %d are accepted", GS_MAX_SERIES);
        s->series = p->nseries++;
        s->series_line[s->series] = c->line;
        gs_series_decl *d = &p->series[s->series];
        memset(d, 0, sizeof *d);
        snprintf(d->name, sizeof d->name, "%s", name);
        snprintf(d->label, sizeof d->label, "%s", name);
        d->kind = GS_SERIES_TEST;
        d->pair = -1;
    } else if (!strcmp(kind, "panel")) {
        for (int i = 0; i < p->npanels; i++)
            if (!strcmp(p->panel[i].name, name))
                return fail(c, "[panel %s] is declared twice", name);
        if (p->npanels >= GS_MAX_PANELS)
            return fail(c, "too many [panel] sections; at most %d are accepted", GS_MAX_PANELS);
        s->panel = p->npanels++;
        gs_panel_decl *d = &p->panel[s->panel];
        memset(d, 0, sizeof *d);
        snprintf(d->name, sizeof d->name, "%s", name);
        snprintf(d->title, sizeof d->title, "%s", name);
        snprintf(d->kind, sizeof d->kind, "lines");
    }
    return 0;
}

static void set_defaults(gs_preset *p)
{
    snprintf(p->activation, sizeof p->activation, "erf");
    p->layers = 2;
    snprintf(p->readout, sizeof p->readout, "standard");
    snprintf(p->inputs, sizeof p->inputs, "gaussian");
    snprintf(p->teacher, sizeof p->teacher, "linear");
}

/* Checks that need the whole file: names, pairs, panels, bounds. */
static int check_whole(parse_ctx *c, gs_preset *p, char predicts[][GS_NAME_MAX], const section_state *st)
{
    c->line = 0;
    if (p->theory[0] && !gs_theory_find(p->theory)) {
        const char *names[32];
        int count = 0;
        for (int i = 0; gs_theory_registry[i] && count < 31; i++)
            names[count++] = gs_theory_registry[i]->name;
        names[count] = NULL;
        char accepted[512];
        join_list(accepted, sizeof accepted, names);
        const char *guess = nearest(p->theory, names);
        c->line = st->theory_line;
        if (guess)
            return fail(c, "theory = %s is not a known theory module; did you mean '%s'? Known: %s", p->theory,
                        guess, accepted);
        return fail(c, "theory = %s is not a known theory module; known: %s", p->theory, accepted);
    }
    if (!p->name[0])
        return fail(c, "[preset] has no name; add e.g. name = my-experiment");
    if ((!strcmp(p->inputs, "file")) != (!strcmp(p->teacher, "file")))
        return fail(c, "[data] inputs = %s and teacher = %s: data from files needs both inputs = file and "
                       "teacher = file", p->inputs, p->teacher);
    if (!strcmp(p->inputs, "file") && (!p->train_file[0] || !p->test_file[0]))
        return fail(c, "[data] inputs = file needs train_file and test_file (.npy or .csv)");
    for (int i = 0; i < p->nseries; i++) {
        gs_series_decl *d = &p->series[i];
        c->line = st->series_line[i];
        if (predicts[i][0]) {
            d->pair = gs_preset_series_index(p, predicts[i]);
            if (d->pair < 0)
                return fail(c, "[series %s] predicts '%s', which is not a declared series", d->name, predicts[i]);
        }
        if (d->panel[0]) {
            int found = 0;
            for (int j = 0; j < p->npanels; j++)
                found |= !strcmp(p->panel[j].name, d->panel);
            if (!found)
                return fail(c, "[series %s] is drawn in panel '%s', which is not declared; add [panel %s]",
                            d->name, d->panel, d->panel);
        }
    }
    for (int i = 0; i < p->ntunable; i++) {
        gs_tunable *t = &p->tunable[i];
        c->line = st->tunable_line[i];
        double v = gs_params_get(&p->params, t->name, NAN);
        if (isnan(v))
            return fail(c, "[param %s] has no value; add value = ...", t->name);
        if (t->min > t->max)
            return fail(c, "[param %s] has min %g above max %g", t->name, t->min, t->max);
        if (v < t->min || v > t->max)
            return fail(c, "[param %s] value %g is outside its bounds [%g, %g]", t->name, v, t->min, t->max);
        if (t->step == 0)
            t->step = t->log_scale ? 2 : 1;
        if (t->log_scale && (t->step <= 1 || t->min <= 0))
            return fail(c, "[param %s] is on a log scale, so it needs step > 1 (a factor) and min > 0", t->name);
        if (!t->label[0])
            memcpy(t->label, t->name, sizeof t->name);
    }
    return 0;
}

int gs_preset_parse(gs_preset *p, const char *text, const char *source, char *err, size_t errlen)
{
    parse_ctx c = {.source = source, .line = 0, .err = err, .errlen = errlen};
    char predicts[GS_MAX_SERIES][GS_NAME_MAX];
    section_state s = {.kind = ""};

    memset(p, 0, sizeof *p);
    memset(predicts, 0, sizeof predicts);
    set_defaults(p);
    snprintf(p->source, sizeof p->source, "%s", source);

    const char *cursor = text;
    while (*cursor) {
        char line[1024];
        const char *eol = strchr(cursor, '\n');
        size_t len = eol ? (size_t)(eol - cursor) : strlen(cursor);
        c.line++;
        if (len >= sizeof line)
            return fail(&c, "line is %zu characters long; at most %zu are accepted", len, sizeof line - 1);
        memcpy(line, cursor, len);
        line[len] = '\0';
        cursor = eol ? eol + 1 : cursor + len;

        /* A comment starts with '#' at the start of a line or after a space, or with ';'
         * as the first character of a line. */
        if (line[0] == ';')
            line[0] = '\0';
        for (char *q = line; *q; q++)
            if (*q == '#' && (q == line || isspace((unsigned char)q[-1]))) {
                *q = '\0';
                break;
            }
        char *body = trim(line);
        if (!*body)
            continue;
        if (*body == '[') {
            char *close = strchr(body, ']');
            if (!close || trim(close + 1)[0])
                return fail(&c, "section header '%s' is malformed; write e.g. [model] or [param T]", body);
            *close = '\0';
            if (open_section(&c, p, body + 1, &s))
                return -1;
            continue;
        }
        char *eq = strchr(body, '=');
        if (!eq)
            return fail(&c, "'%s' is not a 'key = value' line", body);
        *eq = '\0';
        char *key = trim(body), *value = trim(eq + 1);
        if (!*key)
            return fail(&c, "a line has a value but no key");
        if (!s.kind[0])
            return fail(&c, "'%s' comes before any section; start with [preset]", key);

        int rc = 0;
        if (!strcmp(s.kind, "preset")) {
            rc = set_preset_field(&c, p, key, value);
            if (!strcmp(key, "theory"))
                s.theory_line = c.line;
        }
        else if (!strcmp(s.kind, "model"))
            rc = set_model(&c, p, key, value);
        else if (!strcmp(s.kind, "data"))
            rc = set_data(&c, p, key, value);
        else if (!strcmp(s.kind, "params")) {
            double v;
            if (!in_list(key, known_params) && !gs_preset_tunable(p, key)) {
                const char *guess = nearest(key, known_params);
                if (guess)
                    return fail(&c, "unknown parameter '%s'; did you mean '%s'? Declare a new one with "
                                    "[param %s]", key, guess, key);
                return fail(&c, "unknown parameter '%s'; declare it with [param %s] or use a known one "
                                "(T, h, N, n, d, sigma_w2, sigma_a2, ...)", key, key);
            }
            rc = parse_number(&c, key, value, &v);
            if (!rc && gs_params_is_count(key) && v != round(v))
                return fail(&c, "%s = %g is not a whole number; %s is a count", key, v, key);
            if (!rc && gs_params_set(&p->params, key, v))
                return fail(&c, "too many parameters; at most %d are accepted", GS_MAX_PARAMS);
        } else if (!strcmp(s.kind, "param"))
            rc = set_tunable(&c, p, &s, key, value);
        else if (!strcmp(s.kind, "series"))
            rc = set_series(&c, p, &s, key, value, predicts);
        else
            rc = set_panel(&c, p, &s, key, value);
        if (rc)
            return -1;
    }
    if (check_whole(&c, p, predicts, &s))
        return -1;
    p->text = strdup(text);
    if (!p->text) {
        snprintf(err, errlen, "%s: out of memory", source);
        return -1;
    }
    return 0;
}

static char *read_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t size = 0, cap = 0;
    for (;;) {
        if (size + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            if (cap > (1u << 20)) {
                snprintf(err, errlen, "%s: larger than 1 MiB; a preset is a short text file", path);
                free(buf);
                fclose(f);
                return NULL;
            }
            char *grown = realloc(buf, cap);
            if (!grown) {
                free(buf);
                fclose(f);
                snprintf(err, errlen, "%s: out of memory", path);
                return NULL;
            }
            buf = grown;
        }
        size_t got = fread(buf + size, 1, 4096, f);
        size += got;
        if (got < 4096)
            break;
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        snprintf(err, errlen, "%s: read failed", path);
        free(buf);
        return NULL;
    }
    buf[size] = '\0';
    if (memchr(buf, '\0', size)) {
        snprintf(err, errlen, "%s: contains a NUL byte; a preset is a text file", path);
        free(buf);
        return NULL;
    }
    return buf;
}

static int file_exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

int gs_preset_load(gs_preset *p, const char *name, char *err, size_t errlen)
{
    char path[GS_TEXT_FIELD];
    const char *found = NULL;

    if (strchr(name, '/') || strstr(name, ".ini")) {
        if (!file_exists(name)) {
            snprintf(err, errlen, "%s: preset file not found", name);
            return -1;
        }
        found = name;
    } else {
        const char *xdg = getenv("XDG_CONFIG_HOME");
        const char *home = getenv("HOME");
        if (xdg && *xdg)
            snprintf(path, sizeof path, "%s/grokscope/presets/%s.ini", xdg, name);
        else if (home && *home)
            snprintf(path, sizeof path, "%s/.config/grokscope/presets/%s.ini", home, name);
        else
            path[0] = '\0';
        if (path[0] && file_exists(path))
            found = path;
    }
    if (found) {
        char *text = read_file(found, err, errlen);
        if (!text)
            return -1;
        int rc = gs_preset_parse(p, text, found, err, errlen);
        free(text);
        return rc;
    }
    for (int i = 0; gs_builtin_presets[i].name; i++) {
        if (!strcmp(gs_builtin_presets[i].name, name)) {
            char source[GS_TEXT_FIELD];
            snprintf(source, sizeof source, "builtin:%s", name);
            return gs_preset_parse(p, gs_builtin_presets[i].text, source, err, errlen);
        }
    }
    const char *names[64];
    int count = 0;
    for (int i = 0; gs_builtin_presets[i].name && count < 63; i++)
        names[count++] = gs_builtin_presets[i].name;
    names[count] = NULL;
    char accepted[1024];
    join_list(accepted, sizeof accepted, names);
    const char *guess = nearest(name, names);
    if (guess)
        snprintf(err, errlen, "no preset named '%s'; did you mean '%s'? Presets: %s (or give a path to an .ini file)",
                 name, guess, accepted);
    else
        snprintf(err, errlen, "no preset named '%s'. Presets: %s (or give a path to an .ini file)", name,
                 accepted);
    return -1;
}

int gs_preset_set(gs_preset *p, const char *assignment, char *err, size_t errlen)
{
    const char *eq = strchr(assignment, '=');
    char name[GS_NAME_MAX];
    if (!eq || eq == assignment || (size_t)(eq - assignment) >= sizeof name) {
        snprintf(err, errlen, "--set '%s' is invalid; write NAME=VALUE, e.g. --set T=0.01", assignment);
        return -1;
    }
    memcpy(name, assignment, (size_t)(eq - assignment));
    name[eq - assignment] = '\0';
    char *end;
    errno = 0;
    double v = strtod(eq + 1, &end);
    if (end == eq + 1 || *end || errno == ERANGE || !isfinite(v)) {
        snprintf(err, errlen, "--set %s: '%s' is not a number", name, eq + 1);
        return -1;
    }
    if (gs_params_find(&p->params, name) < 0) {
        const char *names[GS_MAX_PARAMS + 1];
        for (int i = 0; i < p->params.count; i++)
            names[i] = p->params.name[i];
        names[p->params.count] = NULL;
        char accepted[1024];
        join_list(accepted, sizeof accepted, names);
        const char *guess = nearest(name, names);
        if (guess)
            snprintf(err, errlen, "--set %s: preset %s has no parameter '%s'; did you mean '%s'? Parameters: %s",
                     name, p->name, name, guess, accepted);
        else
            snprintf(err, errlen, "--set %s: preset %s has no parameter '%s'. Parameters: %s", name, p->name,
                     name, accepted);
        return -1;
    }
    if (gs_params_is_count(name) && v != round(v)) {
        snprintf(err, errlen, "--set %s=%g is not a whole number; %s is a count", name, v, name);
        return -1;
    }
    const gs_tunable *t = gs_preset_tunable(p, name);
    if (t && (v < t->min || v > t->max)) {
        snprintf(err, errlen, "--set %s=%g is outside the accepted range [%g, %g]", name, v, t->min, t->max);
        return -1;
    }
    gs_params_set(&p->params, name, v);
    if (!strcmp(name, "beta")) {
        double old_values[4];
        gs_params_apply_size_scale(&p->params, v, old_values);
    }
    return 0;
}

void gs_preset_free(gs_preset *p)
{
    free(p->text);
    p->text = NULL;
}

const gs_tunable *gs_preset_tunable(const gs_preset *p, const char *name)
{
    for (int i = 0; i < p->ntunable; i++)
        if (!strcmp(p->tunable[i].name, name))
            return &p->tunable[i];
    return NULL;
}

int gs_preset_series_index(const gs_preset *p, const char *name)
{
    for (int i = 0; i < p->nseries; i++)
        if (!strcmp(p->series[i].name, name))
            return i;
    return -1;
}
