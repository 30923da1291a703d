/*
 * params.c - the flat named parameter set. See include/params.h.
 */
#include "params.h"

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
