/* step1.c - the Windows event logs in the attempts, and step 1's timing.
 *
 * The CA's, NDES's and the device's events are no part of the exchanges the attempts are
 * made of (an event log has no request to pair with an IIS line): an event that matched a
 * signature joins the attempt whose span holds it, widened by the playbook's preamble window,
 * as evidence of its step (the nearest attempt when several do).
 *
 * The automatic sync schedule per platform is the seed's ("SCEP Certificate Deployment -
 * Troubleshooting Reference", step 1 CLIENT): iOS every 15 minutes for 6 hours and then
 * every 6 hours; Android every 3 minutes for 15 minutes, then every 15 minutes for 2 hours,
 * and then every 8 hours; Windows (Phone) every 5 minutes for 15 minutes, then every 15
 * minutes for 2 hours, and then every 8 hours. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "parser.h"
#include "step1.h"
#include "timeutil.h"

#define MIN_US (60 * US_PER_SEC)

struct phase {
    int64_t every;  /* interval */
    int64_t until;  /* since enrollment; 0: for ever */
};

static const struct phase schedule[PLATFORM_COUNT][3] = {
    [PLATFORM_WINDOWS] = { { 5 * MIN_US, 15 * MIN_US }, { 15 * MIN_US, 135 * MIN_US },
                           { 480 * MIN_US, 0 } },
    [PLATFORM_IOS] = { { 15 * MIN_US, 360 * MIN_US }, { 360 * MIN_US, 0 }, { 360 * MIN_US, 0 } },
    [PLATFORM_ANDROID] = { { 3 * MIN_US, 15 * MIN_US }, { 15 * MIN_US, 135 * MIN_US },
                           { 480 * MIN_US, 0 } },
};

/* How the steady part is said, and how to sync by hand. */
static const char *const steady_words[PLATFORM_COUNT] = {
    "every 8 hours after the first 2 hours 15 minutes",
    "every 6 hours after the first 6 hours",
    "every 8 hours after the first 2 hours 15 minutes",
};
static const char *const manual_sync[PLATFORM_COUNT] = {
    "Settings > Accounts > Access work or school > Info > Sync",
    "Company Portal > Devices > this device > Check Settings",
    "Company Portal > Devices > this device > Check Device Settings",
};

const char *platform_name(enum platform p)
{
    static const char *const n[PLATFORM_COUNT] = { "Windows", "iOS", "Android" };
    return p < PLATFORM_COUNT ? n[p] : "?";
}

int64_t step1_next_sync(enum platform p, int64_t enrolled, int64_t last)
{
    if (p >= PLATFORM_COUNT || last == TIME_NONE)
        return TIME_NONE;
    const struct phase *ph = schedule[p];
    if (enrolled == TIME_NONE || last < enrolled)
        return last + ph[2].every;
    int64_t since = last - enrolled;
    /* the interval of the phase the sync fell in */
    for (int i = 0; i < 3; i++)
        if (ph[i].until == 0 || since < ph[i].until)
            return last + ph[i].every;
    return last + ph[2].every;
}

void step1_words(enum platform p, int64_t last, char *out, size_t cap)
{
    char a[32], z[32];
    time_format_iso(last, a);
    time_format_iso(step1_next_sync(p, TIME_NONE, last), z);
    a[19] = 0; /* HH:MM:SS */
    z[16] = 0; /* HH:MM */
    snprintf(out, cap,
             "last sync seen %s %s (%s): the next automatic sync is due about %s %s UTC (%s); "
             "for a clean repro, sync the device by hand (%s)",
             (char[11]){ a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], 0 },
             a + 11, platform_name(p), (char[11]){ z[0], z[1], z[2], z[3], z[4], z[5], z[6],
                                                   z[7], z[8], z[9], 0 },
             z + 11, steady_words[p], manual_sync[p]);
}

static bool is_event_log(enum role r)
{
    return r == ROLE_CA_EVENTS || r == ROLE_NDES_EVENTS || r == ROLE_DEVICE_EVENTS ||
           r == ROLE_EVENTS;
}

