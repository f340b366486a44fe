/* diagnose.c - classification, exchanges, clock offsets, attempts and verdicts.
 * The structure of the flow (which exchange happens inside which) is here; its numbers
 * (windows, tolerances) and its words (signatures, explanations) are in the playbook. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bigmem.h"
#include "castore.h"
#include "diagnose.h"
#include "parallel.h"
#include "parser.h"
#include "step1.h"
#include "timeline.h"
#include "timeutil.h"
#include "trace.h"

#define SEC(x) ((int64_t)((x) * 1e6))
#define NO_FIRST UINT32_MAX /* an exchange with no line (see renumber_exchanges) */

const char *xkind_name(enum xkind k)
{
    static const char *const names[XKIND_COUNT] = {
        "none", "ndes-getca", "ndes-pkioperation", "plugin-verify", "plugin-notify",
        "crp-http-verify", "crp-http-notify", "crp-verify", "crp-notify",
        "capture-conversation", "ca-request", "device-cert", "event-failure",
    };
    return k < XKIND_COUNT ? names[k] : "none";
}

/* ---- classification ----------------------------------------------------------------------- */

/* Lines are classified in parallel: each thread takes a slice of the timeline, with match
 * data of its own; the playbook and the candidates are only read. */
struct classify_job {
    const struct diagnosis *d;
    const struct pb_candidates *sig, *mk;
    const bool *done; /* files classified as they were loaded */
    void *md[PARALLEL_MAX];
};

static void classify_slice(size_t from, size_t to, size_t t, void *arg)
{
    struct classify_job *j = arg;
    const struct bundle *b = j->d->b;
    for (size_t i = from; i < to; i++) {
        struct event *e = &b->ev[i];
        if (!j->done[e->src])
            playbook_classify_into(j->d->pb, &j->sig[e->src], &j->mk[e->src], b->src[e->src],
                                   e, j->md[t]);
    }
}

/* Files that the loading classified with this playbook (diagnose_prepare) are not read again. */
static bool classify(struct diagnosis *d)
{
    struct bundle *b = d->b;
    size_t ns = b->nsrc ? b->nsrc : 1, left = 0;
    struct pb_candidates *sig = calloc(ns, sizeof *sig);
    struct pb_candidates *mk = calloc(ns, sizeof *mk);
    bool *done = calloc(ns, sizeof *done);
    bool ok = sig && mk && done;
    for (size_t i = 0; ok && i < b->nsrc; i++) {
        done[i] = b->src[i]->classified_by == (const void *)d->pb;
        if (b->src[i]->skipped || done[i])
            continue;
        left++;
        ok = playbook_candidates(d->pb, b->src[i], &sig[i]) &&
             playbook_mark_candidates(d->pb, b->src[i], &mk[i]);
    }
    size_t n = left ? parallel_slices(b->nev, 4096) : 0, made = 0;
    struct classify_job job = { d, sig, mk, done, { NULL } };
    for (; ok && made < n; made++)
        ok = (job.md[made] = playbook_match_data_new(d->pb)) != NULL;
    if (ok && n)
        parallel_run(b->nev, n, classify_slice, &job);
    for (size_t t = 0; t < made; t++)
        playbook_match_data_free(job.md[t]);
    for (size_t i = 0; sig && mk && i < b->nsrc; i++) {
        pb_candidates_free(&sig[i]);
        pb_candidates_free(&mk[i]);
    }
    free(sig);
    free(mk);
    free(done);
    return ok;
}

static const struct pb_sig *sig_of(const struct diagnosis *d, const struct event *e)
{
    return e->sig ? &d->pb->sigs[e->sig - 1] : NULL;
}

static enum verdict verdict_of(const struct diagnosis *d, const struct event *e)
{
    const struct pb_sig *s = sig_of(d, e);
    return s ? s->verdict : VERDICT_NONE;
}

/* ---- exchanges ---------------------------------------------------------------------------- */

/* Exchanges being made: the diagnosis's own list, or a builder thread's. */
struct xlist {
    struct exchange *v;
    size_t n, cap;
};

static uint32_t new_exchange(struct xlist *L, enum xkind kind, uint16_t src)
{
    if (L->n == L->cap) {
        size_t cap = L->cap ? L->cap * 2 : 256;
        struct exchange *v = big_realloc(L->v, cap * sizeof *v);
        if (!v)
            return UINT32_MAX;
        L->v = v;
        L->cap = cap;
    }
    struct exchange *x = &L->v[L->n];
    *x = (struct exchange){ .kind = kind, .src = src };
    x->lo_min = x->lo_max = INT64_MAX;
    x->hi_min = x->hi_max = INT64_MIN;
    return (uint32_t)L->n++;
}

static void join_exchange(const struct diagnosis *d, struct xlist *L, uint32_t xi, size_t evi)
{
    struct exchange *x = &L->v[xi];
    const struct event *e = &d->b->ev[evi];
    d->b->ev[evi].xchg = xi + 1;
    x->nev++;
    if (e->t < x->lo_min)
        x->lo_min = x->lo_max = e->t;
    if (e->t > x->hi_max)
        x->hi_min = x->hi_max = e->t;
    if (verdict_of(d, e) == VERDICT_FAIL)
        x->failed = true;
}

