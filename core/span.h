/* span.h - a read-only view of bytes inside a source's text, and a line walker.
 * Spans never own memory: they point into a mapped or decoded source. */
#ifndef SCEPSCOPE_SPAN_H
#define SCEPSCOPE_SPAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct span {
    const char *p;
    size_t n;
};

static inline struct span span_make(const char *p, size_t n)
{
    struct span s = { p, n };
    return s;
}

static inline struct span span_cstr(const char *s)
{
    return span_make(s, strlen(s));
}

bool span_eq(struct span a, const char *lit);          /* exact, case-sensitive */
bool span_eq_ci(struct span a, const char *lit);       /* ASCII case-insensitive */
bool span_starts(struct span a, const char *lit);
bool span_starts_ci(struct span a, const char *lit);
/* First occurrence of needle (ASCII case-insensitive), or NULL. Bounded by a.n. */
const char *span_find_ci(struct span a, const char *needle);
const char *span_find(struct span a, const char *needle);
struct span span_trim(struct span a);                  /* spaces, tabs, CR at both ends */
/* Parse an unsigned decimal of the whole span; false on empty, non-digit or overflow. */
bool span_to_u64(struct span a, uint64_t *out);

/* Walks physical lines of a text. A line ends at '\n'; a '\r' right before it is not part of
 * the line. The last line needs no newline. An empty text has no lines. */
struct line_iter {
    const char *p;      /* next unread byte */
    const char *end;
    uint64_t lineno;    /* number of the line last returned, 1-based */
};

static inline void line_iter_init(struct line_iter *it, const char *text, size_t n)
{
    it->p = text;
    it->end = text + n;
    it->lineno = 0;
}

/* Next line into *line (without CR/LF); false at the end. After it, it->p is the first byte
 * after that line's newline. */
static inline bool line_iter_next(struct line_iter *it, struct span *line)
{
    if (it->p >= it->end)
        return false;
    const char *s = it->p;
    const char *nl = memchr(s, '\n', (size_t)(it->end - s));
    const char *e = nl ? nl : it->end;
    it->p = nl ? nl + 1 : it->end;
    if (e > s && e[-1] == '\r')
        e--;
    line->p = s;
    line->n = (size_t)(e - s);
    it->lineno++;
    return true;
}

#endif