static int severity(enum verdict v)
{
    switch (v) {
    case VERDICT_FAIL: return 4;
    case VERDICT_WARN: return 3;
    case VERDICT_PASS: return 2;
    case VERDICT_INFO: return 1;
    default: return 0;
    }
}

/* A device's sync: an event of the device's MDM client (DeviceManagement-Enterprise-
 * Diagnostics-Provider) that a sync session writes. */
static bool is_sync(const struct source *s, const struct event *e)
{
    if (s->role != ROLE_DEVICE_EVENTS || (e->flags & EVF_RAW) || !s->parser->field)
        return false;
    struct span prov, id;
    if (!s->parser->field(s, e, "provider", &prov) || !s->parser->field(s, e, "event-id", &id))
        return false;
    if (!span_find_ci(prov, "DeviceManagement-Enterprise-Diagnostics-Provider"))
        return false;
    /* 306: a CSP executed what the sync brought; 208/209: the OMA-DM session began/ended */
    return span_eq(id, "306") || span_eq(id, "208") || span_eq(id, "209");
}

static bool add_value(struct diagnosis *d, struct attempt *at, size_t i)
{
    const struct event *e = &d->b->ev[i];
    const struct source *s = d->b->src[e->src];
    const char *names[16];
    size_t n = playbook_groups(d->pb, e->sig - 1, names, 16);
    for (size_t k = 0; k < n && at->nvalues < ATTEMPT_VALUES; k++) {
        bool have = false;
        for (size_t j = 0; j < at->nvalues; j++)
            have |= strcmp(at->values[j].name, names[k]) == 0;
        char value[96];
        if (have || strcmp(names[k], "device") == 0 || strcmp(names[k], "user") == 0 ||
            !playbook_extract(d->pb, e->sig - 1, s, e, names[k], value, sizeof value))
            continue;
        const char *kept = strpool_intern(&d->words, value);
        if (!kept)
            return false;
        at->values[at->nvalues].name = names[k];
        at->values[at->nvalues++].value = kept;
    }
    return true;
}

