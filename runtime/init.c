/* runtime/init.c — the container's init until execve; see init.h for the
 * protocol. A short, linear sequence, one function per step:
 *   user namespace (READY_FOR_IDMAP/IDMAP_DONE or setns; become root) →
 *   wait GO → initial CPU affinity → join namespaces → cgroup ns →
 *   hostname → loopback → sysctl → rootfs (mounts, /dev, [HOOKS/HOOKS_DONE,
 *   createContainer hooks], pivot_root, masked/readonly) → terminal (pty, /dev/console) → cwd → keyring → rlimits → personality,
 *   scheduler, ioprio, mempolicy → LSM exec labels → [seccomp if no NNP] →
 *   user+caps → umask → find exec → READY → no_new_privs → wait on the
 *   exec fifo → startContainer hooks → final CPU affinity → [seccomp if
 *   NNP] → exec
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
#include "runtime/cleanup.h"
#include "runtime/fds.h"
#include "runtime/init.h"
#include "runtime/lsm.h"
#include "runtime/hooks.h"
#include "runtime/process.h"
#include "runtime/userns.h"
#include "runtime/process_sched.h"
#include "runtime/syscalls.h"
#include "runtime/terminal.h"

#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

int cove_msg_send(int sock, uint32_t type, const struct cove_err *e) {
    struct cove_msg m = {.type = type};
    size_t len = offsetof(struct cove_msg, text);
    if (e) {
        m.code = e->code;
        size_t n = strnlen(e->msg, sizeof(m.text) - 1);
        memcpy(m.text, e->msg, n);
        m.text[n] = '\0';
        len += n + 1;
    }
    /* MSG_NOSIGNAL: the peer (a `create` that already returned) may be gone */
    ssize_t w;
    do
        w = send(sock, &m, len, MSG_NOSIGNAL);
    while (w < 0 && errno == EINTR);
    return w < 0 ? -errno : 0;
}

int cove_msg_recv(int sock, struct cove_msg *msg) {
    memset(msg, 0, sizeof(*msg));
    ssize_t r;
    do
        r = recv(sock, msg, sizeof(*msg), 0);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return -errno;
    if (r == 0)
        return 0;
    if ((size_t)r < offsetof(struct cove_msg, text))
        return -EPROTO;
    msg->text[sizeof(msg->text) - 1] = '\0';
    return 1;
}

_Noreturn static void init_fail(const struct cove_init_args *a, struct cove_err *e) {
    cove_msg_send(a->sock, COVE_MSG_ERROR, e);
    _exit(1);
}

static int init_wait_go(const struct cove_init_args *a, struct cove_err *err) {
    struct cove_msg m;
    int r = cove_msg_recv(a->sock, &m);
    if (r <= 0 || m.type != COVE_MSG_GO)
        _exit(1); /* parent gone or failed: it cleans up, nobody to report to */
    cove_hooks_init_set_host_pid((pid_t)m.code);
    return 0;
}

static int init_join_namespaces(const struct cove_config *c, struct cove_err *err) {
    for (size_t i = 0; i < c->linux.n_namespaces; i++) {
        const struct cove_namespace *ns = &c->linux.namespaces[i];
        /* pid: joined by the parent before clone; user: first of all, by
         * cove_userns_child_setup */
        if (!ns->path || ns->type == CLONE_NEWPID || ns->type == CLONE_NEWUSER)
            continue;
        _cleanup_close_ int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return cove_err_sys(err, errno, "linux.namespaces[%zu].path: open %s", i, ns->path);
        if (setns(fd, ns->type) < 0)
            return cove_err_sys(err, errno, "linux.namespaces[%zu].path: setns %s", i, ns->path);
    }
    return 0;
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
    struct cove_rootfs_opts o = {
        .rootfs = a->rootfs,
        .no_pivot = a->no_pivot,
        .in_userns = cove_config_has_ns(a->config, CLONE_NEWUSER),
        .cg_host = a->cgroup_host,
        .cgroup_path = a->cgroup_path,
        .cg = a->cgroup,
        .idmap_fds = a->idmap_fds,
        .has_root_mount = a->root_mount_fd >= 0,
        .root_mount_fd = a->root_mount_fd,
        .before_pivot = cove_hooks_init_before_pivot,
        .before_pivot_arg = (void *)a,
    };
    return cove_rootfs_setup(a->config, &o, err);
}

