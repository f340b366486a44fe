/* w3c.c - reads IIS W3C extended logs (NDES and CRP servers): directives, #Fields layouts that
 * may change mid-file, one event per request line, fields read back by name on demand. */
#include <stdatomic.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser.h"
#include "textwin.h"
#include "timeutil.h"

extern const struct parser parser_w3c;

/* Bounds chosen so a hostile file cannot make the state grow without limit. */
#define W3C_MAX_LAYOUTS 256
#define W3C_MAX_FIELDS 128
/* The sniffer decides on the first lines only: a document quoting a log further down is not one. */
#define SNIFF_LINES 32

/* Fields the parser itself needs for every line; their positions are found once per layout. */
enum key { K_DATE, K_TIME, K_STATUS, K_SUBSTATUS, K_WIN32, K_TAKEN, K_STEM, K_COUNT };

static const char *const key_names[K_COUNT] = {
    "date", "time", "sc-status", "sc-substatus", "sc-win32-status", "time-taken", "cs-uri-stem",
};

/* What IIS writes when nobody changed the logging fields; used before any #Fields line. */
static const char *const default_fields[] = {
    "date", "time", "s-ip", "cs-method", "cs-uri-stem", "cs-uri-query", "s-port",
    "cs-username", "c-ip", "cs(User-Agent)", "cs(Referer)", "sc-status", "sc-substatus",
    "sc-win32-status", "time-taken",
};
#define DEFAULT_NFIELDS (sizeof default_fields / sizeof default_fields[0])

/* Names point into s->text (or at the literals above): a layout copies no text. */
struct layout {
    uint32_t n;
    uint32_t hash;
    int16_t key[K_COUNT];
    struct span name[W3C_MAX_FIELDS];
    uint32_t name_hash[W3C_MAX_FIELDS]; /* of each name in lower case, to look names up */
    uint64_t serial; /* unique in the process: what a caller's field_cache remembers */
};

static atomic_uint_fast64_t layout_serial;

/* From line first_line on (a #Fields line; 0 for the start of the file), lines are read with
 * layout `layout`, or kept raw when it is -1. */
struct block {
    uint64_t first_line;
    int32_t layout;
};

struct w3c_state {
    struct layout *lay;
    size_t nlay, caplay;
    struct block *blk;
    size_t nblk, capblk;
};

/* Why the lines under a #Fields line cannot be read. */
enum unusable { U_NONE, U_NO_NAMES, U_TOO_MANY_FIELDS, U_TOO_MANY_LAYOUTS };

/* What the parse keeps while walking the lines; gone when parse returns. */
struct walk {
    struct source *s;
    struct evbuf *out;
    struct w3c_state *st;
    int32_t layout;           /* in force now, -1 when unusable */
    enum unusable why;
    uint64_t fields_line;     /* of the #Fields in force, 0 before any */
    bool have_date;           /* from the latest #Date */
    int dy, dm, dd;
    bool noted_default, noted_field_cap, noted_layout_cap;
    uint64_t mscep, crp;
    /* the last date and time read, as written and as read: most lines share their date with
     * the line before, many their second too */
    char last_date[10], last_time[16];
    size_t last_time_n;             /* 0: none yet */
    bool have_last_date;
    int64_t last_day_us, last_tod_us;
};

/* ---- small readers --------------------------------------------------------------------- */

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static bool span_eq_span_ci(struct span a, struct span b)
{
    if (a.n != b.n)
        return false;
    for (size_t i = 0; i < a.n; i++)
        if (lower((unsigned char)a.p[i]) != lower((unsigned char)b.p[i]))
            return false;
    return true;
}

/* Splits on single spaces, as IIS writes. Fills at most max spans but counts every field, so
 * the caller can say how many there were. */
/* The next space in [p, end), or NULL. Most fields are short: a plain loop finds their end
 * sooner than a call to memchr, which takes over for a long one (a PKIOperation's message). */
static const char *next_space(const char *p, const char *end)
{
    const char *stop = end - p > 24 ? p + 24 : end;
    for (; p < stop; p++)
        if (*p == ' ')
            return p;
    return p < end ? memchr(p, ' ', (size_t)(end - p)) : NULL;
}

