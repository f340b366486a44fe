/* cmtrace_legacy.c - the older ConfigMgr/SMS log: "message $$<component><date time+bias><thread=N
 * (0xN)>". A record may span lines: lines gather until one ends with that trailer. */
#include <stdio.h>
#include <string.h>

#include "cmtrace_common.h"
#include "parser.h"
#include "timeutil.h"

/* More lines than this without a trailer are not one record: they are kept raw. */
#define MAX_PENDING 1000u

struct trailer {
    const char *at;  /* the "$$<" */
    struct span component, date, time, thread;
};

/* The last "$$<" of the span: the trailer is at the end, a message may hold the same bytes. */
static const char *last_dollar(struct span a)
{
    for (size_t i = a.n; i >= 3; i--)
        if (a.p[i - 3] == '$' && a.p[i - 2] == '$' && a.p[i - 1] == '<')
            return a.p + i - 3;
    return NULL;
}

/* "<text>" at *p: the text, and *p moved past the '>'. */
static bool bracketed(const char **p, const char *end, struct span *out)
{
    if (*p >= end || **p != '<')
        return false;
    const char *q = memchr(*p + 1, '>', (size_t)(end - *p - 1));
    if (!q)
        return false;
    *out = span_make(*p + 1, (size_t)(q - *p - 1));
    *p = q + 1;
    return true;
}

/* "N (0xHEX)" or "N": the decimal part is what the thread field shows. */
static bool thread_value(struct span v, struct span *dec)
{
    const char *p = v.p, *end = v.p + v.n;
    while (p < end && *p >= '0' && *p <= '9')
        p++;
    if (p == v.p)
        return false;
    *dec = span_make(v.p, (size_t)(p - v.p));
    if (p == end)
        return true;
    if (end - p < 5 || memcmp(p, " (0x", 4) != 0 || end[-1] != ')')
        return false;
    for (const char *h = p + 4; h < end - 1; h++)
        if (!((*h >= '0' && *h <= '9') || (*h >= 'a' && *h <= 'f') || (*h >= 'A' && *h <= 'F')))
            return false;
    return end - p > 5;
}

/* Splits the trailer that starts at `at` and runs to the end of the line into its parts. */
static bool split_trailer(const char *at, const char *line_end, struct trailer *tr)
{
    struct span tail = span_trim(span_make(at + 2, (size_t)(line_end - at - 2)));
    const char *p = tail.p, *end = tail.p + tail.n;
    struct span dt, th;
    tr->at = at;
    if (!bracketed(&p, end, &tr->component) || !bracketed(&p, end, &dt)
        || !bracketed(&p, end, &th) || p != end)
        return false;
    const char *sp = memchr(dt.p, ' ', dt.n);
    if (!sp || !span_starts(th, "thread="))
        return false;
    tr->date = span_make(dt.p, (size_t)(sp - dt.p));
    tr->time = span_make(sp + 1, (size_t)(dt.p + dt.n - sp - 1));
    return thread_value(span_make(th.p + 7, th.n - 7), &tr->thread);
}

/* Reads the time of a split trailer; on failure writes why. */
static bool trailer_time(struct source *s, const struct trailer *tr, int64_t *t, char *why,
                         size_t wn)
{
    struct cm_date d;
    struct cm_time tm;
    if (!cm_read_date(tr->date, &d, why, wn) || !cm_read_time(tr->time, &tm, why, wn))
        return false;
    *t = cm_to_utc(s, &d, &tm);
    return true;
}

/* The message ends before the trailer; the spaces that set the trailer apart are not in it. */
static struct span message_before(const char *rec, const char *at)
{
    struct span m = span_make(rec, (size_t)(at - rec));
    while (m.n && (m.p[m.n - 1] == ' ' || m.p[m.n - 1] == '\t'))
        m.n--;
    return m;
}

/* The legacy format has no type: like CMTrace, guess the level from the words used. A line
 * that calls itself a warning stays one even when it mentions a failure. */
static enum level guess_level(struct span msg)
{
    if (span_find_ci(msg, "error"))
        return LEVEL_ERROR;
    if (span_find_ci(msg, "warn"))
        return LEVEL_WARNING;
    if (span_find_ci(msg, "fail"))
        return LEVEL_ERROR;
    return LEVEL_INFO;
}

/* Lines read but not yet closed by a trailer. */
struct pending {
    const char *p;     /* first byte of the first pending line */
    uint64_t line;     /* its number */
    uint64_t n;        /* how many lines */
};

/* Gives up on the pending lines: each becomes raw (blank ones stay blank). */
static bool flush_raw(struct source *s, struct evbuf *out, struct pending *pd, const char *end,
                      const char *why)
{
    struct line_iter it;
    struct span l;
    if (pd->n == 0)
        return true;
    line_iter_init(&it, pd->p, (size_t)(end - pd->p));
    it.lineno = pd->line - 1;
    for (uint64_t i = 0; i < pd->n && line_iter_next(&it, &l); i++) {
        if (cm_is_blank(l))
            s->blank++;
        else if (!parse_emit_raw(s, out, l, it.lineno, why))
            return false;
    }
    pd->n = 0;
    return true;
}

