/* playbook.c - loads the playbook YAML (checked against its schema, every error placed at
 * FILE:LINE:COLUMN), compiles its patterns once and matches signatures against events. */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>
#include <yaml.h>

#include "bundle.h"
#include "escape.h"
#include "parser.h"
#include "playbook.h"

/* A playbook is a small hand-written file; anything bigger is a mistake or hostile. */
#define PB_MAX_FILE (4u * 1024u * 1024u)
/* Candidate lists name signatures in 16 bits. */
#define PB_MAX_SIGS 65535u
/* No correlation window is longer than this many seconds (about 31 years). */
#define PB_MAX_SECONDS 1e9
/* Room for "signature 'ID': pattern for FIELD: ..." with both names shortened by show_text(). */
#define WHAT_LEN 256

/* ---- names ------------------------------------------------------------------------------ */

#define MARK_NAME(e, name) name,
static const char *const mark_names[MARK_COUNT] = { MARK_LIST(MARK_NAME) };
#undef MARK_NAME

static const char *const verdict_names[] = { "none", "info", "pass", "warn", "fail" };
#define VERDICT_COUNT (sizeof verdict_names / sizeof verdict_names[0])

const char *mark_name(enum mark m)
{
    return (unsigned)m < MARK_COUNT ? mark_names[m] : "unknown";
}

bool mark_from_name(const char *name, enum mark *out)
{
    for (unsigned i = 0; i < MARK_COUNT; i++) {
        if (strcmp(mark_names[i], name) == 0) {
            *out = (enum mark)i;
            return true;
        }
    }
    return false;
}

const char *verdict_name(enum verdict v)
{
    return (unsigned)v < VERDICT_COUNT ? verdict_names[v] : "unknown";
}

/* ---- freeing ---------------------------------------------------------------------------- */

static void cond_free(struct pb_cond *c)
{
    free(c->field);
    free(c->pattern);
    pcre2_code_free(c->code);
    free(c->literal);
    free(c->hit);
}

static void sig_free(struct pb_sig *g)
{
    free(g->id);
    free(g->explanation);
    free(g->fix);
    for (size_t i = 0; i < g->nformats; i++)
        free(g->formats[i]);
    for (size_t i = 0; i < g->ncomponents; i++)
        free(g->components[i]);
    for (size_t i = 0; i < g->ncond; i++)
        cond_free(&g->cond[i]);
    free(g->file);
}

static void expect_free(struct pb_expect *x)
{
    free(x->id);
    free(x->explanation);
    free(x->fix);
}

static void step_free(struct pb_step *st)
{
    free(st->label);
    free(st->title);
    free(st->summary);
    free(st->check);
    free(st->evidence);
}

void playbook_free(struct playbook *pb)
{
    free(pb->name);
    free(pb->title);
    for (size_t i = 0; i < PLAYBOOK_STEPS; i++)
        step_free(&pb->steps[i]);
    for (size_t i = 0; i < pb->nsigs; i++)
        sig_free(&pb->sigs[i]);
    free(pb->sigs);
    for (size_t i = 0; i < pb->nexpects; i++)
        expect_free(&pb->expects[i]);
    free(pb->expects);
    for (size_t i = 0; i < pb->nmarks; i++)
        sig_free(&pb->marks[i]);
    free(pb->marks);
    pcre2_match_data_free(pb->match_data);
    pb_match_ctx_free(&pb->match_ctx);
    memset(pb, 0, sizeof *pb);
}

/* ---- errors ----------------------------------------------------------------------------- */

/* What one load works on; errors go to err, never to a terminal. */
struct ctx {
    const char *name;
    yaml_document_t *doc;
    char *err;
    size_t errlen;
};

__attribute__((format(printf, 3, 4)))
static bool fail_at(struct ctx *C, const yaml_node_t *at, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (C->err && C->errlen)
        snprintf(C->err, C->errlen, "%s:%zu:%zu: %s", C->name, (size_t)at->start_mark.line + 1,
                 (size_t)at->start_mark.column + 1, msg);
    return false;
}

static bool oom(struct ctx *C, const yaml_node_t *at)
{
    return fail_at(C, at, "out of memory");
}

/* "a, b, c" for the messages that list what is accepted. */
static void join(const char *const *names, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    out[0] = 0;
    for (size_t i = 0; i < n && k < cap; i++) {
        int w = snprintf(out + k, cap - k, "%s%s", i ? ", " : "", names[i]);
        if (w < 0)
            return;
        k += (size_t)w;
    }
}

/* ---- reading nodes ---------------------------------------------------------------------- */

static yaml_node_t *node_at(struct ctx *C, yaml_node_item_t i)
{
    return yaml_document_get_node(C->doc, i);
}

static const char *kind_name(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SCALAR_NODE: return "a single value";
    case YAML_SEQUENCE_NODE: return "a list";
    case YAML_MAPPING_NODE: return "a map";
    default: return "nothing";
    }
}

static const char *scalar(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

/* A plain empty value, '~' or 'null': YAML's way of writing nothing. */
static bool is_null(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *v = scalar(n);
    return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
           !strcmp(v, "NULL");
}

struct kv {
    yaml_node_t *key, *val;
};

/* Reads a map whose keys must be among names: found[i] is key i's pair, or NULLs. */
static bool read_map(struct ctx *C, yaml_node_t *map, const char *what,
                     const char *const *names, size_t n, struct kv *found)
{
    memset(found, 0, n * sizeof *found);
    char list[256];
    join(names, n, list, sizeof list);
    if (map->type != YAML_MAPPING_NODE)
        return fail_at(C, map, "%s must be a map (keys %s), not %s", what, list, kind_name(map));
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = node_at(C, p->key), *v = node_at(C, p->value);
        if (!k || !v)
            return fail_at(C, map, "%s: a key without a value", what);
        if (k->type != YAML_SCALAR_NODE)
            return fail_at(C, k, "a key in %s must be a name, not %s", what, kind_name(k));
        size_t i = 0;
        while (i < n && strcmp(scalar(k), names[i]) != 0)
            i++;
        if (i == n)
            return fail_at(C, k, "unknown key '%s' in %s: expected one of %s",
                           show_text(scalar(k)).s, what, list);
        if (found[i].key)
            return fail_at(C, k, "key '%s' is given twice in %s", names[i], what);
        found[i].key = k;
        found[i].val = v;
    }
    return true;
}

/* The items of a list of single values, or of one value taken as a one-element list. */
static bool read_list(struct ctx *C, yaml_node_t *n, const char *what, size_t min, size_t max,
                      yaml_node_t **items, size_t *count)
{
    *count = 0;
    if (n->type == YAML_SCALAR_NODE) {
        items[0] = n;
        *count = 1;
        return true;
    }
    if (n->type != YAML_SEQUENCE_NODE)
        return fail_at(C, n, "%s must be a name or a list of names, not %s", what, kind_name(n));
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        yaml_node_t *x = node_at(C, *it);
        if (!x)
            return fail_at(C, n, "%s: a broken list item", what);
        if (x->type != YAML_SCALAR_NODE)
            return fail_at(C, x, "each item of %s must be a name, not %s", what, kind_name(x));
        if (*count == max)
            return fail_at(C, x, "%s lists more than %zu names", what, max);
        items[(*count)++] = x;
    }
    if (*count < min)
        return fail_at(C, n, "%s is empty: expected at least %zu name%s", what, min,
                       min == 1 ? "" : "s");
    return true;
}

/* A list of maps (steps, signatures, expectations); nothing written counts as empty. */
static bool read_map_list(struct ctx *C, yaml_node_t *n, const char *what, size_t *count)
{
    *count = 0;
    if (is_null(n))
        return true;
    if (n->type != YAML_SEQUENCE_NODE)
        return fail_at(C, n, "'%s' must be a list (items starting with '- '), not %s", what,
                       kind_name(n));
    *count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    return true;
}

