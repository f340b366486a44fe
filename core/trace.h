/* trace.h - SCEPSCOPE_TRACE=FILE: the program writes, as it goes, what it has just finished
 * and when (milliseconds since it started), so that a benchmark can time each phase and each
 * key of the interface from the inside rather than with sleeps. One line per mark; a phase
 * also gives the page faults so far, the anonymous memory (heap) resident at that moment in
 * KB, and the CPU time of all threads so far in ms (against the wall time, how much both
 * cores worked):
 *     12.345 parsed minflt=5100 anon_kb=153000 cpu_ms=21
 *     80.002 key 106
 * Without the variable every call is a no-op. */
#ifndef SCEPSCOPE_TRACE_H
#define SCEPSCOPE_TRACE_H

/* Opens the file named by SCEPSCOPE_TRACE (once; later calls do nothing) and sets time zero. */
void trace_start(void);
/* Writes "MS WHAT" or, when key is not 0, "MS WHAT KEY". Thread-safe. */
void trace_mark(const char *what, int key);
void trace_stop(void);

#endif
