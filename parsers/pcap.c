/* pcap.c - reads network captures (pcap and pcapng, through libpcap) taken on the device or
 * the WAP: the TCP conversations towards the SCEP ports (443 and 80 unless --scep-port says
 * otherwise), each told as a few lines of text: the three-way handshake (or the SYN nobody
 * answered, the RST that ended it), the TLS ClientHello and ServerHello, TLS alerts, the
 * amount of encrypted data each way and the close; for plain HTTP the SCEP request and the
 * status. Only the first TLS records of each direction and the HTTP request and status lines
 * are looked at; no payload is kept.
 *
 * A rendered line: "2016-06-10T02:44:06.012345Z packet 4 10.0.0.5:51234 -> 10.0.0.10:443 TLS
 * ClientHello server_name=ndes.contoso.com version=TLS 1.2". The message is what follows the
 * packet number; the fields (client, server, server-port, event, sni, ...) are read back
 * from it. Lines are in time order; their numbers are those of the rendered text, and the
 * packet number is the capture's own (as Wireshark counts). */
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser.h"
#include "timeutil.h"

extern const struct parser parser_pcap;

/* Bounds, so that a hostile capture cannot make the state grow without limit. */
#define PC_MAX_CONVS 65536      /* conversations followed; more are counted and noted */
#define PC_TLS_KEEP 16384       /* bytes of a handshake record kept to read a Hello */
#define PC_HTTP_LINE 65536      /* an HTTP request or status line (a PKIOperation GET is long) */
#define PC_HTTP_SHOWN 160       /* bytes of a request's target shown */
#define PC_MAX_RECORDS 1000000u /* rendered lines */

/* ---- the rendered lines, collected then sorted by time --------------------------------- */

struct rec {
    int64_t t;
    uint64_t packet;
    uint64_t seq;   /* order of making: keeps equal times stable */
    uint8_t level;
    char *text;     /* the message (without time and packet) */
};

struct recs {
    struct rec *v;
    size_t n, cap;
    bool oom;
    uint64_t dropped;
};

/* ---- conversations --------------------------------------------------------------------- */

struct addr {
    uint8_t v6;     /* 0: IPv4 in a[0..3] */
    uint8_t a[16];
};

/* One direction of a conversation: the TLS record walker or the HTTP line reader. */
struct dir {
    bool seq_known, gap;
    uint32_t next;          /* next sequence number expected */
    uint64_t payload;       /* TCP payload bytes, retransmissions not counted twice */
    uint64_t appdata;       /* bytes of TLS application_data records */
    /* TLS record walker */
    uint8_t hdr[5];
    uint8_t hdrn;
    uint32_t body_left;     /* of the record being walked */
    uint8_t type;
    uint16_t rec_version;
    uint32_t nrecords;
    unsigned char *keep;    /* the first handshake record (or an alert), up to PC_TLS_KEEP */
    uint32_t keepn, keep_want;
    bool keeping;
    bool hello_done;
    /* HTTP */
    char *line;
    uint32_t linen;
    bool line_over;         /* longer than PC_HTTP_LINE: the rest is dropped */
    bool in_headers;        /* after a status line, until the empty line */
    int status;             /* the status whose headers are being read */
    char status_text[64];
    int64_t status_t;
    uint64_t status_pkt;
    int64_t content_length;
};

enum proto { PR_UNKNOWN = 0, PR_TLS, PR_HTTP, PR_OTHER };

struct conv {
    struct addr cli, srv;
    uint16_t cport, sport;
    int64_t t0;             /* first packet */
    uint64_t pkt0;
    unsigned syns;
    int64_t syn_first, syn_last;
    uint64_t syn_pkt;
    bool synack;
    int64_t synack_t;
    bool established, midstream_said;
    bool closed;            /* FIN or RST said */
    bool data_said;
    enum proto proto;
    struct dir d[2];        /* 0: client -> server, 1: server -> client */
    int64_t last_t;
    uint64_t last_pkt;
};

struct pcap_run {
    struct source *s;
    struct recs r;
    struct conv *c;
    size_t nc, capc;
    uint64_t convs_dropped;
    const uint16_t *ports;
    size_t nports;
    uint64_t packet;
    int64_t now;
    uint64_t not_ip, not_tcp, other_port, fragments, short_packets;
};

static const uint16_t default_ports[] = { 443, 80 };

/* ---- small helpers --------------------------------------------------------------------- */

static uint16_t be16(const unsigned char *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be24(const unsigned char *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void addr_str(const struct addr *a, uint16_t port, char *out, size_t cap)
{
    if (!a->v6) {
        snprintf(out, cap, "%u.%u.%u.%u:%u", a->a[0], a->a[1], a->a[2], a->a[3], port);
        return;
    }
    /* RFC 5952: lower case, the longest run of zero groups (two or more) as "::" */
    uint16_t g[8];
    for (int i = 0; i < 8; i++)
        g[i] = be16(a->a + 2 * i);
    int best = -1, bestn = 1;
    for (int i = 0; i < 8;) {
        int j = i;
        while (j < 8 && g[j] == 0)
            j++;
        if (j - i > bestn) {
            best = i;
            bestn = j - i;
        }
        i = j > i ? j : i + 1;
    }
    char buf[48];
    size_t k = 0;
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            k += (size_t)snprintf(buf + k, sizeof buf - k, "::");
            i += bestn - 1;
            continue;
        }
        if (k && buf[k - 1] != ':')
            buf[k++] = ':';
        k += (size_t)snprintf(buf + k, sizeof buf - k, "%x", g[i]);
    }
    buf[k] = 0;
    snprintf(out, cap, "[%s]:%u", buf, port);
}

/* Bytes from the capture written so that they stay one token: printable ASCII as is, the rest
 * (spaces included) as \xNN. */