/* The fields of a line into f (at most max of them). With stop, the line is looked at only as
 * far as the max-th field and the count is at most max; without, the count is of all the
 * fields. Sixteen bytes at a time with SSE2, else eight with exact bit tricks (a byte is
 * flagged only when it is a space) where the machine allows; the spaces found are taken in
 * order. */
/* A field of the line ends at sp: kept while there is room, counted; true when the split
 * should stop there. */
static inline bool field_end(struct span *f, size_t max, size_t *k, const char **start,
                             const char *sp, bool stop)
{
    if (*k < max)
        f[*k] = span_make(*start, (size_t)(sp - *start));
    *start = sp + 1;
    return ++*k == max && stop;
}

static size_t split_line(struct span line, struct span *f, size_t max, bool stop)
{
    const char *p = line.p, *end = line.p + line.n, *start = p;
    size_t k = 0;
    if (stop && !max)
        return 0;
#if defined(__SSE2__)
    /* sixteen bytes a step: the spaces of a block as the bits of a mask */
    const __m128i spaces = _mm_set1_epi8(' ');
    unsigned empty = 0; /* blocks in a row without a space */
    for (; end - p >= 16; p += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, spaces));
        if (!m) {
            /* a long field (a PKIOperation's message): memchr runs ahead to its end */
            if (++empty == 4) {
                const char *sp = memchr(p + 16, ' ', (size_t)(end - p - 16));
                if (!sp) {
                    p = end;
                    break;
                }
                p = sp - 16; /* the next block starts at the space */
                empty = 0;
            }
            continue;
        }
        empty = 0;
        for (; m; m &= m - 1)
            if (field_end(f, max, &k, &start, p + __builtin_ctz(m), stop))
                return k;
    }
#elif defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t lo7 = 0x7F7F7F7F7F7F7F7Full, spaces = 0x2020202020202020ull;
    for (; end - p >= 8; p += 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        uint64_t x = w ^ spaces; /* a space becomes a zero byte */
        uint64_t m = ~(((x & lo7) + lo7) | x | lo7);
        for (; m; m &= m - 1)
            if (field_end(f, max, &k, &start, p + (__builtin_ctzll(m) >> 3), stop))
                return k;
    }
#endif
    for (; p < end; p++)
        if (*p == ' ' && field_end(f, max, &k, &start, p, stop))
            return k;
    if (k < max)
        f[k] = span_make(start, (size_t)(end - start));
    return k + 1;
}

static size_t split_fields(struct span line, struct span *f, size_t max)
{
    return split_line(line, f, max, false);
}

static size_t split_prefix(struct span line, struct span *f, size_t max)
{
    return split_line(line, f, max, true);
}

/* The i-th space-separated field of line, without splitting the rest of a possibly huge line. */
static bool nth_field(struct span line, size_t i, struct span *out)
{
    const char *p = line.p, *end = line.p + line.n;
    for (;;) {
        const char *sp = next_space(p, end);
        const char *e = sp ? sp : end;
        if (i == 0) {
            *out = span_make(p, (size_t)(e - p));
            return true;
        }
        if (!sp)
            return false;
        i--;
        p = sp + 1;
    }
}

/* "YYYY-MM-DD", a real calendar date. */
static bool read_date(struct span f, int *y, int *m, int *d)
{
    return f.n == 10 && f.p[4] == '-' && f.p[7] == '-' && read_digits(f.p, 4, y) &&
           read_digits(f.p + 5, 2, m) && read_digits(f.p + 8, 2, d) &&
           civil_valid(*y, *m, *d, 0, 0, 0);
}

