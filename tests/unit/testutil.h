/* testutil.h - helpers for the cmocka unit tests: a source made from a string, parsed by a
 * given parser, with the line accounting checked on every parse. */
#ifndef SCEPSCOPE_TESTUTIL_H
#define SCEPSCOPE_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "event.h"
#include "parser.h"
#include "source.h"
#include "timeutil.h"

struct tcase {
    struct source src;
    struct evbuf ev;
    char msgbuf[4096];
};

/* Counts physical lines the way the line walker does: independent of the parsers. */
static inline uint64_t t_count_lines(const char *p, size_t n)
{
    uint64_t lines = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] == '\n')
            lines++;
    if (n > 0 && p[n - 1] != '\n')
        lines++;
    return lines;
}

/* Parses text (n bytes, may hold NULs) with parser p into a fresh case. tz: NULL for none,
 * else an offset string like "+10:00". Checks: lines in = events + continuation + header +
 * blank, and that events come in line order with sane spans. */
/* A source named path holding a copy of text, for parser p, not parsed yet. */
static inline struct tcase *t_source(const struct parser *p, const char *text, size_t n,
                                     const char *path)
{
    struct tcase *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->src.heap = malloc(n ? n : 1);
    assert_non_null(c->src.heap);
    memcpy(c->src.heap, text, n);
    c->src.text = c->src.heap;
    c->src.size = n;
    c->src.path = strdup(path);
    c->src.parser = p;
    c->src.first = c->src.last = TIME_NONE;
    return c;
}

static inline struct tcase *t_parse_with(const struct parser *p, const char *text, size_t n,
                                         const char *tz, int64_t date_ref)
{
    struct tcase *c = t_source(p, text, n, "test.log");
    c->src.date_ref = date_ref;
    if (tz) {
        c->src.tz_given = true;
        assert_true(parse_utc_offset(tz, &c->src.tz_offset_s));
    }
    assert_true(p->parse(&c->src, &c->ev));
    parse_inherit_times(&c->ev, 0);
    uint64_t lines = t_count_lines(text, n);
    assert_int_equal(c->src.lines, lines);
    assert_int_equal(c->src.events, c->ev.n);
    assert_int_equal(c->src.lines,
                     c->src.events + c->src.continuation + c->src.header + c->src.blank);
    for (size_t i = 0; i < c->ev.n; i++) {
        const struct event *e = &c->ev.v[i];
        assert_true(event_off(e) + e->len <= n);
        if (i)
            assert_true(e->line > c->ev.v[i - 1].line);
    }
    return c;
}

/* date_ref: as the loader sets it, the date that lines without one are read from */
static inline struct tcase *t_parse_tz(const struct parser *p, const char *text, size_t n,
                                       const char *tz)
{
    return t_parse_with(p, text, n, tz, 0); /* 1970-01-01: as a source made with calloc */
}

static inline struct tcase *t_parse(const struct parser *p, const char *text)
{
    return t_parse_tz(p, text, strlen(text), NULL);
}

/* The message of event i as a NUL-terminated string (raw events: the whole line). */
static inline const char *t_msg(struct tcase *c, size_t i)
{
    assert_true(i < c->ev.n);
    const struct event *e = &c->ev.v[i];
    struct span m = (e->flags & EVF_RAW) ? span_make(c->src.text + event_off(e), e->len)
                                         : c->src.parser->message(&c->src, e);
    size_t n = m.n < sizeof c->msgbuf - 1 ? m.n : sizeof c->msgbuf - 1;
    memcpy(c->msgbuf, m.p, n);
    c->msgbuf[n] = 0;
    return c->msgbuf;
}

/* Named field of event i as a NUL-terminated string, or NULL when absent. */
static inline const char *t_field(struct tcase *c, size_t i, const char *name)
{
    assert_true(i < c->ev.n);
    struct span f;
    if (!c->src.parser->field || !c->src.parser->field(&c->src, &c->ev.v[i], name, &f))
        return NULL;
    size_t n = f.n < sizeof c->msgbuf - 1 ? f.n : sizeof c->msgbuf - 1;
    memcpy(c->msgbuf, f.p, n);
    c->msgbuf[n] = 0;
    return c->msgbuf;
}

/* Event i's time as ISO text ("2016-06-10T02:44:06.000Z"). */
static inline const char *t_time(struct tcase *c, size_t i)
{
    assert_true(i < c->ev.n);
    time_format_iso(c->ev.v[i].t, c->msgbuf);
    return c->msgbuf;
}

static inline void t_free(struct tcase *c)
{
    if (c->src.parser && c->src.parser->free_state)
        c->src.parser->free_state(&c->src);
    free(c->src.heap);
    free(c->src.path);
    evbuf_free(&c->ev);
    free(c);
}

#endif