static bool get_text(struct ctx *C, const yaml_node_t *n, const char *what, char **out)
{
    if (n->type != YAML_SCALAR_NODE)
        return fail_at(C, n, "%s must be text, not %s", what, kind_name(n));
    if (strlen(scalar(n)) != n->data.scalar.length)
        return fail_at(C, n, "%s contains a NUL character: expected plain text", what);
    if (n->data.scalar.length == 0)
        return fail_at(C, n, "%s is empty: expected text", what);
    char *dup = strdup(scalar(n));
    if (!dup)
        return oom(C, n);
    free(*out);
    *out = dup;
    return true;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Seconds, read without strtod: the user's locale may want a decimal comma. */
static bool get_seconds(struct ctx *C, const yaml_node_t *n, const char *what, double *out)
{
    if (n->type != YAML_SCALAR_NODE)
        return fail_at(C, n, "%s must be a number of seconds, not %s", what, kind_name(n));
    const char *p = scalar(n);
    double v = 0, scale = 1;
    size_t digits = 0;
    for (; is_digit(*p) && v <= PB_MAX_SECONDS; p++, digits++)
        v = v * 10 + (*p - '0');
    if (*p == '.')
        for (p++; is_digit(*p); p++, digits++)
            v += (*p - '0') * (scale /= 10);
    if (*p || !digits)
        return fail_at(C, n, "%s must be a number of seconds >= 0 (like 60 or 0.5), not '%s'",
                       what, show_text(scalar(n)).s);
    if (v > PB_MAX_SECONDS)
        return fail_at(C, n, "%s is too large: expected at most %.0f seconds", what,
                       PB_MAX_SECONDS);
    *out = v;
    return true;
}

static bool get_step_number(struct ctx *C, const yaml_node_t *n, const char *what, int *out)
{
    if (n->type != YAML_SCALAR_NODE)
        return fail_at(C, n, "%s must be a step number (1 to %d), not %s", what, PLAYBOOK_STEPS,
                       kind_name(n));
    const char *p = scalar(n);
    int v = 0;
    size_t k = 0;
    for (; is_digit(p[k]) && k < 4; k++)
        v = v * 10 + (p[k] - '0');
    if (p[k] || !k || v < 1 || v > PLAYBOOK_STEPS)
        return fail_at(C, n, "%s '%s' is not a step: expected a number from 1 to %d", what,
                       show_text(p).s, PLAYBOOK_STEPS);
    *out = v;
    return true;
}

/* A verdict among those whose bit is set in allowed (bit i: verdict i). */
static bool get_verdict(struct ctx *C, const yaml_node_t *n, const char *what, unsigned allowed,
                        enum verdict *out)
{
    const char *ok[VERDICT_COUNT];
    size_t nok = 0;
    for (size_t i = 0; i < VERDICT_COUNT; i++)
        if (allowed & (1u << i))
            ok[nok++] = verdict_names[i];
    char list[64];
    join(ok, nok, list, sizeof list);
    if (n->type != YAML_SCALAR_NODE)
        return fail_at(C, n, "%s must be one of %s, not %s", what, list, kind_name(n));
    for (size_t i = 0; i < VERDICT_COUNT; i++) {
        if ((allowed & (1u << i)) && strcmp(scalar(n), verdict_names[i]) == 0) {
            *out = (enum verdict)i;
            return true;
        }
    }
    return fail_at(C, n, "%s '%s' is not one of %s", what, show_text(scalar(n)).s, list);
}

static bool get_mark(struct ctx *C, const yaml_node_t *n, const char *what, bool none_ok,
                     enum mark *out)
{
    if (n->type != YAML_SCALAR_NODE)
        return fail_at(C, n, "%s must be a mark name, not %s", what, kind_name(n));
    enum mark m;
    if (mark_from_name(scalar(n), &m) && (none_ok || m != MARK_NONE)) {
        *out = m;
        return true;
    }
    char list[512];
    join(mark_names + 1, MARK_COUNT - 1, list, sizeof list);
    return fail_at(C, n, "%s: unknown mark '%s': expected one of %s", what, show_text(scalar(n)).s,
                   list);
}

static bool get_role(struct ctx *C, const yaml_node_t *n, const char *what, enum role *out)
{
    if (n->type == YAML_SCALAR_NODE && role_from_name(scalar(n), out))
        return true;
    const char *roles[ROLE_COUNT];
    for (int r = 0; r < ROLE_COUNT; r++)
        roles[r] = role_name((enum role)((r + 1) % ROLE_COUNT)); /* "unknown" last */
    char list[512];
    join(roles, ROLE_COUNT, list, sizeof list);
    return fail_at(C, n, "%s: unknown role '%s': expected one of %s", what,
                   n->type == YAML_SCALAR_NODE ? show_text(scalar(n)).s : kind_name(n), list);
}

static bool get_roles(struct ctx *C, yaml_node_t *n, const char *what, size_t max,
                      enum role *out, size_t *count)
{
    yaml_node_t *items[PB_MAX_FILTER];
    if (max > PB_MAX_FILTER)
        max = PB_MAX_FILTER;
    if (!read_list(C, n, what, 0, max, items, count))
        return false;
    for (size_t i = 0; i < *count; i++)
        if (!get_role(C, items[i], what, &out[i]))
            return false;
    return true;
}

/* ---- the file, as read ------------------------------------------------------------------ */

enum { WIN_TOLERANCE, WIN_PREAMBLE, WIN_NOTIFY_AFTER, WIN_GAP, WIN_MAX_SKEW, WIN_SKEW_MIN,
       WIN_COUNT };
static const char *const win_keys[WIN_COUNT] = {
    "tolerance", "preamble", "notify_after", "gap", "max_skew", "skew_min",
};
static const double win_defaults[WIN_COUNT] = { 1.0, 120, 60, 60, 86400, 0.5 };

static double *win_slot(struct pb_windows *w, size_t i)
{
    double *slots[WIN_COUNT] = { &w->tolerance, &w->preamble, &w->notify_after,
                                 &w->gap,       &w->max_skew, &w->skew_min };
    return slots[i];
}

enum { STK_NUMBER, STK_LABEL, STK_TITLE, STK_SUMMARY, STK_CHECK, STK_EVIDENCE, STK_ROLES,
       STK_COUNT };
static const char *const step_keys[STK_COUNT] = {
    "number", "label", "title", "summary", "check", "evidence", "roles",
};

/* The ids seen so far, for the uniqueness check: a scan of every earlier id for each new one
 * made a file of many signatures quadratic (65,000 took 14 s). Open addressing; a slot holds
 * an id's position + 1 in the base playbook's list followed by this file's (0: empty). */
struct idset {
    uint32_t *slot;
    size_t mask;
};

/* What one file says: a whole playbook, or what an extra file adds to one. */
struct part {
    struct playbook pb;
    bool full;
    unsigned win_given;                       /* bit per WIN_* */
    unsigned sync_given;                      /* bit per PB_SYNC_* */
    unsigned step_given[PLAYBOOK_STEPS];      /* bit per STK_*; STK_NUMBER: the step is there */
    yaml_node_t *step_node[PLAYBOOK_STEPS];
    const struct playbook *base;              /* extra file: the playbook it adds to */
    struct idset sig_ids, expect_ids;
};

static size_t id_hash(const char *id)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (; *id; id++)
        h = (h ^ (unsigned char)*id) * 1099511628211u;
    return (size_t)(h ^ (h >> 32));
}

/* Room for n ids (at most half full). False when out of memory. */
static bool idset_init(struct idset *t, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    free(t->slot);
    t->slot = calloc(cap, sizeof *t->slot);
    t->mask = cap - 1;
    return t->slot != NULL;
}

/* The position (0-based, as given to idset_add) of an id equal to id, or -1. name(ctx, pos)
 * gives the id at a position. */
static long idset_find(const struct idset *t, const char *id,
                       const char *(*name)(const void *, size_t), const void *ctx)
{
    for (size_t i = id_hash(id) & t->mask; t->slot[i]; i = (i + 1) & t->mask)
        if (strcmp(name(ctx, t->slot[i] - 1), id) == 0)
            return (long)(t->slot[i] - 1);
    return -1;
}

static void idset_add(struct idset *t, const char *id, size_t pos)
{
    size_t i = id_hash(id) & t->mask;
    while (t->slot[i])
        i = (i + 1) & t->mask;
    t->slot[i] = (uint32_t)pos + 1;
}

static bool read_windows(struct ctx *C, yaml_node_t *n, struct part *P)
{
    struct kv k[WIN_COUNT];
    if (!read_map(C, n, "'windows'", win_keys, WIN_COUNT, k))
        return false;
    for (size_t i = 0; i < WIN_COUNT; i++) {
        if (!k[i].val)
            continue;
        char what[WHAT_LEN];
        snprintf(what, sizeof what, "windows: %s", win_keys[i]);
        if (!get_seconds(C, k[i].val, what, win_slot(&P->pb.win, i)))
            return false;
        P->win_given |= 1u << i;
    }
    return true;
}

enum { SYK_FIRST, SYK_FIRST_FOR, SYK_THEN, SYK_THEN_FOR, SYK_STEADY, SYK_COUNT };
static const char *const sync_keys[SYK_COUNT] = {
    "first", "first_for", "then", "then_for", "steady",
};
static const char *const sync_platforms[PB_SYNC_PLATFORMS] = { "windows", "ios", "android" };

/* sync_schedule: { windows: { first: 300, first_for: 900, then: 900, then_for: 7200,
 * steady: 28800 }, ios: ..., android: ... }: every key of a platform given. */
static bool read_sync(struct ctx *C, yaml_node_t *n, struct part *P)
{
    struct kv pk[PB_SYNC_PLATFORMS];
    if (!read_map(C, n, "'sync_schedule'", sync_platforms, PB_SYNC_PLATFORMS, pk))
        return false;
    for (size_t i = 0; i < PB_SYNC_PLATFORMS; i++) {
        if (!pk[i].val)
            continue;
        char what[WHAT_LEN];
        snprintf(what, sizeof what, "'sync_schedule: %s'", sync_platforms[i]);
        struct kv k[SYK_COUNT];
        if (!read_map(C, pk[i].val, what, sync_keys, SYK_COUNT, k))
            return false;
        struct pb_sync *sy = &P->pb.sync[i];
        double *slots[SYK_COUNT] = { &sy->first, &sy->first_for, &sy->then, &sy->then_for,
                                     &sy->steady };
        for (size_t j = 0; j < SYK_COUNT; j++) {
            snprintf(what, sizeof what, "sync_schedule: %s: %s", sync_platforms[i],
                     sync_keys[j]);
            if (!k[j].val)
                return fail_at(C, pk[i].val, "%s is missing: a platform's schedule gives %s, "
                               "%s, %s, %s and %s", what, sync_keys[0], sync_keys[1],
                               sync_keys[2], sync_keys[3], sync_keys[4]);
            if (!get_seconds(C, k[j].val, what, slots[j]))
                return false;
        }
        if (sy->steady <= 0)
            return fail_at(C, k[SYK_STEADY].val, "sync_schedule: %s: steady must be above 0",
                           sync_platforms[i]);
        sy->given = true;
        P->sync_given |= 1u << i;
    }
    return true;
}

static bool read_step(struct ctx *C, yaml_node_t *map, struct part *P)
{
    struct kv k[STK_COUNT];
    if (!read_map(C, map, "a step", step_keys, STK_COUNT, k))
        return false;
    if (!k[STK_NUMBER].val)
        return fail_at(C, map, "a step needs a 'number' (1 to %d)", PLAYBOOK_STEPS);
    int num;
    if (!get_step_number(C, k[STK_NUMBER].val, "step number", &num))
        return false;
    if (P->step_given[num - 1])
        return fail_at(C, k[STK_NUMBER].val, "step %d is defined twice in this file (first at "
                       "line %zu)", num, (size_t)P->step_node[num - 1]->start_mark.line + 1);
    struct pb_step *st = &P->pb.steps[num - 1];
    st->number = num;
    P->step_node[num - 1] = map;
    P->step_given[num - 1] = 1u << STK_NUMBER;
    char **text[STK_COUNT] = { NULL,        &st->label,    &st->title, &st->summary,
                               &st->check,  &st->evidence, NULL };
    for (size_t i = STK_LABEL; i <= STK_EVIDENCE; i++) {
        if (!k[i].val)
            continue;
        char what[WHAT_LEN];
        snprintf(what, sizeof what, "step %d: %s", num, step_keys[i]);
        if (!get_text(C, k[i].val, what, text[i]))
            return false;
        P->step_given[num - 1] |= 1u << i;
    }
    if (k[STK_ROLES].val) {
        char what[WHAT_LEN];
        snprintf(what, sizeof what, "step %d: roles", num);
        if (!get_roles(C, k[STK_ROLES].val, what, sizeof st->roles / sizeof st->roles[0],
                       st->roles, &st->nroles))
            return false;
        P->step_given[num - 1] |= 1u << STK_ROLES;
    }
    return true;
}

/* ---- patterns --------------------------------------------------------------------------- */