/* "HH:MM:SS" with an optional fraction of 1 to 7 digits (IIS writes none; other W3C writers do). */
static bool read_time(struct span f, int *h, int *mi, int *sec, int64_t *us)
{
    if (f.n < 8 || f.p[2] != ':' || f.p[5] != ':' || !read_digits(f.p, 2, h) ||
        !read_digits(f.p + 3, 2, mi) || !read_digits(f.p + 6, 2, sec))
        return false;
    *us = 0;
    if (f.n > 8) {
        size_t nd = f.n - 9;
        int frac;
        if (f.p[8] != '.' || nd < 1 || nd > 7 || !read_digits(f.p + 9, nd, &frac))
            return false;
        *us = fraction_to_us(frac, nd);
    }
    return civil_valid(2000, 1, 1, *h, *mi, *sec);
}

/* A field quoted in a reason: short and printable, whatever the log held. */
static void quote(struct span f, char *buf, size_t cap)
{
    size_t lim = cap - 4, k = 0;
    for (size_t i = 0; i < f.n && k < lim; i++) {
        unsigned char c = (unsigned char)f.p[i];
        buf[k++] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
    }
    if (f.n > lim) {
        memcpy(buf + k, "...", 3);
        k += 3;
    }
    buf[k] = 0;
}

/* ---- layouts --------------------------------------------------------------------------- */

static uint32_t name_hash(const char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t j = 0; j < n; j++)
        h = (h ^ (uint32_t)lower((unsigned char)p[j])) * 16777619u;
    return h;
}

/* The column of a field name in a layout (names compare without case), or -1. */
static int layout_column(const struct layout *L, const char *name)
{
    size_t len = strlen(name);
    uint32_t h = name_hash(name, len);
    for (uint32_t i = 0; i < L->n; i++)
        if (L->name_hash[i] == h && L->name[i].n == len && span_eq_ci(L->name[i], name))
            return (int)i;
    return -1;
}

static void layout_finish(struct layout *L)
{
    uint32_t h = 2166136261u;
    L->serial = atomic_fetch_add(&layout_serial, 1) + 1;
    for (int k = 0; k < K_COUNT; k++)
        L->key[k] = -1;
    for (uint32_t i = 0; i < L->n; i++) {
        L->name_hash[i] = name_hash(L->name[i].p, L->name[i].n);
        for (size_t j = 0; j < L->name[i].n; j++)
            h = (h ^ (uint32_t)lower((unsigned char)L->name[i].p[j])) * 16777619u;
        h = (h ^ ' ') * 16777619u;
        for (int k = 0; k < K_COUNT; k++)
            if (L->key[k] < 0 && span_eq_ci(L->name[i], key_names[k]))
                L->key[k] = (int16_t)i;
    }
    L->hash = h ^ L->n;
}

static bool layout_same(const struct layout *a, const struct layout *b)
{
    if (a->n != b->n || a->hash != b->hash)
        return false;
    for (uint32_t i = 0; i < a->n; i++)
        if (!span_eq_span_ci(a->name[i], b->name[i]))
            return false;
    return true;
}

static int32_t layout_find(const struct w3c_state *st, const struct layout *L)
{
    for (size_t i = 0; i < st->nlay; i++)
        if (layout_same(&st->lay[i], L))
            return (int32_t)i;
    return -1;
}

/* Appends a copy of L; -1 when out of memory. */
static int32_t layout_add(struct w3c_state *st, const struct layout *L)
{
    if (st->nlay == st->caplay) {
        size_t cap = st->caplay ? st->caplay * 2 : 2;
        struct layout *v = realloc(st->lay, cap * sizeof *v);
        if (!v)
            return -1;
        st->lay = v;
        st->caplay = cap;
    }
    st->lay[st->nlay] = *L;
    return (int32_t)st->nlay++;
}

static bool block_add(struct w3c_state *st, uint64_t first_line, int32_t layout)
{
    if (st->nblk && st->blk[st->nblk - 1].layout == layout)
        return true; /* same layout again (a restart): the block in force goes on */
    if (st->nblk == st->capblk) {
        size_t cap = st->capblk ? st->capblk * 2 : 4;
        struct block *v = realloc(st->blk, cap * sizeof *v);
        if (!v)
            return false;
        st->blk = v;
        st->capblk = cap;
    }
    st->blk[st->nblk].first_line = first_line;
    st->blk[st->nblk].layout = layout;
    st->nblk++;
    return true;
}

