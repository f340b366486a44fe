/* source.h - one input file: opened read-only, mapped (or decoded to UTF-8), sniffed, parsed.
 * A source owns its text; every event of it points into that text. */
#ifndef SCEPSCOPE_SOURCE_H
#define SCEPSCOPE_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"
#include "span.h"

struct parser;

enum encoding {
    ENC_UTF8 = 0,     /* UTF-8 without BOM (ASCII included) */
    ENC_UTF8_BOM,
    ENC_UTF16LE,      /* with BOM, or recognised by its zero bytes */
    ENC_UTF16BE,
    ENC_CP1252,       /* not UTF-8: read as Windows-1252 ("ANSI") */
};

enum role {
    ROLE_UNKNOWN = 0,
    ROLE_NDES_IIS,    /* IIS log with mscep.dll requests: the NDES server */
    ROLE_CRP_IIS,     /* IIS log with CMCertificateRegistration requests: the CRP server */
    ROLE_IIS,         /* some other IIS log */
    ROLE_NDESPLUGIN,  /* NDESPlugin.log (component NDESPlugin) */
    ROLE_CRP,         /* CRP.log (component CertificateRegistrationPoint) */
    ROLE_CONFIGMGR,   /* some other ConfigMgr / CMTrace log */
    ROLE_CAPTURE,     /* a network capture (pcap, pcapng): the client's side of step 2 */
    ROLE_CA_EVENTS,   /* the CA's Windows event log (Security 4886-4889, CertificationAuthority) */
    ROLE_NDES_EVENTS, /* the NDES server's Windows event log (NetworkDeviceEnrollmentService) */
    ROLE_DEVICE_EVENTS, /* a Windows device's event log (DeviceManagement-Enterprise-Diagnostics) */
    ROLE_EVENTS,      /* some other Windows event log */
    ROLE_CA_DB,       /* the CA database: certutil -view */
    ROLE_CERT_STORE,  /* a certificate store: certutil -store, certutil -user -store My */
    ROLE_CERT,        /* certificate files (PEM, DER) */
    ROLE_ANDROID_LOG, /* an Android device's own log: the Company Portal's OMADM log */
    ROLE_APPLE_LOG,   /* an Apple device's own log: Console, `log show`, the iOS syslog */
    ROLE_COUNT
};

/* How the times of a source were turned into UTC. */
enum zone {
    ZONE_UTC = 0,     /* the format says UTC (IIS W3C) */
    ZONE_BIAS,        /* each entry carries its bias (CMTrace time="...+BIAS") */
    ZONE_ASSUMED_UTC, /* some entries carry no zone and none was given: read as UTC */
    ZONE_GIVEN,       /* --tz set the offset */
    ZONE_MIXED,       /* entries with a bias and entries without */
    ZONE_OFFSET,      /* each entry carries its offset from UTC (-0500, +02:00) */
};

/* What a log's lines leave out of their date, and where the missing part was taken from. */
enum date_missing {
    DATE_COMPLETE = 0, /* every line has its date */
    DATE_NO_DAY,       /* times of day only (a copy from the Console app) */
    DATE_NO_YEAR,      /* month and day, no year (the iOS syslog: "May 23 14:15:36") */
};

enum date_from {
    DATE_FROM_NONE = 0,
    DATE_FROM_GIVEN,   /* --date */
    DATE_FROM_CASE,    /* the case's other logs: the day their lines fall near this log's */
    DATE_FROM_MTIME,   /* the file's modification time: its last line written before it */
};

#define SOURCE_NOTES_MAX 16
#define SOURCE_NOTE_LEN 200

struct source {
    char *path;               /* as given, or as found under a given folder */
    uint16_t index;           /* position in the case: file order */

    /* the file's bytes, mapped read-only (or read, for pipes and special files) */
    const unsigned char *raw;
    size_t raw_size;
    void *map;                /* mmap()ed region, or NULL */
    size_t map_size;
    int fd;                   /* a mapped file's descriptor while it is parsed (core/textwin.c
                                 reads it), when fd_open */
    bool fd_open;
    unsigned char *raw_heap;  /* the bytes read, when not mapped */

