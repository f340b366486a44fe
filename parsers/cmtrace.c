/* cmtrace.c - the ConfigMgr / CMTrace log (NDESPlugin.log, CRP.log): <![LOG[msg]LOG]!><time=...>
 * entries whose message may span lines. Each entry is one event; the rest is kept raw. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmtrace_common.h"
#include "parser.h"
#include "timeutil.h"

#define OPEN_TAG "<![LOG["
#define OPEN_LEN 7
#define CLOSE_TAG "]LOG]!>"
#define CLOSE_LEN 7
/* Beyond these an entry is more likely a lost close tag than a real message. */
#define MAX_ENTRY_LINES 100000u
#define MAX_ENTRY_BYTES (64u * 1024u * 1024u)

/* Where the next close tag is, searched once and reused until passed, so that a file of
 * unclosed entries is not rescanned to its end for every one of them. */
struct close_cache {
    const char *pos;  /* last found close tag, or NULL */
    bool exhausted;   /* no close tag after the last search start */
};

static const char *next_close(struct close_cache *c, const char *from, const char *end)
{
    if (c->pos && c->pos >= from)
        return c->pos;
    if (c->exhausted)
        return NULL;
    c->pos = span_find(span_make(from, (size_t)(end - from)), CLOSE_TAG);
    c->exhausted = c->pos == NULL;
    return c->pos;
}

/* Just past the open tag when the line starts an entry (after indentation or a stray BOM left
 * by concatenated logs), else NULL. */
static const char *entry_open(struct span line)
{
    const char *p = line.p, *end = line.p + line.n;
    for (;;) {
        if (p < end && (*p == ' ' || *p == '\t')) {
            p++;
        } else if (end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
            p += 3;
        } else {
            break;
        }
    }
    if (end - p >= OPEN_LEN && p[0] == '<' && memcmp(p, OPEN_TAG, OPEN_LEN) == 0)
        return p + OPEN_LEN;
    return NULL;
}

/* Attributes name="value" of the trailer, several at once: out[k] and found[k] for names[k].
 * A name must start the trailer or follow a space, '<' or a tab, so that a value such as
 * context="time=" is not taken for the time; its first such place counts, and a value with no
 * closing quote is no value. Each place a name can stand ends in '="': the trailer is read
 * once, from one '=' to the next. */
#define TRAILER_NAMES_MAX 4

static void trailer_attrs(struct span tr, const char *const *names, size_t n, struct span *out,
                          bool *found)
{
    size_t len[TRAILER_NAMES_MAX], left = 0;
    bool done[TRAILER_NAMES_MAX];
    for (size_t k = 0; k < n && k < TRAILER_NAMES_MAX; k++) {
        len[k] = strlen(names[k]);
        found[k] = done[k] = false;
        left++;
    }
    const char *p = tr.p, *end = tr.p + tr.n;
    while (left && p < end) {
        const char *eq = memchr(p, '=', (size_t)(end - p));
        if (!eq)
            return;
        p = eq + 1;
        if (end - eq < 2 || eq[1] != '"')
            continue;
        for (size_t k = 0; k < n && k < TRAILER_NAMES_MAX; k++) {
            const char *name = eq - len[k];
            /* its last and first letters first: most names of a trailer end elsewhere */
            if (done[k] || (size_t)(eq - tr.p) < len[k] || eq[-1] != names[k][len[k] - 1] ||
                name[0] != names[k][0] || memcmp(name, names[k], len[k]) != 0)
                continue;
            char before = name > tr.p ? name[-1] : ' ';
            if (before != ' ' && before != '<' && before != '\t')
                continue;
            const char *q = memchr(eq + 2, '"', (size_t)(end - eq - 2));
            if (!q)
                return; /* nor for any name later on */
            out[k] = span_make(eq + 2, (size_t)(q - eq - 2));
            found[k] = done[k] = true;
            left--;
        }
    }
}

static enum level type_level(struct span v, bool found)
{
    if (found && span_eq(v, "2"))
        return LEVEL_WARNING;
    if (found && span_eq(v, "3"))
        return LEVEL_ERROR;
    return LEVEL_INFO;
}

/* What an entry's trailer says: its time and date, component and type. */
enum { TR_TIME, TR_DATE, TR_COMPONENT, TR_TYPE, TR_COUNT };
static const char *const trailer_names[TR_COUNT] = { "time", "date", "component", "type" };
_Static_assert(TR_COUNT <= TRAILER_NAMES_MAX, "trailer_attrs reads them at once");