static void state_free(struct w3c_state *st)
{
    if (!st)
        return;
    free(st->lay);
    free(st->blk);
    free(st);
}

/* A state holding the IIS default layout as layout 0, in force from the start of the file. */
static struct w3c_state *state_new(void)
{
    struct w3c_state *st = calloc(1, sizeof *st);
    struct layout *L = malloc(sizeof *L);
    if (!st || !L) {
        free(L);
        state_free(st);
        return NULL;
    }
    L->n = DEFAULT_NFIELDS;
    for (size_t i = 0; i < DEFAULT_NFIELDS; i++)
        L->name[i] = span_cstr(default_fields[i]);
    layout_finish(L);
    bool ok = layout_add(st, L) == 0 && block_add(st, 0, 0);
    free(L);
    if (!ok) {
        state_free(st);
        return NULL;
    }
    return st;
}

/* The layout of a line: the last block starting before it. NULL when it was unusable. */
static const struct layout *layout_at(const struct source *s, uint64_t line)
{
    const struct w3c_state *st = s->pstate;
    if (!st || st->nblk == 0)
        return NULL;
    size_t lo = 0, hi = st->nblk; /* first block with first_line > line is in [lo, hi] */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (st->blk[mid].first_line <= line)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    int32_t k = st->blk[lo - 1].layout;
    return k < 0 ? NULL : &st->lay[k];
}

/* ---- directives ------------------------------------------------------------------------ */

/* Names of a #Fields line; separated by any run of blanks, since hand-edited headers vary. */
static size_t read_field_names(struct span rest, struct span *names, size_t max)
{
    size_t k = 0, i = 0;
    while (i < rest.n) {
        while (i < rest.n && (rest.p[i] == ' ' || rest.p[i] == '\t'))
            i++;
        size_t b = i;
        while (i < rest.n && rest.p[i] != ' ' && rest.p[i] != '\t')
            i++;
        if (i > b) {
            if (k < max)
                names[k] = span_make(rest.p + b, i - b);
            k++;
        }
    }
    return k;
}

static bool set_layout(struct walk *w, uint64_t lineno, int32_t layout, enum unusable why)
{
    w->layout = layout;
    w->why = why;
    w->fields_line = lineno;
    return block_add(w->st, lineno, layout);
}

static bool fields_directive(struct walk *w, struct span rest, uint64_t lineno)
{
    /* the layout's names point into s->text: the line read may be a window's copy */
    rest.p = w->s->text + source_offset(w->s, rest.p);
    struct layout *L = malloc(sizeof *L); /* per #Fields line, not per request line */
    if (!L)
        return false;
    size_t n = read_field_names(rest, L->name, W3C_MAX_FIELDS);
    int32_t idx = -1;
    enum unusable why = U_NONE;
    if (n == 0) {
        why = U_NO_NAMES;
    } else if (n > W3C_MAX_FIELDS) {
        why = U_TOO_MANY_FIELDS;
        if (!w->noted_field_cap)
            source_note(w->s, lineno, "#Fields names %zu fields, more than %d: lines under it "
                        "kept raw", n, W3C_MAX_FIELDS);
        w->noted_field_cap = true;
    } else {
        L->n = (uint32_t)n;
        layout_finish(L);
        idx = layout_find(w->st, L);
        if (idx < 0 && w->st->nlay >= W3C_MAX_LAYOUTS) {
            why = U_TOO_MANY_LAYOUTS;
            if (!w->noted_layout_cap)
                source_note(w->s, lineno, "more than %d different #Fields: lines under this "
                            "one and later new ones kept raw", W3C_MAX_LAYOUTS);
            w->noted_layout_cap = true;
        } else if (idx < 0) {
            idx = layout_add(w->st, L);
            if (idx < 0) {
                free(L);
                return false;
            }
        }
    }
    free(L);
    return set_layout(w, lineno, idx, why);
}

/* "#Date: YYYY-MM-DD HH:MM:SS": the date for layouts without a date field. One we cannot read
 * forgets the older date: lines then go raw rather than land on a wrong day. */
