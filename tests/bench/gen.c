/* gen - benchmark data generator for scepscope.
 *
 *   gen OUTDIR SIZE_MB [SEED [DAYS]]
 *
 * Writes, deterministically for a seed, a case folder OUTDIR/{ndes,crp}/ of about SIZE_MB
 * (1 MB = 1 000 000 bytes) modelled on samples/busy-day: several days of an NDES server behind a
 * WAP, with thousands of devices polling GetCACert/GetCACaps and thousands of enrollments going
 * through the NDES policy module and the ConfigMgr Certificate Registration Point. DAYS defaults
 * to one day per 33 MB (at least 3), so that every size has the same density of traffic (about
 * 1 000 enrollments and 120 000 polls a day) and sizes differ only in length.
 *
 *   ndes/u_exYYMMDD.log   NDES IIS (W3C, CRLF), one file a day: a header block at the top, and
 *                         one IIS restart a day with a new #Fields block in another field order
 *   ndes/NDESPlugin.lo_   NDESPlugin.log (CMTrace, "+00" bias), rotated once when there are
 *   ndes/NDESPlugin.log   two days or more (one file otherwise)
 *   crp/u_exYYMMDD.log    CRP IIS: POST VerifyRequest 201, POST Notify 204 (one file a day)
 *   crp/CRP.log           CRP.log (CMTrace, 7 fraction digits, no bias)
 *
 * The CRP server's clock runs 3.2 s behind NDES's (both CRP logs), as in busy-day. About one
 * enrollment in 500 fails, in turn: CRP validation phase 3 False ("Verify challenge returns
 * false"), PKIOperation refused by request filtering (404 15, 6.3 KB query), and the policy
 * module's TLS failure towards the CRP (Error 12175). About 85% of the bytes are NDES IIS.
 *
 * Only libc. Own xorshift PRNG (never rand()); output through large buffers and fwrite.
 * Prints one summary line: files, bytes, lines, attempts, failures.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

/* ---- time: 100 ns ticks since 00:00:00 UTC of the first day ------------------------------- */
#define TMS  INT64_C(10000)            /* ticks per millisecond */
#define TSEC INT64_C(10000000)         /* ticks per second */
#define TDAY (INT64_C(86400) * TSEC)   /* ticks per day */
#define CRP_SKEW (3200 * TMS)          /* the CRP server's clock is 3.2 s behind */

/* first day: 2016-06-27, so that a week crosses into July */
#define BASE_Y 2016
#define BASE_M 6
#define BASE_D 27

/* ---- PRNG: xorshift64*, seeded through splitmix64 ------------------------------------------ */
static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
    uint64_t z = seed + UINT64_C(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    z ^= z >> 31;
    rng_state = z ? z : UINT64_C(0x1234567887654321);
}

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * UINT64_C(0x2545F4914F6CDD1D);
}

/* uniform in [0, n) */
static uint32_t rndn(uint32_t n)
{
    return (uint32_t)(((rnd() >> 32) * (uint64_t)n) >> 32);
}

/* uniform in [lo, hi] */
static int64_t rndr(int64_t lo, int64_t hi)
{
    uint64_t span = (uint64_t)(hi - lo) + 1;
    return lo + (int64_t)(rnd() % span);
}

/* ---- civil dates ---------------------------------------------------------------------------- */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

struct civil {
    int y;
    int m;
    int d;
};

static struct civil civil_from_days(int64_t z)
{
    struct civil c;
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    c.d = (int)(doy - (153 * mp + 2) / 5 + 1);
    c.m = (int)(mp < 10 ? mp + 3 : mp - 9);
    c.y = (int)(y + (c.m <= 2));
    return c;
}

static int64_t base_days;

struct stamp {
    struct civil c;
    int hh, mm, ss;
    int64_t frac; /* ticks within the second: 0..9999999 */
};

static struct stamp stamp_of(int64_t t)
{
    struct stamp s;
    int64_t day = t >= 0 ? t / TDAY : (t - TDAY + 1) / TDAY;
    int64_t rem = t - day * TDAY;
    s.c = civil_from_days(base_days + day);
    int64_t sec = rem / TSEC;
    s.frac = rem % TSEC;
    s.hh = (int)(sec / 3600);
    s.mm = (int)(sec / 60 % 60);
    s.ss = (int)(sec % 60);
    return s;
}

/* ---- line building -------------------------------------------------------------------------- */
struct lb {
    char *p;
    size_t len;
    size_t cap;
};

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "gen: out of memory\n");
        exit(2);
    }
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "gen: out of memory\n");
        exit(2);
    }
    return q;
}

static void lb_grow(struct lb *b, size_t need)
{
    if (b->len + need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + need)
        cap *= 2;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
}