static int init_cwd(const struct cove_process *p, struct cove_err *err) {
    /* CVE-2024-21626 class: until exec this process still holds fds that
     * point outside the root (close-on-exec does not close them yet, and the
     * caller of cove may have passed directories of the host), so a plain
     * chdir("/proc/self/fd/N") would land on the host. Resolve the cwd in
     * the root with no magic links, then fchdir to what was found. */
    _cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return cove_err_sys(err, errno, "process.cwd: open /");
    _cleanup_close_ int fd = cove_path_open_in_root(rootfd, p->cwd, O_PATH | O_DIRECTORY, err);
    if (fd < 0)
        return cove_err_prefix(err, "process.cwd");
    if (fchdir(fd) < 0)
        return cove_err_sys(err, errno, "process.cwd: chdir %s", p->cwd);
    return 0;
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

/* the preserved fds reach the workload, and nothing else does */
static int init_fds(const struct cove_init_args *a, struct cove_err *err) {
    return cove_fds_pass(a->preserve_fds, err);
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

static int init_seccomp(const struct cove_init_args *a, struct cove_err *err) {
    if (!a->seccomp)
        return 0;
    int listener = -1;
    int r = cove_seccomp_install(a->seccomp, &listener, err);
    if (r < 0)
        return cove_err_prefix(err, "linux.seccomp");
    if (listener >= 0)
        close(listener); /* the listener hand-off arrives with seccomp notify support */
    return 0;
}

_Noreturn void cove_init_main(const struct cove_init_args *a) {
    const struct cove_config *c = a->config;
    const struct cove_process *p = &c->process;
    struct cove_err err = {0};
    sigset_t none;
    _cleanup_free_ char *exe = NULL;

    /* the parent blocked signals to forward them; the workload starts clean */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() == 1)
        _exit(1);

    bool early_seccomp = !p->no_new_privileges;
    if (cove_userns_child_setup(a->sock, c, &err) < 0 ||
        init_wait_go(a, &err) < 0 ||
        cove_process_set_initial_affinity(p, &err) < 0 ||
        init_join_namespaces(c, &err) < 0 ||
        init_cgroup_namespace(c, &err) < 0 ||
        init_hostname(c, &err) < 0 ||
        init_network(c, &err) < 0 ||
        /* before the rootfs: the spec's readonlyPaths make the container's
         * /proc/sys a read-only bind mount. The host's /proc (still ours
         * here) resolves namespaced sysctls by the caller's namespaces. */
        cove_process_set_sysctl(c, &err) < 0 ||
        init_rootfs(a, &err) < 0 ||
        cove_terminal_setup(a->console_fd, p, true, &err) < 0 ||
        init_keyring(a, &err) < 0 ||
        cove_process_set_rlimits(p, &err) < 0 ||
        cove_process_set_sched(c, &err) < 0 ||
        cove_lsm_set_exec_labels(p, &err) < 0 ||
        (early_seccomp && init_seccomp(a, &err) < 0) ||
        cove_process_set_user_and_caps(p, &err) < 0 ||
        init_cwd(p, &err) < 0 ||
        cove_process_find_exec(p, &exe, &err) < 0 ||
        init_fds(a, &err) < 0)
        init_fail(a, &err);

    if (p->user.has_umask)
        umask(p->user.umask);
    else
        umask(022);

    /* setup is done: from here the init must outlive a `create` that exits */
    if (prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0) {
        cove_err_sys(&err, errno, "prctl(PR_SET_PDEATHSIG)");
        init_fail(a, &err);
    }
    if (cove_msg_send(a->sock, COVE_MSG_READY, NULL) < 0)
        _exit(1);

    if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        cove_err_sys(&err, errno, "process.noNewPrivileges: prctl");
        init_fail(a, &err);
    }
    if (init_wait_start(a, &err) < 0 || cove_hooks_init_start_container(a, &err) < 0 ||
        cove_process_set_final_affinity(p, &err) < 0 ||
        (!early_seccomp && init_seccomp(a, &err) < 0))
        init_fail(a, &err);

    execve(exe, p->args, p->env);
    cove_err_sys(&err, errno, "exec: \"%s\"", p->args[0]);
    init_fail(a, &err);
}