/* A line holding "$$<" ends the pending record, as an event or, when unreadable, as raw lines. */
static bool end_record(struct source *s, struct evbuf *out, struct pending *pd,
                       struct cm_tally *tally, struct span line, uint64_t lineno,
                       const char *at)
{
    struct trailer tr;
    int64_t t;
    char why[160];
    if (!split_trailer(at, line.p + line.n, &tr)) {
        cm_reason(why, sizeof why, "unreadable $$<component><time><thread> trailer",
                  span_make(at, (size_t)(line.p + line.n - at)));
    } else if (trailer_time(s, &tr, &t, why, sizeof why)) {
        const char *rec = pd->n ? pd->p : line.p;
        uint64_t first = pd->n ? pd->line : lineno, nlines = pd->n + 1;
        pd->n = 0;
        cm_tally_add(tally, tr.component);
        return parse_emit(s, out, rec, (size_t)(line.p + line.n - rec), first, nlines, t,
                          guess_level(message_before(rec, at)))
               != NULL;
    }
    char before[96];
    snprintf(before, sizeof before, "record whose trailer on line %llu is unreadable",
             (unsigned long long)lineno);
    return flush_raw(s, out, pd, line.p, before) && parse_emit_raw(s, out, line, lineno, why);
}

static bool legacy_parse(struct source *s, struct evbuf *out)
{
    struct line_iter it;
    struct span line;
    struct pending pd = { NULL, 0, 0 };
    struct cm_tally tally = { 0, 0, 0 };
    bool ok = true;
    line_iter_init(&it, s->text, s->size);
    while (ok && line_iter_next(&it, &line)) {
        const char *at = last_dollar(line);
        if (at) {
            ok = end_record(s, out, &pd, &tally, line, it.lineno, at);
            continue;
        }
        if (pd.n == 0 && cm_is_blank(line)) {
            s->blank++;
            continue;
        }
        if (pd.n == MAX_PENDING)
            ok = flush_raw(s, out, &pd, it.end, "no $$< trailer within 1000 lines");
        if (pd.n == 0) {
            pd.p = line.p;
            pd.line = it.lineno;
        }
        pd.n++;
    }
    if (ok && pd.n)
        ok = flush_raw(s, out, &pd, it.end, "no $$< trailer before the end of the file");
    s->lines = it.lineno;
    s->role = cm_tally_role(&tally);
    return ok;
}

static bool event_trailer(const struct source *s, const struct event *ev, struct trailer *tr)
{
    struct span rec = span_make(s->text + event_off(ev), ev->len);
    const char *at = last_dollar(rec);
    return at && split_trailer(at, rec.p + rec.n, tr);
}

static struct span legacy_message(const struct source *s, const struct event *ev)
{
    struct trailer tr;
    const char *rec = s->text + event_off(ev);
    if (!event_trailer(s, ev, &tr))
        return span_make(rec, ev->len);
    return message_before(rec, tr.at);
}

static bool legacy_field(const struct source *s, const struct event *ev, const char *name,
                         struct span *out)
{
    struct trailer tr;
    if (!event_trailer(s, ev, &tr))
        return false;
    if (strcmp(name, "component") == 0)
        *out = tr.component;
    else if (strcmp(name, "thread") == 0)
        *out = tr.thread;
    else if (strcmp(name, "time") == 0)
        *out = tr.time;
    else if (strcmp(name, "date") == 0)
        *out = tr.date;
    else
        return false;
    return true;
}

/* A trailer shape on one line; modern CMTrace lines are skipped so that a modern log that
 * quotes an old one is not taken for it. */
static int legacy_sniff(const char *head, size_t n)
{
    struct line_iter it;
    struct span line;
    line_iter_init(&it, head, n);
    while (line_iter_next(&it, &line)) {
        if (span_find(line, "<![LOG["))
            continue;
        const char *at = span_find(line, "$$<");
        if (!at)
            continue;
        struct span rest = span_make(at, (size_t)(line.p + line.n - at));
        const char *gap = span_find(rest, "><");
        if (gap && span_find(span_make(gap, (size_t)(line.p + line.n - gap)), "<thread="))
            return 90;
    }
    return 0;
}

const struct parser parser_cmtrace_legacy = {
    .name = "cmtrace-legacy",
    .title = "older ConfigMgr/SMS log ($$<component><time><thread>)",
    .sniff = legacy_sniff,
    .parse = legacy_parse,
    .message = legacy_message,
    .field = legacy_field,
    .free_state = NULL,
};
