/* timeutil.c - calendar arithmetic (Howard Hinnant's days_from_civil) and fixed-position
 * digit reading. No locale, no time zone database: logs say their zone or we are told it. */
#include <stdio.h>
#include <string.h>

#include "event.h"
#include "timeutil.h"

int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

bool civil_valid(int y, int mo, int d, int h, int mi, int s)
{
    static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (y < 1601 || y > 9999 || mo < 1 || mo > 12 || d < 1)
        return false;
    int dim = mdays[mo - 1];
    if (mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        dim = 29;
    return d <= dim && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 60;
}

int64_t civil_to_us(int y, int mo, int d, int h, int mi, int s, int64_t usec)
{
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    return ((days * 86400) + h * 3600 + mi * 60 + s) * US_PER_SEC + usec;
}

bool read_digits(const char *p, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)p[i] - '0';
        if (c > 9)
            return false;
        v = v * 10 + (int)c;
    }
    *out = v;
    return n > 0 && n <= 9;
}

size_t read_digits_upto(const char *p, const char *end, size_t max, int *out)
{
    size_t i = 0;
    int v = 0;
    if (max > 9)
        max = 9;
    while (i < max && p + i < end) {
        unsigned c = (unsigned char)p[i] - '0';
        if (c > 9)
            break;
        v = v * 10 + (int)c;
        i++;
    }
    *out = v;
    return i;
}

int64_t fraction_to_us(int value, size_t ndigits)
{
    int64_t v = value;
    while (ndigits < 6) {
        v *= 10;
        ndigits++;
    }
    while (ndigits > 6) {
        v /= 10;
        ndigits--;
    }
    return v;
}

void time_format_iso(int64_t t, char *buf)
{
    if (t == TIME_NONE) {
        strcpy(buf, "-");
        return;
    }
    int64_t secs = t / US_PER_SEC, us = t % US_PER_SEC;
    if (us < 0) {
        us += US_PER_SEC;
        secs--;
    }
    int64_t days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    char tmp[80];
    snprintf(tmp, sizeof tmp, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", (int)y, m, d,
             (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), (int)(us / 1000));
    memcpy(buf, tmp, 31);
    buf[31] = 0;
}

bool parse_utc_offset(const char *s, int32_t *out_s)
{
    if (strcmp(s, "Z") == 0 || strcmp(s, "UTC") == 0 || strcmp(s, "utc") == 0) {
        *out_s = 0;
        return true;
    }
    int sign;
    if (s[0] == '+')
        sign = 1;
    else if (s[0] == '-')
        sign = -1;
    else
        return false;
    s++;
    int h, m = 0;
    size_t n = strlen(s);
    if (n == 2 && read_digits(s, 2, &h)) {
        /* +HH */
    } else if (n == 4 && read_digits(s, 2, &h) && read_digits(s + 2, 2, &m)) {
        /* +HHMM */
    } else if (n == 5 && s[2] == ':' && read_digits(s, 2, &h) && read_digits(s + 3, 2, &m)) {
        /* +HH:MM */
    } else {
        return false;
    }
    if (h > 14 || m > 59)
        return false;
    *out_s = sign * (h * 3600 + m * 60);
    return true;
}

static const char *skip_sp(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* h:mm[:ss] at p; returns past it, or NULL. */
static const char *read_hms(const char *p, const char *end, int *h, int *mi, int *s)
{
    size_t k = read_digits_upto(p, end, 2, h);
    if (!k || p + k >= end || p[k] != ':')
        return NULL;
    p += k + 1;
    if (end - p < 2 || !read_digits(p, 2, mi))
        return NULL;
    p += 2;
    *s = 0;
    if (p < end && *p == ':') {
        if (end - p < 3 || !read_digits(p + 1, 2, s))
            return NULL;
        p += 3;
    }
    return p;
}

bool locale_date_parse(const char *p, size_t n, int64_t *wall_us, const char **why)
{
    return locale_date_parse_gmt(p, n, wall_us, NULL, why);
}

bool locale_date_parse_gmt(const char *p, size_t n, int64_t *wall_us, bool *gmt,
                           const char **why)
{
    const char *end = p + n;
    p = skip_sp(p, end);
    while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        end--;
    /* certutil -gmt: "... 6:35 PM GMT" */
    bool is_gmt = end - p > 4 && end[-4] == ' ' && memcmp(end - 3, "GMT", 3) == 0;
    if (is_gmt)
        end -= 4;
    if (gmt)
        *gmt = is_gmt;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    *why = NULL;
    if (end - p >= 10 && p[4] == '-' && p[7] == '-') {
        if (!read_digits(p, 4, &y) || !read_digits(p + 5, 2, &mo) || !read_digits(p + 8, 2, &d)) {
            *why = "not a date";
            return false;
        }
        p += 10;
        if (p < end && (*p == 'T' || *p == ' '))
            p++;
        p = read_hms(p, end, &h, &mi, &s);
        if (!p) {
            *why = "an ISO date without a time";
            return false;
        }
        if (p < end && *p == '.') /* a fraction: dropped */
            while (++p < end && *p >= '0' && *p <= '9')
                ;
        if (p < end && *p == 'Z')
            p++;
    } else {
        size_t k1 = read_digits_upto(p, end, 2, &mo);
        if (!k1 || p + k1 >= end) {
            *why = "not a date";
            return false;
        }
        char sep = p[k1];
        if (sep == '.') {
            *why = "a D.M.YYYY date (a European locale): only the US M/D/YYYY h:mm AM/PM and "
                   "ISO YYYY-MM-DD forms are read";
            return false;
        }
        if (sep != '/') {
            *why = "not a date in the US M/D/YYYY or ISO YYYY-MM-DD form";
            return false;
        }
        p += k1 + 1;
        size_t k2 = read_digits_upto(p, end, 2, &d);
        if (!k2 || p + k2 >= end || p[k2] != '/' || end - (p + k2 + 1) < 4 ||
            !read_digits(p + k2 + 1, 4, &y)) {
            *why = "not a date in the US M/D/YYYY form";
            return false;
        }
        p += k2 + 5;
        if (mo > 12) {
            *why = "a D/M/YYYY date (the month is over 12: not a US locale): only the US "
                   "M/D/YYYY and ISO forms are read";
            return false;
        }
        p = read_hms(skip_sp(p, end), end, &h, &mi, &s);
        if (!p) {
            *why = "a date without a time of day";
            return false;
        }
        p = skip_sp(p, end);
        if (end - p >= 2 && (p[1] == 'M' || p[1] == 'm') &&
            (p[0] == 'A' || p[0] == 'a' || p[0] == 'P' || p[0] == 'p')) {
            if (h < 1 || h > 12) {
                *why = "an hour outside 1..12 before AM/PM";
                return false;
            }
            bool pm = p[0] == 'P' || p[0] == 'p';
            h = (h % 12) + (pm ? 12 : 0);
            p += 2;
        }
    }
    p = skip_sp(p, end);
    if (p != end) {
        *why = "unexpected text after the time (a locale's AM/PM words other than AM/PM?)";
        return false;
    }
    if (!civil_valid(y, mo, d, h, mi, s)) {
        *why = "a date or time that does not exist";
        return false;
    }
    *wall_us = civil_to_us(y, mo, d, h, mi, s, 0);
    return true;
}
