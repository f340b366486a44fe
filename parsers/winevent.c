/* winevent.c - Windows events rendered as lines: a small bounded scanner for the XML of one
 * event (as wevtutil qe /f:xml, Event Viewer's "Save as XML" and libevtx write it), and the
 * index of the fields of each rendered line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeutil.h"
#include "winevent.h"

/* ---- the rendered text -------------------------------------------------------------------- */

bool wev_out_init(struct wev_out *o)
{
    memset(o, 0, sizeof *o);
    o->st = calloc(1, sizeof *o->st);
    return o->st != NULL;
}

void wev_out_free(struct wev_out *o)
{
    free(o->buf);
    if (o->st) {
        free(o->st->r);
        free(o->st->f);
        free(o->st->aux);
        free(o->st);
    }
    memset(o, 0, sizeof *o);
}

static bool grow(struct wev_out *o, size_t more)
{
    if (o->oom)
        return false;
    if (o->n + more + 1 <= o->cap)
        return true;
    if (o->n + more + 1 > UINT32_MAX) { /* field offsets are 32 bits */
        o->oom = true;
        return false;
    }
    size_t cap = o->cap ? o->cap : 4096;
    while (cap < o->n + more + 1)
        cap *= 2;
    char *b = realloc(o->buf, cap);
    if (!b) {
        o->oom = true;
        return false;
    }
    o->buf = b;
    o->cap = cap;
    return true;
}

static void put(struct wev_out *o, const char *p, size_t n)
{
    if (!grow(o, n))
        return;
    memcpy(o->buf + o->n, p, n);
    o->n += n;
}

static void putc_(struct wev_out *o, char c)
{
    put(o, &c, 1);
}

