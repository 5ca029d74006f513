/* runtime/child.h — the last steps of every process cove puts into a
 * container, shared by the init (init.c) and `exec` (exec.c) so that a fix
 * to their order lands once. The caller has done its own part (namespaces,
 * rootfs or joins, terminal) and hands over; cove_child_finish never
 * returns: it execs the workload or reports ERROR on sock and exits.
 *
 * The order, and why:
 *   rlimits → personality/scheduler/ioprio/mempolicy → LSM exec labels
 *     (all need privileges the user switch takes away)
 *   → close every inherited fd above stdio and the preserved range
 *     (CVE-2024-21626: no fd of the host survives to be reached through
 *     /proc/self/fd; what the child itself still needs is kept, close-on-exec)
 *   → open process.cwd in the root without magic links, find the
 *     executable in the root the same way, HOME from the container's
 *     /etc/passwd when process.env has none
 *   → empty the capability bounding set to the config's
 *   → user + capabilities (when noNewPrivileges is false and there is a
 *     filter, CAP_SYS_ADMIN is held in permitted+effective: loading a filter
 *     without no_new_privs needs it; it is in no other set, so execve drops
 *     it) → fchdir to the cwd opened above → umask → parent-death signal
 *     off → no_new_privs
 *   → before_exec (the init: READY, wait for `start`, startContainer hooks)
 *   → final CPU affinity → seccomp → execve.
 * The filter is always the last step: a profile that allows only what the
 * workload needs (not even openat2, setuid or capset) cannot break cove's
 * own setup, because after loading it nothing but execve remains. */
#ifndef COVE_CHILD_H
#define COVE_CHILD_H

#include "runtime/config/config.h"
#include "lib/err.h"
#include "runtime/protocol.h"
#include "runtime/seccomp/seccomp.h"

struct cove_child {
    const struct cove_config *config;       /* the process is config->process */
    const struct cove_seccomp_prog *seccomp; /* NULL: no filter */
    unsigned preserve_fds;                   /* fds 3..3+n-1 go to the workload */
    int sock;                                /* ERROR is reported here; kept until exec */
    int keep_fd;                             /* one more fd the caller needs in before_exec; -1 */
    /* called after the user switch, right before the last steps; NULL: none */
    int (*before_exec)(void *arg, struct cove_err *err);
    void *arg;
};

_Noreturn void cove_child_finish(const struct cove_child *c);

#endif
