/* timeutil.h - calendar arithmetic and fixed-position number reading, without libc's
 * locale- and zone-dependent functions (no sscanf, strptime, mktime). */
#ifndef SCEPSCOPE_TIMEUTIL_H
#define SCEPSCOPE_TIMEUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define US_PER_SEC INT64_C(1000000)
#define US_PER_DAY (INT64_C(86400) * US_PER_SEC)

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);

/* The date of a day counted from 1970-01-01 (the inverse of days_from_civil). */
void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

/* True when the fields make a real date and time (leap years checked; second 60 allowed). */
bool civil_valid(int y, int mo, int d, int h, int mi, int s);

/* Microseconds since the epoch for a wall time taken as UTC. */
int64_t civil_to_us(int y, int mo, int d, int h, int mi, int s, int64_t usec);

/* Reads exactly n (1..9) ASCII digits at p; false if any is not a digit. */
bool read_digits(const char *p, size_t n, int *out);

/* Reads 1..max digits at p (stops at the first non-digit or at end); returns how many were
 * read (0 when none), value in *out. */
size_t read_digits_upto(const char *p, const char *end, size_t max, int *out);

/* A fraction of a second written with n digits (1..9) as microseconds: "789" -> 789000,
 * "0814310" -> 81431. */
int64_t fraction_to_us(int value, size_t ndigits);

/* "2016-06-10T02:44:06.123Z" (24 chars + NUL); "-" for TIME_NONE. buf must hold 32 bytes. */
void time_format_iso(int64_t t, char *buf);

/* Parses "+HH:MM", "-HH:MM", "+HHMM", "+HH", "Z" or "UTC" into seconds east of UTC. */
bool parse_utc_offset(const char *s, int32_t *out_s);

/* A date as Windows tools print it in the machine's locale (certutil -view, certutil -store):
 * US "M/D/YYYY h:mm[:ss] AM|PM" (or without AM/PM: 24-hour) and ISO "YYYY-MM-DD HH:MM[:SS]"
 * (a 'T' and a trailing 'Z' allowed). The wall time, zone not applied, into *wall_us. Other
 * forms are refused with the reason in *why ("D.M.YYYY (a European locale) is not read").
 * certutil's -gmt option ends each time with " GMT" ("8/17/2025 6:35 PM GMT"): accepted, and
 * *gmt (when not NULL) says the time is UTC, not the machine's local time. */
bool locale_date_parse_gmt(const char *p, size_t n, int64_t *wall_us, bool *gmt,
                           const char **why);
bool locale_date_parse(const char *p, size_t n, int64_t *wall_us, const char **why);

#endif
