/* runtime/init.h — the container's init process: the code that runs in the
 * child of clone3 until it execs the workload, and the messages it
 * exchanges with the runtime (the parent).
 *
 * Protocol: one SOCK_SEQPACKET socketpair (O_CLOEXEC), one struct cove_msg
 * per packet.
 *   parent → child  GO      the child is in its cgroup and oom_score_adj is set;
 *                           go on with the setup
 *   child → parent  READY   setup done (mounts, pivot_root, user, caps...);
 *                           the child now blocks reading the exec fifo
 *   child → parent  ERROR   {errno, message}; the child exits 1 after sending
 *   child → parent  READY_FOR_IDMAP  (with a user namespace entry) the
 *                           init's first message: write my uid/gid maps (new
 *                           userns) / my namespaces exist (joined userns)
 *   parent → child  IDMAP_DONE  maps written; the init becomes root in its
 *                           user namespace, then waits for GO
 *   parent → child  GO.code carries the init's pid in the host pid namespace
 *                           (for the state given to hooks)
 *   child → parent  HOOKS   (only when prestart/createRuntime hooks exist)
 *                           mounts are done, pivot_root is next: run the
 *                           prestart + createRuntime hooks now
 *   parent → child  HOOKS_DONE  they succeeded; the init runs the
 *                           createContainer hooks and goes on (on failure
 *                           the parent kills the init instead)
 *   EOF on the parent side after READY means the execve succeeded (the
 *   child's end is close-on-exec); an ERROR after READY is an exec failure.
 * The exec fifo (<state dir>/exec.fifo) is opened O_RDWR by the parent
 * before clone3, so the child never blocks in open(2) and does not need
 * /proc after pivot_root: `start` opens it O_WRONLY|O_NONBLOCK (ENXIO when
 * the init is gone), writes one byte and unlinks it; the child's read(2)
 * returns and it execs. */
#ifndef COVE_INIT_H
#define COVE_INIT_H

#include <stdbool.h>
#include <stdint.h>

#include "cgroups/cgroups.h"
#include "runtime/config/config.h"
#include "lib/err.h"
#include "runtime/seccomp/seccomp.h"

enum cove_msg_type {
    COVE_MSG_GO = 1,
    COVE_MSG_READY = 2,
    COVE_MSG_ERROR = 3,
    COVE_MSG_READY_FOR_IDMAP = 4,
    COVE_MSG_IDMAP_DONE = 5,
    COVE_MSG_HOOKS = 6,
    COVE_MSG_HOOKS_DONE = 7,
};

struct cove_msg {
    uint32_t type;
    int32_t code;                /* positive errno for ERROR */
    char text[COVE_ERR_MAX];
};

struct cove_init_args {
    const struct cove_config *config;
    const char *id;
    const char *rootfs;                  /* absolute, canonical */
    bool no_pivot;
    bool no_new_keyring;
    unsigned preserve_fds;
    int sock;                            /* child's end of the socketpair */
    int fifo_fd;                         /* exec fifo, O_RDWR */
    int console_fd;                      /* process.terminal: the pty master goes here; -1 */
    const struct cove_seccomp_prog *seccomp;   /* NULL when none */
    const struct cove_cgroup_host *cgroup_host;
    const char *cgroup_path;
    const struct cove_cgroup *cgroup;
    /* for the state JSON of createContainer/startContainer hooks */
    const char *bundle;
    const char *created;
    const int *idmap_fds;                /* see cove_rootfs_opts.idmap_fds */
    int root_mount_fd;                   /* an image's overlay (detached mount); -1: none */
};

/* Runs in the child; never returns. */
_Noreturn void cove_init_main(const struct cove_init_args *a);

/* Both sides: send/receive one message. recv returns 0 on EOF with
 * msg->type = 0. */
int cove_msg_send(int sock, uint32_t type, const struct cove_err *e);
int cove_msg_recv(int sock, struct cove_msg *msg);

#endif