static void put_mem(struct lb *b, const char *s, size_t n)
{
    lb_grow(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void put_s(struct lb *b, const char *s)
{
    put_mem(b, s, strlen(s));
}

static void put_c(struct lb *b, char c)
{
    lb_grow(b, 1);
    b->p[b->len++] = c;
}

static void put_u(struct lb *b, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    lb_grow(b, (size_t)n);
    while (n)
        b->p[b->len++] = tmp[--n];
}

static void put_i(struct lb *b, int64_t v)
{
    if (v < 0) {
        put_c(b, '-');
        put_u(b, (uint64_t)(-(v + 1)) + 1);
    } else {
        put_u(b, (uint64_t)v);
    }
}

/* v zero-padded to w digits */
static void put_z(struct lb *b, uint64_t v, int w)
{
    lb_grow(b, (size_t)w);
    for (int i = w - 1; i >= 0; i--) {
        b->p[b->len + (size_t)i] = (char)('0' + v % 10);
        v /= 10;
    }
    b->len += (size_t)w;
}

/* YYYY-MM-DD HH:MM:SS */
static void put_iis_datetime(struct lb *b, int64_t t)
{
    struct stamp s = stamp_of(t);
    put_z(b, (uint64_t)s.c.y, 4);
    put_c(b, '-');
    put_z(b, (uint64_t)s.c.m, 2);
    put_c(b, '-');
    put_z(b, (uint64_t)s.c.d, 2);
    put_c(b, ' ');
    put_z(b, (uint64_t)s.hh, 2);
    put_c(b, ':');
    put_z(b, (uint64_t)s.mm, 2);
    put_c(b, ':');
    put_z(b, (uint64_t)s.ss, 2);
}

static void put_crlf(struct lb *b)
{
    put_mem(b, "\r\n", 2);
}

/* ---- buffered output files -------------------------------------------------------------- */
#define OBUF (4u << 20)

struct out {
    FILE *f;
    char *path;
    char *buf;
    size_t len;
    int64_t day; /* for the per-day IIS logs: the day of the open file, -1 when none */
};

static uint64_t total_bytes, total_lines, total_files;

static void out_flush(struct out *o)
{
    if (o->len && fwrite(o->buf, 1, o->len, o->f) != o->len) {
        fprintf(stderr, "gen: %s: write error: %s\n", o->path, strerror(errno));
        exit(2);
    }
    o->len = 0;
}

static void out_open(struct out *o, const char *path)
{
    o->f = fopen(path, "wb");
    if (!o->f) {
        fprintf(stderr, "gen: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    setvbuf(o->f, NULL, _IONBF, 0);
    o->path = xmalloc(strlen(path) + 1);
    strcpy(o->path, path);
    if (!o->buf)
        o->buf = xmalloc(OBUF);
    o->len = 0;
    total_files++;
}

static void out_close(struct out *o)
{
    if (!o->f)
        return;
    out_flush(o);
    if (fclose(o->f) != 0) {
        fprintf(stderr, "gen: %s: %s\n", o->path, strerror(errno));
        exit(2);
    }
    o->f = NULL;
    free(o->path);
    o->path = NULL;
}

/* write n bytes holding `lines` complete lines */
static void out_write(struct out *o, const char *s, size_t n, unsigned lines)
{
    if (o->len + n > OBUF)
        out_flush(o);
    if (n > OBUF) {
        if (fwrite(s, 1, n, o->f) != n) {
            fprintf(stderr, "gen: %s: write error: %s\n", o->path, strerror(errno));
            exit(2);
        }
    } else {
        memcpy(o->buf + o->len, s, n);
        o->len += n;
    }
    total_bytes += n;
    total_lines += lines;
}

/* ---- pending lines, ordered by time: a binary heap per output stream --------------------- */
struct pend {
    int64_t key;
    uint64_t seq;
    void *p;
    size_t len;
};

struct heap {
    struct pend *a;
    size_t n, cap;
};

static uint64_t pend_seq;

static int pend_less(const struct pend *x, const struct pend *y)
{
    return x->key < y->key || (x->key == y->key && x->seq < y->seq);
}

static void heap_push(struct heap *h, int64_t key, void *p, size_t len)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 256;
        h->a = xrealloc(h->a, h->cap * sizeof *h->a);
    }
    struct pend e = { key, pend_seq++, p, len };
    size_t i = h->n++;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (!pend_less(&e, &h->a[up]))
            break;
        h->a[i] = h->a[up];
        i = up;
    }
    h->a[i] = e;
}

static struct pend heap_pop(struct heap *h)
{
    struct pend top = h->a[0];
    struct pend last = h->a[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && pend_less(&h->a[c + 1], &h->a[c]))
            c++;
        if (!pend_less(&h->a[c], &last))
            break;
        h->a[i] = h->a[c];
        i = c;
    }
    if (h->n)
        h->a[i] = last;
    return top;
}

/* ---- the model ------------------------------------------------------------------------------ */
enum plat { P_WIN, P_IOS, P_ANDROID };

struct device {
    char guid[37];
    char user[37];
    unsigned char plat;
    unsigned char ua;
};

static const char *const ua_win[] = { "Mozilla/4.0+(compatible;+Win32;+WinHttp.WinHttpRequest.5)" };
static const char *const ua_ios[] = {
    "profiled/1.0+CFNetwork/811.5.4+Darwin/16.6.0",
    "profiled/1.0+CFNetwork/811.5.4+Darwin/16.6.0",
    "profiled/1.0+CFNetwork/808.3+Darwin/16.3.0",
    "profiled/1.0+CFNetwork/758.5.3+Darwin/15.6.0",
};
static const char *const ua_android[] = {
    "Dalvik/2.1.0+(Linux;+U;+Android+7.0;+SM-G930F+Build/NRD90M)",
    "Dalvik/2.1.0+(Linux;+U;+Android+7.0;+SM-G930F+Build/NRD90M)",
    "Dalvik/2.1.0+(Linux;+U;+Android+6.0.1;+SM-G920F+Build/MMB29K)",
    "Dalvik/2.1.0+(Linux;+U;+Android+6.0.1;+Nexus+5X+Build/MMB29P)",
};

static const char *dev_ua(const struct device *d)
{
    switch (d->plat) {
    case P_WIN:
        return ua_win[0];
    case P_IOS:
        return ua_ios[d->ua % 4];
    default:
        return ua_android[d->ua % 4];
    }
}

