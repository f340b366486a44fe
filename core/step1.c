/* step1.c - the device-side and Windows event logs in the attempts, and step 1's timing.
 *
 * The CA's, NDES's and the device's events, and the lines of a device's own log (Android's
 * OMADM log, an Apple console), are no part of the exchanges the attempts are made of (they
 * have no request to pair with an IIS line): a line that matched a signature joins the attempt
 * whose span holds it, widened by the playbook's preamble window, as evidence of its step (the
 * nearest attempt when several do). A device's line that names the SCEP profile's request (the
 * signature's group `profile`) joins the attempt its request's earlier lines joined, however
 * late: Android installs the certificate minutes after NDES answered, when the user accepts.
 * A device that failed on its own (it refused NDES's answer to GetCACert) takes the NDES IIS
 * log's GetCACert / GetCACaps of its platform just before, which no PKIOperation kept.
 *
 * The automatic sync schedule per platform is the playbook's (sync_schedule:, from the seed's
 * step 1): from the last sync seen (a Windows device's DMEDP events, a line of a device's own
 * log that the playbook marks device.sync), the next automatic one is due after the steady
 * interval (the enrollment time, which would place it in the faster first hours, is not in
 * the logs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "bundle.h"
#include "playbook.h"
#include "parser.h"
#include "step1.h"
#include "timeutil.h"

/* How to sync by hand. */
static const char *const manual_sync[PLATFORM_COUNT] = {
    "Settings > Accounts > Access work or school > Info > Sync",
    "Company Portal > Devices > this device > Check Settings",
    "Company Portal > Devices > this device > Check Device Settings",
};

_Static_assert((int)PLATFORM_COUNT == (int)PB_SYNC_PLATFORMS,
               "platforms in the order of the playbook's sync_schedule");

const char *platform_name(enum platform p)
{
    static const char *const n[PLATFORM_COUNT] = { "Windows", "iOS", "Android" };
    return p < PLATFORM_COUNT ? n[p] : "?";
}

int64_t step1_next_sync(const struct pb_sync *sy, int64_t enrolled, int64_t last)
{
    if (!sy || !sy->given || last == TIME_NONE)
        return TIME_NONE;
    int64_t first = (int64_t)(sy->first * (double)US_PER_SEC);
    int64_t first_for = (int64_t)(sy->first_for * (double)US_PER_SEC);
    int64_t then = (int64_t)(sy->then * (double)US_PER_SEC);
    int64_t then_for = (int64_t)(sy->then_for * (double)US_PER_SEC);
    int64_t steady = (int64_t)(sy->steady * (double)US_PER_SEC);
    if (enrolled == TIME_NONE || last < enrolled)
        return last + steady;
    /* the interval of the phase the sync fell in */
    int64_t since = last - enrolled;
    if (since < first_for && first > 0)
        return last + first;
    if (since < first_for + then_for && then > 0)
        return last + then;
    return last + steady;
}

/* "8 hours", "2 hours 15 minutes", "45 seconds" */
static void duration_words(double sec, char *out, size_t cap)
{
    long s = (long)(sec + 0.5), h = s / 3600, m = s % 3600 / 60, r = s % 60;
    int n = 0;
    out[0] = 0;
    if (h)
        n += snprintf(out + n, cap - (size_t)n, "%ld hour%s", h, h == 1 ? "" : "s");
    if (m && (size_t)n < cap)
        n += snprintf(out + n, cap - (size_t)n, "%s%ld minute%s", n ? " " : "", m,
                      m == 1 ? "" : "s");
    if ((r || !n) && (size_t)n < cap)
        snprintf(out + n, cap - (size_t)n, "%s%ld second%s", n ? " " : "", r, r == 1 ? "" : "s");
}

