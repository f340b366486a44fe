/* test_bigmem.c - the arrays that grow with the input: zeroed when made, their contents kept
 * and the new part zero when they grow (also inside a mapping kept from an earlier array, whose
 * old bytes must never show through), the unfilled end given back, and the event arrays the
 * parsers fill built on them. */
#include <sys/mman.h>
#include <unistd.h>

#include "testutil.h"

#include "bigmem.h"
#include "bundle.h"
#include "event.h"
#include "timeline.h"

static size_t saved_threshold;

static int small_threshold(void **state)
{
    (void)state;
    big_cache_drop();
    saved_threshold = big_threshold(4096); /* every array but the tiniest is mapped */
    return 0;
}

static int restore_threshold(void **state)
{
    (void)state;
    big_cache_drop();
    big_threshold(saved_threshold);
    return 0;
}

static bool all_bytes(const unsigned char *p, size_t n, unsigned char v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return false;
    return true;
}

static void small_array_grows_zeroed(void **state)
{
    (void)state;
    big_threshold(0); /* the default: this one comes from malloc */
    unsigned char *p = big_alloc(100);
    assert_non_null(p);
    assert_true(all_bytes(p, 100, 0));
    memset(p, 7, 100);
    p = big_realloc(p, 1000);
    assert_non_null(p);
    assert_true(all_bytes(p, 100, 7));
    assert_true(all_bytes(p + 100, 900, 0));
    big_free(p);
}

static void mapped_array_grows_and_keeps(void **state)
{
    (void)state;
    unsigned char *p = big_alloc(10000);
    assert_non_null(p);
    assert_true(all_bytes(p, 10000, 0));
    /* on a 2 MB page's start, its header before it */
    assert_int_equal((uintptr_t)p % BIG_PAGE, 0);
    assert_true(big_mapping(p) >= 10000);
    memset(p, 0x5a, 10000);
    size_t sizes[] = { (size_t)5 << 20, (size_t)50 << 20 };
    size_t had = 10000;
    for (size_t k = 0; k < 2; k++) {
        p = big_realloc(p, sizes[k]);
        assert_non_null(p);
        assert_true(all_bytes(p, 10000, 0x5a));
        assert_true(all_bytes(p + 10000, had - 10000, 0x11));
        assert_true(all_bytes(p + had, sizes[k] - had, 0));
        memset(p + 10000, 0x11, sizes[k] - 10000);
        had = sizes[k];
    }
    p = big_realloc(p, 20000); /* shrinking keeps the front */
    assert_non_null(p);
    assert_true(all_bytes(p, 10000, 0x5a));
    assert_true(all_bytes(p + 10000, 10000, 0x11));
    p = big_realloc(p, 30000); /* and what grows again is zero, not what was there */
    assert_true(all_bytes(p + 20000, 10000, 0));
    big_free(p);
}

static void freed_array_reused_reads_zero(void **state)
{
    (void)state;
    size_t mb = (size_t)5 << 20;
    unsigned char *a = big_alloc(mb);
    assert_non_null(a);
    memset(a, 0xab, mb);
    big_free(a);
    /* the next array of about that size takes the same pages (no page faults again) */
    unsigned char *b = big_alloc(mb - 100000);
    assert_true(big_mapping(b) >= mb);
    assert_ptr_equal(b, a);
    assert_true(all_bytes(b, mb - 100000, 0));
    /* growing inside the kept mapping: the earlier array's bytes stay hidden */
    b = big_realloc(b, mb);
    assert_ptr_equal(b, a);
    assert_true(all_bytes(b, mb, 0));
    big_free(b);
    /* once dropped, a new array is new memory and still zero */
    big_cache_drop();
    unsigned char *c = big_alloc(mb);
    assert_non_null(c);
    assert_true(all_bytes(c, mb, 0));
    big_free(c);
}

static void trim_gives_back_the_rest(void **state)
{
    (void)state;
    size_t n = (size_t)8 << 20;
    unsigned char *p = big_alloc(n);
    assert_non_null(p);
    memset(p, 0xcd, n);
    big_trim(p, 1000);
    assert_true(all_bytes(p, 1000, 0xcd));
    /* past the page that holds the kept bytes, the memory was given back: it reads zero */
    assert_true(all_bytes(p + 65536, n - 65536, 0));
    big_free(p);
}

static void events_pushed_past_the_reservation(void **state)
{
    (void)state;
    struct evbuf b = { 0 };
    assert_true(evbuf_reserve(&b, 100000));
    assert_true(b.cap >= 100000);
    for (uint32_t i = 0; i < 250000; i++) {
        struct event *e = evbuf_push(&b);
        assert_non_null(e);
        assert_int_equal(e->line, 0); /* a pushed event starts blank */
        e->line = i + 1;
        e->t = (int64_t)i * 1000;
    }
    evbuf_trim(&b);
    assert_int_equal(b.n, 250000);
    for (uint32_t i = 0; i < 250000; i++) {
        assert_int_equal(b.v[i].line, i + 1);
        assert_int_equal(b.v[i].t, (int64_t)i * 1000);
    }
    evbuf_free(&b);
    assert_null(b.v);
}

