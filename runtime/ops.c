/* runtime/ops.c — start, kill, delete and state on an existing container.
 * Each holds the container's lock for its whole duration. */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroups/cgroups.h"
#include "cgroups/systemd.h"
#include "image/image.h"
#include "namespaces/hostmounts.h"
#include "runtime/cgops.h"
#include "lib/cleanup.h"
#include "lib/trace.h"
#include "runtime/container.h"
#include "runtime/hooks.h"
#include "runtime/lifecycle.h"
#include "runtime/linux_extras.h"
#include "runtime/ops.h"
#include "lib/syscalls.h"


int cove_ops_open(const char *root, const char *id, struct cove_store *st, struct cove_state *s,
                  enum cove_status *status, struct cove_err *err) {
    memset(s, 0, sizeof(*s));
    int r = cove_store_open(root, id, st, err);
    if (r < 0)
        return r;
    r = cove_state_load(st, id, s, err);
    if (r < 0) {
        cove_store_close(st);
        return r;
    }
    *status = cove_state_status(st, s);
    return 0;
}

int cove_ops_open_ctr(const char *root, const char *id, struct cove_ops_ctr *c, struct cove_err *err) {
    return cove_ops_open(root, id, &c->st, &c->s, &c->status, err);
}

void cove_ops_close(struct cove_ops_ctr *c) {
    cove_state_free(&c->s);
    cove_store_close(&c->st);
}

int cove_container_state(const char *root, const char *id, struct cove_state *s, enum cove_status *status,
                         struct cove_err *err) {
    struct cove_store st;
    int r = cove_ops_open(root, id, &st, s, status, err);
    if (r < 0)
        return r;
    cove_store_close(&st);
    return 0;
}

/* A pidfd for the container's init, only if it is still the process we
 * started (start time matches): never signal a recycled pid. */
int cove_ops_init_pidfd(const struct cove_state *s, struct cove_err *err) {
    int fd = cove_pidfd_open(s->pid, 0);
    if (fd < 0)
        return cove_err_set(err, ESRCH, "container not running");
    if (cove_proc_start_time(s->pid, NULL) != s->pid_start) {
        close(fd);
        return cove_err_set(err, ESRCH, "container not running");
    }
    return fd;
}

