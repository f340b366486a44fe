/* report.c - printing the timeline and the sources. Every message goes through the escapers:
 * nothing read from a log is written raw. */
#include <inttypes.h>
#include <string.h>

#include "escape.h"
#include "parser.h"
#include "report.h"
#include "timeutil.h"

static const char *level_color(enum level l)
{
    switch (l) {
    case LEVEL_ERROR: return "\033[1;31m";
    case LEVEL_WARNING: return "\033[33m";
    default: return "";
    }
}

static void timeline_row_text(FILE *f, const struct source *s, const struct event *e, bool color)
{
    char t[32];
    time_format_iso(e->t, t);
    fputs(t, f);
    fputc('\t', f);
    esc_text(f, span_cstr(s->path));
    fprintf(f, "\t%" PRIu32 "\t%s\t", e->line, event_format(s, e));
    const char *lv = level_name((enum level)e->level);
    if (color && e->level != LEVEL_INFO)
        fprintf(f, "%s%s\033[0m", level_color((enum level)e->level), lv);
    else
        fputs(lv, f);
    fputc('\t', f);
    esc_text(f, event_message(s, e));
    fputc('\n', f);
}

static void timeline_row_json(FILE *f, const struct source *s, const struct event *e)
{
    char t[32];
    time_format_iso(e->t, t);
    fputs("{\"time\":", f);
    if (e->t == TIME_NONE)
        fputs("null", f);
    else
        json_str(f, t);
    fputs(",\"file\":", f);
    json_str(f, s->path);
    fprintf(f, ",\"line\":%" PRIu32 ",\"format\":\"%s\",\"level\":\"%s\",\"message\":\"", e->line,
            event_format(s, e), level_name((enum level)e->level));
    esc_json(f, event_message(s, e));
    fputs("\"}\n", f);
}

void report_timeline(FILE *f, const struct bundle *b, enum out_format fmt, bool color)
{
    for (size_t i = 0; i < b->nev; i++) {
        const struct event *e = &b->ev[i];
        const struct source *s = b->src[e->src];
        if (fmt == OUT_JSON)
            timeline_row_json(f, s, e);
        else
            timeline_row_text(f, s, e, color);
    }
}

/* What the zone of a source means, in words. */
static void zone_words(const struct source *s, char *buf, size_t n)
{
    switch (s->zone) {
    case ZONE_BIAS:
        snprintf(buf, n, "local time with bias %+d min (UTC = local + bias)", (int)s->bias_min_seen);
        break;
    case ZONE_ASSUMED_UTC:
        snprintf(buf, n, "no zone in the log: read as UTC");
        break;
    case ZONE_MIXED:
        snprintf(buf, n, "some entries without zone (read as UTC), some with a bias");
        break;
    case ZONE_GIVEN: {
        int32_t o = s->tz_offset_s < 0 ? -s->tz_offset_s : s->tz_offset_s;
        snprintf(buf, n, "given with --tz: UTC%c%02d:%02d", s->tz_offset_s < 0 ? '-' : '+',
                 (int)(o / 3600), (int)(o / 60 % 60));
        break;
    }
    default:
        snprintf(buf, n, "UTC");
    }
}

static void sources_text(FILE *f, const struct bundle *b)
{
    size_t read = 0, skipped = 0;
    uint64_t events = 0, unparsed = 0;
    for (size_t i = 0; i < b->nsrc; i++) {
        const struct source *s = b->src[i];
        esc_text(f, span_cstr(s->path));
        fputc('\n', f);
        unsigned from = 0;
        if (s->skipped) {
            skipped++;
            fputs("    skipped: ", f);
            esc_text(f, span_cstr(s->nnotes ? s->notes[0] : "unknown reason"));
            fputc('\n', f);
            from = 1;
        } else {
            read++;
            events += s->events;
            unparsed += s->unparsed;
            char first[32], last[32], zone[96];
            time_format_iso(s->first, first);
            time_format_iso(s->last, last);
            zone_words(s, zone, sizeof zone);
            fprintf(f, "    format %s (%s), role %s, encoding %s\n", s->parser->name,
                    s->parser->title, role_name(s->role), encoding_name(s->enc));
            fprintf(f,
                    "    lines %" PRIu64 ": events %" PRIu64 " (unparsed %" PRIu64
                    "), continuation %" PRIu64 ", header %" PRIu64 ", blank %" PRIu64 "\n",
                    s->lines, s->events, s->unparsed, s->continuation, s->header, s->blank);
            fprintf(f, "    time %s .. %s, %s\n", first, last, zone);
        }
        for (unsigned k = from; k < s->nnotes; k++) {
            fputs("    note: ", f);
            esc_text(f, span_cstr(s->notes[k]));
            fputc('\n', f);
        }
        if (s->notes_dropped)
            fprintf(f, "    note: %" PRIu64 " more notes not shown\n", s->notes_dropped);
    }
    fprintf(f, "%zu files read, %zu skipped; %" PRIu64 " events, %" PRIu64 " unparsed\n", read,
            skipped, events, unparsed);
}

