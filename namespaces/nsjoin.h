/* namespaces/nsjoin.h — entering namespaces: the ones a config names by
 * path, all of a running container's through its init's pidfd, and the
 * save/restore around a setns that only changes what later children get
 * (pid, time). */
#ifndef COVE_NAMESPACES_NSJOIN_H
#define COVE_NAMESPACES_NSJOIN_H

#include "runtime/config/config.h"
#include "lib/err.h"

/* setns into every linux.namespaces entry with a path, except the types in
 * skip (CLONE_NEW* flags: pid is joined by the parent before clone3, user
 * first of all by cove_userns_join). Errors name the entry. */
int cove_ns_join_configured(const struct cove_config *c, int skip, struct cove_err *err);

/* The pid namespace entry's path, joined for this process's future
 * children (setns(CLONE_NEWPID) changes nothing else); no-op without one. */
int cove_ns_join_pid_for_children(const struct cove_config *c, struct cove_err *err);

/* setns(pidfd, flags): all namespaces of flags at once, in the kernel's
 * order (user first), atomically. */
int cove_ns_join_pidfd(int pidfd, int flags, struct cove_err *err);

/* *fd = this process's own namespace of type (one CLONE_NEW* flag), to come
 * back to with cove_ns_restore, which closes it (a no-op when *fd < 0). */
int cove_ns_save(int type, int *fd, struct cove_err *err);
int cove_ns_restore(int *fd, int type, struct cove_err *err);

#endif
