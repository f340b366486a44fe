/* escape.c - output escaping. Safe ASCII runs go out in one fwrite; only the rare unsafe
 * byte takes the slow path. */
#include <string.h>

#include "escape.h"
#include "utf8.h"

static bool unsafe_cp(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9F) ||        /* C1 controls: 0x9b is CSI */
           (cp >= 0x202A && cp <= 0x202E) ||    /* bidi embeddings and overrides */
           (cp >= 0x2066 && cp <= 0x2069);      /* bidi isolates */
}

static size_t safe_ascii_run(const char *p, size_t n, bool json)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x20 || c >= 0x7f || (json && (c == '"' || c == '\\')))
            break;
        i++;
    }
    return i;
}

void esc_text(FILE *f, struct span s)
{
    const unsigned char *p = (const unsigned char *)s.p;
    size_t n = s.n, i = 0;
    while (i < n) {
        size_t run = safe_ascii_run(s.p + i, n - i, false);
        if (run) {
            fwrite(s.p + i, 1, run, f);
            i += run;
            continue;
        }
        unsigned char c = p[i];
        if (c == '\t') {
            fputs("\\t", f);
            i++;
        } else if (c == '\n') {
            fputs("\\n", f);
            i++;
        } else if (c == '\r') {
            fputs("\\r", f);
            i++;
        } else if (c < 0x80) {
            fprintf(f, "\\x%02x", c);
            i++;
        } else {
            size_t len = utf8_seq_len(p + i, n - i);
            if (len == 0) {
                fprintf(f, "\\x%02x", c);
                i++;
            } else {
                uint32_t cp = utf8_decode(p + i, len);
                if (unsafe_cp(cp))
                    fprintf(f, "\\u%04x", (unsigned)cp);
                else
                    fwrite(p + i, 1, len, f);
                i += len;
            }
        }
    }
}

void esc_json(FILE *f, struct span s)
{
    const unsigned char *p = (const unsigned char *)s.p;
    size_t n = s.n, i = 0;
    while (i < n) {
        size_t run = safe_ascii_run(s.p + i, n - i, true);
        if (run) {
            fwrite(s.p + i, 1, run, f);
            i += run;
            continue;
        }
        unsigned char c = p[i];
        switch (c) {
        case '"': fputs("\\\"", f); i++; continue;
        case '\\': fputs("\\\\", f); i++; continue;
        case '\n': fputs("\\n", f); i++; continue;
        case '\r': fputs("\\r", f); i++; continue;
        case '\t': fputs("\\t", f); i++; continue;
        default: break;
        }
        if (c < 0x80) {
            fprintf(f, "\\u%04x", c);
            i++;
            continue;
        }
        size_t len = utf8_seq_len(p + i, n - i);
        if (len == 0) {
            fputs("\\ufffd", f);
            i++;
            continue;
        }
        uint32_t cp = utf8_decode(p + i, len);
        if (unsafe_cp(cp))
            fprintf(f, "\\u%04x", (unsigned)cp);
        else
            fwrite(p + i, 1, len, f);
        i += len;
    }
}

void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    esc_json(f, span_cstr(s));
    fputc('"', f);
}

struct shown show_text(const char *text)
{
    struct shown r;
    size_t k = 0, max = sizeof r.s - 4;
    for (; text[k] && k < max; k++) {
        unsigned char c = (unsigned char)text[k];
        r.s[k] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (text[k]) {
        while (k > 0 && ((unsigned char)r.s[k] & 0xC0) == 0x80) /* no half characters */
            k--;
        memcpy(r.s + k, "...", 3);
        k += 3;
    }
    r.s[k] = 0;
    return r;
}
