/* report.c - printing the timeline and the sources. Every message goes through the escapers:
 * nothing read from a log is written raw. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "parser.h"
#include "parallel.h"
#include "report.h"
#include "datefit.h"
#include "timeutil.h"

static const char *level_color(enum level l)
{
    switch (l) {
    case LEVEL_ERROR: return "\033[1;31m";
    case LEVEL_WARNING: return "\033[33m";
    default: return "";
    }
}

static int step_of(const struct diagnosis *d, const struct event *e)
{
    return d && e->sig ? d->pb->sigs[e->sig - 1].step : 0;
}

static void timeline_row_text(FILE *f, const struct source *s, const struct event *e, int step,
                              uint32_t attempt, bool color)
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
    if (step)
        fprintf(f, "\t%d", step);
    else
        fputs("\t-", f);
    if (attempt)
        fprintf(f, "\t%" PRIu32 "\t", attempt);
    else
        fputs("\t-\t", f);
    esc_text(f, event_message(s, e));
    fputc('\n', f);
}

static void timeline_row_json(FILE *f, const struct source *s, const struct event *e, int step,
                              uint32_t attempt)
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
    fprintf(f, ",\"line\":%" PRIu32 ",\"format\":\"%s\",\"level\":\"%s\"", e->line,
            event_format(s, e), level_name((enum level)e->level));
    if (step)
        fprintf(f, ",\"step\":%d", step);
    else
        fputs(",\"step\":null", f);
    if (attempt)
        fprintf(f, ",\"attempt\":%" PRIu32, attempt);
    else
        fputs(",\"attempt\":null", f);
    fputs(",\"message\":\"", f);
    esc_json(f, event_message(s, e));
    fputs("\"}\n", f);
}

static bool all_selected(const struct diagnosis *d)
{
    for (size_t i = 0; d && i < d->natt; i++)
        if (!d->att[i].selected)
            return false;
    return true;
}

void report_timeline(FILE *f, const struct bundle *b, const struct diagnosis *d,
                     enum out_format fmt, bool color)
{
    bool filtered = !all_selected(d);
    for (size_t i = 0; i < b->nev; i++) {
        const struct event *e = &b->ev[i];
        const struct source *s = b->src[e->src];
        uint32_t a = d ? diagnose_attempt_of(d, i) : 0;
        if (filtered && (!a || !d->att[a - 1].selected))
            continue;
        if (fmt == OUT_JSON)
            timeline_row_json(f, s, e, step_of(d, e), a);
        else
            timeline_row_text(f, s, e, step_of(d, e), a, color);
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
    case ZONE_OFFSET: {
        int32_t o = s->bias_min_seen < 0 ? -s->bias_min_seen : s->bias_min_seen;
        snprintf(buf, n, "local time with its offset (last seen UTC%c%02d:%02d)",
                 s->bias_min_seen > 0 ? '-' : '+', (int)(o / 60), (int)(o % 60));
        break;
    }
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

static void source_json(FILE *f, const struct source *s)
{
    {
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
            if (s->zone == ZONE_OFFSET)
                fprintf(f, ",\"utc_offset_minutes\":%d", (int)-s->bias_min_seen);
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
        fprintf(f, "],\"notes_not_shown\":%" PRIu64 "}", s->notes_dropped);
    }
}

static void sources_json(FILE *f, const struct bundle *b)
{
    for (size_t i = 0; i < b->nsrc; i++) {
        source_json(f, b->src[i]);
        fputc('\n', f);
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
        if (s->date_missing != DATE_COMPLETE && s->date_from != DATE_FROM_GIVEN) {
            char day[16];
            datefit_words(s->date_missing, s->date_ref, day);
            fputs("scepscope: ", f);
            esc_text(f, span_cstr(s->path));
            fprintf(f, ": lines carry no %s: %s assumed (%s); set it with --date '",
                    s->date_missing == DATE_NO_YEAR ? "year" : "date", day,
                    s->date_from == DATE_FROM_CASE    ? "from the case's other logs"
                    : s->date_from == DATE_FROM_MTIME ? "from the file's modification time"
                                                      : "nothing tells it");
            const char *base = strrchr(s->path, '/');
            esc_text(f, span_cstr(base ? base + 1 : s->path));
            fputs(s->date_missing == DATE_NO_YEAR ? "=YYYY-01-01')\n" : "=YYYY-MM-DD')\n", f);
        }
        if (s->unparsed) {
            fputs("scepscope: ", f);
            esc_text(f, span_cstr(s->path));
            fprintf(f, ": %" PRIu64 " lines not understood, kept as raw rows (see --sources)\n",
                    s->unparsed);
        }
    }
}

/* ---- the diagnosis ------------------------------------------------------------------------ */