static void sources_json(FILE *f, const struct bundle *b)
{
    for (size_t i = 0; i < b->nsrc; i++) {
        const struct source *s = b->src[i];
        fputs("{\"file\":", f);
        json_str(f, s->path);
        unsigned from = 0;
        if (s->skipped) {
            fputs(",\"skipped\":true,\"reason\":", f);
            json_str(f, s->nnotes ? s->notes[0] : "unknown reason");
            from = 1;
        } else {
            char first[32], last[32];
            time_format_iso(s->first, first);
            time_format_iso(s->last, last);
            fputs(",\"skipped\":false,\"format\":", f);
            json_str(f, s->parser->name);
            fprintf(f, ",\"role\":\"%s\",\"encoding\":\"%s\",\"zone\":\"%s\"", role_name(s->role),
                    encoding_name(s->enc), zone_name(s->zone));
            if (s->zone == ZONE_BIAS)
                fprintf(f, ",\"bias_minutes\":%d", (int)s->bias_min_seen);
            if (s->zone == ZONE_GIVEN)
                fprintf(f, ",\"tz_offset_seconds\":%d", (int)s->tz_offset_s);
            fprintf(f,
                    ",\"lines\":%" PRIu64 ",\"events\":%" PRIu64 ",\"unparsed\":%" PRIu64
                    ",\"continuation\":%" PRIu64 ",\"header\":%" PRIu64 ",\"blank\":%" PRIu64,
                    s->lines, s->events, s->unparsed, s->continuation, s->header, s->blank);
            fputs(",\"first\":", f);
            if (s->first == TIME_NONE) fputs("null", f); else json_str(f, first);
            fputs(",\"last\":", f);
            if (s->last == TIME_NONE) fputs("null", f); else json_str(f, last);
        }
        fputs(",\"notes\":[", f);
        for (unsigned k = from; k < s->nnotes; k++) {
            if (k > from)
                fputc(',', f);
            json_str(f, s->notes[k]);
        }
        fprintf(f, "],\"notes_not_shown\":%" PRIu64 "}\n", s->notes_dropped);
    }
}

void report_sources(FILE *f, const struct bundle *b, enum out_format fmt)
{
    if (fmt == OUT_JSON)
        sources_json(f, b);
    else
        sources_text(f, b);
}

void report_notes(FILE *f, const struct bundle *b)
{
    for (size_t i = 0; i < b->nsrc; i++) {
        const struct source *s = b->src[i];
        if (s->skipped) {
            fputs("scepscope: skipped ", f);
            esc_text(f, span_cstr(s->path));
            fputs(": ", f);
            esc_text(f, span_cstr(s->nnotes ? s->notes[0] : "unknown reason"));
            fputc('\n', f);
            continue;
        }
        if (s->zone == ZONE_ASSUMED_UTC || s->zone == ZONE_MIXED) {
            fputs("scepscope: ", f);
            esc_text(f, span_cstr(s->path));
            fputs(": times carry no zone: read as UTC (set one with --tz '", f);
            const char *base = strrchr(s->path, '/');
            esc_text(f, span_cstr(base ? base + 1 : s->path));
            fputs("=+HH:MM')\n", f);
        }
        if (s->unparsed) {
            fputs("scepscope: ", f);
            esc_text(f, span_cstr(s->path));
            fprintf(f, ": %" PRIu64 " lines not understood, kept as raw rows (see --sources)\n",
                    s->unparsed);
        }
    }
}
