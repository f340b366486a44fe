/* utf8.c - UTF-8 checks and transcoding. Strict: overlong forms, surrogates and code points
 * past U+10FFFF are not UTF-8, so they are escaped on output rather than passed through. */
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "utf8.h"

size_t utf8_seq_len(const unsigned char *p, size_t n)
{
    if (n == 0)
        return 0;
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

uint32_t utf8_decode(const unsigned char *p, size_t len)
{
    switch (len) {
    case 1: return p[0];
    case 2: return ((uint32_t)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
    case 3: return ((uint32_t)(p[0] & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    default:
        return ((uint32_t)(p[0] & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) |
               ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
    }
}

size_t utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

void utf8_scan(const unsigned char *p, size_t n, uint64_t *multibyte, uint64_t *invalid)
{
    uint64_t mb = 0, bad = 0;
    size_t i = 0;
    while (i < n) {
        /* ASCII runs are the common case: skip them 64 bytes at a time where SSE2 is, then
         * eight at a time */
#if defined(__SSE2__)
        while (i + 64 <= n) {
            __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
            __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 16));
            __m128i c = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 32));
            __m128i d = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 48));
            if (_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d))))
                break;
            i += 64;
        }
#endif
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (w & UINT64_C(0x8080808080808080))
                break;
            i += 8;
        }
        if (i >= n)
            break;
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t len = utf8_seq_len(p + i, n - i);
        if (len) {
            mb++;
            i += len;
        } else {
            bad++;
            i++;
        }
    }
    *multibyte = mb;
    *invalid = bad;
}

size_t utf8_first_invalid(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t len = utf8_seq_len(p + i, n - i);
        if (!len)
            return i;
        i += len;
    }
    return n;
}

size_t utf16_out_max(size_t nbytes)
{
    /* each 2-byte unit gives at most 3 bytes; a lone last byte gives U+FFFD (3) */
    return (nbytes / 2) * 3 + 3;
}

size_t utf16_to_utf8(const unsigned char *p, size_t n, bool big_endian, char *out,
                     uint64_t *replaced)
{
    size_t o = 0, i = 0;
    uint64_t rep = 0;
    while (i + 1 < n) {
        uint32_t u = big_endian ? ((uint32_t)p[i] << 8 | p[i + 1]) : ((uint32_t)p[i + 1] << 8 | p[i]);
        i += 2;
        if (u >= 0xD800 && u <= 0xDBFF && i + 1 < n) {
            uint32_t v = big_endian ? ((uint32_t)p[i] << 8 | p[i + 1])
                                    : ((uint32_t)p[i + 1] << 8 | p[i]);
            if (v >= 0xDC00 && v <= 0xDFFF) {
                i += 2;
                o += utf8_encode(0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00), out + o);
                continue;
            }
        }
        if (u >= 0xD800 && u <= 0xDFFF) {
            u = 0xFFFD;
            rep++;
        }
        o += utf8_encode(u, out + o);
    }
    if (i < n) {
        o += utf8_encode(0xFFFD, out + o);
        rep++;
    }
    if (replaced)
        *replaced = rep;
    return o;
}

/* Windows-1252 0x80..0x9F; the five undefined bytes map to the C1 controls of the same
 * value, which the output escapes. */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

size_t cp1252_out_max(size_t nbytes)
{
    return nbytes * 3;
}

size_t cp1252_to_utf8(const unsigned char *p, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = p[i];
        if (c < 0x80)
            out[o++] = (char)c;
        else if (c < 0xA0)
            o += utf8_encode(cp1252_high[c - 0x80], out + o);
        else
            o += utf8_encode(c, out + o);
    }
    return o;
}
