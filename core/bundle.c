/* bundle.c - from paths to parsed sources: walking folders in a stable order, refusing what
 * is not a log with a reason, choosing each file's parser by its content. */
#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bigmem.h"
#include "bundle.h"
#include "datefit.h"
#include "parser.h"
#include "textwin.h"
#include "timeline.h"
#include "timeutil.h"
#include "trace.h"

/* The GLOB of an option's "GLOB=VALUE" (eq: its '='), copied; NULL when memory runs out. */
static char *glob_of(const char *spec, const char *eq, char *err, size_t errlen)
{
    size_t glen = (size_t)(eq - spec);
    char *g = malloc(glen + 1);
    if (g) {
        memcpy(g, spec, glen);
        g[glen] = 0;
    } else {
        snprintf(err, errlen, "out of memory");
    }
    return g;
}

bool bundle_add_tz(struct bundle *b, const char *spec, char *err, size_t errlen)
{
    const char *eq = strrchr(spec, '=');
    if (!eq || eq == spec) {
        snprintf(err, errlen, "--tz '%s': expected FILE_OR_GLOB=+HH:MM", spec);
        return false;
    }
    int32_t off;
    if (!parse_utc_offset(eq + 1, &off)) {
        snprintf(err, errlen, "--tz '%s': '%s' is not an offset like +10:00, -05:00 or Z", spec,
                 eq + 1);
        return false;
    }
    char *g = glob_of(spec, eq, err, errlen);
    struct tz_rule *v = g ? realloc(b->tz, (b->ntz + 1) * sizeof *v) : NULL;
    if (!v) {
        free(g);
        snprintf(err, errlen, "out of memory");
        return false;
    }
    b->tz = v;
    b->tz[b->ntz++] = (struct tz_rule){ g, off };
    return true;
}

bool bundle_add_date(struct bundle *b, const char *spec, char *err, size_t errlen)
{
    const char *eq = strrchr(spec, '=');
    int y, mo, d;
    if (!eq || eq == spec) {
        snprintf(err, errlen, "--date '%s': expected FILE_OR_GLOB=YYYY-MM-DD", spec);
        return false;
    }
    if (strlen(eq + 1) != 10 || !read_digits(eq + 1, 4, &y) || eq[5] != '-' ||
        !read_digits(eq + 6, 2, &mo) || eq[8] != '-' || !read_digits(eq + 9, 2, &d) ||
        !civil_valid(y, mo, d, 0, 0, 0)) {
        snprintf(err, errlen, "--date '%s': '%s' is not a date like 2016-06-22", spec, eq + 1);
        return false;
    }
    char *g = glob_of(spec, eq, err, errlen);
    struct date_rule *v = g ? realloc(b->date, (b->ndate + 1) * sizeof *v) : NULL;
    if (!v) {
        free(g);
        snprintf(err, errlen, "out of memory");
        return false;
    }
    b->date = v;
    b->date[b->ndate++] = (struct date_rule){ g, civil_to_us(y, mo, d, 0, 0, 0, 0) };
    return true;
}

bool bundle_add_scep_ports(struct bundle *b, const char *spec, char *err, size_t errlen)
{
    const char *p = spec;
    for (;;) {
        unsigned long v = 0;
        size_t nd = 0;
        while (*p >= '0' && *p <= '9' && nd < 6) {
            v = v * 10 + (unsigned long)(*p++ - '0');
            nd++;
        }
        if (!nd || v == 0 || v > 65535 || (*p && *p != ',')) {
            snprintf(err, errlen, "--scep-port '%s': expected port numbers like 443 or 443,8443",
                     spec);
            return false;
        }
        if (b->nscep_port == BUNDLE_MAX_SCEP_PORTS) {
            snprintf(err, errlen, "--scep-port '%s': at most %d ports", spec,
                     BUNDLE_MAX_SCEP_PORTS);
            return false;
        }
        b->scep_port[b->nscep_port++] = (uint16_t)v;
        if (!*p)
            return true;
        p++;
    }
}

