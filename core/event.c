/* event.c - the growable event array parsers append to. */
#include <stdint.h>

#include "bigmem.h"
#include "event.h"

struct event *evbuf_push(struct evbuf *b)
{
    if (b->n == b->cap && !evbuf_reserve(b, b->cap ? b->cap * 2 : 1024))
        return NULL;
    struct event *e = &b->v[b->n++];
    *e = (struct event){ 0 };
    return e;
}

bool evbuf_reserve(struct evbuf *b, size_t n)
{
    if (n <= b->cap)
        return true;
    if (n > SIZE_MAX / sizeof *b->v)
        return false;
    struct event *v = big_realloc(b->v, n * sizeof *v);
    if (!v)
        return false;
    b->v = v;
    b->cap = n;
    return true;
}

void evbuf_trim(struct evbuf *b)
{
    big_trim(b->v, b->n * sizeof *b->v);
}

void evbuf_free(struct evbuf *b)
{
    big_free(b->v);
    *b = (struct evbuf){ 0 };
}

const char *level_name(enum level l)
{
    switch (l) {
    case LEVEL_WARNING: return "warning";
    case LEVEL_ERROR: return "error";
    default: return "info";
    }
}
