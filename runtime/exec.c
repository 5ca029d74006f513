/* runtime/exec.c — `exec`; see exec.h and docs/exec.md.
 *
 * Parent (cove, on the host):
 *   open+lock the container, check its status, pidfd of its init → load
 *   the config from the bundle in state.json, build the process (config's
 *   or --process FILE, then flags) → seccomp program, cgroup (leaf or
 *   --cgroup sub-cgroup), namespaces that differ from ours → terminal fds,
 *   socketpair → PR_SET_DUMPABLE 0 → setns(pidfd, CLONE_NEWPID) (applies to
 *   children only) → clone3(CLONE_INTO_CGROUP v2 leaf) → v1 cgroup.procs,
 *   oom_score_adj → GO → EOF (exec'd) or ERROR → unlock → detach: pid file;
 *   foreground: wait/relay.
 * Child (runs the same protocol as init.h: GO, then ERROR or EOF at exec):
 *   initial CPU affinity → setns(init pidfd, every other differing
 *   namespace at once) → terminal → the tail shared with the init
 *   (child.h: rlimits … fds closed, cwd and executable resolved in the
 *   root, [seccomp if no NNP], user+caps, no_new_privs, final affinity,
 *   [seccomp if NNP]) → execve.
 * CVE-2019-5736: the child is a fork of a non-dumpable cove that runs from
 * a read-only image of itself (selfexe.h), so neither the container's
 * processes nor the child's own execve can reach a writable cove binary. */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroups/cgroups.h"
#include "runtime/child.h"
#include "lib/cleanup.h"
#include "runtime/create.h"
#include "namespaces/nsjoin.h"
#include "namespaces/userns.h"
#include "runtime/container.h"
#include "runtime/fds.h"
#include "runtime/init.h"
#include "runtime/lifecycle.h"
#include "runtime/lsm.h"
#include "runtime/ops.h"
#include "runtime/process.h"
#include "runtime/process_sched.h"
#include "runtime/rootless.h"
#include "runtime/seccomp/seccomp.h"
#include "lib/syscalls.h"
#include "runtime/terminal.h"


struct exec_ctx {
    const struct cove_exec_opts *o;
    struct cove_store st; bool have_store;
    struct cove_state s; enum cove_status status;
    struct cove_config *config;
    struct cove_seccomp_prog seccomp; bool have_seccomp;
    struct cove_cgroup_host host; bool have_host;
    struct cove_cgroup cg; bool have_cg;
    struct cove_cgroup_self_join cg_join;   /* v1 `tasks` fds: the child moves itself in */
    int init_pidfd, sock, child_sock, console_child, console_parent, pidfd;
    int root_fd;            /* the init's root, when it shares our mount namespace; -1 */
    int ns_flags;           /* namespaces the child joins (not pid) */
    bool join_pid;
    unsigned nfds;          /* LISTEN_FDS + --preserve-fds */
    pid_t pid;
};

static const int forwarded[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};

/* ---------------------------------------------------------------- process */

static int read_process_file(const char *path, struct cove_process *p, struct cove_err *err) {
    _cleanup_free_ char *buf = NULL;
    size_t len = 0;
    int r = cove_read_file(AT_FDCWD, path, 4u << 20, &buf, &len, err);
    if (r < 0)
        return cove_err_prefix(err, "--process");
    r = cove_config_parse_process(buf, len, p, err);
    return r < 0 ? cove_err_prefix(err, "--process %s", path) : 0;
}

static int strv_dup(char **src, size_t n, char ***out, struct cove_err *err) {
    char **v = calloc(n + 1, sizeof(*v));
    if (!v)
        return cove_err_set(err, ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (!(v[i] = strdup(src[i]))) {
            strv_free(v);
            return cove_err_set(err, ENOMEM, "out of memory");
        }
    *out = v;
    return 0;
}

static int parse_id(const char *s, const char *flag, uint32_t *out, struct cove_err *err) {
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v > UINT32_MAX - 1 || *s == '-')
        return cove_err_set(err, EINVAL, "%s: invalid id \"%s\" (numeric uid[:gid] expected)", flag, s);
    *out = (uint32_t)v;
    return 0;
}

static int apply_user(struct cove_process *p, const char *u, struct cove_err *err) {
    char buf[64];
    if (snprintf(buf, sizeof(buf), "%s", u) >= (int)sizeof(buf))
        return cove_err_set(err, EINVAL, "--user: \"%s\" too long", u);
    char *colon = strchr(buf, ':');
    if (colon)
        *colon = '\0';
    int r = parse_id(buf, "--user", &p->user.uid, err);
    if (r == 0 && colon)
        r = parse_id(colon + 1, "--user", &p->user.gid, err);
    return r;
}

