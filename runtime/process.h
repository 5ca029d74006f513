/* runtime/process.h — the steps that turn the container's init into the
 * workload process: rlimits, user and groups, capabilities, umask, the
 * executable lookup. Each runs in the child, one function per step. */
#ifndef COVE_PROCESS_H
#define COVE_PROCESS_H

#include "runtime/config.h"
#include "runtime/err.h"

int cove_process_set_rlimits(const struct cove_process *p, struct cove_err *err);
/* setgroups/setresgid/setresuid keeping capabilities, then the five
 * capability sets exactly as configured (bounding dropped first). */
int cove_process_set_user_and_caps(const struct cove_process *p, struct cove_err *err);
/* Resolve args[0] in the container (PATH from process.env), check it is
 * an executable regular file; *path is malloc'd. Errors use the words
 * podman maps to exit codes: "no such file or directory" and
 * "permission denied". */
int cove_process_find_exec(const struct cove_process *p, char **path, struct cove_err *err);
/* Write /proc/<pid>/oom_score_adj through a procfs fd verified by its
 * filesystem magic. */
int cove_process_set_oom_score_adj(pid_t pid, int value, struct cove_err *err);
/* Open a file under /proc verified to be procfs (not something the
 * container mounted over it). */
int cove_procfs_open(const char *rel, int flags, struct cove_err *err);
/* linux.sysctl, written under the container's /proc/sys. */
int cove_process_set_sysctl(const struct cove_config *c, struct cove_err *err);

#endif
