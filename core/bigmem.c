/* bigmem.c - see bigmem.h. An array is a header of 64 bytes followed by its bytes: from
 * malloc when small, else a mapping of its own laid out as
 *
 *     [ 64 KB: the header in its last 64 bytes ][ the array, from a 2 MB boundary ... ]
 *
 * so that every 2 MB page of the array is the array's alone (big_move_page can move any of
 * them), and the header's page, too small to be a 2 MB one, costs one small page. */
#define _GNU_SOURCE /* mremap */
#include "bigmem.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define BIG_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BIG_SANITIZED 1
#endif
#endif
#ifdef BIG_SANITIZED
#define BIG_DEFAULT_THRESHOLD SIZE_MAX
#else
#define BIG_DEFAULT_THRESHOLD ((size_t)256 << 10)
#endif

/* The mappings' lengths are multiples of this: of every page size Linux uses (4, 16, 64 KB).
 * It is also the room before the array that holds its header. */
#define SMALL_PAGE ((size_t)64 << 10)

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

struct big_head {
    size_t bytes;  /* the array's size */
    size_t maplen; /* the mapping's length, from SMALL_PAGE before the array; 0: from malloc */
    size_t hwm;    /* a mapping: how far from the array's start it was ever handed out (past
                      it, its pages were never touched: they read as zeros) */
    size_t pad[5]; /* the array starts 64 bytes in: aligned for any type */
};

_Static_assert(sizeof(struct big_head) == 64, "the header keeps the array aligned");

static size_t threshold = BIG_DEFAULT_THRESHOLD;

size_t big_threshold(size_t bytes)
{
    size_t was = threshold;
    threshold = bytes ? bytes : BIG_DEFAULT_THRESHOLD;
    return was;
}

static struct big_head *head_of(void *p)
{
    return (struct big_head *)((char *)p - sizeof(struct big_head));
}

/* Where a mapped array's mapping starts. */
static char *map_start(struct big_head *h)
{
    return (char *)(h + 1) - SMALL_PAGE;
}

/* The mapping's length for an array of `bytes`, its header's room included, in whole small
 * pages; 0 when that overflows. Its last part short of 2 MB is not a whole 2 MB page of the
 * mapping, so the kernel backs it with small pages: no more than 64 KB is taken beyond the
 * array. An array of 1 to 4 MB (most of them scratch space, freed within the phase) is given
 * whole 2 MB pages instead: one page fault each rather than 256 to 1024. */
static size_t map_len(size_t bytes)
{
    if (bytes > SIZE_MAX - 2 * SMALL_PAGE - 2 * BIG_PAGE)
        return 0;
    if (bytes >= BIG_PAGE / 2 && bytes < 2 * BIG_PAGE) /* a scratch array, often: in 2 MB pages */
        return SMALL_PAGE + ((bytes + BIG_PAGE - 1) & ~(BIG_PAGE - 1));
    return SMALL_PAGE + ((bytes + SMALL_PAGE - 1) & ~(SMALL_PAGE - 1));
}

void *big_place(size_t len, size_t lead, int prot)
{
    if (len > SIZE_MAX - BIG_PAGE || lead >= BIG_PAGE)
        return MAP_FAILED;
    char *raw = mmap(NULL, len + BIG_PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                     -1, 0);
    if (raw == MAP_FAILED)
        return MAP_FAILED;
    uintptr_t at = ((uintptr_t)raw + lead + BIG_PAGE - 1) & ~(uintptr_t)(BIG_PAGE - 1);
    char *start = (char *)at - lead;
    size_t before = (size_t)(start - raw), after = BIG_PAGE - before;
    if (before)
        munmap(raw, before);
    if (after)
        munmap(start + len, after);
    return start;
}

/* A mapping of len bytes whose byte SMALL_PAGE is on a 2 MB boundary, asked to be backed by
 * 2 MB pages; returns that header's place. Nothing is committed until it is touched. */