static struct source *add_source(struct bundle *b, const char *path)
{
    if (b->nsrc == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        struct source **v = realloc(b->src, cap * sizeof *v);
        if (!v)
            return NULL;
        b->src = v;
        b->cap = cap;
    }
    struct source *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->path = strdup(path);
    if (!s->path) {
        free(s);
        return NULL;
    }
    s->first = s->last = TIME_NONE;
    s->mtime = TIME_NONE;
    b->src[b->nsrc++] = s;
    return s;
}

static bool add_skipped(struct bundle *b, const char *path, const char *why)
{
    struct source *s = add_source(b, path);
    if (!s)
        return false;
    s->skipped = true;
    source_note(s, 0, "%s", why);
    return true;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    bool slash = dl > 0 && dir[dl - 1] == '/';
    char *p = malloc(dl + nl + 2);
    if (p) {
        memcpy(p, dir, dl);
        size_t k = dl;
        if (!slash)
            p[k++] = '/';
        memcpy(p + k, name, nl + 1);
    }
    return p;
}

/* The folders being walked, from the one at hand up to the given path: a folder met again
 * among them (through a symbolic link or a bind mount) is a loop. */
struct ancestry {
    dev_t dev;
    ino_t ino;
    const struct ancestry *up;
};

static bool is_ancestor(const struct ancestry *a, const struct stat *st)
{
    for (; a; a = a->up)
        if (a->dev == st->st_dev && a->ino == st->st_ino)
            return true;
    return false;
}

static bool walk(struct bundle *b, const char *path, int depth, bool given,
                 const struct ancestry *up);

static bool walk_dir(struct bundle *b, const char *path, int depth, const struct stat *st,
                     const struct ancestry *up)
{
    if (depth > BUNDLE_MAX_DEPTH)
        return add_skipped(b, path, "folder nested too deep: not walked");
    DIR *d = opendir(path);
    if (!d) {
        char why[256];
        snprintf(why, sizeof why, "cannot open folder: %s", strerror(errno));
        return add_skipped(b, path, why);
    }
    struct ancestry here = { st->st_dev, st->st_ino, up };
    char **names = NULL;
    size_t n = 0, cap = 0;
    bool ok = true;
    struct dirent *de;
    while (ok && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **v = realloc(names, cap * sizeof *v);
            if (!v) {
                ok = false;
                break;
            }
            names = v;
        }
        names[n] = strdup(de->d_name);
        if (!names[n])
            ok = false;
        else
            n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, name_cmp);
    for (size_t i = 0; i < n; i++) {
        if (ok) {
            char *p = join(path, names[i]);
            ok = p && walk(b, p, depth + 1, false, &here);
            free(p);
        }
        free(names[i]);
    }
    free(names);
    return ok;
}

static bool walk(struct bundle *b, const char *path, int depth, bool given,
                 const struct ancestry *up)
{
    struct stat lst, st;
    if (lstat(path, &lst) != 0) {
        char why[256];
        snprintf(why, sizeof why, "%s", strerror(errno));
        return add_skipped(b, path, why);
    }
    /* Symbolic links to files are read; links to folders only when given on the command line,
     * so that a loop inside a case folder cannot make the walk endless. */
    if (S_ISLNK(lst.st_mode)) {
        if (stat(path, &st) != 0) {
            if (errno == ELOOP)
                return add_skipped(b, path, "symbolic link loop (links that point to each "
                                   "other): not followed");
            return add_skipped(b, path, "broken symbolic link");
        }
        if (S_ISDIR(st.st_mode) && is_ancestor(up, &st))
            return add_skipped(b, path, "symbolic link to a folder that contains it (a loop): "
                               "not followed");
        if (S_ISDIR(st.st_mode) && !given)
            return add_skipped(b, path, "symbolic link to a folder: not followed");
    } else {
        st = lst;
    }
    if (S_ISDIR(st.st_mode)) {
        if (is_ancestor(up, &st))
            return add_skipped(b, path, "folder met again inside itself (a loop): not walked");
        return walk_dir(b, path, depth, &st, up);
    }
    if (!S_ISREG(st.st_mode) && !given) {
        const char *kind = source_special_kind(st.st_mode);
        if (kind)
            return add_skipped(b, path, kind);
        if (S_ISFIFO(st.st_mode))
            return add_skipped(b, path, "a named pipe (FIFO): not read inside a folder (give it "
                               "by name to read it)");
        return add_skipped(b, path, "not a regular file");
    }
    return add_source(b, path) != NULL;
}