static const char *const policies[] = {
    "ModelName=ScopeId_DEF1415D-2304-49FD-962C-92B560F126A4/ConfigurationPolicy_82ad9d8e-228e-4048-a598-d8a60c0ab996;Version=1;Hash=-1580759952",
    "ModelName=ScopeId_DEF1415D-2304-49FD-962C-92B560F126A4/ConfigurationPolicy_3b6f0a71-5c2e-4d8a-9f13-7e4c2a9b0d58;Version=2;Hash=1147392851",
    "ModelName=ScopeId_DEF1415D-2304-49FD-962C-92B560F126A4/ConfigurationPolicy_c91e4d27-08ab-4f6e-b3d5-52a7e8f160c4;Version=1;Hash=-402918377",
};

#define NDES_IP  "10.20.1.15"
#define WAP_IP   "10.20.0.8"
#define CRP_IP   "10.20.1.30"
#define LB_IP    "10.20.1.2"
#define STEM_DLL "/certsrv/mscep/mscep.dll"
#define STEM_EXE "/certsrv/mscep/mscep.dll/pkiclient.exe"
#define MSG_HEAD "MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgMF"

/* one NDES IIS request; formatted when written, in the field order then in force */
struct iisrec {
    int64_t t; /* when it was logged (its end), ticks */
    const char *stem;
    const char *query;
    const char *cip;
    const char *ua;
    unsigned status, sub, win32, tt;
    char *owned; /* query to free, or NULL */
};

enum field {
    F_DATE, F_TIME, F_SIP, F_METHOD, F_STEM, F_QUERY, F_SPORT, F_USER, F_CIP, F_UA, F_REF,
    F_STATUS, F_SUB, F_WIN32, F_TT, F_END
};

static const char *const field_name[] = {
    "date", "time", "s-ip", "cs-method", "cs-uri-stem", "cs-uri-query", "s-port", "cs-username",
    "c-ip", "cs(User-Agent)", "cs(Referer)", "sc-status", "sc-substatus", "sc-win32-status",
    "time-taken",
};

#define NORDERS 3
static const enum field orders[NORDERS][F_END] = {
    /* as samples/busy-day before its restart */
    { F_DATE, F_TIME, F_SIP, F_METHOD, F_STEM, F_QUERY, F_SPORT, F_USER, F_CIP, F_UA, F_REF,
      F_STATUS, F_SUB, F_WIN32, F_TT },
    /* as busy-day after its restart: c-ip right after time */
    { F_DATE, F_TIME, F_CIP, F_SIP, F_METHOD, F_STEM, F_QUERY, F_SPORT, F_USER, F_UA, F_REF,
      F_STATUS, F_SUB, F_WIN32, F_TT },
    /* c-ip after s-ip, time-taken before the status */
    { F_DATE, F_TIME, F_SIP, F_CIP, F_METHOD, F_STEM, F_QUERY, F_SPORT, F_USER, F_UA, F_REF,
      F_TT, F_STATUS, F_SUB, F_WIN32 },
};

/* ---- generator state --------------------------------------------------------------------- */
static struct out o_niis, o_ciis, o_plug, o_crp;
static struct heap h_niis, h_ciis, h_plug, h_crp;
static struct lb line;
static const char *outdir;
static int ndays;
static int niis_order;          /* field order in force in the NDES IIS log */
static int64_t niis_restart_at; /* the day's restart time; INT64_MAX once done */
static struct device *devs;
static uint32_t ndev;
static uint64_t niis_bytes;     /* bytes of NDES IIS written */
static uint64_t poll_bytes, poll_lines;
static uint64_t attempts, fails[4];

static void mkdir_p(const char *path)
{
    char *tmp = xmalloc(strlen(path) + 1);
    strcpy(tmp, path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0777) != 0 && errno != EEXIST) {
                fprintf(stderr, "gen: mkdir %s: %s\n", tmp, strerror(errno));
                exit(2);
            }
            *p = '/';
        }
    }
    if (mkdir(tmp, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "gen: mkdir %s: %s\n", tmp, strerror(errno));
        exit(2);
    }
    free(tmp);
}

static char *path_join(const char *sub, const char *name)
{
    size_t n = strlen(outdir) + strlen(sub) + strlen(name) + 3;
    char *p = xmalloc(n);
    snprintf(p, n, "%s/%s/%s", outdir, sub, name);
    return p;
}

static void iis_header(struct lb *b, int64_t t, const char *fields)
{
    put_s(b, "#Software: Microsoft Internet Information Services 8.5\r\n#Version: 1.0\r\n#Date: ");
    put_iis_datetime(b, t);
    put_s(b, "\r\n#Fields: ");
    put_s(b, fields);
    put_crlf(b);
}

static void niis_fields(struct lb *b, int order)
{
    put_s(b, "#Fields:");
    for (int i = 0; i < F_END; i++) {
        put_c(b, ' ');
        put_s(b, field_name[orders[order][i]]);
    }
    put_crlf(b);
}

static void niis_block(struct lb *b, int64_t t, int order)
{
    put_s(b, "#Software: Microsoft Internet Information Services 8.5\r\n#Version: 1.0\r\n#Date: ");
    put_iis_datetime(b, t);
    put_crlf(b);
    niis_fields(b, order);
}

static int64_t day_of(int64_t t)
{
    return t >= 0 ? t / TDAY : (t - TDAY + 1) / TDAY;
}

static char *iis_name(int64_t day)
{
    static char name[32];
    struct civil c = civil_from_days(base_days + day);
    snprintf(name, sizeof name, "u_ex%02d%02d%02d.log", c.y % 100, c.m, c.d);
    return name;
}