static int start_locked(struct cove_store *st, const char *id, enum cove_status status, struct cove_err *err) {
    int r = cove_check_start(id, status, err);
    if (r < 0)
        return r;
    /* O_NONBLOCK: ENXIO instead of hanging when the init is gone */
    _cleanup_close_ int fd = openat(st->dirfd, "exec.fifo", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return errno == ENXIO ? cove_err_set(err, ESRCH, "cannot start a container that has stopped")
                              : cove_err_sys(err, errno, "open %s/exec.fifo", st->dir);
    if (write(fd, "0", 1) != 1)
        return cove_err_sys(err, errno, "write %s/exec.fifo", st->dir);
    unlinkat(st->dirfd, "exec.fifo", 0);
    /* poststart must follow the workload's exec: the init holds the fifo's
     * only read end (close-on-exec) until then, and a fifo without readers
     * polls POLLERR */
    if (cove_hooks_stored(st->dirfd)) {
        struct pollfd p = {.fd = fd, .events = 0};
        while (poll(&p, 1, -1) < 0 && errno == EINTR)
            ;
    }
    return 0;
}

int cove_container_start(const char *root, const char *id, struct cove_err *err) {
    struct cove_ops_ctr c;
    int r = cove_ops_open_ctr(root, id, &c, err);
    if (r < 0)
        return r;
    r = start_locked(&c.st, id, c.status, err);
    if (r == 0) /* the spec: poststart failures are warnings */
        cove_hooks_poststart_from_store(c.st.dirfd, &c.s);
    cove_ops_close(&c);
    return r;
}

int cove_ops_open_cgroup(const char *state_dir, const struct cove_state *s, const char *sub,
                         struct cove_cgroup_host *host, struct cove_cgroup *cg, struct cove_err *err) {
    memset(host, 0, sizeof(*host));
    memset(cg, 0, sizeof(*cg));
    cg->v2_fd = -1;
    if (!s->cgroup_path)
        return cove_err_set(err, ENOENT, "container %s has no cgroup", s->id);
    /* runc's "controller:path" form is not supported, only a path */
    if (sub && (!*sub || strchr(sub, ':') || strstr(sub, "..") || sub[0] == '/'))
        return cove_err_set(err, EINVAL, "--cgroup: \"%s\": a relative path without \"..\" expected", sub);
    /* a relative cgroupsPath nests under the creator's cgroups, saved at create */
    _cleanup_free_ char *own = NULL, *path = NULL;
    if (state_dir && s->cgroup_path[0] != '/' && asprintf(&own, "%s/" COVE_CGROUP_OWN_FILE, state_dir) < 0)
        return cove_err_set(err, ENOMEM, "out of memory");
    if (asprintf(&path, "%s%s%s", s->cgroup_path, sub ? "/" : "", sub ? sub : "") < 0)
        return cove_err_set(err, ENOMEM, "out of memory");
    int r = cove_cgroup_host_detect_as(COVE_CGROUP_ROOT, own, host, err);
    if (r < 0)
        return r;
    r = cove_cgroup_open(host, path, cg, err);
    if (r < 0) {
        cove_cgroup_host_free(host);
        return sub ? cove_err_prefix(err, "--cgroup") : r;
    }
    return 0;
}

void cove_ops_close_cgroup(struct cove_cgroup_host *host, struct cove_cgroup *cg) {
    cove_cgroup_free(cg);
    cove_cgroup_host_free(host);
}

static int pidns_id(pid_t pid, struct stat *sb) {
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
    return stat(path, sb) < 0 ? -errno : 0;
}

int cove_ops_pidns_pids(const struct cove_state *s, pid_t **pids, size_t *n, struct cove_err *err) {
    *pids = NULL;
    *n = 0;
    _cleanup_close_ int pidfd = cove_ops_init_pidfd(s, err);
    if (pidfd < 0)
        return pidfd;
    struct stat init_ns, own_ns, sb;
    if (pidns_id(s->pid, &init_ns) < 0 || pidns_id(getpid(), &own_ns) < 0)
        return cove_err_sys(err, errno, "container %s: its pid namespace", s->id);
    /* sharing ours, every process here would count as the container's */
    if (init_ns.st_ino == own_ns.st_ino && init_ns.st_dev == own_ns.st_dev)
        return cove_err_set(err, ENOENT, "container %s has no cgroup and no pid namespace of its own: its processes "
                                         "cannot be told from the host's",
                            s->id);
    _cleanup_closedir_ DIR *d = opendir("/proc");
    if (!d)
        return cove_err_sys(err, errno, "open /proc");
    size_t cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        char *end;
        long v = strtol(de->d_name, &end, 10);
        if (*end || v <= 0 || pidns_id((pid_t)v, &sb) < 0 || sb.st_ino != init_ns.st_ino || sb.st_dev != init_ns.st_dev)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            pid_t *nv = realloc(*pids, cap * sizeof(**pids));
            if (!nv) {
                free(*pids);
                *pids = NULL;
                *n = 0;
                return cove_err_set(err, ENOMEM, "out of memory");
            }
            *pids = nv;
        }
        (*pids)[(*n)++] = (pid_t)v;
    }
    return 0;
}

int cove_ops_pidns_signal(const struct cove_state *s, int sig, struct cove_err *err) {
    pid_t *pids;
    size_t n;
    int r = cove_ops_pidns_pids(s, &pids, &n, err);
    if (r < 0)
        return r;
    for (size_t i = 0; i < n; i++)
        kill(pids[i], sig);
    free(pids);
    return 0;
}

static int kill_locked(const struct cove_store *st, const struct cove_state *s, const char *id, enum cove_status status, int sig, bool all,
                       struct cove_err *err) {
    int r = cove_check_kill(id, status, err);
    if (r < 0)
        return r;
    if (all && s->cgroup_path) {
        struct cove_cgroup_host host;
        struct cove_cgroup cg;
        if ((r = cove_ops_open_cgroup(st->dir, s, NULL, &host, &cg, err)) < 0)
            return r;
        r = cove_cgroup_kill_all(&cg, sig, err);
        cove_ops_close_cgroup(&host, &cg);
        return r;
    }
    if (all && sig != SIGKILL && (r = cove_ops_pidns_signal(s, sig, err)) != -ENOENT)
        return r; /* SIGKILL to the init ends its pid namespace: below */
    _cleanup_close_ int pidfd = cove_ops_init_pidfd(s, err);
    if (pidfd < 0)
        return pidfd;
    if (cove_pidfd_send_signal(pidfd, sig, NULL, 0) < 0)
        return errno == ESRCH ? cove_err_set(err, ESRCH, "container not running")
                              : cove_err_sys(err, errno, "kill %d", (int)s->pid);
    return 0;
}

int cove_container_kill(const char *root, const char *id, int sig, bool all, struct cove_err *err) {
    struct cove_ops_ctr c;
    int r = cove_ops_open_ctr(root, id, &c, err);
    if (r < 0)
        return r;
    r = kill_locked(&c.st, &c.s, id, c.status, sig, all, err);
    cove_ops_close(&c);
    return r;
}

/* SIGKILL the init (if alive) and wait until it is gone, bounded. */
static void kill_init_and_wait(const struct cove_state *s) {
    struct cove_err ignored;
    _cleanup_close_ int pidfd = cove_ops_init_pidfd(s, &ignored);
    if (pidfd < 0)
        return;
    cove_pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
    struct pollfd p = {.fd = pidfd, .events = POLLIN};
    poll(&p, 1, 10000);
}