bool bundle_add_path(struct bundle *b, const char *path)
{
    return walk(b, path, 0, true, NULL);
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static bool glob_matches(const char *g, const char *path)
{
    return fnmatch(g, path, 0) == 0 || fnmatch(g, base_name(path), 0) == 0;
}

static void apply_tz(const struct bundle *b, struct source *s)
{
    for (size_t i = b->ntz; i-- > 0;) {
        if (glob_matches(b->tz[i].glob, s->path)) {
            s->tz_given = true;
            s->tz_offset_s = b->tz[i].offset_s;
            return;
        }
    }
}

/* The date of lines without one: --date, else (until the case's other logs say better, in
 * fit_dates) the file's modification time. */
static void apply_date(const struct bundle *b, struct source *s)
{
    for (size_t i = b->ndate; i-- > 0;) {
        if (glob_matches(b->date[i].glob, s->path)) {
            s->date_ref = b->date[i].day;
            s->date_from = DATE_FROM_GIVEN;
            return;
        }
    }
    s->date_ref = s->mtime != TIME_NONE ? s->mtime : 0;
    s->date_from = DATE_FROM_NONE;
}

/* The first line of a head, made printable and short, to say what an unknown file holds. */
static void first_line_preview(const char *head, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && head[i] != '\n' && k + 5 < cap && i < 60; i++) {
        unsigned char c = (unsigned char)head[i];
        if (c == '\r')
            continue;
        if (c < 0x20 || c == 0x7f || c >= 0x80)
            c = '?';
        out[k++] = (char)c;
    }
    out[k] = 0;
}

/* Parses a decoded source, and notes what the parse leaves to say (a cut last line, a file
 * changed under the reader). */
static bool parse_text(struct source *s, struct evbuf *out)
{
    s->notes_before_parse = s->nnotes;
    s->notes_dropped_before_parse = s->notes_dropped;
    if (!s->parser->parse(s, out))
        return false;
    parse_inherit_times(out, 0);
    if (s->size && s->text[s->size - 1] != '\n' && s->lines)
        source_note(s, s->lines, "the file ends inside this line (no line end after it): it "
                    "may have been cut short");
    source_check_changed(s);
    return true;
}

