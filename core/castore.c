/* castore.c - the CA database and the certificate stores, correlated with the attempts.
 *
 * The CA prints its rows in its own local time to the minute, and its clock is not the NDES
 * server's: a row belongs to an attempt when its submission date lies within the attempt's
 * span widened by CASTORE_CLOCK_SLACK_S (and the playbook's tolerance), the printed minute
 * read as the whole minute. NDES submits every device's request under its own service
 * account, so only rows of that requester are candidates: the requester most rows inside
 * attempt windows share (rows that name no requester are taken as NDES's). Each attempt that
 * got past the CRP (no line of steps 2 to 4 failed) takes the nearest such row not taken
 * yet; attempts are visited in time order.
 *
 * The CA row and the certificates found for it join the attempt as exchanges of new kinds
 * (X_CA_REQUEST, X_DEVICE_CERT) that point at the attempt: events learn their attempt through
 * their exchange, so the timeline's attempt column, the evidence lists and the expectations
 * treat them as any other line of the attempt, without another path through judge(). */
#include <stdlib.h>
#include <string.h>

#include "castore.h"
#include "diagnose.h"
#include "parser.h"
#include "timeutil.h"

#define SEC(x) ((int64_t)(x) * US_PER_SEC)
#define MINUTE SEC(60)

size_t castore_norm_hex(const char *in, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    bool lead = true;
    for (size_t i = 0; i < n && k + 1 < cap; i++) {
        char c = in[i];
        if (c >= 'A' && c <= 'F')
            c = (char)(c - 'A' + 'a');
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            if (c == ' ' || c == ':' || c == '-' || c == '"')
                continue;
            k = 0; /* not a hex value */
            break;
        }
        if (lead && c == '0')
            continue;
        lead = false;
        out[k++] = c;
    }
    if (cap)
        out[k] = 0;
    return k;
}

static bool field_str(const struct source *s, const struct event *e, const char *name,
                      char *out, size_t cap)
{
    struct span f;
    if (!s->parser || !s->parser->field || !s->parser->field(s, e, name, &f) || !f.n)
        return false;
    size_t n = f.n < cap - 1 ? f.n : cap - 1;
    memcpy(out, f.p, n);
    out[n] = 0;
    return true;
}

static bool hex_field(const struct source *s, const struct event *e, const char *name,
                      char *out, size_t cap)
{
    char v[256];
    return field_str(s, e, name, v, sizeof v) && castore_norm_hex(v, strlen(v), out, cap) > 0;
}

static int sig_by_id(const struct playbook *pb, const char *id)
{
    for (size_t i = 0; i < pb->nsigs; i++)
        if (pb->sigs[i].id && strcmp(pb->sigs[i].id, id) == 0)
            return (int)i;
    return -1;
}

static bool ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        int x = *a, y = *b;
        if (x >= 'A' && x <= 'Z')
            x += 32;
        if (y >= 'A' && y <= 'Z')
            y += 32;
        if (x != y)
            return false;
    }
    return *a == *b;
}

/* Distance from a printed minute [t, t + 1 min) to an attempt's span; 0 when they meet. */
static int64_t distance(int64_t t, const struct attempt *at)
{
    if (t + MINUTE < at->start)
        return at->start - (t + MINUTE);
    if (t > at->end)
        return t - at->end;
    return 0;
}


/* The first of the rows (event indices in time order) at time t or later. */
static size_t first_row_from(const struct diagnosis *d, const size_t *rows, size_t nrows,
                             int64_t t)
{
    size_t lo = 0, hi = nrows;
    while (lo < hi) {
        size_t m = lo + (hi - lo) / 2;
        if (d->b->ev[rows[m]].t < t)
            lo = m + 1;
        else
            hi = m;
    }
    return lo;
}

static int64_t longest_attempt(const struct diagnosis *d)
{
    int64_t longest = 0;
    for (size_t a = 0; a < d->natt; a++)
        if (d->att[a].end - d->att[a].start > longest)
            longest = d->att[a].end - d->att[a].start;
    return longest;
}

#define MAX_REQUESTERS 64

