/* applelog.c - an Apple device's own log, in the forms it reaches a support engineer:
 *
 *   Console app, messages selected and copied (tab- or space-separated; time only, no date):
 *     Debug 18:30:53.691033 -0500 profiled Performing synchronous URL request: https://...
 *   `log show` (macOS, or an iOS device's log archive), its default, syslog and compact styles:
 *     2024-05-01 10:11:12.123456-0400 0x1a2b Default 0x0 123 0 profiled: (Lib) [sub:cat] text
 *     2024-05-01 10:11:12.123456-0400  localhost profiled[123]: (Lib) [sub:cat] text
 *     2024-05-01 10:11:12.123 Df profiled[123:1a2b] [sub:cat] text        (no zone)
 *   the iOS syslog (Xcode's device console, idevicesyslog; no year, no zone):
 *     May 23 14:15:42 iPhone profiled[150] <Notice>: (Error) MC: Cannot retrieve SCEP identity
 *
 * A message may go on over the lines below it (an NSError dump: "Desc   : ..."). A Console
 * copy saved by TextEdit as RTF keeps its RTF: its header lines are counted as header, its
 * escapes are read (\'93 is the opening quote, a line's trailing \ its line break), so the
 * message reads as the Console showed it. Lines without a date are dated from s->date_ref
 * (see source.h); the caller says in a note which date that was. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmtrace_common.h"
#include "devlog_common.h"
#include "parser.h"
#include "utf8.h"

enum al_style {
    AL_CONSOLE,     /* a copy from the Console app */
    AL_SHOW,        /* log show, default style */
    AL_SHOW_SYSLOG, /* log show --style syslog */
    AL_COMPACT,     /* log show --style compact */
    AL_SYSLOG,      /* the iOS syslog */
};

/* The fields of an entry's first line. */
struct al_head {
    enum al_style style;
    struct span type, date, time, host, process, pid, thread, sender, subsystem, category, msg;
    int y, mo, d, h, mi, s;
    int64_t us;
    enum date_missing missing;
    bool has_offset;
    int32_t off_min;
    enum level level;
};

/* What parsing keeps: whether the file is RTF, and the messages that needed their escapes
 * read, by the offset of their event. */
struct al_decoded {
    uint64_t off;  /* the event's offset in the text */
    size_t at, n;  /* its message in the arena */
};

struct al_state {
    bool rtf;
    char *arena;
    size_t narena, caparena;
    struct al_decoded *v;
    size_t nv, capv;
};

/* ---- small readers ------------------------------------------------------------------------ */

static bool span_eq_any_ci(struct span t, const char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (span_eq_ci(t, v[i]))
            return true;
    return false;
}

#define EQ_ANY(t, list) span_eq_any_ci((t), (list), sizeof (list) / sizeof (list)[0])

static const char *const console_types[] = { "Default", "Info", "Debug", "Error", "Fault",
                                             "Notice", "Activity" };
static const char *const compact_types[] = { "Df", "I", "In", "Db", "D", "De", "Er", "E", "Fa",
                                             "F", "A", "Ac", "S" };
static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* An RTF \uN escape (a character, not a control word) at p. */
static bool rtf_unicode(const char *p, const char *end)
{
    return end - p >= 3 && p[0] == '\\' && p[1] == 'u' && (dl_is_digit(p[2]) || p[2] == '-');
}

/* After one RTF control word (\fs24 and the space that ends it), or p when there is none. */
static const char *skip_rtf_control(const char *p, const char *end)
{
    if (end - p < 2 || p[0] != '\\' || !(p[1] >= 'a' && p[1] <= 'z') || rtf_unicode(p, end))
        return p;
    const char *q = p + 1;
    while (q < end && *q >= 'a' && *q <= 'z')
        q++;
    if (q < end && *q == '-')
        q++;
    while (q < end && dl_is_digit(*q))
        q++;
    if (q < end && *q == ' ')
        q++;
    return q;
}

/* After the RTF control words (\f0\fs24 \cf0 ) at the start of a line, in an RTF file. */
static const char *skip_rtf_controls(const char *p, const char *end)
{
    for (const char *q; (q = skip_rtf_control(p, end)) != p;)
        p = q;
    return p;
}