static struct big_head *map_aligned(size_t len)
{
    char *start = big_place(len, SMALL_PAGE, PROT_READ | PROT_WRITE);
    if (start == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(start, len, MADV_HUGEPAGE); /* a hint: without it, small pages */
#endif
    struct big_head *h = (struct big_head *)(start + SMALL_PAGE) - 1;
    h->maplen = len;
    h->hwm = 0;
    return h;
}

/* Zeroes [from, to) of a mapped array, as far as it was ever handed out (the rest is zero). */
static void zero_handed(struct big_head *h, size_t from, size_t to)
{
    if (to > h->hwm)
        to = h->hwm;
    if (from < to)
        memset((char *)(h + 1) + from, 0, to - from);
}

/* Freed mappings kept for the next arrays of about their size: a phase that sorts or counts in
 * a scratch array call after call then finds its pages already there. Emptied by
 * big_cache_drop at the end of each phase. */
#define CACHE_SLOTS 8
#define CACHE_MAX_BYTES ((size_t)32 << 20)

static struct big_head *cache[CACHE_SLOTS];
static size_t cache_bytes;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

/* A kept mapping of at least len bytes and at most twice that, or NULL. */
static struct big_head *cache_take(size_t len)
{
    struct big_head *h = NULL;
    pthread_mutex_lock(&cache_lock);
    size_t best = CACHE_SLOTS;
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        if (cache[i] && cache[i]->maplen >= len && cache[i]->maplen / 2 <= len &&
            (best == CACHE_SLOTS || cache[i]->maplen < cache[best]->maplen))
            best = i;
    if (best < CACHE_SLOTS) {
        h = cache[best];
        cache[best] = NULL;
        cache_bytes -= h->maplen;
    }
    pthread_mutex_unlock(&cache_lock);
    return h;
}

/* Keeps h for later when there is room; false when it is to be unmapped. */
static bool cache_put(struct big_head *h)
{
    bool kept = false;
    pthread_mutex_lock(&cache_lock);
    if (h->maplen <= CACHE_MAX_BYTES - cache_bytes)
        for (size_t i = 0; i < CACHE_SLOTS && !kept; i++)
            if (!cache[i]) {
                cache[i] = h;
                cache_bytes += h->maplen;
                kept = true;
            }
    pthread_mutex_unlock(&cache_lock);
    return kept;
}

void big_cache_drop(void)
{
    pthread_mutex_lock(&cache_lock);
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        if (cache[i]) {
            munmap(map_start(cache[i]), cache[i]->maplen);
            cache[i] = NULL;
        }
    cache_bytes = 0;
    pthread_mutex_unlock(&cache_lock);
}

bool big_lazy(size_t bytes)
{
    return bytes >= threshold;
}

void *big_alloc(size_t bytes)
{
    struct big_head *h;
    if (bytes < threshold) {
        if (bytes > SIZE_MAX - sizeof *h)
            return NULL;
        h = calloc(1, sizeof *h + bytes);
        if (!h)
            return NULL;
        h->maplen = 0;
    } else {
        size_t len = map_len(bytes);
        if (!len)
            return NULL;
        if ((h = cache_take(len))) /* zero again, as far as it was used */
            zero_handed(h, 0, bytes);
        else if (!(h = map_aligned(len)))
            return NULL;
        if (h->hwm < bytes)
            h->hwm = bytes;
    }
    h->bytes = bytes;
    return h + 1;
}

void big_free(void *p)
{
    if (!p)
        return;
    struct big_head *h = head_of(p);
    if (!h->maplen)
        free(h);
    else if (!cache_put(h))
        munmap(map_start(h), h->maplen);
}

size_t big_mapping(const void *p)
{
    if (!p)
        return 0;
    const struct big_head *h = (const struct big_head *)((const char *)p - sizeof *h);
    return h->maplen ? h->maplen - SMALL_PAGE : 0;
}

static atomic_size_t moved;

bool big_move_page(char *page, char *to)
{
    /* the page's place stays mapped, empty (Linux 5.7 on; older ones refuse: nothing moves) */
    if (mremap(page, BIG_PAGE, BIG_PAGE, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, to) ==
        MAP_FAILED)
        return false;
    atomic_fetch_add(&moved, 1);
    return true;
}

size_t big_pages_moved(void)
{
    return atomic_load(&moved);
}

void *big_realloc(void *p, size_t bytes)
{
    if (!p)
        return big_alloc(bytes);
    struct big_head *h = head_of(p);
    size_t old = h->bytes;
    if (!h->maplen && bytes < threshold) {
        if (bytes > SIZE_MAX - sizeof *h)
            return NULL;
        struct big_head *n = realloc(h, sizeof *h + bytes);
        if (!n)
            return NULL;
        if (bytes > old)
            memset((char *)(n + 1) + old, 0, bytes - old);
        n->bytes = bytes;
        return n + 1;
    }
    if (h->maplen) {
        size_t len = map_len(bytes);
        char *start = map_start(h);
        if (len && len <= h->maplen) {
            /* within the mapping: what lies past the array's end may hold anything as far as
             * it was handed out before (a kept mapping's earlier contents, a shrunk array's),
             * so a growing array is zeroed there */
            if (bytes > old)
                zero_handed(h, old, bytes);
            if (len < h->maplen) {
                munmap(start + len, h->maplen - len);
                h->maplen = len;
                if (h->hwm > len - SMALL_PAGE)
                    h->hwm = len - SMALL_PAGE;
            }
            if (h->hwm < bytes)
                h->hwm = bytes;
            h->bytes = bytes;
            return p;
        }
        /* growing in place when the addresses after it are free: no copy */
        if (len && mremap(start, h->maplen, len, 0) == (void *)start) {
            zero_handed(h, old, bytes);
            h->maplen = len;
            h->hwm = bytes;
            h->bytes = bytes;
            return p;
        }
    }
    /* moved: the new mapping gets room to grow to four times this size in place (address
     * space only: pages never touched cost nothing), so that an array that doubles as it
     * fills is copied a few times, not at every doubling */
    void *n = NULL;
    if (h->maplen && bytes > old && bytes <= SIZE_MAX / 4) {
        size_t len = map_len(4 * bytes);
        struct big_head *m = len ? map_aligned(len) : NULL;
        if (m) {
            m->bytes = m->hwm = bytes;
            n = m + 1;
        }
    }
    if (!n && !(n = big_alloc(bytes)))
        return NULL;
    memcpy(n, p, old < bytes ? old : bytes);
    big_free(p);
    return n;
}

void big_trim(void *p, size_t used)
{
    if (!p)
        return;
    struct big_head *h = head_of(p);
    if (!h->maplen || used >= h->bytes)
        return;
    long pg = sysconf(_SC_PAGESIZE);
    uintptr_t page = pg > 0 ? (uintptr_t)pg : 4096;
    uintptr_t from = ((uintptr_t)p + used + page - 1) & ~(page - 1);
    uintptr_t to = (uintptr_t)map_start(h) + h->maplen;
    if (to > from) {
        madvise((void *)from, to - from, MADV_DONTNEED);
        /* those pages read as zeros again */
        if (h->hwm > from - (uintptr_t)p)
            h->hwm = from - (uintptr_t)p;
    }
}
