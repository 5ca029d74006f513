/* runtime/process.h — the steps that turn the container's init into the
 * workload process: rlimits, user and groups, capabilities, umask, the
 * executable lookup. Each runs in the child, one function per step. */
#ifndef COVE_PROCESS_H
#define COVE_PROCESS_H

#include <stdint.h>

#include "runtime/config/config.h"
#include "lib/err.h"

int cove_process_set_rlimits(const struct cove_process *p, struct cove_err *err);
/* The bounding set becomes the config's (empty without
 * process.capabilities: no section means no capabilities, as runc). */
int cove_process_drop_bounding(const struct cove_process *p, struct cove_err *err);
/* setgroups/setresgid/setresuid keeping capabilities, then the other four
 * capability sets exactly as configured (none without a section), plus
 * the capabilities in hold (bit n: capability n) in permitted and
 * effective until execve, which drops them (they are in neither the
 * bounding, inheritable nor ambient set). */
int cove_process_set_user_and_caps(const struct cove_process *p, uint64_t hold, struct cove_err *err);
/* Resolve args[0] in the container (PATH from process.env), check it is
 * an executable regular file that resolves inside the root without magic
 * links (a workload path like /proc/self/fd/N must not reach an fd of the
 * runtime); *path is malloc'd. Errors use the words podman maps to exit
 * codes: "no such file or directory" and "permission denied". Run before
 * the user switch, so an executable the user may not run fails at execve
 * with EACCES (cove_process_exec_error words it the same way). */
int cove_process_find_exec(const struct cove_process *p, char **path, struct cove_err *err);
/* The environment the workload gets: process.env, plus HOME when it has
 * none: the home of process.user.uid in the container's /etc/passwd, or
 * "/" (runc's rule; `docker run -u` relies on it). Run in the container's
 * root. *env is p->env itself or a new vector whose strings are p->env's
 * and one new HOME= (both kept until execve). */
int cove_process_env(const struct cove_process *p, char ***env, struct cove_err *err);

/* The message for a failed execve of path, in the words of find_exec. */
int cove_process_exec_error(const struct cove_process *p, const char *path, int errnum, struct cove_err *err);
/* Write /proc/<pid>/oom_score_adj through a procfs fd verified by its
 * filesystem magic. */
int cove_process_set_oom_score_adj(pid_t pid, int value, struct cove_err *err);
/* linux.sysctl, written under the container's /proc/sys. */
int cove_process_set_sysctl(const struct cove_config *c, struct cove_err *err);

#endif