static void put_utf8(struct wev_out *o, unsigned long cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xc0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xe0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        b[0] = (char)(0xf0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    put(o, b, n);
}

/* An entity at p ("&amp;", "&#x1b;"...): its code point and length, or false. */
static bool entity(const char *p, const char *e, unsigned long *cp, size_t *len)
{
    static const struct { const char *name; char c; } named[] = {
        { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&apos;", '\'' },
    };
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        size_t k = strlen(named[i].name);
        if ((size_t)(e - p) >= k && memcmp(p, named[i].name, k) == 0) {
            *cp = (unsigned char)named[i].c;
            *len = k;
            return true;
        }
    }
    if (e - p < 4 || p[1] != '#')
        return false;
    const char *q = p + 2;
    bool hex = q < e && (*q == 'x' || *q == 'X');
    if (hex)
        q++;
    unsigned long v = 0;
    size_t digits = 0;
    for (; q < e && digits < 8; q++, digits++) {
        int d;
        if (*q >= '0' && *q <= '9')
            d = *q - '0';
        else if (hex && *q >= 'a' && *q <= 'f')
            d = *q - 'a' + 10;
        else if (hex && *q >= 'A' && *q <= 'F')
            d = *q - 'A' + 10;
        else
            break;
        v = v * (hex ? 16 : 10) + (unsigned long)d;
    }
    if (!digits || q >= e || *q != ';' || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return false;
    *cp = v;
    *len = (size_t)(q + 1 - p);
    return true;
}

/* XML text [p, p + n) decoded (entities), whitespace runs as one space, trimmed, cut at
 * WEV_VALUE_MAX bytes: the line never holds a line end. */
static void put_text(struct wev_out *o, const char *p, size_t n)
{
    const char *e = p + n;
    size_t start = o->n;
    bool space = false;
    while (p < e) {
        if (o->n - start >= WEV_VALUE_MAX) {
            put(o, "...", 3);
            return;
        }
        unsigned char c = (unsigned char)*p;
        unsigned long cp = c;
        size_t len = 1;
        bool decoded = c == '&' && entity(p, e, &cp, &len);
        if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r') {
            space = o->n > start;
            p += len;
            continue;
        }
        if (space)
            putc_(o, ' ');
        space = false;
        if (decoded) {
            if (cp)
                put_utf8(o, cp);
        } else {
            putc_(o, (char)c);
        }
        p += len;
    }
}

/* ---- the XML of one event ----------------------------------------------------------------- */

struct xtag {
    struct span name;  /* without a namespace prefix */
    struct span attrs;
    bool close, selfclose, special;
    const char *end;   /* after '>' */
};

/* The tag at p (*p == '<'), bounded by e. False when it does not end before e. */
static bool next_tag(const char *p, const char *e, struct xtag *t)
{
    memset(t, 0, sizeof *t);
    struct span rest = span_make(p, (size_t)(e - p));
    if (span_starts(rest, "<!--") || span_starts(rest, "<?") || span_starts(rest, "<!")) {
        const char *z = span_starts(rest, "<!--") ? span_find(rest, "-->")
                        : span_starts(rest, "<?") ? span_find(rest, "?>") : span_find(rest, ">");
        if (!z)
            return false;
        t->special = true;
        t->end = z + (span_starts(rest, "<!--") ? 3 : span_starts(rest, "<?") ? 2 : 1);
        return true;
    }
    const char *q = p + 1;
    if (q < e && *q == '/') {
        t->close = true;
        q++;
    }
    const char *n0 = q;
    while (q < e && *q != '>' && *q != '/' && *q != ' ' && *q != '\t' && *q != '\r' &&
           *q != '\n')
        q++;
    t->name = span_make(n0, (size_t)(q - n0));
    const char *colon = memchr(t->name.p, ':', t->name.n);
    if (colon)
        t->name = span_make(colon + 1, (size_t)(t->name.p + t->name.n - colon - 1));
    const char *a0 = q;
    char quote = 0;
    for (; q < e; q++) {
        if (quote) {
            if (*q == quote)
                quote = 0;
        } else if (*q == '"' || *q == '\'') {
            quote = *q;
        } else if (*q == '>') {
            break;
        }
    }
    if (q >= e)
        return false;
    t->selfclose = q > a0 && q[-1] == '/';
    t->attrs = span_make(a0, (size_t)(q - a0 - (t->selfclose ? 1 : 0)));
    t->end = q + 1;
    return true;
}

/* The value of attribute name in a tag's attributes, without its quotes. */
static bool attr(struct span a, const char *name, struct span *out)
{
    size_t k = strlen(name);
    const char *p = a.p, *e = a.p + a.n;
    while (p < e) {
        const char *hit = span_find(span_make(p, (size_t)(e - p)), name);
        if (!hit)
            return false;
        const char *q = hit + k;
        bool boundary = hit == a.p || hit[-1] == ' ' || hit[-1] == '\t' || hit[-1] == '\n' ||
                        hit[-1] == '\r';
        while (q < e && (*q == ' ' || *q == '\t'))
            q++;
        if (boundary && q < e && *q == '=') {
            q++;
            while (q < e && (*q == ' ' || *q == '\t'))
                q++;
            if (q < e && (*q == '"' || *q == '\'')) {
                const char *z = memchr(q + 1, *q, (size_t)(e - q - 1));
                if (!z)
                    return false;
                *out = span_make(q + 1, (size_t)(z - q - 1));
                return true;
            }
        }
        p = hit + k;
    }
    return false;
}

/* The text after a tag, up to the next '<'. */
static struct span text_after(const char *p, const char *e)
{
    const char *z = memchr(p, '<', (size_t)(e - p));
    return span_make(p, (size_t)((z ? z : e) - p));
}

#define WEV_FIELDS_MAX 256

struct draft {
    struct span key[WK_COUNT];
    bool has[WK_COUNT];
    struct span level, keywords, time;
    bool has_level, has_keywords, has_time;
    size_t nf;
    struct span fname[WEV_FIELDS_MAX], fval[WEV_FIELDS_MAX];
    bool fnamed[WEV_FIELDS_MAX];
    unsigned fdata; /* Data without a name, numbered */
};

static void add_field(struct draft *d, struct span name, bool named, struct span val)
{
    if (d->nf >= WEV_FIELDS_MAX)
        return;
    d->fname[d->nf] = name;
    d->fnamed[d->nf] = named;
    d->fval[d->nf] = val;
    d->nf++;
}

enum ctx { C_NONE, C_SYSTEM, C_EVENTDATA, C_USERDATA, C_RENDERING };

static void scan_event(const char *p, const char *e, struct draft *d)
{
    enum ctx ctx = C_NONE;
    int ud_depth = 0;
    struct span pending = { 0 }, pending_tag = { 0 };
    bool have_pending = false;
    struct span pending_val = { 0 };
    while (p < e) {
        const char *lt = memchr(p, '<', (size_t)(e - p));
        if (!lt)
            break;
        struct xtag t;
        if (!next_tag(lt, e, &t))
            break;
        p = t.end;
        if (t.special)
            continue;
        if (t.close) {
            if (have_pending && t.name.n == pending_tag.n &&
                memcmp(t.name.p, pending_tag.p, t.name.n) == 0) {
                add_field(d, pending, true, pending_val);
                have_pending = false;
            }
            if (span_eq(t.name, "System") || span_eq(t.name, "EventData") ||
                span_eq(t.name, "RenderingInfo") || (span_eq(t.name, "UserData")))
                ctx = C_NONE;
            else if (ctx == C_USERDATA && ud_depth > 0)
                ud_depth--;
            continue;
        }
        have_pending = false;
        struct span txt = t.selfclose ? span_make(p, 0) : text_after(p, e);
        struct span v;
        if (span_eq(t.name, "System")) {
            ctx = C_SYSTEM;
        } else if (span_eq(t.name, "EventData")) {
            ctx = C_EVENTDATA;
        } else if (span_eq(t.name, "UserData")) {
            ctx = C_USERDATA;
            ud_depth = 0;
        } else if (span_eq(t.name, "RenderingInfo")) {
            ctx = C_RENDERING;
        } else if (ctx == C_SYSTEM) {
            if (span_eq(t.name, "Provider")) {
                if (attr(t.attrs, "Name", &v) || attr(t.attrs, "EventSourceName", &v)) {
                    d->key[WK_PROVIDER] = v;
                    d->has[WK_PROVIDER] = true;
                }
            } else if (span_eq(t.name, "TimeCreated")) {
                if (attr(t.attrs, "SystemTime", &v)) {
                    d->time = v;
                    d->has_time = true;
                }
            } else if (span_eq(t.name, "EventID")) {
                d->key[WK_ID] = span_trim(txt);
                d->has[WK_ID] = true;
            } else if (span_eq(t.name, "Channel")) {
                d->key[WK_CHANNEL] = span_trim(txt);
                d->has[WK_CHANNEL] = true;
            } else if (span_eq(t.name, "Computer")) {
                d->key[WK_COMPUTER] = span_trim(txt);
                d->has[WK_COMPUTER] = true;
            } else if (span_eq(t.name, "EventRecordID")) {
                d->key[WK_RECORD] = span_trim(txt);
                d->has[WK_RECORD] = true;
            } else if (span_eq(t.name, "Level")) {
                d->level = span_trim(txt);
                d->has_level = true;
            } else if (span_eq(t.name, "Keywords")) {
                d->keywords = span_trim(txt);
                d->has_keywords = true;
            }
        } else if (ctx == C_EVENTDATA) {
            if (span_eq(t.name, "Data")) {
                if (!attr(t.attrs, "Name", &v)) {
                    d->fdata++;
                    add_field(d, span_make(NULL, d->fdata), false, txt);
                } else if (t.selfclose) {
                    add_field(d, v, true, span_make(p, 0));
                } else {
                    pending = v;
                    pending_tag = t.name;
                    pending_val = txt;
                    have_pending = true;
                }
            }
        } else if (ctx == C_USERDATA) {
            if (!t.selfclose)
                ud_depth++;
            if (!t.selfclose && ud_depth == 2) {
                pending = t.name;
                pending_tag = t.name;
                pending_val = txt;
                have_pending = true;
            } else if (t.selfclose && ud_depth == 1) {
                add_field(d, t.name, true, span_make(p, 0));
            }
        } else if (ctx == C_RENDERING) {
            if (span_eq(t.name, "Message")) {
                d->key[WK_MESSAGE] = txt;
                d->has[WK_MESSAGE] = true;
            }
        }
    }
}

static bool span_u64(struct span v, uint64_t *out)
{
    return span_to_u64(span_trim(v), out);
}

bool wev_parse_systemtime(const char *p, size_t n, int64_t *us)
{
    int y, mo, d, h, mi, s;
    if (n < 19 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != ' ') ||
        p[13] != ':' || p[16] != ':')
        return false;
    if (!read_digits(p, 4, &y) || !read_digits(p + 5, 2, &mo) || !read_digits(p + 8, 2, &d) ||
        !read_digits(p + 11, 2, &h) || !read_digits(p + 14, 2, &mi) ||
        !read_digits(p + 17, 2, &s) || !civil_valid(y, mo, d, h, mi, s))
        return false;
    const char *q = p + 19, *e = p + n;
    int64_t frac = 0;
    if (q < e && *q == '.') {
        q++;
        int v = 0;
        size_t k = read_digits_upto(q, e, 9, &v);
        if (!k)
            return false;
        frac = fraction_to_us(v, k);
        q += k;
        while (q < e && *q >= '0' && *q <= '9')
            q++;
    }
    int64_t t = civil_to_us(y, mo, d, h, mi, s, frac);
    if (q < e && (*q == '+' || *q == '-')) {
        char off[8];
        size_t k = (size_t)(e - q) < sizeof off - 1 ? (size_t)(e - q) : sizeof off - 1;
        memcpy(off, q, k);
        off[k] = 0;
        int32_t o;
        if (!parse_utc_offset(off, &o))
            return false;
        t -= (int64_t)o * US_PER_SEC;
    }
    *us = t;
    return true;
}

