/* runtime/process_sched.h — the process attributes the kernel keeps per
 * task and that survive execve: personality, scheduler (sched_setattr),
 * I/O priority, CPU affinity (process.execCPUAffinity) and the NUMA memory
 * policy. Each is applied by the container's init (runtime/init.c); the
 * list parsers are pure so they can be unit-tested. */
#ifndef COVE_PROCESS_SCHED_H
#define COVE_PROCESS_SCHED_H

#include <stddef.h>

#include "runtime/config/config.h"
#include "lib/err.h"

/* Parse a cpuset(7)-style list ("0-3,5,7-8") into a bitmap of nbits bits
 * (mask must hold nbits bits, it is cleared first). *highest (optional)
 * gets the highest bit set. -EINVAL on syntax, -ERANGE when a number is
 * >= nbits; err names the list ("invalid list \"x\"..."); callers prefix
 * the config field. An empty string is an empty set. */
int cove_sched_parse_list(const char *s, unsigned long *mask, size_t nbits, size_t *highest, struct cove_err *err);

/* process.execCPUAffinity.initial: right after the parent placed us in our
 * cgroups (a cpuset change there resets the affinity). */
int cove_process_set_initial_affinity(const struct cove_process *p, struct cove_err *err);
/* process.execCPUAffinity.final: right before execve. */
int cove_process_set_final_affinity(const struct cove_process *p, struct cove_err *err);

/* linux.personality, process.scheduler, process.ioPriority and
 * linux.memoryPolicy, in that order. Runs before capabilities are dropped:
 * real-time policies need CAP_SYS_NICE, IOPRIO_CLASS_RT CAP_SYS_ADMIN. */
int cove_process_set_sched(const struct cove_config *c, struct cove_err *err);

#endif