/* Reads the entry's time from its trailer's values; on failure writes why into `why`. */
static bool trailer_time(struct source *s, const struct span *v, const bool *found, int64_t *t,
                         char *why, size_t wn)
{
    struct cm_time tm;
    struct cm_date dt;
    if (!found[TR_TIME]) {
        snprintf(why, wn, "entry without a time=\"...\" attribute");
        return false;
    }
    if (!found[TR_DATE]) {
        snprintf(why, wn, "entry without a date=\"...\" attribute");
        return false;
    }
    if (!cm_read_time(v[TR_TIME], &tm, why, wn) || !cm_read_date(v[TR_DATE], &dt, why, wn))
        return false;
    *t = cm_to_utc(s, &dt, &tm);
    return true;
}

/* What a parse leaves in its source: a number no other parse in the process has, for the memo
 * of the last record asked about (see split_cached). */
struct cm_state {
    uint64_t serial;
};

static atomic_uint_fast64_t cm_serial;

/* Keeps lines already walked as raw: the first with the reason, the others pointing to it. */
static bool emit_raw_entry(struct source *s, struct evbuf *out, struct line_iter *it,
                           struct span first, uint64_t nlines, const char *why)
{
    uint64_t first_no = it->lineno;
    if (!parse_emit_raw(s, out, first, first_no, why))
        return false;
    char msg[96];
    snprintf(msg, sizeof msg, "inside the unreadable entry of line %llu",
             (unsigned long long)first_no);
    struct span l;
    for (uint64_t i = 1; i < nlines && line_iter_next(it, &l); i++)
        if (!parse_emit_raw(s, out, l, it->lineno, msg))
            return false;
    return true;
}

/* Walks from the entry's first line to the one holding the close tag. Fails (with the reason)
 * when another entry starts first or the entry grows past the caps; the walk then stops at a
 * line that starts an entry or at the cap, so no line is walked twice as a continuation. */
static bool walk_to_close(struct line_iter *it, struct span first, const char *close,
                          struct span *last, uint64_t *nlines, char *why, size_t wn)
{
    *last = first;
    *nlines = 1;
    while (close >= last->p + last->n) {
        struct span l;
        if (!line_iter_next(it, &l)) {
            snprintf(why, wn, "<![LOG[ entry never closed before end of file");
            return false;
        }
        if (entry_open(l)) {
            snprintf(why, wn, "<![LOG[ entry never closed before line %llu",
                     (unsigned long long)it->lineno);
            return false;
        }
        ++*nlines;
        /* checked per line so that a hostile file stops the walk early */
        if (*nlines > MAX_ENTRY_LINES || (size_t)(l.p + l.n - first.p) > MAX_ENTRY_BYTES) {
            snprintf(why, wn, "<![LOG[ entry not closed within %u lines or %u MiB",
                     MAX_ENTRY_LINES, MAX_ENTRY_BYTES >> 20);
            return false;
        }
        *last = l;
    }
    if ((size_t)(last->p + last->n - first.p) > MAX_ENTRY_BYTES) {
        snprintf(why, wn, "<![LOG[ entry longer than %u MiB", MAX_ENTRY_BYTES >> 20);
        return false;
    }
    return true;
}

/* One entry starting at `first` (already read from it). Leaves it after the entry's last line,
 * or after the first line when the entry is kept raw. */
static bool parse_entry(struct source *s, struct evbuf *out, struct line_iter *it,
                        struct close_cache *cc, struct cm_tally *tally, struct span first,
                        const char *open, uint64_t *unclosed)
{
    char why[160];
    const char *close = next_close(cc, open, it->end);
    if (!close) {
        *unclosed = it->lineno;
        return parse_emit_raw(s, out, first, it->lineno, "<![LOG[ entry never closed");
    }
    struct line_iter start = *it;
    struct span last;
    uint64_t nlines;
    if (!walk_to_close(it, first, close, &last, &nlines, why, sizeof why)) {
        *it = start;
        *unclosed = it->lineno;
        return parse_emit_raw(s, out, first, it->lineno, why);
    }
    const char *tr_p = close + CLOSE_LEN;
    struct span tr = span_make(tr_p, (size_t)(last.p + last.n - tr_p));
    int64_t t;
    struct span v[TR_COUNT];
    bool found[TR_COUNT];
    trailer_attrs(tr, trailer_names, TR_COUNT, v, found);
    if (!trailer_time(s, v, found, &t, why, sizeof why)) {
        *it = start;
        return emit_raw_entry(s, out, it, first, nlines, why);
    }
    cm_tally_add(tally, found[TR_COMPONENT] ? v[TR_COMPONENT] : span_make("", 0));
    return parse_emit(s, out, first.p, (size_t)(last.p + last.n - first.p), start.lineno,
                      nlines, t, type_level(v[TR_TYPE], found[TR_TYPE]))
           != NULL;
}