/* Three files of 2 MB pages of events, their times interleaved: the merge writes the timeline
 * into the files' pages it has read (moved, not copied), and every event comes out once, in
 * time order, ties in file order, each file's in line order. */
static void merge_into_read_pages(void **state)
{
    (void)state;
    enum { FILES = 3, PER = 300000 }; /* 9.6 MB each: pages of their own to move */
    struct bundle b = { .nsrc = FILES };
    b.per = calloc(FILES, sizeof *b.per);
    assert_non_null(b.per);
    for (size_t f = 0; f < FILES; f++) {
        for (uint32_t i = 0; i < PER; i++) {
            struct event *e = evbuf_push(&b.per[f]);
            assert_non_null(e);
            /* file 0 every 3 us, file 1 every 2, file 2 every 5 with ties to the others */
            e->t = (int64_t)i * (int64_t)(f == 0 ? 3 : f == 1 ? 2 : 5);
            e->line = i + 1;
            e->src = (uint16_t)f;
        }
        b.per[f].sorted = true;
        assert_true(big_mapping(b.per[f].v) > 0);
    }
    size_t moved = big_pages_moved();
    assert_true(timeline_merge(&b));
    assert_true(big_pages_moved() > moved); /* pages were passed on, not all fresh */
    assert_int_equal(b.nev, (size_t)FILES * PER);
    uint32_t next[FILES] = { 1, 1, 1 };
    for (size_t k = 0; k < b.nev; k++) {
        const struct event *e = &b.ev[k];
        assert_true(e->src < FILES);
        assert_int_equal(e->line, next[e->src]); /* each file's events once, in line order */
        next[e->src]++;
        assert_int_equal(e->t, (int64_t)(e->line - 1) * (e->src == 0 ? 3 : e->src == 1 ? 2 : 5));
        if (k > 0) {
            const struct event *p = &b.ev[k - 1];
            assert_true(p->t < e->t || (p->t == e->t && p->src < e->src));
        }
    }
    for (size_t f = 0; f < FILES; f++)
        assert_int_equal(next[f], PER + 1);
    big_free(b.ev);
    free(b.per);
}

/* Puts a page right after p's mapping (when the addresses are free), so that the mapping
 * cannot grow in place; returns it, or MAP_FAILED. */
static void *block_after(void *p)
{
    char *end = (char *)p + big_mapping(p);
    long pg = sysconf(_SC_PAGESIZE);
    end = (char *)(((uintptr_t)end + (uintptr_t)pg - 1) & ~((uintptr_t)pg - 1));
    void *b = mmap(end, (size_t)pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
                   -1, 0);
    if (b != MAP_FAILED && b != end) { /* an older kernel took it as a hint */
        munmap(b, (size_t)pg);
        return MAP_FAILED;
    }
    return b;
}

/* An array that had to move as it grew is given room to grow on in place: the next doubling
 * copies nothing, even when the addresses after its first mapping are taken. */
static void moved_array_grows_on_in_place(void **state)
{
    (void)state;
    unsigned char *p = big_alloc(100000);
    assert_non_null(p);
    memset(p, 5, 100000);
    void *wall = block_after(p);
    p = big_realloc(p, 400000); /* moves, when the wall is up */
    assert_non_null(p);
    assert_true(all_bytes(p, 100000, 5));
    assert_true(all_bytes(p + 100000, 300000, 0));
    memset(p, 6, 400000);
    void *wall2 = block_after(p); /* after the new mapping's room, not after the array */
    unsigned char *q = big_realloc(p, 800000);
    assert_non_null(q);
    assert_ptr_equal(q, p);
    assert_true(all_bytes(q, 400000, 6));
    assert_true(all_bytes(q + 400000, 400000, 0));
    big_free(q);
    long pg = sysconf(_SC_PAGESIZE);
    if (wall != MAP_FAILED)
        munmap(wall, (size_t)pg);
    if (wall2 != MAP_FAILED)
        munmap(wall2, (size_t)pg);
}

/* A kept mapping reused for a smaller array, which then grows past the mapping's end: the
 * bytes the earlier array wrote beyond the smaller one's end read as zeros too. */
static void reused_mapping_grown_past_its_end_reads_zero(void **state)
{
    (void)state;
    size_t big = (size_t)3 << 20, small = (size_t)5 << 19; /* 3 MB, then 2.5 MB */
    unsigned char *a = big_alloc(big);
    assert_non_null(a);
    memset(a, 0xAB, big);
    big_free(a); /* kept */
    unsigned char *b = big_alloc(small);
    assert_non_null(b);
    assert_ptr_equal(b, a); /* the kept mapping */
    assert_true(all_bytes(b, small, 0));
    unsigned char *c = big_realloc(b, (size_t)5 << 20);
    assert_non_null(c);
    assert_true(all_bytes(c, (size_t)5 << 20, 0));
    big_free(c);
}

#define T(f) cmocka_unit_test_setup_teardown(f, small_threshold, restore_threshold)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(small_array_grows_zeroed),
        T(mapped_array_grows_and_keeps),
        T(freed_array_reused_reads_zero),
        T(trim_gives_back_the_rest),
        T(events_pushed_past_the_reservation),
        T(merge_into_read_pages),
        T(moved_array_grows_on_in_place),
        T(reused_mapping_grown_past_its_end_reads_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