static bool compile_cond(struct ctx *C, struct pb_cond *c, const yaml_node_t *at,
                         const char *label)
{
    const char *what = c->field ? c->field : "message";
    int code;
    PCRE2_SIZE off;
    /* PCRE2_UCP: without it, PCRE2 10.42's JIT (Debian 12) lets \S and \w match no
     * character beyond ASCII where the interpreter does, so a value such as a URL or a name
     * would end at its first accented letter or typographic quote */
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)c->pattern, PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_UCP, &code, &off,
                                   NULL);
    if (!re) {
        PCRE2_UCHAR msg[256];
        if (pcre2_get_error_message(code, msg, sizeof msg) < 0)
            snprintf((char *)msg, sizeof msg, "error %d", code);
        return fail_at(C, at, "%s: pattern for %s: %s at offset %zu", label, show_text(what).s,
                       (const char *)msg, (size_t)off);
    }
    /* Without JIT (unsupported CPU, no executable memory) the interpreter gives the same
     * answers, only slower. */
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    c->code = re;
    if (!(c->hit = calloc(1, sizeof *c->hit)))
        return oom(C, at);
    c->literal = pb_required_literal(c->pattern, &c->literal_caseless);
    return true;
}

/* label: "signature 'ID'" or "mark rule 'MARK'", for messages. */
static bool add_cond(struct ctx *C, struct pb_sig *g, const char *label, const char *field,
                     const yaml_node_t *pat)
{
    if (g->ncond == PB_MAX_CONDS)
        return fail_at(C, pat, "%s has more than %d conditions (message and fields)", label,
                       PB_MAX_CONDS);
    struct pb_cond *c = &g->cond[g->ncond];
    char what[WHAT_LEN];
    snprintf(what, sizeof what, "%s: pattern for %s", label, field ? show_text(field).s : "message");
    if (field && !(c->field = strdup(field)))
        return oom(C, pat);
    g->ncond++;
    return get_text(C, pat, what, &c->pattern) && compile_cond(C, c, pat, label);
}

static bool read_fields(struct ctx *C, yaml_node_t *map, struct pb_sig *g, const char *label)
{
    if (map->type != YAML_MAPPING_NODE)
        return fail_at(C, map, "%s: 'fields' must be a map of field name to pattern, not %s",
                       label, kind_name(map));
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = node_at(C, p->key), *v = node_at(C, p->value);
        if (!k || !v)
            return fail_at(C, map, "%s: a field without a pattern", label);
        if (k->type != YAML_SCALAR_NODE || !k->data.scalar.length ||
            strlen(scalar(k)) != k->data.scalar.length)
            return fail_at(C, k, "%s: a key in 'fields' must be a field name (like sc-status "
                           "or component)", label);
        if (!add_cond(C, g, label, scalar(k), v))
            return false;
    }
    return true;
}

/* ---- signatures ------------------------------------------------------------------------- */

enum { SK_ID, SK_STEP, SK_VERDICT, SK_MARK, SK_SOURCES, SK_MESSAGE, SK_FIELDS, SK_EXPLANATION,
       SK_FIX, SK_COUNT };
static const char *const sig_keys[SK_COUNT] = {
    "id", "step", "verdict", "mark", "sources", "message", "fields", "explanation", "fix",
};

enum { SRC_FORMAT, SRC_ROLE, SRC_COMPONENT, SRC_COUNT };
static const char *const src_keys[SRC_COUNT] = { "format", "role", "component" };

static bool get_format(struct ctx *C, const yaml_node_t *n, const char *what, char **out)
{
    if (parser_by_name(scalar(n)))
        return get_text(C, n, what, out);
    const char *names[16];
    size_t k = 0;
    for (; parser_table[k] && k < 16; k++)
        names[k] = parser_table[k]->name;
    char list[256];
    join(names, k, list, sizeof list);
    return fail_at(C, n, "%s: unknown format '%s': expected one of %s", what, show_text(scalar(n)).s,
                   list);
}

static bool read_sources(struct ctx *C, yaml_node_t *map, struct pb_sig *g, const char *label)
{
    struct kv k[SRC_COUNT];
    char what[WHAT_LEN];
    snprintf(what, sizeof what, "'sources' of %s", label);
    if (!read_map(C, map, what, src_keys, SRC_COUNT, k))
        return false;
    yaml_node_t *items[PB_MAX_FILTER];
    size_t n;
    if (k[SRC_FORMAT].val) {
        snprintf(what, sizeof what, "%s: sources: format", label);
        if (!read_list(C, k[SRC_FORMAT].val, what, 1, PB_MAX_FILTER, items, &n))
            return false;
        for (size_t i = 0; i < n; i++, g->nformats++)
            if (!get_format(C, items[i], what, &g->formats[i]))
                return false;
    }
    if (k[SRC_ROLE].val) {
        snprintf(what, sizeof what, "%s: sources: role", label);
        if (!get_roles(C, k[SRC_ROLE].val, what, PB_MAX_FILTER, g->roles, &g->nroles))
            return false;
        if (!g->nroles)
            return fail_at(C, k[SRC_ROLE].val, "%s is empty: expected at least 1 name", what);
    }
    if (k[SRC_COMPONENT].val) {
        snprintf(what, sizeof what, "%s: sources: component", label);
        if (!read_list(C, k[SRC_COMPONENT].val, what, 1, PB_MAX_FILTER, items, &n))
            return false;
        for (size_t i = 0; i < n; i++, g->ncomponents++)
            if (!get_text(C, items[i], what, &g->components[i]))
                return false;
    }
    return true;
}

/* Signature pos of the base playbook's list followed by this file's. */
static const struct pb_sig *sig_at(const struct part *P, size_t pos)
{
    size_t nbase = P->base ? P->base->nsigs : 0;
    return pos < nbase ? &P->base->sigs[pos] : &P->pb.sigs[pos - nbase];
}

static const char *sig_id_at(const void *P, size_t pos)
{
    return sig_at(P, pos)->id;
}

static bool read_sig_id(struct ctx *C, yaml_node_t *map, const struct kv *k, struct part *P,
                        struct pb_sig *g)
{
    if (!k[SK_ID].val)
        return fail_at(C, map, "a signature needs an 'id' (a name unique in the playbook)");
    if (!get_text(C, k[SK_ID].val, "signature id", &g->id))
        return false;
    long dup = idset_find(&P->sig_ids, g->id, sig_id_at, P);
    if (dup >= 0)
        return fail_at(C, k[SK_ID].val, "signature id '%s' is already used (by the signature at "
                       "%s:%d): ids must be unique", show_text(g->id).s,
                       show_text(sig_at(P, (size_t)dup)->file).s, sig_at(P, (size_t)dup)->line);
    idset_add(&P->sig_ids, g->id, (P->base ? P->base->nsigs : 0) + P->pb.nsigs - 1);
    if (!(g->file = strdup(C->name)))
        return oom(C, map);
    g->line = (int)map->start_mark.line + 1;
    return true;
}

/* explanation and fix: required when the verdict asks the user to act. */
static bool read_advice(struct ctx *C, yaml_node_t *at, const struct kv *expl,
                        const struct kv *fix, enum verdict v, const char *what, char **e,
                        char **f)
{
    bool needed = v == VERDICT_FAIL || v == VERDICT_WARN;
    if (needed && !expl->val)
        return fail_at(C, at, "%s has verdict %s but no 'explanation': say what it means",
                       what, verdict_name(v));
    if (needed && !fix->val)
        return fail_at(C, at, "%s has verdict %s but no 'fix': say what to do", what,
                       verdict_name(v));
    char w[WHAT_LEN];
    snprintf(w, sizeof w, "%s: explanation", what);
    if (expl->val && !get_text(C, expl->val, w, e))
        return false;
    snprintf(w, sizeof w, "%s: fix", what);
    return !fix->val || get_text(C, fix->val, w, f);
}

static bool read_sig(struct ctx *C, yaml_node_t *map, struct part *P, struct pb_sig *g)
{
    struct kv k[SK_COUNT];
    if (!read_map(C, map, "a signature", sig_keys, SK_COUNT, k) ||
        !read_sig_id(C, map, k, P, g))
        return false;
    char what[96];
    snprintf(what, sizeof what, "signature '%s'", show_text(g->id).s);
    if (!k[SK_STEP].val)
        return fail_at(C, map, "%s needs a 'step' (1 to %d)", what, PLAYBOOK_STEPS);
    if (!k[SK_VERDICT].val)
        return fail_at(C, map, "%s needs a 'verdict' (pass, fail, warn or info)", what);
    const unsigned any = (1u << VERDICT_INFO) | (1u << VERDICT_PASS) | (1u << VERDICT_WARN) |
                         (1u << VERDICT_FAIL);
    char w[WHAT_LEN];
    snprintf(w, sizeof w, "%s: step", what);
    if (!get_step_number(C, k[SK_STEP].val, w, &g->step))
        return false;
    snprintf(w, sizeof w, "%s: verdict", what);
    if (!get_verdict(C, k[SK_VERDICT].val, w, any, &g->verdict))
        return false;
    if (k[SK_MARK].val && !get_mark(C, k[SK_MARK].val, what, true, &g->mark))
        return false;
    if (k[SK_SOURCES].val && !read_sources(C, k[SK_SOURCES].val, g, what))
        return false;
    if (k[SK_MESSAGE].val && !add_cond(C, g, what, NULL, k[SK_MESSAGE].val))
        return false;
    if (k[SK_FIELDS].val && !read_fields(C, k[SK_FIELDS].val, g, what))
        return false;
    if (!g->ncond)
        return fail_at(C, map, "%s has no condition: give a 'message' pattern or 'fields'",
                       what);
    return read_advice(C, map, &k[SK_EXPLANATION], &k[SK_FIX], g->verdict, what,
                       &g->explanation, &g->fix);
}

static bool read_sigs(struct ctx *C, yaml_node_t *list, struct part *P)
{
    size_t n;
    if (!read_map_list(C, list, "signatures", &n))
        return false;
    size_t have = P->base ? P->base->nsigs : 0;
    if (n > PB_MAX_SIGS - have)
        return fail_at(C, list, "too many signatures: at most %u in all", PB_MAX_SIGS);
    if (!n)
        return true;
    if (!(P->pb.sigs = calloc(n, sizeof *P->pb.sigs)) || !idset_init(&P->sig_ids, have + n))
        return oom(C, list);
    for (size_t i = 0; i < have; i++)
        idset_add(&P->sig_ids, P->base->sigs[i].id, i);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *map = node_at(C, list->data.sequence.items.start[i]);
        if (!map)
            return fail_at(C, list, "a broken list item");
        P->pb.nsigs++; /* counted first: a half-read signature is freed with the rest */
        if (!read_sig(C, map, P, &P->pb.sigs[i]))
            return false;
    }
    return true;
}