static uint64_t load64(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

/* The hash of a value (an address, a user agent, the part of an IIS line the line memo keys
 * by), from seed: 32 bytes a step in four lanes that need not wait for one another's
 * multiply, the last step over the value's last 32 bytes. */
static uint64_t hash_span(uint64_t seed, struct span s)
{
    const char *p = s.p;
    size_t n = s.n;
    uint64_t a = seed, b = seed ^ 0x9E3779B97F4A7C15u, c = seed ^ 0xC2B2AE3D27D4EB4Fu,
             d = seed ^ 0x165667B19E3779F9u;
    const char *end = p + n;
    char tail[32];
    if (n < 32) {
        memset(tail, 0, sizeof tail);
        if (n)
            memcpy(tail, p, n);
        p = tail;
        end = tail + 32;
    }
    for (;;) {
        const char *q = end - p >= 32 ? p : end - 32; /* the last step overlaps the one before */
        a = (a ^ load64(q)) * 0xFF51AFD7ED558CCDu;
        b = (b ^ load64(q + 8)) * 0xC4CEB9FE1A85EC53u;
        c = (c ^ load64(q + 16)) * 0x9E3779B97F4A7C15u;
        d = (d ^ load64(q + 24)) * 0xD6E8FEB86659FD93u;
        if (q + 32 >= end)
            break;
        p += 32;
    }
    uint64_t h = a ^ (b << 17 | b >> 47) ^ (c << 31 | c >> 33) ^ (d << 47 | d >> 17) ^ n;
    h *= 0x9E3779B97F4A7C15u;
    return h ^ h >> 29 ^ h >> 41;
}

static bool field_u64(const struct source *s, const struct event *e, const char *name,
                      uint64_t *v)
{
    struct span f;
    return s->parser->field && s->parser->field(s, e, name, &f) && span_to_u64(f, v);
}

/* What an IIS line tells of its exchange: when it ended, how long it took, from where. */
struct iis_times {
    int64_t lo_min, lo_max, hi_min, hi_max;
    uint64_t key;      /* the client's address */
    uint64_t agent;    /* its user agent; 0 when it gave none */
    uint64_t question; /* the query (GetCA only: a PKIOperation's is its whole message) */
};

#define FNV_SEED 1469598103934665603u

/* What keeps one client's requests apart from another's, as iis_read and the loading's notes
 * (note_getca) both give it: its address (empty when the layout has none), its user agent (0
 * when it gave none), its query (0 when the layout has none). Behind WAP every device shares
 * the address, and one device's requests do not even share a user agent (the MDM pair comes
 * without one), so the address only keeps apart clients that do come from different ones. */
static void client_hashes(struct span addr, struct span agent, struct span query,
                          bool has_query, uint64_t *k, uint64_t *a, uint64_t *q)
{
    *k = hash_span(FNV_SEED, addr);
    *a = agent.n ? hash_span(FNV_SEED, agent) : 0;
    *q = has_query ? hash_span(FNV_SEED, query) : 0;
}

/* Whether an IIS time gives a fraction of a second (IIS itself writes none). */
static bool time_has_fraction(struct span t)
{
    return t.n && memchr(t.p, '.', t.n);
}

/* The times of an IIS line logged at t that took `taken` ms. */
static void iis_times_at(int64_t t, uint32_t taken, bool fraction, struct iis_times *it)
{
    int64_t grain = fraction ? 1000 : US_PER_SEC;
    it->lo_min = t - (int64_t)taken * 1000;
    it->lo_max = it->lo_min + grain;
    it->hi_min = t;
    it->hi_max = t + grain;
}

/* What an IIS line says of its request: how long it took (ms, at most a day), whether its
 * time has a fraction of a second, and its client (its query too, with question). */
static void iis_request(const struct source *s, const struct event *e, bool question,
                        struct field_cache *fc, uint32_t *taken, bool *fraction, uint64_t *key,
                        uint64_t *agent, uint64_t *query)
{
    static const char *const names[5] = { "time-taken", "time", "c-ip", "cs(User-Agent)",
                                          "cs-uri-query" };
    struct span f[5];
    bool found[5] = { false, false, false, false, false };
    if (s->parser->fields)
        s->parser->fields(s, e, names, question ? 5 : 4, f, found, fc);
    uint64_t t = 0;
    if (found[0])
        span_to_u64(f[0], &t);
    *taken = t > 86400000u ? 86400000u : (uint32_t)t;
    *fraction = found[1] && time_has_fraction(f[1]);
    struct span none = span_make("", 0);
    client_hashes(found[2] ? f[2] : none, found[3] ? f[3] : none, found[4] ? f[4] : none,
                  found[4], key, agent, query);
}

/* An IIS line ends at its logged time (whole seconds: the true end lies within the next
 * second) and lasted time-taken milliseconds. */
static void iis_read(const struct source *s, const struct event *e, struct iis_times *it,
                     bool question, struct field_cache *fc)
{
    uint32_t taken;
    bool fraction;
    iis_request(s, e, question, fc, &taken, &fraction, &it->key, &it->agent, &it->question);
    iis_times_at(e->t, taken, fraction, it);
}

/* An exchange that holds event i alone, complete; UINT32_MAX when memory runs out. */
static uint32_t single_exchange(const struct diagnosis *d, struct xlist *L, enum xkind kind,
                                size_t i)
{
    uint32_t xi = new_exchange(L, kind, d->b->ev[i].src);
    if (xi != UINT32_MAX) {
        join_exchange(d, L, xi, i);
        L->v[xi].complete = true;
    }
    return xi;
}

bool diagnose_add_exchange(struct diagnosis *d, enum xkind kind, size_t i, uint32_t attempt)
{
    struct xlist L = { d->x, d->nx, d->capx };
    uint32_t xi = single_exchange(d, &L, kind, i);
    d->x = L.v;
    d->nx = L.n;
    d->capx = L.cap;
    if (xi == UINT32_MAX)
        return false;
    d->x[xi].attempt = attempt;
    return true;
}

static bool iis_exchange(const struct diagnosis *d, struct xlist *L, size_t i, enum xkind kind,
                         const struct iis_times *it)
{
    uint32_t xi = single_exchange(d, L, kind, i);
    if (xi == UINT32_MAX)
        return false;
    struct exchange *x = &L->v[xi];
    x->lo_min = it->lo_min;
    x->lo_max = it->lo_max;
    x->hi_min = it->hi_min;
    x->hi_max = it->hi_max;
    return true;
}

static enum xkind iis_kind(enum mark m)
{
    switch (m) {
    case MARK_GETCACERT:
    case MARK_GETCACAPS: return X_NDES_GETCA;
    case MARK_PKIOPERATION: return X_NDES_PKIOP;
    case MARK_CRP_HTTP_VERIFY: return X_CRP_HTTP_VERIFY;
    case MARK_CRP_HTTP_NOTIFY: return X_CRP_HTTP_NOTIFY;
    default: return X_NONE;
    }
}

/* The block family of a ConfigMgr mark, and whether it opens or closes a block. "Sending
 * request" is written by VerifyRequest and Notify alike: it belongs to whichever is open. */
static enum xkind block_kind(enum mark m)
{
    switch (m) {
    case MARK_VERIFY_CALL:
    case MARK_VERIFY_RESULT:
    case MARK_VERIFY_EXIT: return X_PLUGIN_VERIFY;
    case MARK_NOTIFY_CALL:
    case MARK_NOTIFY_EXIT: return X_PLUGIN_NOTIFY;
    case MARK_CRP_VERIFY_BEGIN:
    case MARK_CRP_VERIFY_END: return X_CRP_VERIFY;
    case MARK_CRP_NOTIFY_BEGIN:
    case MARK_CRP_NOTIFY_END: return X_CRP_NOTIFY;
    default: return X_NONE;
    }
}

static bool is_begin(enum mark m)
{
    return m == MARK_VERIFY_CALL || m == MARK_NOTIFY_CALL || m == MARK_CRP_VERIFY_BEGIN ||
           m == MARK_CRP_NOTIFY_BEGIN;
}

static bool is_end(enum mark m)
{
    return m == MARK_VERIFY_EXIT || m == MARK_NOTIFY_EXIT || m == MARK_CRP_VERIFY_END ||
           m == MARK_CRP_NOTIFY_END;
}

/* A block still open on one thread of one ConfigMgr log. */
struct open_block {
    uint16_t src;
    uint64_t thread;
    uint32_t x;
    int64_t last;
    bool progressed; /* it has seen more than its opening line(s) */
};

struct blocks {
    struct open_block *v;
    size_t n, cap;
};

static struct open_block *block_find(struct blocks *bl, uint16_t src, uint64_t thread)
{
    for (size_t i = 0; i < bl->n; i++)
        if (bl->v[i].src == src && bl->v[i].thread == thread)
            return &bl->v[i];
    return NULL;
}

static void block_close(struct blocks *bl, struct open_block *ob)
{
    *ob = bl->v[--bl->n];
}

static struct open_block *block_open(struct xlist *L, struct blocks *bl, uint16_t src,
                                     uint64_t thread, enum xkind kind)
{
    if (bl->n == bl->cap) {
        size_t cap = bl->cap ? bl->cap * 2 : 32;
        struct open_block *v = realloc(bl->v, cap * sizeof *v);
        if (!v)
            return NULL;
        bl->v = v;
        bl->cap = cap;
    }
    uint32_t xi = new_exchange(L, kind, src);
    if (xi == UINT32_MAX)
        return NULL;
    struct open_block *ob = &bl->v[bl->n++];
    *ob = (struct open_block){ .src = src, .thread = thread, .x = xi };
    return ob;
}

/* One line of a ConfigMgr log: it opens, extends or closes the block of its thread. Lines
 * without a mark join the block open on their thread: they are part of that request. */
static bool block_line(const struct diagnosis *d, struct xlist *L, struct blocks *bl, size_t i)
{
    struct event *e = &d->b->ev[i];
    const struct source *s = d->b->src[e->src];
    uint64_t thread;
    if (e->flags & EVF_NOTED) { /* the loading read it (note_thread) */
        thread = e->xchg;
        e->xchg = 0;
        e->flags &= (uint8_t)~EVF_NOTED;
    } else if (!field_u64(s, e, "thread", &thread)) {
        return true;
    }
    enum mark m = (enum mark)e->mark;
    enum xkind fam = block_kind(m);
    struct open_block *ob = block_find(bl, e->src, thread);
    if (ob && e->t - ob->last > SEC(d->pb->win.gap)) {
        block_close(bl, ob);
        ob = NULL;
    }
    if (ob && fam != X_NONE && fam != L->v[ob->x].kind) {
        block_close(bl, ob); /* another kind of request began on this thread */
        ob = NULL;
    }
    if (ob && is_begin(m) && ob->progressed) {
        block_close(bl, ob); /* a new request began before the last one ended */
        ob = NULL;
    }
    if (!ob) {
        if (fam == X_NONE)
            return true;
        ob = block_open(L, bl, e->src, thread, fam);
        if (!ob)
            return false;
    }
    join_exchange(d, L, ob->x, i);
    ob->last = e->t;
    if (!is_begin(m))
        ob->progressed = true;
    if (is_end(m)) {
        L->v[ob->x].complete = true;
        block_close(bl, ob);
    }
    return true;
}

/* The PKIOperations in order of start, with their clients, to look GetCAs up against. */
struct pkiops {
    int64_t *lo;
    uint64_t *key, *agent;
    uint32_t *x;
    size_t n;
};

#define NO_EVENT SIZE_MAX
#define PREAMBLE_QUESTIONS 4 /* Windows asks GetCACert and GetCACaps twice: MDM, default */

/* ---- what the loading notes for the correlation -----------------------------------------
 * Every device polls GetCACert and GetCACaps, so they are most of a busy NDES server's log,
 * and the preamble scan (add_getcas) asks the same of each: its client's address, its user
 * agent and its query. Few distinct answers exist (behind WAP one address, one agent per
 * device model), so as each file is loaded its lines are classified, and each such line's
 * answer is looked up in a table of the distinct ones (by their exact bytes): the line keeps
 * the entry's number in xchg (EVF_NOTED) until the scan, which then need not read it again
 * once the file's text has gone cold. */

#define WHO_MAX 16384u           /* entries; a line whose answer finds no room is read again */
/* A GetCA line's note (in its xchg): the number of its answer in the low WHO_BITS bits, its
 * time-taken (ms) in the others; a line that took longer than NOTE_TAKEN_MAX is read again. */
#define WHO_BITS 15
#define WHO_MASK ((1u << WHO_BITS) - 1)
#define NOTE_TAKEN_MAX ((1u << (32 - WHO_BITS)) - 1)
_Static_assert(WHO_MAX <= WHO_MASK, "a note's answer number fits its bits");
#define WHO_SLOTS (2 * WHO_MAX)  /* open addressing */
#define WHO_SEEN 256             /* a loading thread's own memory of the last answers */

struct who {
    uint64_t key, agent, question; /* as iis_read gives them */
    uint64_t h;                    /* of what follows */
    uint16_t n[3];                 /* bytes of the address, the agent, the query */
    uint8_t found;                 /* bit k: field k is in the line's layout */
    char bytes[];                  /* the three, one after the other */
};

/* What the exchanges ask of a marked IIS line other than a GetCA the preamble scan reads (a
 * PKIOperation, a CRP request): read while the loading has it at hand, noted beside the lines
 * (by number in the line's xchg, with EVF_IIS_NOTE), so that the diagnosis does not touch the
 * lines again: they lie all over the log. */
struct iis_note {
    uint64_t key, agent; /* as iis_read gives them */
    uint32_t taken;      /* time-taken, ms */
    bool fraction;       /* its time has a fraction of a second */
};

#define IIS_NOTES_MAX ((uint32_t)1 << 24) /* beyond, lines are read again */

struct prep {
    const struct playbook *pb;
    pthread_mutex_t lock;
    struct who **entry; /* by number - 1 */
    uint32_t *slot;     /* numbers, 0: free */
    uint32_t n;
    struct iis_note *iis; /* by number - 1, under lock while loading */
    uint32_t niis, capiis;
    /* every field the rules or the notes read of an IIS line (for the line memo) */
    const char *read[FIELD_CACHE_MAX];
    size_t nread;
};

/* The answers given to an IIS file's lines, by the bytes of the part of the line that holds
 * every field the rules and the notes read (from the first such column to the last): on a busy
 * NDES server most lines are the same few GetCACert/GetCACaps requests from the same few
 * clients, and all but the first of each are classified and noted here at the cost of one hash
 * and one compare. The key holds the layout's id too, so equal bytes mean equal fields. */
#define LINE_MEMO_SLOTS 1024
#define LINE_MEMO_BYTES 228

struct line_memo {
    uint64_t layout;  /* 0: empty slot */
    uint16_t len;
    uint16_t sig;     /* as the event's */
    uint8_t mark;     /* as the event's */
    bool note;        /* a GetCA the preamble scan reads: noted with who */
    uint32_t who;     /* its answer's number; 0: none */
    char bytes[LINE_MEMO_BYTES];
};

/* What the memo asks of a line: the first and the last column, in the line's layout, of those
 * in prep.read; then what the notes read (see note_getca). */
enum { LM_FIRST, LM_LAST, LM_TIME, LM_ADDR, LM_AGENT, LM_QUERY, LM_TAKEN, LM_NAMES };

struct prep_thread {
    void *md;
    struct field_cache fc;
    struct { uint64_t h; uint32_t id; } seen[WHO_SEEN];
    /* the file being read, when its parser hands its events over as they come */
    const struct source *file;
    enum role role;            /* its role when its candidates were chosen */
    bool ready;                /* candidates chosen */
    bool w3c, blocks;
    struct pb_candidates sigs, marks;
    size_t done;               /* events classified so far */
    /* the line memo, for an IIS file whose rules read fields only */
    struct line_memo *memo;    /* LINE_MEMO_SLOTS */
    bool memo_on;
    const char *lm_names[LM_NAMES];
    uint64_t lm_layout;        /* the layout lm_names' first and last were chosen for */
    struct field_cache lm_fc, read_fc, iis_fc;
};

static bool who_same(const struct who *w, uint8_t found, const struct span *f)
{
    if (w->found != found)
        return false;
    const char *p = w->bytes;
    for (int k = 0; k < 3; p += w->n[k], k++)
        if (w->n[k] != f[k].n || (f[k].n && memcmp(p, f[k].p, f[k].n) != 0))
            return false;
    return true;
}

/* A quick hash of a value to find its entry by: of its length and of 48 of its bytes (the
 * first, middle and last 16); the entry found is then compared byte for byte. */
static uint64_t hash_sample(uint64_t h, struct span s)
{
    if (s.n <= 48)
        return hash_span(h, s);
    char b[48];
    memcpy(b, s.p, 16);
    memcpy(b + 16, s.p + s.n / 2 - 8, 16);
    memcpy(b + 32, s.p + s.n - 16, 16);
    return hash_span(h ^ s.n, span_make(b, sizeof b));
}

/* The number of this answer (1-based), entered when new; 0 when the table is full. */
static uint32_t who_number(struct prep *P, struct prep_thread *T, uint8_t found,
                           const struct span *f)
{
    if (f[0].n > UINT16_MAX || f[1].n > UINT16_MAX || f[2].n > UINT16_MAX)
        return 0;
    uint64_t h = hash_sample(hash_sample(hash_sample(FNV_SEED ^ found, f[0]), f[1]), f[2]);
    struct prep_thread *t = T;
    size_t k = (size_t)(h & (WHO_SEEN - 1));
    /* an entry never changes once made, and this thread learnt its number under the lock */
    if (t->seen[k].id && t->seen[k].h == h && who_same(P->entry[t->seen[k].id - 1], found, f))
        return t->seen[k].id;
    uint32_t id = 0;
    pthread_mutex_lock(&P->lock);
    size_t i = (size_t)(h & (WHO_SLOTS - 1));
    for (; P->slot[i]; i = (i + 1) & (WHO_SLOTS - 1)) {
        const struct who *w = P->entry[P->slot[i] - 1];
        if (w->h == h && who_same(w, found, f)) {
            id = P->slot[i];
            break;
        }
    }
    if (!id && P->n < WHO_MAX) {
        struct who *w = malloc(sizeof *w + f[0].n + f[1].n + f[2].n);
        if (w) {
            w->h = h;
            w->found = found;
            char *p = w->bytes;
            for (int j = 0; j < 3; j++) {
                w->n[j] = (uint16_t)f[j].n;
                if (f[j].n)
                    memcpy(p, f[j].p, f[j].n);
                p += f[j].n;
            }
            client_hashes(f[0], f[1], f[2], found & 4, &w->key, &w->agent, &w->question);
            P->entry[P->n++] = w;
            id = P->n;
            P->slot[i] = id;
        }
    }
    pthread_mutex_unlock(&P->lock);
    if (id) {
        t->seen[k].h = h;
        t->seen[k].id = id;
    }
    return id;
}

static bool getca_kept_by(const struct playbook *pb, const struct event *e)
{
    return !(e->flags & EVF_RAW) && e->mark != MARK_NONE &&
           iis_kind((enum mark)e->mark) == X_NDES_GETCA &&
           (!e->sig || pb->sigs[e->sig - 1].verdict != VERDICT_FAIL);
}

/* What the notes read of a GetCA line: its time, then its client as who_number takes it, then
 * how long it took. */
static const char *const note_names[5] = { "time", "c-ip", "cs(User-Agent)", "cs-uri-query",
                                           "time-taken" };

/* The number of the client of a GetCA line whose fields note_names are f (found). */
static uint32_t note_who(struct prep *P, struct prep_thread *T, const struct span *f,
                         const bool *found)
{
    struct span g[3];
    uint8_t fl = 0;
    for (int k = 0; k < 3; k++) {
        g[k] = found[k + 1] ? f[k + 1] : span_make("", 0);
        fl |= (uint8_t)(found[k + 1] << k);
    }
    return who_number(P, T, fl, g);
}

/* Notes in the line the number of its client and how long it took (as iis_read reads it),
 * unless its time has a fraction of a second (iis_read knows what to make of that). */
static void note_line(struct event *e, struct span time, bool has_time, uint32_t who,
                      struct span taken_f, bool has_taken)
{
    uint64_t taken = 0;
    if (has_taken)
        span_to_u64(taken_f, &taken);
    if (who && taken <= NOTE_TAKEN_MAX && !(has_time && time_has_fraction(time))) {
        e->xchg = who | (uint32_t)taken << WHO_BITS;
        e->flags |= EVF_NOTED;
    }
}

/* What the preamble scan will ask of a GetCA line, noted in it. */
static void note_getca(struct prep *P, struct prep_thread *T, const struct source *s,
                       struct event *e)
{
    struct span f[5];
    bool found[5] = { false, false, false, false, false };
    s->parser->fields(s, e, note_names, 5, f, found, &T->fc);
    if (found[0] && time_has_fraction(f[0]))
        return;
    note_line(e, f[0], found[0], note_who(P, T, f, found), f[4], found[4]);
}

/* The lines note_iis notes: what build_slice reads with iis_read. */
static bool iis_noted_kind(const struct playbook *pb, const struct event *e)
{
    if ((e->flags & EVF_RAW) || e->mark == MARK_NONE)
        return false;
    enum xkind k = iis_kind((enum mark)e->mark);
    /* a GetCA: only one that failed (the others are the preamble scan's, getca_kept_by) */
    return k == X_NDES_GETCA ? e->sig && pb->sigs[e->sig - 1].verdict == VERDICT_FAIL
                             : k != X_NONE;
}

/* What build_slice will ask of a marked IIS line (iis_read's answer without the query), noted
 * beside it. */
static void note_iis(struct prep *P, struct prep_thread *T, const struct source *s,
                     struct event *e)
{
    struct iis_note n;
    uint64_t q;
    iis_request(s, e, false, &T->iis_fc, &n.taken, &n.fraction, &n.key, &n.agent, &q);
    uint32_t id = 0;
    pthread_mutex_lock(&P->lock);
    if (P->niis == P->capiis && P->capiis < IIS_NOTES_MAX) {
        uint32_t cap = P->capiis ? 2 * P->capiis : 4096;
        struct iis_note *v = realloc(P->iis, (size_t)cap * sizeof *v);
        if (v) {
            P->iis = v;
            P->capiis = cap;
        }
    }
    if (P->niis < P->capiis) {
        P->iis[P->niis++] = n;
        id = P->niis;
    }
    pthread_mutex_unlock(&P->lock);
    if (id) {
        e->xchg = id;
        e->flags |= EVF_NOTED | EVF_IIS_NOTE;
    }
}

/* Chooses, for the layout of line e, the first and last columns of those the rules and notes
 * read (lm_names' first two); false when the layout has none of them. */
static bool memo_layout(struct prep *P, struct prep_thread *T, const struct source *s,
                        const struct event *e)
{
    struct span f[FIELD_CACHE_MAX];
    bool found[FIELD_CACHE_MAX];
    s->parser->fields(s, e, P->read, P->nread, f, found, &T->read_fc);
    size_t lo = SIZE_MAX, hi = SIZE_MAX;
    for (size_t k = 0; k < P->nread; k++) {
        if (!found[k])
            continue;
        if (lo == SIZE_MAX || f[k].p < f[lo].p)
            lo = k;
        if (hi == SIZE_MAX || f[k].p + f[k].n > f[hi].p + f[hi].n)
            hi = k;
    }
    if (lo == SIZE_MAX)
        return false;
    T->lm_names[LM_FIRST] = P->read[lo];
    T->lm_names[LM_LAST] = P->read[hi];
    T->lm_fc.layout = 0; /* the names changed: their columns are looked up again */
    return true;
}

/* Classifies and notes an IIS line from the memo, or by the rules and then remembers it there;
 * false when the memo cannot serve this line. */
static bool memo_line(struct prep *P, struct prep_thread *T, const struct source *s,
                      struct event *e)
{
    struct span f[LM_NAMES];
    bool found[LM_NAMES] = { false };
    bool chosen = T->lm_names[LM_FIRST] != NULL;
    if (chosen)
        s->parser->fields(s, e, T->lm_names, LM_NAMES, f, found, &T->lm_fc);
    if (!chosen || T->lm_fc.layout != T->lm_layout || !found[LM_FIRST] || !found[LM_LAST]) {
        /* a layout other than the last one's: the names are chosen again for it */
        if (!memo_layout(P, T, s, e)) {
            T->memo_on = false; /* a layout with none of them: this file goes without */
            return false;
        }
        s->parser->fields(s, e, T->lm_names, LM_NAMES, f, found, &T->lm_fc);
        if (!found[LM_FIRST] || !found[LM_LAST])
            return false;
        T->lm_layout = T->lm_fc.layout;
    }
    const char *from = f[LM_FIRST].p, *to = f[LM_LAST].p + f[LM_LAST].n;
    if (to < from || (size_t)(to - from) > LINE_MEMO_BYTES)
        return false;
    uint16_t len = (uint16_t)(to - from);
    size_t slot = (size_t)hash_span(FNV_SEED ^ T->lm_layout, span_make(from, len));
    struct line_memo *m = &T->memo[slot & (LINE_MEMO_SLOTS - 1)];
    if (m->layout == T->lm_layout && m->len == len && memcmp(m->bytes, from, len) == 0) {
        e->sig = m->sig;
        e->mark = m->mark;
        if (m->note)
            note_line(e, f[LM_TIME], found[LM_TIME], m->who, f[LM_TAKEN], found[LM_TAKEN]);
        return true;
    }
    playbook_classify_into(P->pb, &T->sigs, &T->marks, s, e, T->md);
    bool note = getca_kept_by(P->pb, e);
    uint32_t who = note ? note_who(P, T, f + LM_TIME, found + LM_TIME) : 0;
    if (note)
        note_line(e, f[LM_TIME], found[LM_TIME], who, f[LM_TAKEN], found[LM_TAKEN]);
    *m = (struct line_memo){ .layout = T->lm_layout, .len = len, .sig = e->sig,
                             .mark = e->mark, .note = note, .who = who };
    memcpy(m->bytes, from, len);
    return true;
}

/* A ConfigMgr log's requests are blocks of lines of one thread: its number, noted in the line
 * while it is at hand, for block_line. */
static bool is_block_source(const struct source *s)
{
    return (s->role == ROLE_NDESPLUGIN || s->role == ROLE_CRP) && s->parser &&
           strcmp(s->parser->name, "w3c") != 0;
}

static void note_thread(const struct source *s, struct event *e)
{
    uint64_t thread;
    if (!(e->flags & EVF_RAW) && field_u64(s, e, "thread", &thread) && thread <= UINT32_MAX) {
        e->xchg = (uint32_t)thread;
        e->flags |= EVF_NOTED;
    }
}

static void prep_end(struct prep_thread *T);

static void *prep_thread_new(void *ctx)
{
    struct prep *P = ctx;
    struct prep_thread *T = calloc(1, sizeof *T);
    if (T && (!(T->md = playbook_match_data_new(P->pb)) ||
              !(T->memo = calloc(LINE_MEMO_SLOTS, sizeof *T->memo)))) {
        playbook_match_data_free(T->md);
        free(T);
        return NULL;
    }
    if (T)
        memcpy(T->lm_names + LM_TIME, note_names, sizeof note_names);
    return T;
}

static void prep_thread_free(void *thread)
{
    struct prep_thread *T = thread;
    if (T->file)
        prep_end(T);
    playbook_match_data_free(T->md);
    free(T->memo);
    free(T);
}

/* Starts reading a file: the candidates for its parser and role. */
static void prep_begin(struct prep *P, struct prep_thread *T, const struct source *s)
{
    T->file = s;
    T->role = s->role;
    T->done = 0;
    T->ready = playbook_candidates(P->pb, s, &T->sigs) &&
               playbook_mark_candidates(P->pb, s, &T->marks);
    T->w3c = strcmp(s->parser->name, "w3c") == 0 && s->parser->fields;
    T->blocks = is_block_source(s);
    playbook_match_data_forget(T->md);
    /* the memo's answers are this file's candidates' */
    T->memo_on = T->ready && T->w3c && P->nread && T->sigs.fields_only &&
                 T->marks.fields_only;
    if (T->memo_on)
        for (size_t i = 0; i < LINE_MEMO_SLOTS; i++)
            T->memo[i].layout = 0;
}

static void prep_end(struct prep_thread *T)
{
    pb_candidates_free(&T->sigs);
    pb_candidates_free(&T->marks);
    T->file = NULL;
    T->ready = false;
}

/* Classifies events [T->done, n), and notes what the correlation will ask of them. */
static void prep_range(struct prep *P, struct prep_thread *T, const struct source *s,
                       struct event *ev, size_t n)
{
    for (size_t i = T->done; i < n; i++) {
        if (!T->memo_on || (ev[i].flags & EVF_RAW) || !memo_line(P, T, s, &ev[i])) {
            playbook_classify_into(P->pb, &T->sigs, &T->marks, s, &ev[i], T->md);
            if (T->w3c && getca_kept_by(P->pb, &ev[i]))
                note_getca(P, T, s, &ev[i]);
            else if (T->blocks)
                note_thread(s, &ev[i]);
        }
        if (T->w3c && iis_noted_kind(P->pb, &ev[i]))
            note_iis(P, T, s, &ev[i]);
    }
    T->done = n;
}

/* Events handed over while the file is parsed (while its lines are still in the cache). */
static void prep_events(void *ctx, void *thread, struct source *s, struct event *ev, size_t n)
{
    struct prep *P = ctx;
    struct prep_thread *T = thread;
    if (T->file != s) {
        if (T->file)
            prep_end(T);
        prep_begin(P, T, s);
    }
    if (T->ready && T->role == s->role)
        prep_range(P, T, s, ev, n);
}

/* The file parsed: what was not handed over, or all of it again when its role turned out
 * other than the one its events were classified for (the notes those left go too). */
static void prep_file(void *ctx, void *thread, struct source *s, struct event *ev, size_t n)
{
    struct prep *P = ctx;
    struct prep_thread *T = thread;
    if (T->file == s && T->role != s->role) {
        for (size_t i = 0; i < T->done && i < n; i++) {
            ev[i].xchg = 0;
            ev[i].flags &= (uint8_t)~(EVF_NOTED | EVF_IIS_NOTE);
        }
        prep_end(T);
    }
    if (T->file != s) {
        if (T->file)
            prep_end(T);
        prep_begin(P, T, s);
    }
    if (T->ready) {
        prep_range(P, T, s, ev, n);
        s->classified_by = P->pb;
    } /* else the diagnosis classifies it */
    prep_end(T);
}

static void prep_free(void *ctx)
{
    struct prep *P = ctx;
    for (uint32_t i = 0; i < P->n; i++)
        free(P->entry[i]);
    free(P->entry);
    free(P->slot);
    free(P->iis);
    pthread_mutex_destroy(&P->lock);
    free(P);
}

bool diagnose_prepare(struct bundle *b, const struct playbook *pb)
{
    struct prep *P = calloc(1, sizeof *P);
    if (!P)
        return false;
    P->pb = pb;
    /* the fields the rules read and the notes' client; none (no memo) when too many */
    for (size_t i = 0; i < pb->nfieldnames + 3; i++) {
        const char *name = i < pb->nfieldnames ? pb->fieldnames[i]
                                               : note_names[1 + i - pb->nfieldnames];
        bool dup = false;
        for (size_t k = 0; k < P->nread && !dup; k++)
            dup = strcmp(P->read[k], name) == 0;
        if (dup)
            continue;
        if (P->nread == FIELD_CACHE_MAX) {
            P->nread = 0;
            break;
        }
        P->read[P->nread++] = name;
    }
    P->entry = calloc(WHO_MAX, sizeof *P->entry);
    P->slot = calloc(WHO_SLOTS, sizeof *P->slot);
    if (!P->entry || !P->slot || pthread_mutex_init(&P->lock, NULL) != 0) {
        free(P->entry);
        free(P->slot);
        free(P);
        return false;
    }
    if (b->hook.free)
        b->hook.free(b->hook.ctx);
    b->hook = (struct bundle_hook){ prep_thread_new, prep_thread_free, prep_file, prep_events,
                                    prep_free, P };
    return true;
}

/* The notes of this diagnosis's loading, or NULL when it was loaded otherwise. */
static const struct prep *prep_of(const struct diagnosis *d)
{
    const struct prep *P = d->b->hook.file == prep_file ? d->b->hook.ctx : NULL;
    return P && P->pb == d->pb ? P : NULL;
}

/* An IIS exchange's client, as iis_read gave it when the exchange was made: kept beside the
 * exchanges (by number) while they are built, for the preamble scan's PKIOperations. */
struct client {
    uint64_t key, agent;
};

/* For each PKIOperation q, per slice of the timeline: the last healthy GetCA before it from
 * its client for each distinct question, as an event index ([q * PREAMBLE_QUESTIONS + j]). */
struct getca_scan {
    const struct diagnosis *d;
    const struct prep *prep; /* what the loading noted, or NULL */
    const bool *is_w3c;
    struct pkiops pk;
    size_t *last[PARALLEL_MAX];
    uint64_t *question[PARALLEL_MAX];
    uint32_t *taken[PARALLEL_MAX]; /* beside last: its time-taken as noted, or NOT_NOTED */
};

#define NOT_NOTED UINT32_MAX

/* The first PKIOperation that starts no earlier than a second before t. */
static size_t pkiop_from(const struct pkiops *pk, int64_t t)
{
    size_t lo = 0, hi = pk->n;
    while (lo < hi) {
        size_t m = lo + (hi - lo) / 2;
        if (pk->lo[m] < t - US_PER_SEC)
            lo = m + 1;
        else
            hi = m;
    }
    return lo;
}

/* The first PKIOperation from q on that a GetCA with these times can belong to: from the same
 * address, and from the same user agent unless the GetCA gave none. */
static size_t getca_next_pkiop(const struct pkiops *pk, size_t q, const struct iis_times *it,
                               int64_t pre)
{
    for (; q < pk->n && pk->lo[q] <= it->hi_max + pre; q++)
        if (pk->key[q] == it->key && (!it->agent || it->agent == pk->agent[q]))
            return q;
    return NO_EVENT;
}

static bool is_kept_getca(const struct diagnosis *d, const struct event *e, const bool *is_w3c)
{
    return is_w3c[e->src] && getca_kept_by(d->pb, e);
}

static void getca_slice(size_t from, size_t to, size_t t, void *arg)
{
    struct getca_scan *sc = arg;
    const struct diagnosis *d = sc->d;
    int64_t pre = SEC(d->pb->win.preamble);
    struct field_cache fc = { 0 };
    /* the first PKIOperation that a GetCA at the time of the last one read could precede:
     * the timeline is in time order, so it only moves forward */
    size_t from_q = 0;
    int64_t last_t = INT64_MIN;
    for (size_t i = from; i < to; i++) {
        struct event *e = &d->b->ev[i];
        if (!is_kept_getca(d, e, sc->is_w3c))
            continue;
        uint32_t noted = (e->flags & EVF_NOTED) && sc->prep ? e->xchg : 0;
        e->flags &= (uint8_t)~EVF_NOTED;
        e->xchg = 0;
        if (last_t == INT64_MIN || e->t < last_t)
            from_q = pkiop_from(&sc->pk, e->t);
        else
            while (from_q < sc->pk.n && sc->pk.lo[from_q] < e->t - US_PER_SEC)
                from_q++;
        last_t = e->t;
        /* most polls on a quiet hour precede no PKIOperation, and need not be read */
        if (from_q >= sc->pk.n || sc->pk.lo[from_q] > e->t + US_PER_SEC + pre)
            continue;
        struct iis_times it;
        if (noted) {
            const struct who *w = sc->prep->entry[(noted & WHO_MASK) - 1];
            it = (struct iis_times){ .hi_min = e->t, .hi_max = e->t + US_PER_SEC,
                                     .key = w->key, .agent = w->agent, .question = w->question };
        } else {
            iis_read(d->b->src[e->src], e, &it, true, &fc);
        }
        size_t q = getca_next_pkiop(&sc->pk, from_q, &it, pre);
        if (q == NO_EVENT)
            continue;
        size_t *last = sc->last[t] + q * PREAMBLE_QUESTIONS;
        uint64_t *qs = sc->question[t] + q * PREAMBLE_QUESTIONS;
        uint32_t *taken = sc->taken[t] + q * PREAMBLE_QUESTIONS;
        for (size_t j = 0; j < PREAMBLE_QUESTIONS; j++) {
            if (last[j] == NO_EVENT || qs[j] == it.question) {
                last[j] = i; /* in time order: the last one asked wins */
                qs[j] = it.question;
                taken[j] = noted ? noted >> WHO_BITS : NOT_NOTED;
                break;
            }
        }
    }
}

struct preamble {
    size_t ev;
    uint32_t pkiop;
    uint32_t taken; /* its time-taken as the loading noted it, or NOT_NOTED: read again */
};

static int cmp_preamble(const void *a, const void *b)
{
    size_t x = ((const struct preamble *)a)->ev, y = ((const struct preamble *)b)->ev;
    return (x > y) - (x < y);
}

/* The answer for PKIOperation q over all slices: for each question, the last slice that saw
 * it holds the last time it was asked. */
static size_t preamble_of(const struct getca_scan *sc, size_t k, size_t q, struct preamble *out)
{
    size_t n = 0;
    uint64_t seen[PREAMBLE_QUESTIONS];
    for (size_t t = k; t-- > 0;) {
        const size_t *last = sc->last[t] + q * PREAMBLE_QUESTIONS;
        const uint64_t *qs = sc->question[t] + q * PREAMBLE_QUESTIONS;
        const uint32_t *taken = sc->taken[t] + q * PREAMBLE_QUESTIONS;
        for (size_t j = 0; j < PREAMBLE_QUESTIONS && last[j] != NO_EVENT; j++) {
            bool dup = false;
            for (size_t c = 0; c < n && !dup; c++)
                dup = seen[c] == qs[j];
            if (dup || n == PREAMBLE_QUESTIONS)
                continue;
            seen[n] = qs[j];
            out[n++] = (struct preamble){ last[j], sc->pk.x[q], taken[j] };
        }
    }
    return n;
}

struct preamble_job {
    const struct diagnosis *d;
    const struct preamble *pre; /* by line */
    size_t n;
    struct exchange *x;         /* x[c]: the exchange of pre[c] */
    uint32_t first;             /* the number of x[0] */
};

/* The exchanges of preambles [from, to): each a GetCA line alone, complete, its times as the
 * line gives them. A line kept by two PKIOperations makes two exchanges (pre is in line
 * order); the line belongs to the second, as when they were made one after the other. */
static void preamble_slice(size_t from, size_t to, size_t t, void *arg)
{
    (void)t;
    const struct preamble_job *j = arg;
    const struct diagnosis *d = j->d;
    struct field_cache fc = { 0 };
    for (size_t c = from; c < to; c++) {
        size_t i = j->pre[c].ev;
        struct event *e = &d->b->ev[i];
        struct iis_times it;
        if (j->pre[c].taken != NOT_NOTED) /* noted lines' times have no fraction */
            iis_times_at(e->t, j->pre[c].taken, false, &it);
        else
            iis_read(d->b->src[e->src], e, &it, false, &fc);
        j->x[c] = (struct exchange){ .kind = X_NDES_GETCA, .src = e->src, .complete = true,
                                     .failed = verdict_of(d, e) == VERDICT_FAIL,
                                     .lo_min = it.lo_min, .lo_max = it.lo_max,
                                     .hi_min = it.hi_min, .hi_max = it.hi_max, .nev = 1 };
        j->x[c].pkiop = j->pre[c].pkiop + 1;
        if (c + 1 == j->n || j->pre[c + 1].ev != i)
            e->xchg = j->first + (uint32_t)c + 1;
    }
}

/* Healthy GetCACert and GetCACaps requests are most of a busy NDES server's log (every device
 * polls them, and behind a proxy they all come from one address): a PKIOperation takes as its
 * preamble, of each question asked before it within the preamble window from its client, only
 * the last asking. Those become exchanges, after all the others, in timeline order; the rest
 * belong to no attempt. The timeline is scanned in parallel slices. */
static void sort_by_start(const struct diagnosis *d, uint32_t *v, size_t n);

static bool add_getcas(struct diagnosis *d, const bool *is_w3c, const uint32_t *first,
                       const struct client *cl)
{
    struct getca_scan sc = { .d = d, .prep = prep_of(d), .is_w3c = is_w3c };
    size_t np = 0;
    for (size_t i = 0; i < d->nx; i++)
        np += d->x[i].kind == X_NDES_PKIOP;
    if (!np) {
        for (size_t i = 0; i < d->b->nev; i++) {
            struct event *e = &d->b->ev[i];
            if (e->flags & EVF_NOTED) {
                e->flags &= (uint8_t)~EVF_NOTED;
                e->xchg = 0;
            }
        }
        return true;
    }
    size_t k = parallel_slices(d->b->nev, 1 << 16), slots = np * PREAMBLE_QUESTIONS;
    sc.pk.lo = malloc(np * sizeof *sc.pk.lo);
    sc.pk.key = malloc(np * sizeof *sc.pk.key);
    sc.pk.agent = malloc(np * sizeof *sc.pk.agent);
    sc.pk.x = malloc(np * sizeof *sc.pk.x);
    struct preamble *pre = big_alloc(slots * sizeof *pre);
    bool ok = sc.pk.lo && sc.pk.key && sc.pk.agent && sc.pk.x && pre;
    for (size_t t = 0; ok && t < k; t++) {
        sc.last[t] = big_alloc(slots * sizeof *sc.last[t]);
        sc.question[t] = big_alloc(slots * sizeof *sc.question[t]);
        sc.taken[t] = big_alloc(slots * sizeof *sc.taken[t]);
        ok = sc.last[t] && sc.question[t] && sc.taken[t];
        for (size_t q = 0; ok && q < slots; q++)
            sc.last[t][q] = NO_EVENT;
    }
    /* each PKIOperation's client, as its line gave it when its exchange was made (first:
     * the line of each exchange, which are in the order of their lines): in start order,
     * equal starts in that order (sort_by_start: they come nearly sorted) */
    uint32_t *byx = ok ? big_alloc(np * sizeof *byx) : NULL;
    ok = ok && byx;
    for (size_t xi = 0; ok && xi < d->nx; xi++)
        if (d->x[xi].kind == X_NDES_PKIOP && first[xi] != NO_FIRST)
            byx[sc.pk.n++] = (uint32_t)xi;
    if (ok)
        sort_by_start(d, byx, sc.pk.n);
    for (size_t j = 0; ok && j < sc.pk.n; j++) {
        uint32_t xi = byx[j];
        sc.pk.lo[j] = d->x[xi].lo_min;
        sc.pk.key[j] = cl[xi].key;
        sc.pk.agent[j] = cl[xi].agent;
        sc.pk.x[j] = d->b->ev[first[xi]].xchg - 1;
    }
    big_free(byx);
    if (ok)
        parallel_run(d->b->nev, k, getca_slice, &sc);
    size_t n = 0;
    for (size_t q = 0; ok && q < np; q++)
        n += preamble_of(&sc, k, q, pre + n);
    if (ok)
        qsort(pre, n, sizeof *pre, cmp_preamble);
    /* one exchange each, numbered in that order after the others; their lines are read in
     * parallel (they lie all over the logs) */
    if (ok && n && d->nx + n > d->capx) {
        struct exchange *v = big_realloc(d->x, (d->nx + n) * sizeof *v);
        ok = v != NULL;
        if (ok) {
            d->x = v;
            d->capx = d->nx + n;
        }
    }
    if (ok && n) {
        struct preamble_job j = { d, pre, n, d->x + d->nx, (uint32_t)d->nx };
        parallel_run(n, parallel_slices(n, 1 << 12), preamble_slice, &j);
        d->nx += n;
    }
    for (size_t t = 0; t < k; t++) {
        big_free(sc.last[t]);
        big_free(sc.question[t]);
        big_free(sc.taken[t]);
    }
    free(sc.pk.lo);
    free(sc.pk.key);
    free(sc.pk.agent);
    free(sc.pk.x);
    big_free(pre);
    return ok;
}

/* ---- network captures: one exchange per TCP conversation ---------------------------------
 * A capture's lines name their conversation ("client -> server"); all the lines of one
 * conversation are one exchange, from its first line to its last. The device's requests to
 * NDES travel inside such conversations (through WAP), so a conversation holds the NDES IIS
 * requests made in it: see the relations. */
struct open_conv {
    uint16_t src;
    uint64_t key;
    uint32_t x;
};

struct convs {
    struct open_conv *v;
    size_t n, cap;
};

static bool capture_line(const struct diagnosis *d, struct xlist *L, struct convs *cv, size_t i)
{
    const struct event *e = &d->b->ev[i];
    const struct source *s = d->b->src[e->src];
    struct span cli, srv;
    if (!s->parser->field || !s->parser->field(s, e, "client", &cli) ||
        !s->parser->field(s, e, "server", &srv))
        return true;
    uint64_t key = hash_span(hash_span(FNV_SEED, cli), srv);
    for (size_t k = cv->n; k-- > 0;) {
        if (cv->v[k].src == e->src && cv->v[k].key == key) {
            join_exchange(d, L, cv->v[k].x, i);
            return true;
        }
    }
    uint32_t xi = new_exchange(L, X_CAPTURE_CONV, e->src);
    if (xi == UINT32_MAX)
        return false;
    if (cv->n == cv->cap) {
        size_t cap = cv->cap ? cv->cap * 2 : 64;
        struct open_conv *v = realloc(cv->v, cap * sizeof *v);
        if (!v)
            return false;
        cv->v = v;
        cv->cap = cap;
    }
    cv->v[cv->n++] = (struct open_conv){ e->src, key, xi };
    L->v[xi].complete = true;
    join_exchange(d, L, xi, i);
    return true;
}


/* One builder's share: the files it owns, and the exchanges it made of them. */
struct xbuilder {
    const struct diagnosis *d;
    const bool *is_w3c, *is_block;
    const uint8_t *owner;
    bool noted;        /* the loading's notes are this diagnosis's */
    const struct prep *prep; /* they, when noted */
    struct xlist L;
    struct client *cl; /* beside L.v, as long as L.cap; set for PKIOperations */
    size_t ncl;
    bool ok;
};

/* Notes the client of the builder's last exchange. */
static bool keep_client(struct xbuilder *w, const struct iis_times *it)
{
    if (w->ncl < w->L.cap) {
        struct client *v = big_realloc(w->cl, w->L.cap * sizeof *v);
        if (!v)
            return false;
        memset(v + w->ncl, 0, (w->L.cap - w->ncl) * sizeof *v);
        w->cl = v;
        w->ncl = w->L.cap;
    }
    w->cl[w->L.n - 1] = (struct client){ it->key, it->agent };
    return true;
}

static void build_slice(size_t from, size_t to, size_t t, void *arg)
{
    (void)from;
    (void)to;
    struct xbuilder *w = &((struct xbuilder *)arg)[t];
    const struct diagnosis *d = w->d;
    const struct bundle *b = d->b;
    struct blocks bl = { 0 };
    struct convs cv = { 0 };
    struct field_cache fc = { 0 };
    bool ok = true;
    for (size_t i = 0; ok && i < b->nev; i++) {
        struct event *e = &b->ev[i];
        if (w->owner[e->src] != t)
            continue;
        if (!w->noted || !(e->flags & EVF_NOTED) ||
            b->src[e->src]->classified_by != (const void *)d->pb) {
            e->xchg = 0;
            e->flags &= (uint8_t)~(EVF_NOTED | EVF_IIS_NOTE);
        }
        /* a note of the loading's (note_iis) is read, then gone */
        uint32_t note = (e->flags & EVF_IIS_NOTE) ? e->xchg : 0;
        if (note) {
            e->xchg = 0;
            e->flags &= (uint8_t)~(EVF_NOTED | EVF_IIS_NOTE);
        }
        if (e->flags & EVF_RAW)
            continue;
        if (w->is_w3c[e->src]) {
            enum xkind k = iis_kind((enum mark)e->mark);
            if (k == X_NONE || is_kept_getca(d, e, w->is_w3c))
                continue;
            struct iis_times it;
            if (note && w->prep && note <= w->prep->niis) {
                const struct iis_note *n = &w->prep->iis[note - 1];
                iis_times_at(e->t, n->taken, n->fraction, &it);
                it.key = n->key;
                it.agent = n->agent;
                it.question = 0;
            } else {
                iis_read(b->src[e->src], e, &it, false, &fc);
            }
            ok = iis_exchange(d, &w->L, i, k, &it) && (k != X_NDES_PKIOP || keep_client(w, &it));
        } else if (w->is_block[e->src]) {
            ok = block_line(d, &w->L, &bl, i);
        } else if (b->src[e->src]->role == ROLE_CAPTURE) {
            ok = capture_line(d, &w->L, &cv, i);
        } else if (role_is_event_log(b->src[e->src]->role) && verdict_of(d, e) == VERDICT_FAIL) {
            /* a failure a Windows event log shows is an exchange of its own: it joins the
             * attempt near it (link_near), or is one when the servers' logs hold none */
            ok = single_exchange(d, &w->L, X_EVENT_FAIL, i) != UINT32_MAX;
        }
    }
    free(bl.v);
    free(cv.v);
    w->ok = ok;
}

/* The builders' exchanges joined: each line's exchange numbered in the joined list, and each
 * exchange's first line, in parallel slices of the timeline (a slice's lines are in order, so
 * only the first line of an exchange in a slice can lower its first[]). */
struct first_job {
    struct event *ev;
    const uint8_t *owner;
    const size_t *base;
    uint32_t *first;
};

static void first_slice(size_t from, size_t to, size_t t, void *arg)
{
    (void)t;
    const struct first_job *j = arg;
    for (size_t i = from; i < to; i++) {
        struct event *e = &j->ev[i];
        if (!e->xchg || (e->flags & EVF_NOTED))
            continue;
        e->xchg += (uint32_t)j->base[j->owner[e->src]];
        uint32_t *slot = &j->first[e->xchg - 1];
        uint32_t cur = __atomic_load_n(slot, __ATOMIC_RELAXED);
        while ((uint32_t)i < cur &&
               !__atomic_compare_exchange_n(slot, &cur, (uint32_t)i, true, __ATOMIC_RELAXED,
                                            __ATOMIC_RELAXED))
            ;
    }
}

static bool renumber_exchanges(struct diagnosis *d, uint32_t *first, struct client *cl);

/* The exchanges of each file are made apart from the others' (a block lives on one thread of
 * one file, an IIS request on one line), so files are shared out among threads, the heaviest
 * first to the least loaded; the lists are then joined and numbered as one pass over the
 * timeline would have numbered them. Then the GetCAs that PKIOperations keep. */
static bool build_exchanges(struct diagnosis *d)
{
    struct bundle *b = d->b;
    d->nx = 0;
    /* what the loading noted stays for the preamble scan, if it was for this playbook and
     * the file was classified with it as a whole (the builders clear the rest) */
    bool noted = prep_of(d) != NULL;
    size_t ns = b->nsrc ? b->nsrc : 1;
    bool *is_w3c = calloc(ns, sizeof *is_w3c);
    bool *is_block = calloc(ns, sizeof *is_block);
    uint8_t *owner = calloc(ns, sizeof *owner);
    size_t k = parallel_slices(b->nev, 1 << 16);
    struct xbuilder w[PARALLEL_MAX];
    uint64_t load[PARALLEL_MAX] = { 0 };
    bool ok = is_w3c && is_block && owner;
    for (size_t i = 0; ok && i < b->nsrc; i++) {
        const struct source *s = b->src[i];
        if (s->skipped || !s->parser)
            continue;
        is_w3c[i] = strcmp(s->parser->name, "w3c") == 0;
        is_block[i] = is_block_source(s);
    }
    /* the work of a file: each line of a ConfigMgr log, the marked lines of an IIS log */
    for (size_t done = 0; ok && done < b->nsrc; done++) {
        size_t best = SIZE_MAX;
        uint64_t cost = 0;
        for (size_t i = 0; i < b->nsrc; i++) {
            const struct source *s = b->src[i];
            uint64_t c = is_block[i] ? s->events * 8 : is_w3c[i] ? s->events
                         : role_is_event_log(s->role) || s->role == ROLE_CAPTURE ? s->events
                                                                                 : 0;
            if (owner[i] == 0 && (best == SIZE_MAX || c > cost)) {
                best = i;
                cost = c;
            }
        }
        if (best == SIZE_MAX)
            break;
        size_t least = 0;
        for (size_t t = 1; t < k; t++)
            if (load[t] < load[least])
                least = t;
        load[least] += cost;
        owner[best] = (uint8_t)(least + 1);
    }
    for (size_t i = 0; ok && i < b->nsrc; i++)
        owner[i] = owner[i] ? owner[i] - 1 : 0;
    for (size_t t = 0; t < k; t++)
        w[t] = (struct xbuilder){ d, is_w3c, is_block, owner, noted, prep_of(d), { 0 }, NULL, 0,
                                  false };
    if (ok)
        parallel_run(b->nev, k, build_slice, w);
    if (noted) { /* the builders read the IIS notes, and took them out of the lines */
        struct prep *P = d->b->hook.ctx;
        free(P->iis);
        P->iis = NULL;
        P->niis = P->capiis = 0;
    }
    size_t total = 0, base[PARALLEL_MAX];
    for (size_t t = 0; t < k; t++) {
        ok = ok && w[t].ok;
        base[t] = total;
        total += w[t].L.n;
    }
    if (ok && total > d->capx) {
        struct exchange *v = big_realloc(d->x, total * sizeof *v);
        ok = v != NULL;
        if (ok) {
            d->x = v;
            d->capx = total;
        }
    }
    struct client *cl = ok ? big_alloc((total ? total : 1) * sizeof *cl) : NULL;
    ok = ok && cl;
    for (size_t t = 0; ok && t < k; t++) {
        if (w[t].L.n)
            memcpy(d->x + base[t], w[t].L.v, w[t].L.n * sizeof *d->x);
        if (w[t].ncl)
            memcpy(cl + base[t], w[t].cl,
                   (w[t].ncl < w[t].L.n ? w[t].ncl : w[t].L.n) * sizeof *cl);
    }
    for (size_t t = 0; t < k; t++) {
        big_free(w[t].L.v);
        big_free(w[t].cl);
    }
    uint32_t *first = ok ? big_alloc((total ? total : 1) * sizeof *first) : NULL;
    ok = ok && first;
    if (ok) {
        d->nx = total;
        for (size_t x = 0; x < total; x++)
            first[x] = NO_FIRST;
        struct first_job fj = { b->ev, owner, base, first };
        parallel_run(b->nev, parallel_slices(b->nev, 1 << 16), first_slice, &fj);
        ok = renumber_exchanges(d, first, cl) && add_getcas(d, is_w3c, first, cl);
    }
    big_free(cl);
    big_free(first);
    free(is_w3c);
    free(is_block);
    free(owner);
    return ok;
}

/* ---- clocks ------------------------------------------------------------------------------- */

/* An endpoint as one sortable number: its value shifted into the positive range, then one bit
 * that puts opens before closes at equal values (closed intervals). Values must lie within
 * +-2^61 microseconds (73 000 years): skew_best falls back to qsort beyond. */
#define EP_BIAS ((int64_t)1 << 61)

static uint64_t ep_key(int64_t v, bool close)
{
    return (uint64_t)(v + EP_BIAS) << 1 | (close ? 1u : 0u);
}

static int cmp_u64(const void *a, const void *b);

/* LSD radix sort, 16 bits a pass, passes where all keys agree skipped: the first clock pass
 * has millions of endpoints, which qsort takes a second over. */
static bool radix_sort_with(uint64_t *v, size_t n, uint64_t *tmp)
{
    if (n < 4096) { /* each pass clears and sums 65536 counts: more than sorting a few */
        qsort(v, n, sizeof *v, cmp_u64);
        return true;
    }
    uint32_t *count = malloc(65536 * sizeof *count);
    if (!count)
        return false;
    uint64_t *a = v, *b = tmp;
    for (int shift = 0; shift < 64; shift += 16) {
        memset(count, 0, 65536 * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(a[i] >> shift) & 0xffff]++;
        if (n && count[(a[0] >> shift) & 0xffff] == n)
            continue; /* all the same here */
        uint32_t sum = 0;
        for (size_t d = 0; d < 65536; d++) {
            uint32_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            b[count[(a[i] >> shift) & 0xffff]++] = a[i];
        uint64_t *t = a;
        a = b;
        b = t;
    }
    if (a != v)
        memcpy(v, a, n * sizeof *v);
    free(count);
    return true;
}

/* The same with scratch space of its own. */
static bool radix_sort(uint64_t *v, size_t n)
{
    if (n < 4096)
        return radix_sort_with(v, n, NULL);
    uint64_t *tmp = big_alloc(n * sizeof *tmp);
    bool ok = tmp && radix_sort_with(v, n, tmp);
    big_free(tmp);
    return ok;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Scratch space for skew_best, kept from one estimate to the next: the endpoints and the
 * radix sort's second array. */
struct skew_scratch {
    uint64_t *ep, *tmp;
    size_t cap;
};

static uint32_t skew_best_with(const int64_t *lo, const int64_t *hi, size_t n, int64_t *best,
                               struct skew_scratch *S)
{
    if (2 * n + 1 > S->cap) {
        big_free(S->ep);
        big_free(S->tmp);
        S->cap = 2 * n + 1;
        S->ep = big_alloc(S->cap * sizeof *S->ep);
        S->tmp = big_alloc(S->cap * sizeof *S->tmp);
        if (!S->ep || !S->tmp) {
            big_free(S->ep);
            big_free(S->tmp);
            *S = (struct skew_scratch){ 0 };
            return 0;
        }
    }
    uint64_t *ep = S->ep;
    size_t m = 0;
    bool in_range = true;
    for (size_t i = 0; i < n; i++) {
        if (lo[i] > hi[i])
            continue;
        if (lo[i] < -EP_BIAS || hi[i] > EP_BIAS)
            in_range = false;
        ep[m++] = ep_key(in_range ? lo[i] : 0, false);
        ep[m++] = ep_key(in_range ? hi[i] : 0, true);
    }
    if (!in_range) /* offsets beyond any clock: none of them can be the answer */
        return 0;
    if (m >= UINT32_MAX || !radix_sort_with(ep, m, S->tmp))
        qsort(ep, m, sizeof *ep, cmp_u64);
    /* the regions where the most intervals agree; among them the one holding 0, else the one
     * nearest to 0, and within it its middle */
    int count = 0, top = 0;
    int64_t pick = 0, pick_dist = INT64_MAX;
    size_t jc = 0; /* the next close after i: it only moves forward */
    for (size_t i = 0; i < m; i++) {
        bool close = ep[i] & 1;
        count += close ? -1 : 1;
        if (close || count < top)
            continue;
        /* a region of `count` starts here and ends at the next endpoint that closes */
        int64_t a = (int64_t)(ep[i] >> 1) - EP_BIAS, z = a;
        if (jc <= i)
            jc = i + 1;
        while (jc < m && !(ep[jc] & 1))
            jc++;
        if (jc < m)
            z = (int64_t)(ep[jc] >> 1) - EP_BIAS;
        int64_t cand, dist;
        if (a <= 0 && 0 <= z) {
            cand = 0;
            dist = 0;
        } else {
            cand = a + (z - a) / 2;
            dist = a > 0 ? a : -z;
        }
        if (count > top || dist < pick_dist) {
            top = count;
            pick = cand;
            pick_dist = dist;
        }
    }
    if (top > 0)
        *best = pick;
    return (uint32_t)top;
}

uint32_t skew_best(const int64_t *lo, const int64_t *hi, size_t n, int64_t *best)
{
    struct skew_scratch S = { 0 };
    uint32_t top = skew_best_with(lo, hi, n, best, &S);
    big_free(S.ep);
    big_free(S.tmp);
    return top;
}

/* Which exchange happens inside which: the structure of the flow. */
struct relation {
    enum xkind outer, inner;
};

static const struct relation relations[] = {
    { X_NDES_PKIOP, X_PLUGIN_VERIFY },        /* the policy module runs inside PKIOperation */
    { X_NDES_PKIOP, X_PLUGIN_NOTIFY },
    { X_PLUGIN_VERIFY, X_CRP_HTTP_VERIFY },   /* the CRP's POST between send and answer */
    { X_PLUGIN_NOTIFY, X_CRP_HTTP_NOTIFY },
    { X_CRP_HTTP_VERIFY, X_CRP_VERIFY },      /* CRP.log's validation inside its POST */
    { X_CRP_HTTP_NOTIFY, X_CRP_NOTIFY },
    /* the same when a log in between was not given */
    { X_PLUGIN_VERIFY, X_CRP_VERIFY },
    { X_PLUGIN_NOTIFY, X_CRP_NOTIFY },
    { X_NDES_PKIOP, X_CRP_HTTP_VERIFY },
    { X_NDES_PKIOP, X_CRP_VERIFY },
    { X_NDES_PKIOP, X_CRP_HTTP_NOTIFY },
    { X_NDES_PKIOP, X_CRP_NOTIFY },
    /* the device's TCP conversation (a capture) holds the requests NDES's IIS log shows */
    { X_CAPTURE_CONV, X_NDES_PKIOP },
    { X_CAPTURE_CONV, X_NDES_GETCA },
};
#define NRELATIONS (sizeof relations / sizeof relations[0])

static enum role role_of_x(const struct diagnosis *d, const struct exchange *x)
{
    return d->b->src[x->src]->role;
}

/* The exchanges of each kind and clock group, in exchange order: made once per alignment. */
#define NROLES ROLE_COUNT

struct by_group {
    uint32_t *v;
    size_t off[XKIND_COUNT * NROLES + 1];
};

/* A conversation that failed (a TLS alert, a reset, no answer) carried no request: it cannot
 * say where the server's clock stands. */
static bool measures_clock(const struct exchange *x)
{
    return x->kind != X_CAPTURE_CONV || !x->failed;
}

static bool by_group_build(const struct diagnosis *d, struct by_group *G)
{
    size_t count[XKIND_COUNT * NROLES] = { 0 };
    G->v = big_alloc((d->nx ? d->nx : 1) * sizeof *G->v);
    if (!G->v)
        return false;
    for (size_t i = 0; i < d->nx; i++)
        if (measures_clock(&d->x[i]))
            count[d->x[i].kind * NROLES + role_of_x(d, &d->x[i])]++;
    G->off[0] = 0;
    for (size_t k = 0; k < XKIND_COUNT * NROLES; k++)
        G->off[k + 1] = G->off[k] + count[k];
    size_t fill[XKIND_COUNT * NROLES];
    memcpy(fill, G->off, sizeof fill);
    for (size_t i = 0; i < d->nx; i++)
        if (measures_clock(&d->x[i]))
            G->v[fill[d->x[i].kind * NROLES + role_of_x(d, &d->x[i])]++] = (uint32_t)i;
    return true;
}

/* Exchanges of a kind in one clock group, in exchange order. */
static size_t collect(const struct by_group *G, enum xkind k, enum role r, uint32_t *out)
{
    size_t b = (size_t)k * NROLES + (size_t)r, n = G->off[b + 1] - G->off[b];
    if (n)
        memcpy(out, G->v + G->off[b], n * sizeof *out);
    return n;
}

/* Feasible offsets for group g so that inner i falls inside outer o (g on the inner side),
 * or so that o, when g is the outer side, holds i. The known side's offset is `known`. */
static void feasible(const struct exchange *o, const struct exchange *i, bool g_inner,
                     int64_t known, int64_t tol, int64_t *lo, int64_t *hi)
{
    if (g_inner) {
        *lo = o->lo_min + known - i->lo_max - tol;
        *hi = o->hi_max + known - i->hi_min + tol;
    } else {
        *lo = i->hi_min + known - o->hi_max - tol;
        *hi = i->lo_max + known - o->lo_min + tol;
    }
}

struct pairs {
    int64_t *lo, *hi;
    size_t n, cap;
};

static bool pairs_add(struct pairs *p, int64_t lo, int64_t hi)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 1024;
        int64_t *a = big_realloc(p->lo, cap * sizeof *a);
        if (!a)
            return false;
        p->lo = a;
        int64_t *z = big_realloc(p->hi, cap * sizeof *z);
        if (!z)
            return false;
        p->hi = z;
        p->cap = cap;
    }
    p->lo[p->n] = lo;
    p->hi[p->n] = hi;
    p->n++;
    return true;
}

static int64_t start_of(const struct diagnosis *d, uint32_t i)
{
    return d->x[i].lo_min;
}

struct start_key {
    int64_t t;
    uint32_t pos, x;
};

static int cmp_start_key(const void *a, const void *b)
{
    const struct start_key *p = a, *q = b;
    if (p->t != q->t)
        return (p->t > q->t) - (p->t < q->t);
    return (p->pos > q->pos) - (p->pos < q->pos);
}

/* v sorted by start whatever its order, equal starts in the order they have: false when
 * memory runs out. */
static bool sort_by_start_fully(const struct diagnosis *d, uint32_t *v, size_t n)
{
    struct start_key *k = malloc(n * sizeof *k);
    if (!k)
        return false;
    for (size_t i = 0; i < n; i++)
        k[i] = (struct start_key){ start_of(d, v[i]), (uint32_t)i, v[i] };
    qsort(k, n, sizeof *k, cmp_start_key);
    for (size_t i = 0; i < n; i++)
        v[i] = k[i].x;
    free(k);
    return true;
}

/* Insertion sort, stable: the exchanges come nearly sorted (an IIS line is logged at its end).
 * Past a budget of moves they are not (a log whose time-taken values grow faster than its
 * times, which a hostile one can hold by the hundred thousand: quadratic), and the rest is
 * sorted in n log n with the same result. */
static void sort_by_start(const struct diagnosis *d, uint32_t *v, size_t n)
{
    size_t moves = 0, budget = 16 * n + 4096;
    for (size_t i = 1; i < n; i++) {
        uint32_t t = v[i];
        int64_t st = start_of(d, t);
        size_t j = i;
        while (j > 0 && start_of(d, v[j - 1]) > st) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = t;
        moves += i - j;
        if (moves > budget && sort_by_start_fully(d, v, n))
            return;
    }
}

/* Pairs of exchanges between a known group k and g, under one relation. Each exchange of g's
 * side (a sample of them in the first pass, when around is NULL) meets the exchanges of k's
 * side whose offset could lie within max_skew (first pass) or near the first estimate (second
 * pass), found by binary search on their start: no pass is quadratic. */
static bool relation_pairs(const struct diagnosis *d, const struct by_group *G,
                           const struct relation *rel, enum role g, enum role k,
                           const int64_t *around, struct pairs *p, uint32_t *tmp_g,
                           uint32_t *tmp_k)
{
    bool g_inner;
    size_t ng, nk;
    if ((nk = collect(G, rel->outer, k, tmp_k)) > 0 && (ng = collect(G, rel->inner, g, tmp_g)) > 0)
        g_inner = true;
    else if ((ng = collect(G, rel->outer, g, tmp_g)) > 0 &&
             (nk = collect(G, rel->inner, k, tmp_k)) > 0)
        g_inner = false;
    else
        return true;
    sort_by_start(d, tmp_k, nk);
    /* the first pass allows the playbook's tolerance; the second, around its answer, none:
     * the true pairs then all hold the true offset, and the region they share is narrow */
    int64_t known = d->clock[k].offset_us, tol = around ? 0 : SEC(d->pb->win.tolerance);
    int64_t maxskew = SEC(d->pb->win.max_skew);
    int64_t dlo = around ? *around - SEC(5) : -maxskew, dhi = around ? *around + SEC(5) : maxskew;
    int64_t kdur = 0;
    for (size_t c = 0; c < nk; c++)
        if (d->x[tmp_k[c]].hi_max - d->x[tmp_k[c]].lo_min > kdur)
            kdur = d->x[tmp_k[c]].hi_max - d->x[tmp_k[c]].lo_min;
    size_t step = around ? 1 : (ng > 32 ? ng / 32 : 1);
    for (size_t a = 0; a < ng; a += step) {
        const struct exchange *x = &d->x[tmp_g[a]];
        /* the starts of k's exchanges that can pair with x for an offset in [dlo, dhi] */
        int64_t from, to;
        if (g_inner) {
            from = dlo + x->hi_min - tol - known - kdur;
            to = dhi + x->lo_max + tol - known;
        } else {
            from = dlo + x->lo_min - tol - known - US_PER_SEC;
            to = dhi + x->hi_max + tol - known;
        }
        size_t lo = 0, hi = nk;
        while (lo < hi) {
            size_t m = lo + (hi - lo) / 2;
            if (d->x[tmp_k[m]].lo_min < from)
                lo = m + 1;
            else
                hi = m;
        }
        for (size_t c = lo; c < nk && d->x[tmp_k[c]].lo_min <= to; c++) {
            const struct exchange *y = &d->x[tmp_k[c]];
            int64_t flo, fhi;
            if (g_inner)
                feasible(y, x, true, known, tol, &flo, &fhi);
            else
                feasible(x, y, false, known, tol, &flo, &fhi);
            if (flo > fhi || fhi < dlo || flo > dhi)
                continue;
            if (!pairs_add(p, flo, fhi))
                return false;
        }
    }
    return true;
}

/* What the estimates share: the exchanges' lists, the pairs, skew_best's scratch. Each
 * estimate reuses the memory of the one before. */
struct estimate_work {
    struct by_group G;
    uint32_t *tmp_o, *tmp_i;
    struct pairs p;
    struct skew_scratch S;
};

static bool estimate_group(struct diagnosis *d, struct estimate_work *W, enum role g, enum role k,
                           bool *found)
{
    const struct by_group *G = &W->G;
    uint32_t *tmp_o = W->tmp_o, *tmp_i = W->tmp_i;
    struct pairs *p = &W->p;
    int64_t first = 0, best = 0;
    bool ok = true;
    *found = false;
    p->n = 0;
    for (size_t r = 0; ok && r < NRELATIONS; r++)
        ok = relation_pairs(d, G, &relations[r], g, k, NULL, p, tmp_o, tmp_i);
    if (ok && p->n && skew_best_with(p->lo, p->hi, p->n, &first, &W->S)) {
        p->n = 0;
        for (size_t r = 0; ok && r < NRELATIONS; r++)
            ok = relation_pairs(d, G, &relations[r], g, k, &first, p, tmp_o, tmp_i);
        uint32_t agree = ok ? skew_best_with(p->lo, p->hi, p->n, &best, &W->S) : 0;
        if (agree) {
            int64_t min = SEC(d->pb->win.skew_min);
            d->clock[g].offset_us = (best < min && best > -min) ? 0 : best;
            d->clock[g].pairs = agree;
            d->clock[g].against = k;
            d->clock[g].known = true;
            *found = true;
        }
    }
    return ok;
}

static int cmp_event_time(const void *a, const void *b)
{
    const struct event *x = a, *y = b;
    if (x->t != y->t)
        return (x->t > y->t) - (x->t < y->t);
    if (x->src != y->src)
        return (x->src > y->src) - (x->src < y->src);
    return (x->line > y->line) - (x->line < y->line);
}

static int64_t offset_of(const struct diagnosis *d, uint16_t src)
{
    return d->clock[d->b->src[src]->role].offset_us;
}

struct remap_job {
    struct event *ev;
    const uint32_t *to;
};

static void remap_slice(size_t from, size_t to, size_t t, void *arg)
{
    (void)t;
    const struct remap_job *j = arg;
    for (size_t i = from; i < to; i++) {
        struct event *e = &j->ev[i];
        if (e->xchg && !(e->flags & EVF_NOTED))
            e->xchg = j->to[e->xchg - 1] + 1;
    }
}

static bool kept_late(const struct exchange *x)
{
    return x->kind == X_NDES_GETCA && !x->failed;
}

/* The exchanges numbered as building them from the timeline in one pass would number them: in
 * the order of their first line (first[x]: its index in the timeline, NO_FIRST for none), the
 * GetCAs kept for a PKIOperation after all others. What they hold does not change: an
 * exchange's lines all come from one file, and move together. first is renumbered too. */
static bool renumber_exchanges(struct diagnosis *d, uint32_t *first, struct client *cl)
{
    size_t nx = d->nx, nev = d->b->nev;
    if (!nx)
        return true;
    uint64_t *key = big_alloc(nx * sizeof *key);
    uint32_t *to = big_alloc(nx * sizeof *to);
    struct exchange *nxv = big_alloc(nx * sizeof *nxv);
    size_t nk = 0, o = 0;
    bool ok = key && to && nxv;
    /* sorted by first line (unique: a line belongs to one exchange), with the exchange's
     * number below it where it fits (it does below 2^31 exchanges): not read back from the
     * lines, which lie all over the timeline */
    bool wide = nx > 0x7FFFFFFFu;
    for (size_t x = 0; ok && x < nx; x++)
        if (first[x] != NO_FIRST)
            key[nk++] = (uint64_t)kept_late(&d->x[x]) << 63 |
                        (wide ? first[x] : (uint64_t)first[x] << 31 | x);
    ok = ok && radix_sort(key, nk);
    /* those with no line come after the others of their kind, in their own order */
    for (size_t c = 0; ok && c <= nk; c++) {
        bool late = c < nk && (key[c] >> 63);
        if (c == nk || (late && (c == 0 || !(key[c - 1] >> 63)))) {
            for (size_t x = 0; x < nx; x++)
                if (first[x] == NO_FIRST && kept_late(&d->x[x]) == (c < nk))
                    nxv[to[x] = (uint32_t)o++] = d->x[x];
        }
        if (c == nk)
            break;
        uint32_t x = wide ? d->b->ev[(uint32_t)key[c]].xchg - 1 : (uint32_t)(key[c] & 0x7FFFFFFFu);
        nxv[to[x] = (uint32_t)o++] = d->x[x];
    }
    if (ok && nk == 0)
        for (size_t x = 0; x < nx; x++)
            if (first[x] == NO_FIRST && kept_late(&d->x[x]))
                nxv[to[x] = (uint32_t)o++] = d->x[x];
    if (ok) {
        for (size_t i = 0; i < nx; i++)
            if (nxv[i].pkiop)
                nxv[i].pkiop = to[nxv[i].pkiop - 1] + 1;
        /* key no longer needed: it holds the first lines in the new order */
        for (size_t x = 0; x < nx; x++)
            key[to[x]] = first[x];
        for (size_t x = 0; x < nx; x++)
            first[x] = (uint32_t)key[x];
        struct remap_job j = { d->b->ev, to };
        parallel_run(nev, parallel_slices(nev, 1 << 16), remap_slice, &j);
        memcpy(d->x, nxv, nx * sizeof *nxv);
        if (cl) { /* the clients move with their exchanges (nxv is done with) */
            struct client *tmp = (struct client *)(void *)nxv;
            _Static_assert(sizeof(struct client) <= sizeof(struct exchange), "room in nxv");
            for (size_t x = 0; x < nx; x++)
                tmp[to[x]] = cl[x];
            memcpy(cl, tmp, nx * sizeof *cl);
        }
    }
    big_free(key);
    big_free(to);
    big_free(nxv);
    return ok;
}

/* Events of one clock group waiting for their place in a sweep: in the order they were met,
 * which is their order among themselves (a group moves as one). */
struct waiting {
    struct event *v;
    size_t head, n, cap;
};

static bool wait_push(struct waiting *q, struct event e)
{
    if (q->head == q->n)
        q->head = q->n = 0;
    if (q->n == q->cap) {
        if (q->head > q->cap / 2) { /* room at the front: the met ones are placed */
            memmove(q->v, q->v + q->head, (q->n - q->head) * sizeof *q->v);
            q->n -= q->head;
            q->head = 0;
        } else {
            size_t cap = q->cap ? q->cap * 2 : 1024;
            struct event *v = big_realloc(q->v, cap * sizeof *v);
            if (!v)
                return false;
            q->v = v;
            q->cap = cap;
        }
    }
    q->v[q->n++] = e;
    return true;
}

/* One sweep of the timeline, in place: forward (dir 1) for the groups whose offset is
 * positive, backward (-1) for the negative ones. A moved event is taken out where it is met,
 * its time shifted, and put back where it now belongs: forward, after the lines that now come
 * before it (they are all still ahead of the sweep, being later than its old time), so that
 * writing never overtakes reading. With first: each exchange's first line. Adds the events
 * moved to *taken; false when out of memory. */
static bool shift_sweep(struct bundle *b, const int64_t *off, const uint8_t *role, int dir,
                        uint32_t *first, size_t *taken)
{
    struct waiting q[ROLE_COUNT] = { { 0 } };
    struct event *ev = b->ev;
    size_t n = b->nev, r = 0, w = 0; /* forward: positions; backward: n - position */
    bool ok = true;
    /* the groups this sweep moves: one or two, looked at for every line */
    size_t grp[ROLE_COUNT], ng = 0;
    for (size_t i = 0; i < b->nsrc; i++) {
        bool mine = dir > 0 ? off[i] > 0 : off[i] < 0, seen = false;
        for (size_t g = 0; g < ng && !seen; g++)
            seen = grp[g] == role[i];
        if (mine && !seen)
            grp[ng++] = role[i];
    }
    /* the i-th place of the sweep */
#define AT(i) (dir > 0 ? (i) : n - 1 - (i))
    while (ok) {
        /* the moved events at the read place wait in their group's queue */
        while (r < n) {
            struct event *e = &ev[AT(r)];
            int64_t o = e->t != TIME_NONE ? off[e->src] : 0;
            if (!(dir > 0 ? o > 0 : o < 0))
                break;
            struct event m = *e;
            m.t += o;
            ok = wait_push(&q[role[m.src]], m);
            if (!ok)
                break;
            ++*taken;
            r++;
        }
        /* the next to place: the stay at the read place, or the first of a queue's heads */
        size_t best = ROLE_COUNT;
        for (size_t k = 0; k < ng; k++) {
            size_t g = grp[k];
            if (q[g].head == q[g].n)
                continue;
            if (best == ROLE_COUNT ||
                dir * cmp_event_time(&q[g].v[q[g].head], &q[best].v[q[best].head]) < 0)
                best = g;
        }
        struct event e;
        if (r < n && (best == ROLE_COUNT ||
                      dir * cmp_event_time(&ev[AT(r)], &q[best].v[q[best].head]) < 0))
            e = ev[AT(r++)];
        else if (best != ROLE_COUNT)
            e = q[best].v[q[best].head++];
        else
            break;
        size_t at = AT(w);
        w++;
        ev[at] = e;
        if (first && e.xchg && (dir < 0 || first[e.xchg - 1] == NO_FIRST))
            first[e.xchg - 1] = (uint32_t)at;
    }
#undef AT
    for (size_t g = 0; g < ROLE_COUNT; g++)
        big_free(q[g].v);
    return ok;
}

/* Each event takes its clock's offset. An offset moves a whole file, so the events that moved
 * are still in order among themselves, and so are those that did not: one sweep of the
 * timeline for each direction puts the moved ones in their new places (shift_sweep), and the
 * last tells each exchange where its first line now is. */
static bool apply_offsets(struct diagnosis *d, bool *moved)
{
    struct bundle *b = d->b;
    int64_t *off = calloc(b->nsrc ? b->nsrc : 1, sizeof *off);
    uint8_t *role = calloc(b->nsrc ? b->nsrc : 1, sizeof *role);
    if (!off || !role) {
        free(off);
        free(role);
        return false;
    }
    for (size_t i = 0; i < b->nsrc; i++) {
        off[i] = offset_of(d, (uint16_t)i);
        role[i] = (uint8_t)b->src[i]->role;
    }
    uint32_t *first = big_alloc((d->nx ? d->nx : 1) * sizeof *first);
    if (!first) {
        free(off);
        free(role);
        return false;
    }
    for (size_t x = 0; x < d->nx; x++)
        first[x] = NO_FIRST;
    /* the clocks behind first (their events move to later places: a forward sweep), then the
     * ones ahead (to earlier places: a backward sweep), each in place; the last sweep finds
     * each exchange's first line */
    bool later = false, earlier = false;
    for (size_t i = 0; i < b->nsrc; i++) {
        later |= off[i] > 0;
        earlier |= off[i] < 0;
    }
    size_t taken = 0;
    bool ok = true;
    if (later)
        ok = shift_sweep(b, off, role, 1, earlier ? NULL : first, &taken);
    if (ok && earlier)
        ok = shift_sweep(b, off, role, -1, first, &taken);
    if (!ok || !taken) { /* out of memory; or no line of those files has a time */
        big_free(first);
        free(off);
        free(role);
        return ok;
    }
    *moved = true;
    for (size_t i = 0; i < d->nx; i++) {
        struct exchange *x = &d->x[i];
        int64_t xo = offset_of(d, x->src);
        x->lo_min += xo;
        x->lo_max += xo;
        x->hi_min += xo;
        x->hi_max += xo;
    }
    for (size_t i = 0; i < b->nsrc; i++) {
        struct source *s = b->src[i];
        int64_t so = s->skipped ? 0 : d->clock[s->role].offset_us;
        if (!so)
            continue;
        if (s->first != TIME_NONE)
            s->first += so;
        if (s->last != TIME_NONE)
            s->last += so;
        source_note(s, 0, "clock corrected by %+.3f s to match the %s log", so / 1e6,
                    role_name(d->clock[s->role].against));
    }
    ok = renumber_exchanges(d, first, NULL);
    big_free(first);
    free(off);
    free(role);
    return ok;
}

/* The clock groups are the source roles of the flow; the reference is the first of them
 * present. Each other group is measured against a known one through the exchanges they share,
 * until no more can be measured. Offsets are then applied to the events. */
static bool align_clocks(struct diagnosis *d, bool *moved)
{
    /* the device's capture last: it is measured against the NDES IIS log, whose requests its
     * conversations hold */
    static const enum role order[] = { ROLE_NDES_IIS, ROLE_NDESPLUGIN, ROLE_CRP_IIS, ROLE_CRP,
                                       ROLE_CAPTURE };
    struct bundle *b = d->b;
    *moved = false;
    for (size_t i = 0; i < b->nsrc; i++) {
        const struct source *s = b->src[i];
        if (s->skipped)
            continue;
        d->clock[s->role].present = true;
        if (s->tz_given)
            d->clock[s->role].given = true;
    }
    d->reference = ROLE_UNKNOWN;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        struct clock *c = &d->clock[order[i]];
        if (!c->present)
            continue;
        if (d->reference == ROLE_UNKNOWN) {
            d->reference = order[i];
            c->reference = c->known = true;
        } else if (c->given) {
            c->known = true;
        }
    }
    struct estimate_work W = { .G = { 0 } };
    W.tmp_o = big_alloc((d->nx ? d->nx : 1) * sizeof *W.tmp_o);
    W.tmp_i = big_alloc((d->nx ? d->nx : 1) * sizeof *W.tmp_i);
    bool ok = W.tmp_o && W.tmp_i && by_group_build(d, &W.G), progress = true;
    while (ok && progress) {
        progress = false;
        for (size_t gi = 0; ok && gi < sizeof order / sizeof order[0]; gi++) {
            enum role g = order[gi];
            if (!d->clock[g].present || d->clock[g].known)
                continue;
            /* measure against NDESPlugin.log first: its blocks are tight and its times exact
             * to the millisecond, where an IIS line only knows whole seconds */
            static const enum role partners[] = { ROLE_NDESPLUGIN, ROLE_NDES_IIS, ROLE_CRP_IIS,
                                                  ROLE_CRP };
            for (size_t ki = 0; ok && ki < sizeof partners / sizeof partners[0]; ki++) {
                enum role k = partners[ki];
                bool found = false;
                if (k == g || !d->clock[k].known)
                    continue;
                ok = estimate_group(d, &W, g, k, &found);
                if (found) {
                    progress = true;
                    break;
                }
            }
        }
    }
    big_free(W.G.v);
    big_free(W.tmp_o);
    big_free(W.tmp_i);
    big_free(W.p.lo);
    big_free(W.p.hi);
    big_free(W.S.ep);
    big_free(W.S.tmp);
    big_cache_drop();
    trace_mark("clocks-estimated", 0);
    return ok && apply_offsets(d, moved);
}