    /* the text, decoded to UTF-8 with the BOM removed: points into raw when the file is
     * UTF-8 already, else into heap */
    const char *text;
    size_t size;
    char *heap;
    enum encoding enc;
    size_t bom_len;
    bool utf8_pending;        /* text is the file's bytes, not yet checked for UTF-8: the parse
                                 checks them as it reads (source_decode_deferred) */

    const struct parser *parser;
    void *pstate;             /* the parser's own data (field layouts...) */
    enum role role;
    const void *classified_by; /* the playbook its events were classified with as it was
                                  loaded (diagnose_prepare), or NULL */
    /* set by the loader while it parses: a parser that knows its role before its end may
     * hand its events over as they come, each time with all of them so far: events [0, n)
     * of ev are final, and so is the role */
    void (*on_events)(void *ctx, struct source *s, struct event *ev, size_t n);
    void *on_events_ctx;

    /* zone: set by --tz before parsing; the parser reports what it found */
    bool tz_given;
    int32_t tz_offset_s;      /* local = UTC + offset, as in +10:00 */
    enum zone zone;
    bool zone_seen;           /* zone holds what the first time said */
    int32_t bias_min_seen;    /* last bias seen, for --sources (minutes, UTC = local + bias) */

    /* Lines without a date (or a year): the parser dates the first such line date_ref (the
     * day, as microseconds at its 00:00, or any time in the year) and moves on by a day
     * when a time goes back by more than an hour (by a year when the month goes back). Set
     * before parsing (core/bundle.c: --date, else the file's modification time, then the
     * day the case's other logs agree on); the parser says what its lines lacked. */
    int64_t date_ref;
    enum date_from date_from;
    enum date_missing date_missing;
    int64_t mtime;            /* the file's modification time (us), TIME_NONE when unknown */
    uint64_t date_support;    /* DATE_FROM_CASE: the other logs' lines near this one's */

    /* captures: the TCP ports of the SCEP server (--scep-port), set before parsing; none:
     * 443 and 80 */
    const uint16_t *scep_ports;
    size_t nscep_ports;

    /* accounting: lines = event_lines + header + blank, where
     * event_lines = events + continuation (the extra lines of multi-line entries) */
    uint64_t lines;
    uint64_t events;
    uint64_t unparsed;        /* events kept raw: the parser could not read them */
    uint64_t continuation;
    uint64_t header;          /* directive / header lines (W3C '#...') */
    uint64_t blank;
    int64_t first, last;      /* earliest and latest UTC time, TIME_NONE when none */

    bool skipped;             /* not read at all: see note[0] */
    /* the notes made before parsing (opening, decoding): a second parse starts from them */
    unsigned notes_before_parse;
    uint64_t notes_dropped_before_parse;
    char notes[SOURCE_NOTES_MAX][SOURCE_NOTE_LEN];
    unsigned nnotes;
    uint64_t notes_dropped;   /* notes beyond SOURCE_NOTES_MAX, counted */
};

/* Records something the reader skipped or assumed, with its line (0: the whole file).
 * Keeps the first SOURCE_NOTES_MAX, counts the rest. */
void source_note(struct source *s, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same, for what decoding found out while the parse ran: the note goes after the notes
 * made before parsing and before the parse's own, as if it had been made before (and a second
 * parse keeps it). */
