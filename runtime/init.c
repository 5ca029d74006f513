/* runtime/init.c — the container's init until execve; see init.h for the
 * protocol. A short, linear sequence, one function per step:
 *   user namespace (READY_FOR_IDMAP/IDMAP_DONE or setns; become root) →
 *   wait GO → initial CPU affinity → join namespaces → cgroup ns →
 *   hostname → loopback → sysctl → rootfs (mounts, /dev, [HOOKS/HOOKS_DONE,
 *   createContainer hooks], pivot_root, masked/readonly) → terminal (pty,
 *   /dev/console) → keyring → the tail shared with exec (child.h: rlimits
 *   … user+caps, cwd, no_new_privs), whose before_exec here is READY →
 *   wait on the exec fifo → startContainer hooks; then final CPU affinity
 *   → [seccomp if NNP] → exec.
 * Every failure is reported over the socket before exiting. */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "namespaces/net.h"
#include "namespaces/path.h"
#include "namespaces/rootfs.h"
#include "runtime/child.h"
#include "image/image.h"
#include "lib/cleanup.h"
#include "runtime/fds.h"
#include "runtime/init.h"
#include "runtime/lsm.h"
#include "runtime/hooks.h"
#include "runtime/process.h"
#include "namespaces/nsjoin.h"
#include "runtime/process_sched.h"
#include "lib/syscalls.h"
#include "runtime/terminal.h"

#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

static int init_wait_go(const struct cove_init_args *a, struct cove_err *err) {
    (void)err;
    cove_hooks_init_set_host_pid((pid_t)cove_proto_child_wait(a->sock, COVE_MSG_GO));
    return 0;
}

static int init_join_namespaces(const struct cove_config *c, struct cove_err *err) {
    /* pid: joined by the parent before clone; user: first of all, by
     * cove_proto_userns_child */
    return cove_ns_join_configured(c, CLONE_NEWPID | CLONE_NEWUSER, err);
}

static int init_cgroup_namespace(const struct cove_config *c, struct cove_err *err) {
    const struct cove_namespace *ns = cove_config_find_ns(c, CLONE_NEWCGROUP);
    /* unshared only now, after the parent put us in our cgroup, so that the
     * namespace's root is the container's cgroup on every hierarchy */
    if (ns && !ns->path && unshare(CLONE_NEWCGROUP) < 0)
        return cove_err_sys(err, errno, "linux.namespaces: unshare cgroup namespace");
    return 0;
}

static int init_hostname(const struct cove_config *c, struct cove_err *err) {
    if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) < 0)
        return cove_err_sys(err, errno, "hostname: sethostname \"%s\"", c->hostname);
    if (c->domainname && setdomainname(c->domainname, strlen(c->domainname)) < 0)
        return cove_err_sys(err, errno, "domainname: setdomainname \"%s\"", c->domainname);
    return 0;
}

static int init_network(const struct cove_config *c, struct cove_err *err) {
    const struct cove_namespace *ns = cove_config_find_ns(c, CLONE_NEWNET);
    if (!ns || ns->path)
        return 0;
    int r = cove_net_loopback_up(err);
    return r < 0 ? cove_err_prefix(err, "linux.namespaces: network: bring up lo") : 0;
}

static int init_rootfs(const struct cove_init_args *a, struct cove_err *err) {
    _cleanup_close_ int overlay = -1;
    int r;
    if (a->overlay && (r = cove_overlay_mount_planned(a->overlay, &overlay, err)) < 0)
        return r;
    int root_mount_fd = a->overlay ? overlay : a->root_mount_fd;
    struct cove_rootfs_opts o = {
        .rootfs = a->rootfs,
        .no_pivot = a->no_pivot,
        /* or cove itself runs in one (rootless podman): no mknod either */
        .in_userns = cove_config_has_ns(a->config, CLONE_NEWUSER) || a->runtime_in_userns,
        .host_mount_ns = !cove_config_has_ns(a->config, CLONE_NEWNS),
        .cg_host = a->cgroup_host,
        .cgroup_path = a->cgroup_path,
        .cg = a->cgroup,
        .idmap_fds = a->idmap_fds,
        .has_root_mount = root_mount_fd >= 0,
        .root_mount_fd = root_mount_fd,
        .before_pivot = cove_hooks_init_before_pivot,
        .before_pivot_arg = (void *)a,
    };
    return cove_rootfs_setup(a->config, &o, err);
}

static int init_keyring(const struct cove_init_args *a, struct cove_err *err) {
    if (a->no_new_keyring)
        return 0;
    char name[128];
    snprintf(name, sizeof(name), "_ses.%.100s", a->id);
    /* a fresh session keyring so the container cannot read the host's keys;
     * ENOSYS/EACCES (keyrings disabled or refused by seccomp) is not fatal, as in runc */
    if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name) < 0 && errno != ENOSYS && errno != EACCES &&
        errno != EPERM)
        return cove_err_sys(err, errno, "join session keyring");
    return 0;
}

static int init_wait_start(const struct cove_init_args *a, struct cove_err *err) {
    char b;
    ssize_t r;
    do
        r = read(a->fifo_fd, &b, 1);
    while (r < 0 && errno == EINTR);
    if (r != 1)
        return cove_err_sys(err, r < 0 ? errno : EPIPE, "read exec fifo");
    /* not closed: the fd is close-on-exec, so `start` learns from the
     * fifo losing its last reader that the workload exec'd (poststart) */
    return 0;
}

/* The init's part just before exec (child.h before_exec): tell create we
 * are ready, wait for `start`, run the startContainer hooks. */
static int init_before_exec(void *arg, struct cove_err *err) {
    const struct cove_init_args *a = arg;
    if (cove_msg_send(a->sock, COVE_MSG_READY, NULL) < 0)
        _exit(1);
    int r = init_wait_start(a, err);
    return r < 0 ? r : cove_hooks_init_start_container(a, err);
}

_Noreturn void cove_init_main(const struct cove_init_args *a) {
    const struct cove_config *c = a->config;
    struct cove_err err = {0};
    sigset_t none;

    /* the parent blocked signals to forward them; the workload starts clean */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() == 1)
        _exit(1);

    /* first of all: one thread, moving itself into its v1 cgroups (no
     * global lock, see cgroups.h) before anything it does can be charged */
    if (cove_cgroup_self_join(a->cgroup_join, &err) < 0 ||
        cove_proto_userns_child(a->sock, c, a->user_maps, &err) < 0 ||
        init_wait_go(a, &err) < 0 ||
        cove_process_set_initial_affinity(&c->process, &err) < 0 ||
        init_join_namespaces(c, &err) < 0 ||
        init_cgroup_namespace(c, &err) < 0 ||
        init_hostname(c, &err) < 0 ||
        init_network(c, &err) < 0 ||
        /* before the rootfs: the spec's readonlyPaths make the container's
         * /proc/sys a read-only bind mount. The host's /proc (still ours
         * here) resolves namespaced sysctls by the caller's namespaces. */
        cove_process_set_sysctl(c, &err) < 0 ||
        init_rootfs(a, &err) < 0 ||
        cove_terminal_setup(a->console_fd, &c->process, true, &err) < 0 ||
        init_keyring(a, &err) < 0)
        cove_proto_child_fail(a->sock, &err);

    struct cove_child tail = {
        .config = c,
        .seccomp = a->seccomp,
        .preserve_fds = a->preserve_fds,
        .sock = a->sock,
        .keep_fd = a->fifo_fd,
        .before_exec = init_before_exec,
        .arg = (void *)a,
    };
    cove_child_finish(&tail);
}