static void date_directive(struct walk *w, struct span rest)
{
    struct span v = span_trim(rest);
    int y, m, dd;
    w->have_date = v.n >= 10 && read_date(span_make(v.p, 10), &y, &m, &dd);
    if (w->have_date) {
        w->dy = y;
        w->dm = m;
        w->dd = dd;
    }
}

static bool directive(struct walk *w, struct span line, uint64_t lineno)
{
    w->s->header++;
    if (span_starts_ci(line, "#Fields:"))
        return fields_directive(w, span_make(line.p + 8, line.n - 8), lineno);
    if (span_starts_ci(line, "#Date:"))
        date_directive(w, span_make(line.p + 6, line.n - 6));
    return true;
}

/* ---- data lines ------------------------------------------------------------------------ */

static void unusable_reason(const struct walk *w, char *why, size_t cap)
{
    unsigned long long fl = (unsigned long long)w->fields_line;
    switch (w->why) {
    case U_NO_NAMES:
        snprintf(why, cap, "#Fields (line %llu) names no fields", fl);
        break;
    case U_TOO_MANY_FIELDS:
        snprintf(why, cap, "#Fields (line %llu) names more than %d fields", fl, W3C_MAX_FIELDS);
        break;
    default:
        snprintf(why, cap, "#Fields (line %llu) is beyond %d different layouts", fl,
                 W3C_MAX_LAYOUTS);
        break;
    }
}

/* A trailing space leaves one empty field more than the layout names: still the same record. */
static bool count_fits(size_t nf, uint32_t want, const struct span *f)
{
    return nf == want || (nf == (size_t)want + 1 && f[want].n == 0);
}

/* Why a field shaped as a date or a time is not one (": no such month"...), or "" when its
 * shape is wrong already: such values are refused, never moved to a neighbouring day. */
static const char *date_problem(struct span f)
{
    int y, m, d;
    if (f.n != 10 || f.p[4] != '-' || f.p[7] != '-' || !read_digits(f.p, 4, &y) ||
        !read_digits(f.p + 5, 2, &m) || !read_digits(f.p + 8, 2, &d))
        return "";
    if (m < 1 || m > 12)
        return ": no such month (year-month-day)";
    if (y < 1601)
        return ": year out of range";
    return ": no such day in that month";
}

static const char *time_problem(struct span f)
{
    int h, mi, sec;
    if (f.n < 8 || f.p[2] != ':' || f.p[5] != ':' || !read_digits(f.p, 2, &h) ||
        !read_digits(f.p + 3, 2, &mi) || !read_digits(f.p + 6, 2, &sec))
        return "";
    if (h > 23)
        return ": hour past 23";
    if (mi > 59)
        return ": minute past 59";
    if (sec > 60)
        return ": second past 60";
    return "";
}

/* Whether the n bytes at a and b agree: two loads of 8 bytes each for 8..16 bytes (a date,
 * a time), without a call; memcmp otherwise. */
static inline bool same_bytes(const char *a, const char *b, size_t n)
{
    if (n < 8 || n > 16)
        return memcmp(a, b, n) == 0;
    uint64_t x0, y0, x1, y1;
    memcpy(&x0, a, 8);
    memcpy(&y0, b, 8);
    memcpy(&x1, a + n - 8, 8);
    memcpy(&y1, b + n - 8, 8);
    return ((x0 ^ y0) | (x1 ^ y1)) == 0;
}