void source_note_decoding(struct source *s, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A window onto a source's text that a parser reads through on this thread (core/textwin.c):
 * while it is set, text bytes [off, off + n) are also at p. What the loading does with each
 * line while it is parsed (classifying it) then reads the window, not the mapped file. */
struct source_view {
    const struct source *s;
    const char *p;
    uint64_t off;
    size_t n;
};
extern _Thread_local struct source_view source_view;

/* Where the len bytes of text at offset off can be read: in this thread's window onto s when
 * it holds them, else s->text + off. */
static inline const char *source_at(const struct source *s, uint64_t off, size_t len)
{
    const struct source_view *v = &source_view;
    if (v->s == s && off >= v->off && off - v->off <= v->n && len <= v->n - (off - v->off))
        return v->p + (off - v->off);
    return s->text + off;
}

/* The text offset of p, a pointer into s->text or into this thread's window onto s. */
static inline uint64_t source_offset(const struct source *s, const char *p)
{
    const struct source_view *v = &source_view;
    uintptr_t a = (uintptr_t)p, lo = (uintptr_t)v->p;
    if (v->s == s && a >= lo && a - lo <= v->n)
        return v->off + (a - lo);
    return (uint64_t)(uintptr_t)(p - s->text);
}

/* Opens path read-only and maps it (never writes to it). On failure returns false with the
 * reason in why. */
bool source_open(struct source *s, const char *path, char *why, size_t whylen);

/* Makes sure a page of a mapped file lost to truncation reads as zeros instead of killing the
 * process with SIGBUS (installs the handler unless it is in place; source_open calls it). */
void source_guard_maps(void);

/* Notes what happened to a mapped file since it was opened: it shrank while it was read (the
 * pages lost were read as zeros: see the SIGBUS handler in source.c), it shrank after, or it
 * grew (only the size it had when opened is read). Called once the source is parsed. */
void source_check_changed(struct source *s);

/* Names what a path is when it is a device or a socket ("a character device, not a log
 * file"); NULL for a file, a folder or a pipe. */
const char *source_special_kind(mode_t mode);

/* What the first bytes say of the encoding: a BOM, or the zero bytes of UTF-16 without one.
 * Anything else is taken as UTF-8 here (source_decode may later find it is Windows-1252). */
enum encoding source_guess_encoding(const unsigned char *raw, size_t n, size_t *bom_len);

/* Names a binary format the file is in ("gzip-compressed file", "network capture (pcap)"...)
 * or NULL when it looks like text. */
const char *source_binary_kind(const unsigned char *raw, size_t n, enum encoding enc);

/* The first up to cap bytes of the text decoded to UTF-8 into out, for sniffing. */
size_t source_decode_head(const struct source *s, char *out, size_t cap);

/* Decodes the whole file into s->text (no copy when it is UTF-8 already). A file without BOM
 * that is not UTF-8 but has 8-bit bytes is read as Windows-1252. False when out of memory. */
bool source_decode(struct source *s);
/* The same, except that a file that may be UTF-8 is not read through now: s->text is its
 * bytes and s->utf8_pending is set, for a parser that reads through core/textwin, which
 * checks the bytes as it reads them and calls the two below. */
bool source_decode_deferred(struct source *s);
/* Checks the whole text now (the notes go as source_note_decoding's): what source_decode
 * would have done. False when out of memory. */
bool source_decode_settle(struct source *s);
/* A text without BOM found not to be UTF-8 (8-bit bytes, no multi-byte sequence) as it was
 * read: decoded as Windows-1252 into s->heap, which becomes s->text. False when out of
 * memory. */
bool source_decode_cp1252(struct source *s);
/* A text found to be UTF-8 with `bad` bytes that start no sequence, the first on `line`, as it
 * was read: noted as source_decode notes it. */
void source_note_stray_bytes(struct source *s, uint64_t line, uint64_t bad);
/* Fills the page tables of a mapped file up to 256 MB at once (a log read whole through its
 * mapping next): one call instead of a page fault every 64 KB. */
void source_populate(struct source *s);
/* Closes the descriptor kept for the parse. */
void source_close_fd(struct source *s);

void source_free(struct source *s);

const char *encoding_name(enum encoding e);
const char *role_name(enum role r);
/* The logs whose lines join the attempts by their time alone (they carry no request to pair
 * with an IIS line): the Windows event logs (the CA's, NDES's, a device's, another's) and the
 * devices' own logs (Android, Apple). A line of them that failed a signature is an exchange
 * of its own (core/diagnose.c); the others join the attempt near them (core/step1.c). */
bool role_is_event_log(enum role r);
/* The device's side of steps 1, 2 and 6: its event log (Windows) or its own log. */
bool role_is_device(enum role r);
bool role_from_name(const char *name, enum role *out);
const char *zone_name(enum zone z);

#endif
