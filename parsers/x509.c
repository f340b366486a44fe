/* x509.c - certificate files dropped into a case: DER (binary) and PEM (text, possibly with
 * other text around the blocks, as `openssl pkcs12 -nokeys` writes). Read with OpenSSL's
 * libcrypto. Each certificate is rendered as one line of text:
 *   certificate subject="CN=jsmith" issuer="..." serial=1a2b.. not-before=2016-06-10T02:34:00Z
 *     not-after=... thumbprint=<sha1> template="IntuneSCEP"
 * and is one event at its NotBefore (UTC: certificates carry UTC). Lines of a PEM file that
 * are not in a certificate block are rendered as they are and kept raw; a PEM block of
 * another kind (a private key, a request) is named but not copied. Role: certificate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "parser.h"
#include "timeutil.h"

extern const struct parser parser_x509;

#define PEM_BEGIN "-----BEGIN "
#define PEM_END "-----END "
#define X509_MAX_CERTS 100000u

/* ---- sniffing ----------------------------------------------------------------------------- */

/* A DER certificate: SEQUENCE (long length) { SEQUENCE (tbsCertificate) ... }. */
static bool der_start(const unsigned char *raw, size_t n)
{
    return n >= 8 && raw[0] == 0x30 && (raw[1] == 0x82 || raw[1] == 0x83) &&
           raw[raw[1] == 0x82 ? 4 : 5] == 0x30;
}

static bool has(const unsigned char *raw, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (raw[i] == (unsigned char)needle[0] && memcmp(raw + i, needle, k) == 0)
            return true;
    return false;
}

static int x509_sniff_raw(const unsigned char *raw, size_t n)
{
    if (der_start(raw, n))
        return 90;
    size_t h = n < SNIFF_BYTES ? n : SNIFF_BYTES;
    if (!has(raw, h, PEM_BEGIN "CERTIFICATE-----") && !has(raw, h, PEM_BEGIN "X509 CERTIFICATE")
        && !has(raw, h, PEM_BEGIN "TRUSTED CERTIFICATE"))
        return 0;
    /* a log or a certutil dump that quotes a certificate is that log, not a certificate file */
    if (has(raw, h, "<![LOG[") || has(raw, h, "#Fields:") || has(raw, h, "\nRow ") ||
        has(raw, h, "================ Certificate") || has(raw, h, "$$<"))
        return 0;
    for (size_t i = 0; i + 1 < h; i += 2) /* UTF-16 or binary: not a PEM file */
        if (!raw[i] || !raw[i + 1])
            return 0;
    return 80;
}

static int x509_sniff_text(const char *head, size_t n)
{
    (void)head;
    (void)n;
    return 0; /* read from the bytes (sniff_raw) */
}

/* ---- rendering ---------------------------------------------------------------------------- */

struct rline {
    size_t off, len;
    uint64_t nlines;   /* physical lines of the file it stands for (notes say which) */
    int64_t t;
    bool raw, blank;
    char why[120];
};

struct render {
    char *buf;
    size_t n, cap;
    struct rline *l;
    size_t nl, capl;
    bool oom;
};

static void put(struct render *r, const char *p, size_t n)
{
    if (r->oom)
        return;
    if (r->n + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->n + n + 1)
            cap *= 2;
        char *b = realloc(r->buf, cap);
        if (!b) {
            r->oom = true;
            return;
        }
        r->buf = b;
        r->cap = cap;
    }
    memcpy(r->buf + r->n, p, n);
    r->n += n;
}

static void vputf(struct render *r, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void vputf(struct render *r, const char *fmt, va_list ap)
{
    char tmp[1024];
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    if (k > 0)
        put(r, tmp, (size_t)k < sizeof tmp ? (size_t)k : sizeof tmp - 1);
}

static void putf(struct render *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct render *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vputf(r, fmt, ap);
    va_end(ap);
}

/* Starts a rendered line; end_line() closes it. */
static struct rline *begin_line(struct render *r)
{
    if (r->oom)
        return NULL;
    if (r->nl == r->capl) {
        size_t cap = r->capl ? r->capl * 2 : 64;
        struct rline *l = realloc(r->l, cap * sizeof *l);
        if (!l) {
            r->oom = true;
            return NULL;
        }
        r->l = l;
        r->capl = cap;
    }
    struct rline *l = &r->l[r->nl++];
    *l = (struct rline){ .off = r->n, .nlines = 1, .t = TIME_NONE };
    return l;
}

static void end_line(struct render *r, struct rline *l)
{
    if (!l || r->oom)
        return;
    l->len = r->n - l->off;
    put(r, "\n", 1);
}

/* A name in RFC 2253 form, UTF-8 kept, quotes and controls escaped. */
static void put_name(struct render *r, const X509_NAME *name)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (!b) {
        r->oom = true;
        return;
    }
    X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char *p;
    long n = BIO_get_mem_data(b, &p);
    put(r, "\"", 1);
    for (long i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\n' || c == '\r')
            put(r, " ", 1);
        else
            put(r, p + i, 1);
    }
    put(r, "\"", 1);
    BIO_free(b);
}

