/*
 * params.c - the flat named parameter set. See include/params.h.
 */
#include "params.h"

#include <math.h>
#include <string.h>

int gs_params_find(const gs_params *p, const char *name)
{
    for (int i = 0; i < p->count; i++)
        if (strcmp(p->name[i], name) == 0)
            return i;
    return -1;
}

double gs_params_get(const gs_params *p, const char *name, double fallback)
{
    int i = gs_params_find(p, name);
    return i < 0 ? fallback : p->value[i];
}

int gs_params_is_count(const char *name)
{
    static const char *const counts[] = {"N", "n", "d", "P", "n_test", "probe", "burn_in", "metric_every",
                                         "dist_every", NULL};
    for (int i = 0; counts[i]; i++)
        if (!strcmp(name, counts[i]))
            return 1;
    return 0;
}

int gs_params_set(gs_params *p, const char *name, double value)
{
    int i = gs_params_find(p, name);
    if (i < 0) {
        if (p->count >= GS_MAX_PARAMS)
            return -1;
        i = p->count++;
        strncpy(p->name[i], name, GS_NAME_MAX - 1);
        p->name[i][GS_NAME_MAX - 1] = '\0';
    }
    p->value[i] = value;
    return 0;
}

int gs_params_apply_size_scale(gs_params *p, double beta, double old_values[4])
{
    static const char *const names[] = {"N", "d", "n", "sigma_a2"};
    double ref[4] = {gs_params_get(p, "N_ref", NAN), gs_params_get(p, "d_ref", NAN), gs_params_get(p, "n_ref", NAN),
                     gs_params_get(p, "sigma_a2_ref", NAN)};
    double scaled[4] = {round(ref[0] * beta), round(ref[1] * sqrt(beta)), round(ref[2] * beta), ref[3] / sqrt(beta)};
    int changed = 0;
    for (int i = 0; i < 4; i++) {
        old_values[i] = gs_params_get(p, names[i], NAN);
        if (isnan(ref[i]))
            continue;
        if (i < 3 && scaled[i] < 1)
            scaled[i] = 1;
        gs_params_set(p, names[i], scaled[i]);
        changed |= 1 << i;
    }
    return changed;
}
