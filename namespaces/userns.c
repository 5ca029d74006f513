/* namespaces/userns.c — see userns.h and docs/userns.md. */
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/proc.h"
#include "lib/syscalls.h"
#include "namespaces/nsjoin.h"
#include "namespaces/userns.h"

/* 5 lines of "%u %u %u\n" used to be the kernel limit; it is 340 now. A
 * page is what one write(2) to uid_map may carry. */
#define MAP_BUF 4096

bool cove_userns_is_new(const struct cove_config *c) {
    const struct cove_namespace *ns = cove_config_find_ns(c, CLONE_NEWUSER);
    return ns && !ns->path;
}

const char *cove_userns_join_path(const struct cove_config *c) {
    const struct cove_namespace *ns = cove_config_find_ns(c, CLONE_NEWUSER);
    return ns ? ns->path : NULL;
}

int cove_userns_format_map(const struct cove_idmap *m, size_t n, char *buf, size_t len) {
    if (n == 0)
        return -EINVAL;
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(buf + off, len - off, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n", m[i].container_id,
                         m[i].host_id, m[i].size);
        if (w < 0 || (size_t)w >= len - off)
            return -ENOSPC;
        off += (size_t)w;
    }
    return (int)off;
}

uid_t cove_userns_host_root(const struct cove_idmap *m, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (m[i].container_id == 0 && m[i].size > 0)
            return (uid_t)m[i].host_id;
    return (uid_t)-1;
}

static int write_proc(pid_t pid, const char *file, const char *data, size_t len, const char *field,
                      struct cove_err *err) {
    char rel[64];
    snprintf(rel, sizeof(rel), "%d/%s", (int)pid, file);
    _cleanup_close_ int fd = cove_procfs_open(rel, O_WRONLY, err);
    if (fd < 0)
        return cove_err_prefix(err, "%s", field);
    /* the kernel takes a map in exactly one write */
    ssize_t w = write(fd, data, len);
    if (w < 0)
        return cove_err_sys(err, errno, "%s: write /proc/%s", field, rel);
    if ((size_t)w != len)
        return cove_err_set(err, EIO, "%s: short write to /proc/%s", field, rel);
    return 0;
}

static int write_one_map(pid_t pid, const char *file, const struct cove_idmap *m, size_t n, const char *field,
                         const char *which, struct cove_err *err) {
    char buf[MAP_BUF];
    int len = cove_userns_format_map(m, n, buf, sizeof(buf));
    if (len == -EINVAL)
        return cove_err_set(err, EINVAL, "%s%s: a user namespace needs at least one mapping", field, which);
    if (len < 0)
        return cove_err_set(err, E2BIG, "%s%s: too many mappings", field, which);
    char f[128];
    snprintf(f, sizeof(f), "%s%s", field, which);
    return write_proc(pid, file, buf, (size_t)len, f, err);
}

int cove_userns_write_maps(pid_t pid, const struct cove_idmap *uid, size_t nu, const struct cove_idmap *gid,
                           size_t ng, bool deny_setgroups, const char *field, struct cove_err *err) {
    int r;
    if (deny_setgroups && (r = write_proc(pid, "setgroups", "deny", 4, field, err)) < 0)
        return r;
    if ((r = write_one_map(pid, "uid_map", uid, nu, field, ".uidMappings", err)) < 0)
        return r;
    return write_one_map(pid, "gid_map", gid, ng, field, ".gidMappings", err);
}

/* New namespaces to unshare after joining a user namespace by path, so that
 * they are owned by it (clone3 created none: see create.c clone_flags). pid
 * was created by clone3 (unshare would only affect children), cgroup is
 * unshared later by the init, time by the parent. */
int cove_userns_unshare_after_join(const struct cove_config *c, struct cove_err *err) {
    int flags = 0;
    for (size_t i = 0; i < c->linux.n_namespaces; i++) {
        const struct cove_namespace *ns = &c->linux.namespaces[i];
        if (!ns->path && (ns->type == CLONE_NEWNS || ns->type == CLONE_NEWUTS || ns->type == CLONE_NEWIPC ||
                          ns->type == CLONE_NEWNET))
            flags |= ns->type;
    }
    if (flags && unshare(flags) < 0)
        return cove_err_sys(err, errno, "linux.namespaces: unshare inside the joined user namespace");
    return 0;
}

int cove_userns_become_root(struct cove_err *err) {
    /* ids are reset to the namespace's 0, which must be mapped */
    if (setresgid(0, 0, 0) < 0)
        return cove_err_sys(err, errno, "linux.gidMappings: setresgid(0) in the user namespace (is 0 mapped?)");
    if (setresuid(0, 0, 0) < 0)
        return cove_err_sys(err, errno, "linux.uidMappings: setresuid(0) in the user namespace (is 0 mapped?)");
    /* the host's supplementary groups would show as nogroup: drop them
     * (EPERM when the joined namespace has setgroups denied) */
    if (setgroups(0, NULL) < 0 && errno != EPERM)
        return cove_err_sys(err, errno, "setgroups in the user namespace");
    return 0;
}

int cove_userns_join(const char *path, struct cove_err *err) {
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return cove_err_sys(err, errno, "linux.namespaces: user: open %s", path);
    if (setns(fd, CLONE_NEWUSER) < 0)
        return cove_err_sys(err, errno, "linux.namespaces: user: setns %s", path);
    return 0;
}