static int64_t asn1_time_us(const ASN1_TIME *t)
{
    struct tm tm;
    if (!t || !ASN1_TIME_to_tm(t, &tm))
        return TIME_NONE;
    return civil_to_us(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                       tm.tm_sec, 0);
}

/* The template a Microsoft CA wrote into the certificate: its name (1.3.6.1.4.1.311.20.2,
 * a BMPString) or its OID (1.3.6.1.4.1.311.21.7). */
static void put_template(struct render *r, X509 *x)
{
    static const char *const oids[2] = { "1.3.6.1.4.1.311.20.2", "1.3.6.1.4.1.311.21.7" };
    for (int k = 0; k < 2; k++) {
        ASN1_OBJECT *o = OBJ_txt2obj(oids[k], 1);
        int at = o ? X509_get_ext_by_OBJ(x, o, -1) : -1;
        ASN1_OBJECT_free(o);
        if (at < 0)
            continue;
        X509_EXTENSION *ext = X509_get_ext(x, at);
        const ASN1_OCTET_STRING *os = X509_EXTENSION_get_data(ext);
        const unsigned char *p = ASN1_STRING_get0_data(os);
        long len = ASN1_STRING_length(os);
        char out[256] = "";
        if (k == 0) {
            ASN1_TYPE *ty = d2i_ASN1_TYPE(NULL, &p, len);
            if (ty && (ty->type == V_ASN1_BMPSTRING || ty->type == V_ASN1_UTF8STRING ||
                       ty->type == V_ASN1_PRINTABLESTRING || ty->type == V_ASN1_IA5STRING)) {
                unsigned char *u = NULL;
                int un = ASN1_STRING_to_UTF8(&u, ty->value.asn1_string);
                if (un > 0) {
                    size_t c = 0;
                    for (int i = 0; i < un && c + 1 < sizeof out; i++)
                        if (u[i] >= 0x20 && u[i] != '"' && u[i] != '\\' && u[i] != 0x7f)
                            out[c++] = (char)u[i];
                    out[c] = 0;
                }
                OPENSSL_free(u);
            }
            ASN1_TYPE_free(ty);
        } else {
            /* SEQUENCE { OBJECT IDENTIFIER templateID, INTEGER major, INTEGER minor } */
            long plen;
            int tag, cls;
            if (!(ASN1_get_object(&p, &plen, &tag, &cls, len) & 0x80) && tag == V_ASN1_SEQUENCE) {
                ASN1_OBJECT *id = d2i_ASN1_OBJECT(NULL, &p, plen);
                if (id)
                    OBJ_obj2txt(out, sizeof out, id, 1);
                ASN1_OBJECT_free(id);
            }
        }
        if (out[0]) {
            putf(r, " template=\"%s\"", out);
            return;
        }
    }
}

static void render_cert(struct render *r, X509 *x, const char *where)
{
    struct rline *l = begin_line(r);
    if (!l)
        return;
    put(r, "certificate subject=", 20);
    put_name(r, X509_get_subject_name(x));
    put(r, " issuer=", 8);
    put_name(r, X509_get_issuer_name(x));
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    if (hex) {
        for (char *c = hex; *c; c++)
            if (*c >= 'A' && *c <= 'F')
                *c = (char)(*c - 'A' + 'a');
        putf(r, " serial=%s", hex);
    }
    OPENSSL_free(hex);
    BN_free(bn);
    char nb[32], na[32];
    int64_t tb = asn1_time_us(X509_get0_notBefore(x)), ta = asn1_time_us(X509_get0_notAfter(x));
    time_format_iso(tb, nb);
    time_format_iso(ta, na);
    /* seconds are what a certificate holds: drop the milliseconds */
    if (tb != TIME_NONE)
        memcpy(nb + 19, "Z", 2);
    if (ta != TIME_NONE)
        memcpy(na + 19, "Z", 2);
    putf(r, " not-before=%s not-after=%s", nb, na);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdn = 0;
    if (X509_digest(x, EVP_sha1(), md, &mdn)) {
        put(r, " thumbprint=", 12);
        for (unsigned i = 0; i < mdn; i++)
            putf(r, "%02x", md[i]);
    }
    put_template(r, x);
    putf(r, " (%s)", where);
    l = &r->l[r->nl - 1];
    l->t = tb;
    end_line(r, l);
}

