/* datefit.h - the date of a log whose lines carry none (an Apple Console copy: times of day
 * only) or no year (the iOS syslog): the day the case's other logs agree on, else the file's
 * modification time. */
#ifndef SCEPSCOPE_DATEFIT_H
#define SCEPSCOPE_DATEFIT_H

#include <stddef.h>
#include <stdint.h>

#include "source.h"

/* Lines of other logs this close to the log's first and last line count for a day. */
#define DATEFIT_WINDOW_US (INT64_C(3600) * INT64_C(1000000))

struct datefit {
    int64_t ref;          /* the date_ref to read the log with */
    enum date_from from;  /* DATE_FROM_CASE, DATE_FROM_MTIME, or DATE_FROM_NONE (kept) */
    uint64_t support;     /* for DATE_FROM_CASE: the other logs' lines near it */
};

/* A log read with date_ref `ref` gave its lines the times first..last; anchors (n, sorted) are
 * the times of the other logs' lines, whose dates are their own. Chooses the day (for
 * DATE_NO_DAY) or the year (DATE_NO_YEAR) that puts the most anchors within
 * DATEFIT_WINDOW_US of the log's span (the latest such day on a tie); with none near, the
 * one that puts the log's last line just before mtime (the file was written after its last
 * line); with no mtime (TIME_NONE), ref is kept. */
void datefit_choose(enum date_missing kind, int64_t ref, int64_t first, int64_t last,
                    const int64_t *anchors, size_t n, int64_t mtime, struct datefit *out);

/* "2016-06-22" (the day of a date_ref) or "2016" (its year) into buf (16 bytes). */
void datefit_words(enum date_missing kind, int64_t ref, char *buf);

#endif