/* ---- expectations ----------------------------------------------------------------------- */

enum { XK_ID, XK_STEP, XK_WHEN, XK_WHEN_VERDICT, XK_MISSING, XK_IF_LOADED, XK_VERDICT,
       XK_EXPLANATION, XK_FIX, XK_COUNT };
static const char *const expect_keys[XK_COUNT] = {
    "id", "step", "when", "when_verdict", "missing", "if_loaded", "verdict", "explanation",
    "fix",
};

/* Expectation pos of the base playbook's list followed by this file's. */
static const char *expect_id_at(const void *ctx, size_t pos)
{
    const struct part *P = ctx;
    size_t nbase = P->base ? P->base->nexpects : 0;
    return pos < nbase ? P->base->expects[pos].id : P->pb.expects[pos - nbase].id;
}

static bool read_expect_id(struct ctx *C, yaml_node_t *map, const struct kv *k, struct part *P,
                           struct pb_expect *x)
{
    if (!k[XK_ID].val)
        return fail_at(C, map, "an expectation needs an 'id' (a name unique in the playbook)");
    if (!get_text(C, k[XK_ID].val, "expectation id", &x->id))
        return false;
    if (idset_find(&P->expect_ids, x->id, expect_id_at, P) >= 0)
        return fail_at(C, k[XK_ID].val, "expectation id '%s' is already used: ids must be "
                       "unique", show_text(x->id).s);
    idset_add(&P->expect_ids, x->id, (P->base ? P->base->nexpects : 0) + P->pb.nexpects - 1);
    return true;
}

static bool read_missing(struct ctx *C, yaml_node_t *n, const char *what, struct pb_expect *x)
{
    yaml_node_t *items[8];
    char w[WHAT_LEN];
    snprintf(w, sizeof w, "%s: missing", what);
    if (!read_list(C, n, w, 1, 8, items, &x->nmissing))
        return false;
    for (size_t i = 0; i < x->nmissing; i++)
        if (!get_mark(C, items[i], w, false, &x->missing[i]))
            return false;
    return true;
}

static bool read_expect(struct ctx *C, yaml_node_t *map, struct part *P, struct pb_expect *x)
{
    struct kv k[XK_COUNT];
    if (!read_map(C, map, "an expectation", expect_keys, XK_COUNT, k) ||
        !read_expect_id(C, map, k, P, x))
        return false;
    char what[96];
    snprintf(what, sizeof what, "expectation '%s'", show_text(x->id).s);
    static const char *const required[] = { "step", "when", "missing", "verdict" };
    const size_t req_keys[] = { XK_STEP, XK_WHEN, XK_MISSING, XK_VERDICT };
    for (size_t i = 0; i < 4; i++)
        if (!k[req_keys[i]].val)
            return fail_at(C, map, "%s needs '%s'", what, required[i]);
    const unsigned any = (1u << VERDICT_INFO) | (1u << VERDICT_PASS) | (1u << VERDICT_WARN) |
                         (1u << VERDICT_FAIL);
    const unsigned bad = (1u << VERDICT_WARN) | (1u << VERDICT_FAIL);
    char w[WHAT_LEN];
    snprintf(w, sizeof w, "%s: step", what);
    if (!get_step_number(C, k[XK_STEP].val, w, &x->step))
        return false;
    snprintf(w, sizeof w, "%s: when", what);
    if (!get_mark(C, k[XK_WHEN].val, w, false, &x->when))
        return false;
    snprintf(w, sizeof w, "%s: verdict", what);
    if (!get_verdict(C, k[XK_VERDICT].val, w, bad, &x->verdict) ||
        !read_missing(C, k[XK_MISSING].val, what, x))
        return false;
    snprintf(w, sizeof w, "%s: when_verdict", what);
    if (k[XK_WHEN_VERDICT].val && !get_verdict(C, k[XK_WHEN_VERDICT].val, w, any,
                                               &x->when_verdict))
        return false;
    snprintf(w, sizeof w, "%s: if_loaded", what);
    if (k[XK_IF_LOADED].val && !get_role(C, k[XK_IF_LOADED].val, w, &x->if_loaded))
        return false;
    return read_advice(C, map, &k[XK_EXPLANATION], &k[XK_FIX], x->verdict, what,
                       &x->explanation, &x->fix);
}

static bool read_expects(struct ctx *C, yaml_node_t *list, struct part *P)
{
    size_t n;
    if (!read_map_list(C, list, "expectations", &n))
        return false;
    if (!n)
        return true;
    size_t have = P->base ? P->base->nexpects : 0;
    if (!(P->pb.expects = calloc(n, sizeof *P->pb.expects)) ||
        !idset_init(&P->expect_ids, have + n))
        return oom(C, list);
    for (size_t i = 0; i < have; i++)
        idset_add(&P->expect_ids, P->base->expects[i].id, i);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *map = node_at(C, list->data.sequence.items.start[i]);
        if (!map)
            return fail_at(C, list, "a broken list item");
        P->pb.nexpects++;
        if (!read_expect(C, map, P, &P->pb.expects[i]))
            return false;
    }
    return true;
}

/* ---- mark rules ------------------------------------------------------------------------- */

enum { MK_MARK, MK_SOURCES, MK_MESSAGE, MK_FIELDS, MK_COUNT };
static const char *const mark_keys[MK_COUNT] = { "mark", "sources", "message", "fields" };

/* A mark rule tells the correlation what a line is, whatever verdict it gets. Rules have no
 * names of their own (several may give one mark): the mark's name stands as the id. */
static bool read_mark_rule(struct ctx *C, yaml_node_t *map, struct pb_sig *g)
{
    struct kv k[MK_COUNT];
    if (!read_map(C, map, "a mark rule", mark_keys, MK_COUNT, k))
        return false;
    if (!k[MK_MARK].val)
        return fail_at(C, map, "a mark rule needs a 'mark' (the mark it gives)");
    if (!get_mark(C, k[MK_MARK].val, "mark rule", false, &g->mark))
        return false;
    if (!(g->id = strdup(mark_name(g->mark))) || !(g->file = strdup(C->name)))
        return oom(C, map);
    g->line = (int)map->start_mark.line + 1;
    char what[96];
    snprintf(what, sizeof what, "mark rule '%s'", g->id);
    if (k[MK_SOURCES].val && !read_sources(C, k[MK_SOURCES].val, g, what))
        return false;
    if (k[MK_MESSAGE].val && !add_cond(C, g, what, NULL, k[MK_MESSAGE].val))
        return false;
    if (k[MK_FIELDS].val && !read_fields(C, k[MK_FIELDS].val, g, what))
        return false;
    if (!g->ncond)
        return fail_at(C, map, "%s has no condition: give a 'message' pattern or 'fields'",
                       what);
    return true;
}

static bool read_marks(struct ctx *C, yaml_node_t *list, struct part *P)
{
    size_t n;
    if (!read_map_list(C, list, "marks", &n))
        return false;
    size_t have = P->base ? P->base->nmarks : 0;
    if (n > PB_MAX_SIGS - have)
        return fail_at(C, list, "too many mark rules: at most %u in all", PB_MAX_SIGS);
    if (!n)
        return true;
    if (!(P->pb.marks = calloc(n, sizeof *P->pb.marks)))
        return oom(C, list);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *map = node_at(C, list->data.sequence.items.start[i]);
        if (!map)
            return fail_at(C, list, "a broken list item");
        P->pb.nmarks++;
        if (!read_mark_rule(C, map, &P->pb.marks[i]))
            return false;
    }
    return true;
}

/* ---- the whole file --------------------------------------------------------------------- */

enum { TK_PLAYBOOK, TK_TITLE, TK_WINDOWS, TK_STEPS, TK_SIGNATURES, TK_EXPECTATIONS, TK_MARKS,
       TK_SYNC, TK_COUNT };
static const char *const top_keys[TK_COUNT] = {
    "playbook", "title", "windows", "steps", "signatures", "expectations", "marks",
    "sync_schedule",
};

static bool read_steps(struct ctx *C, yaml_node_t *list, struct part *P)
{
    size_t n;
    if (!read_map_list(C, list, "steps", &n))
        return false;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *map = node_at(C, list->data.sequence.items.start[i]);
        if (!map)
            return fail_at(C, list, "a broken list item");
        if (!read_step(C, map, P))
            return false;
    }
    return true;
}

static bool read_head(struct ctx *C, yaml_node_t *root, const struct kv *k, struct part *P)
{
    if (!P->full) {
        if (!P->base->name)
            return fail_at(C, root, "this file has no 'playbook:' key, so it adds to a "
                           "playbook, but none is loaded: load a full playbook first, or give "
                           "'playbook: NAME' and all %d steps", PLAYBOOK_STEPS);
        if (k[TK_TITLE].key)
            return fail_at(C, k[TK_TITLE].key, "'title' belongs to a full playbook: this file "
                           "has no 'playbook:' key, so it only adds to the loaded one");
        return true;
    }
    if (!get_text(C, k[TK_PLAYBOOK].val, "'playbook' (its name)", &P->pb.name))
        return false;
    if (k[TK_TITLE].val)
        return get_text(C, k[TK_TITLE].val, "'title'", &P->pb.title);
    return (P->pb.title = strdup(P->pb.name)) != NULL || oom(C, root);
}

/* A full playbook defines every step completely; windows it leaves out get defaults. */
static bool check_full(struct ctx *C, yaml_node_t *root, yaml_node_t *steps, struct part *P)
{
    for (int i = 0; i < PLAYBOOK_STEPS; i++) {
        if (!P->step_given[i])
            return fail_at(C, steps ? steps : root, "playbook '%s' does not define step %d: a "
                           "full playbook defines every step, 1 to %d", show_text(P->pb.name).s,
                           i + 1, PLAYBOOK_STEPS);
        for (size_t j = STK_LABEL; j <= STK_EVIDENCE; j++)
            if (!(P->step_given[i] & (1u << j)))
                return fail_at(C, P->step_node[i], "step %d has no '%s': in a full playbook "
                               "every step has a title, summary, check and evidence", i + 1,
                               step_keys[j]);
    }
    for (size_t i = 0; i < WIN_COUNT; i++)
        if (!(P->win_given & (1u << i)))
            *win_slot(&P->pb.win, i) = win_defaults[i];
    return true;
}

