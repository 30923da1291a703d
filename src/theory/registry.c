/*
 * registry.c - the table of theory modules, and helpers for their output.
 */
#include <math.h>
#include <string.h>

#include "theory.h"

extern const gs_theory_kind gs_theory_grokking_cubic;
extern const gs_theory_kind gs_theory_grokking_modular;
extern const gs_theory_kind gs_theory_nngp_gp;

const gs_theory_kind *const gs_theory_registry[] = {
    &gs_theory_grokking_cubic,
    &gs_theory_grokking_modular,
    &gs_theory_nngp_gp,
    NULL
};

const gs_theory_kind *gs_theory_find(const char *name)
{
    for (int i = 0; gs_theory_registry[i]; i++)
        if (strcmp(gs_theory_registry[i]->name, name) == 0)
            return gs_theory_registry[i];
    return NULL;
}

int gs_theory_put(gs_theory_output *out, const char *name, double value)
{
    for (int i = 0; i < out->nvalues; i++) {
        if (strcmp(out->value_name[i], name) == 0) {
            out->value[i] = value;
            return 0;
        }
    }
    if (out->nvalues >= GS_THEORY_MAX_VALUES)
        return -1;
    strncpy(out->value_name[out->nvalues], name, GS_NAME_MAX - 1);
    out->value_name[out->nvalues][GS_NAME_MAX - 1] = '\0';
    out->value[out->nvalues++] = value;
    return 0;
}

double gs_theory_value(const gs_theory_output *out, const char *name)
{
    for (int i = 0; i < out->nvalues; i++)
        if (strcmp(out->value_name[i], name) == 0)
            return out->value[i];
    return NAN;
}