static int apply_caps(struct cove_process *p, char **caps, size_t n, struct cove_err *err) {
    for (size_t i = 0; i < n; i++) {
        cap_value_t c;
        if (strncmp(caps[i], "CAP_", 4) != 0 || cap_from_name(caps[i], &c) < 0 || c < 0 || c > 63)
            return cove_err_set(err, EINVAL, "--cap: unknown capability \"%s\"", caps[i]);
        uint64_t bit = UINT64_C(1) << c;
        /* as runc: added to the sets that make it usable right away */
        p->caps.bounding |= bit;
        p->caps.effective |= bit;
        p->caps.permitted |= bit;
    }
    if (n)
        p->caps.set = true;
    return 0;
}

static int apply_gids(struct cove_process *p, const uint32_t *g, size_t n, struct cove_err *err) {
    if (!n)
        return 0;
    uint32_t *v = realloc(p->user.additional_gids, (p->user.n_additional_gids + n) * sizeof(*v));
    if (!v)
        return cove_err_set(err, ENOMEM, "out of memory");
    memcpy(v + p->user.n_additional_gids, g, n * sizeof(*v));
    p->user.additional_gids = v;
    p->user.n_additional_gids += n;
    return 0;
}

/* The config's process with the command-line overrides (runc's
 * getProcess): args, cwd, env (KEY=VALUE replacing the config's), tty,
 * no-new-privs, user, additional gids, caps. */
static int apply_flags(struct cove_process *p, const struct cove_exec_opts *o, struct cove_err *err) {
    int r;
    if (!o->n_args)
        return cove_err_set(err, EINVAL, "exec: a command (args) or --process is required");
    strv_free(p->args);
    p->args = NULL;
    if ((r = strv_dup(o->args, o->n_args, &p->args, err)) < 0)
        return r;
    p->n_args = o->n_args;
    if (o->cwd) {
        if (o->cwd[0] != '/')
            return cove_err_set(err, EINVAL, "--cwd: must be an absolute path, got \"%s\"", o->cwd);
        char *c = strdup(o->cwd);
        if (!c)
            return cove_err_set(err, ENOMEM, "out of memory");
        free(p->cwd);
        p->cwd = c;
    }
    for (size_t i = 0; i < o->n_env; i++) {
        const char *eq = strchr(o->env[i], '=');
        if (!eq || eq == o->env[i])
            return cove_err_set(err, EINVAL, "--env: must be KEY=value, got \"%s\"", o->env[i]);
        _cleanup_free_ char *key = strndup(o->env[i], (size_t)(eq - o->env[i]));
        if (!key)
            return cove_err_set(err, ENOMEM, "out of memory");
        if ((r = cove_fds_env_set(p, key, eq + 1, err)) < 0)
            return r;
    }
    p->terminal = o->tty;
    if (o->no_new_privs)
        p->no_new_privileges = true;
    if (o->user && (r = apply_user(p, o->user, err)) < 0)
        return r;
    if ((r = apply_gids(p, o->additional_gids, o->n_additional_gids, err)) < 0)
        return r;
    return apply_caps(p, o->caps, o->n_caps, err);
}

static int set_label(char **field, const char *v, struct cove_err *err) {
    if (!v)
        return 0;
    char *c = strdup(v);
    if (!c)
        return cove_err_set(err, ENOMEM, "out of memory");
    free(*field);
    *field = c;
    return 0;
}

static int build_process(struct exec_ctx *x, struct cove_err *err) {
    const struct cove_exec_opts *o = x->o;
    struct cove_process *p = &x->config->process;
    int r;
    if (o->process_file) {
        if (o->n_args)
            return cove_err_set(err, EINVAL, "exec: --process and a command cannot be used together");
        struct cove_process np;
        if ((r = read_process_file(o->process_file, &np, err)) < 0)
            return r;
        cove_process_free(p);
        *p = np;
        x->config->has_process = true;
    } else {
        if (!x->config->has_process)
            return cove_err_set(err, EINVAL, "exec: the container's config has no process; use --process");
        if ((r = apply_flags(p, o, err)) < 0)
            return r;
    }
    /* --apparmor/--process-label override the labels; lsm.c refuses them
     * when the LSM is not active on this host */
    if ((r = set_label(&p->apparmor_profile, o->apparmor, err)) < 0 ||
        (r = set_label(&p->selinux_label, o->process_label, err)) < 0)
        return r;
    if ((r = cove_lsm_plan(x->config, err)) < 0)
        return r;
    unsigned listen = cove_fds_listen_count();
    x->nfds = listen + o->preserve_fds;
    if ((r = cove_fds_apply_listen(p, listen, err)) < 0)
        return r;
    if ((r = cove_terminal_check(p, o->console_socket, o->detach, err)) < 0)
        return r;
    if (!o->detach)
        cove_terminal_size_from_stdin(p);
    return 0;
}