void step1_words(const struct pb_sync *sy, enum platform p, int64_t last, char *out, size_t cap)
{
    char a[32], z[32], every[64], after[64];
    time_format_iso(last, a);
    a[10] = ' ';
    a[19] = 0; /* YYYY-MM-DD HH:MM:SS */
    int64_t next = step1_next_sync(sy, TIME_NONE, last);
    if (next == TIME_NONE) {
        snprintf(out, cap, "last sync seen %s (%s); for a clean repro, sync the device by hand "
                 "(%s)", a, platform_name(p), manual_sync[p]);
        return;
    }
    time_format_iso(next, z);
    z[10] = ' ';
    z[16] = 0; /* YYYY-MM-DD HH:MM */
    duration_words(sy->steady, every, sizeof every);
    duration_words(sy->first_for + sy->then_for, after, sizeof after);
    snprintf(out, cap,
             "last sync seen %s (%s): the next automatic sync is due about %s UTC (every %s "
             "after the first %s); for a clean repro, sync the device by hand (%s)",
             a, platform_name(p), z, every, after, manual_sync[p]);
}



/* A Windows device's sync: an event of the device's MDM client (DeviceManagement-Enterprise-
 * Diagnostics-Provider) that a sync session writes. */
static bool is_windows_sync(const struct source *s, const struct event *e)
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

/* A device's sync, and the device's platform: a Windows device's sync events, or a line of an
 * Android or Apple device's own log that the playbook marks device.sync. */
static bool is_sync(const struct source *s, const struct event *e, enum platform *p)
{
    if (e->t == TIME_NONE || (e->flags & EVF_RAW))
        return false;
    if (s->role == ROLE_ANDROID_LOG || s->role == ROLE_APPLE_LOG) {
        *p = s->role == ROLE_ANDROID_LOG ? PLATFORM_ANDROID : PLATFORM_IOS;
        return e->mark == MARK_DEVICE_SYNC;
    }
    *p = PLATFORM_WINDOWS;
    return is_windows_sync(s, e);
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
            !playbook_extract(d->pb, e->sig - 1, s, e, names[k], value, sizeof value, NULL))
            continue;
        const char *kept = strpool_intern(&d->words, value);
        if (!kept)
            return false;
        at->values[at->nvalues].name = names[k];
        at->values[at->nvalues++].value = kept;
    }
    return true;
}


/* The request a device's line names (the signature's group `profile`), into buf; false when
 * it names none. */
static bool request_of(const struct diagnosis *d, const struct event *e, char *buf, size_t cap)
{
    const struct source *s = d->b->src[e->src];
    if (!e->sig || (s->role != ROLE_ANDROID_LOG && s->role != ROLE_APPLE_LOG))
        return false;
    const char *names[16];
    size_t n = playbook_groups(d->pb, e->sig - 1, names, 16);
    for (size_t k = 0; k < n; k++)
        if (strcmp(names[k], "profile") == 0)
            return playbook_extract(d->pb, e->sig - 1, s, e, "profile", buf, cap, NULL) &&
                   buf[0];
    return false;
}

/* A request seen in an attempt: the last attempt each (source, request) joined. */
struct seen_request {
    uint16_t src;
    uint32_t attempt; /* + 1 */
    char *name;
};

#define SEEN_REQUESTS_MAX 256

/* The lines of a device's own log that name a request no attempt holds in time join the
 * attempt the same request's earlier lines joined (by time, or as a failure of their own).
 * to[i] is the attempt + 1 event i joins; added counts them. */
static bool chain_requests(struct diagnosis *d, uint32_t *to, const uint32_t *xof, size_t *added)
{
    struct bundle *b = d->b;
    struct seen_request seen[SEEN_REQUESTS_MAX];
    size_t nseen = 0, next = 0;
    bool ok = true;
    char name[256];
    for (size_t i = 0; ok && i < b->nev; i++) {
        const struct event *e = &b->ev[i];
        if (e->t == TIME_NONE || !request_of(d, e, name, sizeof name))
            continue;
        uint32_t a = to[i] ? to[i] : e->xchg ? d->x[e->xchg - 1].attempt : 0;
        size_t k = 0;
        while (k < nseen && (seen[k].src != e->src || strcmp(seen[k].name, name) != 0))
            k++;
        if (a) {
            if (k == nseen) {
                char *copy = strdup(name);
                if (!copy) {
                    ok = false;
                    break;
                }
                if (nseen < SEEN_REQUESTS_MAX) {
                    k = nseen++;
                } else {
                    k = next; /* the oldest goes */
                    next = (next + 1) % SEEN_REQUESTS_MAX;
                    free(seen[k].name);
                }
                seen[k].src = e->src;
                seen[k].name = copy;
            }
            seen[k].attempt = a;
        } else if (k < nseen && !e->xchg && xof[seen[k].attempt - 1]) {
            to[i] = seen[k].attempt;
            ++*added;
        }
    }
    for (size_t k = 0; k < nseen; k++)
        free(seen[k].name);
    return ok;
}

