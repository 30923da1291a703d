/*
 * source.c - the ui_source adapter for a live gs_trainer. See source.h.
 *
 * Kept in its own file so that programs which never run a trainer (the unit
 * tests of the screen) do not link the trainer.
 */
#include <string.h>

#include "source.h"

static int trainer_poll(void *self, gs_frame *out)
{
    return gs_trainer_poll(self, out);
}

static int trainer_command(void *self, const gs_command *cmd)
{
    return gs_trainer_command(self, cmd);
}

static void trainer_status(void *self, gs_trainer_status *out)
{
    gs_trainer_get_status(self, out);
}

static void trainer_params(void *self, gs_params *out)
{
    gs_trainer_get_params(self, out);
}

static const gs_preset *trainer_preset(void *self)
{
    return gs_trainer_preset(self);
}

static int trainer_nseries(void *self)
{
    return gs_trainer_nseries(self);
}

static const gs_series_decl *trainer_series(void *self)
{
    return gs_trainer_series(self);
}

void source_from_trainer(ui_source *s, gs_trainer *tr)
{
    /* Every optional member starts NULL, so members added later default to absent. */
    memset(s, 0, sizeof *s);
    s->self = tr;
    s->kind = "live";
    s->poll = trainer_poll;
    s->command = trainer_command;
    s->status = trainer_status;
    s->params = trainer_params;
    s->preset = trainer_preset;
    s->nseries = trainer_nseries;
    s->series = trainer_series;
    s->record = NULL;
    s->recording = NULL;
}
