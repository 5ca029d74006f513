/* runtime/create.h — internal to runtime/: the state of one `create` in
 * progress, shared by create.c and run.c. */
#ifndef COVE_CREATE_H
#define COVE_CREATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "cgroups/cgroups.h"
#include "cgroups/systemd.h"
#include "image/image.h"
#include "runtime/config/config.h"
#include "runtime/container.h"
#include "runtime/intelrdt.h"
#include "runtime/seccomp/seccomp.h"
#include "runtime/state.h"

struct create_ctx {
    const struct cove_create_opts *opts;
    struct cove_config *config;
    char *bundle, *rootfs, *cgpath;
    struct cove_cgroup_host cghost; bool have_cghost;
    struct cove_cgroup cg; bool have_cg;
    /* --systemd-cgroup (cgroups/systemd.h): the scope, its properties, and
     * whether systemd has started it (then abort stops it) */
    bool systemd; struct cove_systemd_unit sdunit; struct cove_systemd_props sdprops; bool sd_started;
    struct cove_cgroup_self_join cg_join;   /* the v1 `tasks` fds the init writes itself into */
    struct cove_seccomp_prog seccomp; bool have_seccomp;
    char *seccomp_cache; bool seccomp_miss;   /* <root>/.seccomp~cache; the filter was not in it */
    struct cove_store store; bool have_store;
    int sock, fifo, pidfd;
    pid_t pid;
    bool wrote_pid_file;
    /* linux.intelRdt and linux.netDevices (runtime/linux_extras.h) */
    struct cove_rdt_group rdt; bool have_rdt;
    struct cove_state_netdev *netdevs; size_t n_netdevs;   /* moved in so far */
    /* process.terminal and socket activation (runtime/create_io.c) */
    int console_child, console_parent;  /* pty master hand-off; -1: none */
    unsigned listen_fds;                /* LISTEN_FDS passed before --preserve-fds */
    /* an image's layers (image/overlay.c): planned, then a detached mount
     * the init attaches at root.path in its own mount namespace; -1: none */
    struct cove_overlay_plan overlay;
    int overlay_fd;
    /* user ns, id-mapped mounts, hooks (runtime/create_hooks.c) */
    char created[64];                   /* RFC 3339; state.json and the hooks' state */
    int *idmap_fds;                     /* per mount, from cove_idmap_mounts_prepare; NULL: none */
    bool user_maps;                     /* not root on the host: the init is dumpable for its maps */
    bool runtime_in_userns;             /* cove itself is in a user namespace (rootless podman) */
};

/* Everything up to READY + state.json + pid file. On failure the caller
 * calls cove_create_abort (undo) then cove_create_free. */
int cove_create_begin(struct create_ctx *x, const struct cove_create_opts *o, struct cove_err *err);
void cove_create_abort(struct create_ctx *x);
void cove_create_free(struct create_ctx *x);

/* For run and the shim (start after create in one process): release the
 * init blocked on the exec fifo and wait until it has exec'd (EOF on the
 * socket) or reports why exec failed (ERROR). */
int cove_create_release(struct create_ctx *x, struct cove_err *err);

int cove_write_pid_file(const char *path, pid_t pid, struct cove_err *err);

/* runtime/create_hooks.c: the state the hooks of a create in progress see
 * (borrowed pointers into x), the parent's answer to the init's HOOKS
 * message, and poststart for `run` (warnings only). */
void cove_create_hook_state(const struct create_ctx *x, struct cove_state *s);
int cove_create_answer_hooks(struct create_ctx *x, struct cove_err *err);
void cove_create_poststart(struct create_ctx *x);

/* runtime/create_io.c: plan (terminal rules, -t, LISTEN_FDS env), before
 * clone (fds reserved, pty hand-off fds), after clone, free. */
int cove_create_io_plan(struct create_ctx *x, struct cove_err *err);
int cove_create_io_setup(struct create_ctx *x, struct cove_err *err);
void cove_create_io_spawned(struct create_ctx *x);
void cove_create_io_free(struct create_ctx *x);

#endif