/* The text of a line once a BOM and, in RTF, the control words before it are passed. */
static struct span line_body(struct span line, bool rtf)
{
    const char *p = line.p, *end = line.p + line.n;
    if (end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    if (rtf)
        p = skip_rtf_controls(p, end);
    return span_make(p, (size_t)(end - p));
}

/* "(sender) [subsystem:category] " before a unified log message. */
static const char *message_prefixes(struct al_head *h, const char *p, const char *end)
{
    p = dl_skip_space(p, end);
    if (p < end && *p == '(') {
        const char *c = memchr(p, ')', (size_t)(end - p));
        if (c && c + 1 < end && c[1] == ' ' && !memchr(p, ' ', (size_t)(c - p))) {
            h->sender = span_make(p + 1, (size_t)(c - p - 1));
            p = dl_skip_space(c + 1, end);
        }
    }
    if (p < end && *p == '[') {
        const char *c = memchr(p, ']', (size_t)(end - p));
        const char *colon = c ? memchr(p, ':', (size_t)(c - p)) : NULL;
        /* a reverse-DNS subsystem, not "[file.cpp:62]" of the message */
        if (c && (c + 1 == end || c[1] == ' ') && !memchr(p, ' ', (size_t)(c - p)) &&
            (colon ? memchr(p, '.', (size_t)(colon - p)) != NULL && !memchr(colon, '.', (size_t)(c - colon))
                   : memchr(p, '.', (size_t)(c - p)) != NULL)) {
            const char *se = colon ? colon : c;
            h->subsystem = span_make(p + 1, (size_t)(se - p - 1));
            if (colon)
                h->category = span_make(colon + 1, (size_t)(c - colon - 1));
            p = dl_skip_space(c + 1, end);
        }
    }
    return p;
}

/* "name[123]", "name[123:1a2b]" or "name(Lib)[123]" at p: the first '[' of digits (and :hex)
 * ']' after the name, followed by one of the `stop` characters or the end (a name may hold
 * spaces: "Company Portal[4242:714e3fa]"). *after is just past the ']'. */
static bool process_pid(const char *p, const char *end, const char *stop, struct al_head *h,
                        const char **after)
{
    for (const char *b = p; b < end; b++) {
        if (*b != '[' || b == p)
            continue;
        const char *q = b + 1;
        while (q < end && dl_is_digit(*q))
            q++;
        if (q == b + 1)
            continue;
        const char *pid_end = q;
        if (q < end && *q == ':') {
            q++;
            while (q < end && ((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f') ||
                               (*q >= 'A' && *q <= 'F')))
                q++;
        }
        if (q >= end || *q != ']')
            continue;
        q++;
        if (q < end && (!*q || !strchr(stop, *q)))
            continue;
        const char *pe = b;
        const char *paren = memchr(p, '(', (size_t)(b - p));
        if (paren && b[-1] == ')' && paren > p) {
            h->sender = span_make(paren + 1, (size_t)(b - 1 - paren - 1));
            pe = paren;
        }
        h->process = span_make(p, (size_t)(pe - p));
        h->pid = span_make(b + 1, (size_t)(pid_end - b - 1));
        if (pid_end < q - 1 && *pid_end == ':')
            h->thread = span_make(pid_end + 1, (size_t)(q - 1 - pid_end - 1));
        *after = q;
        return true;
    }
    return false;
}

static enum level level_of_type(struct span t)
{
    static const char *const err[] = { "Error", "Fault", "Er", "E", "Fa", "F", "Err",
                                       "Critical", "Crit", "Alert", "Emergency", "Emerg" };
    static const char *const warn[] = { "Warning", "Warn" };
    if (EQ_ANY(t, err))
        return LEVEL_ERROR;
    if (EQ_ANY(t, warn))
        return LEVEL_WARNING;
    return LEVEL_INFO;
}

/* A time's problems in words (date_ok: the date was read and is to be checked). */
static bool check_time(struct al_head *h, bool date_ok, struct span what, char *why, size_t wn)
{
    const char *pb = NULL;
    if (date_ok && !civil_valid(h->y, h->mo, h->d, 0, 0, 0))
        pb = "no such day";
    else
        pb = dl_time_problem(h->h, h->mi, h->s);
    if (!pb)
        return true;
    cm_reason(why, wn, "bad time", what);
    size_t n = strlen(why);
    if (n < wn)
        snprintf(why + n, wn - n, ": %s", pb);
    return false;
}

/* ---- the three line shapes ---------------------------------------------------------------- */

/* `log show`: "YYYY-MM-DD HH:MM:SS[.f][+-hhmm] ..." */
static int read_show(const char *p, const char *end, struct al_head *h, char *why, size_t wn)
{
    if (!dl_read_ymd(p, end, &h->y, &h->mo, &h->d) || end - p < 13 || p[10] != ' ' ||
        !dl_is_digit(p[11]) || !dl_is_digit(p[12]))
        return 0;
    const char *q = p + 11;
    size_t k = dl_read_hms(q, end, &h->h, &h->mi, &h->s, &h->us);
    struct span tok = dl_token(p, end), tt = dl_token(q, end);
    struct span shown = span_make(p, (size_t)(tt.p + tt.n - p)); /* the date and time as written */
    if (!k) {
        cm_reason(why, wn, "bad time", shown);
        return -1;
    }
    q += k;
    size_t ko = dl_read_offset(q, end, &h->off_min);
    h->has_offset = ko > 0;
    q += ko;
    h->date = tok;
    h->time = span_make(p + 11, (size_t)(q - p - 11));
    if (q < end && !dl_is_space(*q)) {
        cm_reason(why, wn, "bad time", shown);
        return -1;
    }
    if (!check_time(h, true, span_make(p, (size_t)(q - p)), why, wn))
        return -1;
    h->missing = DATE_COMPLETE;
    struct span t1 = dl_token(q, end);
    const char *after;
    if (span_starts(t1, "0x")) {
        /* default: thread, type, activity, pid, ttl, then "process: message" */
        h->style = AL_SHOW;
        h->thread = t1;
        const char *at = t1.p + t1.n;
        struct span v[4];
        for (int i = 0; i < 4; i++) {
            v[i] = dl_token(at, end);
            at = v[i].p + v[i].n;
        }
        h->type = v[0];
        if (dl_all_digits(v[2]))
            h->pid = v[2];
        const char *r = dl_skip_space(at, end);
        const char *colon = r;
        while (colon < end && !(*colon == ':' && (colon + 1 == end || colon[1] == ' ')))
            colon++;
        if (colon < end) {
            h->process = span_make(r, (size_t)(colon - r));
            r = colon + 1;
        }
        h->msg.p = message_prefixes(h, r, end);
    } else if (EQ_ANY(t1, compact_types) &&
               process_pid(dl_skip_space(t1.p + t1.n, end), end, " ", h, &after)) {
        h->style = AL_COMPACT;
        h->type = t1;
        h->msg.p = message_prefixes(h, after, end);
    } else if (t1.n && process_pid(dl_skip_space(t1.p + t1.n, end), end, ":", h, &after)) {
        h->style = AL_SHOW_SYSLOG;
        h->host = t1;
        h->msg.p = message_prefixes(h, after < end ? after + 1 : end, end);
    } else {
        h->style = AL_SHOW; /* a date and a time, then something else: kept as the message */
        h->msg.p = dl_skip_space(q, end);
    }
    h->msg.n = (size_t)(end - h->msg.p);
    h->level = level_of_type(h->type);
    return 1;
}

/* The Console app: "Type [YYYY-MM-DD ]HH:MM:SS.f [+-hhmm] process message". */
static int read_console(const char *p, const char *end, struct al_head *h, char *why, size_t wn)
{
    struct span t = dl_token(p, end);
    if (t.p != p || !EQ_ANY(t, console_types))
        return 0;
    const char *q = dl_skip_space(t.p + t.n, end);
    if (q == t.p + t.n || q >= end || !dl_is_digit(*q))
        return 0;
    struct span tt = dl_token(q, end);
    h->missing = DATE_NO_DAY;
    if (dl_read_ymd(q, end, &h->y, &h->mo, &h->d)) {
        h->date = span_make(q, 10);
        h->missing = DATE_COMPLETE;
        q = dl_skip_space(q + 10, end);
        tt = dl_token(q, end);
    }
    size_t k = dl_read_hms(q, end, &h->h, &h->mi, &h->s, &h->us);
    if (!k) {
        if (h->missing == DATE_NO_DAY && !(end - q >= 3 && dl_is_digit(q[1]) && q[2] == ':'))
            return 0; /* "Error 404 ..." is not a Console line */
        cm_reason(why, wn, "bad time", tt);
        return -1;
    }
    const char *te = q + k;
    const char *z = dl_skip_space(te, end);
    size_t ko = dl_read_offset(z, end, &h->off_min);
    if (ko && (z + ko == end || dl_is_space(z[ko]))) {
        h->has_offset = true;
        te = z + ko;
    } else if (te < end && !dl_is_space(*te)) {
        cm_reason(why, wn, "bad time", tt);
        return -1;
    }
    h->time = span_make(q, (size_t)(te - q));
    if (!check_time(h, h->missing == DATE_COMPLETE, h->time, why, wn))
        return -1;
    h->style = AL_CONSOLE;
    h->type = t;
    /* the process: up to a tab when the copy is tab-separated (a name may hold spaces),
     * else one word */
    const char *r = dl_skip_space(te, end);
    bool tabs = te < end && memchr(te, '\t', (size_t)(r - te)) != NULL;
    const char *pe = r;
    if (tabs) {
        const char *tab = memchr(r, '\t', (size_t)(end - r));
        pe = tab ? tab : end;
    } else {
        while (pe < end && !dl_is_space(*pe))
            pe++;
    }
    h->process = span_make(r, (size_t)(pe - r));
    h->msg.p = dl_skip_space(pe, end);
    h->msg.n = (size_t)(end - h->msg.p);
    h->level = level_of_type(t);
    return 1;
}

/* The iOS syslog: "Mon DD HH:MM:SS host process[pid] <Level>: message". */
static int read_syslog(const char *p, const char *end, struct al_head *h, char *why, size_t wn)
{
    if (end - p < 6 || p[3] != ' ')
        return 0;
    int mo = 0;
    for (int i = 0; i < 12 && !mo; i++)
        if (memcmp(p, months[i], 3) == 0)
            mo = i + 1;
    if (!mo)
        return 0;
    const char *q = dl_skip_space(p + 3, end);
    int d;
    size_t kd = read_digits_upto(q, end, 2, &d);
    if (!kd || q + kd >= end || q[kd] != ' ')
        return 0;
    q = dl_skip_space(q + kd, end);
    struct span tt = dl_token(q, end);
    h->mo = mo;
    h->d = d;
    size_t k = dl_read_hms(q, end, &h->h, &h->mi, &h->s, &h->us);
    if (!k || (q + k < end && !dl_is_space(q[k]))) {
        if (!(end - q >= 3 && dl_is_digit(q[0]) && dl_is_digit(q[1]) && q[2] == ':'))
            return 0; /* "May 5 people ..." */
        cm_reason(why, wn, "bad time", tt);
        return -1;
    }
    h->date = span_make(p, (size_t)(tt.p - p));
    while (h->date.n && dl_is_space(h->date.p[h->date.n - 1]))
        h->date.n--;
    h->time = span_make(q, k);
    /* 2000 is a leap year: Feb 29 is a day; the year comes later */
    if (d < 1 || !civil_valid(2000, mo, d, 0, 0, 0)) {
        cm_reason(why, wn, "bad date", h->date);
        size_t n = strlen(why);
        if (n < wn)
            snprintf(why + n, wn - n, ": no such day");
        return -1;
    }
    if (!check_time(h, false, h->time, why, wn))
        return -1;
    struct span host = dl_token(q + k, end);
    const char *after;
    if (!host.n || !process_pid(dl_skip_space(host.p + host.n, end), end, " :", h, &after))
        return 0;
    const char *r = dl_skip_space(after, end);
    if (r < end && *r == '<') {
        const char *c = memchr(r, '>', (size_t)(end - r));
        if (!c)
            return 0;
        h->type = span_make(r + 1, (size_t)(c - r - 1));
        r = c + 1;
    } else if (!h->type.n && (after >= end || *after != ':')) {
        return 0;
    }
    if (r < end && *r == ':')
        r++;
    h->style = AL_SYSLOG;
    h->host = host;
    h->missing = DATE_NO_YEAR;
    h->msg.p = dl_skip_space(r, end);
    h->msg.n = (size_t)(end - h->msg.p);
    h->level = level_of_type(h->type);
    /* iOS writes the unified log's type into the message of a Notice: "(Error) MC: ..." */
    if (span_starts(h->msg, "(Error)") || span_starts(h->msg, "(Fault)"))
        h->level = LEVEL_ERROR;
    return 1;
}

/* 1: the line starts an entry, read into *h; -1: it starts like one but does not read (why);
 * 0: it does not. */
static int read_head(struct span line, bool rtf, struct al_head *h, char *why, size_t wn)
{
    memset(h, 0, sizeof *h);
    struct span b = line_body(line, rtf);
    const char *p = b.p, *end = b.p + b.n;
    if (!b.n)
        return 0;
    int r = 0;
    if (dl_is_digit(*p))
        r = read_show(p, end, h, why, wn);
    else if ((r = read_console(p, end, h, why, wn)) == 0)
        r = read_syslog(p, end, h, why, wn);
    return r;
}

/* Lines of `log show`'s header and summary, and of an RTF file's header. */
static bool is_header(struct span line, bool rtf)
{
    struct span t = span_trim(line);
    if (span_starts(t, "Timestamp ")) {
        struct span rest = span_trim(span_make(t.p + 10, t.n - 10));
        return span_starts(rest, "Thread") || span_starts(rest, "Ty ") ||
               span_starts(rest, "(process)");
    }
    if (span_starts(t, "Filtering the log data using") || span_starts(t, "Skipping info and debug"))
        return true;
    if (t.n >= 10) {
        size_t k = 0;
        while (k < t.n && t.p[k] == '-')
            k++;
        if (k == t.n)
            return true;
    }
    if ((span_starts(t, "Log ") || span_starts(t, "Activity ")) && span_find(t, " - ") &&
        span_find(t, ":"))
        return span_find(t, "Default:") || span_find(t, "Create:");
    if (span_starts(t, "{\\rtf") || span_starts(t, "{\\fonttbl") || span_starts(t, "{\\colortbl") ||
        span_starts(t, "{\\*\\"))
        return true;
    if (rtf) {
        if (span_eq(t, "}"))
            return true;
        const char *e = t.p + t.n;
        const char *q = skip_rtf_controls(t.p, e);
        return q == e && t.n > 0;
    }
    return false;
}

struct walk_ctx {
    bool rtf;
};

static bool boundary(struct span line, const void *ctx)
{
    const struct walk_ctx *w = ctx;
    struct al_head h;
    char why[8];
    return is_header(line, w->rtf) || read_head(line, w->rtf, &h, why, sizeof why) != 0;
}

/* ---- escapes ------------------------------------------------------------------------------ */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Is the rest of the line after p only spaces (a trailing backslash of an RTF line)? */
static bool rest_blank(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
        p++;
    return p == end || *p == '\n';
}

static bool needs_decoding(struct span m, bool rtf)
{
    const char *p = m.p, *end = m.p + m.n;
    if (rtf)
        return memchr(p, '\\', m.n) || memchr(p, '{', m.n) || memchr(p, '}', m.n);
    while ((p = memchr(p, '\\', (size_t)(end - p))) != NULL) {
        if (end - p >= 4 && p[1] == '\'' && hexval(p[2]) >= 0 && hexval(p[3]) >= 0)
            return true;
        p++;
        /* a backslash that ends a line of the message, with more lines after it */
        if (rest_blank(p, end) && memchr(p, '\n', (size_t)(end - p)))
            return true;
    }
    return false;
}

/* The message with its RTF-export escapes read, into out (room for 4 * m.n bytes): \'hh is
 * the Windows-1252 byte hh, a backslash that ends a line goes; in an RTF file \\ \{ \} are
 * their characters, \uN the code point N, other control words and group braces go. */
static size_t decode(struct span m, bool rtf, char *out)
{
    const char *p = m.p, *end = m.p + m.n;
    size_t n = 0;
    while (p < end) {
        char c = *p;
        if (c == '\\') {
            if (end - p >= 4 && p[1] == '\'' && hexval(p[2]) >= 0 && hexval(p[3]) >= 0) {
                unsigned char byte = (unsigned char)(hexval(p[2]) * 16 + hexval(p[3]));
                n += byte < 0x80 ? (out[n] = (char)byte, 1) : cp1252_to_utf8(&byte, 1, out + n);
                p += 4;
                continue;
            }
            if (rest_blank(p + 1, end)) {
                p++;
                while (p < end && (*p == ' ' || *p == '\t'))
                    p++;
                continue;
            }
            if (rtf && end - p >= 2 && (p[1] == '\\' || p[1] == '{' || p[1] == '}')) {
                out[n++] = p[1];
                p += 2;
                continue;
            }
            if (rtf && rtf_unicode(p, end)) {
                const char *q = p + 2;
                bool neg = *q == '-';
                if (neg)
                    q++;
                long v = 0;
                while (q < end && dl_is_digit(*q) && v < 70000)
                    v = v * 10 + (*q++ - '0');
                if (neg)
                    v = 65536 - v;
                if (q < end && *q == ' ')
                    q++;
                uint32_t cp = v > 0 && v < 0x110000 && !(v >= 0xD800 && v <= 0xDFFF)
                                  ? (uint32_t)v : 0xFFFD;
                n += utf8_encode(cp, out + n);
                p = q;
                continue;
            }
            if (rtf && end - p >= 2 && p[1] >= 'a' && p[1] <= 'z') {
                p = skip_rtf_control(p, end);
                continue;
            }
            out[n++] = c;
            p++;
            continue;
        }
        if (rtf && (c == '{' || c == '}')) {
            p++;
            continue;
        }
        if (c == '\r' && p + 1 < end && p[1] == '\n') {
            p++;
            continue;
        }
        out[n++] = c;
        p++;
    }
    while (n && (out[n - 1] == ' ' || out[n - 1] == '\t' || out[n - 1] == '\r'))
        n--;
    return n;
}

/* The message without a trailing RTF line break and spaces. */
static struct span trim_message(struct span m)
{
    while (m.n && (m.p[m.n - 1] == ' ' || m.p[m.n - 1] == '\t' || m.p[m.n - 1] == '\r'))
        m.n--;
    if (m.n && m.p[m.n - 1] == '\\' && !(m.n >= 2 && m.p[m.n - 2] == '\\')) {
        m.n--;
        while (m.n && (m.p[m.n - 1] == ' ' || m.p[m.n - 1] == '\t'))
            m.n--;
    }
    return m;
}

static bool keep_decoded(struct al_state *st, uint64_t off, struct span m)
{
    if (m.n > SIZE_MAX / 4 - st->narena)
        return false;
    size_t need = st->narena + 4 * m.n;
    if (need > st->caparena) {
        size_t cap = st->caparena ? st->caparena : 4096;
        while (cap < need)
            cap *= 2;
        char *a = realloc(st->arena, cap);
        if (!a)
            return false;
        st->arena = a;
        st->caparena = cap;
    }
    if (st->nv == st->capv) {
        size_t cap = st->capv ? st->capv * 2 : 64;
        struct al_decoded *v = realloc(st->v, cap * sizeof *v);
        if (!v)
            return false;
        st->v = v;
        st->capv = cap;
    }
    size_t n = decode(m, st->rtf, st->arena + st->narena);
    st->v[st->nv++] = (struct al_decoded){ off, st->narena, n };
    st->narena += n;
    return true;
}

/* ---- parsing ------------------------------------------------------------------------------ */

/* The dates of lines that lack one: the day (or year) of the line before, moved on when the
 * time (the month) goes back. */
struct dating {
    bool day_set, year_set;
    int64_t day;      /* days since 1970 */
    int64_t prev_tod; /* the last time of day, us */
    int64_t year;
    int prev_mo;
};

static int64_t wall_of(struct source *s, struct dating *dt, const struct al_head *h)
{
    int64_t tod = ((int64_t)h->h * 3600 + h->mi * 60 + h->s) * US_PER_SEC + h->us;
    int64_t ref_day = s->date_ref >= 0 ? s->date_ref / US_PER_DAY
                                       : -((-s->date_ref + US_PER_DAY - 1) / US_PER_DAY);
    if (h->missing == DATE_NO_DAY) {
        if (!dt->day_set) {
            dt->day = ref_day;
            dt->day_set = true;
        } else if (tod + 3600 * US_PER_SEC < dt->prev_tod) {
            dt->day++; /* past midnight */
        }
        dt->prev_tod = tod;
        if (s->date_missing == DATE_COMPLETE)
            s->date_missing = DATE_NO_DAY;
        return dt->day * US_PER_DAY + tod;
    }
    if (h->missing == DATE_NO_YEAR) {
        if (!dt->year_set) {
            int64_t y;
            unsigned m, d;
            civil_from_days(ref_day, &y, &m, &d);
            dt->year = y;
            dt->year_set = true;
        } else if (h->mo < dt->prev_mo) {
            dt->year++; /* past new year */
        }
        dt->prev_mo = h->mo;
        if (s->date_missing == DATE_COMPLETE)
            s->date_missing = DATE_NO_YEAR;
        return days_from_civil(dt->year, (unsigned)h->mo, (unsigned)h->d) * US_PER_DAY + tod;
    }
    return civil_to_us(h->y, h->mo, h->d, h->h, h->mi, h->s, h->us);
}

static bool raw_lines(struct source *s, struct evbuf *out, struct line_iter *it, bool rtf,
                      uint64_t entry_line, const char *why)
{
    struct line_iter look = *it;
    struct span l;
    char msg[120];
    struct walk_ctx w = { rtf };
    snprintf(msg, sizeof msg, "%s (the entry of line %llu)", why,
             (unsigned long long)entry_line);
    while (line_iter_next(&look, &l) && span_trim(l).n && !boundary(l, &w)) {
        if (!parse_emit_raw(s, out, l, look.lineno, msg))
            return false;
        *it = look;
    }
    return true;
}

static void applelog_free(struct source *s)
{
    struct al_state *st = s->pstate;
    if (st) {
        free(st->arena);
        free(st->v);
        free(st);
    }
    s->pstate = NULL;
}

static bool applelog_parse(struct source *s, struct evbuf *out)
{
    struct al_state *st = calloc(1, sizeof *st);
    if (!st)
        return false;
    s->pstate = st;
    s->role = ROLE_APPLE_LOG;
    s->date_missing = DATE_COMPLETE;
    st->rtf = s->size >= 5 && memcmp(s->text, "{\\rtf", 5) == 0;
    struct walk_ctx w = { st->rtf };
    struct dating dt = { 0 };
    struct line_iter it;
    struct span line;
    char why[160];
    bool ok = true, seen = false;
    line_iter_init(&it, s->text, s->size);
    while (ok && line_iter_next(&it, &line)) {
        if (span_trim(line).n == 0) {
            s->blank++;
            continue;
        }
        if (is_header(line, st->rtf)) {
            s->header++;
            continue;
        }
        struct al_head h;
        uint64_t first_no = it.lineno;
        int r = read_head(line, st->rtf, &h, why, sizeof why);
        if (r == 0) {
            ok = parse_emit_raw(s, out, line, first_no,
                                seen ? "not an Apple log entry (Console copy, log show, syslog)"
                                     : "line before the first Apple log entry");
            continue;
        }
        seen = true;
        if (r < 0) {
            ok = parse_emit_raw(s, out, line, first_no, why) &&
                 raw_lines(s, out, &it, st->rtf, first_no, "continues an unreadable entry");
            continue;
        }
        struct span last;
        uint64_t nlines;
        bool capped;
        dl_walk_continuation(&it, line, boundary, &w, &last, &nlines, &capped);
        int64_t wall = wall_of(s, &dt, &h);
        int64_t t = h.has_offset ? parse_to_utc(s, wall, ZONE_OFFSET, -h.off_min)
                                 : parse_to_utc(s, wall, ZONE_ASSUMED_UTC, 0);
        const char *rec_end = last.p + last.n;
        struct event *e = parse_emit(s, out, line.p, (size_t)(rec_end - line.p), first_no,
                                     nlines, t, h.level);
        ok = e != NULL;
        struct span m = span_make(h.msg.p, (size_t)(rec_end - h.msg.p));
        if (ok && needs_decoding(m, st->rtf))
            ok = keep_decoded(st, event_off(e), m);
        if (ok && capped) {
            source_note(s, first_no, "a message longer than %u lines or %u MiB: cut there",
                        DL_MAX_ENTRY_LINES, DL_MAX_ENTRY_BYTES >> 20);
            ok = raw_lines(s, out, &it, st->rtf, first_no, "past the length kept of a message");
        }
    }
    s->lines = it.lineno;
    return ok;
}

static bool head_of(const struct source *s, const struct event *ev, struct al_head *h)
{
    if (ev->flags & EVF_RAW)
        return false;
    const struct al_state *st = s->pstate;
    const char *p = s->text + event_off(ev);
    const char *nl = memchr(p, '\n', ev->len);
    size_t n = nl ? (size_t)(nl - p) : ev->len;
    if (n && p[n - 1] == '\r')
        n--;
    char why[8];
    return read_head(span_make(p, n), st && st->rtf, h, why, sizeof why) > 0;
}

static struct span applelog_message(const struct source *s, const struct event *ev)
{
    const struct al_state *st = s->pstate;
    uint64_t off = event_off(ev);
    if (st && st->nv) {
        size_t lo = 0, hi = st->nv;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (st->v[mid].off < off)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < st->nv && st->v[lo].off == off)
            return span_make(st->arena + st->v[lo].at, st->v[lo].n);
    }
    struct al_head h;
    const char *p = s->text + off;
    if (!head_of(s, ev, &h))
        return span_make(p, ev->len);
    return trim_message(span_make(h.msg.p, (size_t)(p + ev->len - h.msg.p)));
}

static bool applelog_field(const struct source *s, const struct event *ev, const char *name,
                           struct span *out)
{
    struct al_head h;
    if (!head_of(s, ev, &h))
        return false;
    const struct {
        const char *name;
        struct span v;
    } f[] = { { "type", h.type },         { "process", h.process },     { "pid", h.pid },
              { "thread", h.thread },     { "host", h.host },           { "sender", h.sender },
              { "subsystem", h.subsystem }, { "category", h.category }, { "date", h.date },
              { "time", h.time } };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        if (strcmp(name, f[i].name) == 0) {
            if (!f[i].v.n)
                return false;
            *out = f[i].v;
            return true;
        }
    }
    return false;
}