static bool cmtrace_parse(struct source *s, struct evbuf *out)
{
    struct cm_state *st = malloc(sizeof *st);
    if (!st)
        return false;
    st->serial = atomic_fetch_add(&cm_serial, 1) + 1;
    s->pstate = st;
    struct line_iter it;
    struct close_cache cc = { NULL, false };
    struct cm_tally tally = { 0, 0, 0 };
    struct span line;
    bool ok = true;
    uint64_t unclosed = 0; /* line of the last entry kept raw for want of its close tag */
    char why[96];
    line_iter_init(&it, s->text, s->size);
    while (ok && line_iter_next(&it, &line)) {
        const char *open = entry_open(line);
        if (open) {
            unclosed = 0;
            ok = parse_entry(s, out, &it, &cc, &tally, line, open, &unclosed);
        } else if (cm_is_blank(line)) {
            s->blank++;
        } else if (unclosed) {
            snprintf(why, sizeof why, "line outside any <![LOG[ entry (the entry of line %llu "
                     "was never closed)", (unsigned long long)unclosed);
            ok = parse_emit_raw(s, out, line, it.lineno, why);
        } else {
            ok = parse_emit_raw(s, out, line, it.lineno, "line outside any <![LOG[ entry");
        }
    }
    s->lines = it.lineno;
    s->role = cm_tally_role(&tally);
    return ok;
}

/* The record's message and trailer, found again from its bytes: the first close tag after the
 * open tag ends the message, as it did when parsing. */
static bool split_record(const struct source *s, const struct event *ev, struct span *msg,
                         struct span *tr)
{
    struct span rec = span_make(s->text + event_off(ev), ev->len);
    const char *open = entry_open(rec);
    if (!open)
        return false;
    struct span rest = span_make(open, (size_t)(rec.p + rec.n - open));
    const char *close = span_find(rest, CLOSE_TAG);
    if (!close)
        return false;
    *msg = span_make(open, (size_t)(close - open));
    *tr = span_make(close + CLOSE_LEN, (size_t)(rec.p + rec.n - close - CLOSE_LEN));
    return true;
}

/* The attributes a record's fields are asked by. */
static const char *const field_names[] = { "component", "context", "type", "thread",
                                           "file",      "time",    "date" };
#define NFIELDS (sizeof field_names / sizeof field_names[0])

/* This thread's last record asked about, split, with the fields looked for so far: the
 * classification asks for its message, its component and its thread one after the other. Keyed by the parse's serial and the record's
 * place, which another file's record cannot share. */
static _Thread_local struct {
    uint64_t serial; /* 0: none */
    uint64_t off;
    uint32_t len;
    bool split;      /* split_record's answer, msg and tr */
    struct span msg, tr;
    bool read[NFIELDS]; /* field i was looked for in tr: found[i], v[i] */
    struct span v[NFIELDS];
    bool found[NFIELDS];
} last;

static bool split_cached(const struct source *s, const struct event *ev)
{
    const struct cm_state *st = s->pstate;
    if (!st || last.serial != st->serial || last.off != event_off(ev) || last.len != ev->len) {
        last.split = split_record(s, ev, &last.msg, &last.tr);
        memset(last.read, 0, sizeof last.read);
        last.serial = st ? st->serial : 0;
        last.off = event_off(ev);
        last.len = ev->len;
    }
    return last.split;
}

static struct span cmtrace_message(const struct source *s, const struct event *ev)
{
    if (!split_cached(s, ev))
        return span_make(s->text + event_off(ev), ev->len);
    return last.msg;
}

static bool cmtrace_field(const struct source *s, const struct event *ev, const char *name,
                          struct span *out)
{
    for (size_t i = 0; i < NFIELDS; i++) {
        if (strcmp(name, field_names[i]) != 0)
            continue;
        if (!split_cached(s, ev))
            return false;
        if (!last.read[i]) {
            trailer_attrs(last.tr, field_names + i, 1, last.v + i, last.found + i);
            last.read[i] = true;
        }
        if (last.found[i])
            *out = last.v[i];
        return last.found[i];
    }
    return false;
}

static void cmtrace_free_state(struct source *s)
{
    free(s->pstate);
    s->pstate = NULL;
}

static int cmtrace_sniff(const char *head, size_t n)
{
    struct line_iter it;
    struct span line;
    bool open_seen = false;
    line_iter_init(&it, head, n);
    while (!open_seen && line_iter_next(&it, &line))
        open_seen = entry_open(line) != NULL;
    if (!open_seen)
        return 0;
    /* the first entry's close may be lines below its open tag */
    return span_find(span_make(head, n), CLOSE_TAG "<time=\"") ? 100 : 70;
}

const struct parser parser_cmtrace = {
    .name = "cmtrace",
    .title = "ConfigMgr / CMTrace log",
    .sniff = cmtrace_sniff,
    .parse = cmtrace_parse,
    .message = cmtrace_message,
    .field = cmtrace_field,
    .free_state = cmtrace_free_state,
};
