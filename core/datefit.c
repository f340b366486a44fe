/* datefit.c - choosing the day (or the year) of a log whose lines lack it, from the case's
 * other logs: the device's lines of an enrollment fall within minutes of NDES's. */
#include <stdio.h>

#include "datefit.h"
#include "timeutil.h"

/* Candidate days (or years) tried at most: more than a lifetime of logs. */
#define DATEFIT_MAX_CANDIDATES 40000

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static size_t lower_bound(const int64_t *v, size_t n, int64_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t m = lo + (hi - lo) / 2;
        if (v[m] < x)
            lo = m + 1;
        else
            hi = m;
    }
    return lo;
}

/* Anchors within [lo, hi]. */
static uint64_t count_in(const int64_t *v, size_t n, int64_t lo, int64_t hi)
{
    return (uint64_t)(lower_bound(v, n, hi + 1) - lower_bound(v, n, lo));
}

static int64_t year_of(int64_t t)
{
    int64_t y;
    unsigned m, d;
    civil_from_days(floor_div(t, US_PER_DAY), &y, &m, &d);
    return y;
}

/* How far a log's times move when its year goes from y0 to y (its first line's month and
 * day kept). */
static int64_t year_shift(int64_t first, int64_t y0, int64_t y)
{
    int64_t yy;
    unsigned m, d;
    civil_from_days(floor_div(first, US_PER_DAY), &yy, &m, &d);
    if (m == 2 && d == 29)
        d = 28;
    return (days_from_civil(y, m, d) - days_from_civil(y0, m, d)) * US_PER_DAY;
}

void datefit_choose(enum date_missing kind, int64_t ref, int64_t first, int64_t last,
                    const int64_t *anchors, size_t n, int64_t mtime, struct datefit *out)
{
    out->ref = ref;
    out->from = DATE_FROM_NONE;
    out->support = 0;
    if (kind == DATE_COMPLETE || first == TIME_NONE || last == TIME_NONE)
        return;
    const int64_t w = DATEFIT_WINDOW_US;
    int64_t y0 = year_of(ref);
    if (n) {
        uint64_t best = 0;
        int64_t best_ref = ref;
        if (kind == DATE_NO_DAY) {
            int64_t lo = floor_div(anchors[0] - last - w, US_PER_DAY);
            int64_t hi = floor_div(anchors[n - 1] - first + w, US_PER_DAY) + 1;
            if (hi - lo > DATEFIT_MAX_CANDIDATES)
                lo = hi - DATEFIT_MAX_CANDIDATES;
            for (int64_t k = lo; k <= hi; k++) {
                int64_t sh = k * US_PER_DAY;
                uint64_t c = count_in(anchors, n, first + sh - w, last + sh + w);
                if (c && c >= best) {
                    best = c;
                    best_ref = ref + sh;
                }
            }
        } else {
            int64_t lo = year_of(anchors[0]) - 1, hi = year_of(anchors[n - 1]) + 1;
            if (hi - lo > 400)
                lo = hi - 400;
            for (int64_t y = lo; y <= hi; y++) {
                int64_t sh = year_shift(first, y0, y);
                uint64_t c = count_in(anchors, n, first + sh - w, last + sh + w);
                if (c && c >= best) {
                    best = c;
                    best_ref = days_from_civil(y, 1, 1) * US_PER_DAY;
                }
            }
        }
        if (best) {
            out->ref = best_ref;
            out->from = DATE_FROM_CASE;
            out->support = best;
            return;
        }
    }
    if (mtime == TIME_NONE)
        return;
    out->from = DATE_FROM_MTIME;
    if (kind == DATE_NO_DAY) {
        out->ref = ref + floor_div(mtime - last, US_PER_DAY) * US_PER_DAY;
    } else {
        int64_t y = year_of(mtime);
        int64_t sh = year_shift(first, y0, y);
        if (last + sh > mtime + US_PER_DAY)
            y--; /* a date after the file was written is last year's */
        out->ref = days_from_civil(y, 1, 1) * US_PER_DAY;
    }
}

void datefit_words(enum date_missing kind, int64_t ref, char *buf)
{
    int64_t y;
    unsigned m, d;
    civil_from_days(floor_div(ref, US_PER_DAY), &y, &m, &d);
    if (y < 0 || y > 9999)
        y = y < 0 ? 0 : 9999;
    if (kind == DATE_NO_YEAR)
        snprintf(buf, 16, "%04d", (int)y);
    else
        snprintf(buf, 16, "%04d-%02u-%02u", (int)y, m % 100, d % 100);
}