static void token_str(const unsigned char *p, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 5 < cap; i++) {
        unsigned char c = p[i];
        if (c > 0x20 && c < 0x7f && c != '\\')
            out[k++] = (char)c;
        else
            k += (size_t)snprintf(out + k, cap - k, "\\x%02x", c);
    }
    out[k] = 0;
}

static const char *tls_version_name(uint16_t v, char *buf, size_t cap)
{
    switch (v) {
    case 0x0300: return "SSL 3.0";
    case 0x0301: return "TLS 1.0";
    case 0x0302: return "TLS 1.1";
    case 0x0303: return "TLS 1.2";
    case 0x0304: return "TLS 1.3";
    default: snprintf(buf, cap, "0x%04x", v); return buf;
    }
}

/* RFC 8446 section 6 (and RFC 5246 7.2 for those TLS 1.3 retired). */
static const char *alert_name(unsigned d)
{
    switch (d) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 21: return "decryption_failed";
    case 22: return "record_overflow";
    case 30: return "decompression_failure";
    case 40: return "handshake_failure";
    case 41: return "no_certificate";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 60: return "export_restriction";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 100: return "no_renegotiation";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 113: return "bad_certificate_status_response";
    case 115: return "unknown_psk_identity";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    default: return "unknown_alert";
    }
}

/* "2016-06-10T02:44:06.123456Z" */
static void time_iso_us(int64_t t, char *buf)
{
    char ms[32];
    time_format_iso(t, ms);
    int64_t us = t % 1000;
    if (us < 0)
        us += 1000;
    snprintf(buf, 40, "%.23s%03dZ", ms, (int)us);
}

static void fmt_ms(int64_t us, char *out, size_t cap)
{
    if (us < 0)
        us = 0;
    if (us < 1000000)
        snprintf(out, cap, "%.1f ms", (double)us / 1000.0);
    else
        snprintf(out, cap, "%.2f s", (double)us / 1e6);
}

/* ---- records --------------------------------------------------------------------------- */