/* An NDES IIS GetCACert or GetCACaps that is no exchange (no PKIOperation followed it). */
static bool lone_getca(const struct bundle *b, const struct event *e)
{
    return b->src[e->src]->role == ROLE_NDES_IIS &&
           (e->mark == MARK_GETCACERT || e->mark == MARK_GETCACAPS);
}

/* Does an IIS line's user agent name the platform of a device's log? Apple's profiled writes
 * "profiled/1.0+CFNetwork/...+Darwin/...", Android's SCEP client "Dalvik/2.1.0+(Linux;+U;+Android...". */
static bool agent_of(enum role device, const struct source *s, const struct event *e)
{
    struct span ua;
    if (!s->parser->field || !s->parser->field(s, e, "cs(User-Agent)", &ua))
        return false;
    if (device == ROLE_APPLE_LOG)
        return span_find_ci(ua, "profiled") || span_find_ci(ua, "CFNetwork") ||
               span_find_ci(ua, "Darwin");
    if (device == ROLE_ANDROID_LOG)
        return span_find_ci(ua, "Dalvik") || span_find_ci(ua, "Android");
    return false;
}

static bool link_events(struct diagnosis *d)
{
    struct bundle *b = d->b;
    /* the lines it links are event logs' and device logs', or lone GetCAs when a device's
     * log failed alone */
    if (!d->natt || !bundle_has_role(b, role_is_event_log))
        return true;
    int64_t win = (int64_t)(d->pb->win.preamble * (double)US_PER_SEC);
    uint32_t *to = big_alloc((b->nev ? b->nev : 1) * sizeof *to);
    uint32_t *xof = calloc(d->natt, sizeof *xof); /* an exchange of each attempt, + 1 */
    if (!to || !xof) {
        big_free(to);
        free(xof);
        return false;
    }
    for (size_t x = 0; x < d->nx; x++)
        if (d->x[x].attempt && !xof[d->x[x].attempt - 1])
            xof[d->x[x].attempt - 1] = (uint32_t)x + 1;
    /* attempts are in order of start: those within the window of a time t lie between the
     * first that starts after t - win - the longest attempt and the last that starts by t + win */
    int64_t longest = 0;
    for (size_t a = 0; a < d->natt; a++)
        if (d->att[a].end - d->att[a].start > longest)
            longest = d->att[a].end - d->att[a].start;
    /* the attempts made of a device's own failures alone: the role of that device's log */
    uint8_t *device_only = calloc(d->natt, 1);
    if (!device_only) {
        big_free(to);
        free(xof);
        return false;
    }
    for (size_t x = 0; x < d->nx; x++) {
        uint32_t a = d->x[x].attempt;
        enum role r = b->src[d->x[x].src]->role;
        if (!a || device_only[a - 1] == UINT8_MAX)
            continue;
        bool mine = d->x[x].kind == X_EVENT_FAIL && (r == ROLE_ANDROID_LOG || r == ROLE_APPLE_LOG);
        device_only[a - 1] = mine && (!device_only[a - 1] || device_only[a - 1] == r)
                                 ? (uint8_t)r : UINT8_MAX;
    }
    bool any_device_only = false;
    for (size_t a = 0; a < d->natt && !any_device_only; a++)
        any_device_only = device_only[a] && device_only[a] != UINT8_MAX;
    size_t added = 0;
    for (size_t i = 0; i < b->nev; i++) {
        const struct event *e = &b->ev[i];
        if (!e->sig || e->xchg || e->t == TIME_NONE)
            continue;
        bool getca = !role_is_event_log(b->src[e->src]->role);
        if (getca && (!any_device_only || !lone_getca(b, e)))
            continue;
        size_t best = SIZE_MAX;
        int64_t bestd = INT64_MAX;
        size_t from = diagnose_first_attempt_from(d, e->t - win - longest);
        size_t to_a = diagnose_first_attempt_from(d, e->t + win + 1);
        for (size_t a = from; a < to_a; a++) {
            const struct attempt *at = &d->att[a];
            int64_t dist = e->t < at->start ? at->start - e->t : e->t > at->end ? e->t - at->end : 0;
            if (dist <= win && dist < bestd) {
                bestd = dist;
                best = a;
            }
        }
        /* a GetCA no PKIOperation kept joins the failure of a device that asked it (its agent
         * says the platform) just before: the device refused NDES's answer */
        if (getca && (best == SIZE_MAX || !device_only[best] || device_only[best] == UINT8_MAX ||
                      e->t > d->att[best].end + US_PER_SEC ||
                      !agent_of((enum role)device_only[best], b->src[e->src], e)))
            continue;
        if (best != SIZE_MAX && xof[best]) {
            to[i] = (uint32_t)best + 1;
            added++;
        }
    }
    free(device_only);
    if (!chain_requests(d, to, xof, &added)) {
        big_free(to);
        free(xof);
        return false;
    }
    if (!added) {
        big_free(to);
        free(xof);
        return true;
    }
    /* the evidence lists again, with the events that joined, in time (index) order */
    size_t total = added;
    for (size_t a = 0; a < d->natt; a++)
        for (int s = 0; s < PLAYBOOK_STEPS; s++)
            total += d->att[a].step[s].nev;
    uint32_t *pool = big_alloc(total * sizeof *pool);
    size_t *extra = calloc(d->natt * PLAYBOOK_STEPS, sizeof *extra);
    if (!pool || !extra) {
        big_free(pool);
        free(extra);
        big_free(to);
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
    big_free(d->evpool);
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
        int cur = r->verdict == VERDICT_NONE ? 0 : verdict_severity(r->verdict);
        if (verdict_severity(sg->verdict) > cur) {
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
    big_free(to);
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
    /* the syncs seen, in time order, with their platform; for each attempt the last before
     * its end, if any */
    size_t nsync = 0;
    int64_t *sync = NULL;
    uint8_t *plat = NULL;
    for (int pass = 0; pass < 2 && bundle_has_role(b, role_is_device); pass++) {
        if (pass && (!(sync = malloc((nsync ? nsync : 1) * sizeof *sync)) ||
                     !(plat = malloc(nsync ? nsync : 1)))) {
            free(sync);
            return false;
        }
        nsync = 0;
        for (size_t i = 0; i < b->nev; i++) {
            const struct event *e = &b->ev[i];
            enum platform p;
            if (role_is_device(b->src[e->src]->role) && is_sync(b->src[e->src], e, &p)) {
                if (pass) {
                    sync[nsync] = e->t;
                    plat[nsync] = (uint8_t)p;
                }
                nsync++;
            }
        }
    }
    bool ok = true;
    for (size_t a = 0; ok && a < d->natt; a++) {
        struct attempt *at = &d->att[a];
        size_t lo = 0, hi = nsync; /* the syncs at or before the attempt's end: [0, lo) */
        while (lo < hi) {
            size_t m = lo + (hi - lo) / 2;
            if (sync[m] <= at->end)
                lo = m + 1;
            else
                hi = m;
        }
        if (!lo)
            continue;
        int64_t last = sync[lo - 1];
        enum platform p = (enum platform)plat[lo - 1];
        char words[400];
        step1_words(&d->pb->sync[p], p, last, words, sizeof words);
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
            ok = false;
        else
            r->reason = kept;
    }
    free(sync);
    free(plat);
    return ok;
}
