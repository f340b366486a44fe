/* textwin.c - see textwin.h. */
#include "textwin.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "utf8.h"

/* Windows given back are kept for the next file (warm memory: no page to clear and fault in
 * again); at most one per thread that reads at once. */
#define POOL_MAX 16
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static char *pool[POOL_MAX];
static size_t npool;
static size_t win_cap = TEXTWIN_CAP, win_min = TEXTWIN_MIN;

void textwin_size(size_t bytes)
{
    win_cap = bytes < 16 ? 16 : bytes;
    win_min = 0;
}

static char *buf_take(void)
{
    char *b = NULL;
    pthread_mutex_lock(&pool_lock);
    if (npool)
        b = pool[--npool];
    pthread_mutex_unlock(&pool_lock);
    return b ? b : malloc(win_cap);
}

static void buf_give(char *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&pool_lock);
    if (npool < POOL_MAX) {
        pool[npool++] = b;
        b = NULL;
    }
    pthread_mutex_unlock(&pool_lock);
    free(b);
}

void textwin_drop_kept(void)
{
    pthread_mutex_lock(&pool_lock);
    while (npool)
        free(pool[--npool]);
    pthread_mutex_unlock(&pool_lock);
}

static void view_clear(void)
{
    source_view = (struct source_view){ 0 };
}

/* From now on, lines straight from s->text at offset off. */
static void go_straight(struct textwin *w, uint64_t off)
{
    w->window = false;
    w->dpos = off;
    view_clear();
}

static uint64_t count_lines(const char *p, size_t n)
{
    uint64_t k = 0;
    for (const char *q = p, *end = p + n; (q = memchr(q, '\n', (size_t)(end - q))); q++)
        k++;
    return k;
}

enum checked {
    CHECK_OK,
    CHECK_DECODED, /* not UTF-8: s->text is the decoded copy now, read straight from off */
    CHECK_FAILED,  /* that, but memory ran out */
};

/* Checks n bytes of whole lines for UTF-8: p is text offset off, the start of line `line`. */
static enum checked check(struct textwin *w, const char *p, size_t n, uint64_t off,
                          uint64_t line)
{
    struct source *s = w->s;
    uint64_t mb, bad;
    utf8_scan((const unsigned char *)p, n, &mb, &bad);
    w->mb += mb;
    if (!bad)
        return CHECK_OK;
    if (!w->bad)
        w->bad_line = line + count_lines(p, utf8_first_invalid((const unsigned char *)p, n));
    w->bad += bad;
    if (w->mb || s->enc == ENC_UTF8_BOM)
        return CHECK_OK; /* UTF-8 whatever follows: the rest is still counted */
    /* no multi-byte sequence so far: the rest of the file decides (read through the mapping:
     * a log like this is rare) */
    uint64_t rest = off + n;
    uint64_t rmb = 0, rbad = 0;
    if (rest < s->size)
        utf8_scan((const unsigned char *)s->text + rest, (size_t)(s->size - rest), &rmb, &rbad);
    w->check = false;
    if (rmb) {
        w->mb += rmb;
        w->bad += rbad;
        w->counted = true;
        return CHECK_OK;
    }
    /* Windows-1252: everything before p was ASCII, the same text in both; from p on, the
     * decoded copy */
    go_straight(w, off);
    w->resume = false;
    return source_decode_cp1252(s) ? CHECK_DECODED : CHECK_FAILED;
}

void textwin_begin(struct textwin *w, struct source *s)
{
    *w = (struct textwin){ .s = s, .cap = win_cap };
    bool bytes = s->map && s->text == (const char *)s->raw + s->bom_len;
    if (bytes && s->fd_open && s->size >= win_min && (w->buf = buf_take())) {
        w->window = true;
        w->check = s->utf8_pending;
        return;
    }
    w->failed = !source_decode_settle(s);
    source_populate(s);
}