static bool link_events(struct diagnosis *d)
{
    struct bundle *b = d->b;
    if (!d->natt)
        return true;
    int64_t win = (int64_t)(d->pb->win.preamble * (double)US_PER_SEC);
    uint32_t *to = calloc(b->nev ? b->nev : 1, sizeof *to);
    uint32_t *xof = calloc(d->natt, sizeof *xof); /* an exchange of each attempt, + 1 */
    if (!to || !xof) {
        free(to);
        free(xof);
        return false;
    }
    for (size_t x = 0; x < d->nx; x++)
        if (d->x[x].attempt && !xof[d->x[x].attempt - 1])
            xof[d->x[x].attempt - 1] = (uint32_t)x + 1;
    size_t added = 0;
    for (size_t i = 0; i < b->nev; i++) {
        const struct event *e = &b->ev[i];
        if (!e->sig || e->xchg || !is_event_log(b->src[e->src]->role) || e->t == TIME_NONE)
            continue;
        size_t best = SIZE_MAX;
        int64_t bestd = INT64_MAX;
        for (size_t a = 0; a < d->natt; a++) {
            const struct attempt *at = &d->att[a];
            int64_t dist = e->t < at->start ? at->start - e->t : e->t > at->end ? e->t - at->end : 0;
            if (dist <= win && dist < bestd) {
                bestd = dist;
                best = a;
            }
        }
        if (best != SIZE_MAX && xof[best]) {
            to[i] = (uint32_t)best + 1;
            added++;
        }
    }
    if (!added) {
        free(to);
        free(xof);
        return true;
    }
    /* the evidence lists again, with the events that joined, in time (index) order */
    size_t total = added;
    for (size_t a = 0; a < d->natt; a++)
        for (int s = 0; s < PLAYBOOK_STEPS; s++)
            total += d->att[a].step[s].nev;
    uint32_t *pool = malloc(total * sizeof *pool);
    size_t *extra = calloc(d->natt * PLAYBOOK_STEPS, sizeof *extra);
    if (!pool || !extra) {
        free(pool);
        free(extra);
        free(to);
        free(xof);
        return false;
    }
    for (size_t i = 0; i < b->nev; i++)
        if (to[i])
            extra[(to[i] - 1) * PLAYBOOK_STEPS + (size_t)(d->pb->sigs[b->ev[i].sig - 1].step - 1)]++;
    size_t off = 0;
    for (size_t a = 0; a < d->natt; a++) {
        for (int s = 0; s < PLAYBOOK_STEPS; s++) {
            struct step_result *r = &d->att[a].step[s];
            memcpy(pool + off, r->ev, r->nev * sizeof *pool);
            r->ev = pool + off;
            off += r->nev + extra[a * PLAYBOOK_STEPS + (size_t)s];
        }
    }
    free(d->evpool);
    d->evpool = pool;
    free(extra);
    bool ok = true;
    for (size_t i = 0; i < b->nev && ok; i++) {
        if (!to[i])
            continue;
        struct attempt *at = &d->att[to[i] - 1];
        struct event *e = &b->ev[i];
        const struct pb_sig *sg = &d->pb->sigs[e->sig - 1];
        struct step_result *r = &at->step[sg->step - 1];
        /* insert in index order */
        size_t k = r->nev;
        while (k > 0 && r->ev[k - 1] > i) {
            r->ev[k] = r->ev[k - 1];
            k--;
        }
        r->ev[k] = (uint32_t)i;
        r->nev++;
        int cur = r->verdict == VERDICT_NONE ? 0 : severity(r->verdict);
        if (severity(sg->verdict) > cur) {
            r->verdict = sg->verdict;
            if (sg->verdict == VERDICT_FAIL || sg->verdict == VERDICT_WARN) {
                r->sig = e->sig - 1;
                r->expect = -1;
                r->decisive = i;
            }
        }
        e->xchg = xof[to[i] - 1]; /* the attempt, for the timeline and the filters */
        ok = add_value(d, at, i);
    }
    free(to);
    free(xof);
    if (!ok)
        return false;
    /* verdicts again: info alone is no verdict; the first failing step */
    for (size_t a = 0; a < d->natt; a++) {
        struct attempt *at = &d->att[a];
        at->failed_step = 0;
        for (int s = 0; s < PLAYBOOK_STEPS; s++) {
            struct step_result *r = &at->step[s];
            if (r->verdict == VERDICT_INFO)
                r->verdict = VERDICT_NONE;
            else if (r->verdict != VERDICT_NONE)
                r->reason = "";
            if (r->verdict == VERDICT_FAIL && !at->failed_step)
                at->failed_step = s + 1;
        }
        for (int s = at->failed_step; at->failed_step && s < PLAYBOOK_STEPS; s++) {
            struct step_result *r = &at->step[s];
            if (r->verdict != VERDICT_NONE || strncmp(r->reason, "not reached", 11) == 0)
                continue;
            char why[64];
            snprintf(why, sizeof why, "not reached: step %d failed", at->failed_step);
            r->reason = strpool_intern(&d->words, why);
            if (!r->reason)
                return false;
        }
    }
    return true;
}

bool step1_run(struct diagnosis *d)
{
    if (!link_events(d))
        return false;
    struct bundle *b = d->b;
    /* the last sync seen, before or within each attempt (or at all) */
    for (size_t a = 0; a < d->natt; a++) {
        struct attempt *at = &d->att[a];
        int64_t last = TIME_NONE;
        for (size_t i = 0; i < b->nev; i++) {
            const struct event *e = &b->ev[i];
            if (e->t == TIME_NONE || e->t > at->end)
                break;
            if (is_sync(b->src[e->src], e))
                last = e->t;
        }
        if (last == TIME_NONE)
            continue;
        char words[400];
        step1_words(PLATFORM_WINDOWS, last, words, sizeof words);
        struct step_result *r = &at->step[0];
        const char *kept;
        if (r->verdict == VERDICT_NONE && r->reason[0] &&
            strncmp(r->reason, "no log", 6) != 0) {
            char both[720];
            snprintf(both, sizeof both, "%s; %s", r->reason, words);
            kept = strpool_intern(&d->words, both);
        } else {
            kept = strpool_intern(&d->words, words);
        }
        if (!kept)
            return false;
        r->reason = kept;
    }
    return true;
}
