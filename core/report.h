/* report.h - what the program prints without curses: the merged timeline (TSV or JSON Lines),
 * the list of sources with their accounting, and the notes on what was skipped or assumed. */
#ifndef SCEPSCOPE_REPORT_H
#define SCEPSCOPE_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "bundle.h"
#include "diagnose.h"

enum out_format {
    OUT_TEXT,
    OUT_JSON,
};

/* One event a line: time, file, line, format, level, step, attempt, message (tab-separated),
 * or one JSON object a line with the same fields. d (may be NULL) gives the step and attempt;
 * when some attempts are not selected (--device/--user), only the events of the selected
 * ones are printed. color adds ANSI colours to the level (text only). */
void report_timeline(FILE *f, const struct bundle *b, const struct diagnosis *d,
                     enum out_format fmt, bool color);

/* For each selected attempt: its span, device and user, each step's verdict with its
 * evidence as file:line  message, and the diagnosis of the first failing step; then the
 * clock offsets found. JSON: one document with sources, clocks and attempts. */
void report_diagnosis(FILE *f, const struct diagnosis *d, enum out_format fmt);

/* Each file: format, role, encoding, zone, line accounting, first and last time, notes. */
void report_sources(FILE *f, const struct bundle *b, enum out_format fmt);

/* One line per thing the user should know about the reading: files skipped, times read as
 * UTC for want of a zone, lines kept raw. Prefixed "scepscope: ". */
void report_notes(FILE *f, const struct bundle *b);

#endif