static bool read_part(struct ctx *C, yaml_node_t *root, struct part *P)
{
    struct kv k[TK_COUNT];
    if (!read_map(C, root, "the playbook file", top_keys, TK_COUNT, k))
        return false;
    P->full = k[TK_PLAYBOOK].key != NULL;
    if (P->full)
        P->base = NULL;
    if (!read_head(C, root, k, P))
        return false;
    if (k[TK_WINDOWS].val && !read_windows(C, k[TK_WINDOWS].val, P))
        return false;
    if (k[TK_STEPS].val && !read_steps(C, k[TK_STEPS].val, P))
        return false;
    if (k[TK_SIGNATURES].val && !read_sigs(C, k[TK_SIGNATURES].val, P))
        return false;
    if (k[TK_EXPECTATIONS].val && !read_expects(C, k[TK_EXPECTATIONS].val, P))
        return false;
    if (k[TK_MARKS].val && !read_marks(C, k[TK_MARKS].val, P))
        return false;
    if (k[TK_SYNC].val && !read_sync(C, k[TK_SYNC].val, P))
        return false;
    return !P->full || check_full(C, root, k[TK_STEPS].val, P);
}

/* ---- moving what was read into the playbook --------------------------------------------- */

static uint32_t max_captures(const struct pb_sig *v, size_t n, uint32_t m)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < v[i].ncond; j++) {
            uint32_t c = 0;
            if (pcre2_pattern_info(v[i].cond[j].code, PCRE2_INFO_CAPTURECOUNT, &c) == 0 && c > m)
                m = c;
        }
    }
    return m;
}

static bool commit_full(struct ctx *C, yaml_node_t *root, struct playbook *into, struct part *P)
{
    uint32_t caps = max_captures(P->pb.sigs, P->pb.nsigs, 0);
    caps = max_captures(P->pb.marks, P->pb.nmarks, caps);
    if (!(P->pb.match_data = pcre2_match_data_create(caps + 1, NULL)) ||
        !pb_match_ctx_init(&P->pb.match_ctx))
        return oom(C, root);
    playbook_free(into);
    *into = P->pb;
    memset(&P->pb, 0, sizeof P->pb);
    return true;
}

static void move_text(char **to, char **from)
{
    free(*to);
    *to = *from;
    *from = NULL;
}

/* Only the keys the extra file gave replace the loaded step's values. */
static void override_step(struct pb_step *to, struct pb_step *from, unsigned given)
{
    if (given & (1u << STK_LABEL))
        move_text(&to->label, &from->label);
    if (given & (1u << STK_TITLE))
        move_text(&to->title, &from->title);
    if (given & (1u << STK_SUMMARY))
        move_text(&to->summary, &from->summary);
    if (given & (1u << STK_CHECK))
        move_text(&to->check, &from->check);
    if (given & (1u << STK_EVIDENCE))
        move_text(&to->evidence, &from->evidence);
    if (given & (1u << STK_ROLES)) {
        memcpy(to->roles, from->roles, sizeof to->roles);
        to->nroles = from->nroles;
    }
}

/* first then second, in one new array; NULL (and *ok unchanged) when both are empty. */
static void *concat(const void *first, size_t n1, const void *second, size_t n2, size_t size,
                    bool *ok)
{
    if (!n1 && !n2)
        return NULL;
    char *v = malloc((n1 + n2) * size);
    if (!v) {
        *ok = false;
        return NULL;
    }
    if (n1)
        memcpy(v, first, n1 * size);
    if (n2)
        memcpy(v + n1 * size, second, n2 * size);
    return v;
}

/* Everything that can fail is allocated before into is touched, so a failure leaves it as it
 * was. The file's signatures and mark rules go first: the first match wins, and the user's
 * should. Its expectations come after the loaded ones. */
static bool commit_extra(struct ctx *C, yaml_node_t *root, struct playbook *into,
                         struct part *P)
{
    struct playbook *x = &P->pb;
    bool ok = true;
    struct pb_sig *sigs = concat(x->sigs, x->nsigs, into->sigs, into->nsigs, sizeof *sigs, &ok);
    struct pb_sig *marks = concat(x->marks, x->nmarks, into->marks, into->nmarks,
                                  sizeof *marks, &ok);
    struct pb_expect *xs = concat(into->expects, into->nexpects, x->expects, x->nexpects,
                                  sizeof *xs, &ok);
    uint32_t caps = max_captures(into->sigs, into->nsigs, 0);
    caps = max_captures(into->marks, into->nmarks, caps);
    caps = max_captures(x->sigs, x->nsigs, caps);
    caps = max_captures(x->marks, x->nmarks, caps);
    pcre2_match_data *md = pcre2_match_data_create(caps + 1, NULL);
    if (!into->match_ctx.mctx && !pb_match_ctx_init(&into->match_ctx))
        ok = false;
    if (!ok || !md) {
        free(sigs);
        free(marks);
        free(xs);
        pcre2_match_data_free(md);
        return oom(C, root);
    }
    free(into->sigs);
    free(into->marks);
    free(into->expects);
    pcre2_match_data_free(into->match_data);
    into->sigs = sigs;
    into->nsigs += x->nsigs;
    into->marks = marks;
    into->nmarks += x->nmarks;
    into->expects = xs;
    into->nexpects += x->nexpects;
    into->match_data = md;
    x->nsigs = x->nmarks = x->nexpects = 0; /* moved: the part keeps only what was not */
    for (size_t i = 0; i < WIN_COUNT; i++)
        if (P->win_given & (1u << i))
            *win_slot(&into->win, i) = *win_slot(&x->win, i);
    for (size_t i = 0; i < PB_SYNC_PLATFORMS; i++)
        if (P->sync_given & (1u << i))
            into->sync[i] = x->sync[i];
    for (size_t i = 0; i < PLAYBOOK_STEPS; i++)
        override_step(&into->steps[i], &x->steps[i], P->step_given[i]);
    return true;
}

/* ---- loading ---------------------------------------------------------------------------- */

/* libyaml gives reader errors (bad UTF-8) as a byte offset only. */
static void offset_position(const char *yaml, size_t len, size_t off, size_t *line, size_t *col)
{
    size_t l = 1, start = 0;
    for (size_t i = 0; i < off && i < len; i++) {
        if (yaml[i] == '\n') {
            l++;
            start = i + 1;
        }
    }
    *line = l;
    *col = off - start + 1;
}

static bool syntax_error(const yaml_parser_t *yp, const char *name, const char *yaml, size_t len,
                         char *err, size_t errlen)
{
    size_t line = yp->problem_mark.line + 1, col = yp->problem_mark.column + 1;
    if (yp->error == YAML_READER_ERROR)
        offset_position(yaml, len, yp->problem_offset, &line, &col);
    const char *problem = yp->problem ? yp->problem
                          : yp->error == YAML_MEMORY_ERROR ? "out of memory"
                                                           : "not readable as YAML";
    if (!err || !errlen)
        return false;
    if (yp->error == YAML_READER_ERROR)
        snprintf(err, errlen, "%s:%zu:%zu: %s (byte 0x%02X): a playbook must be UTF-8 text",
                 name, line, col, problem, (unsigned)yp->problem_value & 0xFFu);
    else if (yp->context)
        snprintf(err, errlen, "%s:%zu:%zu: %s (%s)", name, line, col, problem, yp->context);
    else
        snprintf(err, errlen, "%s:%zu:%zu: %s", name, line, col, problem);
    return false;
}

/* A playbook file holds exactly one YAML document. */
static bool one_document(yaml_parser_t *yp, struct ctx *C, const char *yaml, size_t len)
{
    yaml_document_t next;
    if (!yaml_parser_load(yp, &next))
        return syntax_error(yp, C->name, yaml, len, C->err, C->errlen);
    yaml_node_t *root = yaml_document_get_root_node(&next);
    bool ok = !root || fail_at(C, root, "a second YAML document ('---'): a playbook file holds "
                               "one");
    yaml_document_delete(&next);
    return ok;
}

static int fieldname_slot(const char **names, size_t *n, const char *field)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(names[i], field) == 0)
            return (int)i;
    if (*n == PB_MAX_FIELDNAMES)
        return -1;
    names[*n] = field;
    return (int)(*n)++;
}

static bool index_rules(struct pb_sig *v, size_t nv, const char **names, size_t *n, bool write)
{
    for (size_t i = 0; i < nv; i++) {
        for (size_t j = 0; j < v[i].ncond; j++) {
            struct pb_cond *c = &v[i].cond[j];
            int k = c->field ? fieldname_slot(names, n, c->field) : -1;
            if (c->field && k < 0)
                return false;
            if (write)
                c->fidx = k;
        }
    }
    return true;
}

/* Gives each condition the index of its field among all the field names the playbook looks
 * at (so that a line's fields are read once for all conditions). With `with` given, checks
 * that the names of pb and of `with` together stay within PB_MAX_FIELDNAMES. */
static bool index_fieldnames(struct ctx *C, yaml_node_t *root, struct playbook *pb,
                             struct playbook *with)
{
    const char *names[PB_MAX_FIELDNAMES];
    size_t n = 0;
    bool write = with == NULL; /* a check leaves both playbooks as they are */
    bool ok = index_rules(pb->sigs, pb->nsigs, names, &n, write) &&
              index_rules(pb->marks, pb->nmarks, names, &n, write);
    if (ok && with)
        ok = index_rules(with->sigs, with->nsigs, names, &n, false) &&
             index_rules(with->marks, with->nmarks, names, &n, false);
    if (!ok)
        return fail_at(C, root, "the conditions look at more than %d different fields",
                       PB_MAX_FIELDNAMES);
    if (!with) {
        memcpy(pb->fieldnames, names, n * sizeof *names);
        pb->nfieldnames = n;
    }
    return true;
}

static bool same_cond(const struct pb_cond *a, const struct pb_cond *b)
{
    return a->fidx == b->fidx && strcmp(a->pattern, b->pattern) == 0;
}

/* Many signatures share a condition (the stem is mscep.dll...): each distinct one gets an id,
 * so that a line is tested once for it. Beyond PB_MAX_DISTINCT_CONDS ids, no memo (-1). */
