/* namespaces/userns.c — see userns.h and docs/userns.md. */
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <spawn.h>
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

bool cove_userns_map_is_self(const struct cove_idmap *m, size_t n, uint32_t self) {
    return n == 1 && m[0].host_id == self && m[0].size == 1;
}

/* newuidmap/newgidmap (shadow's setuid helpers, package uidmap) write a
 * map an ordinary user may not: the ranges /etc/subuid and /etc/subgid
 * grant, plus the user's own id. Both run at once (each is a setuid exec,
 * about 1.5 ms); their complaint comes back in err. */
struct idmap_helper {
    const char *name, *field;
    pid_t pid;   /* 0: not started */
    int out;     /* its stdout+stderr */
};

static int idmap_helper_spawn(struct idmap_helper *h, pid_t pid, const struct cove_idmap *m, size_t n,
                              struct cove_err *err) {
    if (n > 340)
        return cove_err_set(err, E2BIG, "%s: too many mappings", h->field);
    char nums[341 * 3][12];
    char pidbuf[16];
    char *argv[2 + 341 * 3 + 1];
    size_t k = 0;
    snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
    argv[k++] = (char *)h->name;
    argv[k++] = pidbuf;
    for (size_t i = 0; i < n; i++) {
        uint32_t v[3] = {m[i].container_id, m[i].host_id, m[i].size};
        for (size_t j = 0; j < 3; j++, k++) {
            snprintf(nums[k - 2], sizeof(nums[0]), "%" PRIu32, v[j]);
            argv[k] = nums[k - 2];
        }
    }
    argv[k] = NULL;
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return cove_err_sys(err, errno, "%s: pipe", h->field);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], STDERR_FILENO);
    posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
    int r = posix_spawnp(&h->pid, h->name, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    if (r != 0) {
        close(p[0]);
        h->pid = 0;
        if (r == ENOENT)
            return cove_err_set(err, ENOENT, "%s: mapping more than the caller's own id needs %s "
                                             "(package uidmap) and a range in /etc/sub%cid",
                                h->field, h->name, h->name[3]);
        return cove_err_sys(err, r, "%s: run %s", h->field, h->name);
    }
    h->out = p[0];
    return 0;
}

/* Wait for a started helper; r: the result so far (a first failure wins). */
static int idmap_helper_finish(struct idmap_helper *h, int r, struct cove_err *err) {
    if (!h->pid)
        return r;
    char msg[512];
    size_t got = 0;
    ssize_t rd;
    while (got < sizeof(msg) - 1 && (rd = read(h->out, msg + got, sizeof(msg) - 1 - got)) > 0)
        got += (size_t)rd;
    close(h->out);
    msg[got] = '\0';
    msg[strcspn(msg, "\n")] = '\0';
    int status = 0;
    while (waitpid(h->pid, &status, 0) < 0)
        if (errno != EINTR)
            return r < 0 ? r : cove_err_sys(err, errno, "%s: wait for %s", h->field, h->name);
    if (r < 0 || (WIFEXITED(status) && WEXITSTATUS(status) == 0))
        return r;
    return cove_err_set(err, EPERM, "%s: %s refused the mapping (are the ranges in /etc/sub%cid for uid %u?): %s",
                        h->field, h->name, h->name[3], (unsigned)getuid(), got ? msg : "no message");
}

int cove_userns_set_maps(pid_t pid, const struct cove_idmap *uid, size_t nu, const struct cove_idmap *gid,
                         size_t ng, struct cove_err *err) {
    /* as root cove writes full maps and leaves setgroups allowed, as runc */
    if (geteuid() == 0)
        return cove_userns_write_maps(pid, uid, nu, gid, ng, false, "linux", err);
    /* the kernel lets a user map its own ids alone, setgroups denied */
    if (cove_userns_map_is_self(uid, nu, geteuid()) && cove_userns_map_is_self(gid, ng, getegid()))
        return cove_userns_write_maps(pid, uid, nu, gid, ng, true, "linux", err);
    if (nu == 0 || ng == 0)
        return cove_err_set(err, EINVAL, "linux.%s: a user namespace needs at least one mapping",
                            nu == 0 ? "uidMappings" : "gidMappings");
    struct idmap_helper hu = {.name = "newuidmap", .field = "linux.uidMappings"};
    struct idmap_helper hg = {.name = "newgidmap", .field = "linux.gidMappings"};
    int r = idmap_helper_spawn(&hu, pid, uid, nu, err);
    if (r >= 0)
        r = idmap_helper_spawn(&hg, pid, gid, ng, err);
    r = idmap_helper_finish(&hu, r, err);
    return idmap_helper_finish(&hg, r, err);
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

pid_t cove_clone_via_helper(const struct clone_args *ca, int nsfd, int nstype, bool new_pid, const char *what,
                            int *pidfd, struct cove_err *err) {
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
        /* clone3 refuses an exit_signal with CLONE_PARENT: the child gets
         * ours (SIGCHLD), sent to our parent, the runtime */
        ica.exit_signal = 0;
        if (setns(nsfd, nstype) < 0 || (new_pid && unshare(CLONE_NEWPID) < 0)) {
            msg[1] = errno;
        } else {
            pid_t child = cove_clone3(&ica, sizeof(ica));
            if (child == 0) {
                close(p[1]);
                return 0; /* back into the caller's child branch */
            }
            msg[0] = child;
            msg[1] = child < 0 ? errno : 0;
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
        return cove_err_sys(err, msg[1] ? msg[1] : EIO, "%s", what);
    /* race-free: the child is ours (CLONE_PARENT) and not reaped */
    *pidfd = cove_pidfd_open(msg[0], 0);
    if (*pidfd < 0) {
        int e = errno;
        kill(msg[0], SIGKILL);
        waitpid(msg[0], NULL, 0);
        return cove_err_sys(err, e, "pidfd_open %d", (int)msg[0]);
    }
    return msg[0];
}

pid_t cove_userns_clone_via_helper(const struct clone_args *ca, const struct cove_config *c, int *pidfd,
                                   struct cove_err *err) {
    const char *upath = cove_userns_join_path(c);
    _cleanup_close_ int uns = open(upath, O_RDONLY | O_CLOEXEC);
    if (uns < 0)
        return cove_err_sys(err, errno, "linux.namespaces: user: open %s", upath);
    char what[PATH_MAX + 64];
    snprintf(what, sizeof(what), "linux.namespaces: create the init in the user namespace %s", upath);
    return cove_clone_via_helper(ca, uns, CLONE_NEWUSER, true, what, pidfd, err);
}

