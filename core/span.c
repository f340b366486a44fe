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

/* A search jumps with memchr to the places of one byte of the needle, and compares the rest
 * there: its first byte, unless it holds a byte that log text rarely has (punctuation other
 * than that of names, paths and prose). In a PKIOperation's base64 message a letter stands
 * every few bytes, an '=' (escaped there as %3D) nowhere. */
static bool rare_byte(int c)
{
    return c > ' ' && c < 0x7F && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
           !(c >= '0' && c <= '9') && c != '.' && c != '-' && c != '/' && c != '_' &&
           c != '%' && c != '+' && c != ',';
}

/* The place in needle (of n bytes) of the byte to jump to. */
static size_t anchor_of(const char *needle, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (rare_byte((unsigned char)needle[i]))
            return i;
    return 0;
}

static bool same_ci(const char *p, const char *needle, size_t n)
{
    for (size_t j = 0; j < n; j++)
        if (lower((unsigned char)p[j]) != lower((unsigned char)needle[j]))
            return false;
    return true;
}

/* The first place the needle starts in a, with or without case: memchr jumps to each place
 * its anchor byte stands (in either case, without case), and the rest is compared there. */
static const char *find_from(struct span a, const char *needle, bool caseless)
{
    size_t n = strlen(needle);
    if (n == 0)
        return a.p;
    if (a.n < n)
        return NULL;
    size_t k = anchor_of(needle, n);
    int c0 = (unsigned char)needle[k], c1 = c0;
    if (caseless) {
        c0 = lower(c0);
        c1 = (c0 >= 'a' && c0 <= 'z') ? c0 - 32 : c0;
    }
    /* the anchor's places: from the k-th byte of a to the k-th of its last possible start */
    const char *p = a.p + k, *last = a.p + (a.n - n) + k;
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
        const char *start = q - k;
        if (caseless ? same_ci(start, needle, n) : memcmp(start, needle, n) == 0)
            return start;
        p = q + 1;
    }
    return NULL;
}

const char *span_find(struct span a, const char *needle)
{
    return find_from(a, needle, false);
}

const char *span_find_ci(struct span a, const char *needle)
{
    return find_from(a, needle, true);
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
    /* up to 19 digits cannot overflow (10^19 - 1 < 2^64): only a 20th is checked */
    size_t safe = a.n < 19 ? a.n : 19;
    for (size_t i = 0; i < safe; i++) {
        unsigned d = (unsigned char)a.p[i] - '0';
        if (d > 9)
            return false;
        v = v * 10 + d;
    }
    if (a.n == 20) {
        unsigned d = (unsigned char)a.p[19] - '0';
        if (d > 9 || v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}