enum role wev_role_of(const char *channel, size_t nc, const char *provider, size_t np,
                      uint64_t id)
{
    struct span ch = span_make(channel ? channel : "", channel ? nc : 0);
    struct span pr = span_make(provider ? provider : "", provider ? np : 0);
    bool security = span_eq_ci(ch, "Security") || span_find_ci(pr, "Security-Auditing");
    if ((security && id >= 4886 && id <= 4889) || span_find_ci(pr, "CertificationAuthority"))
        return ROLE_CA_EVENTS;
    if (span_find_ci(pr, "NetworkDeviceEnrollmentService") || span_find_ci(pr, "MSCEP"))
        return ROLE_NDES_EVENTS;
    if (span_find_ci(pr, "DeviceManagement-Enterprise-Diagnostics-Provider") ||
        span_find_ci(pr, "CertificateServicesClient-CertEnroll"))
        return ROLE_DEVICE_EVENTS;
    return ROLE_EVENTS;
}

static void count_role(struct wev_out *o, enum role r)
{
    if (r == ROLE_CA_EVENTS)
        o->n_ca++;
    else if (r == ROLE_NDES_EVENTS)
        o->n_ndes++;
    else if (r == ROLE_DEVICE_EVENTS)
        o->n_device++;
}

enum role wev_role(const struct wev_out *o)
{
    if (!o->n_ca && !o->n_ndes && !o->n_device)
        return ROLE_EVENTS;
    if (o->n_ca >= o->n_ndes && o->n_ca >= o->n_device)
        return ROLE_CA_EVENTS;
    if (o->n_ndes >= o->n_device)
        return ROLE_NDES_EVENTS;
    return ROLE_DEVICE_EVENTS;
}