/* The requester NDES submits under: the one most candidate rows share. */
static void ndes_requester(const struct diagnosis *d, const size_t *rows, size_t nrows,
                           int64_t slack, char *out, size_t cap)
{
    static const size_t W = 128;
    char (*names)[128] = calloc(MAX_REQUESTERS, W);
    /* rows within the slack of an attempt count; rows that meet its span break ties */
    size_t count[MAX_REQUESTERS] = { 0 }, close[MAX_REQUESTERS] = { 0 }, n = 0;
    out[0] = 0;
    if (!names)
        return;
    /* attempts are in order of start: only those from the first that starts after
     * t - slack - the longest attempt, to the last that starts by t + MINUTE + slack, can be
     * near a row at t */
    int64_t longest = longest_attempt(d);
    for (size_t r = 0; r < nrows; r++) {
        const struct event *e = &d->b->ev[rows[r]];
        bool near = false, meets = false;
        size_t a_end = diagnose_first_attempt_from(d, e->t + MINUTE + slack + 1);
        for (size_t a = diagnose_first_attempt_from(d, e->t - slack - longest); a < a_end && !meets; a++) {
            int64_t dist = distance(e->t, &d->att[a]);
            near |= dist <= slack;
            meets |= dist == 0;
        }
        char who[128];
        if (!near || !field_str(d->b->src[e->src], e, "requester", who, sizeof who))
            continue;
        size_t k = 0;
        while (k < n && !ieq(names[k], who))
            k++;
        if (k == n && n < MAX_REQUESTERS)
            memcpy(names[n++], who, W);
        if (k < n) {
            count[k]++;
            close[k] += meets;
        }
    }
    size_t best = 0;
    for (size_t k = 1; k < n; k++)
        if (count[k] > count[best] || (count[k] == count[best] && close[k] > close[best]))
            best = k;
    if (n) {
        strncpy(out, names[best], cap - 1);
        out[cap - 1] = 0;
    }
    free(names);
}

/* The certificate's validity against the attempt's time: the signature it then takes. */
static void check_validity(struct diagnosis *d, size_t ci, const struct attempt *at,
                           int64_t slack)
{
    struct event *e = &d->b->ev[ci];
    const struct source *s = d->b->src[e->src];
    int verdict_sig = -1;
    if (e->t != TIME_NONE && !(e->flags & EVF_TIME_INHERITED) && e->t > at->end + slack)
        verdict_sig = sig_by_id(d->pb, "cert-not-yet-valid");
    char na[64];
    int64_t wall;
    const char *why;
    if (verdict_sig < 0 && field_str(s, e, "not-after", na, sizeof na) &&
        locale_date_parse(na, strlen(na), &wall, &why)) {
        if (s->tz_given && s->parser->sniff_raw == NULL)
            wall -= SEC(s->tz_offset_s);
        if (wall < at->start - slack)
            verdict_sig = sig_by_id(d->pb, "cert-expired");
    }
    if (verdict_sig >= 0)
        e->sig = (uint16_t)(verdict_sig + 1);
}

static bool is_ca_db(enum role r)
{
    return r == ROLE_CA_DB;
}

