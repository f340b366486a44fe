/* certutil_common.h - what the readers of certutil's output (certutil_view.c, certutil_store.c)
 * share: values with their quotes taken off, dispositions in one word, dates as the locale
 * printed them. */
#ifndef SCEPSCOPE_CERTUTIL_COMMON_H
#define SCEPSCOPE_CERTUTIL_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parser.h"
#include "span.h"
#include "timeutil.h"

/* A value as certutil prints it: spaces around and one pair of double quotes taken off. */
static inline struct span cu_value(struct span v)
{
    v = span_trim(v);
    if (v.n >= 2 && v.p[0] == '"' && v.p[v.n - 1] == '"')
        v = span_make(v.p + 1, v.n - 2);
    else if (v.n >= 1 && v.p[0] == '"') /* cut short: an opening quote without its close */
        v = span_make(v.p + 1, v.n - 1);
    return v;
}

/* The line `  Name: value` split at its first ": " (or a ':' at its end): false when it has
 * no such colon. Name is trimmed. */
static inline bool cu_name_value(struct span line, struct span *name, struct span *value)
{
    for (size_t i = 0; i < line.n; i++) {
        if (line.p[i] != ':')
            continue;
        if (i + 1 < line.n && line.p[i + 1] != ' ' && line.p[i + 1] != '\t')
            continue;
        *name = span_trim(span_make(line.p, i));
        *value = span_make(line.p + i + 1, line.n - i - 1);
        return name->n > 0;
    }
    return false;
}

/* A request's disposition in one word: issued, denied, pending, failed, revoked, or NULL when
 * it says none of them. certutil writes "0x14 (20) -- Issued" in text form and the number or
 * the words in CSV; the number wins (the words are localized). Codes from certview.h:
 * 8 active, 9 pending, 15 and 16 CA certificates, 20 issued, 21 revoked, 30 error, 31 denied. */