__attribute__((format(printf, 4, 5)))
static void say(struct pcap_run *R, const struct conv *c, enum level lv, const char *fmt, ...)
{
    if (R->r.oom)
        return;
    if (R->r.n >= PC_MAX_RECORDS) {
        R->r.dropped++;
        return;
    }
    char who[160] = "", a[64], b[64], body[1024];
    if (c) {
        addr_str(&c->cli, c->cport, a, sizeof a);
        addr_str(&c->srv, c->sport, b, sizeof b);
        snprintf(who, sizeof who, "%s -> %s ", a, b);
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    size_t n = strlen(who) + strlen(body) + 1;
    char *text = malloc(n);
    if (!text) {
        R->r.oom = true;
        return;
    }
    snprintf(text, n, "%s%s", who, body);
    if (R->r.n == R->r.cap) {
        size_t cap = R->r.cap ? R->r.cap * 2 : 64;
        struct rec *v = realloc(R->r.v, cap * sizeof *v);
        if (!v) {
            free(text);
            R->r.oom = true;
            return;
        }
        R->r.v = v;
        R->r.cap = cap;
    }
    R->r.v[R->r.n] = (struct rec){ R->now, R->packet, R->r.n, (uint8_t)lv, text };
    R->r.n++;
}

/* ---- TLS ------------------------------------------------------------------------------- */

static const char *side(int dir)
{
    return dir == 0 ? "client" : "server";
}

/* A hello's extensions: the block's end, from its length at p[*k] (cut to what the capture
 * holds; *k itself when there is no block), with *k moved past that length. */
static size_t ext_block(const unsigned char *p, size_t *k, size_t n)
{
    if (*k + 2 > n)
        return *k;
    size_t end = *k + 2 + be16(p + *k);
    *k += 2;
    return end > n ? n : end;
}

struct tls_ext {
    uint16_t type, len;        /* as written */
    const unsigned char *x;
    size_t n;                  /* the bytes of it the capture holds */
};

/* The extension at p[*k], before end; *k moves past it. False when none is left. */
static bool next_ext(const unsigned char *p, size_t *k, size_t end, struct tls_ext *e)
{
    if (*k + 4 > end)
        return false;
    e->type = be16(p + *k);
    e->len = be16(p + *k + 2);
    e->x = p + *k + 4;
    e->n = *k + 4 + e->len <= end ? e->len : end - *k - 4;
    *k += 4 + (size_t)e->len;
    return true;
}

/* A ClientHello (RFC 8446 4.1.2) from the body of a handshake message. */
static void client_hello(struct pcap_run *R, struct conv *c, const unsigned char *p, size_t n)
{
    char vb[16], sni[300] = "", offers[48] = "";
    if (n < 2 + 32 + 1)
        goto short_hello;
    uint16_t legacy = be16(p);
    size_t k = 34;
    k += 1 + p[k];                                   /* session id */
    if (k + 2 > n)
        goto short_hello;
    k += 2 + be16(p + k);                            /* cipher suites */
    if (k + 1 > n)
        goto short_hello;
    k += 1 + p[k];                                   /* compression methods */
    uint16_t best = 0;
    struct tls_ext e;
    for (size_t end = ext_block(p, &k, n); next_ext(p, &k, end, &e);) {
        const unsigned char *x = e.x;
        size_t xn = e.n;
        if (e.type == 0 && xn >= 5) {                /* server_name: list, type, name */
            size_t nl = be16(x + 3);
            if (x[2] == 0 && 5 + nl <= xn)
                token_str(x + 5, nl, sni, sizeof sni);
        } else if (e.type == 43 && xn >= 1) {        /* supported_versions */
            for (size_t i = 1; i + 1 < xn && i <= x[0]; i += 2) {
                uint16_t v = be16(x + i);
                if ((v & 0x0f0f) == 0x0a0a)          /* GREASE */
                    continue;
                if (v > best && v <= 0x0304)
                    best = v;
            }
        }
    }
    if (best > legacy)
        snprintf(offers, sizeof offers, " (offers %s)", tls_version_name(best, vb, sizeof vb));
    char lb[16];
    say(R, c, LEVEL_INFO, "TLS ClientHello server_name=%s version=%s%s", sni[0] ? sni : "-",
        tls_version_name(legacy, lb, sizeof lb), offers);
    return;
short_hello:
    say(R, c, LEVEL_INFO, "TLS ClientHello server_name=- version=? (cut short in the capture)");
}

static void server_hello(struct pcap_run *R, struct conv *c, const unsigned char *p, size_t n)
{
    char vb[16];
    if (n < 2 + 32 + 1) {
        say(R, c, LEVEL_INFO, "TLS ServerHello version=? (cut short in the capture)");
        return;
    }
    uint16_t version = be16(p);
    size_t k = 34;
    k += 1 + p[k];
    if (k + 2 > n) {
        say(R, c, LEVEL_INFO, "TLS ServerHello version=%s (cut short in the capture)",
            tls_version_name(version, vb, sizeof vb));
        return;
    }
    uint16_t cipher = be16(p + k);
    k += 2 + 1;
    struct tls_ext e;
    for (size_t end = ext_block(p, &k, n); next_ext(p, &k, end, &e);)
        if (e.type == 43 && e.len == 2 && e.n == 2)
            version = be16(e.x);                     /* TLS 1.3: the version chosen */
    say(R, c, LEVEL_INFO, "TLS ServerHello version=%s cipher=0x%04x",
        tls_version_name(version, vb, sizeof vb), cipher);
}

static void tls_record_done(struct pcap_run *R, struct conv *c, int dir)
{
    struct dir *d = &c->d[dir];
    const unsigned char *p = d->keep;
    size_t n = d->keepn;
    if (d->type == 21) {
        if (n == 2) {
            bool fatal = p[0] == 2;
            say(R, c, fatal ? LEVEL_ERROR : LEVEL_WARNING,
                "TLS alert %s %s (%u) from %s", fatal ? "fatal" : p[0] == 1 ? "warning" : "level?",
                alert_name(p[1]), p[1], side(dir));
        }
        /* longer: encrypted (after the handshake), nothing to read */
    } else if (d->type == 22 && !d->hello_done && n >= 4) {
        d->hello_done = true;
        size_t hn = be24(p + 1);
        if (hn > n - 4)
            hn = n - 4;
        if (p[0] == 1 && dir == 0)
            client_hello(R, c, p + 4, hn);
        else if (p[0] == 2 && dir == 1)
            server_hello(R, c, p + 4, hn);
    }
    d->keepn = 0;
    d->keeping = false;
}

static bool tls_start_record(struct pcap_run *R, struct conv *c, int dir)
{
    struct dir *d = &c->d[dir];
    d->type = d->hdr[0];
    d->rec_version = be16(d->hdr + 1);
    d->body_left = be16(d->hdr + 3);
    d->nrecords++;
    if (d->type < 20 || d->type > 24 || (d->rec_version >> 8) != 3 || d->body_left > 18432) {
        d->gap = true; /* not TLS, or lost in the stream: walk no further */
        return false;
    }
    if (d->type == 23)
        d->appdata += d->body_left;
    d->keeping = (d->type == 22 && !d->hello_done) || d->type == 21;
    d->keepn = 0;
    if (d->keeping && !d->keep) {
        d->keep = malloc(PC_TLS_KEEP);
        if (!d->keep) {
            R->r.oom = true;
            d->keeping = false;
        }
    }
    if (d->body_left == 0 && d->keeping)
        tls_record_done(R, c, dir);
    return true;
}

static void tls_bytes(struct pcap_run *R, struct conv *c, int dir, const unsigned char *p,
                      size_t n)
{
    struct dir *d = &c->d[dir];
    while (n && !d->gap) {
        if (d->body_left == 0) {
            size_t need = 5u - (size_t)d->hdrn;
            size_t take = need < n ? need : n;
            memcpy(d->hdr + d->hdrn, p, take);
            d->hdrn = (uint8_t)(d->hdrn + take);
            p += take;
            n -= take;
            if (d->hdrn == 5) {
                d->hdrn = 0;
                if (!tls_start_record(R, c, dir))
                    return;
            }
            continue;
        }
        size_t take = d->body_left < n ? d->body_left : n;
        if (d->keeping && d->keepn < PC_TLS_KEEP) {
            size_t room = PC_TLS_KEEP - d->keepn;
            size_t k = take < room ? take : room;
            memcpy(d->keep + d->keepn, p, k);
            d->keepn += (uint32_t)k;
        }
        d->body_left -= (uint32_t)take;
        p += take;
        n -= take;
        if (d->body_left == 0 && d->keeping)
            tls_record_done(R, c, dir);
    }
}

/* ---- HTTP ------------------------------------------------------------------------------ */

static bool starts(const char *p, size_t n, const char *w)
{
    size_t k = strlen(w);
    return n >= k && memcmp(p, w, k) == 0;
}

/* The value of a query parameter (case ignored in its name) in [q, end), or NULL. */
static const char *query_param(const char *q, const char *end, const char *name, size_t *len)
{
    size_t k = strlen(name);
    for (const char *p = q; p < end; p++) {
        if ((p == q || p[-1] == '?' || p[-1] == '&') && (size_t)(end - p) > k &&
            strncasecmp(p, name, k) == 0 && p[k] == '=') {
            const char *v = p + k + 1, *e = v;
            while (e < end && *e != '&')
                e++;
            *len = (size_t)(e - v);
            return v;
        }
    }
    return NULL;
}

static void http_request(struct pcap_run *R, struct conv *c, const char *line, size_t n,
                         bool cut)
{
    const char *sp = memchr(line, ' ', n);
    if (!sp)
        return;
    const char *target = sp + 1, *tend = line + n;
    const char *sp2 = memchr(target, ' ', (size_t)(tend - target));
    if (sp2)
        tend = sp2;
    char method[16], shown[PC_HTTP_SHOWN * 4 + 8], op[64] = "", extra[80] = "";
    token_str((const unsigned char *)line, (size_t)(sp - line) < 12 ? (size_t)(sp - line) : 12,
              method, sizeof method);
    /* the message parameter is shown as "..." with its size: it is the whole request */
    size_t mlen = 0, olen = 0;
    const char *m = query_param(target, tend, "message", &mlen);
    const char *o = query_param(target, tend, "operation", &olen);
    if (o)
        token_str((const unsigned char *)o, olen < 40 ? olen : 40, op, sizeof op);
    size_t upto = (size_t)(tend - target);
    if (m && mlen > 16)
        upto = (size_t)(m - target);
    if (upto > PC_HTTP_SHOWN)
        upto = PC_HTTP_SHOWN;
    token_str((const unsigned char *)target, upto, shown, sizeof shown);
    if (m && mlen > 16)
        snprintf(extra, sizeof extra, "... (message %zu bytes%s)", mlen,
                 cut ? ", the line cut short" : "");
    else if (upto < (size_t)(tend - target) || cut)
        snprintf(extra, sizeof extra, "... (%zu bytes)", (size_t)(tend - target));
    say(R, c, LEVEL_INFO, "HTTP %s %s%s", method, shown, extra);
}

static void http_status_done(struct pcap_run *R, struct conv *c, struct dir *d)
{
    int64_t now = R->now;
    uint64_t pkt = R->packet;
    R->now = d->status_t;
    R->packet = d->status_pkt;
    char size[48] = "";
    if (d->content_length >= 0)
        snprintf(size, sizeof size, " (%lld bytes)", (long long)d->content_length);
    say(R, c, d->status >= 400 ? LEVEL_ERROR : LEVEL_INFO, "HTTP %d %s%s", d->status,
        d->status_text, size);
    R->now = now;
    R->packet = pkt;
    d->in_headers = false;
}

static void http_line(struct pcap_run *R, struct conv *c, int dir, const char *line, size_t n,
                      bool cut)
{
    struct dir *d = &c->d[dir];
    if (n && line[n - 1] == '\r')
        n--;
    if (dir == 1 && d->in_headers) {
        if (n == 0) {
            http_status_done(R, c, d);
            return;
        }
        if (n > 15 && strncasecmp(line, "Content-Length:", 15) == 0) {
            long long v = 0;
            size_t i = 15;
            while (i < n && line[i] == ' ')
                i++;
            for (; i < n && line[i] >= '0' && line[i] <= '9' && v < (1LL << 50); i++)
                v = v * 10 + (line[i] - '0');
            d->content_length = v;
        }
        return;
    }
    if (dir == 0) {
        static const char *const methods[] = { "GET ", "POST ", "HEAD ", "PUT " };
        for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
            if (starts(line, n, methods[i])) {
                http_request(R, c, line, n, cut);
                return;
            }
    } else if ((starts(line, n, "HTTP/1.0 ") || starts(line, n, "HTTP/1.1 ")) && n >= 12 &&
               line[9] >= '1' && line[9] <= '5') {
        d->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
        token_str((const unsigned char *)line + (n > 13 ? 13 : n), n > 13 ? (n - 13 < 40 ? n - 13 : 40) : 0,
                  d->status_text, sizeof d->status_text);
        for (char *q = d->status_text; (q = strstr(q, "\\x20")) != NULL;) {
            *q = ' ';
            memmove(q + 1, q + 4, strlen(q + 4) + 1);
        }
        d->status_t = R->now;
        d->status_pkt = R->packet;
        d->content_length = -1;
        d->in_headers = true;
    }
}

static void http_bytes(struct pcap_run *R, struct conv *c, int dir, const unsigned char *p,
                       size_t n)
{
    struct dir *d = &c->d[dir];
    if (!d->line) {
        d->line = malloc(PC_HTTP_LINE);
        if (!d->line) {
            R->r.oom = true;
            return;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n') {
            http_line(R, c, dir, d->line, d->linen, d->line_over);
            d->linen = 0;
            d->line_over = false;
        } else if (d->linen < PC_HTTP_LINE) {
            d->line[d->linen++] = (char)p[i];
        } else {
            d->line_over = true;
        }
    }
}

/* ---- TCP ------------------------------------------------------------------------------- */

static void say_data(struct pcap_run *R, struct conv *c)
{
    if (c->data_said || (!c->d[0].payload && !c->d[1].payload) ||
        (c->proto == PR_TLS && !c->d[0].appdata && !c->d[1].appdata))
        return;
    c->data_said = true;
    const char *gap = c->d[0].gap || c->d[1].gap ? " (part of the stream missing from the capture)" : "";
    if (c->proto == PR_TLS)
        say(R, c, LEVEL_INFO, "TLS data client->server %llu bytes, server->client %llu bytes%s",
            (unsigned long long)c->d[0].appdata, (unsigned long long)c->d[1].appdata,
            c->d[0].gap || c->d[1].gap ? " (counted until a gap in the capture)" : "");
    else
        say(R, c, LEVEL_INFO, "data client->server %llu bytes, server->client %llu bytes%s",
            (unsigned long long)c->d[0].payload, (unsigned long long)c->d[1].payload, gap);
}

static void stream_bytes(struct pcap_run *R, struct conv *c, int dir, uint32_t seq,
                         const unsigned char *p, size_t n, size_t wire)
{
    struct dir *d = &c->d[dir];
    if (!d->seq_known) {
        d->seq_known = true;
        d->next = seq;
    }
    int32_t ahead = (int32_t)(seq - d->next);
    if (ahead > 0) {
        d->gap = true;           /* a segment missing: the rest cannot be walked */
        d->payload += wire;
        d->next = seq + (uint32_t)wire;
        return;
    }
    size_t skip = (size_t)(-(int64_t)ahead);
    if (skip >= wire)
        return;                  /* a retransmission */
    d->payload += wire - skip;
    d->next = seq + (uint32_t)wire;
    if (n < wire) {
        /* the capture kept less than the packet carried (snap length) */
        if (skip < n) {
            p += skip;
            n -= skip;
        } else {
            n = 0;
        }
        if (c->proto == PR_TLS || c->proto == PR_HTTP) {
            if (n) {
                if (c->proto == PR_TLS)
                    tls_bytes(R, c, dir, p, n);
                else
                    http_bytes(R, c, dir, p, n);
            }
            d->gap = c->proto == PR_TLS ? true : d->gap;
        }
        return;
    }
    p += skip;
    n -= skip;
    if (c->proto == PR_UNKNOWN && dir == 0 && n) {
        if (n >= 3 && p[0] == 22 && p[1] == 3)
            c->proto = PR_TLS;
        else if (n >= 4 && (memcmp(p, "GET ", 4) == 0 || memcmp(p, "POST", 4) == 0 ||
                            memcmp(p, "HEAD", 4) == 0 || memcmp(p, "PUT ", 4) == 0))
            c->proto = PR_HTTP;
        else
            c->proto = PR_OTHER;
    }
    if (c->proto == PR_TLS)
        tls_bytes(R, c, dir, p, n);
    else if (c->proto == PR_HTTP)
        http_bytes(R, c, dir, p, n);
}

static bool addr_eq(const struct addr *a, const struct addr *b)
{
    return a->v6 == b->v6 && memcmp(a->a, b->a, a->v6 ? 16 : 4) == 0;
}

static bool is_scep_port(const struct pcap_run *R, uint16_t port)
{
    for (size_t i = 0; i < R->nports; i++)
        if (R->ports[i] == port)
            return true;
    return false;
}

static struct conv *find_conv(struct pcap_run *R, const struct addr *cli, uint16_t cport,
                              const struct addr *srv, uint16_t sport, bool syn_only)
{
    /* the newest first: a port used again later is a new conversation */
    for (size_t i = R->nc; i-- > 0;) {
        struct conv *c = &R->c[i];
        if (c->cport == cport && c->sport == sport && addr_eq(&c->cli, cli) &&
            addr_eq(&c->srv, srv)) {
            if (syn_only && c->closed && (c->established || c->synack))
                break;           /* a new SYN on a finished conversation: a new one */
            return c;
        }
    }
    if (R->nc >= PC_MAX_CONVS) {
        R->convs_dropped++;
        return NULL;
    }
    if (R->nc == R->capc) {
        size_t cap = R->capc ? R->capc * 2 : 16;
        struct conv *v = realloc(R->c, cap * sizeof *v);
        if (!v) {
            R->r.oom = true;
            return NULL;
        }
        R->c = v;
        R->capc = cap;
    }
    struct conv *c = &R->c[R->nc++];
    *c = (struct conv){ .cli = *cli, .srv = *srv, .cport = cport, .sport = sport };
    c->t0 = R->now;
    c->pkt0 = R->packet;
    return c;
}

enum { F_FIN = 1, F_SYN = 2, F_RST = 4, F_PSH = 8, F_ACK = 16 };

static void tcp_segment(struct pcap_run *R, const struct addr *src, const struct addr *dst,
                        const unsigned char *p, size_t caplen, size_t len)
{
    if (caplen < 20) {
        R->short_packets++;
        return;
    }
    uint16_t sp = be16(p), dp = be16(p + 2);
    uint32_t seq = be32(p + 4);
    size_t hl = (size_t)(p[12] >> 4) * 4;
    uint8_t fl = p[13];
    if (hl < 20 || hl > caplen || hl > len) {
        R->short_packets++;
        return;
    }
    int dir;
    if (is_scep_port(R, dp))
        dir = 0;
    else if (is_scep_port(R, sp))
        dir = 1;
    else {
        R->other_port++;
        return;
    }
    const struct addr *cli = dir == 0 ? src : dst, *srv = dir == 0 ? dst : src;
    uint16_t cport = dir == 0 ? sp : dp, sport = dir == 0 ? dp : sp;
    bool syn = (fl & F_SYN) && !(fl & F_ACK) && dir == 0;
    struct conv *c = find_conv(R, cli, cport, srv, sport, syn);
    if (!c)
        return;
    c->last_t = R->now;
    c->last_pkt = R->packet;
    size_t wire = len - hl, got = caplen - hl;
    if (got > wire)
        got = wire;
    if (fl & F_SYN) {
        if (dir == 0 && !(fl & F_ACK)) {
            if (!c->syns++) {
                c->syn_first = R->now;
                c->syn_pkt = R->packet;
            }
            c->syn_last = R->now;
            c->d[0].seq_known = true;
            c->d[0].next = seq + 1;
        } else if (dir == 1 && (fl & F_ACK) && !c->synack) {
            c->synack = true;
            c->synack_t = R->now;
            c->d[1].seq_known = true;
            c->d[1].next = seq + 1;
        }
        return;
    }
    if (!c->established && !c->midstream_said && !(fl & F_RST)) {
        if (c->synack && dir == 0 && (fl & F_ACK)) {
            char t[32], w[24];
            int64_t at = c->syns ? c->syn_last : c->synack_t;
            time_format_iso(at, t);
            fmt_ms(c->synack_t - at, w, sizeof w);
            /* "2016-06-10T02:44:06.001Z" -> "02:44:06.001" */
            char hm[16];
            snprintf(hm, sizeof hm, "%.12s", t + 11);
            if (c->syns)
                say(R, c, LEVEL_INFO, "TCP handshake complete (SYN %s, SYN-ACK +%s%s)", hm, w,
                    c->syns > 1 ? ", after a retried SYN" : "");
            else
                say(R, c, LEVEL_INFO, "TCP handshake complete (SYN-ACK seen, SYN not in the capture)");
            c->established = true;
        } else if (!c->syns && !c->synack) {
            say(R, c, LEVEL_INFO, "TCP conversation already open when the capture started (no SYN)");
            c->midstream_said = true;
            c->established = true;
        }
    }
    if (wire)
        stream_bytes(R, c, dir, seq, p + hl, got, wire);
    if ((fl & F_RST) && !c->closed) {
        c->closed = true;
        uint64_t bytes = c->d[0].payload + c->d[1].payload;
        if (!c->synack && c->syns && dir == 1) {
            say(R, c, LEVEL_ERROR, "RST from server: connection refused (SYN answered by RST after %u tr%s)",
                c->syns, c->syns == 1 ? "y" : "ies");
        } else {
            say_data(R, c);
            say(R, c, bytes ? LEVEL_INFO : LEVEL_ERROR, "RST from %s after %llu bytes",
                side(dir), (unsigned long long)bytes);
        }
        return;
    }
    if ((fl & F_FIN) && !c->closed) {
        c->closed = true;
        say_data(R, c);
        char w[24];
        fmt_ms(R->now - (c->syns ? c->syn_first : c->t0), w, sizeof w);
        say(R, c, LEVEL_INFO, "closed by %s (FIN) after %s", side(dir), w);
    }
}

/* The end of the capture: what never finished is said at its last packet. */
static void finish(struct pcap_run *R)
{
    for (size_t i = 0; i < R->nc; i++) {
        struct conv *c = &R->c[i];
        R->now = c->last_t;
        R->packet = c->last_pkt;
        if (c->syns && !c->synack && !c->closed && !c->established) {
            char w[24];
            R->now = c->syn_first;
            R->packet = c->syn_pkt;
            fmt_ms(c->syn_last - c->syn_first, w, sizeof w);
            say(R, c, LEVEL_ERROR, "SYN not answered (%u tr%s over %s)", c->syns,
                c->syns == 1 ? "y" : "ies", w);
            continue;
        }
        if (c->d[1].in_headers)
            http_status_done(R, c, &c->d[1]);
        if (!c->closed) {
            say_data(R, c);
            say(R, c, LEVEL_INFO, "still open at the end of the capture");
        }
    }
}

/* ---- link layers ------------------------------------------------------------------------ */

static void ip_packet(struct pcap_run *R, const unsigned char *p, size_t caplen)
{
    if (caplen < 1) {
        R->short_packets++;
        return;
    }
    struct addr src = { 0 }, dst = { 0 };
    if ((p[0] >> 4) == 4) {
        if (caplen < 20) {
            R->short_packets++;
            return;
        }
        size_t ihl = (size_t)(p[0] & 15) * 4, tot = be16(p + 2);
        if (ihl < 20 || ihl > caplen || tot < ihl) {
            R->short_packets++;
            return;
        }
        if (p[9] != 6) {
            R->not_tcp++;
            return;
        }
        if ((be16(p + 6) & 0x3fff) != 0) {
            R->fragments++;
            return;
        }
        memcpy(src.a, p + 12, 4);
        memcpy(dst.a, p + 16, 4);
        size_t cap = caplen < tot ? caplen : tot;
        tcp_segment(R, &src, &dst, p + ihl, cap - ihl, tot - ihl);
    } else if ((p[0] >> 4) == 6) {
        if (caplen < 40) {
            R->short_packets++;
            return;
        }
        size_t plen = be16(p + 4);
        if (p[6] != 6) {
            R->not_tcp++; /* extension headers are not followed */
            return;
        }
        src.v6 = dst.v6 = 1;
        memcpy(src.a, p + 8, 16);
        memcpy(dst.a, p + 24, 16);
        size_t cap = caplen - 40 < plen ? caplen - 40 : plen;
        tcp_segment(R, &src, &dst, p + 40, cap, plen);
    } else {
        R->not_ip++;
    }
}

static void link_packet(struct pcap_run *R, int dlt, const unsigned char *p, size_t caplen)
{
    size_t off;
    uint16_t etype;
    switch (dlt) {
    case DLT_EN10MB:
        if (caplen < 14)
            goto short_packet;
        etype = be16(p + 12);
        off = 14;
        while ((etype == 0x8100 || etype == 0x88a8) && caplen >= off + 4) {
            etype = be16(p + off + 2);
            off += 4;
        }
        break;
    case DLT_LINUX_SLL:
        if (caplen < 16)
            goto short_packet;
        etype = be16(p + 14);
        off = 16;
        break;
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2:
        if (caplen < 20)
            goto short_packet;
        etype = be16(p);
        off = 20;
        break;
#endif
    case DLT_NULL:
    case DLT_LOOP:
        /* the family in host or network order: the IP header says the version anyway */
        if (caplen < 4)
            goto short_packet;
        ip_packet(R, p + 4, caplen - 4);
        return;
    default: /* DLT_RAW, DLT_IPV4, DLT_IPV6 */
        ip_packet(R, p, caplen);
        return;
    }
    if (etype != 0x0800 && etype != 0x86dd) {
        R->not_ip++;
        return;
    }
    ip_packet(R, p + off, caplen - off);
    return;
short_packet:
    R->short_packets++;
}

static bool dlt_known(int dlt)
{
    switch (dlt) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2:
#endif
    case DLT_NULL:
    case DLT_LOOP:
    case DLT_RAW:
#ifdef DLT_IPV4
    case DLT_IPV4:
    case DLT_IPV6:
#endif
        return true;
    default:
        return false;
    }
}

