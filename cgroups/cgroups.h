/* cgroups/cgroups.h — the one small interface the rest of cove uses for
 * cgroups. Backends: cgroups/v2.c (unified) and cgroups/v1.c (legacy
 * controllers); "hybrid" hosts (v1 controllers + a cgroup2 mount at
 * <root>/unified) use both: the container is placed in every v1 hierarchy and
 * in the unified one, resources go to v1.
 *
 * Every function takes the cgroupfs mount root (normally "/sys/fs/cgroup")
 * through struct cove_cgroup_host so unit tests run them on a temp dir.
 * Nothing here prints; errors name the file written. */
#ifndef COVE_CGROUPS_H
#define COVE_CGROUPS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/config/config.h"
#include "lib/err.h"

/* Where the host's cgroup filesystems are mounted. */
#define COVE_CGROUP_ROOT "/sys/fs/cgroup"

enum cove_cgroup_mode { COVE_CG_UNIFIED, COVE_CG_HYBRID, COVE_CG_LEGACY };

struct cove_cgroup_host {
    char *root;                 /* "/sys/fs/cgroup" */
    enum cove_cgroup_mode mode;
    /* legacy/hybrid: v1 hierarchies found under root, e.g. "cpu",
     * "cpu,cpuacct", "memory", "name=systemd" mount dir names */
    char **v1_dirs; size_t n_v1_dirs;
    /* The calling process's own cgroup in each v1 hierarchy (parallel to
     * v1_dirs, "/" when not listed) and in the cgroup2 one; relative
     * cgroupsPaths nest under these, as in runc's cgroupfs driver. */
    char **v1_own;
    char *v2_own;
};

/* Detect the mode of the hierarchy mounted at root (statfs magic of root and
 * of root/unified), then cove_cgroup_host_init with "/proc/self/cgroup". */
int cove_cgroup_host_detect(const char *root, struct cove_cgroup_host *host, struct cove_err *err);
/* The same, with "own cgroups" read from self_cgroup_file (a saved copy of
 * the creating process's /proc/self/cgroup, so that a later `delete` from
 * another cgroup finds a container created with a relative cgroupsPath). */
int cove_cgroup_host_detect_as(const char *root, const char *self_cgroup_file, struct cove_cgroup_host *host,
                               struct cove_err *err);
/* Fill host for an explicit mode without any statfs (unit tests run this on a
 * fake tree): lists the v1 hierarchy directories under root (legacy/hybrid;
 * symlinks such as cpu -> cpu,cpuacct and "unified" are skipped) and reads
 * the caller's own cgroups from self_cgroup_file (NULL: "/proc/self/cgroup";
 * a missing file means "/" everywhere). */
int cove_cgroup_host_init(struct cove_cgroup_host *host, const char *root, enum cove_cgroup_mode mode,
                          const char *self_cgroup_file, struct cove_err *err);
/* Pure: the mode statfs magics mean (root's f_type, root/unified's f_type or
 * 0 if absent); -EINVAL if root is not a cgroup mount. */
int cove_cgroup_mode_from_magic(long root_magic, long unified_magic, enum cove_cgroup_mode *mode);
void cove_cgroup_host_free(struct cove_cgroup_host *host);

/* The container's directory in one hierarchy. */
struct cove_cgroup_leaf {
    char *hierarchy;            /* v1 dir name under root ("memory", "cpu,cpuacct", "systemd"), or NULL for cgroup2 */
    char *dir;                  /* absolute directory of the container's cgroup */
};

/* The container's cgroup, created on the host. */
struct cove_cgroup {
    char *path;                 /* normalized cgroupsPath: "/abs/path" or "rel/path" (see resolve_path) */
    enum cove_cgroup_mode mode;
    char *root;
    int v2_fd;                  /* O_PATH|O_DIRECTORY fd of the cgroup2 leaf, for CLONE_INTO_CGROUP; -1 if none */
    struct cove_cgroup_leaf *leaves; size_t n_leaves; /* one per hierarchy, v1 ones first */
    char **dirs; size_t n_dirs; /* directories created (absolute), in creation order, for destroy */
    /* Set by the runtime after clone3(CLONE_INTO_CGROUP, v2_fd) succeeded:
     * add_pid then skips the cgroup2 hierarchy. */
    bool v2_born_inside;
    /* Set by the runtime when the child joins the v1 hierarchies itself
     * (cove_cgroup_self_join): add_pid then skips them. */
    bool v1_self_joined;
};

