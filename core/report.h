/* report.h - what the program prints without curses: the merged timeline (TSV or JSON Lines),
 * the list of sources with their accounting, and the notes on what was skipped or assumed. */
#ifndef SCEPSCOPE_REPORT_H
#define SCEPSCOPE_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "bundle.h"

enum out_format {
    OUT_TEXT,
    OUT_JSON,
};

/* One event a line: time, file, line, format, level, message (tab-separated), or one JSON
 * object a line with the same fields. color adds ANSI colours to the level (text only). */
void report_timeline(FILE *f, const struct bundle *b, enum out_format fmt, bool color);

/* Each file: format, role, encoding, zone, line accounting, first and last time, notes. */
void report_sources(FILE *f, const struct bundle *b, enum out_format fmt);

/* One line per thing the user should know about the reading: files skipped, times read as
 * UTC for want of a zone, lines kept raw. Prefixed "scepscope: ". */
void report_notes(FILE *f, const struct bundle *b);

#endif