/* ---- linking exchanges into attempts ------------------------------------------------------ */

/* What linking keeps of each exchange: union-find over the exchanges of one attempt. */
struct link {
    uint32_t parent;
    uint32_t kinds;       /* at the root: the kinds in its set (bit per xkind) */
    uint32_t adopted;     /* kinds of inner exchanges it already holds (one of each) */
    bool linked_up;       /* it found its outer exchange */
};

static uint32_t uf_find(struct link *l, uint32_t i)
{
    while (l[i].parent != i) {
        l[i].parent = l[l[i].parent].parent;
        i = l[i].parent;
    }
    return i;
}

static void uf_union(struct link *l, uint32_t a, uint32_t b)
{
    a = uf_find(l, a);
    b = uf_find(l, b);
    if (a == b)
        return;
    if (b < a) {
        uint32_t t = a;
        a = b;
        b = t;
    }
    l[b].parent = a;
    l[a].kinds |= l[b].kinds;
}

static int64_t mid(const struct exchange *x)
{
    return x->lo_min / 2 + x->hi_max / 2;
}

static int64_t max_duration(const struct diagnosis *d, const uint32_t *v, size_t n)
{
    int64_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (d->x[v[i]].hi_max - d->x[v[i]].lo_min > m)
            m = d->x[v[i]].hi_max - d->x[v[i]].lo_min;
    return m;
}