/* Joining the v1 hierarchies without the kernel's global lock. Moving a
 * task by pid (cgroup.procs) takes cgroup_threadgroup_rwsem for writing, a
 * percpu rwsem whose writer waits for an RCU grace period: 1 to 10 ms per
 * container on this kind of host, and worse with many writers at once. A
 * thread that moves itself through `tasks` ("0") takes no such lock. So
 * the parent opens the `tasks` file of every v1 leaf before clone3, the
 * child — one thread, right after clone3 — writes "0" to each, and the
 * parent sets v1_self_joined so add_pid leaves them alone. */
struct cove_cgroup_self_join {
    int *fds; size_t n;
    const struct cove_cgroup *cg;   /* for the error messages */
};
int cove_cgroup_self_join_open(const struct cove_cgroup *cg, struct cove_cgroup_self_join *j, struct cove_err *err);
/* In the child: write "0" to each and close them. */
int cove_cgroup_self_join(struct cove_cgroup_self_join *j, struct cove_err *err);
void cove_cgroup_self_join_close(struct cove_cgroup_self_join *j);

/* Normalize cgroupsPath like runc's cgroupfs driver. Absolute paths are
 * taken from each hierarchy root ("/a//b/./c" -> "/a/b/c"); relative ones
 * stay relative ("a/b") and create/open nest them under the caller's own
 * cgroup; NULL or "" gives "<id>" (relative). ".." components, "/" alone and
 * an id containing '/' are refused naming linux.cgroupsPath. Pure. */
int cove_cgroup_resolve_path(const char *cgroups_path, const char *id, char **out, struct cove_err *err);

/* Validate resources against the host mode before anything is created
 * (e.g. "unified" refused on v1, network refused on v2). */
int cove_cgroup_validate(const struct cove_cgroup_host *host, const struct cove_resources *res, struct cove_err *err);

/* Create (mkdir -p) the cgroup at path (from resolve_path; relative paths
 * nest under host's own cgroup in each hierarchy) in every hierarchy:
 * all v1 ones plus <root>/unified on hybrid, <root> on unified. Enables the
 * available controllers in every parent's cgroup.subtree_control on
 * unified; seeds new v1 cpuset dirs from their parent; fills cg->v2_fd.
 * Records the directories it created in cg->dirs so destroy removes
 * exactly those; on failure removes them itself. */
int cove_cgroup_create(const struct cove_cgroup_host *host, const char *path, struct cove_cgroup *cg, struct cove_err *err);

/* Rootless: 1 when this process may make (or join) the cgroup at path in
 * every hierarchy, 0 when not — *denied (malloc'd) then names the first
 * directory it may not write. No cgroup is touched. */
int cove_cgroup_writable(const struct cove_cgroup_host *host, const char *path, char **denied,
                         struct cove_err *err);
/* Pure: linux.resources asks for a limit (anything but device rules). */
bool cove_resources_has_limits(const struct cove_resources *res);

/* Open an existing cgroup (for delete/kill/pause after the creating process
 * has exited): leaves and dirs list the leaf in every hierarchy where it
 * exists (parents created by `create` are not known any more and stay);
 * -ENOENT "... does not exist" when it exists nowhere. */
int cove_cgroup_open(const struct cove_cgroup_host *host, const char *path, struct cove_cgroup *cg, struct cove_err *err);

/* Write linux.resources except the device rules (v1 on legacy/hybrid, v2
 * on unified); also what `update` calls. */
int cove_cgroup_apply(const struct cove_cgroup *cg, const struct cove_resources *res, struct cove_err *err);
/* Device access, set once by create whatever the config says: deny
 * everything, then rules (linux.resources.devices; the last matching rule
 * wins), then runc's default list (null, zero, full, random, urandom, tty,
 * console, ptmx, pts, mknod of any node), so a config without rules still
 * cannot open a device node an image ships. v1: devices.deny "a" and
 * devices.allow/deny per rule; v2: an eBPF program. A host without a
 * devices hierarchy (v1) is an error: cove does not run a container whose
 * devices it cannot restrict. */
int cove_cgroup_set_devices(const struct cove_cgroup *cg, const struct cove_device_rule *rules, size_t n,
                            struct cove_err *err);
/* Write pid to cgroup.procs of every hierarchy (not the cgroup2 one when
 * cg->v2_born_inside). */