#define EVIDENCE_SHOWN 20      /* lines of evidence shown per step in text */
#define MESSAGE_SHOWN 160      /* bytes of a message shown after file:line */
#define WRAP 78
#define FULL_MAX 50            /* beyond this many attempts, those that passed take one line */

static const char *verdict_mark(enum verdict v)
{
    switch (v) {
    case VERDICT_PASS: return "OK  ";
    case VERDICT_FAIL: return "FAIL";
    case VERDICT_WARN: return "WARN";
    default: return "--  ";
    }
}

static const char *clock_words(enum role r)
{
    switch (r) {
    case ROLE_NDES_IIS: return "the NDES IIS log";
    case ROLE_NDESPLUGIN: return "NDESPlugin.log";
    case ROLE_CRP_IIS: return "the CRP's IIS log";
    case ROLE_CRP: return "CRP.log";
    case ROLE_CAPTURE: return "the device's capture";
    default: return role_name(r);
    }
}

/* The clock groups the diagnosis estimates: the servers' logs, and the device's capture. */
static bool clock_shown(int r)
{
    return r == ROLE_NDES_IIS || r == ROLE_NDESPLUGIN || r == ROLE_CRP_IIS || r == ROLE_CRP ||
           r == ROLE_CAPTURE;
}

/* A message cut to n bytes on a character boundary, escaped, with "..." when cut. */
static void short_message(FILE *f, struct span m, size_t n)
{
    bool cut = false;
    for (size_t i = 0; i < m.n && i <= n; i++) { /* past n it is cut anyway */
        if (m.p[i] == '\n' || m.p[i] == '\r') {
            m.n = i;
            cut = true;
            break;
        }
    }
    if (m.n > n) {
        size_t k = n;
        while (k > 0 && ((unsigned char)m.p[k] & 0xC0) == 0x80)
            k--;
        m.n = k;
        cut = true;
    }
    esc_text(f, m);
    if (cut)
        fputs(" ...", f);
}

/* Words wrapped at WRAP columns, each line indented; the first after `lead`. */
static void wrapped(FILE *f, int indent, const char *lead, const char *text)
{
    int col = indent + (int)strlen(lead);
    fprintf(f, "%*s%s", indent, "", lead);
    const char *p = text;
    bool first = true;
    while (*p) {
        while (*p == ' ' || *p == '\n')
            p++;
        const char *w = p;
        while (*p && *p != ' ' && *p != '\n')
            p++;
        int len = (int)(p - w);
        if (!len)
            break;
        if (!first && col + 1 + len > WRAP) {
            fprintf(f, "\n%*s", indent + 2, "");
            col = indent + 2;
        } else if (!first) {
            fputc(' ', f);
            col++;
        }
        esc_text(f, span_make(w, (size_t)len));
        col += len;
        first = false;
    }
    fputc('\n', f);
}

static void evidence_line(FILE *f, const struct bundle *b, size_t i, int indent)
{
    const struct event *e = &b->ev[i];
    const struct source *s = b->src[e->src];
    fprintf(f, "%*s", indent, "");
    esc_text(f, span_cstr(s->path));
    fprintf(f, ":%" PRIu32 "  ", e->line);
    short_message(f, event_message(s, e), MESSAGE_SHOWN);
    fputc('\n', f);
}

