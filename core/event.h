/* event.h - one log entry: a compact record pointing back into its source's text.
 * Anything beyond time, place and level is read back from the raw text when needed. */
#ifndef SCEPSCOPE_EVENT_H
#define SCEPSCOPE_EVENT_H

#include <stdbool.h>
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
    EVF_NOTED = 1u << 2,          /* xchg holds, until exchanges are built, what the loading
                                     noted for the diagnosis (core/diagnose.c) */
    EVF_IIS_NOTE = 1u << 3,       /* with EVF_NOTED: what it holds is an IIS request's times
                                     and client (core/diagnose.c: note_iis) */
};

struct event {
    int64_t t;       /* UTC, microseconds; TIME_NONE when unknown */
    uint32_t off_lo; /* first byte of the record in the source text: see event_off() */
    uint32_t len;    /* bytes of the record, all its physical lines, without the last newline */
    uint32_t line;   /* first physical line of the record, 1-based */
    /* set by the diagnosis (core/diagnose.c) */
    uint32_t xchg;   /* the exchange it belongs to, + 1; 0 for none */
    uint16_t src;    /* index of the source in the case */
    uint16_t sig;    /* the playbook signature it matched, + 1; 0 for none */
    uint8_t level;   /* enum level */
    uint8_t flags;   /* enum event_flag */
    uint8_t mark;    /* enum mark: what it is to the correlation of attempts */
    uint8_t off_hi;  /* the offset's bits 32..39: files up to EVENT_MAX_OFFSET */
};

/* Records start below 2^40 bytes (1 TiB) into their file: larger files are not read. */
#define EVENT_MAX_OFFSET ((uint64_t)1 << 40)

static inline uint64_t event_off(const struct event *e)
{
    return (uint64_t)e->off_hi << 32 | e->off_lo;
}

static inline void event_set_off(struct event *e, uint64_t off)
{
    e->off_lo = (uint32_t)off;
    e->off_hi = (uint8_t)(off >> 32);
}

_Static_assert(sizeof(struct event) == 32, "events stay small: they are many");

/* A growable array of events; parsers append to it. */
struct evbuf {
    struct event *v;
    size_t n, cap;
    bool sorted; /* in time order already (see timeline_sort_stable) */
};

/* Appends one event; returns NULL when memory runs out (the caller stops parsing). The array
 * is core/bigmem's: free it with evbuf_free. */
struct event *evbuf_push(struct evbuf *b);
/* Room for n events at least, so that pushing them moves nothing (the memory is taken as it
 * is written, so a generous guess costs nothing). False when out of memory. */
bool evbuf_reserve(struct evbuf *b, size_t n);
/* Gives back the memory of the room that was reserved and not filled. */
void evbuf_trim(struct evbuf *b);
void evbuf_free(struct evbuf *b);

const char *level_name(enum level l);

#endif
