/* winevent.h - what the Windows event log readers (event XML, .evtx) share: each event is
 * rendered as one line of text ("[Security 4887] Provider Computer: message Name=Value ..."),
 * and the fields of each rendered line (channel, provider, event-id, the Data fields...) are
 * kept as offsets into that text, for field(). */
#ifndef SCEPSCOPE_WINEVENT_H
#define SCEPSCOPE_WINEVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parser.h"

/* The rendered text being built, and the index of its records and fields. */
struct wev_field {
    uint32_t name_off, name_len; /* into the rendered text */
    uint32_t val_off, val_len;
};

enum wev_key { WK_CHANNEL, WK_PROVIDER, WK_ID, WK_COMPUTER, WK_RECORD, WK_MESSAGE, WK_COUNT };

struct wev_rec {
    uint64_t off;              /* where its line starts in the rendered text */
    uint32_t key_off[WK_COUNT], key_len[WK_COUNT];
    uint32_t f0, nf;           /* its Data fields: state->f[f0 .. f0 + nf) */
    uint64_t line;             /* its record number (EventRecordID), or its place */
    int64_t t;                 /* wall time as written (UTC for event XML), or TIME_NONE */
    uint8_t level;             /* enum level */
    bool raw;
};

struct wev_state {
    struct wev_rec *r;
    size_t n, cap;
    struct wev_field *f;
    size_t nf, capf;
    char *aux;                 /* what field() gives that the line does not show: the record
                                  number (key_off[WK_RECORD] is an offset into it) */
    size_t naux, capaux;
};

struct wev_out {
    char *buf;
    size_t n, cap;
    struct wev_state *st;
    bool oom;
    /* what the events said of their machine's role */
    size_t n_ca, n_ndes, n_device;
};

/* Values longer than this are cut (with "...") in the rendered line. */
#define WEV_VALUE_MAX 16384u

bool wev_out_init(struct wev_out *o);

/* Parses one <Event>...</Event> element [p, p + n) and appends its rendered line. Its line
 * is the event's record number (EventRecordID) or, without one, fallback_line; its time
 * TimeCreated's SystemTime (UTC) or TIME_NONE. Returns false when memory runs out. */
bool wev_render_xml(struct wev_out *o, const char *p, size_t n, uint64_t fallback_line);

/* Appends a line of text kept as it was (a piece of XML that is no whole event), cut to
 * WEV_VALUE_MAX bytes, control characters as spaces. False when memory runs out. */
bool wev_render_raw(struct wev_out *o, const char *p, size_t n, uint64_t line);

/* After rendering: the text becomes the source's (s->heap, s->text, s->size), the index its
 * state; then events are emitted for every record (times to UTC, levels, line accounting:
 * one rendered line per event). */
bool wev_finish(struct source *s, struct evbuf *out, struct wev_out *o);
/* Frees what wev_finish did not take (after a failure). */
void wev_out_free(struct wev_out *o);

/* The role the events say (counted while rendering). */
enum role wev_role(const struct wev_out *o);

/* "2016-06-10T02:44:12.3456789Z" (or with +hh:mm): wall time as UTC in *us. */
bool wev_parse_systemtime(const char *p, size_t n, int64_t *us);

/* The parser operations shared by the event XML and .evtx parsers. */
struct span wev_message(const struct source *s, const struct event *ev);
bool wev_field(const struct source *s, const struct event *ev, const char *name,
               struct span *out);
void wev_free_state(struct source *s);

/* The role of one event from its channel, provider and id (also used for CSV exports). */
enum role wev_role_of(const char *channel, size_t nc, const char *provider, size_t np,
                      uint64_t id);

#endif
