/* runtime/fds.h — which fds reach a container process: stdio, the
 * socket-activation fds (LISTEN_FDS, systemd's protocol) and --preserve-fds,
 * in that order from fd 3; nothing else. */
#ifndef COVE_FDS_H
#define COVE_FDS_H

#include "runtime/config/config.h"
#include "lib/err.h"

/* Number of socket-activation fds handed to cove: LISTEN_FDS=n when
 * LISTEN_PID is cove's own pid (sd_listen_fds semantics); 0 otherwise. */
unsigned cove_fds_listen_count(void);

/* Set NAME=VALUE in a process's env (replacing an existing NAME). */
int cove_fds_env_set(struct cove_process *p, const char *name, const char *value, struct cove_err *err);

/* When n > 0: LISTEN_FDS=n and LISTEN_PID=1 in the process's env (the
 * workload is pid 1 of its pid namespace for the init; runc does the same
 * for exec). */
int cove_fds_apply_listen(struct cove_process *p, unsigned n, struct cove_err *err);

/* Parent, before it opens anything it keeps: fds 3..3+n-1 that are not
 * open become /dev/null (close-on-exec) so no internal fd of cove can land
 * in the range handed to the container. */
int cove_fds_reserve(unsigned n, struct cove_err *err);

/* Child: move *fd (an internal fd the child still needs) to >= min so it
 * cannot sit in the range passed to the workload. */
int cove_fds_move_above(int *fd, unsigned min, struct cove_err *err);

/* Child: fds 3..3+n-1 lose FD_CLOEXEC; every fd above them is closed,
 * except the nkeep fds in keep (-1 entries ignored), which stay open and
 * close-on-exec. After this no fd of the caller but stdio and the
 * preserved ones exists, so /proc/self/fd cannot lead to one. */
int cove_fds_close_inherited(unsigned n, const int *keep, size_t nkeep, struct cove_err *err);

#endif