static void index_conditions(struct playbook *pb)
{
    const struct pb_cond *seen[PB_MAX_DISTINCT_CONDS];
    size_t n = 0;
    struct pb_sig *lists[2] = { pb->sigs, pb->marks };
    size_t counts[2] = { pb->nsigs, pb->nmarks };
    for (size_t l = 0; l < 2; l++) {
        for (size_t i = 0; i < counts[l]; i++) {
            for (size_t j = 0; j < lists[l][i].ncond; j++) {
                struct pb_cond *c = &lists[l][i].cond[j];
                c->cid = -1;
                for (size_t k = 0; k < n && c->cid < 0; k++)
                    if (same_cond(seen[k], c))
                        c->cid = (int)k;
                if (c->cid < 0 && n < PB_MAX_DISTINCT_CONDS) {
                    seen[n] = c;
                    c->cid = (int)n++;
                }
            }
        }
    }
    pb->nconds = n;
}

static bool load_doc(struct playbook *into, struct ctx *C, yaml_node_t *root)
{
    struct part P;
    memset(&P, 0, sizeof P);
    P.base = into;
    bool ok = read_part(C, root, &P) && index_fieldnames(C, root, &P.pb, into) &&
              (P.full ? commit_full(C, root, into, &P) : commit_extra(C, root, into, &P));
    playbook_free(&P.pb);
    free(P.sig_ids.slot);
    free(P.expect_ids.slot);
    if (ok) {
        index_fieldnames(C, root, into, NULL);
        index_conditions(into);
    }
    return ok;
}

bool playbook_load_string(struct playbook *into, const char *name, const char *yaml, size_t len,
                          char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    yaml_parser_t yp;
    if (!yaml_parser_initialize(&yp)) {
        if (err && errlen)
            snprintf(err, errlen, "%s: out of memory", name);
        return false;
    }
    yaml_parser_set_input_string(&yp, (const unsigned char *)yaml, len);
    yaml_document_t doc;
    if (!yaml_parser_load(&yp, &doc)) {
        syntax_error(&yp, name, yaml, len, err, errlen);
        yaml_parser_delete(&yp);
        return false;
    }
    struct ctx C = { name, &doc, err, errlen };
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    bool ok;
    if (!root) {
        if (err && errlen)
            snprintf(err, errlen, "%s:1:1: the file is empty: expected a map with 'playbook', "
                     "'steps', 'signatures' or 'expectations'", name);
        ok = false;
    } else {
        ok = one_document(&yp, &C, yaml, len) && load_doc(into, &C, root);
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&yp);
    return ok;
}

/* Reads at most PB_MAX_FILE bytes: a larger file is refused, not cut. */
static char *read_bounded(FILE *f, size_t *len, bool *too_big)
{
    size_t cap = 64 * 1024, n = 0;
    char *buf = malloc(cap);
    *too_big = false;
    while (buf) {
        if (n == cap) {
            if (cap > PB_MAX_FILE) {
                *too_big = true;
                break;
            }
            cap *= 2;
            char *nb = realloc(buf, cap);
            if (!nb)
                break;
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                break;
            *len = n;
            if (n > PB_MAX_FILE) {
                *too_big = true;
                break;
            }
            return buf;
        }
    }
    free(buf);
    return NULL;
}

bool playbook_load(struct playbook *into, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (err && errlen)
            snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return false;
    }
    size_t len = 0;
    bool too_big;
    errno = 0;
    char *text = read_bounded(f, &len, &too_big);
    int e = errno;
    fclose(f);
    if (!text) {
        if (err && errlen) {
            if (too_big)
                snprintf(err, errlen, "%s: larger than %u MiB: a playbook is a small YAML file",
                         path, PB_MAX_FILE >> 20);
            else
                snprintf(err, errlen, "%s: cannot read: %s", path,
                         e ? strerror(e) : "out of memory");
        }
        return false;
    }
    bool ok = playbook_load_string(into, path, text, len, err, errlen);
    free(text);
    return ok;
}

/* ---- the literal prefilter -------------------------------------------------------------- */

/* The prefilter must never reject a subject the pattern would match, so this reader is
 * deliberately simple: anything it does not fully understand ends the current run of literal
 * characters or, where it could change what the rest means, gives no literal at all. */

static bool is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Bytes of the UTF-8 character at p (1 for anything malformed), never past a NUL. */
static size_t utf8_len(const char *p)
{
    unsigned char c = (unsigned char)p[0];
    size_t want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    size_t k = 1;
    while (k < want && ((unsigned char)p[k] & 0xC0) == 0x80)
        k++;
    return k;
}

static const char *skip_past(const char *p, char close)
{
    const char *q = strchr(p, close);
    return q ? q + 1 : p + strlen(p);
}

/* p at a backslash followed by a letter or digit: past the whole escape (\x41, \p{L}, \g{-1},
 * \k<name>, \cX, \Q...\E). Consuming too much only loses literals; too little would not. */
static const char *skip_alnum_escape(const char *p)
{
    char c = p[1];
    const char *q = p + 2;
    if (c == 'Q') {
        const char *e = strstr(q, "\\E");
        return e ? e + 2 : q + strlen(q);
    }
    if (c == 'c')
        return *q ? q + 1 : q;
    if (*q == '{' && strchr("xopPgkNu", c))
        return skip_past(q, '}');
    if ((c == 'g' || c == 'k') && (*q == '<' || *q == '\''))
        return skip_past(q + 1, *q == '<' ? '>' : '\'');
    if (c == 'x') {
        for (int i = 0; i < 2 && is_hex((unsigned char)*q); i++)
            q++;
        return q;
    }
    if ((c == 'p' || c == 'P') && *q)
        return q + utf8_len(q);
    if (c == 'g' && (*q == '-' || *q == '+'))
        q++;
    if (is_digit(c) || c == 'g')
        while (is_digit(*q))
            q++;
    return q;
}

/* p at '[': past the class's closing ']' (a ']' first in the class is a member). */
static const char *skip_class(const char *p)
{
    const char *q = p + 1;
    if (*q == '^')
        q++;
    if (*q == ']')
        q++;
    while (*q && *q != ']') {
        if (*q == '\\' && q[1])
            q = is_alnum((unsigned char)q[1]) ? skip_alnum_escape(q) : q + 1 + utf8_len(q + 1);
        else if (*q == '[' && q[1] == ':' && strstr(q + 2, ":]"))
            q = strstr(q + 2, ":]") + 2;
        else
            q++;
    }
    return *q ? q + 1 : q;
}

/* p at '{': past it when it is a counted quantifier ({2}, {2,}, {2,5}, {,5}), else NULL.
 * Spaces are allowed as newer PCRE2 versions allow them. */
static const char *quantifier_end(const char *p)
{
    const char *q = p + 1;
    size_t digits = 0;
    while (*q == ' ' || *q == '\t' || *q == ',' || is_digit(*q))
        digits += is_digit(*q++);
    return (*q == '}' && digits) ? q + 1 : NULL;
}

/* "(?i)", "(?-x)", "(?^)": an option setting, which changes how the rest reads. */
static bool is_option_setting(const char *p)
{
    if (p[0] != '(' || p[1] != '?')
        return false;
    const char *q = p + 2;
    while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || *q == '-' || *q == '^')
        q++;
    return *q == ')';
}

struct lit {
    char *run, *best;
    size_t nrun, nbest;
    bool caseless;
};

static void lit_break(struct lit *L)
{
    if (L->nrun > L->nbest) {
        memcpy(L->best, L->run, L->nrun);
        L->nbest = L->nrun;
    }
    L->nrun = 0;
}

/* One literal character (bytes c, n of them) at depth 0, next: what follows it. Caseless, only
 * ASCII letters whose other case is ASCII alone are kept: in UTF mode 'k' also matches the
 * Kelvin sign and 's' the long s, which an ASCII comparison would miss. */
static void lit_char(struct lit *L, const char *c, size_t n, const char *next)
{
    bool optional = *next == '?' || *next == '*' || *next == '{';
    bool unsure = L->caseless && (n > 1 || strchr("kKsS", *c));
    if (optional || unsure) {
        lit_break(L);
        return;
    }
    memcpy(L->run + L->nrun, c, n);
    L->nrun += n;
    if (*next == '+')
        lit_break(L);
}

/* Inside a group: only where it ends matters. Returns the new position, or NULL when the
 * pattern is beyond this reader (a verb like (*ACCEPT) can end the match anywhere). */
static const char *skip_nested(const char *p, int *depth)
{
    switch (*p) {
    case '\\':
        if (!p[1])
            return p + 1;
        return is_alnum((unsigned char)p[1]) ? skip_alnum_escape(p) : p + 1 + utf8_len(p + 1);
    case '[':
        return skip_class(p);
    case '(':
        if (p[1] == '*')
            return NULL;
        if (p[1] == '?' && p[2] == '#')
            return skip_past(p, ')');
        ++*depth;
        return p + 1;
    case ')':
        --*depth;
        return p + 1;
    default:
        return p + 1;
    }
}

/* One item at depth 0. Returns the new position, or NULL when no literal can be told. */
static const char *scan_top(struct lit *L, const char *p, int *depth)
{
    const char *q;
    switch (*p) {
    case '|': /* an alternative at the top: nothing is required of every match */
    case ')': /* unbalanced: not a pattern PCRE2 would compile */
        return NULL;
    case '(':
        lit_break(L);
        if (p[1] == '*' || is_option_setting(p))
            return NULL;
        return skip_nested(p, depth);
    case '[':
        lit_break(L);
        return skip_class(p);
    case '{':
        lit_break(L);
        q = quantifier_end(p);
        return q ? q : p + 1;
    case '.': case '^': case '$': case '?': case '*': case '+':
        lit_break(L);
        return p + 1;
    case '\\':
        if (!p[1] || is_alnum((unsigned char)p[1]) || (unsigned char)p[1] >= 0x80) {
            lit_break(L);
            return skip_nested(p, depth);
        }
        lit_char(L, p + 1, 1, p + 2);
        return p + 2;
    default:
        q = p + utf8_len(p);
        lit_char(L, p, (size_t)(q - p), q);
        return q;
    }
}

char *pb_required_literal(const char *pattern, bool *caseless)
{
    *caseless = false;
    struct lit L = { 0 };
    const char *p = pattern;
    if (strncmp(p, "(?i)", 4) == 0) {
        L.caseless = true;
        p += 4;
    }
    size_t n = strlen(p);
    L.run = malloc(n + 1);
    L.best = malloc(n + 1);
    int depth = 0;
    while (p && *p && L.run && L.best)
        p = depth > 0 ? skip_nested(p, &depth) : scan_top(&L, p, &depth);
    if (p)
        lit_break(&L);
    free(L.run);
    if (!p || !L.best || L.nbest < 3) {
        free(L.best);
        return NULL;
    }
    L.best[L.nbest] = 0;
    *caseless = L.caseless;
    return L.best;
}