/* The exchanges of each kind, each list sorted by start: made once for all the linking; and
 * the linking's own state of each exchange. */
struct by_kind {
    uint32_t *v;
    size_t off[XKIND_COUNT + 1];
    struct link *l;
};

static bool by_kind_build(const struct diagnosis *d, struct by_kind *K)
{
    size_t count[XKIND_COUNT] = { 0 };
    K->v = big_alloc((d->nx ? d->nx : 1) * sizeof *K->v);
    K->l = big_alloc((d->nx ? d->nx : 1) * sizeof *K->l);
    if (!K->v || !K->l) {
        big_free(K->v);
        big_free(K->l);
        return false;
    }
    for (size_t i = 0; i < d->nx; i++) {
        K->l[i].parent = (uint32_t)i;
        K->l[i].kinds = 1u << d->x[i].kind;
    }
    for (size_t i = 0; i < d->nx; i++)
        count[d->x[i].kind]++;
    K->off[0] = 0;
    for (int k = 0; k < XKIND_COUNT; k++)
        K->off[k + 1] = K->off[k] + count[k];
    size_t fill[XKIND_COUNT];
    memcpy(fill, K->off, sizeof fill);
    for (size_t i = 0; i < d->nx; i++)
        K->v[fill[d->x[i].kind]++] = (uint32_t)i;
    for (int k = 0; k < XKIND_COUNT; k++)
        sort_by_start(d, K->v + K->off[k], K->off[k + 1] - K->off[k]);
    return true;
}