static struct wev_rec *new_rec(struct wev_out *o)
{
    struct wev_state *st = o->st;
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 64;
        struct wev_rec *v = realloc(st->r, cap * sizeof *v);
        if (!v) {
            o->oom = true;
            return NULL;
        }
        st->r = v;
        st->cap = cap;
    }
    struct wev_rec *r = &st->r[st->n++];
    memset(r, 0, sizeof *r);
    r->off = o->n;
    r->f0 = (uint32_t)st->nf;
    r->t = TIME_NONE;
    return r;
}

static struct wev_field *new_field(struct wev_out *o)
{
    struct wev_state *st = o->st;
    if (st->nf == st->capf) {
        size_t cap = st->capf ? st->capf * 2 : 256;
        struct wev_field *v = realloc(st->f, cap * sizeof *v);
        if (!v) {
            o->oom = true;
            return NULL;
        }
        st->f = v;
        st->capf = cap;
    }
    return &st->f[st->nf++];
}

/* Writes a key's value and records where it is. */
static void put_key(struct wev_out *o, struct wev_rec *r, enum wev_key k, struct span v)
{
    size_t at = o->n;
    put_text(o, v.p, v.n);
    r->key_off[k] = (uint32_t)at;
    r->key_len[k] = (uint32_t)(o->n - at);
}