/* ---- matching --------------------------------------------------------------------------- */

static bool sig_applies(const struct pb_sig *g, const struct source *s)
{
    bool ok = g->nformats == 0;
    for (size_t i = 0; i < g->nformats && !ok; i++)
        ok = strcmp(g->formats[i], s->parser->name) == 0;
    if (!ok)
        return false;
    ok = g->nroles == 0;
    for (size_t i = 0; i < g->nroles && !ok; i++)
        ok = g->roles[i] == s->role;
    return ok;
}

/* The rules of v (signatures or mark rules) that may apply to source s, in order. */
static bool candidates_in(const struct pb_sig *v, size_t n, const struct source *s,
                          struct pb_candidates *out)
{
    memset(out, 0, sizeof *out);
    if (!s->parser || !n)
        return true;
    if (!(out->sig = malloc(n * sizeof *out->sig)))
        return false;
    out->fields_only = true;
    for (size_t i = 0; i < n; i++) {
        if (!sig_applies(&v[i], s))
            continue;
        out->sig[out->n++] = (uint16_t)i;
        if (v[i].ncomponents)
            out->needs_component = true;
        for (size_t j = 0; j < v[i].ncond; j++) {
            if (v[i].cond[j].fidx < 0) {
                out->fields_only = false;
                out->reads_message = true;
            } else {
                out->fields_read |= 1u << v[i].cond[j].fidx;
            }
        }
    }
    out->fields_only = out->fields_only && !out->needs_component;
    return true;
}

bool playbook_candidates(const struct playbook *pb, const struct source *s,
                         struct pb_candidates *out)
{
    return candidates_in(pb->sigs, pb->nsigs, s, out);
}

bool playbook_mark_candidates(const struct playbook *pb, const struct source *s,
                              struct pb_candidates *out)
{
    return candidates_in(pb->marks, pb->nmarks, s, out);
}

void pb_candidates_free(struct pb_candidates *c)
{
    free(c->sig);
    memset(c, 0, sizeof *c);
}

/* What the conditions of one event look at, read from the line once and kept. */
struct subjects {
    const struct source *s;
    const struct event *ev;
    /* per distinct condition: 0 not tried, 1 matched, 2 did not (only when no capture is
     * needed afterwards: the classification) */
    uint8_t *memo;
    pcre2_match_data *md;     /* the caller's (one per thread), or the playbook's */
    pcre2_match_context *mctx; /* with md: the caller's, or the playbook's */
    struct field_cache *fc;   /* the caller's (one per thread), or none */
    bool have_msg, have_fields, have_comp, comp_found;
    uint32_t have_field; /* without the parser's fields(): bit i, field i was read */
    struct span msg, comp;
    struct span field[PB_MAX_FIELDNAMES];
    bool found[PB_MAX_FIELDNAMES];
};

static void subjects_init(struct subjects *S, const struct source *s, const struct event *ev)
{
    S->s = s;
    S->ev = ev;
    S->memo = NULL;
    S->md = NULL;
    S->mctx = NULL;
    S->fc = NULL;
    S->have_msg = S->have_fields = S->have_comp = false;
    S->have_field = 0;
}

static bool subject_field(const struct playbook *pb, struct subjects *S, int fidx,
                          struct span *out)
{
    const struct parser *p = S->s->parser;
    if (p->fields) {
        /* all at once: the parser reads the line once for them */
        if (!S->have_fields) {
            p->fields(S->s, S->ev, pb->fieldnames, pb->nfieldnames, S->field, S->found, S->fc);
            S->have_fields = true;
        }
    } else if (!(S->have_field >> fidx & 1)) {
        S->found[fidx] = p->field && p->field(S->s, S->ev, pb->fieldnames[fidx], &S->field[fidx]);
        S->have_field |= 1u << fidx;
    }
    *out = S->field[fidx];
    return S->found[fidx];
}

static bool subject_component(struct subjects *S, struct span *out)
{
    if (!S->have_comp) {
        S->comp_found = S->s->parser->field &&
                        S->s->parser->field(S->s, S->ev, "component", &S->comp);
        S->have_comp = true;
    }
    *out = S->comp;
    return S->comp_found;
}

static struct span subject_message(struct subjects *S)
{
    if (!S->have_msg) {
        S->msg = event_message(S->s, S->ev);
        S->have_msg = true;
    }
    return S->msg;
}

static bool component_ok(const struct pb_sig *g, struct subjects *S)
{
    if (!g->ncomponents)
        return true;
    struct span unused;
    if (!subject_component(S, &unused))
        return false;
    for (size_t i = 0; i < g->ncomponents; i++)
        if (span_eq_ci(S->comp, g->components[i]))
            return true;
    return false;
}

/* A pattern that gave up on this line: kept with the first such line, for the user. Rare, so
 * one lock for every pattern will do. */
static pthread_mutex_t limit_lock = PTHREAD_MUTEX_INITIALIZER;

static void note_limit(const struct pb_cond *c, const struct subjects *S, int rc)
{
    struct pb_limit_hit *h = c->hit;
    if (!h)
        return;
    pthread_mutex_lock(&limit_lock);
    /* the threads classify slices of one array of events: a lower address is earlier */
    if (!h->lines || (uintptr_t)S->ev < (uintptr_t)h->ev) {
        h->src = S->s;
        h->ev = S->ev;
        h->line = S->ev->line;
        h->rc = rc;
    }
    h->lines++;
    pthread_mutex_unlock(&limit_lock);
}

/* Runs one condition on the event; on a match its captures are in match_data. */
static bool cond_test(const struct playbook *pb, const struct pb_cond *c, struct subjects *S);

static bool cond_matches(const struct playbook *pb, const struct pb_cond *c, struct subjects *S)
{
    if (!S->memo || c->cid < 0)
        return cond_test(pb, c, S);
    if (!S->memo[c->cid])
        S->memo[c->cid] = cond_test(pb, c, S) ? 1 : 2;
    return S->memo[c->cid] == 1;
}

static bool cond_test(const struct playbook *pb, const struct pb_cond *c, struct subjects *S)
{
    struct span subj;
    if (c->fidx < 0)
        subj = subject_message(S);
    else if (!subject_field(pb, S, c->fidx, &subj)) {
        return false;
    }
    if (c->literal && !(c->literal_caseless ? span_find_ci(subj, c->literal)
                                            : span_find(subj, c->literal)))
        return false;
    /* Subjects are spans into the log: not NUL-terminated, and may hold NULs or bad UTF-8
     * (PCRE2_MATCH_INVALID_UTF at compile time makes that safe). */
    PCRE2_SPTR p = subj.p ? (PCRE2_SPTR)subj.p : (PCRE2_SPTR) "";
    int rc = S->md ? pcre2_match(c->code, p, subj.n, 0, 0, S->md, S->mctx)
                   : pcre2_match(c->code, p, subj.n, 0, 0, pb->match_data, pb->match_ctx.mctx);
    if (rc < 0 && pb_limit_words(rc))
        note_limit(c, S, rc);
    return rc >= 0;
}

static bool usable(const struct playbook *pb, const struct source *s, const struct event *ev)
{
    return s->parser && pb->match_data && !(ev->flags & EVF_RAW);
}

/* The first rule of v among cands that the event matches, or -1. */
static int first_match(const struct playbook *pb, const struct pb_sig *v, size_t n,
                       const struct pb_candidates *cands, struct subjects *S)
{
    if (!usable(pb, S->s, S->ev))
        return -1;
    for (size_t i = 0; i < cands->n; i++) {
        size_t k = cands->sig[i];
        if (k >= n || !component_ok(&v[k], S))
            continue;
        size_t j = 0;
        while (j < v[k].ncond && cond_matches(pb, &v[k].cond[j], S))
            j++;
        if (j == v[k].ncond)
            return (int)k;
    }
    return -1;
}

int playbook_classify(const struct playbook *pb, const struct pb_candidates *cands,
                      const struct source *s, const struct event *ev)
{
    struct subjects S;
    subjects_init(&S, s, ev);
    return first_match(pb, pb->sigs, pb->nsigs, cands, &S);
}

enum mark playbook_mark_of(const struct playbook *pb, const struct pb_candidates *cands,
                           const struct source *s, const struct event *ev)
{
    struct subjects S;
    subjects_init(&S, s, ev);
    int k = first_match(pb, pb->marks, pb->nmarks, cands, &S);
    return k < 0 ? MARK_NONE : pb->marks[k].mark;
}

/* The answers given to lines by what their rules read of them: the fields their conditions
 * name, the component when a rule asks for one, and the message when a condition reads it.
 * On a busy NDES server most lines are the same few GetCACert/GetCACaps requests, and most of
 * a ConfigMgr log's lines the same few messages: those are answered here without a rule
 * being tried. Keyed by the exact bytes (no hash collision can give a wrong answer); values
 * too long for a key are not kept. */
#define ANSWER_SLOTS 4096
#define ANSWER_KEY 240

struct answer {
    const struct pb_candidates *sigs, *marks; /* NULL: empty slot */
    uint16_t len;
    int16_t sig;
    uint8_t mark;
    char key[ANSWER_KEY];
};

/* What one thread of classification keeps for itself. */
struct pb_thread {
    pcre2_match_data *md;
    struct pb_match_ctx ctx;
    struct field_cache fc;
    struct answer *answers; /* ANSWER_SLOTS */
};

/* One value of a key: whether it was found, its length, its bytes (lengths, not separators,
 * keep two keys apart: a value may hold any byte). */
static bool key_put(char *buf, size_t *k, bool found, struct span v)
{
    size_t n = found ? v.n : 0;
    if (*k + n + 2 > ANSWER_KEY)
        return false;
    buf[(*k)++] = (char)((found ? 0x80 : 0) | (n >> 8));
    buf[(*k)++] = (char)(n & 0xFF);
    if (n) /* a value not found may have no pointer at all */
        memcpy(buf + *k, v.p, n);
    *k += n;
    return true;
}

/* The key of a line, of what the candidates read of it, into buf: its length, or 0 when it
 * does not fit. */