static void niis_write(const struct iisrec *r)
{
    int64_t day = day_of(r->t);
    unsigned lines = 1; /* the request, and 4 for each header block */
    line.len = 0;
    if (!o_niis.f || o_niis.day != day) {
        char *p = path_join("ndes", iis_name(day));
        out_close(&o_niis);
        out_open(&o_niis, p);
        free(p);
        o_niis.day = day;
        niis_order = (int)(day % NORDERS);
        niis_restart_at = day * TDAY + rndr(2 * 3600, 22 * 3600) * TSEC;
        niis_block(&line, r->t, niis_order);
        lines += 4;
    }
    if (r->t >= niis_restart_at) {
        /* IIS restarts: a new directive block, in another field order */
        niis_order = (niis_order + 1) % NORDERS;
        niis_restart_at = INT64_MAX;
        niis_block(&line, r->t, niis_order);
        lines += 4;
    }
    const enum field *ord = orders[niis_order];
    for (int i = 0; i < F_END; i++) {
        if (i)
            put_c(&line, ' ');
        switch (ord[i]) {
        case F_DATE: {
            struct stamp s = stamp_of(r->t);
            put_z(&line, (uint64_t)s.c.y, 4);
            put_c(&line, '-');
            put_z(&line, (uint64_t)s.c.m, 2);
            put_c(&line, '-');
            put_z(&line, (uint64_t)s.c.d, 2);
            break;
        }
        case F_TIME: {
            struct stamp s = stamp_of(r->t);
            put_z(&line, (uint64_t)s.hh, 2);
            put_c(&line, ':');
            put_z(&line, (uint64_t)s.mm, 2);
            put_c(&line, ':');
            put_z(&line, (uint64_t)s.ss, 2);
            break;
        }
        case F_SIP: put_s(&line, NDES_IP); break;
        case F_METHOD: put_s(&line, "GET"); break;
        case F_STEM: put_s(&line, r->stem); break;
        case F_QUERY: put_s(&line, r->query); break;
        case F_SPORT: put_s(&line, "443"); break;
        case F_USER: put_c(&line, '-'); break;
        case F_CIP: put_s(&line, r->cip); break;
        case F_UA: put_s(&line, r->ua); break;
        case F_REF: put_c(&line, '-'); break;
        case F_STATUS: put_u(&line, r->status); break;
        case F_SUB: put_u(&line, r->sub); break;
        case F_WIN32: put_u(&line, r->win32); break;
        case F_TT: put_u(&line, r->tt); break;
        case F_END: break;
        }
    }
    put_crlf(&line);
    out_write(&o_niis, line.p, line.len, lines);
    niis_bytes += line.len;
}

/* a text line for a CMTrace log or the CRP IIS log, held until its time comes */
static void push_text(struct heap *h, int64_t key, const struct lb *b)
{
    char *p = xmalloc(b->len);
    memcpy(p, b->p, b->len);
    heap_push(h, key, p, b->len);
}

static void push_iis(int64_t t, const char *stem, const char *query, char *owned, const char *ua,
                     unsigned status, unsigned sub, unsigned tt)
{
    struct iisrec *r = xmalloc(sizeof *r);
    r->t = t;
    r->stem = stem;
    r->query = query;
    r->owned = owned;
    r->cip = WAP_IP;
    r->ua = ua;
    r->status = status;
    r->sub = sub;
    r->win32 = 0;
    r->tt = tt;
    heap_push(&h_niis, t, r, 0);
}

/* NDESPlugin.log: time="HH:MM:SS.mmm+00" date="MM-DD-YYYY" */
static void plug_line(int64_t t, const char *msg, int type, unsigned thread, const char *file)
{
    struct stamp s = stamp_of(t);
    line.len = 0;
    put_s(&line, "<![LOG[");
    put_s(&line, msg);
    put_s(&line, "]LOG]!><time=\"");
    put_z(&line, (uint64_t)s.hh, 2);
    put_c(&line, ':');
    put_z(&line, (uint64_t)s.mm, 2);
    put_c(&line, ':');
    put_z(&line, (uint64_t)s.ss, 2);
    put_c(&line, '.');
    put_z(&line, (uint64_t)(s.frac / TMS), 3);
    put_s(&line, "+00\" date=\"");
    put_z(&line, (uint64_t)s.c.m, 2);
    put_c(&line, '-');
    put_z(&line, (uint64_t)s.c.d, 2);
    put_c(&line, '-');
    put_z(&line, (uint64_t)s.c.y, 4);
    put_s(&line, "\" component=\"NDESPlugin\" context=\"\" type=\"");
    put_u(&line, (uint64_t)type);
    put_s(&line, "\" thread=\"");
    put_u(&line, thread);
    put_s(&line, "\" file=\"");
    put_s(&line, file);
    put_s(&line, "\">\r\n");
    push_text(&h_plug, t, &line);
}

/* CRP.log: time="HH:MM:SS.fffffff" date="M-D-YYYY", on the CRP's clock; keyed on NDES's */
static void crp_line(int64_t t, const char *msg, unsigned thread)
{
    struct stamp s = stamp_of(t - CRP_SKEW);
    line.len = 0;
    put_s(&line, "<![LOG[");
    put_s(&line, msg);
    put_s(&line, "]LOG]!><time=\"");
    put_z(&line, (uint64_t)s.hh, 2);
    put_c(&line, ':');
    put_z(&line, (uint64_t)s.mm, 2);
    put_c(&line, ':');
    put_z(&line, (uint64_t)s.ss, 2);
    put_c(&line, '.');
    put_z(&line, (uint64_t)s.frac, 7);
    put_s(&line, "\" date=\"");
    put_u(&line, (uint64_t)s.c.m);
    put_c(&line, '-');
    put_u(&line, (uint64_t)s.c.d);
    put_c(&line, '-');
    put_z(&line, (uint64_t)s.c.y, 4);
    put_s(&line, "\" component=\"CertificateRegistrationPoint\" context=\"\" type=\"1\" thread=\"");
    put_u(&line, thread);
    put_s(&line, "\" file=\"\">\r\n");
    push_text(&h_crp, t, &line);
}

