/* cmtrace_common.h - what the two ConfigMgr log parsers (cmtrace.c, cmtrace_legacy.c) share:
 * reading their M-D-YYYY dates and HH:MM:SS.f+BIAS times, the role vote, and raw-line reasons. */
#ifndef SCEPSCOPE_CMTRACE_COMMON_H
#define SCEPSCOPE_CMTRACE_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "parser.h"
#include "span.h"
#include "timeutil.h"

/* A ConfigMgr wall time as written, before the zone is applied. */
struct cm_time {
    int h, mi, s;
    int64_t us;
    bool has_bias;
    int32_t bias_min; /* UTC = local + bias */
};

struct cm_date {
    int y, mo, d;
};

/* Month and day come with or without their leading zero ("6-10-2016", "06-10-2016"), and the
 * value must end right after the year so that "6-10-20161" is not silently accepted. */
static inline bool cm_parse_date(struct span v, struct cm_date *out)
{
    const char *p = v.p, *end = v.p + v.n;
    size_t k = read_digits_upto(p, end, 2, &out->mo);
    if (k == 0 || p + k >= end || p[k] != '-')
        return false;
    p += k + 1;
    k = read_digits_upto(p, end, 2, &out->d);
    if (k == 0 || p + k >= end || p[k] != '-')
        return false;
    p += k + 1;
    return end - p == 4 && read_digits(p, 4, &out->y);
}

/* HH:MM:SS, then an optional fraction of 1-9 digits (3 usual, 7 in CRP.log), then an optional
 * bias in minutes (up to 6 digits read, so that an absurd one is named as such). Nothing may
 * follow. */
static inline bool cm_parse_time(struct span v, struct cm_time *out)
{
    const char *p = v.p, *end = v.p + v.n;
    if (v.n < 8 || !read_digits(p, 2, &out->h) || p[2] != ':' || !read_digits(p + 3, 2, &out->mi)
        || p[5] != ':' || !read_digits(p + 6, 2, &out->s))
        return false;
    p += 8;
    out->us = 0;
    if (p < end && *p == '.') {
        int frac;
        size_t k = read_digits_upto(p + 1, end, 9, &frac);
        if (k == 0)
            return false;
        out->us = fraction_to_us(frac, k);
        p += 1 + k;
    }
    out->has_bias = false;
    out->bias_min = 0;
    if (p < end && (*p == '+' || *p == '-')) {
        int b;
        size_t k = read_digits_upto(p + 1, end, 6, &b); /* range checked by cm_time_problem */
        if (k == 0)
            return false;
        out->has_bias = true;
        out->bias_min = *p == '-' ? -b : b;
        p += 1 + k;
    }
    return p == end;
}

/* No zone is more than 14 hours from UTC (UTC+14: bias -840; UTC-12: bias +720). */
#define CM_BIAS_MAX 840

/* What is wrong with a date read, in words; NULL when it is a real calendar day. Such a date
 * is refused, never moved to a neighbouring day. */
static inline const char *cm_date_problem(const struct cm_date *d)
{
    if (d->mo < 1 || d->mo > 12)
        return "no such month (month-day-year)";
    if (d->y < 1601 || d->y > 9999)
        return "year out of range";
    if (!civil_valid(d->y, d->mo, d->d, 0, 0, 0))
        return "no such day in that month";
    return NULL;
}

static inline const char *cm_time_problem(const struct cm_time *t)
{
    if (t->h > 23)
        return "hour past 23";
    if (t->mi > 59)
        return "minute past 59";
    if (t->s > 60)
        return "second past 60";
    if (t->has_bias && (t->bias_min > CM_BIAS_MAX || t->bias_min < -CM_BIAS_MAX))
        return "bias beyond 14 hours (840 minutes)";
    return NULL;
}

static inline bool cm_date_ok(const struct cm_date *d)
{
    return cm_date_problem(d) == NULL;
}

static inline bool cm_time_ok(const struct cm_time *t)
{
    return cm_time_problem(t) == NULL;
}

/* The bias goes through parse_to_utc so that --tz wins and s->zone records what happened. */
static inline int64_t cm_to_utc(struct source *s, const struct cm_date *d, const struct cm_time *t)
{
    int64_t wall = civil_to_us(d->y, d->mo, d->d, t->h, t->mi, t->s, t->us);
    if (t->has_bias)
        return parse_to_utc(s, wall, ZONE_BIAS, t->bias_min);
    return parse_to_utc(s, wall, ZONE_ASSUMED_UTC, 0);
}

/* Writes `what 'value'` into buf with the value cut short and control bytes (NULs included)
 * replaced, so that a hostile line cannot flood or garble the notes. */
static inline void cm_reason(char *buf, size_t n, const char *what, struct span v)
{
    char val[48];
    size_t k = v.n < sizeof val - 4 ? v.n : sizeof val - 4;
    for (size_t i = 0; i < k; i++) {
        unsigned char c = (unsigned char)v.p[i];
        val[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (k < v.n) {
        memcpy(val + k, "...", 3);
        k += 3;
    }
    val[k] = 0;
    snprintf(buf, n, "%s '%s'", what, val);
}

/* Reads a date="..." / time="..." value; on failure writes `bad date 'value'` (and what is
 * wrong with it when it has the right shape) into why. */
static inline bool cm_read_date(struct span v, struct cm_date *d, char *why, size_t wn)
{
    const char *p = NULL;
    if (cm_parse_date(v, d) && (p = cm_date_problem(d)) == NULL)
        return true;
    cm_reason(why, wn, "bad date", v);
    size_t k = strlen(why);
    if (p && k < wn)
        snprintf(why + k, wn - k, ": %s", p);
    return false;
}

static inline bool cm_read_time(struct span v, struct cm_time *t, char *why, size_t wn)
{
    const char *p = NULL;
    if (cm_parse_time(v, t) && (p = cm_time_problem(t)) == NULL)
        return true;
    cm_reason(why, wn, "bad time", v);
    size_t k = strlen(why);
    if (p && k < wn)
        snprintf(why + k, wn - k, ": %s", p);
    return false;
}

/* Which ConfigMgr component wrote most entries decides the role shown for the source. */
struct cm_tally {
    uint64_t entries, ndes, crp;
};

static inline void cm_tally_add(struct cm_tally *t, struct span component)
{
    t->entries++;
    if (span_eq_ci(component, "NDESPlugin"))
        t->ndes++;
    else if (span_eq_ci(component, "CertificateRegistrationPoint"))
        t->crp++;
}

static inline enum role cm_tally_role(const struct cm_tally *t)
{
    if (t->ndes >= t->crp && t->ndes * 2 > t->entries)
        return ROLE_NDESPLUGIN;
    if (t->crp > t->ndes && t->crp * 2 > t->entries)
        return ROLE_CRP;
    return ROLE_CONFIGMGR;
}

static inline bool cm_is_blank(struct span line)
{
    return span_trim(line).n == 0;
}

#endif
