/* omadm.c - the Android Company Portal's OMADM log (OMADM.log, omadmlog.log): one entry a
 * line, its fields apart by runs of spaces or tabs:
 *
 *   2018-02-27T05:16:08.2500000    VERB    Event     com.microsoft.omadm...CertificateEnrollmentManager    18327       10    There are 1 requests
 *
 * time (seven fractional digits, the device's local time without a zone), level (VERB, INFO,
 * WARN, ERROR...), a kind ("Event", left out by some versions), the component (the Java class
 * that logged), the process and thread ids, the message. A message may go on over the lines
 * below (a stack trace). Fields a line lacks are left out of it, not guessed. */
#include <stdio.h>
#include <string.h>

#include "cmtrace_common.h"
#include "devlog_common.h"
#include "parser.h"

/* The fields of an entry's first line. */
struct om_head {
    struct span time, level, kind, component, pid, tid, msg;
    int y, mo, d, h, mi, s;
    int64_t us;
    bool has_offset;
    int32_t off_min;
};

static const char *const levels_error[] = { "ERROR", "ERRO", "ERR", "E", "FATAL", "F",
                                            "SEVERE", "CRITICAL", "CRIT", "ASSERT", "A" };
static const char *const levels_warning[] = { "WARN", "WARNING", "W" };
static const char *const levels_info[] = { "VERB", "VERBOSE", "V", "INFO", "I", "DEBUG", "DBG",
                                           "D", "TRACE", "NOTICE", "CONFIG", "FINE", "FINER",
                                           "FINEST" };

static bool in_list(struct span t, const char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (span_eq_ci(t, v[i]))
            return true;
    return false;
}

#define IN(t, list) in_list((t), (list), sizeof (list) / sizeof (list)[0])

static bool is_level(struct span t)
{
    return IN(t, levels_error) || IN(t, levels_warning) || IN(t, levels_info);
}

static enum level level_of(struct span t)
{
    if (IN(t, levels_error))
        return LEVEL_ERROR;
    if (IN(t, levels_warning))
        return LEVEL_WARNING;
    return LEVEL_INFO;
}

/* A Java class name: a dotted name without spaces ("org.jscep.transport.X"). */
static bool is_dotted(struct span t)
{
    return t.n > 2 && memchr(t.p, '.', t.n) && t.p[0] != '.' && t.p[t.n - 1] != '.';
}

/* Does the line start like an entry ("YYYY-MM-DDT")? Only then is it read as one; a line that
 * starts so but does not read is kept raw, with the reason. */