/* Wall-clock time of a record, or false with the reason in why. */
static bool record_time(struct walk *w, const struct layout *L, const struct span *f,
                        int64_t *wall, char *why, size_t cap)
{
    int y, mo, d, h, mi, sec;
    int64_t us, day, tod;
    char q[48];
    unsigned long long fl = (unsigned long long)w->fields_line;
    if (L->key[K_DATE] >= 0) {
        struct span df = f[L->key[K_DATE]];
        if (w->have_last_date && df.n == sizeof w->last_date && same_bytes(df.p, w->last_date, df.n)) {
            day = w->last_day_us;
        } else if (read_date(df, &y, &mo, &d)) {
            day = civil_to_us(y, mo, d, 0, 0, 0, 0);
            memcpy(w->last_date, df.p, sizeof w->last_date); /* read_date: 10 bytes */
            w->last_day_us = day;
            w->have_last_date = true;
        } else {
            quote(df, q, sizeof q);
            snprintf(why, cap, "bad date '%s'%s", q, date_problem(df));
            return false;
        }
    } else if (w->have_date) {
        day = civil_to_us(w->dy, w->dm, w->dd, 0, 0, 0, 0);
    } else {
        snprintf(why, cap, "no date field in #Fields (line %llu) and no #Date before it", fl);
        return false;
    }
    if (L->key[K_TIME] < 0) {
        snprintf(why, cap, "no time field in #Fields (line %llu)", fl);
        return false;
    }
    struct span tf = f[L->key[K_TIME]];
    if (w->last_time_n && tf.n == w->last_time_n && same_bytes(tf.p, w->last_time, tf.n)) {
        tod = w->last_tod_us;
    } else if (read_time(tf, &h, &mi, &sec, &us)) {
        tod = civil_to_us(1970, 1, 1, h, mi, sec, us);
        if (tf.n <= sizeof w->last_time) {
            memcpy(w->last_time, tf.p, tf.n);
            w->last_time_n = tf.n;
            w->last_tod_us = tod;
        }
    } else {
        quote(tf, q, sizeof q);
        snprintf(why, cap, "bad time '%s'%s", q, time_problem(tf));
        return false;
    }
    *wall = day + tod;
    return true;
}

static bool field_num(const struct layout *L, const struct span *f, enum key k, uint64_t *v)
{
    return L->key[k] >= 0 && span_to_u64(f[L->key[k]], v);
}

/* 4xx/5xx is a failed request; a Win32 error on a success is a transport hiccup worth seeing
 * (64: the client went away, 1236: the connection was aborted). */
static enum level record_level(const struct layout *L, const struct span *f)
{
    uint64_t v;
    if (field_num(L, f, K_STATUS, &v) && v >= 400)
        return LEVEL_ERROR;
    if (field_num(L, f, K_WIN32, &v) && v != 0)
        return LEVEL_WARNING;
    return LEVEL_INFO;
}

static void count_role(struct walk *w, const struct layout *L, const struct span *f)
{
    /* one mscep.dll request decides it: the rest need not be looked at */
    if (w->mscep || L->key[K_STEM] < 0)
        return;
    struct span stem = f[L->key[K_STEM]];
    if (span_find_ci(stem, "mscep.dll") || span_find_ci(stem, "mscep_admin"))
        w->mscep++;
    else if (span_find_ci(stem, "/CMCertificateRegistration/") ||
             span_find_ci(stem, "/CertificateRegistrationSvc/"))
        w->crp++;
}

/* This thread's last split of a line: the parse splits a line, then (when its events are
 * handed over as they come) the loading classifies it and notes what the correlation will ask
 * of it, each through w3c_fields. Keyed by the layout's serial (unique in the process) as well
 * as the line's place, which a later file may reuse. */
static _Thread_local struct {
    uint64_t layout;
    const char *p;
    size_t n, nf;
    bool whole; /* the line has no more fields than nf */
    struct span f[W3C_MAX_FIELDS];
} memo;

