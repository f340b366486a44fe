/* parser.h - what a log format is to the rest of the program: a small table of operations,
 * plus the helpers every parser uses to emit events and account for lines. */
#ifndef SCEPSCOPE_PARSER_H
#define SCEPSCOPE_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "source.h"
#include "span.h"

/* How much of a file's decoded text the sniffers see. */
#define SNIFF_BYTES (64u * 1024u)

/* Where a parser found some field names in the layout of the last line it was asked about. */
#define FIELD_CACHE_MAX 32

struct field_cache {
    uint64_t layout; /* the parser's id for that layout; 0: nothing cached */
    size_t n;
    int16_t col[FIELD_CACHE_MAX];
    int16_t last;
};

struct parser {
    const char *name;     /* "w3c", "cmtrace", ... shown in the format column */
    const char *title;    /* "IIS W3C extended log", for --sources and help */

    /* How sure it is that this head of a file is its format: 0 (not at all) to 100. */
    int (*sniff)(const char *head, size_t n);

    /* For a binary format (a capture, an .evtx file, a DER certificate): how sure it is that
     * these bytes, the whole file as read (s->raw), are its format: 0 to 100. NULL for text
     * formats. Such a file is handed to parse() before any decoding, with s->raw and
     * s->raw_size set and s->text unset: parse() renders each record as one line of text into
     * a buffer it allocates in s->heap (freed with the source), sets s->text and s->size to
     * it, and makes its events point into that text; the raw view shows that text. Its
     * "lines" are those rendered lines (or the format's own record numbers, said in --sources
     * by the parser's notes). sniff may then be a function that returns 0. */
    int (*sniff_raw)(const unsigned char *raw, size_t n);

    /* Reads all of s->text into events appended to out, in line order. Every physical line
     * ends up in an event (parsed or raw), or counted in s->header or s->blank; the extra lines
     * of a multi-line entry are counted in s->continuation. Sets s->role and may set s->pstate.
     * Returns false only when memory runs out. */
    bool (*parse)(struct source *s, struct evbuf *out);

    /* The message of a parsed (not EVF_RAW) event, as a span into s->text, or into text the
     * parser keeps in s->pstate for as long as the source lives (a one-line summary of a
     * multi-line record). It may contain newlines (multi-line entries); the caller escapes
     * them for display. */
    struct span (*message)(const struct source *s, const struct event *ev);

    /* A named field of a parsed event, as written in the log (W3C "-" gives an empty span).
     * False when the format or this entry has no such field. May be NULL. */
    bool (*field)(const struct source *s, const struct event *ev, const char *name,
                  struct span *out);

    /* Several named fields at once (names[i] -> out[i], found[i]), reading the raw line once:
     * what the classification of a line needs. May be NULL (then field() is asked for each).
     * cache (may be NULL) keeps where the names were found, for the next line: a caller gives
     * one cache per thread and per names array, zeroed at first. */
    void (*fields)(const struct source *s, const struct event *ev, const char *const *names,
                   size_t n, struct span *out, bool *found, struct field_cache *cache);

    /* Frees s->pstate. May be NULL. */
    void (*free_state)(struct source *s);

    /* parse() reads s->text through core/textwin (which checks it for UTF-8 as it goes): the
     * loading leaves the file unread until then (source_decode_deferred). */
    bool windowed;

    /* An event's line is the format's own record number (an event log's EventRecordID), not
     * a physical line: they need not grow through the file. */
    bool record_numbers;
};

/* The parsers, in sniffing order, NULL-terminated (parsers/parsers.c). */
extern const struct parser *const parser_table[];

/* The parser with the highest sniff score above zero for this head, or NULL. */
const struct parser *parser_sniff(const char *head, size_t n, int *score);
/* The same among the parsers of binary formats, on the file's bytes. */
const struct parser *parser_sniff_raw(const unsigned char *raw, size_t n, int *score);
const struct parser *parser_by_name(const char *name);

/* ---- helpers for parsers (core/parse.c) ---- */

/* Wall-clock time read from a log to UTC. kind says what the log told of its zone:
 * ZONE_UTC (the format is UTC, as W3C), ZONE_BIAS (a CMTrace bias in minutes,
 * UTC = local + bias), ZONE_OFFSET (an offset east of UTC written with the time, -0500:
 * given as its bias, +300) or ZONE_ASSUMED_UTC (nothing: taken as UTC). --tz
 * (s->tz_given) always wins. Records in s->zone what was done. */
int64_t parse_to_utc(struct source *s, int64_t wall_us, enum zone kind, int32_t bias_min);

/* Appends an event for the record [rec, rec + len) of s->text, which starts at physical line
 * `line` and spans `nlines` lines; counts it (events, continuation, first/last time).
 * Returns NULL when out of memory. */
struct event *parse_emit(struct source *s, struct evbuf *out, const char *rec, size_t len,
                         uint64_t line, uint64_t nlines, int64_t t, enum level level);

/* Appends a raw event for one physical line the parser could not read, counts it as unparsed
 * and notes why (the first few reasons are kept with their line numbers). */
bool parse_emit_raw(struct source *s, struct evbuf *out, struct span line, uint64_t lineno,
                    const char *why);

/* Gives raw events the time of the nearest earlier parsed event of the same source (or the
 * next one when none comes before), flagged EVF_TIME_INHERITED. Called after parse. */
void parse_inherit_times(struct evbuf *out, size_t from);

#endif
