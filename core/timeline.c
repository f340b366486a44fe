/* timeline.c - the merged timeline: each source sorted by time without disturbing the order
 * of equal times, then a k-way merge on (time, file order) with a binary heap. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bigmem.h"
#include "bundle.h"
#include "parallel.h"
#include "timeline.h"

static bool sorted_by_time(const struct event *v, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (v[i].t < v[i - 1].t)
            return false;
    return true;
}

/* Bottom-up merge sort: stable, O(n log n), one scratch array. */
bool timeline_sort_stable(struct event *v, size_t n)
{
    if (n < 2 || sorted_by_time(v, n))
        return true;
    struct event *tmp = big_alloc(n * sizeof *tmp);
    if (!tmp)
        return false;
    struct event *a = v, *bb = tmp;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                bb[k++] = (a[j].t < a[i].t) ? a[j++] : a[i++];
            while (i < mid)
                bb[k++] = a[i++];
            while (j < hi)
                bb[k++] = a[j++];
        }
        struct event *t = a;
        a = bb;
        bb = t;
    }
    if (a != v)
        memcpy(v, a, n * sizeof *v);
    big_free(tmp);
    return true;
}

struct cursor {
    const struct event *p, *end;
    const char *released; /* the file's events before this are given back to the system */
    size_t src;           /* file order */
    /* the whole 2 MB pages of the file's array that only this part reads, which it may pass
     * on to the merged timeline once read (0, 0: none) */
    uintptr_t give_lo, give_hi;
};

/* Pages read and not yet passed on, at most: beyond, they are given back to the system. */
#define POOL_MAX 8

/* The merged timeline is written into pages of the files' arrays that the merge has read
 * already, moved into place (core/bigmem: big_move_page) instead of fresh ones: fresh memory
 * must be cleared by the kernel, and where the machine is virtual, often first given by the
 * host, which costs more than the merge itself. */
struct pool {
    uintptr_t v[POOL_MAX];
    size_t n;
    uintptr_t next, hi; /* the next page of the part's output to fill, and the end of those
                           that are wholly its own (next == 0: none) */
};

/* Gives back to the system the whole pages of a file's events that the merge has copied
 * already, so that the merged timeline and the files' events are not both held at the end:
 * the merge needs little more memory than its result. Every 4 MB. */
#define RELEASE_STEP ((size_t)4 << 20)

static void release_read(struct cursor *c, size_t page, bool all)
{
    const char *upto = (const char *)c->p;
    if (!all && (size_t)(upto - c->released) < RELEASE_STEP)
        return;
    uintptr_t from = ((uintptr_t)c->released + page - 1) & ~(uintptr_t)(page - 1);
    uintptr_t to = (uintptr_t)upto & ~(uintptr_t)(page - 1);
    if (to > from)
        madvise((void *)from, to - from, MADV_DONTNEED);
    c->released = upto;
}

static bool cursor_before(const struct cursor *x, const struct cursor *y)
{
    if (x->p->t != y->p->t)
        return x->p->t < y->p->t;
    return x->src < y->src;
}

static void sift_down(struct cursor *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && cursor_before(&h[l], &h[m]))
            m = l;
        if (r < n && cursor_before(&h[r], &h[m]))
            m = r;
        if (m == i)
            return;
        struct cursor t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

/* How many of a sorted file's events come before time c. */
static size_t before(const struct event *v, size_t n, int64_t c)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t m = lo + (hi - lo) / 2;
        if (v[m].t < c)
            lo = m + 1;
        else
            hi = m;
    }
    return lo;
}

static size_t all_before(const struct bundle *b, int64_t c)
{
    size_t n = 0;
    for (size_t i = 0; i < b->nsrc; i++)
        n += before(b->per[i].v, b->per[i].n, c);
    return n;
}

/* The merge is cut by time into one part per core: part j takes, from every file, the events
 * from time cut[j] (inclusive) to cut[j + 1], and writes them from out[j] on. Equal times never
 * straddle a cut, so each part is the same k-way merge on (time, file order). Where each part
 * starts in each file is found before any part runs: a part gives back the pages it has read,
 * and a search in them would read zeros. */
struct merge {
    struct bundle *b;
    int64_t cut[PARALLEL_MAX + 1];
    size_t out[PARALLEL_MAX + 1];
    size_t *at; /* [j * nsrc + i]: part j's first event of file i; j = parts: the file's end */
    size_t page;
    bool failed;
};

/* The whole pages of array v (core/bigmem's, mapped on its own) that lie inside [from, to):
 * [*lo, *hi); 0, 0 when there are none. */
static void whole_pages(const struct event *v, const struct event *from, const struct event *to,
                        size_t page, uintptr_t *lo, uintptr_t *hi)
{
    size_t len = big_mapping(v);
    *lo = *hi = 0;
    if (!len)
        return;
    uintptr_t a = ((uintptr_t)from + page - 1) & ~(uintptr_t)(page - 1);
    uintptr_t z = (uintptr_t)to & ~(uintptr_t)(page - 1);
    uintptr_t end = ((uintptr_t)v + len) & ~(uintptr_t)(page - 1);
    if (z > end)
        z = end;
    if (a < z) {
        *lo = a;
        *hi = z;
    }
}