static size_t kind_list(const struct by_kind *K, enum xkind k, const uint32_t **out)
{
    *out = K->v + K->off[k];
    return K->off[k + 1] - K->off[k];
}

/* Each inner exchange not yet tied upwards takes the nearest outer that holds it in time and
 * holds no other of its kind. */
static void link_relation(struct diagnosis *d, const struct relation *rel,
                          const struct by_kind *K)
{
    const uint32_t *outer, *inner;
    size_t no = kind_list(K, rel->outer, &outer);
    size_t ni = kind_list(K, rel->inner, &inner);
    if (!no || !ni)
        return;
    int64_t tol = SEC(d->pb->win.tolerance), maxdur = max_duration(d, outer, no);
    uint32_t bit = 1u << rel->inner;
    for (size_t c = 0; c < ni; c++) {
        struct exchange *in = &d->x[inner[c]];
        if (K->l[inner[c]].linked_up)
            continue;
        int64_t from = in->hi_min - tol - maxdur, to = in->lo_max + tol;
        size_t lo = 0, hi = no;
        while (lo < hi) {
            size_t m = lo + (hi - lo) / 2;
            if (d->x[outer[m]].lo_min < from)
                lo = m + 1;
            else
                hi = m;
        }
        uint32_t best = UINT32_MAX;
        int64_t best_dist = INT64_MAX;
        for (size_t a = lo; a < no && d->x[outer[a]].lo_min <= to; a++) {
            const struct exchange *o = &d->x[outer[a]];
            if ((K->l[outer[a]].adopted & bit) || o->lo_min - tol > in->lo_max ||
                in->hi_min > o->hi_max + tol)
                continue;
            int64_t dist = mid(o) - mid(in);
            if (dist < 0)
                dist = -dist;
            if (dist < best_dist) {
                best_dist = dist;
                best = outer[a];
            }
        }
        if (best != UINT32_MAX) {
            K->l[best].adopted |= bit;
            K->l[inner[c]].linked_up = true;
            uf_union(K->l, best, inner[c]);
        }
    }
}