/* CRP IIS: logged at its end, on the CRP's clock */
static void ciis_line(int64_t end, const char *what, unsigned status, unsigned bytes, int64_t tt)
{
    line.len = 0;
    put_iis_datetime(&line, end - CRP_SKEW);
    put_s(&line, " " CRP_IP " POST /CMCertificateRegistration/Certificate/");
    put_s(&line, what);
    put_s(&line, " - 443 - " NDES_IP " NDES_Plugin - ");
    put_u(&line, status);
    put_s(&line, " 0 0 ");
    put_u(&line, bytes);
    put_c(&line, ' ');
    put_i(&line, tt / TMS);
    put_crlf(&line);
    push_text(&h_ciis, end, &line);
}

static void ciis_write(const struct pend *e)
{
    int64_t day = day_of(e->key - CRP_SKEW);
    if (!o_ciis.f || o_ciis.day != day) {
        char *p = path_join("crp", iis_name(day));
        out_close(&o_ciis);
        out_open(&o_ciis, p);
        free(p);
        o_ciis.day = day;
        struct lb h = { 0, 0, 0 };
        iis_header(&h, e->key - CRP_SKEW,
                   "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
                   "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status sc-bytes "
                   "time-taken");
        out_write(&o_ciis, h.p, h.len, 4);
        free(h.p);
    }
    out_write(&o_ciis, e->p, e->len, 1);
}

/* write out every pending line of the CMTrace logs and the CRP IIS log before time t */
static void flush_text(int64_t t)
{
    while (h_plug.n && h_plug.a[0].key < t) {
        struct pend e = heap_pop(&h_plug);
        out_write(&o_plug, e.p, e.len, 1);
        free(e.p);
    }
    while (h_crp.n && h_crp.a[0].key < t) {
        struct pend e = heap_pop(&h_crp);
        out_write(&o_crp, e.p, e.len, 1);
        free(e.p);
    }
    while (h_ciis.n && h_ciis.a[0].key < t) {
        struct pend e = heap_pop(&h_ciis);
        ciis_write(&e);
        free(e.p);
    }
}

/* ---- the NDES IIS background: device polls and the load balancer's probe ------------------ */
static int64_t next_poll, next_probe, poll_gap; /* poll_gap: mean ticks between polls */
static int poll_second;                          /* the second line of a pair is due */
static const struct device *poll_dev;

static void poll_query(const struct device *d, int second, const char **stem, const char **query)
{
    switch (d->plat) {
    case P_WIN:
        *stem = STEM_EXE;
        *query = second ? "operation=GetCACert&message=default" : "operation=GetCACaps&message=default";
        break;
    case P_IOS:
        *stem = STEM_DLL;
        *query = second ? "operation=GetCACaps&message=SCEP%20Authority"
                        : "operation=GetCACert&message=SCEP%20Authority";
        break;
    default:
        *stem = STEM_DLL;
        *query = second ? "operation=GetCACaps&message=ca" : "operation=GetCACert&message=ca";
        break;
    }
}

static void emit_poll(void)
{
    struct iisrec r;
    if (!poll_second)
        poll_dev = &devs[rndn(ndev)];
    poll_query(poll_dev, poll_second, &r.stem, &r.query);
    r.t = next_poll;
    r.cip = WAP_IP;
    r.ua = dev_ua(poll_dev);
    r.status = 200;
    r.sub = 0;
    r.win32 = 0;
    r.tt = (unsigned)rndr(0, 30);
    r.owned = NULL;
    uint64_t before = niis_bytes;
    niis_write(&r);
    poll_bytes += niis_bytes - before;
    poll_lines++;
    if (!poll_second) {
        poll_second = 1;
        next_poll += rndr(1, 30) * TMS + (rndn(8) == 0 ? rndr(200, 900) * TMS : 0);
    } else {
        poll_second = 0;
        next_poll += rndr(0, 2 * poll_gap);
    }
}

static void emit_probe(void)
{
    struct iisrec r = { next_probe, "/", "-", LB_IP, "-", 200, 0, 0, 0, NULL };
    niis_write(&r);
    next_probe += 300 * TSEC;
}

/* write out the NDES IIS log (background and pending requests, merged) up to time t */
static void advance_niis(int64_t t)
{
    for (;;) {
        int64_t hk = h_niis.n ? h_niis.a[0].key : INT64_MAX;
        int64_t m = next_poll < next_probe ? next_poll : next_probe;
        if (hk < m)
            m = hk;
        if (m >= t)
            break;
        if (m == hk) {
            struct pend e = heap_pop(&h_niis);
            struct iisrec *r = e.p;
            niis_write(r);
            free(r->owned);
            free(r);
        } else if (m == next_probe) {
            emit_probe();
        } else {
            emit_poll();
        }
    }
}