static void render_raw(struct render *r, const char *why, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void render_raw(struct render *r, const char *why, const char *fmt, ...)
{
    struct rline *l = begin_line(r);
    if (!l)
        return;
    va_list ap;
    va_start(ap, fmt);
    vputf(r, fmt, ap);
    va_end(ap);
    l = &r->l[r->nl - 1];
    l->raw = true;
    snprintf(l->why, sizeof l->why, "%s", why);
    end_line(r, l);
}

static void render_der(struct render *r, const unsigned char *raw, size_t n)
{
    const unsigned char *p = raw, *end = raw + n;
    unsigned count = 0;
    while (p < end && count < X509_MAX_CERTS) {
        const unsigned char *start = p;
        X509 *x = d2i_X509(NULL, &p, (long)(end - p));
        if (!x) {
            unsigned long e = ERR_get_error();
            char msg[160];
            ERR_error_string_n(e, msg, sizeof msg);
            ERR_clear_error();
            size_t want = 0;
            if (der_start(start, (size_t)(end - start)))
                want = start[1] == 0x82 ? 4u + ((size_t)start[2] << 8 | start[3])
                                        : 5u + ((size_t)start[2] << 16 | (size_t)start[3] << 8 |
                                                start[4]);
            if (want > (size_t)(end - start))
                render_raw(r, "a DER certificate cut short",
                           "DER certificate cut short at byte %zu: it needs %zu bytes, the file "
                           "holds %zu", (size_t)(start - raw), want, (size_t)(end - start));
            else
                render_raw(r, "bytes that are not a DER certificate",
                           "%zu bytes at byte %zu are not a DER certificate (%s)",
                           (size_t)(end - start), (size_t)(start - raw), msg);
            return;
        }
        char where[64];
        snprintf(where, sizeof where, "DER, bytes %zu-%zu", (size_t)(start - raw),
                 (size_t)(p - raw) - 1);
        render_cert(r, x, where);
        X509_free(x);
        count++;
        while (p < end && (*p == 0 || *p == '\r' || *p == '\n'))
            p++; /* padding some tools leave between or after */
    }
}

static bool is_cert_label(const char *p, size_t n)
{
    static const char *const labels[] = { "CERTIFICATE-----", "X509 CERTIFICATE-----",
                                          "TRUSTED CERTIFICATE-----" };
    for (size_t i = 0; i < 3; i++) {
        size_t k = strlen(labels[i]);
        if (n >= k && memcmp(p, labels[i], k) == 0)
            return true;
    }
    return false;
}

static void render_pem(struct render *r, const char *text, size_t n)
{
    struct line_iter it;
    line_iter_init(&it, text, n);
    struct span line;
    bool more = line_iter_next(&it, &line);
    while (more && !r->oom) {
        uint64_t first = it.lineno;
        struct span t = span_trim(line);
        if (!t.n) {
            struct rline *l = begin_line(r);
            if (l)
                l->blank = true;
            end_line(r, l);
            more = line_iter_next(&it, &line);
            continue;
        }
        if (!span_starts(t, PEM_BEGIN)) {
            struct rline *l = begin_line(r);
            put(r, line.p, line.n);
            if (l) {
                l = &r->l[r->nl - 1];
                l->raw = true;
                snprintf(l->why, sizeof l->why, "line %llu of the file: not in a PEM block",
                         (unsigned long long)first);
            }
            end_line(r, l);
            more = line_iter_next(&it, &line);
            continue;
        }
        /* a PEM block: up to its END line */
        const char *bstart = line.p;
        struct span label = span_make(t.p + strlen(PEM_BEGIN), t.n - strlen(PEM_BEGIN));
        bool cert = is_cert_label(label.p, label.n);
        struct span endl = line;
        bool ended = false;
        uint64_t nlines = 1;
        while ((more = line_iter_next(&it, &line))) {
            nlines++;
            endl = line;
            if (span_starts(span_trim(line), PEM_END)) {
                ended = true;
                more = line_iter_next(&it, &line);
                break;
            }
        }
        size_t lab = label.n > 5 ? label.n - 5 : label.n; /* without the closing dashes */
        if (lab > 40)
            lab = 40;
        if (!ended) {
            render_raw(r, "a PEM block never ended (cut short?)",
                       "PEM block \"%.*s\" from line %llu never ends (%llu lines to the end of "
                       "the file)", (int)lab, label.p, (unsigned long long)first,
                       (unsigned long long)nlines);
        } else if (!cert) {
            render_raw(r, "a PEM block that is not a certificate",
                       "PEM block \"%.*s\" at lines %llu-%llu: not a certificate (not shown)",
                       (int)lab, label.p, (unsigned long long)first,
                       (unsigned long long)(first + nlines - 1));
        } else {
            BIO *b = BIO_new_mem_buf(bstart, (int)(endl.p + endl.n - bstart));
            X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
            if (x) {
                char where[64];
                snprintf(where, sizeof where, "PEM, lines %llu-%llu", (unsigned long long)first,
                         (unsigned long long)(first + nlines - 1));
                render_cert(r, x, where);
            } else {
                char msg[160];
                ERR_error_string_n(ERR_get_error(), msg, sizeof msg);
                render_raw(r, "a PEM certificate block that does not decode",
                           "PEM certificate at lines %llu-%llu does not decode (%s)",
                           (unsigned long long)first, (unsigned long long)(first + nlines - 1),
                           msg);
            }
            ERR_clear_error();
            X509_free(x);
            BIO_free(b);
        }
        if (r->nl)
            r->l[r->nl - 1].nlines = nlines;
    }
}

static bool x509_parse(struct source *s, struct evbuf *out)
{
    struct render r = { 0 };
    s->role = ROLE_CERT;
    const unsigned char *raw = s->raw;
    size_t n = s->raw_size;
    if (der_start(raw, n)) {
        render_der(&r, raw, n);
    } else {
        if (n >= 3 && memcmp(raw, "\xEF\xBB\xBF", 3) == 0) {
            raw += 3;
            n -= 3;
        }
        render_pem(&r, (const char *)raw, n);
    }
    if (r.oom) {
        free(r.buf);
        free(r.l);
        return false;
    }
    free(s->heap);
    s->heap = r.buf ? r.buf : malloc(1);
    if (!s->heap) {
        free(r.l);
        return false;
    }
    s->text = s->heap;
    s->size = r.n;
    bool ok = true;
    for (size_t i = 0; ok && i < r.nl; i++) {
        const struct rline *l = &r.l[i];
        s->lines++;
        struct span sp = span_make(s->text + l->off, l->len);
        if (l->blank) {
            s->blank++;
        } else if (l->raw) {
            ok = parse_emit_raw(s, out, sp, i + 1, l->why);
        } else {
            ok = parse_emit(s, out, sp.p, sp.n, i + 1, 1,
                            l->t == TIME_NONE ? TIME_NONE : parse_to_utc(s, l->t, ZONE_UTC, 0),
                            LEVEL_INFO) != NULL;
        }
    }
    if (r.nl && r.n)
        source_note(s, 0, "rendered: one line per certificate (the file's own lines are named "
                    "in each)");
    free(r.l);
    return ok;
}

static struct span x509_message(const struct source *s, const struct event *ev)
{
    return span_make(s->text + event_off(ev), ev->len);
}

static bool x509_field(const struct source *s, const struct event *ev, const char *name,
                       struct span *out)
{
    static const char *const names[] = { "subject", "issuer", "serial", "not-before",
                                         "not-after", "thumbprint", "template" };
    bool known = false;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        known |= !strcmp(name, names[i]);
    if (!known)
        return false;
    struct span line = span_make(s->text + event_off(ev), ev->len);
    size_t k = strlen(name);
    const char *p = line.p, *end = line.p + line.n;
    bool q = false;
    for (; p < end; p++) {
        if (*p == '\\' && q) {
            p++;
            continue;
        }
        if (*p == '"') {
            q = !q;
            continue;
        }
        if (q || *p != ' ' || (size_t)(end - p) < k + 2 || memcmp(p + 1, name, k) != 0 ||
            p[k + 1] != '=')
            continue;
        const char *v = p + k + 2;
        if (v < end && *v == '"') {
            const char *e = ++v;
            while (e < end && *e != '"') {
                if (*e == '\\' && e + 1 < end)
                    e++;
                e++;
            }
            *out = span_make(v, (size_t)(e - v));
        } else {
            const char *e = v;
            while (e < end && *e != ' ')
                e++;
            *out = span_make(v, (size_t)(e - v));
        }
        return true;
    }
    return false;
}

const struct parser parser_x509 = {
    .name = "x509",
    .title = "certificate file (PEM or DER)",
    .sniff = x509_sniff_text,
    .sniff_raw = x509_sniff_raw,
    .parse = x509_parse,
    .message = x509_message,
    .field = x509_field,
    .fields = NULL,
    .free_state = NULL,
};