bool wev_render_xml(struct wev_out *o, const char *p, size_t n, uint64_t fallback_line)
{
    struct draft *d = calloc(1, sizeof *d);
    if (!d)
        return false;
    scan_event(p, p + n, d);
    size_t ri = o->st->n;
    struct wev_rec *r = new_rec(o);
    if (!r) {
        free(d);
        return false;
    }
    uint64_t id = 0, rec = 0, lv = 4;
    if (d->has[WK_ID])
        span_u64(d->key[WK_ID], &id);
    r->line = d->has[WK_RECORD] && span_u64(d->key[WK_RECORD], &rec) && rec ? rec : fallback_line;
    if (d->has[WK_RECORD] && span_u64(d->key[WK_RECORD], &rec)) {
        struct wev_state *st = o->st;
        char digits[24];
        int k = snprintf(digits, sizeof digits, "%llu", (unsigned long long)rec);
        if (st->naux + (size_t)k > st->capaux) {
            size_t cap = st->capaux ? st->capaux * 2 : 1024;
            while (cap < st->naux + (size_t)k)
                cap *= 2;
            char *v = realloc(st->aux, cap);
            if (!v) {
                free(d);
                o->oom = true;
                return false;
            }
            st->aux = v;
            st->capaux = cap;
        }
        memcpy(st->aux + st->naux, digits, (size_t)k);
        r->key_off[WK_RECORD] = (uint32_t)st->naux;
        r->key_len[WK_RECORD] = (uint32_t)k;
        st->naux += (size_t)k;
    }
    int64_t t;
    if (d->has_time && wev_parse_systemtime(d->time.p, d->time.n, &t))
        r->t = t;
    if (d->has_level)
        span_u64(d->level, &lv);
    r->level = lv == 1 || lv == 2 ? LEVEL_ERROR : lv == 3 ? LEVEL_WARNING : LEVEL_INFO;
    if (d->has_keywords && span_find_ci(d->keywords, "0x8010000000000000"))
        r->level = LEVEL_ERROR; /* audit failure */
    count_role(o, wev_role_of(d->key[WK_CHANNEL].p, d->key[WK_CHANNEL].n, d->key[WK_PROVIDER].p,
                              d->key[WK_PROVIDER].n, id));
    /* "[Channel Id] Provider Computer: message Name=Value ..." */
    putc_(o, '[');
    if (d->has[WK_CHANNEL] && d->key[WK_CHANNEL].n) {
        put_key(o, r, WK_CHANNEL, d->key[WK_CHANNEL]);
        putc_(o, ' ');
    }
    put_key(o, r, WK_ID, d->has[WK_ID] ? d->key[WK_ID] : span_make("?", 1));
    put(o, "] ", 2);
    if (d->has[WK_PROVIDER])
        put_key(o, r, WK_PROVIDER, d->key[WK_PROVIDER]);
    if (d->has[WK_COMPUTER]) {
        putc_(o, ' ');
        put_key(o, r, WK_COMPUTER, d->key[WK_COMPUTER]);
    }
    putc_(o, ':');
    if (d->has[WK_MESSAGE] && d->key[WK_MESSAGE].n) {
        putc_(o, ' ');
        put_key(o, r, WK_MESSAGE, d->key[WK_MESSAGE]);
    }
    for (size_t i = 0; i < d->nf && !o->oom; i++) {
        struct wev_field *f = new_field(o);
        if (!f)
            break;
        r = &o->st->r[ri];
        putc_(o, ' ');
        size_t at = o->n;
        if (d->fnamed[i]) {
            put_text(o, d->fname[i].p, d->fname[i].n);
        } else {
            char nm[24];
            int k = snprintf(nm, sizeof nm, "Data%zu", d->fname[i].n);
            put(o, nm, (size_t)k);
        }
        f->name_off = (uint32_t)at;
        f->name_len = (uint32_t)(o->n - at);
        putc_(o, '=');
        at = o->n;
        put_text(o, d->fval[i].p, d->fval[i].n);
        f->val_off = (uint32_t)at;
        f->val_len = (uint32_t)(o->n - at);
        r->nf++;
    }
    putc_(o, '\n');
    free(d);
    return !o->oom;
}