/* ---- an enrollment attempt -------------------------------------------------------------- */
enum kind { K_OK, K_PHASE3_FALSE, K_QUERY_TOO_LONG, K_TLS_12175 };

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* "operation=PKIOperation&message=" and a URL-encoded base64 SCEP message of about target bytes */
static char *pki_query(size_t target)
{
    struct lb b = { 0, 0, 0 };
    lb_grow(&b, target + 64);
    put_s(&b, "operation=PKIOperation&message=" MSG_HEAD);
    size_t raw = strlen(MSG_HEAD);
    int pad = (int)rndn(3);
    size_t want = strlen("operation=PKIOperation&message=") + target - (size_t)pad * 3;
    uint64_t bits = 0;
    int nbits = 0;
    while (b.len < want || (raw + (size_t)pad) % 4 != 0) {
        if (nbits < 6) {
            bits = rnd();
            nbits = 64;
        }
        char c = b64[bits & 63];
        bits >>= 6;
        nbits -= 6;
        if (c == '+')
            put_mem(&b, "%2B", 3);
        else if (c == '/')
            put_mem(&b, "%2F", 3);
        else
            put_c(&b, c);
        raw++;
    }
    for (int i = 0; i < pad; i++)
        put_mem(&b, "%3D", 3);
    put_c(&b, 0);
    return b.p;
}

static void guid(char out[37])
{
    static const char hex[] = "0123456789abcdef";
    uint64_t a = rnd(), b = rnd();
    int k = 0;
    for (int i = 0; i < 32; i++) {
        if (i == 8 || i == 12 || i == 16 || i == 20)
            out[k++] = '-';
        unsigned v;
        if (i < 16) {
            v = (unsigned)(a & 15);
            a >>= 4;
        } else {
            v = (unsigned)(b & 15);
            b >>= 4;
        }
        if (i == 12)
            v = 4;
        if (i == 16)
            v = 8 + (v & 3);
        out[k++] = hex[v];
    }
    out[k] = 0;
}

static unsigned plug_thread(void)
{
    return (unsigned)rndr(250, 2100) * 4;
}

