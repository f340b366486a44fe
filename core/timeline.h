/* timeline.h - one list of every event of every source, in true UTC order. */
#ifndef SCEPSCOPE_TIMELINE_H
#define SCEPSCOPE_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>

#include "event.h"

struct bundle;

/* Sorts each source's events by time (stable: equal times keep line order), then merges
 * them into b->ev; equal times keep file order, then line order. Frees the per-source
 * arrays. False only when out of memory. */
bool timeline_merge(struct bundle *b);

/* Stable sort of events by time alone (merge sort; a sorted input costs one pass). */
bool timeline_sort_stable(struct event *v, size_t n);

#endif