/* Reads on into the window: the unread part of a line moves to its start. When the window
 * cannot be filled (the line fills it whole, or the file gave fewer bytes than it had: it
 * shrank), or the text turns out not to be UTF-8, lines come straight from s->text from that
 * line on (the failed flag says when memory ran out). */
static void fill(struct textwin *w)
{
    struct source *s = w->s;
    size_t part = w->n - w->pos;
    uint64_t at = w->base + w->pos;
    if (part >= w->cap) {
        go_straight(w, at);
        w->resume = true;
        return;
    }
    memmove(w->buf, w->buf + w->pos, part);
    w->base = at;
    w->n = part;
    w->pos = 0;
    size_t want = w->cap - part;
    if (want > s->size - (at + part))
        want = (size_t)(s->size - (at + part));
    while (want) {
        ssize_t r = pread(s->fd, w->buf + w->n, want, (off_t)(s->bom_len + w->base + w->n));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            go_straight(w, at); /* the mapping reads what is gone as zeros, and says so */
            return;
        }
        w->n += (size_t)r;
        want -= (size_t)r;
    }
    source_view = (struct source_view){ s, w->buf, w->base, w->n };
    if (!w->check)
        return;
    /* whole lines are checked (a sequence never spans a line end): up to the last line end,
     * or to the end of the file */
    size_t upto = w->n;
    if (w->base + w->n < s->size)
        while (upto && w->buf[upto - 1] != '\n')
            upto--;
    if (upto && check(w, w->buf, upto, w->base, w->lineno + 1) == CHECK_FAILED)
        w->failed = true;
}

static void cut_cr(const char *p, const char *e, struct span *line)
{
    if (e > p && e[-1] == '\r')
        e--;
    *line = span_make(p, (size_t)(e - p));
}

static bool straight_next(struct textwin *w, struct span *line)
{
    struct source *s = w->s;
    if (w->dpos >= s->size)
        return false;
    uint64_t off = w->dpos;
    const char *p = s->text + off, *end = s->text + s->size;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *e = nl ? nl : end;
    if (w->check) {
        enum checked c = check(w, p, (size_t)(e - p), off, w->lineno + 1);
        if (c == CHECK_FAILED) {
            w->failed = true;
            return false;
        }
        if (c == CHECK_DECODED) /* the line again, from the decoded copy */
            return straight_next(w, line);
    }
    w->dpos = (uint64_t)((nl ? nl + 1 : end) - s->text);
    w->lineno++;
    cut_cr(p, e, line);
    if (w->resume) { /* the long line read: the window again after it */
        w->resume = false;
        w->window = true;
        w->base = w->dpos;
        w->n = w->pos = 0;
    }
    return true;
}

bool textwin_next(struct textwin *w, struct span *line)
{
    while (!w->failed) {
        if (!w->window)
            return straight_next(w, line);
        const char *p = w->buf + w->pos;
        size_t avail = w->n - w->pos;
        const char *nl = avail ? memchr(p, '\n', avail) : NULL;
        if (nl) {
            w->pos = (size_t)(nl - w->buf) + 1;
            w->lineno++;
            cut_cr(p, nl, line);
            return true;
        }
        if (w->base + w->n >= w->s->size) {
            if (!avail)
                return false;
            w->pos = w->n;
            w->lineno++;
            cut_cr(p, p + avail, line);
            return true;
        }
        fill(w);
    }
    return false;
}

bool textwin_end(struct textwin *w)
{
    struct source *s = w->s;
    view_clear();
    buf_give(w->buf);
    w->buf = NULL;
    if (w->failed)
        return false;
    if (!s->utf8_pending)
        return true;
    bool whole = w->window ? w->base + w->n >= s->size && w->pos == w->n : w->dpos >= s->size;
    if (!w->counted && !(w->check && whole)) /* not all of it seen: seen again whole */
        return source_decode_settle(s);
    s->utf8_pending = false;
    if (w->bad)
        source_note_stray_bytes(s, w->bad_line, w->bad);
    return true;
}
