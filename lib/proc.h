/* lib/proc.h — small process and time utilities. */
#ifndef COVE_PROC_H
#define COVE_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/err.h"

/* /proc/<pid>/stat start time (field 22); 0 with errno on failure; *zombie
 * set when the process is a zombie. */
uint64_t cove_proc_start_time(pid_t pid, bool *zombie);

/* RFC 3339 with nanoseconds, UTC: "2026-11-25T09:00:00.123456789Z". */
void cove_time_rfc3339(char buf[64]);

/* Open a file under /proc verified to be procfs (not something the
 * container mounted over it), without magic links or mount crossings. */
int cove_procfs_open(const char *rel, int flags, struct cove_err *err);

/* True when /proc/self/uid_map is not the initial user namespace's
 * identity map (read once per process). */
bool cove_in_user_namespace(void);
/* True when uid (as this process sees ids) is in its user namespace's
 * uid_map: false means stat's overflow uid stands for an unmapped owner. */
bool cove_uid_mapped_here(uid_t uid);

#endif