/* ---------------------------------------------------------------- plan */

static int open_cgroup(struct exec_ctx *x, struct cove_err *err) {
    if (!x->s.cgroup_path)
        return 0;
    int r = cove_ops_open_cgroup(x->st.dir, &x->s, x->o->cgroup, &x->host, &x->cg, err);
    if (r < 0)
        return r;
    x->have_host = x->have_cg = true;
    return 0;
}

static const struct {
    const char *name;
    int flag;
} ns_names[] = {
    {"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS}, {"uts", CLONE_NEWUTS}, {"ipc", CLONE_NEWIPC},
    {"net", CLONE_NEWNET}, {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME}, {"pid", CLONE_NEWPID},
};

/* Every namespace of the init that is not already ours: joining one we are
 * in is an error for the user namespace, and pointless for the others. */
static int plan_namespaces(struct exec_ctx *x, struct cove_err *err) {
    for (size_t i = 0; i < ARRAY_SIZE(ns_names); i++) {
        char theirs[64], ours[64];
        struct stat a, b;
        snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", (int)x->s.pid, ns_names[i].name);
        snprintf(ours, sizeof(ours), "/proc/self/ns/%s", ns_names[i].name);
        if (stat(theirs, &a) < 0) {
            if (errno == ENOENT && ns_names[i].flag == CLONE_NEWTIME)
                continue; /* kernel without time namespaces */
            return errno == ENOENT ? cove_err_set(err, ESRCH, "container not running")
                                   : cove_err_sys(err, errno, "stat %s", theirs);
        }
        if (stat(ours, &b) < 0)
            return cove_err_sys(err, errno, "stat %s", ours);
        if (a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
            if (ns_names[i].flag == CLONE_NEWNS) {
                char root[64];
                snprintf(root, sizeof(root), "/proc/%d/root", (int)x->s.pid);
                if ((x->root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
                    return cove_err_sys(err, errno, "open %s", root);
            }
            continue;
        }
        if (ns_names[i].flag == CLONE_NEWPID)
            x->join_pid = true;
        else
            x->ns_flags |= ns_names[i].flag;
    }
    return 0;
}

static int exec_plan(struct exec_ctx *x, struct cove_err *err) {
    const struct cove_exec_opts *o = x->o;
    int r;
    if ((r = cove_state_validate_id(o->id, err)) < 0)
        return r;
    if ((r = cove_ops_open(o->root, o->id, &x->st, &x->s, &x->status, err)) < 0)
        return r;
    x->have_store = true;
    if (!(x->status == COVE_STATUS_PAUSED && o->ignore_paused) && (r = cove_check_exec(o->id, x->status, err)) < 0)
        return r;
    if ((x->init_pidfd = cove_ops_init_pidfd(&x->s, err)) < 0)
        return cove_err_set(err, ESRCH, "cannot exec in a stopped container");
    if ((r = cove_config_load(x->s.bundle, &x->config, err)) < 0 || (r = build_process(x, err)) < 0)
        return r;
    if (x->config->linux.seccomp.set) {
        if ((r = cove_seccomp_build(&x->config->linux.seccomp, &x->seccomp, err)) < 0)
            return r;
        x->have_seccomp = true;
    }
    if ((r = open_cgroup(x, err)) < 0)
        return r;
    return plan_namespaces(x, err);
}

/* ---------------------------------------------------------------- child */

static int child_join(struct exec_ctx *x, struct cove_err *err) {
    /* one call, so the kernel orders user namespace first and the joins
     * are atomic; setns(CLONE_NEWNS) also moves root and cwd into the
     * container, so no host directory stays reachable (CVE-2024-21626) */
    int r = cove_ns_join_pidfd(x->init_pidfd, x->ns_flags, err);
    if (r < 0)
        return r;
    cove_close(&x->init_pidfd);
    /* a container without a mount namespace of its own lives in a chroot
     * of ours: enter the same root */
    if (x->root_fd >= 0 && (fchdir(x->root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0))
        return cove_err_sys(err, errno, "chroot into the container's root");
    return 0;
}

_Noreturn static void exec_child(struct exec_ctx *x) {
    const struct cove_process *p = &x->config->process;
    struct cove_err err = {0};
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* the parent's ends and the locked state dir stay with the parent */
    close(x->sock);
    close(x->st.dirfd);
    if (x->cg.v2_fd >= 0)
        close(x->cg.v2_fd);
    if (x->console_parent >= 0)
        close(x->console_parent);
    int sock = x->child_sock;
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
        _exit(1);
    /* one thread moving itself: no global cgroup lock (cgroups.h) */
    if (cove_cgroup_self_join(&x->cg_join, &err) < 0)
        cove_proto_child_fail(sock, &err);
    cove_proto_child_wait(sock, COVE_MSG_GO);
    if (cove_fds_move_above(&sock, 3 + x->nfds, &err) < 0)
        cove_proto_child_fail(sock, &err);
    if (cove_process_set_initial_affinity(p, &err) < 0 ||
        child_join(x, &err) < 0 ||
        cove_terminal_setup(x->console_child, p, false, &err) < 0)
        cove_proto_child_fail(sock, &err);
    struct cove_child tail = {
        .config = x->config,
        .seccomp = x->have_seccomp ? &x->seccomp : NULL,
        .preserve_fds = x->nfds,
        .sock = sock,
        .keep_fd = -1,
    };
    cove_child_finish(&tail);
}

/* ---------------------------------------------------------------- parent */

static int exec_spawn(struct exec_ctx *x, struct cove_err *err) {
    int r, sp[2];
    if ((r = cove_terminal_prepare(&x->config->process, x->o->console_socket, &x->console_child,
                                   &x->console_parent, err)) < 0)
        return r;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
        return cove_err_sys(err, errno, "socketpair");
    x->sock = sp[0];
    x->child_sock = sp[1];
    /* before touching any namespace of the container: a non-dumpable
     * process cannot be ptraced nor have /proc/<pid>/exe opened by the
     * container's processes (CVE-2019-5736); the child inherits it and
     * loses it only at execve of the workload */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        return cove_err_sys(err, errno, "prctl(PR_SET_DUMPABLE)");
    /* pid namespaces apply to children only: the next clone is born in it;
     * cove's own is restored right after (see below) */
    _cleanup_close_ int own_pidns = -1;
    /* Without privileges over the host's pid namespace (an ordinary user,
     * or root of a rootless podman's user namespace) cove could join the
     * container's, or not come back to its own: a helper joins it (and
     * the user namespace first, when the container has one), then clones
     * the child, which is thus born there */
    bool via_helper = x->join_pid && (geteuid() != 0 || cove_in_user_namespace());
    if (x->join_pid && !via_helper &&
        ((r = cove_ns_save(CLONE_NEWPID, &own_pidns, err)) < 0 ||
         (r = cove_ns_join_pidfd(x->init_pidfd, CLONE_NEWPID, err)) < 0))
        return r;
    struct clone_args ca = {
        .flags = CLONE_PIDFD | CLONE_CLEAR_SIGHAND,
        .pidfd = (uint64_t)(uintptr_t)&x->pidfd,
        .exit_signal = SIGCHLD,
    };
    if (x->cg.v2_fd >= 0) {
        ca.flags |= CLONE_INTO_CGROUP;
        ca.cgroup = (uint64_t)x->cg.v2_fd;
    }
    if (x->have_cg && (r = cove_cgroup_self_join_open(&x->cg, &x->cg_join, err)) < 0)
        return r;
    int helper_ns = CLONE_NEWPID | (x->ns_flags & CLONE_NEWUSER);
    if (via_helper)
        x->ns_flags &= ~CLONE_NEWUSER; /* the child is born in it */
    pid_t pid = via_helper ? cove_clone_via_helper(&ca, x->init_pidfd, helper_ns, false,
                                                   "join the container's pid namespace", &x->pidfd, err)
                           : cove_clone3(&ca, sizeof(ca));
    int clone_errno = errno;
    if (pid == 0)
        exec_child(x);
    cove_cgroup_self_join_close(&x->cg_join);
    x->cg.v1_self_joined = pid > 0;
    if (pid > 0)
        x->pid = pid; /* from here a failure kills it (exec_abort) */
    /* nothing else cove forks may land in the container (a sanitizer's
     * tracer thread, for one, could not see its parent from there) */
    if ((r = cove_ns_restore(&own_pidns, CLONE_NEWPID, err)) < 0 && pid > 0)
        return r;
    if (pid < 0 && via_helper)
        return (int)pid; /* err filled by the helper */
    if (pid < 0)
        return cove_err_sys(err, clone_errno, "clone3%s", x->cg.v2_fd >= 0 ? " into the container's cgroup" : "");
    /* the child keeps its own (non-dumpable) flag; cove itself never
     * entered the container (only its children's pid namespace changed),
     * so it may be dumpable again: sanitizers and core dumps need it */
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    x->pid = pid;
    x->cg.v2_born_inside = x->cg.v2_fd >= 0;
    close(x->child_sock);
    x->child_sock = -1;
    if (x->console_child >= 0)
        close(x->console_child);
    x->console_child = -1;
    return 0;
}

/* v1 cgroups, oom_score_adj, GO; then EOF means execve succeeded. */
static int exec_release(struct exec_ctx *x, struct cove_err *err) {
    int r;
    if (x->have_cg && (r = cove_cgroup_add_pid(&x->cg, x->pid, err)) < 0)
        return r;
    const struct cove_process *p = &x->config->process;
    if (p->has_oom_score_adj && (r = cove_process_set_oom_score_adj(x->pid, p->oom_score_adj, err)) < 0)
        return r;
    if ((r = cove_msg_send(x->sock, COVE_MSG_GO, NULL)) < 0)
        return cove_err_sys(err, -r, "send to the exec process");
    struct cove_msg m;
    if ((r = cove_proto_recv(x->sock, &m, "the exec process", err)) < 0)
        return r;
    if (r > 0)
        return cove_err_set(err, EPROTO, "unexpected message %u from the exec process", m.type);
    /* EOF: execve closed the child's end (close-on-exec). A child killed
     * before its execve looks the same; its status is then the exit code. */
    return 0;
}

static void exec_abort(struct exec_ctx *x) {
    if (x->pid > 0) {
        cove_pidfd_send_signal(x->pidfd, SIGKILL, NULL, 0);
        waitpid(x->pid, NULL, 0);
        x->pid = 0;
    }
}

static void exec_free(struct exec_ctx *x) {
    int *fds[] = {&x->init_pidfd, &x->sock, &x->child_sock, &x->console_child, &x->console_parent, &x->pidfd,
                  &x->root_fd};
    for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
        cove_close(fds[i]);
    cove_cgroup_self_join_close(&x->cg_join);
    if (x->have_store) {
        cove_state_free(&x->s);
        cove_store_close(&x->st);
        x->have_store = false;
    }
    if (x->have_cg)
        cove_cgroup_free(&x->cg);
    if (x->have_host)
        cove_cgroup_host_free(&x->host);
    if (x->have_seccomp)
        cove_seccomp_prog_free(&x->seccomp);
    x->have_cg = x->have_host = x->have_seccomp = false;
    cove_config_freep(&x->config);
}

int cove_container_exec(const struct cove_exec_opts *o, int *exit_code, struct cove_err *err) {
    struct exec_ctx x = {.o = o, .init_pidfd = -1, .root_fd = -1, .sock = -1, .child_sock = -1, .console_child = -1,
                         .console_parent = -1, .pidfd = -1};
    x.cg.v2_fd = -1;
    *exit_code = 0;
    sigset_t set, old;
    sigemptyset(&set);
    for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
        sigaddset(&set, forwarded[i]);
    /* blocked before clone so no signal is lost; the child unblocks them */
    sigprocmask(SIG_BLOCK, &set, &old);
    _cleanup_close_ int sigfd = o->detach ? -1 : signalfd(-1, &set, SFD_CLOEXEC);

    /* before the first fd cove keeps: see cove_fds_reserve */
    int r = cove_fds_reserve(cove_fds_listen_count() + o->preserve_fds, err);
    if (r == 0)
        r = exec_plan(&x, err);
    if (r == 0)
        r = exec_spawn(&x, err);
    if (r == 0)
        r = exec_release(&x, err);
    _cleanup_close_ int master = -1;
    if (r == 0 && x.console_parent >= 0)
        r = cove_terminal_recv_master(x.console_parent, &master, err);
    if (r == 0 && o->pid_file)
        r = cove_write_pid_file(o->pid_file, x.pid, err);
    if (r < 0) {
        exec_abort(&x);
        exec_free(&x);
        sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
    }
    pid_t pid = x.pid;
    int pidfd = TAKE_FD(x.pidfd);
    /* the process runs: drop the container's lock so kill/delete work */
    exec_free(&x);
    if (!o->detach)
        *exit_code = cove_io_wait(pid, pidfd, sigfd, master);
    close(pidfd);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return 0;
}