/* ---- the operations --------------------------------------------------------------------- */

static int rec_cmp(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

static void free_run(struct pcap_run *R)
{
    for (size_t i = 0; i < R->r.n; i++)
        free(R->r.v[i].text);
    free(R->r.v);
    for (size_t i = 0; i < R->nc; i++)
        for (int k = 0; k < 2; k++) {
            free(R->c[i].d[k].keep);
            free(R->c[i].d[k].line);
        }
    free(R->c);
}

/* Renders the records, sorted by time, as the source's text, one event a line. */
static bool render(struct pcap_run *R, struct evbuf *out)
{
    struct source *s = R->s;
    if (R->r.n)
        qsort(R->r.v, R->r.n, sizeof *R->r.v, rec_cmp);
    size_t total = 1;
    for (size_t i = 0; i < R->r.n; i++)
        total += 28 + 28 + strlen(R->r.v[i].text) + 1;
    s->heap = malloc(total);
    if (!s->heap)
        return false;
    size_t k = 0;
    size_t *start = malloc((R->r.n ? R->r.n : 1) * sizeof *start);
    if (!start)
        return false;
    for (size_t i = 0; i < R->r.n; i++) {
        char t[40];
        time_iso_us(R->r.v[i].t, t);
        start[i] = k;
        k += (size_t)snprintf(s->heap + k, total - k, "%s packet %llu %s\n", t,
                              (unsigned long long)R->r.v[i].packet, R->r.v[i].text);
    }
    s->text = s->heap;
    s->size = k;
    for (size_t i = 0; i < R->r.n; i++) {
        size_t end = i + 1 < R->r.n ? start[i + 1] - 1 : k - 1;
        int64_t t = parse_to_utc(s, R->r.v[i].t, ZONE_UTC, 0);
        if (!parse_emit(s, out, s->heap + start[i], end - start[i], i + 1, 1, t,
                        (enum level)R->r.v[i].level)) {
            free(start);
            return false;
        }
    }
    s->lines = R->r.n;
    free(start);
    return true;
}

static bool pcap_parse(struct source *s, struct evbuf *out)
{
    s->role = ROLE_CAPTURE;
    struct pcap_run R = { .s = s };
    R.ports = s->scep_ports && s->nscep_ports ? s->scep_ports : default_ports;
    R.nports = s->scep_ports && s->nscep_ports ? s->nscep_ports
                                                : sizeof default_ports / sizeof default_ports[0];
    char err[PCAP_ERRBUF_SIZE] = "";
    FILE *f = fmemopen((void *)s->raw, s->raw_size, "rb");
    if (!f) {
        source_note(s, 0, "cannot read the capture from memory");
        s->text = "";
        return true;
    }
    pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, err);
    if (!pc) {
        fclose(f);
        source_note(s, 0, "libpcap cannot read this capture: %s", err);
        s->text = "";
        return true;
    }
    int dlt = pcap_datalink(pc);
    bool ok = true;
    if (!dlt_known(dlt)) {
        const char *name = pcap_datalink_val_to_name(dlt);
        source_note(s, 0, "link type %s (%d) not read: only Ethernet, Linux cooked, raw IP and "
                    "BSD loopback captures are", name ? name : "unknown", dlt);
    } else {
        struct pcap_pkthdr *h;
        const u_char *data;
        int rc;
        while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
            R.packet++;
            /* a packet time past what microseconds since 1970 hold (a damaged header) is
             * clamped rather than overflowed */
            int64_t sec = (int64_t)h->ts.tv_sec, usec = (int64_t)h->ts.tv_usec;
            if (sec > INT64_MAX / 1000000 - 1)
                sec = INT64_MAX / 1000000 - 1;
            else if (sec < INT64_MIN / 1000000 + 1)
                sec = INT64_MIN / 1000000 + 1;
            if (usec < 0 || usec >= 1000000)
                usec = 0;
            R.now = sec * 1000000 + usec;
            size_t caplen = h->caplen;
            if (caplen > h->len && h->len)
                caplen = h->len;
            link_packet(&R, dlt, data, caplen);
            if (R.r.oom)
                break;
        }
        if (rc == PCAP_ERROR)
            source_note(s, 0, "the capture ends inside packet %llu (libpcap: %s): it may have "
                        "been cut short; the packets before it are read",
                        (unsigned long long)R.packet + 1, pcap_geterr(pc));
        if (!R.r.oom)
            finish(&R);
    }
    pcap_close(pc); /* closes f */
    if (R.r.oom) {
        free_run(&R);
        return false;
    }
    if (R.convs_dropped)
        source_note(s, 0, "more than %u conversations: %llu packets of the later ones not read",
                    PC_MAX_CONVS, (unsigned long long)R.convs_dropped);
    if (R.r.dropped)
        source_note(s, 0, "more than %u lines: %llu not shown", PC_MAX_RECORDS,
                    (unsigned long long)R.r.dropped);
    if (R.short_packets)
        source_note(s, 0, "%llu packets too short to read (headers cut by the snap length)",
                    (unsigned long long)R.short_packets);
    if (R.fragments)
        source_note(s, 0, "%llu IP fragments not reassembled", (unsigned long long)R.fragments);
    if (!R.packet && dlt_known(dlt))
        source_note(s, 0, "the capture holds no packets");
    if (R.packet && !R.nc) {
        char ports[64] = "";
        size_t k = 0;
        for (size_t i = 0; i < R.nports && k + 8 < sizeof ports; i++)
            k += (size_t)snprintf(ports + k, sizeof ports - k, "%s%u", i ? "," : "", R.ports[i]);
        source_note(s, 0, "%llu packets, none of TCP to port %s (--scep-port sets the ports)",
                    (unsigned long long)R.packet, ports);
    }
    ok = render(&R, out);
    free_run(&R);
    return ok;
}