static void diagnosis_text_of(FILE *f, const struct diagnosis *d, const struct attempt *at)
{
    if (!at->failed_step) {
        fputs("  Diagnosis: no step failed.\n", f);
        return;
    }
    const struct step_result *r = &at->step[at->failed_step - 1];
    fprintf(f, "  Diagnosis: step %d failed (", at->failed_step);
    esc_text(f, span_cstr(d->pb->steps[at->failed_step - 1].title));
    fputs(")\n", f);
    const char *expl, *fix, *id;
    if (r->sig >= 0) {
        expl = d->pb->sigs[r->sig].explanation;
        fix = d->pb->sigs[r->sig].fix;
        id = d->pb->sigs[r->sig].id;
    } else {
        expl = d->pb->expects[r->expect].explanation;
        fix = d->pb->expects[r->expect].fix;
        id = d->pb->expects[r->expect].id;
    }
    if (expl)
        wrapped(f, 4, "", expl);
    if (fix)
        wrapped(f, 4, "Fix: ", fix);
    fputs("    Evidence: ", f);
    evidence_line(f, d->b, r->decisive, 0);
    fprintf(f, "    (%s ", r->sig >= 0 ? "signature" : "expectation");
    esc_text(f, span_cstr(id));
    fputs(")\n", f);
}

/* "  device GUID<gap>user GUID" and the line end; "-" for one not seen. Escaped: a user
 * playbook's (?<device>...) may capture anything from the line. */
static void device_user(FILE *f, const struct attempt *at, const char *gap)
{
    fputs("  device ", f);
    esc_text(f, span_cstr(at->device[0] ? at->device : "-"));
    fprintf(f, "%suser ", gap);
    esc_text(f, span_cstr(at->user[0] ? at->user : "-"));
    fputc('\n', f);
}

/* "Attempt 3 of 40: 2016-06-14 00:22:08.971Z .. 00:22:12.629Z", without the line end. */
static void attempt_head(FILE *f, const struct diagnosis *d, const struct attempt *at)
{
    char a[32], z[32];
    time_format_iso(at->start, a);
    time_format_iso(at->end, z);
    a[10] = ' ';
    fprintf(f, "Attempt %" PRIu32 " of %zu: %s .. %s", at->id, d->natt, a, z + 11);
}

static void attempt_text(FILE *f, const struct diagnosis *d, const struct attempt *at)
{
    attempt_head(f, d, at);
    fputc('\n', f);
    device_user(f, at, "   ");
    if (at->nvalues) {
        fputs("  values:", f);
        for (size_t i = 0; i < at->nvalues; i++) {
            fprintf(f, "%s %s ", i ? "," : "", at->values[i].name);
            esc_text(f, span_cstr(at->values[i].value));
        }
        fputc('\n', f);
    }
    for (int s = 0; s < PLAYBOOK_STEPS; s++) {
        const struct step_result *r = &at->step[s];
        fprintf(f, "  %d %s  ", s + 1, verdict_mark(r->verdict));
        esc_text(f, span_cstr(d->pb->steps[s].title));
        fputc('\n', f);
        if (r->verdict == VERDICT_NONE) {
            wrapped(f, 9, "", r->reason);
            continue;
        }
        for (size_t k = 0; k < r->nev && k < EVIDENCE_SHOWN; k++)
            evidence_line(f, d->b, r->ev[k], 9);
        if (r->nev > EVIDENCE_SHOWN)
            fprintf(f, "%*s... and %zu more lines\n", 9, "", (size_t)r->nev - EVIDENCE_SHOWN);
        if (s == 0 && r->reason[0]) /* step 1: when the device syncs next */
            wrapped(f, 9, "", r->reason);
        if (r->verdict == VERDICT_WARN && at->failed_step != s + 1) {
            const char *expl = r->sig >= 0 ? d->pb->sigs[r->sig].explanation
                                           : r->expect >= 0 ? d->pb->expects[r->expect].explanation
                                                            : NULL;
            if (expl)
                wrapped(f, 9, "warning: ", expl);
        }
    }
    diagnosis_text_of(f, d, at);
}