bool wev_render_raw(struct wev_out *o, const char *p, size_t n, uint64_t line)
{
    struct wev_rec *r = new_rec(o);
    if (!r)
        return false;
    r->raw = true;
    r->line = line;
    size_t k = n < WEV_VALUE_MAX ? n : WEV_VALUE_MAX;
    for (size_t i = 0; i < k; i++) {
        char c = p[i];
        putc_(o, c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
    }
    if (k < n)
        put(o, "...", 3);
    putc_(o, '\n');
    return !o->oom;
}

bool wev_finish(struct source *s, struct evbuf *out, struct wev_out *o)
{
    if (o->oom)
        return false;
    if (!grow(o, 0))
        return false;
    o->buf[o->n] = 0;
    free(s->heap);
    s->heap = o->buf;
    s->text = o->buf;
    s->size = o->n;
    s->pstate = o->st;
    struct wev_state *st = o->st;
    o->buf = NULL;
    o->st = NULL;
    for (size_t i = 0; i < st->n; i++) {
        const struct wev_rec *r = &st->r[i];
        size_t end = i + 1 < st->n ? st->r[i + 1].off : s->size;
        size_t len = end - r->off - 1; /* without its '\n' */
        if (r->raw) {
            if (!parse_emit_raw(s, out, span_make(s->text + r->off, len), r->line,
                                "not a whole event (cut short?)"))
                return false;
            continue;
        }
        int64_t t = r->t == TIME_NONE ? TIME_NONE : parse_to_utc(s, r->t, ZONE_UTC, 0);
        if (!parse_emit(s, out, s->text + r->off, len, r->line, 1, t, (enum level)r->level))
            return false;
    }
    s->lines = st->n;
    return true;
}

/* ---- parser operations -------------------------------------------------------------------- */

static const struct wev_rec *rec_of(const struct source *s, const struct event *ev)
{
    const struct wev_state *st = s->pstate;
    if (!st || !st->n)
        return NULL;
    uint64_t off = event_off(ev);
    size_t lo = 0, hi = st->n;
    while (lo < hi) {
        size_t m = lo + (hi - lo) / 2;
        if (st->r[m].off < off)
            lo = m + 1;
        else
            hi = m;
    }
    return lo < st->n && st->r[lo].off == off ? &st->r[lo] : NULL;
}

struct span wev_message(const struct source *s, const struct event *ev)
{
    return span_make(s->text + event_off(ev), ev->len);
}

bool wev_field(const struct source *s, const struct event *ev, const char *name,
               struct span *out)
{
    const struct wev_rec *r = rec_of(s, ev);
    if (!r || r->raw)
        return false;
    static const char *const keys[WK_COUNT] = { "channel", "provider", "event-id",
                                                "computer", "record", "message" };
    for (int k = 0; k < WK_COUNT; k++) {
        if (strcmp(name, keys[k]) != 0)
            continue;
        const struct wev_state *st = s->pstate;
        if (k == WK_RECORD) {
            if (!r->key_len[k])
                return false;
            *out = span_make(st->aux + r->key_off[k], r->key_len[k]);
            return true;
        }
        if (!r->key_off[k] && !r->key_len[k])
            return false;
        *out = span_make(s->text + r->key_off[k], r->key_len[k]);
        return true;
    }
    if (strcmp(name, "level") == 0) {
        *out = span_cstr(level_name((enum level)r->level));
        return true;
    }
    const struct wev_state *st = s->pstate;
    for (uint32_t i = 0; i < r->nf; i++) {
        const struct wev_field *f = &st->f[r->f0 + i];
        if (strlen(name) == f->name_len &&
            span_eq_ci(span_make(s->text + f->name_off, f->name_len), name)) {
            *out = span_make(s->text + f->val_off, f->val_len);
            return true;
        }
    }
    return false;
}

void wev_free_state(struct source *s)
{
    struct wev_state *st = s->pstate;
    if (!st)
        return;
    free(st->r);
    free(st->f);
    free(st->aux);
    free(st);
    s->pstate = NULL;
}