/* "TIME packet N MESSAGE": the message is what follows the third space. */
static struct span pcap_message(const struct source *s, const struct event *ev)
{
    const char *p = s->text + event_off(ev), *end = p + ev->len;
    for (int k = 0; k < 3 && p < end; k++) {
        const char *sp = memchr(p, ' ', (size_t)(end - p));
        if (!sp)
            return span_make(end, 0);
        p = sp + 1;
    }
    return span_make(p, (size_t)(end - p));
}

static bool after(struct span m, const char *key, struct span *out)
{
    size_t k = strlen(key);
    for (size_t i = 0; i + k <= m.n; i++) {
        if (memcmp(m.p + i, key, k) == 0) {
            size_t j = i + k;
            while (j < m.n && m.p[j] != ' ')
                j++;
            *out = span_make(m.p + i + k, j - i - k);
            return true;
        }
    }
    return false;
}

static bool pcap_field(const struct source *s, const struct event *ev, const char *name,
                       struct span *out)
{
    if (ev->flags & EVF_RAW)
        return false;
    struct span m = pcap_message(s, ev);
    /* "CLIENT -> SERVER WHAT..." */
    const char *sp1 = memchr(m.p, ' ', m.n);
    if (!sp1 || (size_t)(m.p + m.n - sp1) < 5 || memcmp(sp1, " -> ", 4) != 0)
        return false;
    struct span cli = span_make(m.p, (size_t)(sp1 - m.p));
    const char *sv = sp1 + 4, *end = m.p + m.n;
    const char *sp2 = memchr(sv, ' ', (size_t)(end - sv));
    if (!sp2)
        sp2 = end;
    struct span srv = span_make(sv, (size_t)(sp2 - sv));
    struct span what = span_make(sp2 < end ? sp2 + 1 : end, sp2 < end ? (size_t)(end - sp2 - 1) : 0);
    if (strcmp(name, "client") == 0) {
        *out = cli;
        return true;
    }
    if (strcmp(name, "server") == 0) {
        *out = srv;
        return true;
    }
    if (strcmp(name, "server-port") == 0) {
        const char *c = srv.p + srv.n;
        while (c > srv.p && c[-1] != ':')
            c--;
        *out = span_make(c, (size_t)(srv.p + srv.n - c));
        return true;
    }
    if (strcmp(name, "event") == 0) {
        static const struct { const char *prefix, *name; } kinds[] = {
            { "TCP handshake complete", "handshake" },
            { "TCP conversation already open", "midstream" },
            { "SYN not answered", "syn-unanswered" },
            { "RST ", "rst" },
            { "TLS ClientHello", "client-hello" },
            { "TLS ServerHello", "server-hello" },
            { "TLS alert", "alert" },
            { "TLS data", "data" },
            { "data ", "data" },
            { "closed by", "close" },
            { "still open", "open" },
        };
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
            if (span_starts(what, kinds[i].prefix)) {
                *out = span_cstr(kinds[i].name);
                return true;
            }
        if (span_starts(what, "HTTP ") && what.n > 8) {
            bool digits = what.p[5] >= '0' && what.p[5] <= '9';
            *out = span_cstr(digits ? "http-status" : "http-request");
            return true;
        }
        return false;
    }
    if (strcmp(name, "sni") == 0)
        return span_starts(what, "TLS ClientHello") && after(what, " server_name=", out);
    if (strcmp(name, "tls-version") == 0) {
        if (!span_starts(what, "TLS ClientHello") && !span_starts(what, "TLS ServerHello"))
            return false;
        struct span v;
        if (!after(what, " version=", &v))
            return false;
        /* "TLS 1.2", "SSL 3.0": the number follows a space */
        if ((span_starts(v, "TLS") || span_starts(v, "SSL")) && v.n == 3 &&
            v.p + 7 <= end)
            v.n = 7;
        *out = v;
        return true;
    }
    if (strcmp(name, "alert-level") == 0)
        return span_starts(what, "TLS alert") && after(what, "TLS alert ", out);
    if (strcmp(name, "alert") == 0) {
        struct span lv;
        if (!span_starts(what, "TLS alert") || !after(what, "TLS alert ", &lv))
            return false;
        const char *a = lv.p + lv.n + 1;
        if (a >= end)
            return false;
        const char *e = memchr(a, ' ', (size_t)(end - a));
        *out = span_make(a, e ? (size_t)(e - a) : (size_t)(end - a));
        return true;
    }
    if (strcmp(name, "http-status") == 0) {
        if (!span_starts(what, "HTTP ") || what.n < 8 || what.p[5] < '0' || what.p[5] > '9')
            return false;
        *out = span_make(what.p + 5, 3);
        return true;
    }
    if (strcmp(name, "operation") == 0) {
        if (!span_starts(what, "HTTP ") || what.n < 8 || (what.p[5] >= '0' && what.p[5] <= '9'))
            return false;
        if (after(what, "?operation=", out) || after(what, "&operation=", out)) {
            const char *amp = memchr(out->p, '&', out->n);
            if (amp)
                out->n = (size_t)(amp - out->p);
            if (out->n >= 3 && memcmp(out->p + out->n - 3, "...", 3) == 0)
                out->n -= 3;
            return true;
        }
        return false;
    }
    return false;
}