static void enrollment(int64_t t0, enum kind kind)
{
    const struct device *d = &devs[rndn(ndev)];
    const char *ua = dev_ua(d);
    char buf[1024];
    int64_t t = t0;

    /* the device fetches the CA's certificate and capabilities */
    switch (d->plat) {
    case P_WIN:
        push_iis(t, STEM_EXE, "operation=GetCACert&message=MDM", NULL, "-", 200, 0, (unsigned)rndr(0, 5));
        t += rndr(1, 40) * TMS;
        push_iis(t, STEM_EXE, "operation=GetCACaps&message=MDM", NULL, "-", 200, 0, (unsigned)rndr(10, 30));
        t += rndr(1500, 3000) * TMS;
        push_iis(t, STEM_EXE, "operation=GetCACaps&message=default", NULL, ua, 200, 0, (unsigned)rndr(5, 25));
        t += rndr(1, 40) * TMS;
        push_iis(t, STEM_EXE, "operation=GetCACert&message=default", NULL, ua, 200, 0, (unsigned)rndr(1, 20));
        break;
    case P_IOS:
        for (int rep = rndn(2) ? 2 : 1; rep > 0; rep--) {
            push_iis(t, STEM_DLL, "operation=GetCACert&message=SCEP%20Authority", NULL, ua, 200, 0, (unsigned)rndr(1, 20));
            t += rndr(1, 40) * TMS;
            push_iis(t, STEM_DLL, "operation=GetCACaps&message=SCEP%20Authority", NULL, ua, 200, 0, (unsigned)rndr(5, 30));
            if (rep > 1)
                t += rndr(2000, 5000) * TMS;
        }
        break;
    default:
        push_iis(t, STEM_DLL, "operation=GetCACert&message=ca", NULL, ua, 200, 0, (unsigned)rndr(1, 20));
        t += rndr(1, 40) * TMS;
        push_iis(t, STEM_DLL, "operation=GetCACaps&message=ca", NULL, ua, 200, 0, (unsigned)rndr(5, 30));
        break;
    }
    int64_t p0 = t + rndr(1500, 4500) * TMS; /* the PKIOperation begins */
    const char *stem = d->plat == P_WIN ? STEM_EXE : STEM_DLL;

    if (kind == K_QUERY_TOO_LONG) {
        /* request filtering refuses the 6.3 KB query before NDES sees it */
        char *q = pki_query((size_t)rndr(6200, 6450));
        int64_t tt = rndr(1, 3) * TMS;
        push_iis(p0 + tt, stem, q, q, ua, 404, 15, (unsigned)(tt / TMS));
        return;
    }
    char *q = pki_query((size_t)rndr(2500, 4000));

    /* the policy module's VerifyRequest, on its own thread */
    unsigned vt = plug_thread();
    int64_t v0 = p0 + rndr(15, 60) * TMS + rndr(0, TMS - 1);
    plug_line(v0, "Calling VerifyRequest ...", 1, vt, "ndesplugin.cpp:646");
    plug_line(v0, "Sending request to certificate registration point.", 1, vt, "httprequest.cpp:114");

    int64_t pend_end; /* when the policy module is done */
    if (kind == K_TLS_12175) {
        int64_t c = v0 + rndr(20, 40) * TMS;
        plug_line(c, "WINHTTP_CALLBACK_STATUS_FLAG_CERT_CN_INVALID", 3, vt, "httprequest.cpp:58");
        plug_line(c, "Failed to send http request /CMCertificateRegistration/Certificate/VerifyRequest. Error 12175",
                  3, vt, "httprequest.cpp:179");
        c += TMS;
        plug_line(c, "Exiting VerifyRequest with 0x80072f8f", 1, vt, "ndesplugin.cpp:874");
        pend_end = c;
    } else {
        int ok = kind == K_OK;
        unsigned ct = (unsigned)rndr(1, 400);
        int64_t cs = v0 + rndr(3, 12) * TMS; /* the CRP's IIS starts the POST */
        int64_t r = v0 + rndr(60, 90) * TMS + rndr(0, TMS - 1);
        crp_line(r, "Reading Template Permission Check from registry.", ct);
        crp_line(r, "Validation Phase 1 started.", ct);
        r += rndr(170, 260) * TMS + rndr(0, TMS - 1);
        crp_line(r, "Validation Phase 1 finised with status True.", ct);
        crp_line(r, "Validation Phase 2 started for device and user .", ct);
        r += rndr(5000, 15000);
        crp_line(r, "Validation Phase 2 finished.", ct);
        snprintf(buf, sizeof buf, "Validation Phase 3 started for device %s and user %s.", d->guid, d->user);
        crp_line(r, buf, ct);
        snprintf(buf, sizeof buf,
                 "Get Challenge Parameters from DB using query: Execute CRP_VerifyRequestParameters "
                 "@vchCertificateRequestID = '%s', @vchDeviceID = '%s', @vchUserID = '%s', @DeviceType = 1",
                 policies[rndn(3)], d->guid, d->user);
        crp_line(r, buf, ct);
        r += rndr(35, 80) * TMS + rndr(0, TMS - 1);
        crp_line(r, ok ? "Validation Phase 3 finished with status True." : "Validation Phase 3 finished with status False.", ct);
        r += rndr(3000, 10000);
        crp_line(r, ok ? "VerifyRequest Finished with status True" : "VerifyRequest Finished with status False", ct);
        int64_t ce = r + rndr(2, 8) * TMS;
        ciis_line(ce, "VerifyRequest", 201, 437, ce - cs);
        int64_t vx = r + rndr(25, 45) * TMS;
        plug_line(vx, ok ? "Verify challenge returns true" : "Verify challenge returns false", 1, vt, "ndesplugin.cpp:834");
        plug_line(vx, ok ? "Exiting VerifyRequest with 0x0" : "Exiting VerifyRequest with 0x80004005", 1, vt, "ndesplugin.cpp:874");
        pend_end = vx;
        if (ok) {
            /* the CA issued; NDES notifies the CRP, on another thread */
            unsigned nt;
            do
                nt = plug_thread();
            while (nt == vt);
            unsigned ct2 = (unsigned)rndr(1, 400);
            int64_t n0 = vx + rndr(50, 150) * TMS;
            plug_line(n0, "Calling Notifyrequest ...", 1, nt, "ndesplugin.cpp:904");
            plug_line(n0, "Sending request to certificate registration point.", 1, nt, "httprequest.cpp:114");
            int64_t ns = n0 + rndr(3, 10) * TMS;
            int64_t c = n0 + rndr(40, 60) * TMS + rndr(0, TMS - 1);
            crp_line(c, "Notify Started.", ct2);
            crp_line(c, "Beginning state message creation...", ct2);
            crp_line(c, "Retrieveing the CRP certificate", ct2);
            c += rndr(6, 10) * TMS + rndr(0, TMS - 1);
            crp_line(c, "Retrieving the GWP or MP certificate.", ct2);
            c += rndr(25, 40) * TMS + rndr(0, TMS - 1);
            crp_line(c, "Sending Success state message", ct2);
            c += rndr(300, 1000);
            char smx[12];
            static const char an[] = "0123456789abcdefghijklmnopqrstuvwxyz";
            for (int i = 0; i < 11; i++)
                smx[i] = an[rndn(36)];
            smx[11] = 0;
            snprintf(buf, sizeof buf,
                     "StateMessage C:\\Program Files\\Microsoft Configuration Manager\\inboxes\\auth\\statesys.box\\incoming\\%s.SMX is dropped.",
                     smx);
            crp_line(c, buf, ct2);
            crp_line(c, "Successfully sent state message", ct2);
            crp_line(c, "Notify Finished.", ct2);
            int64_t ne = c + rndr(2, 8) * TMS;
            ciis_line(ne, "Notify", 204, 357, ne - ns);
            int64_t nx = c + rndr(20, 40) * TMS;
            plug_line(nx, "Exiting Notify with 0x0", 1, nt, "ndesplugin.cpp:1167");
            pend_end = nx;
        }
    }
    int64_t pe = pend_end + rndr(10, 120) * TMS;
    push_iis(pe, stem, q, q, ua, 200, 0, (unsigned)((pe - p0) / TMS));
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* ---- main ------------------------------------------------------------------------------------ */
int main(int argc, char **argv)
{
    if (argc < 3 || argc > 5) {
        fprintf(stderr, "usage: gen OUTDIR SIZE_MB [SEED [DAYS]]\n");
        return 2;
    }
    outdir = argv[1];
    char *end;
    double size_mb = strtod(argv[2], &end);
    if (*end || !(size_mb > 0) || size_mb > 1e6) {
        fprintf(stderr, "gen: SIZE_MB must be a positive number of megabytes (10^6 bytes)\n");
        return 2;
    }
    uint64_t seed = 1;
    if (argc >= 4) {
        seed = strtoull(argv[3], &end, 10);
        if (*end || !*argv[3]) {
            fprintf(stderr, "gen: SEED must be a non-negative integer\n");
            return 2;
        }
    }
    rng_seed(seed);
    base_days = days_from_civil(BASE_Y, BASE_M, BASE_D);

    double target = size_mb * 1e6;
    /* what one enrollment writes outside the NDES IIS log (CMTrace + CRP IIS), and inside it */
    const double per_attempt_rest = 4950, per_attempt_niis = 4300;
    /* about 33 MB a day whatever the size, so that sizes differ in length, not in density */
    ndays = (int)(size_mb / 33.3 + 0.5);
    if (ndays < 3)
        ndays = 3;
    if (argc == 5) {
        long n = strtol(argv[4], &end, 10);
        if (*end || n < 1 || n > 3650) {
            fprintf(stderr, "gen: DAYS must be 1..3650\n");
            return 2;
        }
        ndays = (int)n;
    }
    uint64_t nattempts = (uint64_t)(0.15 * target / per_attempt_rest + 0.5);
    if (nattempts < 1)
        nattempts = 1;
    ndev = (uint32_t)(2000 + size_mb * 5);
    if (ndev > 50000)
        ndev = 50000;

    devs = xmalloc(ndev * sizeof *devs);
    for (uint32_t i = 0; i < ndev; i++) {
        guid(devs[i].guid);
        guid(devs[i].user);
        uint32_t r = rndn(100);
        devs[i].plat = r < 45 ? P_WIN : r < 75 ? P_IOS : P_ANDROID;
        devs[i].ua = (unsigned char)rndn(4);
    }

    char *p;
    mkdir_p(outdir);
    p = path_join("ndes", "");
    mkdir_p(p);
    free(p);
    p = path_join("crp", "");
    mkdir_p(p);
    free(p);
    p = path_join("ndes", ndays >= 2 ? "NDESPlugin.lo_" : "NDESPlugin.log");
    out_open(&o_plug, p);
    free(p);
    p = path_join("crp", "CRP.log");
    out_open(&o_crp, p);
    free(p);
    o_niis.day = o_ciis.day = -1;

    double niis_target = 0.85 * target;
    double pair_bytes = 376; /* refined from what was written */
    next_probe = 0;
    uint64_t done = 0;
    int64_t *starts = NULL;
    for (int day = 0; day < ndays; day++) {
        uint64_t n = nattempts / (uint64_t)ndays + ((uint64_t)day < nattempts % (uint64_t)ndays);
        /* the day's polls: what the NDES IIS log still needs, less the day's enrollments */
        if (poll_lines >= 2)
            pair_bytes = 2.0 * (double)poll_bytes / (double)poll_lines;
        double left = (niis_target - (double)niis_bytes) / (ndays - day);
        double polls = (left - (double)n * per_attempt_niis - 288 * 62) / pair_bytes;
        if (polls < 100)
            polls = 100;
        /* mean ticks between pairs, less the mean delay between the two lines of a pair */
        poll_gap = (int64_t)((double)TDAY / polls) - (int64_t)(15.5 * TMS + 550.0 * TMS / 8);
        if (poll_gap < 10 * TMS)
            poll_gap = 10 * TMS;
        int64_t d0 = (int64_t)day * TDAY;
        if (day == 0) {
            next_poll = d0 + rndr(0, 2 * poll_gap);
            poll_second = 0;
        }

        /* enrollment start times: 00:01..23:57, twice as dense in office hours */
        starts = xrealloc(starts, (n ? n : 1) * sizeof *starts);
        for (uint64_t i = 0; i < n; i++) {
            int64_t s;
            for (;;) {
                s = rndr(60, 86220) * TSEC + rndr(0, TSEC - 1);
                int h = (int)(s / (3600 * TSEC));
                if ((h >= 7 && h < 19) || rndn(2) == 0)
                    break;
            }
            starts[i] = d0 + s;
        }
        qsort(starts, n, sizeof *starts, cmp_i64);

        for (uint64_t i = 0; i < n; i++) {
            advance_niis(starts[i]);
            flush_text(starts[i]);
            /* one attempt in each run of 500 fails, the kinds in turn */
            uint64_t a = done + i, block = a / 500;
            uint64_t blen = nattempts - block * 500 < 500 ? nattempts - block * 500 : 500;
            uint64_t off = (block * UINT64_C(2654435761) + seed * UINT64_C(40503)) % blen;
            enum kind k = K_OK;
            if (a % 500 == off)
                k = (enum kind)(1 + block % 3);
            fails[k]++;
            enrollment(starts[i], k);
        }
        done += n;
        advance_niis(d0 + TDAY);
        flush_text(d0 + TDAY);
        if (ndays >= 2 && day == ndays / 2 - 1) {
            /* NDESPlugin.log rotates: what came before is NDESPlugin.lo_ */
            out_close(&o_plug);
            p = path_join("ndes", "NDESPlugin.log");
            out_open(&o_plug, p);
            free(p);
        }
    }
    attempts = done;
    out_close(&o_niis);
    out_close(&o_ciis);
    out_close(&o_plug);
    out_close(&o_crp);
    free(starts);
    free(devs);
    free(line.p);
    free(o_niis.buf);
    free(o_ciis.buf);
    free(o_plug.buf);
    free(o_crp.buf);
    free(h_niis.a);
    free(h_ciis.a);
    free(h_plug.a);
    free(h_crp.a);

    printf("gen: %s: files %llu, bytes %llu (%.1f MB, %.0f%% NDES IIS), lines %llu, days %d, devices %lu, "
           "attempts %llu, failures %llu (phase3-false %llu, pkioperation-404.15 %llu, tls-12175 %llu), seed %llu\n",
           outdir, (unsigned long long)total_files, (unsigned long long)total_bytes,
           (double)total_bytes / 1e6, 100.0 * (double)niis_bytes / (double)(total_bytes ? total_bytes : 1),
           (unsigned long long)total_lines, ndays, (unsigned long)ndev, (unsigned long long)attempts,
           (unsigned long long)(fails[1] + fails[2] + fails[3]), (unsigned long long)fails[1],
           (unsigned long long)fails[2], (unsigned long long)fails[3], (unsigned long long)seed);
    return 0;
}