/* A Notify belongs to the VerifyRequest just before it, when nothing else tied them. */
static void link_notify(struct diagnosis *d, enum xkind verify, enum xkind notify,
                        const struct by_kind *K)
{
    const uint32_t *vs, *ns;
    size_t nv = kind_list(K, verify, &vs), nn = kind_list(K, notify, &ns);
    int64_t after = SEC(d->pb->win.notify_after), tol = SEC(d->pb->win.tolerance);
    for (size_t c = 0; c < nn; c++) {
        uint32_t n = ns[c];
        if (K->l[uf_find(K->l, n)].kinds & (1u << verify))
            continue;
        /* the VerifyRequests that start after the Notify's end (past the tolerance) end after
         * it too: the search starts before them (vs is by start), not at the last one */
        size_t lo = 0, hi = nv;
        while (lo < hi) {
            size_t m = lo + (hi - lo) / 2;
            if (d->x[vs[m]].lo_min <= d->x[n].lo_max + tol)
                lo = m + 1;
            else
                hi = m;
        }
        for (size_t a = lo; a-- > 0;) {
            const struct exchange *v = &d->x[vs[a]];
            if (v->hi_min > d->x[n].lo_max + tol)
                continue;
            if (d->x[n].lo_min - v->hi_max > after)
                break;
            if (K->l[uf_find(K->l, vs[a])].kinds & (1u << notify))
                continue;
            uf_union(K->l, vs[a], n);
            break;
        }
    }
}