/* ---- sniffing -------------------------------------------------------------------------- */

static int pcap_sniff_raw(const unsigned char *raw, size_t n)
{
    static const unsigned char magics[][4] = {
        { 0xa1, 0xb2, 0xc3, 0xd4 }, { 0xd4, 0xc3, 0xb2, 0xa1 }, /* microseconds */
        { 0xa1, 0xb2, 0x3c, 0x4d }, { 0x4d, 0x3c, 0xb2, 0xa1 }, /* nanoseconds */
    };
    if (n < 4)
        return 0;
    for (size_t i = 0; i < 4; i++)
        if (memcmp(raw, magics[i], 4) == 0)
            return 100;
    /* pcapng: a Section Header Block, then the byte-order magic 0x1A2B3C4D either way */
    if (memcmp(raw, "\x0a\x0d\x0d\x0a", 4) == 0) {
        if (n < 12)
            return 90;
        if (memcmp(raw + 8, "\x1a\x2b\x3c\x4d", 4) == 0 || memcmp(raw + 8, "\x4d\x3c\x2b\x1a", 4) == 0)
            return 100;
    }
    return 0;
}

static int pcap_sniff(const char *head, size_t n)
{
    (void)head;
    (void)n;
    return 0;
}

const struct parser parser_pcap = {
    .name = "pcap",
    .title = "network capture (pcap, pcapng)",
    .sniff = pcap_sniff,
    .sniff_raw = pcap_sniff_raw,
    .parse = pcap_parse,
    .message = pcap_message,
    .field = pcap_field,
};