/* kill, remove the cgroup and what else the container made, remove the
 * state dir; salvage (no state.json): a cgroup that was never made is
 * fine, and no hooks run */
static int ops_teardown(struct cove_store *st, const struct cove_state *s, bool full, struct cove_err *err) {
    cove_linux_extras_before_kill(st, s); /* netDevices back to the host */
    cove_cgops_thaw(st->dir, s); /* a frozen (paused) task cannot die */
    kill_init_and_wait(s);
    cove_trace("delete: thaw, kill and reap the init");
    int r = 0;
    if (s->cgroup_path && s->cgroup_owned) {
        struct cove_cgroup_host host;
        struct cove_cgroup cg;
        r = cove_ops_open_cgroup(st->dir, s, NULL, &host, &cg, err);
        if (r == 0) {
            r = cove_cgroup_destroy(&cg, err);
            cove_ops_close_cgroup(&host, &cg);
        } else if (r == -ENOENT && (!full || s->systemd_unit)) {
            /* a scope goes with its last process: systemd removed it */
            cove_err_clear(err);
            r = 0;
        }
        if (r < 0)
            return r;
    }
    /* --systemd-cgroup: the scope is empty now; systemd may have let it go
     * already, else its stop is quick (nothing left to signal) */
    if (s->systemd_unit && (r = cove_systemd_stop_unit(s->systemd_unit, err)) < 0)
        return r;
    cove_trace("delete: cgroup removed");
    if ((r = cove_linux_extras_after_kill(s, err)) < 0 || (r = cove_hostmounts_remove(st->dirfd, err)) < 0)
        return r;
    /* the container is stopped and its cgroup gone: poststop (warn only) */
    if (full)
        cove_hooks_poststop_from_store(st->dirfd, s);
    r = cove_store_remove(st, err);
    cove_trace("delete: state dir removed");
    return r;
}

int cove_ops_destroy(struct cove_store *st, const struct cove_state *s, struct cove_err *err) {
    return ops_teardown(st, s, true, err);
}

/* A create killed half-way, or a state.json that cannot be read (a crash,
 * a full disk): what the container owns comes from <state dir>/owns (the
 * cgroup path, the init's pid), and from the records namespaces/ keeps in
 * the same directory (mounts in the host's namespace, the netns pin). Kill,
 * remove, and say what was found. No hooks: their state is unknown. */
static int ops_salvage(struct cove_store *st, const char *id, char *what, size_t what_len, struct cove_err *err) {
    struct cove_owns o;
    struct cove_err e2 = {0};
    int lr = cove_owns_load(st, &o, &e2);
    struct cove_state s = {.id = (char *)id, .pid = o.pid, .pid_start = o.pid_start, .cgroup_path = o.cgroup_path,
                           .cgroup_owned = o.cgroup_path != NULL, .systemd_unit = o.systemd_unit};
    snprintf(what, what_len, "%s%s%s%s", lr == 0 ? "" : "no record of what it owned",
             o.cgroup_path ? "cgroup " : "", o.cgroup_path ? o.cgroup_path : "", o.pid ? ", its init" : "");
    cove_linux_extras_unpin(st);
    int r = ops_teardown(st, &s, false, err);
    cove_owns_free(&o);
    return r;
}

int cove_container_delete(const char *root, const char *id, bool force, char *salvaged, size_t salvaged_len,
                          struct cove_err *err) {
    struct cove_store st;
    struct cove_state s;
    enum cove_status status;
    if (salvaged_len)
        salvaged[0] = '\0';
    int r = cove_ops_open(root, id, &st, &s, &status, err);
    if (r == -ENOENT || (r == -EINVAL && force)) {
        /* ENOENT: no container, or a create that died before state.json;
         * EINVAL: state.json damaged */
        bool damaged = r == -EINVAL;
        struct cove_err e2 = {0};
        if (cove_state_validate_id(id, NULL) < 0 || cove_store_open(root, id, &st, &e2) < 0)
            return force || damaged ? 0 : r; /* like runc, --force succeeds quietly on a container that is gone */
        char what[512];
        cove_err_clear(err);
        r = ops_salvage(&st, id, what, sizeof(what), err);
        if (r == 0 && salvaged_len)
            snprintf(salvaged, salvaged_len, "container %s: %s; removed %s", id,
                     damaged ? "state.json is damaged" : "create did not finish", what[0] ? what : "its state dir");
        return r;
    }
    if (r < 0)
        return r;
    if ((r = cove_check_delete(id, status, force, err)) == 0)
        r = cove_ops_destroy(&st, &s, err);
    cove_state_free(&s);
    cove_store_close(&st);
    return r;
}