static size_t answer_key(const struct playbook *pb, const struct pb_candidates *sigs,
                         const struct pb_candidates *marks, struct subjects *S, char *buf)
{
    size_t k = 0;
    struct span v;
    uint32_t read = sigs->fields_read | marks->fields_read;
    if ((sigs->reads_message || marks->reads_message) &&
        !key_put(buf, &k, true, subject_message(S)))
        return 0;
    if (sigs->needs_component || marks->needs_component) {
        bool found = subject_component(S, &v);
        if (!key_put(buf, &k, found, v))
            return 0;
    }
    for (size_t i = 0; read && i < pb->nfieldnames; i++, read >>= 1) {
        if (!(read & 1))
            continue;
        bool found = subject_field(pb, S, (int)i, &v);
        if (!key_put(buf, &k, found, v))
            return 0;
    }
    return k;
}

/* The slot of a key: a hash of all of it, in two lanes of 8 bytes so that one lane's
 * multiply need not wait for the other's (every line the table answers is hashed). */
static size_t answer_slot(const char *key, size_t len, const void *sigs)
{
    uint64_t h = 1469598103934665603u ^ (uint64_t)(uintptr_t)sigs ^ len;
    uint64_t g = 0xC2B2AE3D27D4EB4Fu;
    size_t i = 0;
    for (; i + 16 <= len; i += 16) {
        uint64_t w, v;
        memcpy(&w, key + i, 8);
        memcpy(&v, key + i + 8, 8);
        h = (h ^ w) * 0x9E3779B97F4A7C15u;
        g = (g ^ v) * 0xFF51AFD7ED558CCDu;
        h ^= h >> 29;
        g ^= g >> 31;
    }
    uint64_t w = 0, v = 0;
    if (len - i > 8) {
        memcpy(&w, key + i, 8);
        memcpy(&v, key + i + 8, len - i - 8);
    } else if (len > i) {
        memcpy(&w, key + i, len - i);
    }
    h = (h ^ w) * 0x9E3779B97F4A7C15u;
    g = (g ^ v) * 0xFF51AFD7ED558CCDu;
    h ^= g ^ (g >> 29);
    return (size_t)(h ^ (h >> 32)) & (ANSWER_SLOTS - 1);
}

void *playbook_match_data_new(const struct playbook *pb)
{
    uint32_t caps = 0;
    if (pb->match_data)
        caps = pcre2_get_ovector_count(pb->match_data);
    struct pb_thread *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->md = pcre2_match_data_create(caps ? caps : 1, NULL);
    t->answers = calloc(ANSWER_SLOTS, sizeof *t->answers);
    if (!t->md || !t->answers || !pb_match_ctx_init(&t->ctx)) {
        pcre2_match_data_free(t->md);
        free(t->answers);
        pb_match_ctx_free(&t->ctx);
        free(t);
        return NULL;
    }
    return t;
}

void playbook_match_data_free(void *md)
{
    struct pb_thread *t = md;
    if (t) {
        pcre2_match_data_free(t->md);
        free(t->answers);
        pb_match_ctx_free(&t->ctx);
    }
    free(t);
}

void playbook_classify_event(const struct playbook *pb, const struct pb_candidates *sigs,
                             const struct pb_candidates *marks, const struct source *s,
                             const struct event *ev, void *md, int *sig, enum mark *mark)
{
    struct subjects S;
    uint8_t memo[PB_MAX_DISTINCT_CONDS];
    subjects_init(&S, s, ev);
    S.memo = memo;
    struct pb_thread *t = md;
    S.md = t ? t->md : NULL;
    S.mctx = t ? t->ctx.mctx : NULL;
    S.fc = t ? &t->fc : NULL;
    struct answer *slot = NULL;
    char key[ANSWER_KEY];
    size_t klen = 0;
    if (t && usable(pb, s, ev) && (klen = answer_key(pb, sigs, marks, &S, key)) > 0) {
        slot = &t->answers[answer_slot(key, klen, sigs)];
        if (slot->sigs == sigs && slot->marks == marks && slot->len == klen &&
            memcmp(slot->key, key, klen) == 0) {
            *sig = slot->sig;
            *mark = (enum mark)slot->mark;
            return;
        }
    }
    memset(memo, 0, pb->nconds); /* only the rules read it: not when the answer is known */
    *sig = sigs->n ? first_match(pb, pb->sigs, pb->nsigs, sigs, &S) : -1;
    int k = marks->n ? first_match(pb, pb->marks, pb->nmarks, marks, &S) : -1;
    *mark = k < 0 ? MARK_NONE : pb->marks[k].mark;
    if (slot) {
        slot->sigs = sigs;
        slot->marks = marks;
        slot->len = (uint16_t)klen;
        slot->sig = (int16_t)*sig;
        slot->mark = (uint8_t)*mark;
        memcpy(slot->key, key, klen);
    }
}

void playbook_classify_into(const struct playbook *pb, const struct pb_candidates *sigs,
                            const struct pb_candidates *marks, const struct source *s,
                            struct event *ev, void *md)
{
    ev->sig = 0;
    ev->mark = MARK_NONE;
    if (ev->flags & EVF_RAW)
        return;
    int k;
    enum mark m;
    playbook_classify_event(pb, sigs, marks, s, ev, md, &k, &m);
    ev->sig = (uint16_t)(k + 1);
    ev->mark = (uint8_t)m;
}

void playbook_match_data_forget(void *md)
{
    struct pb_thread *t = md;
    for (size_t i = 0; t && i < ANSWER_SLOTS; i++)
        t->answers[i].sigs = NULL;
}

/* Copies the named group of the last match, cut at a character boundary to fit. */
static bool copy_group(pcre2_match_data *md, const char *group, char *out, size_t cap)
{
    PCRE2_UCHAR *v;
    PCRE2_SIZE n;
    if (pcre2_substring_get_byname(md, (PCRE2_SPTR)group, &v, &n) != 0)
        return false;
    size_t k = n < cap - 1 ? n : cap - 1;
    if (k < n)
        while (k > 0 && (v[k] & 0xC0) == 0x80)
            k--;
    memcpy(out, v, k);
    out[k] = 0;
    pcre2_substring_free(v);
    return true;
}

bool playbook_extract(const struct playbook *pb, int sig, const struct source *s,
                      const struct event *ev, const char *group, char *out, size_t cap,
                      void *md)
{
    if (!cap)
        return false;
    out[0] = 0;
    if (sig < 0 || (size_t)sig >= pb->nsigs || !usable(pb, s, ev))
        return false;
    const struct pb_sig *g = &pb->sigs[sig];
    bool found = false;
    struct subjects S;
    subjects_init(&S, s, ev);
    struct pb_thread *t = md;
    S.md = t ? t->md : NULL;
    S.mctx = t ? t->ctx.mctx : NULL;
    S.fc = t ? &t->fc : NULL;
    for (size_t j = 0; j < g->ncond; j++) {
        const struct pb_cond *c = &g->cond[j];
        if (!cond_matches(pb, c, &S)) {
            out[0] = 0;
            return false;
        }
        /* pcre2_substring_number_from_name tells whether this condition names the group;
         * copying by name also covers duplicate names (?J). */
        if (!found && pcre2_substring_number_from_name(c->code, (PCRE2_SPTR)group) !=
                          PCRE2_ERROR_NOSUBSTRING)
            found = copy_group(S.md ? S.md : pb->match_data, group, out, cap);
    }
    return found;
}

size_t playbook_groups(const struct playbook *pb, int sig, const char **names, size_t max)
{
    size_t n = 0;
    if (sig < 0 || (size_t)sig >= pb->nsigs)
        return 0;
    const struct pb_sig *g = &pb->sigs[sig];
    for (size_t c = 0; c < g->ncond; c++) {
        uint32_t count = 0, size = 0;
        PCRE2_SPTR table = NULL;
        const pcre2_code *code = g->cond[c].code;
        if (pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &count) != 0 || count == 0 ||
            pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE, &size) != 0 ||
            pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, &table) != 0)
            continue;
        /* each entry: the group number in two bytes, then the name, NUL-terminated */
        for (uint32_t i = 0; i < count && n < max; i++)
            names[n++] = (const char *)(table + (size_t)i * size + 2);
    }
    return n;
}

/* ---- limits ----------------------------------------------------------------------------- */

bool pb_match_ctx_init(struct pb_match_ctx *c)
{
    pcre2_match_context *m = pcre2_match_context_create(NULL);
    pcre2_jit_stack *js = pcre2_jit_stack_create(PB_JIT_STACK_START, PB_JIT_STACK_MAX, NULL);
    if (!m) {
        pcre2_jit_stack_free(js);
        c->mctx = c->jit_stack = NULL;
        return false;
    }
    pcre2_set_match_limit(m, PB_MATCH_LIMIT);
    pcre2_set_depth_limit(m, PB_DEPTH_LIMIT);
    pcre2_set_heap_limit(m, PB_HEAP_LIMIT_KIB);
    /* without a stack of its own (no memory for it) the JIT uses 32 KiB on the machine
     * stack: smaller, as safe */
    if (js)
        pcre2_jit_stack_assign(m, NULL, js);
    c->mctx = m;
    c->jit_stack = js;
    return true;
}

void pb_match_ctx_free(struct pb_match_ctx *c)
{
    pcre2_match_context_free(c->mctx);
    pcre2_jit_stack_free(c->jit_stack);
    c->mctx = c->jit_stack = NULL;
}

const char *pb_limit_words(int rc)
{
    switch (rc) {
    case PCRE2_ERROR_MATCHLIMIT: return "the match limit";
    case PCRE2_ERROR_DEPTHLIMIT: return "the depth limit";
    case PCRE2_ERROR_HEAPLIMIT: return "the memory limit";
    case PCRE2_ERROR_JIT_STACKLIMIT: return "the JIT stack limit";
    default: return NULL;
    }
}

static size_t gave_up_in(const struct pb_sig *v, size_t n, const char *rule,
                         struct pb_gave_up *out, size_t k, size_t max)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < v[i].ncond; j++) {
            const struct pb_limit_hit *h = v[i].cond[j].hit;
            if (!h || !h->lines)
                continue;
            if (k < max)
                out[k] = (struct pb_gave_up){ rule, v[i].id, v[i].cond[j].field, v[i].file,
                                              v[i].line, h->src ? h->src->path : "?", h->line,
                                              h->lines, pb_limit_words(h->rc) };
            k++;
        }
    }
    return k;
}

size_t playbook_gave_up(const struct playbook *pb, struct pb_gave_up *out, size_t max)
{
    pthread_mutex_lock(&limit_lock);
    size_t k = gave_up_in(pb->sigs, pb->nsigs, "signature", out, 0, max);
    k = gave_up_in(pb->marks, pb->nmarks, "mark rule", out, k, max);
    pthread_mutex_unlock(&limit_lock);
    return k < max ? k : max;
}
