/* fuzz_output.h - what the case harness checks of the program's output: text that reaches a
 * terminal holds no control byte but tab and newline, no broken UTF-8, no C1 control and no
 * bidirectional override; JSON is well-formed, in valid UTF-8, with every control escaped. */
#ifndef SCEPSCOPE_FUZZ_OUTPUT_H
#define SCEPSCOPE_FUZZ_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One code point of strict UTF-8 at p (no overlong forms, no surrogates); its length, or 0. */
static inline size_t out_utf8(const unsigned char *p, const unsigned char *e, uint32_t *cp)
{
    unsigned c = p[0];
    size_t n;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        n = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if ((size_t)(e - p) < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

static inline bool out_dangerous(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

static inline void out_fail(const char *what, const char *text, size_t n, size_t at,
                            const char *why)
{
    size_t from = at > 60 ? at - 60 : 0, to = at + 20 < n ? at + 20 : n;
    fprintf(stderr, "%s: %s at byte %zu: ...", what, why, at);
    for (size_t i = from; i < to; i++)
        fprintf(stderr, (unsigned char)text[i] < 0x20 || (unsigned char)text[i] >= 0x7f
                            ? "\\x%02x" : "%c",
                (unsigned char)text[i]);
    fprintf(stderr, "...\n");
    abort();
}

/* Text for a terminal (written without colour). */
static inline void out_check_text(const char *what, const char *text, size_t n)
{
    const unsigned char *p = (const unsigned char *)text, *e = p + n;
    while (p < e) {
        uint32_t cp;
        size_t k = out_utf8(p, e, &cp);
        size_t at = (size_t)(p - (const unsigned char *)text);
        if (!k)
            out_fail(what, text, n, at, "not UTF-8");
        if ((cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0x7f)
            out_fail(what, text, n, at, "raw control byte");
        if (out_dangerous(cp))
            out_fail(what, text, n, at, "raw C1 control or bidi override");
        p += k;
    }
}

/* ---- a small JSON reader: true when [*pp, e) starts with one well-formed value ---- */

struct jr {
    const unsigned char *p, *e, *start;
    const char *why;
};

static inline void jr_ws(struct jr *J)
{
    while (J->p < J->e && (*J->p == ' ' || *J->p == '\t' || *J->p == '\n' || *J->p == '\r'))
        J->p++;
}

static inline bool jr_bad(struct jr *J, const char *why)
{
    J->why = why;
    return false;
}

static inline bool jr_string(struct jr *J)
{
    if (J->p >= J->e || *J->p != '"')
        return jr_bad(J, "expected a string");
    J->p++;
    while (J->p < J->e && *J->p != '"') {
        if (*J->p == '\\') {
            if (J->e - J->p < 2)
                return jr_bad(J, "bad escape");
            unsigned char c = J->p[1];
            if (c == 'u') {
                if (J->e - J->p < 6)
                    return jr_bad(J, "bad \\u escape");
                for (int i = 2; i < 6; i++) {
                    unsigned char h = J->p[i];
                    if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') ||
                          (h >= 'A' && h <= 'F')))
                        return jr_bad(J, "bad \\u escape");
                }
                J->p += 6;
            } else if (c && strchr("\"\\/bfnrt", c)) {
                J->p += 2;
            } else {
                return jr_bad(J, "bad escape");
            }
            continue;
        }
        uint32_t cp;
        size_t k = out_utf8(J->p, J->e, &cp);
        if (!k)
            return jr_bad(J, "string not UTF-8");
        if (cp < 0x20)
            return jr_bad(J, "raw control in a string");
        if (out_dangerous(cp))
            return jr_bad(J, "raw C1 control or bidi override in a string");
        J->p += k;
    }
    if (J->p >= J->e)
        return jr_bad(J, "string not closed");
    J->p++;
    return true;
}

static inline bool jr_digits(struct jr *J)
{
    const unsigned char *s = J->p;
    while (J->p < J->e && *J->p >= '0' && *J->p <= '9')
        J->p++;
    return J->p > s;
}

static inline bool jr_value(struct jr *J, int depth)
{
    jr_ws(J);
    if (J->p >= J->e)
        return jr_bad(J, "expected a value");
    if (depth > 64)
        return jr_bad(J, "nested too deep");
    unsigned char c = *J->p;
    if (c == '{' || c == '[') {
        unsigned char close = c == '{' ? '}' : ']';
        J->p++;
        jr_ws(J);
        if (J->p < J->e && *J->p == close) {
            J->p++;
            return true;
        }
        for (;;) {
            if (c == '{') {
                jr_ws(J);
                if (!jr_string(J))
                    return false;
                jr_ws(J);
                if (J->p >= J->e || *J->p != ':')
                    return jr_bad(J, "expected ':'");
                J->p++;
            }
            if (!jr_value(J, depth + 1))
                return false;
            jr_ws(J);
            if (J->p < J->e && *J->p == ',') {
                J->p++;
                continue;
            }
            if (J->p < J->e && *J->p == close) {
                J->p++;
                return true;
            }
            return jr_bad(J, "expected ',' or a close");
        }
    }
    if (c == '"')
        return jr_string(J);
    if (c == '-' || (c >= '0' && c <= '9')) {
        if (c == '-')
            J->p++;
        if (!jr_digits(J))
            return jr_bad(J, "bad number");
        if (J->p < J->e && *J->p == '.') {
            J->p++;
            if (!jr_digits(J))
                return jr_bad(J, "bad number");
        }
        if (J->p < J->e && (*J->p == 'e' || *J->p == 'E')) {
            J->p++;
            if (J->p < J->e && (*J->p == '+' || *J->p == '-'))
                J->p++;
            if (!jr_digits(J))
                return jr_bad(J, "bad number");
        }
        return true;
    }
    static const char *const words[] = { "true", "false", "null" };
    for (size_t i = 0; i < 3; i++) {
        size_t wl = strlen(words[i]);
        if ((size_t)(J->e - J->p) >= wl && memcmp(J->p, words[i], wl) == 0) {
            J->p += wl;
            return true;
        }
    }
    return jr_bad(J, "expected a value");
}

/* One JSON document (lines: one a line, JSON Lines), nothing else but white space. */
static inline void out_check_json(const char *what, const char *text, size_t n, bool lines)
{
    struct jr J = { (const unsigned char *)text, (const unsigned char *)text + n,
                    (const unsigned char *)text, NULL };
    bool any = false;
    for (;;) {
        jr_ws(&J);
        if (J.p >= J.e)
            break;
        if (any && !lines)
            out_fail(what, text, n, (size_t)(J.p - J.start), "more than one document");
        if (!jr_value(&J, 0))
            out_fail(what, text, n, (size_t)(J.p - J.start), J.why);
        any = true;
        if (lines && J.p < J.e && *J.p != '\n')
            out_fail(what, text, n, (size_t)(J.p - J.start), "a JSON line not ending there");
    }
    if (!any && !lines)
        out_fail(what, text, n, 0, "no JSON document");
}

#endif
