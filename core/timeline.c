/* timeline.c - the merged timeline: each source sorted by time without disturbing the order
 * of equal times, then a k-way merge on (time, file order) with a binary heap. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bundle.h"
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
    struct event *tmp = malloc(n * sizeof *tmp);
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
    free(tmp);
    return true;
}

struct cursor {
    const struct event *p, *end;
    const char *released; /* the file's events before this are given back to the system */
    size_t src;           /* file order */
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

bool timeline_merge(struct bundle *b)
{
    size_t total = 0, k = 0;
    for (size_t i = 0; i < b->nsrc; i++) {
        if (!timeline_sort_stable(b->per[i].v, b->per[i].n))
            return false;
        total += b->per[i].n;
        k += b->per[i].n > 0;
    }
    b->ev = malloc((total ? total : 1) * sizeof *b->ev);
    struct cursor *heap = malloc((k ? k : 1) * sizeof *heap);
    if (!b->ev || !heap) {
        free(heap);
        return false;
    }
    long pg = sysconf(_SC_PAGESIZE);
    size_t page = pg > 0 ? (size_t)pg : 4096;
    size_t hn = 0;
    for (size_t i = 0; i < b->nsrc; i++) {
        const struct event *v = b->per[i].v;
        if (b->per[i].n)
            heap[hn++] = (struct cursor){ v, v + b->per[i].n, (const char *)v, i };
    }
    for (size_t i = hn / 2; i-- > 0;)
        sift_down(heap, hn, i);
    size_t o = 0;
    while (hn) {
        b->ev[o++] = *heap[0].p++;
        if (heap[0].p == heap[0].end) {
            release_read(&heap[0], page, true);
            heap[0] = heap[--hn];
        } else if (((uintptr_t)heap[0].p & (page - 1)) == 0) {
            release_read(&heap[0], page, false);
        }
        sift_down(heap, hn, 0);
    }
    free(heap);
    b->nev = o;
    for (size_t i = 0; i < b->nsrc; i++)
        evbuf_free(&b->per[i]);
    return true;
}
