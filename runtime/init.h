/* runtime/init.h — the container's init process: the code that runs in the
 * child of clone3 until it execs the workload, and the messages it
 * exchanges with the runtime (the parent).
 *
 *
 * The messages and their order: runtime/protocol.h. */
#ifndef COVE_INIT_H
#define COVE_INIT_H

#include <stdbool.h>
#include <stdint.h>

#include "cgroups/cgroups.h"
#include "runtime/config/config.h"
#include "lib/err.h"
#include "runtime/protocol.h"
#include "runtime/seccomp/seccomp.h"

struct cove_overlay_plan;

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
    struct cove_cgroup_self_join *cgroup_join; /* v1: the init moves itself in, first of all */
    /* for the state JSON of createContainer/startContainer hooks */
    const char *bundle;
    const char *created;
    const int *idmap_fds;                /* see cove_rootfs_opts.idmap_fds */
    int root_mount_fd;                   /* an image's overlay (detached mount); -1: none */
    const struct cove_overlay_plan *overlay; /* NULL, or the overlay the init mounts itself (rootless) */
    bool user_maps;                      /* the runtime is not root: see cove_proto_userns_child */
    bool runtime_in_userns;              /* cove runs in a non-initial user namespace */
};

/* Runs in the child; never returns. */
_Noreturn void cove_init_main(const struct cove_init_args *a);

#endif
