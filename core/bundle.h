/* bundle.h - the case: every file given or found under a given folder, loaded, sniffed and
 * parsed, in file order, with the merged timeline of all their events. */
#ifndef SCEPSCOPE_BUNDLE_H
#define SCEPSCOPE_BUNDLE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "source.h"

/* Work done on each file as soon as it is parsed, on the thread that parsed it, while its
 * text is at hand (the diagnosis classifies its lines there: see diagnose_prepare). */
struct bundle_hook {
    void *(*thread_new)(void *ctx);   /* a loading thread's own state; NULL: that thread
                                         does no work */
    void (*thread_free)(void *thread);
    void (*file)(void *ctx, void *thread, struct source *s, struct event *ev, size_t n);
    /* may be NULL: the events a parser hands over while it parses (source.on_events); file
     * is still called at the end, with them all */
    void (*events)(void *ctx, void *thread, struct source *s, struct event *ev, size_t n);
    void (*free)(void *ctx);          /* at bundle_free */
    void *ctx;
};

/* Sources beyond this many are listed as skipped (an event names its source in 16 bits). */
#define BUNDLE_MAX_SOURCES 65535u
/* Folders deeper than this below a given path are not walked. */
#define BUNDLE_MAX_DEPTH 32

/* TCP ports a capture's conversations with the SCEP server (NDES, WAP) are found on. */
#define BUNDLE_MAX_SCEP_PORTS 16

struct tz_rule {
    char *glob;          /* matched against the path and against the file name */
    int32_t offset_s;    /* local = UTC + offset */
};

struct date_rule {
    char *glob;          /* as for --tz */
    int64_t day;         /* 00:00 of the day, us (UTC calendar) */
};

struct bundle {
    struct source **src; /* file order: arguments in order, folders walked in name order */
    size_t nsrc, cap;
    struct tz_rule *tz;
    size_t ntz;
    struct date_rule *date;
    size_t ndate;
    uint16_t scep_port[BUNDLE_MAX_SCEP_PORTS]; /* --scep-port; none: 443 and 80 */
    size_t nscep_port;
    struct bundle_hook hook; /* set before loading, or all zero */
    struct evbuf *per;   /* events of each source, in line order, until merged */
    struct event *ev;    /* the merged timeline: UTC order, ties in file then line order */
    size_t nev;
    /* for an interface that shows the load as it goes: files done so far, and a request to
     * stop between two files */
    atomic_size_t progress;
    atomic_bool cancel;
};

/* Adds a --tz rule "GLOB=+HH:MM". False with the reason in err when it does not parse. */
bool bundle_add_tz(struct bundle *b, const char *spec, char *err, size_t errlen);

/* Adds a --date rule "GLOB=YYYY-MM-DD": the day of the first line of the matching files whose
 * lines carry no date (or no year). False with the reason in err when it does not parse. */
bool bundle_add_date(struct bundle *b, const char *spec, char *err, size_t errlen);

/* Adds the ports of a --scep-port "N[,N...]". False with the reason in err when it does not
 * parse. */
bool bundle_add_scep_ports(struct bundle *b, const char *spec, char *err, size_t errlen);

/* Adds a file, or every file under a folder (recursively, in name order). A path that cannot
 * be read becomes a skipped source with the reason. False only when out of memory. */
bool bundle_add_path(struct bundle *b, const char *path);

/* Opens, sniffs, decodes and parses every source, then merges the timeline. Counts files done
 * in b->progress; stops early (as if the rest were skipped) when b->cancel is set.
 * False only when out of memory. */
bool bundle_load(struct bundle *b);

/* How many sources were read (not skipped). */
size_t bundle_readable(const struct bundle *b);

/* Whether some source read has a role is(role) accepts: a pass over the timeline for the
 * lines of such files need not be made when none has. */
bool bundle_has_role(const struct bundle *b, bool (*is)(enum role));

void bundle_free(struct bundle *b);

/* The message of an event: the parser's message, or the whole line for a raw event. */
struct span event_message(const struct source *s, const struct event *ev);

/* The format name shown for an event: its parser's, or "raw" for an unparsed line. */
const char *event_format(const struct source *s, const struct event *ev);

#endif
