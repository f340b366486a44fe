/* parse.c - what every parser shares: turning wall times into UTC the same way, emitting
 * events with their line accounting, and keeping unreadable lines as raw events. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "parser.h"
#include "timeutil.h"

static void zone_saw(struct source *s, enum zone z)
{
    if (!s->zone_seen) {
        s->zone = z;
        s->zone_seen = true;
    } else if (s->zone != z) {
        s->zone = ZONE_MIXED;
    }
}

int64_t parse_to_utc(struct source *s, int64_t wall_us, enum zone kind, int32_t bias_min)
{
    if (s->tz_given) {
        zone_saw(s, ZONE_GIVEN);
        return wall_us - (int64_t)s->tz_offset_s * US_PER_SEC;
    }
    if (kind == ZONE_BIAS || kind == ZONE_OFFSET) {
        s->bias_min_seen = bias_min;
        zone_saw(s, kind);
        return wall_us + (int64_t)bias_min * 60 * US_PER_SEC;
    }
    zone_saw(s, kind == ZONE_UTC ? ZONE_UTC : ZONE_ASSUMED_UTC);
    return wall_us;
}

struct event *parse_emit(struct source *s, struct evbuf *out, const char *rec, size_t len,
                         uint64_t line, uint64_t nlines, int64_t t, enum level level)
{
    struct event *e = evbuf_push(out);
    if (!e)
        return NULL;
    e->t = t;
    event_set_off(e, source_offset(s, rec)); /* below EVENT_MAX_OFFSET: source_open */
    e->len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
    e->line = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
    e->src = s->index;
    e->level = (uint8_t)level;
    e->flags = 0;
    s->events++;
    if (nlines > 1)
        s->continuation += nlines - 1;
    if (t != TIME_NONE) {
        if (s->first == TIME_NONE || t < s->first)
            s->first = t;
        if (s->last == TIME_NONE || t > s->last)
            s->last = t;
    }
    return e;
}

bool parse_emit_raw(struct source *s, struct evbuf *out, struct span line, uint64_t lineno,
                    const char *why)
{
    struct event *e = parse_emit(s, out, line.p, line.n, lineno, 1, TIME_NONE, LEVEL_INFO);
    if (!e)
        return false;
    e->flags |= EVF_RAW;
    s->unparsed++;
    source_note(s, lineno, "kept as raw: %s", why);
    return true;
}

void parse_inherit_times(struct evbuf *out, size_t from)
{
    int64_t prev = TIME_NONE;
    size_t first_raw_without = SIZE_MAX; /* raw events before any timed one */
    for (size_t i = from; i < out->n; i++) {
        struct event *e = &out->v[i];
        if (!(e->flags & EVF_RAW) && e->t != TIME_NONE) {
            if (first_raw_without != SIZE_MAX) {
                for (size_t j = first_raw_without; j < i; j++) {
                    out->v[j].t = e->t;
                    out->v[j].flags |= EVF_TIME_INHERITED;
                }
                first_raw_without = SIZE_MAX;
            }
            prev = e->t;
        } else if (e->t == TIME_NONE) {
            if (prev != TIME_NONE) {
                e->t = prev;
                e->flags |= EVF_TIME_INHERITED;
            } else if (first_raw_without == SIZE_MAX) {
                first_raw_without = i;
            }
        }
    }
}