static bool entry_start(struct span line)
{
    const char *p = line.p, *end = line.p + line.n;
    if (end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3; /* the byte order mark of a log appended to another */
    int y, mo, d;
    return dl_read_ymd(p, end, &y, &mo, &d) && end - p > 10 && p[10] == 'T';
}

static bool boundary(struct span line, const void *ctx)
{
    (void)ctx;
    return entry_start(line);
}

/* Reads the head of a line that entry_start() took. False with the reason in why. */
static bool read_head(struct span line, struct om_head *h, char *why, size_t wn)
{
    memset(h, 0, sizeof *h);
    const char *p = line.p, *end = line.p + line.n;
    if (end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    struct span tt = dl_token(p, end);
    h->time = tt;
    const char *q = tt.p, *te = tt.p + tt.n;
    size_t k = dl_read_ymd(q, te, &h->y, &h->mo, &h->d);
    size_t k2 = k && q + k < te && q[k] == 'T'
                    ? dl_read_hms(q + k + 1, te, &h->h, &h->mi, &h->s, &h->us)
                    : 0;
    if (!k2) {
        cm_reason(why, wn, "bad time", tt);
        return false;
    }
    q += k + 1 + k2;
    if (q < te) {
        size_t ko = dl_read_offset(q, te, &h->off_min);
        if (!ko || q + ko != te) {
            cm_reason(why, wn, "bad time", tt);
            return false;
        }
        h->has_offset = true;
    }
    const char *pb = NULL;
    if (h->mo < 1 || h->mo > 12 || h->y < 1601 || !civil_valid(h->y, h->mo, h->d, 0, 0, 0))
        pb = "no such day";
    else
        pb = dl_time_problem(h->h, h->mi, h->s);
    if (pb) {
        cm_reason(why, wn, "bad time", tt);
        size_t n = strlen(why);
        if (n < wn)
            snprintf(why + n, wn - n, ": %s", pb);
        return false;
    }
    /* the other fields: level, [kind] component, pid, tid, then the message */
    const char *at = te;
    struct span tok[5];
    for (size_t i = 0; i < 5; i++) {
        tok[i] = dl_token(at, end);
        at = tok[i].p + tok[i].n;
    }
    size_t i = 0;
    if (is_level(tok[0]))
        h->level = tok[i++];
    if (!is_dotted(tok[i]) && is_dotted(tok[i + 1]) && !dl_all_digits(tok[i])) {
        h->kind = tok[i++];
    }
    /* a component is a class name, or a word followed by the process and thread ids */
    if (is_dotted(tok[i]) || (tok[i].n && !dl_all_digits(tok[i]) && dl_all_digits(tok[i + 1]) &&
                              dl_all_digits(tok[i + 2]))) {
        h->component = tok[i++];
        if (i < 5 && dl_all_digits(tok[i])) {
            h->pid = tok[i++];
            if (i < 5 && dl_all_digits(tok[i]))
                h->tid = tok[i++];
        }
    }
    const char *m = i ? tok[i - 1].p + tok[i - 1].n : te;
    m = dl_skip_space(m, end);
    h->msg = span_make(m, (size_t)(end - m));
    return true;
}

/* Keeps the lines of an entry that could not be read, or that came after the caps, raw. */
static bool raw_lines(struct source *s, struct evbuf *out, struct line_iter *it,
                      uint64_t entry_line, const char *why)
{
    struct line_iter look = *it;
    struct span l;
    char msg[120];
    snprintf(msg, sizeof msg, "%s (the entry of line %llu)", why,
             (unsigned long long)entry_line);
    while (line_iter_next(&look, &l) && span_trim(l).n && !entry_start(l)) {
        if (!parse_emit_raw(s, out, l, look.lineno, msg))
            return false;
        *it = look;
    }
    return true;
}

static bool omadm_parse(struct source *s, struct evbuf *out)
{
    struct line_iter it;
    struct span line;
    char why[160];
    bool ok = true, seen = false;
    line_iter_init(&it, s->text, s->size);
    s->role = ROLE_ANDROID_LOG;
    while (ok && line_iter_next(&it, &line)) {
        if (span_trim(line).n == 0) {
            s->blank++;
            continue;
        }
        if (!entry_start(line)) {
            ok = parse_emit_raw(s, out, line, it.lineno,
                                seen ? "not an OMADM log entry (no YYYY-MM-DDTHH:MM:SS time)"
                                     : "line before the first OMADM log entry");
            continue;
        }
        seen = true;
        struct om_head h;
        uint64_t first_no = it.lineno;
        if (!read_head(line, &h, why, sizeof why)) {
            ok = parse_emit_raw(s, out, line, first_no, why) &&
                 raw_lines(s, out, &it, first_no, "continues an unreadable entry");
            continue;
        }
        struct span last;
        uint64_t nlines;
        bool capped;
        dl_walk_continuation(&it, line, boundary, NULL, &last, &nlines, &capped);
        int64_t wall = civil_to_us(h.y, h.mo, h.d, h.h, h.mi, h.s, h.us);
        int64_t t = h.has_offset ? parse_to_utc(s, wall, ZONE_OFFSET, -h.off_min)
                                 : parse_to_utc(s, wall, ZONE_ASSUMED_UTC, 0);
        ok = parse_emit(s, out, line.p, (size_t)(last.p + last.n - line.p), first_no, nlines, t,
                        h.level.n ? level_of(h.level) : LEVEL_INFO) != NULL;
        if (ok && capped) {
            source_note(s, first_no, "a message longer than %u lines or %u MiB: cut there",
                        DL_MAX_ENTRY_LINES, DL_MAX_ENTRY_BYTES >> 20);
            ok = raw_lines(s, out, &it, first_no, "past the length kept of a message");
        }
    }
    s->lines = it.lineno;
    return ok;
}

/* The head of a parsed event, read again from its first line. */
static bool head_of(const struct source *s, const struct event *ev, struct om_head *h)
{
    if (ev->flags & EVF_RAW)
        return false;
    const char *p = s->text + event_off(ev);
    const char *nl = memchr(p, '\n', ev->len);
    size_t n = nl ? (size_t)(nl - p) : ev->len;
    if (n && p[n - 1] == '\r')
        n--;
    char why[160];
    return read_head(span_make(p, n), h, why, sizeof why);
}

static struct span omadm_message(const struct source *s, const struct event *ev)
{
    struct om_head h;
    const char *p = s->text + event_off(ev);
    if (!head_of(s, ev, &h))
        return span_make(p, ev->len);
    /* the message and the lines that continue it */
    return span_make(h.msg.p, (size_t)(p + ev->len - h.msg.p));
}

static bool omadm_field(const struct source *s, const struct event *ev, const char *name,
                        struct span *out)
{
    struct om_head h;
    if (!head_of(s, ev, &h))
        return false;
    const struct {
        const char *name;
        struct span v;
    } f[] = { { "time", h.time }, { "level", h.level }, { "kind", h.kind },
              { "component", h.component }, { "pid", h.pid }, { "tid", h.tid } };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        if (strcmp(name, f[i].name) == 0) {
            if (!f[i].v.n)
                return false; /* the line has no such field */
            *out = f[i].v;
            return true;
        }
    }
    return false;
}

static int omadm_sniff(const char *head, size_t n)
{
    struct line_iter it;
    struct span line;
    unsigned entries = 0, lines = 0;
    bool ours = false;
    char why[160];
    line_iter_init(&it, head, n);
    while (lines < 200 && line_iter_next(&it, &line)) {
        if (span_trim(line).n == 0)
            continue;
        lines++;
        struct om_head h;
        if (!entry_start(line) || !read_head(line, &h, why, sizeof why) || !h.level.n)
            continue;
        entries++;
        ours |= span_starts(h.component, "com.microsoft.omadm") ||
                span_starts(h.component, "org.jscep") ||
                span_starts(h.component, "com.microsoft.intune");
    }
    if (!entries)
        return 0;
    if (ours)
        return 100;
    return entries >= 2 ? 90 : 70;
}

const struct parser parser_omadm = {
    .name = "omadm",
    .title = "Android Company Portal OMADM log",
    .sniff = omadm_sniff,
    .parse = omadm_parse,
    .message = omadm_message,
    .field = omadm_field,
    .free_state = NULL,
};
