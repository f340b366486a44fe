/* parallel.c - see parallel.h. */
#include <pthread.h>
#include <stdbool.h>
#include <unistd.h>

#include "parallel.h"

struct slice_job {
    void (*fn)(size_t from, size_t to, size_t slice, void *arg);
    void *arg;
    size_t from, to, slice;
};

static void *slice_run(void *p)
{
    struct slice_job *j = p;
    j->fn(j->from, j->to, j->slice, j->arg);
    return NULL;
}

size_t parallel_slices(size_t n, size_t alone)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t k = cores > 1 ? (size_t)cores : 1;
    if (k > PARALLEL_MAX)
        k = PARALLEL_MAX;
    return n < alone ? 1 : k;
}

void parallel_run(size_t n, size_t k, void (*fn)(size_t, size_t, size_t, void *), void *arg)
{
    struct slice_job job[PARALLEL_MAX];
    pthread_t th[PARALLEL_MAX];
    bool running[PARALLEL_MAX] = { false };
    if (k < 1)
        k = 1;
    if (k > PARALLEL_MAX)
        k = PARALLEL_MAX;
    for (size_t t = 0; t < k; t++)
        job[t] = (struct slice_job){ fn, arg, n * t / k, n * (t + 1) / k, t };
    for (size_t t = 1; t < k; t++)
        running[t] = pthread_create(&th[t], NULL, slice_run, &job[t]) == 0;
    slice_run(&job[0]);
    for (size_t t = 1; t < k; t++) {
        if (running[t])
            pthread_join(th[t], NULL);
        else
            slice_run(&job[t]);
    }
}
