/* trace.c - see trace.h. */
#include "trace.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static FILE *trace_file;
static struct timespec trace_t0;
static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;

void trace_start(void)
{
    pthread_mutex_lock(&trace_lock);
    if (!trace_file) {
        const char *path = getenv("SCEPSCOPE_TRACE");
        clock_gettime(CLOCK_MONOTONIC, &trace_t0);
        if (path && *path)
            trace_file = fopen(path, "w");
    }
    pthread_mutex_unlock(&trace_lock);
}

/* The process's anonymous resident memory in KB (heap and stacks, not the mapped logs), from
 * Linux's /proc/self/status; -1 where there is none. */
static long anon_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "RssAnon: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

void trace_mark(const char *what, int key)
{
    pthread_mutex_lock(&trace_lock);
    if (trace_file) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        double ms = (double)(t.tv_sec - trace_t0.tv_sec) * 1e3 +
                    (double)(t.tv_nsec - trace_t0.tv_nsec) / 1e6;
        if (key)
            fprintf(trace_file, "%.3f %s %d\n", ms, what, key);
        else {
            struct rusage ru;
            long flt = -1;
            double cpu = -1;
            if (getrusage(RUSAGE_SELF, &ru) == 0) {
                flt = ru.ru_minflt;
                cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
                      (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
            }
            /* cpu_ms: user and system time of all threads so far, against ms of wall time,
             * says how much of a phase both cores worked */
            fprintf(trace_file, "%.3f %s minflt=%ld anon_kb=%ld cpu_ms=%.0f\n", ms, what, flt,
                    anon_kb(), cpu);
        }
        fflush(trace_file);
    }
    pthread_mutex_unlock(&trace_lock);
}

void trace_stop(void)
{
    pthread_mutex_lock(&trace_lock);
    if (trace_file)
        fclose(trace_file);
    trace_file = NULL;
    pthread_mutex_unlock(&trace_lock);
}
