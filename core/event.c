/* event.c - the growable event array parsers append to. */
#include <stdlib.h>

#include "event.h"

struct event *evbuf_push(struct evbuf *b)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        if (cap > SIZE_MAX / sizeof *b->v)
            return NULL;
        struct event *v = realloc(b->v, cap * sizeof *v);
        if (!v)
            return NULL;
        b->v = v;
        b->cap = cap;
    }
    struct event *e = &b->v[b->n++];
    *e = (struct event){ 0 };
    return e;
}

void evbuf_free(struct evbuf *b)
{
    free(b->v);
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