static void merge_part(size_t from, size_t to, size_t j, void *arg)
{
    (void)from;
    (void)to;
    struct merge *M = arg;
    struct bundle *b = M->b;
    struct cursor *heap = malloc((b->nsrc ? b->nsrc : 1) * sizeof *heap);
    if (!heap) {
        M->failed = true;
        return;
    }
    size_t page = M->page, o = M->out[j];
    struct pool pool = { .n = 0 };
    whole_pages(b->ev, b->ev + M->out[j], b->ev + M->out[j + 1], page, &pool.next, &pool.hi);
    size_t hn = 0;
    for (size_t i = 0; i < b->nsrc; i++) {
        const struct event *v = b->per[i].v;
        size_t a = M->at[j * b->nsrc + i], z = M->at[(j + 1) * b->nsrc + i];
        if (a >= z)
            continue;
        struct cursor *c = &heap[hn++];
        *c = (struct cursor){ v + a, v + z, (const char *)(v + a), i, 0, 0 };
        if (pool.next)
            whole_pages(v, v + a, v + z, page, &c->give_lo, &c->give_hi);
    }
    for (size_t i = hn / 2; i-- > 0;)
        sift_down(heap, hn, i);
    while (hn) {
        struct event *w = &b->ev[o++];
        if ((uintptr_t)w == pool.next) { /* the first event of a page of its own */
            if (pool.n && big_move_page((char *)pool.v[pool.n - 1], (char *)w))
                pool.n--;
            pool.next = pool.next + page < pool.hi ? pool.next + page : 0;
        }
        *w = *heap[0].p++;
        struct cursor *c = &heap[0];
        if (c->p == c->end) {
            release_read(c, page, true);
            heap[0] = heap[--hn];
        } else if (((uintptr_t)c->p & (page - 1)) == 0) {
            uintptr_t done = (uintptr_t)c->p - page; /* a page of the file read through */
            if (pool.next && pool.n < POOL_MAX && done >= c->give_lo && done + page <= c->give_hi) {
                pool.v[pool.n++] = done;
                c->released = (const char *)c->p;
            } else {
                release_read(c, page, false);
            }
        }
        sift_down(heap, hn, 0);
    }
    while (pool.n) /* read, and not needed after all */
        madvise((void *)pool.v[--pool.n], page, MADV_DONTNEED);
    free(heap);
}

bool timeline_merge(struct bundle *b)
{
    size_t total = 0;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t i = 0; i < b->nsrc; i++) {
        struct evbuf *e = &b->per[i];
        if (!e->sorted && !timeline_sort_stable(e->v, e->n))
            return false;
        total += e->n;
        if (e->n && e->v[0].t < lo)
            lo = e->v[0].t;
        if (e->n && e->v[e->n - 1].t > hi)
            hi = e->v[e->n - 1].t;
    }
    b->ev = big_alloc((total ? total : 1) * sizeof *b->ev);
    if (!b->ev)
        return false;
    /* the files' arrays are read in whole 2 MB pages (core/bigmem): each read through is
     * moved into the merged timeline where a page of it is to be filled, else given back */
    struct merge M = { .b = b, .page = BIG_PAGE };
    size_t k = parallel_slices(total, (size_t)1 << 16);
    /* cut j: the first time before which j/k of the events lie */
    M.cut[0] = INT64_MIN;
    M.out[0] = 0;
    size_t parts = 1;
    for (size_t j = 1; j < k && total; j++) {
        size_t want = total * j / k;
        int64_t a = lo, z = hi; /* all_before(z + 1) == total >= want */
        while (a < z) {
            int64_t m = a + (int64_t)(((uint64_t)z - (uint64_t)a) / 2); /* no overflow */
            if (all_before(b, m + 1) >= want)
                z = m;
            else
                a = m + 1;
        }
        int64_t c = a == INT64_MAX ? a : a + 1;
        if (c <= M.cut[parts - 1] || c == INT64_MAX)
            continue; /* equal times: this part would be empty */
        M.cut[parts] = c;
        M.out[parts] = all_before(b, c);
        parts++;
    }
    M.cut[parts] = INT64_MAX;
    M.out[parts] = total;
    M.at = malloc((parts + 1) * (b->nsrc ? b->nsrc : 1) * sizeof *M.at);
    if (!M.at)
        return false;
    for (size_t j = 0; j <= parts; j++)
        for (size_t i = 0; i < b->nsrc; i++)
            M.at[j * b->nsrc + i] = j == 0 ? 0 : j == parts ? b->per[i].n
                                               : before(b->per[i].v, b->per[i].n, M.cut[j]);
    parallel_run(parts, parts, merge_part, &M);
    free(M.at);
    if (M.failed)
        return false;
    b->nev = total;
    for (size_t i = 0; i < b->nsrc; i++)
        evbuf_free(&b->per[i]);
    return true;
}
