/* fuzz_common.h - what the fuzz harnesses share: a source made from bytes in memory the way
 * core/bundle.c makes one from a file (encoding guessed, binary files refused, head decoded
 * and sniffed, text decoded), parsed by a given parser, with every event read back. */
#ifndef SCEPSCOPE_FUZZ_COMMON_H
#define SCEPSCOPE_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "parser.h"
#include "source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken promise of the code under test: report it as a crash, so the fuzzer keeps it. */
#define FUZZ_CHECK(cond)                                                                      \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);          \
            abort();                                                                          \
        }                                                                                     \
    } while (0)

/* Field names the parsers know, and a few they do not. */
static const char *const fuzz_field_names[] = {
    "date", "time", "s-ip", "cs-method", "cs-uri-stem", "cs-uri-query", "s-port",
    "cs-username", "c-ip", "cs(User-Agent)", "cs(Referer)", "sc-status", "sc-substatus",
    "sc-win32-status", "time-taken", "component", "context", "type", "thread", "file",
    "level", "kind", "pid", "tid", "process", "host", "sender", "subsystem", "category",
    "no-such-field", "",
};
#define FUZZ_NFIELDS (sizeof fuzz_field_names / sizeof fuzz_field_names[0])

/* Reads every byte of a span, so that a span pointing outside its text is caught. */
static inline unsigned fuzz_touch(struct span sp)
{
    unsigned h = 0;
    for (size_t i = 0; i < sp.n; i++)
        h = h * 31u + (unsigned char)sp.p[i];
    return h;
}

/* Parses size bytes at data with parser p, as the loader would once p was chosen; then asks
 * for the message and every field of every event, one by one and all at once. */
static inline void fuzz_parser(const struct parser *p, const uint8_t *data, size_t size)
{
    struct source s = { 0 };
    struct evbuf ev = { 0 };
    s.first = s.last = TIME_NONE;
    s.path = strdup("fuzz.log");
    s.raw_heap = malloc(size ? size : 1);
    if (!s.path || !s.raw_heap)
        goto out;
    if (size)
        memcpy(s.raw_heap, data, size);
    s.raw = s.raw_heap;
    s.raw_size = size;
    if (p->sniff_raw) {
        /* a binary format: its parser takes the bytes and renders its records as text */
        int rs = p->sniff_raw(s.raw, s.raw_size);
        FUZZ_CHECK(rs >= 0 && rs <= 100);
        (void)parser_sniff_raw(s.raw, s.raw_size, NULL);
        s.parser = p;
        if (!p->parse(&s, &ev))
            goto out;
        parse_inherit_times(&ev, 0);
        FUZZ_CHECK(s.events == ev.n);
        goto read_back;
    }
    s.enc = source_guess_encoding(s.raw, s.raw_size, &s.bom_len);
    (void)source_binary_kind(s.raw, s.raw_size, s.enc);
    char *head = malloc(SNIFF_BYTES);
    if (!head)
        goto out;
    size_t hn = source_decode_head(&s, head, SNIFF_BYTES);
    FUZZ_CHECK(hn <= SNIFF_BYTES);
    int score = p->sniff(head, hn);
    FUZZ_CHECK(score >= 0 && score <= 100);
    (void)parser_sniff(head, hn, NULL);
    free(head);
    /* parsed whatever the sniffer said: the parser must cope with anything */
    if (!source_decode(&s))
        goto out;
    s.parser = p;
    if (!p->parse(&s, &ev))
        goto out;
    parse_inherit_times(&ev, 0);
    FUZZ_CHECK(s.events == ev.n);
    FUZZ_CHECK(s.lines == s.events + s.continuation + s.header + s.blank);
read_back:;
    struct field_cache cache = { 0 };
    struct span out[FUZZ_NFIELDS];
    bool found[FUZZ_NFIELDS];
    unsigned h = 0;
    for (size_t i = 0; i < ev.n; i++) {
        const struct event *e = &ev.v[i];
        FUZZ_CHECK(event_off(e) <= s.size && e->len <= s.size - event_off(e));
        if (i && !p->sniff_raw && !p->record_numbers)
            FUZZ_CHECK(e->line > ev.v[i - 1].line);
        if (e->flags & EVF_RAW)
            continue;
        struct span m = p->message(&s, e);
        /* inside the text, or in what the parser keeps for the source (a rendered summary):
         * either way every byte is read below, where AddressSanitizer sees any overrun */
        FUZZ_CHECK(m.n == 0 || m.p != NULL);
        h += fuzz_touch(m);
        if (p->field) {
            for (size_t k = 0; k < FUZZ_NFIELDS; k++) {
                struct span f;
                if (p->field(&s, e, fuzz_field_names[k], &f))
                    h += fuzz_touch(f);
            }
        }
        if (p->fields) {
            p->fields(&s, e, fuzz_field_names, FUZZ_NFIELDS, out, found, &cache);
            for (size_t k = 0; k < FUZZ_NFIELDS; k++)
                if (found[k])
                    h += fuzz_touch(out[k]);
            p->fields(&s, e, fuzz_field_names, FUZZ_NFIELDS, out, found, NULL);
        }
    }
    (void)h;
out:
    evbuf_free(&ev);
    source_free(&s); /* frees the parser's state, raw_heap, heap and path */
}

/* Theme and keymap files may 'inherit' by name: keep the user's own files out of it. */
static inline void fuzz_no_user_config(void)
{
    setenv("XDG_CONFIG_HOME", "/nonexistent-scepscope-fuzz", 1);
}

/* A copy of the input with a NUL after it, for the loaders that want a C string. */
static inline char *fuzz_cstring(const uint8_t *data, size_t size)
{
    char *t = malloc(size + 1);
    if (t) {
        if (size)
            memcpy(t, data, size);
        t[size] = 0;
    }
    return t;
}

#endif