/* A GetCACert or GetCACaps kept as a PKIOperation's preamble (see add_getcas) belongs to it.
 * One that failed ties to nothing and is an attempt of its own (see worth_an_attempt): a
 * device retrying is making a new attempt each time. */
static void link_preamble(struct diagnosis *d, const struct by_kind *K)
{
    for (size_t i = 0; i < d->nx; i++) {
        if (d->x[i].kind == X_NDES_GETCA && d->x[i].pkiop) {
            uf_union(K->l, d->x[i].pkiop - 1, (uint32_t)i);
            K->l[i].linked_up = true;
        }
    }
}

struct xstart {
    int64_t t;
    uint32_t x;
};

static int cmp_xstart(const void *a, const void *b)
{
    const struct xstart *p = a, *q = b;
    if (p->t != q->t)
        return (p->t > q->t) - (p->t < q->t);
    return (p->x > q->x) - (p->x < q->x);
}

/* A failure from a Windows event log joins the exchange nearest to it in time within the
 * preamble window (the device logs its side of the request seconds before or after NDES);
 * failures with no other exchange near, but near each other (306, then 32), make one
 * attempt together. */
static bool link_near(struct diagnosis *d, const struct by_kind *K)
{
    const uint32_t *ev;
    size_t nf = kind_list(K, X_EVENT_FAIL, &ev);
    if (!nf)
        return true;
    /* the other exchanges by start (qsort: kept GetCAs come last, far from their place) */
    struct xstart *by = big_alloc((d->nx ? d->nx : 1) * sizeof *by);
    uint32_t *others = big_alloc((d->nx ? d->nx : 1) * sizeof *others);
    if (!by || !others) {
        big_free(by);
        big_free(others);
        return false;
    }
    size_t no = 0;
    for (size_t i = 0; i < d->nx; i++)
        if (d->x[i].kind != X_EVENT_FAIL)
            by[no++] = (struct xstart){ d->x[i].lo_min, (uint32_t)i };
    qsort(by, no, sizeof *by, cmp_xstart);
    for (size_t i = 0; i < no; i++)
        others[i] = by[i].x;
    big_free(by);
    int64_t win = SEC(d->pb->win.preamble), longest = max_duration(d, others, no);
    for (size_t c = 0; c < nf; c++) {
        const struct exchange *f = &d->x[ev[c]];
        int64_t t = f->lo_min;
        size_t lo = 0, hi = no;
        while (lo < hi) { /* the first that starts after t - win - the longest */
            size_t m = lo + (hi - lo) / 2;
            if (d->x[others[m]].lo_min < t - win - longest)
                lo = m + 1;
            else
                hi = m;
        }
        uint32_t best = UINT32_MAX;
        int64_t best_dist = INT64_MAX;
        for (size_t a = lo; a < no && d->x[others[a]].lo_min <= t + win; a++) {
            const struct exchange *o = &d->x[others[a]];
            int64_t dist = t < o->lo_min ? o->lo_min - t : t > o->hi_max ? t - o->hi_max : 0;
            if (dist <= win && dist < best_dist) {
                best_dist = dist;
                best = others[a];
            }
        }
        if (best != UINT32_MAX)
            uf_union(K->l, best, ev[c]);
        else if (c > 0 && t - d->x[ev[c - 1]].hi_max <= win &&
                 !(K->l[uf_find(K->l, ev[c - 1])].kinds & ~(1u << X_EVENT_FAIL)))
            uf_union(K->l, ev[c - 1], ev[c]); /* alone too, and near the one before */
    }
    big_free(others);
    return true;
}

/* A device that cannot get through to NDES tries again within seconds: its failed
 * conversations that hold no request of a server's log, each within the preamble window of
 * the one before in the same capture, are one attempt failing at step 2 with every try as
 * evidence, not an attempt per try. */
static void link_retries(struct diagnosis *d, const struct by_kind *K)
{
    const uint32_t *cv;
    size_t n = kind_list(K, X_CAPTURE_CONV, &cv);
    int64_t win = SEC(d->pb->win.preamble);
    uint32_t prev = UINT32_MAX;
    for (size_t c = 0; c < n; c++) {
        const struct exchange *x = &d->x[cv[c]];
        if (!x->failed || K->l[uf_find(K->l, cv[c])].kinds != (1u << X_CAPTURE_CONV))
            continue;
        if (prev != UINT32_MAX && d->x[prev].src == x->src && x->lo_min - d->x[prev].hi_max <= win)
            uf_union(K->l, prev, cv[c]);
        prev = cv[c];
    }
}

static bool worth_an_attempt(const struct link *root, bool failed)
{
    uint32_t k = root->kinds & ~(1u << X_NDES_GETCA);
    return k != 0 || failed;
}

static int cmp_attempt_start(const void *a, const void *b)
{
    const struct attempt *x = a, *y = b;
    if (x->start != y->start)
        return (x->start > y->start) - (x->start < y->start);
    return (x->end > y->end) - (x->end < y->end);
}

static bool form_attempts(struct diagnosis *d)
{
    struct by_kind K;
    if (!by_kind_build(d, &K))
        return false;
    for (size_t r = 0; r < NRELATIONS; r++)
        link_relation(d, &relations[r], &K);
    link_notify(d, X_PLUGIN_VERIFY, X_PLUGIN_NOTIFY, &K);
    link_notify(d, X_CRP_VERIFY, X_CRP_NOTIFY, &K);
    link_notify(d, X_CRP_HTTP_VERIFY, X_CRP_HTTP_NOTIFY, &K);
    link_preamble(d, &K);
    link_retries(d, &K);
    if (!link_near(d, &K)) {
        big_free(K.v);
        big_free(K.l);
        return false;
    }
    big_free(K.v);
    struct link *l = K.l;

    /* one attempt per set worth one; its span from the exchanges' times */
    bool *failed = big_alloc((d->nx ? d->nx : 1) * sizeof *failed);
    uint32_t *slot = big_alloc((d->nx ? d->nx : 1) * sizeof *slot);
    if (!failed || !slot) {
        big_free(failed);
        big_free(slot);
        big_free(l);
        return false;
    }
    for (size_t i = 0; i < d->nx; i++)
        if (d->x[i].failed)
            failed[uf_find(l, (uint32_t)i)] = true;
    size_t n = 0;
    for (size_t i = 0; i < d->nx; i++) {
        slot[i] = UINT32_MAX;
        if (uf_find(l, (uint32_t)i) == i && worth_an_attempt(&l[i], failed[i]))
            slot[i] = (uint32_t)n++;
    }
    d->att = big_alloc((n ? n : 1) * sizeof *d->att);
    if (!d->att) {
        big_free(failed);
        big_free(slot);
        big_free(l);
        return false;
    }
    d->natt = n;
    for (size_t i = 0; i < n; i++) {
        d->att[i].device = d->att[i].user = "";
        d->att[i].start = INT64_MAX;
        d->att[i].end = INT64_MIN;
    }
    for (size_t i = 0; i < d->nx; i++)
        d->x[i].attempt = 0; /* it held the preamble's PKIOperation until now */
    for (size_t i = 0; i < d->nx; i++) {
        uint32_t s = slot[uf_find(l, (uint32_t)i)];
        if (s == UINT32_MAX)
            continue;
        struct attempt *at = &d->att[s];
        if (d->x[i].lo_min < at->start)
            at->start = d->x[i].lo_min;
        if (d->x[i].hi_min > at->end)
            at->end = d->x[i].hi_min;
        d->x[i].attempt = s + 1; /* provisional: renumbered below */
    }
    for (size_t i = 0; i < n; i++)
        d->att[i].id = (uint32_t)i + 1;
    /* number attempts in time order, and tell the exchanges their final numbers */
    qsort(d->att, n, sizeof *d->att, cmp_attempt_start);
    uint32_t *renum = malloc((n ? n : 1) * sizeof *renum);
    if (!renum) {
        big_free(failed);
        big_free(slot);
        big_free(l);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        renum[d->att[i].id - 1] = (uint32_t)i + 1;
        d->att[i].id = (uint32_t)i + 1;
        d->att[i].selected = true;
    }
    for (size_t i = 0; i < d->nx; i++)
        if (d->x[i].attempt)
            d->x[i].attempt = renum[d->x[i].attempt - 1];
    free(renum);
    big_free(failed);
    big_free(slot);
    big_free(l);
    return true;
}

uint32_t diagnose_attempt_of(const struct diagnosis *d, size_t i)
{
    if (!d->b || i >= d->b->nev || !d->b->ev[i].xchg || !d->x)
        return 0;
    return d->x[d->b->ev[i].xchg - 1].attempt;
}

/* ---- verdicts ----------------------------------------------------------------------------- */

int verdict_severity(enum verdict v)
{
    switch (v) {
    case VERDICT_FAIL: return 4;
    case VERDICT_WARN: return 3;
    case VERDICT_PASS: return 2;
    case VERDICT_INFO: return 1;
    default: return 0;
    }
}

size_t diagnose_first_attempt_from(const struct diagnosis *d, int64_t t)
{
    size_t lo = 0, hi = d->natt;
    while (lo < hi) {
        size_t m = lo + (hi - lo) / 2;
        if (d->att[m].start < t)
            lo = m + 1;
        else
            hi = m;
    }
    return lo;
}

static bool role_loaded(const struct diagnosis *d, enum role r)
{
    return r != ROLE_UNKNOWN && r < ROLE_COUNT && d->clock[r].present;
}

/* The files of the roles of a step that were given, in words: "ndes/NDESPlugin.log". */
static void given_files(const struct diagnosis *d, const struct pb_step *st, char *out,
                        size_t cap)
{
    size_t k = 0, count = 0;
    out[0] = 0;
    for (size_t i = 0; i < d->b->nsrc; i++) {
        const struct source *s = d->b->src[i];
        bool mine = false;
        for (size_t r = 0; !s->skipped && r < st->nroles; r++)
            mine |= s->role == st->roles[r];
        if (!mine)
            continue;
        if (count++ < 2 && k < cap)
            k += (size_t)snprintf(out + k, cap - k, "%s%s", count > 1 ? ", " : "", s->path);
    }
    if (count > 2 && k < cap)
        snprintf(out + k, cap - k, " and %zu more", count - 2);
}

/* Why a step has no verdict, in words, as far as it does not depend on the attempt: made once
 * for all of them (a busy case has tens of thousands). */
struct none_words {
    const char *no_log[PLAYBOOK_STEPS];     /* interned; NULL when the step's logs were given */
    char files[PLAYBOOK_STEPS][200];        /* else those logs */
    const char *not_reached[PLAYBOOK_STEPS + 1]; /* interned when first needed */
};

static bool none_words_init(struct diagnosis *d, struct none_words *W)
{
    memset(W, 0, sizeof *W);
    for (int step = 0; step < PLAYBOOK_STEPS; step++) {
        const struct pb_step *st = &d->pb->steps[step];
        bool any = false;
        for (size_t i = 0; i < st->nroles; i++)
            any |= role_loaded(d, st->roles[i]);
        if (any) {
            given_files(d, st, W->files[step], sizeof W->files[step]);
            continue;
        }
        char why[320];
        snprintf(why, sizeof why, "no log for this step was given: %s would show it",
                 st->evidence ? st->evidence : "another log");
        if (!(W->no_log[step] = strpool_intern(&d->words, why)))
            return false;
    }
    return true;
}