static bool data_line(struct walk *w, struct span line, uint64_t lineno)
{
    char why[160];
    if (w->layout < 0) {
        unusable_reason(w, why, sizeof why);
        return parse_emit_raw(w->s, w->out, line, lineno, why);
    }
    const struct layout *L = &w->st->lay[w->layout];
    struct span f[W3C_MAX_FIELDS + 1];
    size_t nf = split_fields(line, f, W3C_MAX_FIELDS + 1);
    if (!count_fits(nf, L->n, f)) {
        if (w->fields_line == 0)
            snprintf(why, sizeof why, "no #Fields and not the IIS default layout");
        else
            snprintf(why, sizeof why, "%zu fields where #Fields (line %llu) names %u", nf,
                     (unsigned long long)w->fields_line, (unsigned)L->n);
        return parse_emit_raw(w->s, w->out, line, lineno, why);
    }
    int64_t wall;
    if (!record_time(w, L, f, &wall, why, sizeof why))
        return parse_emit_raw(w->s, w->out, line, lineno, why);
    if (w->fields_line == 0 && !w->noted_default) {
        source_note(w->s, lineno, "no #Fields before line %llu: read with the IIS default fields",
                    (unsigned long long)lineno);
        w->noted_default = true;
    }
    count_role(w, L, f);
    int64_t t = parse_to_utc(w->s, wall, ZONE_UTC, 0);
    if (!parse_emit(w->s, w->out, line.p, line.n, lineno, 1, t, record_level(L, f)))
        return false;
    /* an mscep.dll request makes it the NDES server's log whatever follows: its lines so far
     * are final, and go to whoever waits for them, with their split */
    if (w->mscep && w->s->on_events) {
        w->s->role = ROLE_NDES_IIS;
        if (nf <= W3C_MAX_FIELDS) {
            memo.layout = L->serial;
            memo.p = line.p;
            memo.n = line.n;
            memo.nf = nf;
            memo.whole = true;
            memcpy(memo.f, f, nf * sizeof *f);
        }
        w->s->on_events(w->s->on_events_ctx, w->s, w->out->v, w->out->n);
    }
    return true;
}

/* ---- the operations -------------------------------------------------------------------- */

static bool w3c_parse(struct source *s, struct evbuf *out)
{
    struct w3c_state *st = state_new();
    if (!st)
        return false;
    s->pstate = st;
    struct walk w = { .s = s, .out = out, .st = st };
    struct textwin it;
    struct span line;
    textwin_begin(&it, s);
    bool ok = true;
    while (ok && textwin_next(&it, &line)) {
        if (line.n && line.p[0] == '#')
            ok = directive(&w, line, it.lineno);
        else if (span_trim(line).n == 0)
            s->blank++;
        else
            ok = data_line(&w, line, it.lineno);
    }
    memo.layout = 0; /* its spans may point into the window */
    if (!textwin_end(&it) || !ok)
        return false;
    s->lines = it.lineno;
    s->role = w.mscep ? ROLE_NDES_IIS : w.crp ? ROLE_CRP_IIS : ROLE_IIS;
    return true;
}

static struct span w3c_message(const struct source *s, const struct event *ev)
{
    struct span line = span_make(source_at(s, event_off(ev), ev->len), ev->len);
    const struct layout *L = layout_at(s, ev->line);
    if (!L || L->key[K_DATE] != 0 || L->key[K_TIME] != 1)
        return line;
    struct span third;
    if (!nth_field(line, 2, &third))
        return span_make(line.p + line.n, 0);
    return span_make(third.p, (size_t)(line.p + line.n - third.p));
}

/* W3C writes "-" for a field without a value. */
static bool no_value(struct span v)
{
    return v.n == 1 && v.p[0] == '-';
}

static bool w3c_field(const struct source *s, const struct event *ev, const char *name,
                      struct span *out)
{
    const struct layout *L = layout_at(s, ev->line);
    if (!L || (ev->flags & EVF_RAW))
        return false;
    int i = layout_column(L, name);
    struct span v;
    if (i < 0 || !nth_field(span_make(source_at(s, event_off(ev), ev->len), ev->len), (size_t)i,
                            &v))
        return false;
    *out = no_value(v) ? span_make(v.p, 0) : v;
    return true;
}

/* Several fields of one line: the names are looked up first (or taken from the cache when the
 * line has the layout of the caller's last one), then the line is split only as far as the
 * last column asked for. */
