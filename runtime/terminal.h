/* runtime/terminal.h — process.terminal: the pty of a container process,
 * handing its master to whoever drives it, and cove's own relay.
 *
 * Who holds the master:
 *   --console-socket PATH   the runtime (parent, on the host) connects to
 *                           PATH before clone; the child, already inside the
 *                           container, opens the CONTAINER's /dev/ptmx and
 *                           sends the master over that connection in ONE
 *                           message with SCM_RIGHTS (payload "/dev/ptmx", as
 *                           runc), then closes its copy.
 *   foreground run/exec -t  the same, over a socketpair whose other end cove
 *                           keeps; cove relays the master to its own stdio
 *                           (cove_io_wait).
 * The child side is identical in both cases: cove_terminal_setup. */
#ifndef COVE_TERMINAL_H
#define COVE_TERMINAL_H

#include <stdbool.h>
#include <sys/types.h>

#include "runtime/config/config.h"
#include "lib/err.h"

/* runc's rules: a detached terminal process needs a console socket, and a
 * console socket needs a detached terminal process. detach is true for
 * `create`, `run -d` and `exec -d`. */
int cove_terminal_check(const struct cove_process *p, const char *console_socket, bool detach, struct cove_err *err);

/* Relay mode, before clone: the pty starts with the size of cove's own
 * terminal (stdin), so the workload never sees 0x0 (it may run before the
 * relay loop starts). No-op when stdin is not a terminal. */
void cove_terminal_size_from_stdin(struct cove_process *p);

/* Parent, before clone: *child_fd gets the fd the child sends the master
 * over, *parent_fd the end cove reads it from (-1 with a console socket,
 * where the receiver is someone else). Both -1 when !p->terminal. Both
 * O_CLOEXEC. */
int cove_terminal_prepare(const struct cove_process *p, const char *console_socket, int *child_fd, int *parent_fd,
                          struct cove_err *err);

/* Child, inside the container's mount namespace (after pivot_root or setns):
 * new pty from /dev/ptmx, consoleSize, master sent over console_fd,
 * setsid + TIOCSCTTY, slave on 0/1/2. With mount_console the slave is also
 * bind-mounted onto /dev/console (the init only; the target must be a
 * regular file or char device, never a symlink). Closes console_fd. */
int cove_terminal_setup(int console_fd, const struct cove_process *p, bool mount_console, struct cove_err *err);

/* Parent: receive the master sent by cove_terminal_setup. */
int cove_terminal_recv_master(int parent_fd, int *master, struct cove_err *err);

/* Send / receive one fd with SCM_RIGHTS in a single message. */
int cove_fd_send(int sock, int fd, const char *name);
int cove_fd_recv(int sock, int *fd);

/* Parent, foreground: wait for pid (pidfd), forwarding the signals read
 * from sigfd (SIGWINCH resizes the pty instead), and with master >= 0 relay
 * stdin → master → stdout with stdin's terminal in raw mode (restored on
 * every path). Returns the exit code: the status, or 128+N on signal N. */
int cove_io_wait(pid_t pid, int pidfd, int sigfd, int master);

#endif