/* Parses a source again (with another date_ref): what the first parse gave is forgotten. */
static bool reparse(struct source *s, struct evbuf *out)
{
    if (s->parser->free_state)
        s->parser->free_state(s);
    s->pstate = NULL;
    out->n = 0;
    out->sorted = false; /* in line order again: the merge sorts it */
    s->lines = s->events = s->unparsed = s->continuation = s->header = s->blank = 0;
    s->first = s->last = TIME_NONE;
    s->zone = ZONE_UTC;
    s->zone_seen = false;
    s->bias_min_seen = 0;
    s->nnotes = s->notes_before_parse;
    s->notes_dropped = s->notes_dropped_before_parse;
    s->classified_by = NULL; /* the loading classified the first parse's events: the
                                diagnosis classifies these */
    return parse_text(s, out);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The other logs' lines looked at when dating a log, at most: beyond, every k-th is taken
 * (the day with the most lines near still has the most). */
#define FIT_ANCHORS_MAX ((size_t)4 << 20)

/* Is t one of the lines that can fall near a log of times first..last shifted by whole days:
 * within the window of its span's times of day? (A log of a day or more: every line.) */
static bool in_day_band(int64_t t, int64_t first, int64_t last)
{
    int64_t w = DATEFIT_WINDOW_US, span = last - first + 2 * w;
    if (span >= US_PER_DAY)
        return true;
    int64_t r = (t - first + w) % US_PER_DAY;
    if (r < 0)
        r += US_PER_DAY;
    return r <= span;
}

/* The anchors for dating source s: the times of the lines of the logs whose dates are their
 * own (for a log without days, only those in its band of the day), every stride-th. */
static size_t collect_anchors(const struct bundle *b, const struct source *s, int64_t *out,
                              size_t stride)
{
    size_t n = 0, seen = 0;
    for (size_t i = 0; i < b->nsrc && i < BUNDLE_MAX_SOURCES; i++) {
        const struct source *o = b->src[i];
        if (o->skipped || !o->parser || o->date_missing != DATE_COMPLETE)
            continue;
        for (size_t k = 0; k < b->per[i].n; k++) {
            const struct event *e = &b->per[i].v[k];
            if (e->t == TIME_NONE || (e->flags & (EVF_RAW | EVF_TIME_INHERITED)))
                continue;
            if (s->date_missing == DATE_NO_DAY && !in_day_band(e->t, s->first, s->last))
                continue;
            if (seen++ % stride == 0) {
                if (out)
                    out[n] = e->t;
                n++;
            }
        }
    }
    return n;
}

/* Logs whose lines lack their date (or year) are dated by the case's other logs: the day that
 * puts the most of their lines near this log's (else the file's modification time), and
 * parsed again with it. Each such log says in a note which date it got, and from where. */
static bool fit_dates(struct bundle *b)
{
    bool ok = true;
    for (size_t i = 0; ok && i < b->nsrc && i < BUNDLE_MAX_SOURCES; i++) {
        struct source *s = b->src[i];
        if (s->skipped || !s->parser || s->date_missing == DATE_COMPLETE)
            continue;
        if (s->date_from != DATE_FROM_GIVEN && s->first != TIME_NONE) {
            size_t total = collect_anchors(b, s, NULL, 1);
            size_t stride = total > FIT_ANCHORS_MAX ? (total + FIT_ANCHORS_MAX - 1) / FIT_ANCHORS_MAX : 1;
            int64_t *anch = malloc((total ? total / stride + 1 : 1) * sizeof *anch);
            if (!anch)
                return false;
            size_t n = collect_anchors(b, s, anch, stride);
            qsort(anch, n, sizeof *anch, cmp_i64);
            struct datefit f;
            datefit_choose(s->date_missing, s->date_ref, s->first, s->last, anch, n, s->mtime,
                           &f);
            free(anch);
            if (f.ref != s->date_ref) {
                s->date_ref = f.ref;
                ok = reparse(s, &b->per[i]);
            }
            s->date_from = f.from;
            s->date_support = f.support * stride;
        }
        char day[16];
        datefit_words(s->date_missing, s->date_ref, day);
        const char *what = s->date_missing == DATE_NO_YEAR ? "no year: taken as"
                                                           : "no date: the first taken as";
        if (s->date_from == DATE_FROM_GIVEN)
            source_note(s, 0, "lines carry %s %s (--date)", what, day);
        else if (s->date_from == DATE_FROM_CASE)
            source_note(s, 0, "lines carry %s %s, the day the case's other logs agree on "
                        "(%llu of their lines within an hour of this file's); set it with "
                        "--date", what, day, (unsigned long long)s->date_support);
        else if (s->date_from == DATE_FROM_MTIME)
            source_note(s, 0, "lines carry %s %s, from the file's modification time (no other "
                        "log of the case is near); set it with --date", what, day);
        else
            source_note(s, 0, "lines carry %s %s: nothing tells the date; set it with --date",
                        what, day);
    }
    return ok;
}

static bool load_one(struct bundle *b, struct source *s, struct evbuf *out)
{
    char why[256];
    if (!source_open(s, s->path, why, sizeof why)) {
        s->skipped = true;
        source_note(s, 0, "%s", why);
        return true;
    }
    if (s->raw_size == 0) {
        s->skipped = true;
        source_note(s, 0, "%s", s->raw_heap ? "nothing to read: the pipe or special file gave "
                    "no bytes" : "empty file");
        return true;
    }
    /* a binary format that a parser reads: it renders its records as text itself */
    const struct parser *rp = parser_sniff_raw(s->raw, s->raw_size, NULL);
    if (rp) {
        source_populate(s);
        s->parser = rp;
        apply_tz(b, s);
        s->scep_ports = b->scep_port;
        s->nscep_ports = b->nscep_port;
        if (!rp->parse(s, out))
            return false;
        parse_inherit_times(out, 0);
        source_check_changed(s);
        return true;
    }
    s->enc = source_guess_encoding(s->raw, s->raw_size, &s->bom_len);
    const char *bin = source_binary_kind(s->raw, s->raw_size, s->enc);
    if (bin) {
        s->skipped = true;
        source_note(s, 0, "%s", bin);
        return true;
    }
    char *head = malloc(SNIFF_BYTES);
    if (!head)
        return false;
    size_t hn = source_decode_head(s, head, SNIFF_BYTES);
    const struct parser *p = parser_sniff(head, hn, NULL);
    if (!p) {
        char prev[80];
        first_line_preview(head, hn, prev, sizeof prev);
        s->skipped = true;
        source_note(s, 0, "no known log format (first line: \"%s\")", prev);
        free(head);
        return true;
    }
    free(head);
    if (p->windowed ? !source_decode_deferred(s) : !source_decode(s))
        return false;
    if (!p->windowed)
        source_populate(s);
    s->parser = p;
    apply_tz(b, s);
    apply_date(b, s);
    /* room for an event every 32 bytes (logs' lines are longer), so that the array is never
     * moved while it fills: where that room is reserved, not taken (a small log's array just
     * grows) */
    size_t room = s->size / 32 + 1024;
    if (big_lazy(room * sizeof *out->v) && !evbuf_reserve(out, room))
        return false;
    return parse_text(s, out);
}

/* The hook and the thread state a source's parser hands its events to. */
struct hook_call {
    const struct bundle_hook *h;
    void *th;
};

static void hand_over(void *ctx, struct source *s, struct event *ev, size_t n)
{
    const struct hook_call *c = ctx;
    c->h->events(c->h->ctx, c->th, s, ev, n);
}

/* Reads source i, unless it is skipped already, beyond the limit, or loading was cancelled;
 * then gives its events to the hook (th: this thread's state for it, or NULL for none). */
static bool load_index(struct bundle *b, size_t i, void *th)
{
    struct source *s = b->src[i];
    if (s->skipped)
        return true;
    if (i >= BUNDLE_MAX_SOURCES) {
        s->skipped = true;
        source_note(s, 0, "more than %u files in the case: not read", BUNDLE_MAX_SOURCES);
        return true;
    }
    if (atomic_load(&b->cancel)) {
        s->skipped = true;
        source_note(s, 0, "not read: loading was cancelled");
        return true;
    }
    s->index = (uint16_t)i;
    struct hook_call call = { &b->hook, th };
    if (th && b->hook.events) {
        s->on_events = hand_over;
        s->on_events_ctx = &call;
    }
    /* filled here and stored once at the end: the array's entries share cache lines, and
     * another thread appends to its neighbour's at the same time */
    struct evbuf out = { 0 };
    bool loaded = load_one(b, s, &out);
    source_close_fd(s);
    s->on_events = NULL;
    s->on_events_ctx = NULL;
    /* the rest of the events, in line order: those the parser handed over are the first
     * ones of that order, not of the time order */
    if (loaded && th && !s->skipped && s->parser)
        b->hook.file(b->hook.ctx, th, s, out.v, out.n);
    /* in time order on this thread, for the merge */
    bool ok = loaded && timeline_sort_stable(out.v, out.n);
    out.sorted = ok;
    evbuf_trim(&out);
    b->per[i] = out;
    return ok;
}

/* Files are read in parallel, one thread per core: each file is parsed on its own, into its
 * own event array, and the merge puts them in order afterwards. */
struct workers {
    struct bundle *b;
    const size_t *order; /* the files to read, largest first (NULL: in file order) */
    atomic_size_t next;
    atomic_bool failed;
};

struct by_size {
    uint64_t size;
    size_t i;
};

static int cmp_by_size(const void *a, const void *b)
{
    const struct by_size *x = a, *y = b;
    if (x->size != y->size)
        return x->size < y->size ? 1 : -1;
    return (x->i > y->i) - (x->i < y->i);
}

/* The files in the order they are read: the largest first, so that the threads end together
 * (the last ones taken are small) instead of one of them reading a large log alone at the
 * end. NULL when memory runs out: then in file order. */
static size_t *load_order(const struct bundle *b)
{
    struct by_size *v = malloc((b->nsrc ? b->nsrc : 1) * sizeof *v);
    size_t *order = malloc((b->nsrc ? b->nsrc : 1) * sizeof *order);
    if (!v || !order) {
        free(v);
        free(order);
        return NULL;
    }
    for (size_t i = 0; i < b->nsrc; i++) {
        struct stat st;
        v[i].i = i;
        v[i].size = stat(b->src[i]->path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0
                        ? (uint64_t)st.st_size : 0;
    }
    qsort(v, b->nsrc, sizeof *v, cmp_by_size);
    for (size_t k = 0; k < b->nsrc; k++)
        order[k] = v[k].i;
    free(v);
    return order;
}

static void *load_worker(void *arg)
{
    struct workers *w = arg;
    const struct bundle_hook *h = &w->b->hook;
    void *th = h->file && h->thread_new ? h->thread_new(h->ctx) : NULL;
    for (;;) {
        size_t k = atomic_fetch_add(&w->next, 1);
        if (k >= w->b->nsrc || atomic_load(&w->failed))
            break;
        size_t i = w->order ? w->order[k] : k;
        if (!load_index(w->b, i, th))
            atomic_store(&w->failed, true);
        atomic_fetch_add(&w->b->progress, 1);
    }
    if (th)
        h->thread_free(th);
    return NULL;
}

#define LOAD_THREADS_MAX 16

bool bundle_load(struct bundle *b)
{
    b->per = calloc(b->nsrc ? b->nsrc : 1, sizeof *b->per);
    if (!b->per)
        return false;
    size_t *order = load_order(b);
    struct workers w = { .b = b, .order = order };
    atomic_init(&w.next, 0);
    atomic_init(&w.failed, false);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t n = cores > 1 ? (size_t)cores : 1;
    if (n > LOAD_THREADS_MAX)
        n = LOAD_THREADS_MAX;
    if (n > b->nsrc)
        n = b->nsrc;
    pthread_t th[LOAD_THREADS_MAX];
    size_t started = 0;
    while (started + 1 < n && pthread_create(&th[started], NULL, load_worker, &w) == 0)
        started++;
    load_worker(&w); /* this thread works too */
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    free(order);
    textwin_drop_kept();
    if (atomic_load(&w.failed))
        return false;
    if (!fit_dates(b))
        return false;
    big_cache_drop();
    trace_mark("parsed", 0);
    bool ok = timeline_merge(b);
    big_cache_drop();
    trace_mark("merged", 0);
    return ok;
}

size_t bundle_readable(const struct bundle *b)
{
    size_t n = 0;
    for (size_t i = 0; i < b->nsrc; i++)
        n += !b->src[i]->skipped;
    return n;
}

bool bundle_has_role(const struct bundle *b, bool (*is)(enum role))
{
    for (size_t i = 0; i < b->nsrc; i++)
        if (!b->src[i]->skipped && is(b->src[i]->role))
            return true;
    return false;
}

void bundle_free(struct bundle *b)
{
    for (size_t i = 0; i < b->nsrc; i++) {
        source_free(b->src[i]);
        free(b->src[i]);
        if (b->per)
            evbuf_free(&b->per[i]);
    }
    free(b->src);
    free(b->per);
    for (size_t i = 0; i < b->ntz; i++)
        free(b->tz[i].glob);
    free(b->tz);
    for (size_t i = 0; i < b->ndate; i++)
        free(b->date[i].glob);
    free(b->date);
    big_free(b->ev);
    if (b->hook.free)
        b->hook.free(b->hook.ctx);
    *b = (struct bundle){ 0 };
}

struct span event_message(const struct source *s, const struct event *ev)
{
    if (ev->flags & EVF_RAW)
        return span_make(source_at(s, event_off(ev), ev->len), ev->len);
    return s->parser->message(s, ev);
}

const char *event_format(const struct source *s, const struct event *ev)
{
    return (ev->flags & EVF_RAW) ? "raw" : s->parser->name;
}
