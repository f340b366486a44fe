/* bigmem.h - memory for the arrays that grow with the input (events, the merged timeline,
 * exchanges): each large one mapped on its own, aligned to 2 MB and asked to be backed by
 * 2 MB pages (transparent huge pages), so that filling 150 MB of events takes 75 page faults
 * instead of 38,000. Where a page fault is costly (a virtual machine that traps every page
 * table change) that is most of the time spent on fresh memory. Arrays below 256 KB come from
 * malloc; freed mappings are kept a while for the next arrays of their size (big_cache_drop).
 *
 * Under AddressSanitizer every array comes from malloc, so that its bounds stay checked. */
#ifndef SCEPSCOPE_BIGMEM_H
#define SCEPSCOPE_BIGMEM_H

#include <stdbool.h>
#include <stddef.h>

#define BIG_PAGE ((size_t)2 << 20)

/* A zeroed array of `bytes`; NULL when out of memory. Free it with big_free, never free(). */
void *big_alloc(size_t bytes);

/* Whether an array of `bytes` is mapped on its own, its memory taken only as it is written
 * (so that room reserved and never filled costs nothing), rather than cleared at once. */
bool big_lazy(size_t bytes);

/* Grows or shrinks p (NULL: a new array) to `bytes`, keeping its contents up to the smaller
 * size; bytes beyond the old size are zero. NULL when out of memory (p is then untouched). */
void *big_realloc(void *p, size_t bytes);

void big_free(void *p);

/* Gives back to the system the memory of p past its first `used` bytes (the rest of a last
 * 2 MB page that the array did not fill). Those bytes read as zeros afterwards. */
void big_trim(void *p, size_t used);

/* An anonymous mapping of len bytes (a multiple of the page size) with protection prot and
 * nothing committed, placed so that its byte `lead` (below 2 MB) lies on a 2 MB boundary;
 * MAP_FAILED when there is no room. A file mapped over it (MAP_FIXED) gets that alignment. */
void *big_place(size_t len, size_t lead, int prot);

/* For moving memory between arrays instead of copying into fresh pages (the merge of the
 * files' events into the timeline): a mapped array starts on a 2 MB boundary, and this is how
 * many bytes from its start its mapping holds, whole 2 MB pages of its own as far as they go.
 * 0 when p is not mapped on its own (a small array, from malloc). */
size_t big_mapping(const void *p);

/* Moves the 2 MB page at `page` (inside an array's mapping) to `to` (a 2 MB page inside
 * another array's mapping): the memory itself, with the bytes
 * it held, and no copy or page fault; what `to` held is gone, and `page` reads as zeros
 * afterwards. False when the system refused (nothing moved). */
bool big_move_page(char *page, char *to);

/* How many pages big_move_page has moved so far (for the trace and the tests). */
size_t big_pages_moved(void);

/* Unmaps the freed arrays kept for reuse (up to 32 MB of them): called at the end of each
 * phase of the loading and the diagnosis, so that a phase's scratch space is not held after
 * it. */
void big_cache_drop(void);

/* The size from which an array is mapped on its own (tests lower it to exercise that path;
 * 0 restores the default). Returns the previous one. */
size_t big_threshold(size_t bytes);

#endif