static void w3c_fields(const struct source *s, const struct event *ev, const char *const *names,
                       size_t n, struct span *out, bool *found, struct field_cache *cache)
{
    for (size_t k = 0; k < n; k++)
        found[k] = false;
    if (n > FIELD_CACHE_MAX) {
        for (size_t k = 0; k < n; k++)
            found[k] = w3c_field(s, ev, names[k], &out[k]);
        return;
    }
    const struct layout *L = layout_at(s, ev->line);
    if (!L || (ev->flags & EVF_RAW))
        return;
    struct field_cache local;
    struct field_cache *c = cache ? cache : &local;
    if (!cache || c->layout != L->serial || c->n != n) {
        c->layout = L->serial;
        c->n = n;
        c->last = -1;
        for (size_t k = 0; k < n; k++) {
            c->col[k] = (int16_t)layout_column(L, names[k]);
            if (c->col[k] > c->last)
                c->last = c->col[k];
        }
    }
    if (c->last < 0)
        return;
    struct span line = span_make(source_at(s, event_off(ev), ev->len), ev->len);
    size_t want = (size_t)c->last + 1;
    if (memo.layout != L->serial || memo.p != line.p || memo.n != line.n ||
        (!memo.whole && memo.nf < want)) {
        memo.nf = split_prefix(line, memo.f, want);
        memo.whole = memo.nf < want;
        memo.layout = L->serial;
        memo.p = line.p;
        memo.n = line.n;
    }
    const struct span *f = memo.f;
    size_t nf = memo.nf;
    for (size_t k = 0; k < n; k++) {
        if (c->col[k] < 0 || (size_t)c->col[k] >= nf)
            continue;
        struct span v = f[c->col[k]];
        out[k] = no_value(v) ? span_make(v.p, 0) : v;
        found[k] = true;
    }
}

static void w3c_free_state(struct source *s)
{
    state_free(s->pstate);
    s->pstate = NULL;
}

/* ---- sniffing -------------------------------------------------------------------------- */

static bool is_method(struct span t)
{
    static const char *const methods[] = { "GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS" };
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (span_eq(t, methods[i]))
            return true;
    return false;
}

/* "YYYY-MM-DD HH:MM:SS ..." with 14 to 16 tokens, one of them an HTTP method: an IIS line in
 * the default layout (or close to it), written without its directive block. */
static bool looks_like_iis_line(struct span line)
{
    struct span f[17];
    size_t nf = split_fields(line, f, 17);
    int y, m, d, h, mi, sec;
    int64_t us;
    if (nf < 14 || nf > 16 || !read_date(f[0], &y, &m, &d) ||
        !read_time(f[1], &h, &mi, &sec, &us))
        return false;
    for (size_t i = 2; i < nf; i++)
        if (is_method(f[i]))
            return true;
    return false;
}

static int w3c_sniff(const char *head, size_t n)
{
    struct line_iter it;
    struct span line;
    int best = 0;
    bool version = false, other_directive = false;
    unsigned data = 0, iis = 0;
    line_iter_init(&it, head, n);
    while (it.lineno < SNIFF_LINES && line_iter_next(&it, &line)) {
        bool complete = it.p[-1] == '\n';
        if (span_starts_ci(line, "#Software: Microsoft Internet Information Services"))
            return 100;
        if (span_starts_ci(line, "#Fields:"))
            best = 95;
        else if (span_starts_ci(line, "#Version:"))
            version = true;
        else if (span_starts_ci(line, "#Date:") || span_starts_ci(line, "#Software:") ||
                 span_starts_ci(line, "#Start-Date:") || span_starts_ci(line, "#End-Date:") ||
                 span_starts_ci(line, "#Remark:"))
            other_directive = true;
        else if (line.n && line.p[0] != '#' && span_trim(line).n) {
            bool ok = looks_like_iis_line(line);
            /* the head may cut the last line short: only a match counts from it */
            if (ok || complete) {
                data++;
                iis += ok;
            }
        }
    }
    if (best < 90 && version && other_directive)
        best = 90;
    if (best < 60 && iis && iis * 2 > data)
        best = 60;
    return best;
}

const struct parser parser_w3c = {
    .name = "w3c",
    .title = "IIS W3C extended log",
    .sniff = w3c_sniff,
    .parse = w3c_parse,
    .message = w3c_message,
    .field = w3c_field,
    .fields = w3c_fields,
    .free_state = w3c_free_state,
    .windowed = true,
};