static void clocks_text(FILE *f, const struct diagnosis *d)
{
    bool header = false;
    for (int r = ROLE_UNKNOWN; r < ROLE_COUNT; r++) {
        const struct clock *c = &d->clock[r];
        if (!c->present || c->reference || !clock_shown(r))
            continue;
        if (!header) {
            fprintf(f, "Clocks (against %s):\n", clock_words(d->reference));
            header = true;
        }
        if (c->given)
            fprintf(f, "  %s: set with --tz, not estimated\n", clock_words((enum role)r));
        else if (!c->known)
            fprintf(f, "  %s: not compared (no exchange in common with a known clock)\n",
                    clock_words((enum role)r));
        else if (c->offset_us == 0)
            fprintf(f, "  %s agrees with %s (%" PRIu32 " exchanges)\n", clock_words((enum role)r),
                    clock_words(c->against), c->pairs);
        else
            fprintf(f, "  %s runs %.1f s %s %s: corrected (%" PRIu32 " exchanges)\n",
                    clock_words((enum role)r), (c->offset_us < 0 ? -c->offset_us : c->offset_us) / 1e6,
                    c->offset_us > 0 ? "behind" : "ahead of", clock_words(c->against), c->pairs);
    }
    for (size_t i = 0; i < d->b->nsrc; i++) {
        const struct source *s = d->b->src[i];
        if (!s->skipped && (s->zone == ZONE_ASSUMED_UTC || s->zone == ZONE_MIXED)) {
            fputs("Times without a zone read as UTC: ", f);
            esc_text(f, span_cstr(s->path));
            fputs(" (set one with --tz)\n", f);
        }
    }
}

/* An attempt with neither failure nor warning, when the report shows many: one line. */
static bool compact(const struct diagnosis *d, size_t shown, const struct attempt *at)
{
    if (shown <= FULL_MAX || at->failed_step)
        return false;
    for (int s = 0; s < PLAYBOOK_STEPS; s++)
        if (at->step[s].verdict == VERDICT_WARN)
            return false;
    (void)d;
    return true;
}

static void attempt_line(FILE *f, const struct diagnosis *d, const struct attempt *at)
{
    attempt_head(f, d, at);
    fputs("  passed:", f);
    for (int s = 0; s < PLAYBOOK_STEPS; s++)
        if (at->step[s].verdict == VERDICT_PASS)
            fprintf(f, " %d", s + 1);
    fputs("  no verdict:", f);
    bool none = true;
    for (int s = 0; s < PLAYBOOK_STEPS; s++) {
        if (at->step[s].verdict == VERDICT_NONE) {
            fprintf(f, " %d", s + 1);
            none = false;
        }
    }
    if (none)
        fputs(" -", f);
    device_user(f, at, "  ");
}

/* Attempts are written in order, but formatted in parallel: each thread writes its share of
 * a batch into memory, and the batch goes out in order. A share that cannot have its memory
 * is formatted straight into the output, in its turn. */
#define TEXT_BATCH 512

struct text_batch {
    const struct diagnosis *d;
    const size_t *idx;     /* the attempts of this batch */
    size_t first;          /* its position among the attempts shown */
    size_t shown;          /* how many are shown in all */
    char *buf[PARALLEL_MAX];
    size_t len[PARALLEL_MAX];
    size_t from[PARALLEL_MAX], to[PARALLEL_MAX];
};

/* Attempts idx[from..to) of those shown, idx[0] being the first-th shown (idx[-1] is the one
 * before it, when first > 0): a blank line between attempts, but not between two one-line
 * ones. */
static void attempts_text(FILE *f, const struct diagnosis *d, const size_t *idx, size_t from,
                          size_t to, size_t first, size_t shown)
{
    for (size_t i = from; i < to; i++) {
        const struct attempt *at = &d->att[idx[i]];
        bool one = compact(d, shown, at);
        if (first + i > 0) {
            const struct attempt *prev = &d->att[idx[(ptrdiff_t)i - 1]];
            if (!(one && compact(d, shown, prev)))
                fputc('\n', f);
        }
        if (one)
            attempt_line(f, d, at);
        else
            attempt_text(f, d, at);
    }
}

