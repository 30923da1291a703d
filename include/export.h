/*
 * export.h - turn a .gsr recording into CSV, JSON or SVG figures.
 *
 * Each exporter reads the recording chunk by chunk, so memory stays small
 * for long recordings. A damaged chunk is skipped with a warning through
 * gs_log and the export goes on. The export fails with a message in err
 * when the recording's header cannot be read or the output cannot be
 * written.
 * Called from the main thread (the `export` command); no shared state.
 *
 * Numbers are written with 17 significant digits, so a double read back
 * from CSV or JSON equals the recorded one.
 */
#ifndef GS_EXPORT_H
#define GS_EXPORT_H

#include <stddef.h>

/* Write one row per scalar frame to out_path, with the header
 * "step,t,wall,<series name>..." (NaN written as "nan"), and the events to
 * the events path (gs_export_events_path) with the header
 * "step,t,kind,name,old,new,text". */
int gs_export_csv(const char *in_path, const char *out_path, char *err, size_t errlen);

/* Derive the events file name: "run.csv" gives "run.events.csv", any other
 * name gets ".events.csv" appended. Returns 0, or -1 when out is too small. */
int gs_export_events_path(const char *csv_path, char *out, size_t outlen);

/* Write {"header":{...}, "series":[...], "frames":[...], "histograms":[...],
 * "matrices":[...], "events":[...], "damaged_chunks":N}. Non-finite values
 * are written as null.
 * NOTE: the seed is a JSON integer of up to 2^64 - 1; readers that parse
 * numbers as doubles (JavaScript) lose the digits above 2^53. */
int gs_export_json(const char *in_path, const char *out_path, char *err, size_t errlen);

#define GS_SVG_LOG_Y 1u /* logarithmic y axes where a panel has positive values */

/* Write one SVG with a plot per panel, stacked top to bottom: the panel's
 * series against step, theory series dashed, events as ticks along the top
 * edge. panels lists the panel names to draw (npanels of them), or NULL
 * for every panel in the series declarations. Each plot keeps the minimum
 * and maximum of every pixel column, so no spike is smoothed away. */
int gs_export_svg(const char *in_path, const char *out_path, const char *const *panels,
                  size_t npanels, unsigned flags, char *err, size_t errlen);

#endif