int cove_timens_format_offsets(const struct cove_config *c, char *buf, size_t len) {
    const struct cove_linux *l = &c->linux;
    size_t off = 0;
    if (len)
        buf[0] = '\0';
    const struct { const char *name; const struct cove_time_offset *t; } clk[] = {
        {"monotonic", &l->time_monotonic}, {"boottime", &l->time_boottime}};
    for (size_t i = 0; i < ARRAY_SIZE(clk); i++) {
        if (!clk[i].t->set)
            continue;
        int w = snprintf(buf + off, len - off, "%s %" PRId64 " %" PRIu32 "\n", clk[i].name, clk[i].t->secs,
                         clk[i].t->nanosecs);
        if (w < 0 || (size_t)w >= len - off)
            return -ENOSPC;
        off += (size_t)w;
    }
    return (int)off;
}

int cove_timens_prepare(const struct cove_config *c, int *saved, struct cove_err *err) {
    *saved = -1;
    const struct cove_namespace *ns = cove_config_find_ns(c, CLONE_NEWTIME);
    if (!ns || ns->path)
        return 0; /* a joined time namespace is entered by the init (setns) */
    _cleanup_close_ int self = -1;
    int r = cove_ns_save(CLONE_NEWTIME, &self, err);
    if (r < 0)
        return cove_err_prefix(err, "linux.namespaces: time");
    if (unshare(CLONE_NEWTIME) < 0)
        return cove_err_sys(err, errno, "linux.namespaces: time: unshare");
    *saved = TAKE_FD(self);
    char buf[256];
    int len = cove_timens_format_offsets(c, buf, sizeof(buf));
    if (len > 0) {
        /* must happen before any process enters the namespace: the first
         * one to enter it is the init, created by the clone3 that follows */
        _cleanup_close_ int fd = cove_procfs_open("self/timens_offsets", O_WRONLY, err);
        r = fd;
        if (fd >= 0 && write(fd, buf, (size_t)len) != len)
            r = cove_err_sys(err, errno, "linux.timeOffsets: write /proc/self/timens_offsets");
        if (r < 0) {
            struct cove_err ignored;
            cove_timens_restore(saved, &ignored);
            return fd < 0 ? cove_err_prefix(err, "linux.timeOffsets") : r;
        }
    }
    return 0;
}

int cove_timens_restore(int *saved, struct cove_err *err) {
    return cove_ns_restore(saved, CLONE_NEWTIME, err);
}

/* Joining a user namespace by path and creating a pid namespace: the pid
 * namespace must belong to the joined user namespace (or the container's
 * root could not mount its /proc), but clone3 from the runtime would make
 * it belong to the host's, and an empty pid namespace cannot be entered
 * (it has no reaper until its first process exists). So a helper child
 * joins the user namespace, unshares CLONE_NEWPID and makes the init with
 * clone3(CLONE_PARENT): the init is the runtime's child, pid 1 of a pid
 * namespace owned by the joined user namespace. The helper reports the
 * init's pid over a pipe and exits. */
bool cove_userns_spawn_needs_helper(const struct cove_config *c) {
    const struct cove_namespace *pid = cove_config_find_ns(c, CLONE_NEWPID);
    return cove_userns_join_path(c) && pid && !pid->path;
}

pid_t cove_userns_clone_via_helper(const struct clone_args *ca, const struct cove_config *c, int *pidfd,
                                   struct cove_err *err) {
    const char *upath = cove_userns_join_path(c);
    _cleanup_close_ int uns = open(upath, O_RDONLY | O_CLOEXEC);
    if (uns < 0)
        return cove_err_sys(err, errno, "linux.namespaces: user: open %s", upath);
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return cove_err_sys(err, errno, "pipe");
    struct clone_args hca = {.exit_signal = SIGCHLD};
    pid_t helper = cove_clone3(&hca, sizeof(hca));
    if (helper < 0) {
        int e = errno;
        close(p[0]);
        close(p[1]);
        return cove_err_sys(err, e, "clone3 (user namespace helper)");
    }
    if (helper == 0) {
        close(p[0]);
        int32_t msg[2] = {0, 0}; /* {pid, errno} */
        struct clone_args ica = *ca;
        ica.flags = (ica.flags & ~(uint64_t)CLONE_PIDFD) | CLONE_PARENT;
        ica.pidfd = 0;
        /* clone3 refuses an exit_signal with CLONE_PARENT: the init gets
         * ours (SIGCHLD), sent to our parent, the runtime */
        ica.exit_signal = 0;
        if (setns(uns, CLONE_NEWUSER) < 0 || unshare(CLONE_NEWPID) < 0) {
            msg[1] = errno;
        } else {
            pid_t init = cove_clone3(&ica, sizeof(ica));
            if (init == 0) {
                close(p[1]);
                return 0; /* the init: back into ctx_spawn's child branch */
            }
            msg[0] = init;
            msg[1] = init < 0 ? errno : 0;
        }
        _exit(write(p[1], msg, sizeof(msg)) == (ssize_t)sizeof(msg) ? 0 : 1);
    }
    close(p[1]);
    int32_t msg[2] = {0, EIO};
    ssize_t n;
    do
        n = read(p[0], msg, sizeof(msg));
    while (n < 0 && errno == EINTR);
    close(p[0]);
    while (waitpid(helper, NULL, 0) < 0 && errno == EINTR)
        ;
    if (n != (ssize_t)sizeof(msg) || msg[0] <= 0)
        return cove_err_sys(err, msg[1] ? msg[1] : EIO,
                            "linux.namespaces: create the init in the user namespace %s", upath);
    /* race-free: the init is our child (CLONE_PARENT) and not reaped */
    *pidfd = cove_pidfd_open(msg[0], 0);
    if (*pidfd < 0) {
        int e = errno;
        kill(msg[0], SIGKILL);
        waitpid(msg[0], NULL, 0);
        return cove_err_sys(err, e, "pidfd_open %d", (int)msg[0]);
    }
    return msg[0];
}