static void text_slice(size_t from, size_t to, size_t t, void *arg)
{
    struct text_batch *tb = arg;
    tb->from[t] = from;
    tb->to[t] = to;
    tb->buf[t] = NULL;
    tb->len[t] = 0;
    FILE *m = open_memstream(&tb->buf[t], &tb->len[t]);
    if (!m)
        return;
    attempts_text(m, tb->d, tb->idx, from, to, tb->first, tb->shown);
    if (fclose(m) != 0) {
        free(tb->buf[t]);
        tb->buf[t] = NULL;
    }
}

static void diagnosis_text(FILE *f, const struct diagnosis *d)
{
    size_t shown = 0, failed = 0, lines = 0;
    for (size_t i = 0; i < d->natt; i++)
        shown += d->att[i].selected;
    size_t *sel = malloc((shown ? shown : 1) * sizeof *sel);
    size_t n = 0, pair[2] = { 0, 0 }; /* without memory: the last shown and this one */
    for (size_t i = 0; i < d->natt; i++) {
        const struct attempt *at = &d->att[i];
        if (!at->selected)
            continue;
        if (sel) {
            sel[n] = i;
        } else {
            pair[1] = i;
            attempts_text(f, d, pair + 1, 0, 1, n, shown);
            pair[0] = i;
        }
        n++;
        failed += at->failed_step != 0;
        lines += compact(d, shown, at);
    }
    for (size_t b = 0; sel && b < shown; b += TEXT_BATCH) {
        size_t m = shown - b < TEXT_BATCH ? shown - b : TEXT_BATCH;
        struct text_batch tb = { .d = d, .idx = sel + b, .first = b, .shown = shown };
        size_t k = parallel_slices(m, 32);
        parallel_run(m, k, text_slice, &tb);
        for (size_t t = 0; t < k; t++) {
            if (tb.buf[t])
                fwrite(tb.buf[t], 1, tb.len[t], f);
            else
                attempts_text(f, d, tb.idx, tb.from[t], tb.to[t], tb.first, shown);
            free(tb.buf[t]);
        }
    }
    free(sel);
    if (d->natt == 0)
        fputs("No enrollment attempt in these logs: no PKIOperation, VerifyRequest or Notify, "
              "and no failed request to NDES.\n", f);
    else if (shown == 0)
        fprintf(f, "No attempt matches the --device/--user filter (%zu attempts in all).\n",
                d->natt);
    fputc('\n', f);
    clocks_text(f, d);
    fprintf(f, "Summary: %zu attempt%s shown, %zu failed", shown, shown == 1 ? "" : "s", failed);
    const char *sep = ": ";
    size_t listed = 0;
    for (size_t i = 0; i < d->natt; i++) {
        const struct attempt *at = &d->att[i];
        if (at->selected && at->failed_step && listed++ < 10) {
            fprintf(f, "%sattempt %" PRIu32 " at step %d", sep, at->id, at->failed_step);
            sep = ", ";
        }
    }
    if (listed > 10)
        fprintf(f, " and %zu more", listed - 10);
    fputs(".\n", f);
    if (lines)
        fprintf(f, "%zu attempts that passed without a warning are listed one line each; "
                   "--device or --user shows one in full.\n", lines);
}

static void json_time(FILE *f, int64_t t)
{
    char buf[32];
    time_format_iso(t, buf);
    if (t == TIME_NONE)
        fputs("null", f);
    else
        json_str(f, buf);
}

static void json_str_or_null(FILE *f, const char *s)
{
    if (s && *s)
        json_str(f, s);
    else
        fputs("null", f);
}

static void evidence_json(FILE *f, const struct bundle *b, size_t i)
{
    const struct event *e = &b->ev[i];
    const struct source *s = b->src[e->src];
    fputs("{\"file\":", f);
    json_str(f, s->path);
    fprintf(f, ",\"line\":%" PRIu32 ",\"time\":", e->line);
    json_time(f, e->t);
    fputs(",\"message\":\"", f);
    esc_json(f, event_message(s, e));
    fputs("\"}", f);
}