static inline const char *cu_disposition(struct span v)
{
    v = cu_value(v);
    uint64_t code = UINT64_MAX;
    const char *paren = memchr(v.p, '(', v.n);
    if (paren) {
        const char *close = memchr(paren, ')', (size_t)(v.p + v.n - paren));
        if (close)
            span_to_u64(span_make(paren + 1, (size_t)(close - paren - 1)), &code);
    } else {
        size_t k = 0;
        while (k < v.n && v.p[k] >= '0' && v.p[k] <= '9')
            k++;
        if (k)
            span_to_u64(span_make(v.p, k), &code);
    }
    switch (code) {
    case 8: case 9: return "pending";
    case 15: case 16: case 17: case 20: return "issued";
    case 21: return "revoked";
    case 30: return "failed";
    case 31: return "denied";
    default: break;
    }
    static const struct { const char *word, *is; } words[] = {
        { "issued", "issued" }, { "denied", "denied" }, { "pending", "pending" },
        { "revoked", "revoked" }, { "error", "failed" }, { "failed", "failed" },
        { "taken under submission", "pending" },
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (span_find_ci(v, words[i].word))
            return words[i].is;
    return NULL;
}

/* The name after a template's OID, without the parentheses some outputs put around it. */
static inline struct span cu_template_name(struct span name)
{
    name = span_trim(name);
    if (name.n > 2 && name.p[0] == '(' && name.p[name.n - 1] == ')')
        name = span_trim(span_make(name.p + 1, name.n - 2));
    return name;
}

/* A certificate template as certutil prints it: a version 1 template by its name
 * ("WebServer"), a later one by its OID and then its display name (text form:
 * "1.3.6.1.4.1.311.21.8.…" IntuneSCEP; in one CSV cell: 1.3.6.1.4.1.311.21.8.… IntuneSCEP).
 * The display name when there is one, else the value. */
static inline struct span cu_template(struct span v)
{
    v = span_trim(v);
    if (v.n >= 2 && v.p[0] == '"') {
        const char *close = memchr(v.p + 1, '"', v.n - 1);
        if (close && close + 1 < v.p + v.n) {
            struct span name = cu_template_name(
                span_make(close + 1, (size_t)(v.p + v.n - close - 1)));
            if (name.n)
                return name;
        }
    }
    v = cu_value(v);
    size_t k = 0;
    bool dot = false;
    while (k < v.n && ((v.p[k] >= '0' && v.p[k] <= '9') || v.p[k] == '.'))
        dot |= v.p[k++] == '.';
    if (dot && k < v.n && (v.p[k] == ' ' || v.p[k] == '\t')) {
        struct span name = cu_template_name(span_make(v.p + k, v.n - k));
        if (name.n)
            return name;
    }
    return v;
}

/* A date of certutil's output as UTC: the machine's local time, read as UTC unless --tz says
 * otherwise, or UTC itself when certutil's -gmt option marked it ("8/17/2025 6:35 PM GMT"). */
static inline bool cu_date(struct source *s, struct span v, int64_t *t, const char **why)
{
    int64_t wall;
    bool gmt;
    if (!locale_date_parse_gmt(v.p, v.n, &wall, &gmt, why))
        return false;
    *t = parse_to_utc(s, wall, gmt ? ZONE_UTC : ZONE_ASSUMED_UTC, 0);
    return true;
}

/* "0x4d2 (1234)" -> "1234"; any other value as written. */
static inline struct span cu_request_id(struct span v)
{
    v = cu_value(v);
    const char *paren = memchr(v.p, '(', v.n);
    if (paren) {
        const char *close = memchr(paren, ')', (size_t)(v.p + v.n - paren));
        if (close && close > paren + 1)
            return span_make(paren + 1, (size_t)(close - paren - 1));
    }
    return v;
}

/* One-line summaries of multi-line records (a "Row N:" block, a certificate block), kept by
 * the parser: the message of such an event, so that a timeline row or an evidence line says
 * what the record holds; the raw view still shows the record's lines. */
struct cu_summary {
    char *buf;
    size_t n, cap;
    struct { uint32_t line; uint32_t len; size_t off; } *v;
    size_t count, capv;
};

/* Appends "label value" (value without controls, cut at 120 bytes) to the summary being made. */
static inline bool cu_sum_put(struct cu_summary *S, const char *label, struct span v)
{
    size_t need = strlen(label) + v.n + 4;
    if (S->n + need > S->cap) {
        size_t cap = S->cap ? S->cap : 1024;
        while (cap < S->n + need)
            cap *= 2;
        char *b = realloc(S->buf, cap);
        if (!b)
            return false;
        S->buf = b;
        S->cap = cap;
    }
    if (S->count && S->n > S->v[S->count - 1].off)
        S->buf[S->n++] = ' ', S->buf[S->n++] = ' ';
    memcpy(S->buf + S->n, label, strlen(label));
    S->n += strlen(label);
    size_t k = v.n > 120 ? 120 : v.n;
    for (size_t i = 0; i < k; i++)
        S->buf[S->n++] = ((unsigned char)v.p[i] < 0x20) ? ' ' : v.p[i];
    return true;
}

static inline bool cu_sum_begin(struct cu_summary *S, uint32_t line)
{
    if (S->count == S->capv) {
        size_t cap = S->capv ? S->capv * 2 : 16;
        void *v = realloc(S->v, cap * sizeof *S->v);
        if (!v)
            return false;
        S->v = v;
        S->capv = cap;
    }
    S->v[S->count].line = line;
    S->v[S->count].off = S->n;
    S->v[S->count].len = 0;
    S->count++;
    return true;
}

static inline void cu_sum_end(struct cu_summary *S)
{
    S->v[S->count - 1].len = (uint32_t)(S->n - S->v[S->count - 1].off);
}

static inline bool cu_sum_find(const struct cu_summary *S, uint32_t line, struct span *out)
{
    size_t lo = 0, hi = S->count;
    while (lo < hi) {
        size_t m = lo + (hi - lo) / 2;
        if (S->v[m].line < line)
            lo = m + 1;
        else
            hi = m;
    }
    if (lo >= S->count || S->v[lo].line != line || !S->v[lo].len)
        return false;
    *out = span_make(S->buf + S->v[lo].off, S->v[lo].len);
    return true;
}

/* Makes the summary of each event of s in out->v[from..]: for each of the named fields the
 * event has, "label value". */
static inline bool cu_summarize(struct cu_summary *S, const struct parser *p, struct source *s,
                                const struct evbuf *out, size_t from,
                                const char *const (*fl)[2], size_t nfl)
{
    for (size_t i = from; i < out->n; i++) {
        const struct event *e = &out->v[i];
        if (e->flags & EVF_RAW)
            continue;
        if (!cu_sum_begin(S, e->line))
            return false;
        for (size_t k = 0; k < nfl; k++) {
            struct span v;
            if (p->field(s, e, fl[k][0], &v) && v.n && !cu_sum_put(S, fl[k][1], v))
                return false;
        }
        cu_sum_end(S);
    }
    return true;
}

static inline void cu_sum_free(struct cu_summary *S)
{
    free(S->buf);
    free(S->v);
}

#endif