int cove_cgroup_add_pid(const struct cove_cgroup *cg, pid_t pid, struct cove_err *err);
/* cgroup v2 delegation: give uid:gid the leaf and its cgroup.procs,
 * cgroup.subtree_control and cgroup.threads, so a manager running as that
 * user may create sub-cgroups. Only on a unified host (no-op otherwise). */
int cove_cgroup_delegate(const struct cove_cgroup *cg, uid_t uid, gid_t gid, struct cove_err *err);
/* v1 freezer.state (polled until it reads back) when there is a freezer
 * hierarchy, else cgroup.freeze (waits for "frozen 1" in cgroup.events). */
int cove_cgroup_freeze(const struct cove_cgroup *cg, bool frozen, struct cove_err *err);
/* SIGKILL: cgroup.kill when present. Otherwise freeze (if possible), signal
 * every pid of cgroup.procs, thaw. */
int cove_cgroup_kill_all(const struct cove_cgroup *cg, int sig, struct cove_err *err);
/* pids currently in the container's cgroup (the cgroup2 leaf on unified,
 * else the v1 "pids" hierarchy or the first one). *pids is malloc'd. */
int cove_cgroup_pids(const struct cove_cgroup *cg, pid_t **pids, size_t *n, struct cove_err *err);
/* rmdir the created directories, deepest first; kills leftovers first. */
int cove_cgroup_destroy(struct cove_cgroup *cg, struct cove_err *err);
void cove_cgroup_free(struct cove_cgroup *cg);

/* ---------------------------------------------------------------- stats
 * (cgroups/stats.c) Counters read from the container's cgroup, in runc's
 * units: nanoseconds for cpu times, bytes for memory. A limit that reads
 * "max" is UINT64_MAX (memory) or 0 (pids), as runc reports them. */
struct cove_cg_blkio_entry { uint64_t major, minor; char op[16]; uint64_t value; };
struct cove_cg_hugetlb { char page_size[16]; uint64_t usage, max, failcnt; };
struct cove_cg_kv { char *key; uint64_t value; };
struct cove_cg_mem_entry { uint64_t limit, usage, max, failcnt; };

struct cove_cgroup_stats {
    struct {
        uint64_t total, kernel, user;
        uint64_t *percpu; size_t n_percpu;
        uint64_t periods, throttled_periods, throttled_time;
    } cpu;
    struct {
        uint64_t cache;
        struct cove_cg_mem_entry usage, swap, kernel;
        struct cove_cg_kv *raw; size_t n_raw;   /* memory.stat */
        uint64_t oom_kill;                      /* memory.events / memory.oom_control */
    } memory;
    struct { uint64_t current, limit; } pids;
    struct {
        struct cove_cg_blkio_entry *service_bytes; size_t n_service_bytes;
        struct cove_cg_blkio_entry *serviced; size_t n_serviced;
    } blkio;
    struct cove_cg_hugetlb *hugetlb; size_t n_hugetlb;
};

/* Fill st from every controller present (a missing controller or file
 * leaves its fields 0; a file that exists but cannot be parsed fails,
 * naming it). Free with cove_cgroup_stats_free, also after a failure. */
int cove_cgroup_stats(const struct cove_cgroup *cg, struct cove_cgroup_stats *st, struct cove_err *err);
void cove_cgroup_stats_free(struct cove_cgroup_stats *st);

/* Is the cgroup frozen: v1 freezer.state "FROZEN" when there is a freezer
 * hierarchy, else cgroup2's cgroup.freeze "1". */
int cove_cgroup_frozen(const struct cove_cgroup *cg, bool *frozen, struct cove_err *err);

/* OOM notification. cove_cgroup_oom_watch returns (in *fd, O_CLOEXEC|
 * O_NONBLOCK) an fd that polls readable when something may have been
 * OOM-killed: v1 an eventfd registered on memory.oom_control through
 * cgroup.event_control, v2 an inotify watch on memory.events. After it
 * wakes, cove_cgroup_oom_check drains it and sets *fired when the
 * oom_kill/oom counter grew past *last (updated). */
int cove_cgroup_oom_watch(const struct cove_cgroup *cg, int *fd, struct cove_err *err);
int cove_cgroup_oom_check(const struct cove_cgroup *cg, int fd, uint64_t *last, bool *fired, struct cove_err *err);
/* The oom counter that cove_cgroup_oom_check compares (v2 memory.events
 * "oom_kill", v1 memory.oom_control "oom_kill"), 0 if absent. */
int cove_cgroup_oom_count(const struct cove_cgroup *cg, uint64_t *count, struct cove_err *err);

#endif
