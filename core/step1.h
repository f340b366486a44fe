/* step1.h - what the Windows event logs and the devices' own logs add to the attempts (the
 * CA's, NDES's and the device's events, Android's and Apple's device logs, matched by time),
 * and step 1's timing: the last device sync seen, and when the next automatic one is due, by
 * the device's platform. */
#ifndef SCEPSCOPE_STEP1_H
#define SCEPSCOPE_STEP1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diagnose.h"

/* in the order of the playbook's sync_schedule (PB_SYNC_*) */
enum platform { PLATFORM_WINDOWS, PLATFORM_IOS, PLATFORM_ANDROID, PLATFORM_COUNT };

const char *platform_name(enum platform p);

/* When the next automatic sync is due after a sync at `last`, by a platform's schedule (the
 * playbook's sync_schedule). enrolled: when the device enrolled (the schedule starts faster),
 * or TIME_NONE when unknown: then the steady interval is taken. TIME_NONE when the schedule
 * is not given. */
int64_t step1_next_sync(const struct pb_sync *sy, int64_t enrolled, int64_t last);

/* The advice for step 1 from the last sync seen on platform p, in words, into out. */
void step1_words(const struct pb_sync *sy, enum platform p, int64_t last, char *out,
                 size_t cap);

/* Events of the Windows event logs and of the devices' own logs that matched a signature join
 * the attempt whose span holds them (within the playbook's preamble window), or the attempt
 * their request's earlier lines joined, as evidence of their step; then step 1 of each attempt
 * says when the device last synced (Windows, iOS or Android) and when it syncs next. False when
 * out of memory. Called by diagnose_run once the attempts are judged. */
bool step1_run(struct diagnosis *d);

#endif
