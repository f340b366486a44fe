/* event.h - one log entry: a compact record pointing back into its source's text.
 * Anything beyond time, place and level is read back from the raw text when needed. */
#ifndef SCEPSCOPE_EVENT_H
#define SCEPSCOPE_EVENT_H

#include <stddef.h>
#include <stdint.h>

/* Times are microseconds since 1970-01-01T00:00:00Z. */
#define TIME_NONE INT64_MIN

enum level {
    LEVEL_INFO = 0,
    LEVEL_WARNING = 1,
    LEVEL_ERROR = 2,
};

enum event_flag {
    EVF_RAW = 1u << 0,            /* the format's parser could not read this line */
    EVF_TIME_INHERITED = 1u << 1, /* no time of its own: took its neighbour's */
};

struct event {
    int64_t t;       /* UTC, microseconds; TIME_NONE when unknown */
    uint64_t off;    /* first byte of the record in the source text */
    uint32_t len;    /* bytes of the record, all its physical lines, without the last newline */
    uint32_t line;   /* first physical line of the record, 1-based */
    uint16_t src;    /* index of the source in the case */
    uint8_t level;   /* enum level */
    uint8_t flags;   /* enum event_flag */
    /* set by the diagnosis (core/diagnose.c) */
    uint16_t sig;    /* the playbook signature it matched, + 1; 0 for none */
    uint8_t mark;    /* enum mark: what it is to the correlation of attempts */
    uint8_t spare;
};

_Static_assert(sizeof(struct event) == 32, "events stay small: they are many");

/* A growable array of events; parsers append to it. */
struct evbuf {
    struct event *v;
    size_t n, cap;
};

/* Appends one event; returns NULL when memory runs out (the caller stops parsing). */
struct event *evbuf_push(struct evbuf *b);
void evbuf_free(struct evbuf *b);

const char *level_name(enum level l);

#endif
