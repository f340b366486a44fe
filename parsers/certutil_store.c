/* certutil_store.c - a certificate store as `certutil -store My` or `certutil -user -store My`
 * prints it: a line naming the store (`My "Personal"`), then one block per certificate from
 * `================ Certificate N ================` (Serial Number, Issuer, NotBefore,
 * NotAfter, Subject, Template, Cert Hash(sha1), the key's container...). One event per
 * certificate, at its NotBefore (the device's local time, no zone). Role: cert-store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certutil_common.h"
#include "parser.h"
#include "timeutil.h"

extern const struct parser parser_certutil_store;

#define CERT_BAR "================ Certificate "
#define BLOCK_MAX_LINES 100000u

struct store_state {
    struct cu_summary sum;
    struct span store; /* the store's name, from the line before the first certificate */
};

static bool is_cert_bar(struct span line)
{
    struct span t = span_trim(line);
    return span_starts(t, CERT_BAR) && t.n > sizeof CERT_BAR && t.p[t.n - 1] == '=';
}

static int store_sniff(const char *head, size_t n)
{
    struct line_iter it;
    line_iter_init(&it, head, n);
    struct span line;
    int lines = 0;
    bool bar = false;
    while (line_iter_next(&it, &line) && lines++ < 200) {
        if (is_cert_bar(line))
            bar = true;
        else if (bar && span_starts(span_trim(line), "Serial Number:"))
            return 85;
    }
    return 0;
}

/* A field line of a certificate block: its name (as certutil writes it) and value. */
static bool block_field(struct span rec, const char *label, struct span *out)
{
    struct line_iter it;
    line_iter_init(&it, rec.p, rec.n);
    struct span line;
    size_t ln = strlen(label);
    while (line_iter_next(&it, &line)) {
        struct span t = span_trim(line);
        if (t.n > ln && strncmp(t.p, label, ln) == 0 && t.p[ln] == ':') {
            *out = cu_value(span_make(t.p + ln + 1, t.n - ln - 1));
            return true;
        }
    }
    return false;
}

static bool store_parse(struct source *s, struct evbuf *out)
{
    struct store_state *st = calloc(1, sizeof *st);
    if (!st)
        return false;
    s->pstate = st;
    s->role = ROLE_CERT_STORE;
    struct line_iter it;
    line_iter_init(&it, s->text, s->size);
    struct span line;
    bool more = line_iter_next(&it, &line);
    bool seen = false;
    size_t from = out->n;
    while (more) {
        s->lines++;
        uint64_t lineno = it.lineno;
        struct span t = span_trim(line);
        if (!t.n) {
            s->blank++;
            more = line_iter_next(&it, &line);
            continue;
        }
        if (!is_cert_bar(line)) {
            if (!seen && !st->store.n && !span_starts(t, "CertUtil:")) {
                /* `My "Personal"`: the store's name is its first word */
                size_t k = 0;
                while (k < t.n && t.p[k] != ' ')
                    k++;
                st->store = span_make(t.p, k);
            }
            if (!seen || span_starts(t, "CertUtil:"))
                s->header++;
            else if (!parse_emit_raw(s, out, line, lineno, "outside a certificate block"))
                return false;
            more = line_iter_next(&it, &line);
            continue;
        }
        seen = true;
        const char *rec = line.p;
        struct span last = line;
        uint64_t consumed = 1;
        more = line_iter_next(&it, &line);
        while (more && !is_cert_bar(line) && !span_starts(span_trim(line), "CertUtil:") &&
               consumed < BLOCK_MAX_LINES) {
            s->lines++;
            consumed++;
            if (span_trim(line).n)
                last = line;
            more = line_iter_next(&it, &line);
        }
        /* the event runs from the bar to the block's last line that is not blank; blank lines
         * inside it are its continuation, those after it blank */
        struct span blk = span_make(rec, (size_t)(last.p + last.n - rec));
        uint64_t span_lines = 1;
        for (size_t i = 0; i < blk.n; i++)
            span_lines += blk.p[i] == '\n';
        s->blank += consumed - span_lines;
        int64_t t_us = TIME_NONE;
        struct span nb;
        if (block_field(blk, "NotBefore", &nb)) {
            const char *why;
            if (!cu_date(s, nb, &t_us, &why))
                source_note(s, lineno, "certificate's NotBefore \"%.*s\" not read: %s; it keeps "
                            "the time of the certificate before it", (int)(nb.n < 40 ? nb.n : 40),
                            nb.p, why);
        } else {
            source_note(s, lineno, "certificate without NotBefore (cut short?): it keeps the "
                        "time of the certificate before it");
        }
        if (!parse_emit(s, out, blk.p, blk.n, lineno, span_lines, t_us, LEVEL_INFO))
            return false;
    }
    static const char *const fl[][2] = {
        { "subject", "subject " }, { "issuer", "issuer " }, { "serial", "serial " },
        { "not-before", "valid from " }, { "not-after", "to " }, { "template", "template " },
        { "thumbprint", "thumbprint " },
    };
    return cu_summarize(&st->sum, &parser_certutil_store, s, out, from, fl,
                        sizeof fl / sizeof fl[0]);
}

/* A certificate's message is its summary (the raw view shows the block's lines). */
static struct span store_message(const struct source *s, const struct event *ev)
{
    const struct store_state *st = s->pstate;
    struct span m;
    if (st && cu_sum_find(&st->sum, ev->line, &m))
        return m;
    return span_make(s->text + event_off(ev), ev->len);
}

static bool store_field(const struct source *s, const struct event *ev, const char *name,
                        struct span *out)
{
    static const struct { const char *field, *label; } map[] = {
        { "serial", "Serial Number" }, { "issuer", "Issuer" }, { "subject", "Subject" },
        { "not-before", "NotBefore" }, { "not-after", "NotAfter" }, { "template", "Template" },
        { "thumbprint", "Cert Hash(sha1)" },
    };
    struct span rec = span_make(s->text + event_off(ev), ev->len);
    if (!strcmp(name, "store")) {
        const struct store_state *st = s->pstate;
        if (!st || !st->store.n)
            return false;
        *out = st->store;
        return true;
    }
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(name, map[i].field))
            return block_field(rec, map[i].label, out);
    return false;
}

static void store_free(struct source *s)
{
    struct store_state *st = s->pstate;
    if (st)
        cu_sum_free(&st->sum);
    free(s->pstate);
    s->pstate = NULL;
}

const struct parser parser_certutil_store = {
    .name = "certutil-store",
    .title = "certificate store (certutil -store, certutil -user -store)",
    .sniff = store_sniff,
    .sniff_raw = NULL,
    .parse = store_parse,
    .message = store_message,
    .field = store_field,
    .fields = NULL,
    .free_state = store_free,
};
