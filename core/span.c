/* span.c - comparisons and searches over spans, all bounded by the span's length.
 * Nothing here relies on a NUL terminator: log text may contain NUL bytes. */
#include "span.h"

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

bool span_eq(struct span a, const char *lit)
{
    size_t n = strlen(lit);
    return a.n == n && memcmp(a.p, lit, n) == 0;
}

bool span_eq_ci(struct span a, const char *lit)
{
    size_t n = strlen(lit);
    if (a.n != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)a.p[i]) != lower((unsigned char)lit[i]))
            return false;
    return true;
}

bool span_starts(struct span a, const char *lit)
{
    size_t n = strlen(lit);
    return a.n >= n && memcmp(a.p, lit, n) == 0;
}

bool span_starts_ci(struct span a, const char *lit)
{
    size_t n = strlen(lit);
    return a.n >= n && span_eq_ci(span_make(a.p, n), lit);
}

const char *span_find(struct span a, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0)
        return a.p;
    if (a.n < n)
        return NULL;
    const char *p = a.p, *last = a.p + (a.n - n);
    while (p <= last) {
        p = memchr(p, needle[0], (size_t)(last - p) + 1);
        if (!p)
            return NULL;
        if (memcmp(p, needle, n) == 0)
            return p;
        p++;
    }
    return NULL;
}

const char *span_find_ci(struct span a, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0)
        return a.p;
    if (a.n < n)
        return NULL;
    /* jump with memchr to each place the first letter stands, in either case */
    int c0 = lower((unsigned char)needle[0]);
    int c1 = (c0 >= 'a' && c0 <= 'z') ? c0 - 32 : c0;
    const char *p = a.p, *last = a.p + (a.n - n);
    while (p <= last) {
        size_t room = (size_t)(last - p) + 1;
        const char *q = memchr(p, c0, room);
        if (c1 != c0) {
            const char *u = memchr(p, c1, q ? (size_t)(q - p) : room);
            if (u)
                q = u;
        }
        if (!q)
            return NULL;
        size_t j = 1;
        while (j < n && lower((unsigned char)q[j]) == lower((unsigned char)needle[j]))
            j++;
        if (j == n)
            return q;
        p = q + 1;
    }
    return NULL;
}

static bool is_trim(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

struct span span_trim(struct span a)
{
    while (a.n && is_trim(a.p[0])) {
        a.p++;
        a.n--;
    }
    while (a.n && is_trim(a.p[a.n - 1]))
        a.n--;
    return a;
}

bool span_to_u64(struct span a, uint64_t *out)
{
    if (a.n == 0 || a.n > 20)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < a.n; i++) {
        unsigned d = (unsigned char)a.p[i] - '0';
        if (d > 9)
            return false;
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}