static int applelog_sniff(const char *head, size_t n)
{
    struct line_iter it;
    struct span line;
    unsigned entries = 0, lines = 0;
    bool header = false, apple = false;
    bool rtf = n >= 5 && memcmp(head, "{\\rtf", 5) == 0;
    char why[8];
    line_iter_init(&it, head, n);
    while (lines < 200 && line_iter_next(&it, &line)) {
        if (span_trim(line).n == 0)
            continue;
        lines++;
        if (is_header(line, rtf)) {
            struct span t = span_trim(line);
            header |= span_starts(t, "Timestamp ");
            continue;
        }
        struct al_head h;
        if (read_head(line, rtf, &h, why, sizeof why) <= 0)
            continue;
        bool ours = span_eq(h.process, "profiled") || span_eq(h.process, "mdmclient") ||
                    span_eq(h.process, "dmd") || span_eq(h.process, "mdmd") ||
                    span_find(h.msg, "mscep") != NULL;
        /* a date and a time alone could be any log; a syslog line without the <Level> of
         * iOS could be any Unix syslog */
        if ((h.style == AL_SHOW && !h.thread.n) || (h.style == AL_SYSLOG && !h.type.n && !ours))
            continue;
        entries++;
        apple |= ours;
    }
    if (!entries)
        return 0;
    if (header || apple)
        return 95;
    return entries >= 2 ? 85 : 60;
}

const struct parser parser_applelog = {
    .name = "applelog",
    .title = "Apple device log (Console copy, log show, iOS syslog)",
    .sniff = applelog_sniff,
    .parse = applelog_parse,
    .message = applelog_message,
    .field = applelog_field,
    .free_state = applelog_free,
};