static void step_json(FILE *f, const struct diagnosis *d, const struct step_result *r, int s)
{
    fprintf(f, "{\"step\":%d,\"title\":", s + 1);
    json_str(f, d->pb->steps[s].title);
    fprintf(f, ",\"verdict\":\"%s\",\"reason\":", verdict_name(r->verdict));
    json_str_or_null(f, r->verdict == VERDICT_NONE ? r->reason : NULL);
    fputs(",\"evidence\":[", f);
    for (size_t k = 0; k < r->nev; k++) {
        if (k)
            fputc(',', f);
        evidence_json(f, d->b, r->ev[k]);
    }
    fputs("],\"diagnosis\":", f);
    if (r->verdict != VERDICT_FAIL && r->verdict != VERDICT_WARN) {
        fputs("null}", f);
        return;
    }
    bool sig = r->sig >= 0;
    fprintf(f, "{\"%s\":", sig ? "signature" : "expectation");
    json_str(f, sig ? d->pb->sigs[r->sig].id : d->pb->expects[r->expect].id);
    fputs(",\"explanation\":", f);
    json_str_or_null(f, sig ? d->pb->sigs[r->sig].explanation : d->pb->expects[r->expect].explanation);
    fputs(",\"fix\":", f);
    json_str_or_null(f, sig ? d->pb->sigs[r->sig].fix : d->pb->expects[r->expect].fix);
    fputs(",\"evidence\":", f);
    evidence_json(f, d->b, r->decisive);
    fputs("}}", f);
}

static void diagnosis_json(FILE *f, const struct diagnosis *d)
{
    fputs("{\"playbook\":", f);
    json_str(f, d->pb->name);
    fputs(",\"sources\":[", f);
    for (size_t i = 0; i < d->b->nsrc; i++) {
        if (i)
            fputc(',', f);
        source_json(f, d->b->src[i]);
    }
    fputs("],\"clocks\":[", f);
    bool first = true;
    for (int r = 0; r < ROLE_COUNT; r++) {
        const struct clock *c = &d->clock[r];
        if (!c->present || !clock_shown(r))
            continue;
        fprintf(f, "%s{\"role\":\"%s\",\"reference\":%s,\"given\":%s,\"known\":%s,"
                   "\"offset_seconds\":%.3f,\"against\":",
                first ? "" : ",", role_name((enum role)r), c->reference ? "true" : "false",
                c->given ? "true" : "false", c->known ? "true" : "false", c->offset_us / 1e6);
        json_str_or_null(f, c->known && !c->reference && !c->given ? role_name(c->against) : NULL);
        fprintf(f, ",\"pairs\":%" PRIu32 "}", c->pairs);
        first = false;
    }
    fputs("],\"attempts\":[", f);
    first = true;
    for (size_t i = 0; i < d->natt; i++) {
        const struct attempt *at = &d->att[i];
        if (!at->selected)
            continue;
        fprintf(f, "%s{\"id\":%" PRIu32 ",\"start\":", first ? "" : ",", at->id);
        json_time(f, at->start);
        fputs(",\"end\":", f);
        json_time(f, at->end);
        fputs(",\"device\":", f);
        json_str_or_null(f, at->device);
        fputs(",\"user\":", f);
        json_str_or_null(f, at->user);
        fputs(",\"values\":{", f);
        for (size_t v = 0; v < at->nvalues; v++) {
            if (v)
                fputc(',', f);
            json_str(f, at->values[v].name);
            fputc(':', f);
            json_str(f, at->values[v].value);
        }
        fputc('}', f);
        if (at->failed_step)
            fprintf(f, ",\"failed_step\":%d", at->failed_step);
        else
            fputs(",\"failed_step\":null", f);
        fputs(",\"steps\":[", f);
        for (int s = 0; s < PLAYBOOK_STEPS; s++) {
            if (s)
                fputc(',', f);
            step_json(f, d, &at->step[s], s);
        }
        fputs("]}", f);
        first = false;
    }
    fputs("]}\n", f);
}

void report_diagnosis(FILE *f, const struct diagnosis *d, enum out_format fmt)
{
    if (fmt == OUT_JSON)
        diagnosis_json(f, d);
    else
        diagnosis_text(f, d);
}
