/* runtime/protocol.h — how cove talks to the processes it starts: the
 * container's init (create), an exec'd process (exec) and cove-shim (run
 * -d, create through the shim). Every conversation is one SOCK_SEQPACKET
 * socketpair (O_CLOEXEC), one struct cove_msg per packet, made before the
 * fork/clone3.
 *
 * create (runtime/create.c, runtime/init.c):
 *   child → parent  READY_FOR_IDMAP  (with a user namespace entry) the
 *                           init's first message: write my uid/gid maps (new
 *                           userns) / my namespaces exist (joined userns)
 *   parent → child  IDMAP_DONE  maps written; the init becomes root in its
 *                           user namespace, then waits for GO
 *   parent → child  GO      the child is in its cgroup and oom_score_adj is
 *                           set; GO.code carries the init's pid in the host
 *                           pid namespace (for the state given to hooks)
 *   child → parent  HOOKS   (only when prestart/createRuntime hooks exist)
 *                           mounts are done, pivot_root is next: run the
 *                           prestart + createRuntime hooks now
 *   parent → child  HOOKS_DONE  they succeeded; the init runs the
 *                           createContainer hooks and goes on (on failure
 *                           the parent kills the init instead)
 *   child → parent  READY   setup done (mounts, pivot_root, user, caps...);
 *                           the child now blocks reading the exec fifo
 *   child → parent  ERROR   {errno, message}, at any step; the child exits 1
 *   EOF on the parent side after READY means the execve succeeded (the
 *   child's end is close-on-exec); an ERROR after READY is an exec failure
 *   (`start` reads it after writing the fifo).
 * The exec fifo (<state dir>/exec.fifo) is opened O_RDWR by the parent
 * before clone3, so the child never blocks in open(2) and does not need
 * /proc after pivot_root: `start` opens it O_WRONLY|O_NONBLOCK (ENXIO when
 * the init is gone), writes one byte and unlinks it; the child's read(2)
 * returns and it execs.
 *
 * exec (runtime/exec.c):
 *   parent → child  GO      the child is in the container's cgroup and its
 *                           oom_score_adj is set: join and go on
 *   child → parent  ERROR   a setup step failed; else EOF at the execve
 *
 * cove-shim (runtime/shim.c): the shim reports on the socket cove passed:
 *   shim → cove     READY   the container is created (or started, for run)
 *   shim → cove     ERROR   it is not; nothing is left
 *
 * A child whose parent fails or goes away (EOF, or an unexpected message
 * where it waits) exits 1 silently: the parent reports and cleans up. */
#ifndef COVE_RUNTIME_PROTOCOL_H
#define COVE_RUNTIME_PROTOCOL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/config/config.h"
#include "lib/err.h"

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
    int32_t code;                /* positive errno for ERROR; GO: the init's host pid */
    char text[COVE_ERR_MAX];
};

/* Both sides: send/receive one message. send carries e's code and text
 * (NULL: none). recv returns 1, 0 on EOF with msg->type = 0, or -errno. */
int cove_msg_send(int sock, uint32_t type, const struct cove_err *e);
int cove_msg_recv(int sock, struct cove_msg *msg);

/* The receiving side of a peer that may report ERROR: 1 with *m filled
 * (never an ERROR), 0 on EOF, or the peer's ERROR (or a receive failure)
 * in err. peer names it in errors ("container init", "the exec process"). */
int cove_proto_recv(int sock, struct cove_msg *m, const char *peer, struct cove_err *err);

/* The child side: wait for want; anything else (EOF, ERROR, another type)
 * and the child exits 1. Returns the message's code. */
int32_t cove_proto_child_wait(int sock, uint32_t want);
/* The child side: report err and exit 1. */
_Noreturn void cove_proto_child_fail(int sock, struct cove_err *err);

/* READY_FOR_IDMAP / IDMAP_DONE, no-ops without a user namespace entry.
 * Parent, between clone3 and GO: wait for the init's message, write the
 * maps of linux.uidMappings/gidMappings (new namespace), answer. Child,
 * first thing after clone3: join the user namespace by path (unless the
 * clone helper did), unshare the rest inside it, ask for the maps, and
 * become root in it. user_maps: the runtime is not root on the host, so
 * the init is dumpable while its maps are written. */
int cove_proto_userns_parent(int sock, pid_t pid, const struct cove_config *c, struct cove_err *err);
int cove_proto_userns_child(int sock, const struct cove_config *c, bool user_maps, struct cove_err *err);

#endif
