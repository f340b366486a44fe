/* devlog_common.h - what the parsers of the devices' own logs (omadm.c, applelog.c) share:
 * reading their dates, times and UTC offsets, and walking an entry's message over the lines
 * below its head (an Android stack trace, an Apple NSError dump). */
#ifndef SCEPSCOPE_DEVLOG_COMMON_H
#define SCEPSCOPE_DEVLOG_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parser.h"
#include "span.h"
#include "timeutil.h"

/* An entry whose message goes on for more lines or bytes than this is cut there: the lines
 * after it are kept raw, and a note says so. */
#define DL_MAX_ENTRY_LINES 100000u
#define DL_MAX_ENTRY_BYTES (64u * 1024u * 1024u)

static inline bool dl_is_space(char c)
{
    return c == ' ' || c == '\t';
}

static inline bool dl_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static inline const char *dl_skip_space(const char *p, const char *end)
{
    while (p < end && dl_is_space(*p))
        p++;
    return p;
}

/* The next run of bytes that are not a space or a tab, from p (which may point at spaces). */
static inline struct span dl_token(const char *p, const char *end)
{
    p = dl_skip_space(p, end);
    const char *q = p;
    while (q < end && !dl_is_space(*q))
        q++;
    return span_make(p, (size_t)(q - p));
}

static inline bool dl_all_digits(struct span t)
{
    if (!t.n)
        return false;
    for (size_t i = 0; i < t.n; i++)
        if (!dl_is_digit(t.p[i]))
            return false;
    return true;
}

/* "YYYY-MM-DD" at p: the fields (not checked against the calendar); how many bytes, 0 when
 * the shape is not there. */
static inline size_t dl_read_ymd(const char *p, const char *end, int *y, int *mo, int *d)
{
    if (end - p < 10 || !read_digits(p, 4, y) || p[4] != '-' || !read_digits(p + 5, 2, mo) ||
        p[7] != '-' || !read_digits(p + 8, 2, d))
        return 0;
    return 10;
}

/* "HH:MM:SS" with an optional fraction of 1-9 digits (a longer one is read to its end, its
 * first 9 digits kept): the fields, not range-checked; how many bytes, 0 when the shape is
 * not there. */
static inline size_t dl_read_hms(const char *p, const char *end, int *h, int *mi, int *s,
                                 int64_t *us)
{
    if (end - p < 8 || !read_digits(p, 2, h) || p[2] != ':' || !read_digits(p + 3, 2, mi) ||
        p[5] != ':' || !read_digits(p + 6, 2, s))
        return 0;
    const char *q = p + 8;
    *us = 0;
    if (q < end && *q == '.') {
        int frac;
        size_t k = read_digits_upto(q + 1, end, 9, &frac);
        if (!k)
            return 0;
        *us = fraction_to_us(frac, k);
        q += 1 + k;
        while (q < end && dl_is_digit(*q))
            q++;
    }
    return (size_t)(q - p);
}

/* An offset east of UTC written after a time: "-0500", "+02:00", "+05", "Z". The minutes into
 * *off_min; how many bytes, 0 when there is none. Offsets beyond 14 hours are refused. */
static inline size_t dl_read_offset(const char *p, const char *end, int32_t *off_min)
{
    if (p < end && *p == 'Z') {
        *off_min = 0;
        return 1;
    }
    if (end - p < 3 || (*p != '+' && *p != '-'))
        return 0;
    int h, m = 0;
    if (!read_digits(p + 1, 2, &h))
        return 0;
    size_t k = 3;
    if (end - p >= 6 && p[3] == ':' && read_digits(p + 4, 2, &m))
        k = 6;
    else if (end - p >= 5 && read_digits(p + 3, 2, &m))
        k = 5;
    if (k < (size_t)(end - p) && dl_is_digit(p[k]))
        return 0; /* "+123456": not an offset */
    if (h > 14 || m > 59 || h * 60 + m > 14 * 60)
        return 0;
    *off_min = (*p == '-' ? -1 : 1) * (h * 60 + m);
    return k;
}

/* What is wrong with a time of day read, in words, or NULL. */
static inline const char *dl_time_problem(int h, int mi, int s)
{
    if (h > 23)
        return "hour past 23";
    if (mi > 59)
        return "minute past 59";
    if (s > 60)
        return "second past 60";
    return NULL;
}

/* Does this line start an entry of the format, or end the entries (a header or summary line)?
 * A continuation walk stops at such a line. */
typedef bool (*dl_boundary_fn)(struct span line, const void *ctx);

/* From an entry's first line (just read from it), takes the lines that continue its message:
 * non-blank lines that are no boundary, and blank lines followed by such a line. Leaves it
 * after the entry's last line; *last is that line, *nlines how many the entry spans. Stops
 * at the caps (*capped set): the lines after are the caller's to keep raw. */
static inline void dl_walk_continuation(struct line_iter *it, struct span first,
                                        dl_boundary_fn boundary, const void *ctx,
                                        struct span *last, uint64_t *nlines, bool *capped)
{
    *last = first;
    *nlines = 1;
    *capped = false;
    for (;;) {
        struct line_iter look = *it;
        struct span l;
        uint64_t blanks = 0;
        while (line_iter_next(&look, &l) && span_trim(l).n == 0)
            blanks++;
        if (look.lineno == it->lineno + blanks || span_trim(l).n == 0 || boundary(l, ctx))
            return; /* the end, only blank lines left, or the next entry */
        if (*nlines + blanks + 1 > DL_MAX_ENTRY_LINES ||
            (size_t)(l.p + l.n - first.p) > DL_MAX_ENTRY_BYTES) {
            *capped = true;
            return;
        }
        *it = look;
        *nlines += blanks + 1;
        *last = l;
    }
}

#endif