/* The reason an attempt's step has no verdict; NULL when out of memory. */
static const char *none_reason(struct diagnosis *d, struct none_words *W,
                               const struct attempt *at, int step)
{
    char why[320], a[32], z[32];
    if (at->failed_step) {
        const char **kept = &W->not_reached[at->failed_step];
        if (!*kept) {
            snprintf(why, sizeof why, "not reached: step %d failed", at->failed_step);
            *kept = strpool_intern(&d->words, why);
        }
        return *kept;
    }
    if (W->no_log[step])
        return W->no_log[step];
    time_format_iso(at->start, a);
    time_format_iso(at->end, z);
    snprintf(why, sizeof why, "%s given, but nothing of this step in the attempt's window (%s .. %s)",
             W->files[step], a + 11, z + 11);
    return strpool_intern(&d->words, why);
}

static bool attempt_failed_by_signature(const struct attempt *at)
{
    for (int s = 0; s < PLAYBOOK_STEPS; s++)
        if (at->step[s].verdict == VERDICT_FAIL && at->step[s].sig >= 0)
            return true;
    return false;
}

/* Absence rules, last: only where no signature found a failure. */
static void apply_expectations(struct diagnosis *d, struct attempt *at, const uint32_t *first_mark)
{
    if (attempt_failed_by_signature(at))
        return;
    for (size_t k = 0; k < d->pb->nexpects; k++) {
        const struct pb_expect *x = &d->pb->expects[k];
        if (x->if_loaded != ROLE_UNKNOWN && !role_loaded(d, x->if_loaded))
            continue;
        if (!(at->marks & (1u << x->when)))
            continue;
        size_t when = first_mark[x->when];
        if (x->when_verdict != VERDICT_NONE && verdict_of(d, &d->b->ev[when]) != x->when_verdict)
            continue;
        bool missing = true;
        for (size_t m = 0; m < x->nmissing; m++)
            if (at->marks & (1u << x->missing[m]))
                missing = false;
        if (!missing)
            continue;
        struct step_result *r = &at->step[x->step - 1];
        if (verdict_severity(x->verdict) > verdict_severity(r->verdict) ||
            (verdict_severity(x->verdict) == verdict_severity(r->verdict) && r->sig < 0 && r->expect < 0)) {
            r->verdict = x->verdict;
            r->expect = (int)k;
            r->sig = -1;
            r->decisive = when;
        }
    }
}

/* Each attempt's lines that matched a signature, by step, in timeline order, and the first
 * line of each mark: the timeline is read in slices, twice (count, then fill), each slice
 * writing its lines after those of the slices before it. */
struct judge_job {
    struct diagnosis *d;
    int pass;
    uint32_t *count[PARALLEL_MAX]; /* [attempt * steps + step]: lines, then where to write */
    uint32_t *marks[PARALLEL_MAX]; /* [attempt]: the marks seen in the slice */
    uint32_t *first[PARALLEL_MAX]; /* [attempt * MARK_COUNT + mark]: the first such line */
    uint16_t *sig;                 /* beside d->evpool: each evidence line's signature + 1 */
};

static void judge_slice(size_t from, size_t to, size_t t, void *arg)
{
    struct judge_job *j = arg;
    struct diagnosis *d = j->d;
    for (size_t i = from; i < to; i++) {
        uint32_t a = diagnose_attempt_of(d, i);
        if (!a)
            continue;
        const struct event *e = &d->b->ev[i];
        size_t rs = (size_t)(a - 1) * PLAYBOOK_STEPS;
        if (j->pass == 0) {
            if (e->mark && !(j->marks[t][a - 1] & (1u << e->mark))) {
                j->marks[t][a - 1] |= 1u << e->mark;
                j->first[t][(size_t)(a - 1) * MARK_COUNT + e->mark] = (uint32_t)i;
            }
            if (e->sig)
                j->count[t][rs + (size_t)(sig_of(d, e)->step - 1)]++;
        } else if (e->sig) {
            int st = sig_of(d, e)->step - 1;
            struct step_result *r = &d->att[a - 1].step[st];
            uint32_t at = j->count[t][rs + (size_t)st]++;
            r->ev[at] = (uint32_t)i; /* fewer than 2^32 events */
            j->sig[(size_t)(r->ev - d->evpool) + at] = e->sig;
        }
    }
}

static bool judge(struct diagnosis *d)
{
    struct bundle *b = d->b;
    size_t k = parallel_slices(b->nev, 1 << 16), made = 0, na = d->natt ? d->natt : 1;
    struct judge_job j = { .d = d };
    bool ok = true;
    for (; ok && made < k; made++) {
        j.count[made] = big_alloc(na * PLAYBOOK_STEPS * sizeof *j.count[made]);
        j.marks[made] = big_alloc(na * sizeof *j.marks[made]);
        j.first[made] = big_alloc(na * MARK_COUNT * sizeof *j.first[made]);
        ok = j.count[made] && j.marks[made] && j.first[made];
    }
    uint32_t *first_mark = ok ? big_alloc(na * MARK_COUNT * sizeof *first_mark) : NULL;
    ok = ok && first_mark;
    if (ok)
        parallel_run(b->nev, k, judge_slice, &j);
    size_t total = 0;
    for (size_t a = 0; ok && a < d->natt; a++)
        for (size_t t = 0; t < k; t++)
            for (int s = 0; s < PLAYBOOK_STEPS; s++)
                total += j.count[t][a * PLAYBOOK_STEPS + (size_t)s];
    d->evpool = ok ? big_alloc((total ? total : 1) * sizeof *d->evpool) : NULL;
    j.sig = ok ? big_alloc((total ? total : 1) * sizeof *j.sig) : NULL;
    ok = ok && d->evpool && j.sig;
    size_t off = 0;
    for (size_t a = 0; ok && a < d->natt; a++) {
        struct attempt *at = &d->att[a];
        for (int s = 0; s < PLAYBOOK_STEPS; s++) {
            struct step_result *r = &at->step[s];
            r->ev = d->evpool + off;
            r->sig = r->expect = -1;
            r->reason = "";
            uint32_t n = 0;
            for (size_t t = 0; t < k; t++) {
                uint32_t c = j.count[t][a * PLAYBOOK_STEPS + (size_t)s];
                j.count[t][a * PLAYBOOK_STEPS + (size_t)s] = n;
                n += c;
            }
            r->nev = n;
            off += n;
        }
        for (size_t t = 0; t < k; t++) {
            uint32_t fresh = j.marks[t][a] & ~at->marks;
            at->marks |= j.marks[t][a];
            for (int m = 0; m < MARK_COUNT; m++)
                if (fresh & (1u << m))
                    first_mark[a * MARK_COUNT + (size_t)m] = j.first[t][a * MARK_COUNT + (size_t)m];
        }
    }
    if (ok) {
        j.pass = 1;
        parallel_run(b->nev, k, judge_slice, &j);
    }
    for (size_t t = 0; t < made; t++) {
        big_free(j.count[t]);
        big_free(j.marks[t]);
        big_free(j.first[t]);
    }
    /* a step's verdict: the gravest of its lines; the first line of that gravity decides
     * (their signatures were noted beside them: the lines themselves lie all over) */
    for (size_t a = 0; ok && a < d->natt; a++) {
        struct attempt *at = &d->att[a];
        for (int s = 0; s < PLAYBOOK_STEPS; s++) {
            struct step_result *r = &at->step[s];
            const uint16_t *sig = j.sig + (r->ev - d->evpool);
            for (uint32_t c = 0; c < r->nev; c++) {
                const struct pb_sig *sg = &d->pb->sigs[sig[c] - 1];
                if (verdict_severity(sg->verdict) > verdict_severity(r->verdict)) {
                    r->verdict = sg->verdict;
                    if (sg->verdict == VERDICT_FAIL || sg->verdict == VERDICT_WARN) {
                        r->sig = sig[c] - 1;
                        r->decisive = r->ev[c];
                    }
                }
            }
        }
    }
    big_free(j.sig);
    struct none_words W;
    ok = ok && none_words_init(d, &W);
    for (size_t a = 0; ok && a < d->natt; a++) {
        struct attempt *at = &d->att[a];
        apply_expectations(d, at, first_mark + a * MARK_COUNT);
        for (int s = 0; ok && s < PLAYBOOK_STEPS; s++) {
            struct step_result *r = &at->step[s];
            if (r->verdict == VERDICT_INFO || r->verdict == VERDICT_NONE) {
                r->verdict = VERDICT_NONE;
                r->reason = none_reason(d, &W, at, s);
                ok = r->reason != NULL;
            }
            if (r->verdict == VERDICT_FAIL && !at->failed_step)
                at->failed_step = s + 1;
        }
    }
    big_free(first_mark);
    return ok;
}

static bool has_value(const struct attempt *at, const char *name)
{
    for (size_t i = 0; i < at->nvalues; i++)
        if (strcmp(at->values[i].name, name) == 0)
            return true;
    return false;
}

/* The next line of an attempt's evidence in timeline order, across its steps' lists (each in
 * timeline order); pos holds how far each list has been read. NO_EVENT after the last. */
static size_t next_evidence(const struct attempt *at, uint32_t *pos)
{
    int best = -1;
    for (int s = 0; s < PLAYBOOK_STEPS; s++)
        if (pos[s] < at->step[s].nev &&
            (best < 0 || at->step[s].ev[pos[s]] < at->step[best].ev[pos[best]]))
            best = s;
    return best < 0 ? NO_EVENT : at->step[best].ev[pos[best]++];
}

/* The values the signatures' named groups take from the lines of an attempt: its device and
 * user (from CRP.log), and the codes of its failures (hresult, error, status, phase...). The
 * lines read are its evidence (its lines that matched a signature), in time order. Attempts
 * are shared out among threads; the pool of words is shared under a lock. */
struct identify_job {
    struct diagnosis *d;
    /* held for a lookup in the pool, and a copy at most: the other thread spins rather than
     * sleeps (a sleep and its wake-up are two system calls, many times the wait) */
    pthread_spinlock_t lock;
    void *md[PARALLEL_MAX];
    bool failed;
};

static const char *intern_locked(struct identify_job *j, const char *value)
{
    pthread_spin_lock(&j->lock);
    const char *kept = strpool_intern(&j->d->words, value);
    if (!kept)
        j->failed = true;
    pthread_spin_unlock(&j->lock);
    return kept;
}

/* A slice's memory of the values it had kept: a device's GUID, a user's, an error code come
 * again and again, and are found here without taking the lock (what the pool keeps never
 * changes). */
#define SEEN_VALUES 1024

static const char *intern_seen(struct identify_job *j, const char **seen, const char *value)
{
    uint64_t h = hash_span(FNV_SEED, span_make(value, strlen(value)));
    const char **slot = &seen[h & (SEEN_VALUES - 1)];
    if (*slot && strcmp(*slot, value) == 0)
        return *slot;
    const char *kept = intern_locked(j, value);
    if (kept)
        *slot = kept;
    return kept;
}

static void identify_slice(size_t from, size_t to, size_t t, void *arg)
{
    struct identify_job *j = arg;
    struct diagnosis *d = j->d;
    const char *seen[SEEN_VALUES] = { NULL };
    for (size_t a = from; a < to; a++) {
        struct attempt *at = &d->att[a];
        uint32_t pos[PLAYBOOK_STEPS] = { 0 };
        for (size_t i; (i = next_evidence(at, pos)) != NO_EVENT;) {
            const struct event *e = &d->b->ev[i];
            const struct source *s = d->b->src[e->src];
            const char *names[16];
            size_t n = playbook_groups(d->pb, e->sig - 1, names, 16);
            for (size_t k = 0; k < n; k++) {
                char value[96];
                const char **who = NULL;
                if (strcmp(names[k], "device") == 0)
                    who = &at->device;
                else if (strcmp(names[k], "user") == 0)
                    who = &at->user;
                else if (at->nvalues >= ATTEMPT_VALUES || has_value(at, names[k]))
                    continue;
                /* a device or user is a GUID: 39 bytes keep one and some more */
                size_t cap = who ? 40 : sizeof value;
                if ((who && (*who)[0]) ||
                    !playbook_extract(d->pb, e->sig - 1, s, e, names[k], value, cap, j->md[t]))
                    continue;
                const char *kept = intern_seen(j, seen, value);
                if (!kept)
                    return;
                if (who) {
                    *who = kept;
                } else {
                    at->values[at->nvalues].name = names[k];
                    at->values[at->nvalues++].value = kept;
                }
            }
        }
    }
}

static bool identify(struct diagnosis *d)
{
    struct identify_job j = { .d = d };
    size_t k = parallel_slices(d->natt, 256), made = 0;
    bool ok = pthread_spin_init(&j.lock, PTHREAD_PROCESS_PRIVATE) == 0;
    if (!ok)
        return false;
    for (; ok && made < k; made++)
        ok = (j.md[made] = playbook_match_data_new(d->pb)) != NULL;
    if (ok)
        parallel_run(d->natt, k, identify_slice, &j);
    for (size_t t = 0; t < made; t++)
        playbook_match_data_free(j.md[t]);
    pthread_spin_destroy(&j.lock);
    return ok && !j.failed;
}

bool diagnose_run(struct diagnosis *d, struct bundle *b, const struct playbook *pb)
{
    *d = (struct diagnosis){ .b = b, .pb = pb };
    if (b->nev >= UINT32_MAX)
        return false; /* exchanges and evidence number events in 32 bits */
    if (!classify(d))
        return false;
    big_cache_drop();
    trace_mark("classified", 0);
    if (!build_exchanges(d))
        return false;
    big_cache_drop();
    trace_mark("exchanges", 0);
    bool moved; /* the events moved with their clocks, and their exchanges with them */
    if (!align_clocks(d, &moved))
        return false;
    big_cache_drop();
    trace_mark("clocks", 0);
    if (!form_attempts(d))
        return false;
    big_cache_drop();
    trace_mark("attempts", 0);
    if (!castore_correlate(d)) /* the CA's rows and the device's certificates join attempts */
        return false;
    /* events learn their attempt through their exchange */
    if (!judge(d))
        return false;
    if (!identify(d))
        return false;
    if (!step1_run(d))
        return false;
    big_cache_drop();
    trace_mark("judged", 0);
    return true;
}

static bool prefix_ci(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++) {
        int a = *s, z = *prefix;
        if (a >= 'A' && a <= 'Z')
            a += 32;
        if (z >= 'A' && z <= 'Z')
            z += 32;
        if (!a || a != z)
            return false;
    }
    return true;
}

size_t diagnose_select(struct diagnosis *d, const char *device, const char *user)
{
    size_t n = 0;
    for (size_t i = 0; i < d->natt; i++) {
        struct attempt *at = &d->att[i];
        at->selected = (!device || !*device || (at->device[0] && prefix_ci(at->device, device))) &&
                       (!user || !*user || (at->user[0] && prefix_ci(at->user, user)));
        n += at->selected;
    }
    return n;
}

void diagnose_free(struct diagnosis *d)
{
    strpool_free(&d->words);
    big_free(d->x);
    big_free(d->att);
    big_free(d->evpool);
    *d = (struct diagnosis){ 0 };
}
