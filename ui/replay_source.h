/*
 * replay_source.h - a .gsr recording as a screen source (kind "replay").
 *
 * The source plays the recorded records in file order, each when the
 * playback clock reaches its recorded wall time. The clock runs at a speed
 * factor from x1/4 to x64 and stops while paused. Seeking uses the chunk
 * index, so it inflates only the chunks it needs: a seek forward delivers the
 * records up to the target at once, and a seek backward (or far forward)
 * restarts the stream up to context_chunks chunks before the target, which
 * the screen receives as SOURCE_RESTART from command(). At the end of the
 * file the source looks for appended chunks about once a second, so a file
 * still being recorded keeps playing.
 *
 * NOTE: after a restart the plots begin context_chunks chunks before the
 * target (about a minute of recording at the default of 64), not at the
 * start of the file.
 *
 * Parameter values come from the preset text of the header, parsed with
 * gs_preset_parse, with every GS_EVENT_SET before the position applied.
 *
 * UI thread only. replay_source_open allocates; replay_source_close frees.
 * The ui_source filled by replay_source_fill is valid until the close.
 */
#ifndef UI_REPLAY_SOURCE_H
#define UI_REPLAY_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "replay.h"
#include "source.h"

typedef struct {
    double speed;          /* initial speed factor, a power of two in [1/4, 64]; 0 means 1 */
    int follow;            /* 1: show the file as followed from the start (--follow) */
    int realtime;          /* 1: the clock follows CLOCK_MONOTONIC inside poll;
                              0: only replay_source_advance moves it (tests) */
    int context_chunks;    /* chunks fed again before the target of a restart; 0 means 64 */
} replay_source_options;

typedef struct replay_source replay_source;

void replay_source_options_default(replay_source_options *o);

/* Open and index path. Fails, with a message naming the file, when it is
 * missing, not a recording, of an unknown major version or has a damaged
 * header. Damaged chunks do not fail the open; they are skipped when met. */
int replay_source_open(replay_source **out, const char *path, const replay_source_options *o, char *err,
                       size_t errlen);
void replay_source_close(replay_source *rs);

/* Fill src with the function table of rs. */
void replay_source_fill(replay_source *rs, ui_source *src);

/* Move the playback clock as if `seconds` of wall time passed (times the
 * speed, unless paused). */
void replay_source_advance(replay_source *rs, double seconds);

/* Chunks skipped as damaged so far, counting damage found while indexing. */
size_t replay_source_skipped(const replay_source *rs);

/* Index of the chunk the last delivered record came from, or -1 before the
 * first record. */
long replay_source_chunk(const replay_source *rs);

#endif
