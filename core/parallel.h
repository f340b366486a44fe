/* parallel.h - work cut into slices, one thread per core, the calling thread taking the
 * first slice; when a thread cannot be started, the caller does its slice too. */
#ifndef SCEPSCOPE_PARALLEL_H
#define SCEPSCOPE_PARALLEL_H

#include <stddef.h>

#define PARALLEL_MAX 16

/* How many slices to cut n items into: one per core (at most PARALLEL_MAX), or one when n is
 * below `alone` (not worth a thread). */
size_t parallel_slices(size_t n, size_t alone);

/* Runs fn(from, to, slice, arg) over [0, n) cut into k equal slices (k <= PARALLEL_MAX), and
 * returns when all are done. */
void parallel_run(size_t n, size_t k, void (*fn)(size_t from, size_t to, size_t slice, void *arg),
                  void *arg);

#endif
