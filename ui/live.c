/*
 * live.c - a live run as a screen source, with recording. See live.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "live.h"
#include "log.h"
#include "screen.h"

static int live_poll(void *self, gs_frame *out)
{
    live_source *live = self;
    if (!gs_trainer_poll(live->trainer, out))
        return 0;
    if (live->recorder) {
        gs_recorder_push(live->recorder, out);
        const char *reason = gs_recorder_error(live->recorder);
        if (reason) {
            /* A full disk or a write error: keep what was written, go on training. */
            gs_log(GS_LOG_ERROR, "recording to %s stopped: %s; training goes on, the file keeps every whole "
                   "chunk written before the error", live->path, reason);
            char err[256];
            gs_recorder_close(live->recorder, err, sizeof err);
            live->recorder = NULL;
        }
    }
    return 1;
}

static int live_command(void *self, const gs_command *cmd)
{
    return gs_trainer_command(((live_source *)self)->trainer, cmd);
}

static void live_status(void *self, gs_trainer_status *out)
{
    gs_trainer_get_status(((live_source *)self)->trainer, out);
}

static void live_params(void *self, gs_params *out)
{
    gs_trainer_get_params(((live_source *)self)->trainer, out);
}

static const gs_preset *live_preset(void *self)
{
    return gs_trainer_preset(((live_source *)self)->trainer);
}

static int live_nseries(void *self)
{
    return gs_trainer_nseries(((live_source *)self)->trainer);
}

static const gs_series_decl *live_series(void *self)
{
    return gs_trainer_series(((live_source *)self)->trainer);
}

int live_source_start_recording(live_source *live, const char *path, char *msg, size_t msglen)
{
    const gs_preset *p = gs_trainer_preset(live->trainer);
    gs_recording_header hdr;
    memset(&hdr, 0, sizeof hdr);
    snprintf(hdr.program_version, sizeof hdr.program_version, "grokscope %s", GS_VERSION);
    snprintf(hdr.preset_name, sizeof hdr.preset_name, "%s", p->name);
    hdr.preset_text = p->text;
    hdr.seed = live->seed;
    hdr.created_unix = (int64_t)time(NULL);
    hdr.nseries = gs_trainer_nseries(live->trainer);
    memcpy(hdr.series, gs_trainer_series(live->trainer), sizeof(gs_series_decl) * (size_t)hdr.nseries);
    char err[256];
    if (gs_recorder_open(&live->recorder, path, &hdr, NULL, err, sizeof err)) {
        snprintf(msg, msglen, "cannot record to %s: %s", path, err);
        live->recorder = NULL;
        return -1;
    }
    snprintf(live->path, sizeof live->path, "%s", path);
    live->recordings++;
    snprintf(msg, msglen, "recording to %s", path);
    return 0;
}

int live_source_finish(live_source *live, char *msg, size_t msglen)
{
    if (!live->recorder) {
        snprintf(msg, msglen, "not recording");
        return 0;
    }
    char err[256];
    int rc = gs_recorder_close(live->recorder, err, sizeof err);
    live->recorder = NULL;
    if (rc) {
        snprintf(msg, msglen, "recording %s: %s", live->path, err);
        return -1;
    }
    struct stat info;
    long long bytes = stat(live->path, &info) == 0 ? (long long)info.st_size : -1;
    snprintf(msg, msglen, "saved %s (%lld bytes); replay it with: grokscope replay %s", live->path, bytes,
             live->path);
    return 0;
}

static int live_record(void *self, int on, char *msg, size_t msglen)
{
    live_source *live = self;
    if (!on)
        return live_source_finish(live, msg, msglen);
    if (live->recorder) {
        snprintf(msg, msglen, "already recording to %s", live->path);
        return 0;
    }
    char path[512];
    if (live->first_path[0] && live->recordings == 0) {
        snprintf(path, sizeof path, "%s", live->first_path);
    } else {
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        char stamp[32];
        strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
        snprintf(path, sizeof path, "grokscope-%s-%s.gsr", gs_trainer_preset(live->trainer)->name, stamp);
    }
    return live_source_start_recording(live, path, msg, msglen);
}

static const char *live_recording(void *self)
{
    live_source *live = self;
    return live->recorder ? live->path : NULL;
}

void live_source_init(live_source *live, ui_source *src, gs_trainer *tr, uint64_t seed, const char *first_path)
{
    /* Every optional member starts NULL, so members added later default to absent. */
    memset(src, 0, sizeof *src);
    memset(live, 0, sizeof *live);
    live->trainer = tr;
    live->seed = seed;
    if (first_path)
        snprintf(live->first_path, sizeof live->first_path, "%s", first_path);
    src->self = live;
    src->kind = "live";
    src->poll = live_poll;
    src->command = live_command;
    src->status = live_status;
    src->params = live_params;
    src->preset = live_preset;
    src->nseries = live_nseries;
    src->series = live_series;
    src->record = live_record;
    src->recording = live_recording;
}

int live_run(const struct gs_run_args *a, const gs_preset *p, uint64_t seed)
{
    char err[1024];
    gs_trainer *tr;
    gs_trainer_options opt = {.seed = seed, .max_steps = a->steps, .blas_threads = a->threads,
                              .cold_start = a->cold};
    if (gs_trainer_create(&tr, p, &opt, err, sizeof err)) {
        fprintf(stderr, "grokscope: %s\n", err);
        return 2;
    }
    if (gs_trainer_start(tr)) {
        fprintf(stderr, "grokscope: could not start the training threads\n");
        gs_trainer_free(tr);
        return 1;
    }
    live_source live;
    ui_source src;
    live_source_init(&live, &src, tr, seed, a->record);
    if (a->record && live_source_start_recording(&live, a->record, err, sizeof err)) {
        fprintf(stderr, "grokscope: --record: %s\n", err);
        gs_trainer_free(tr);
        return 2;
    }
    screen_options so;
    screen_options_default(&so);
    int rc = screen_run(&src, &so, err, sizeof err);

    /* The terminal is restored: stop training, then flush the recording. */
    gs_trainer_stop(tr);
    gs_frame *frame = malloc(sizeof *frame);
    while (frame && live_poll(&live, frame))
        ;
    free(frame);
    char msg[1024];
    int saved = live.recorder ? live_source_finish(&live, msg, sizeof msg) : 1;
    if (saved == 0)
        fprintf(stderr, "grokscope: %s\n", msg);
    else if (saved < 0)
        fprintf(stderr, "grokscope: %s\n", msg);
    gs_trainer_free(tr);
    if (rc < 0) {
        fprintf(stderr, "grokscope: %s\n", err);
        return 1;
    }
    return saved < 0 ? 1 : 0;
}