bool castore_correlate(struct diagnosis *d)
{
    struct bundle *b = d->b;
    size_t nrows = 0, ncerts = 0;
    if (!d->natt || !bundle_has_role(b, is_ca_db))
        return true; /* no CA row to join an attempt */
    for (size_t i = 0; i < b->nev; i++) {
        const struct event *e = &b->ev[i];
        enum role r = b->src[e->src]->role;
        if (e->flags & EVF_RAW)
            continue;
        nrows += r == ROLE_CA_DB;
        ncerts += r == ROLE_CERT_STORE || r == ROLE_CERT;
    }
    if (!nrows || !d->natt)
        return true;
    size_t *rows = malloc(nrows * sizeof *rows);
    size_t *certs = malloc((ncerts ? ncerts : 1) * sizeof *certs);
    bool *taken = calloc(nrows, sizeof *taken);
    bool *blocked = calloc(d->natt, sizeof *blocked);
    struct cert_id {
        char serial[130], thumb[130];
    } *cid = NULL;
    bool ok = rows && certs && taken && blocked;
    if (!ok)
        goto out;
    nrows = ncerts = 0;
    for (size_t i = 0; i < b->nev; i++) {
        const struct event *e = &b->ev[i];
        enum role r = b->src[e->src]->role;
        if (e->flags & EVF_RAW)
            continue;
        if (r == ROLE_CA_DB && e->t != TIME_NONE && !(e->flags & EVF_TIME_INHERITED))
            rows[nrows++] = i;
        else if (r == ROLE_CERT_STORE || r == ROLE_CERT)
            certs[ncerts++] = i;
    }
    /* attempts that failed before the CA never reached it */
    for (size_t i = 0; i < b->nev; i++) {
        uint32_t a = diagnose_attempt_of(d, i);
        const struct event *e = &b->ev[i];
        if (a && e->sig && d->pb->sigs[e->sig - 1].step < 5 &&
            d->pb->sigs[e->sig - 1].verdict == VERDICT_FAIL)
            blocked[a - 1] = true;
    }
    int64_t slack = SEC(CASTORE_CLOCK_SLACK_S) + (int64_t)(d->pb->win.tolerance * 1e6);
    char ndes[128];
    ndes_requester(d, rows, nrows, slack, ndes, sizeof ndes);
    /* each certificate's serial and thumbprint, read once */
    cid = calloc(ncerts ? ncerts : 1, sizeof *cid);
    if (!(ok = cid != NULL))
        goto out;
    for (size_t c = 0; c < ncerts; c++) {
        const struct event *e = &b->ev[certs[c]];
        const struct source *cs = b->src[e->src];
        if (!hex_field(cs, e, "serial", cid[c].serial, sizeof cid[c].serial))
            cid[c].serial[0] = 0;
        if (!hex_field(cs, e, "thumbprint", cid[c].thumb, sizeof cid[c].thumb))
            cid[c].thumb[0] = 0;
    }
    for (size_t a = 0; ok && a < d->natt; a++) {
        const struct attempt *at = &d->att[a];
        if (blocked[a])
            continue;
        size_t best = SIZE_MAX;
        int64_t best_dist = INT64_MAX;
        /* rows are in time order: only those from start - slack - MINUTE to end + slack */
        for (size_t r = first_row_from(d, rows, nrows, at->start - slack - MINUTE);
             r < nrows && b->ev[rows[r]].t <= at->end + slack; r++) {
            const struct event *e = &b->ev[rows[r]];
            int64_t dist = distance(e->t, at);
            if (taken[r] || dist > slack || dist >= best_dist)
                continue;
            char who[128];
            if (ndes[0] && field_str(b->src[e->src], e, "requester", who, sizeof who) &&
                !ieq(who, ndes))
                continue;
            best = r;
            best_dist = dist;
        }
        if (best == SIZE_MAX)
            continue;
        taken[best] = true;
        size_t ri = rows[best];
        ok = diagnose_add_exchange(d, X_CA_REQUEST, ri, at->id);
        /* the certificate it issued, in the device's store or a file */
        const struct event *row = &b->ev[ri];
        const struct source *rs = b->src[row->src];
        char disp[32], serial[130], thumb[130];
        if (!ok || !field_str(rs, row, "disposition", disp, sizeof disp) ||
            strcmp(disp, "issued") != 0)
            continue;
        bool has_serial = hex_field(rs, row, "serial", serial, sizeof serial);
        bool has_thumb = hex_field(rs, row, "thumbprint", thumb, sizeof thumb);
        for (size_t c = 0; ok && c < ncerts && (has_serial || has_thumb); c++) {
            const struct event *e = &b->ev[certs[c]];
            if (e->xchg)
                continue; /* another attempt's already */
            bool same = (has_serial && cid[c].serial[0] && !strcmp(cid[c].serial, serial)) ||
                        (has_thumb && cid[c].thumb[0] && !strcmp(cid[c].thumb, thumb));
            if (!same)
                continue;
            check_validity(d, certs[c], at, slack);
            ok = diagnose_add_exchange(d, X_DEVICE_CERT, certs[c], at->id);
        }
    }
out:
    free(rows);
    free(certs);
    free(taken);
    free(blocked);
    free(cid);
    return ok;
}
