/* runtime/sandbox/sandbox.h — `cove sandbox`: one command that runs an untrusted CI
 * job in a throw-away, hardened container and returns its exit code.
 *
 * The plan (hardened defaults, docs/image.md):
 *   - root: overlay of the image's layers (or of --rootfs DIR) with the
 *     upper dir in the container's state dir, so every write vanishes;
 *   - binds read-only unless ":rw", always nosuid,nodev;
 *   - no_new_privs, only runc's three default capabilities, devices
 *     denied, masked/read-only /proc and /sys paths as the default spec;
 *   - fresh pid, ipc, uts, mount, cgroup and network namespaces (the
 *     network namespace has only lo) unless --network host; run by an
 *     ordinary user, a user namespace too (cove_sandbox_user_maps), the
 *     overlay then mounted inside it, and a cgroup only under a delegated
 *     --cgroup-parent; run by root, a user namespace at an unprivileged
 *     range with id-mapped layers and binds (cove_sandbox_root_maps);
 *   - seccomp: a containers.conf-style profile (containers-common's
 *     /usr/share/containers/seccomp.json by default, chosen by cmd/),
 *     resolved for the three capabilities (runtime/seccomp/seccomp_profile.h);
 *   - cgroup <cgroup_parent>/<id>, default parent the absolute
 *     "/cove-sandbox": never below the caller's own cgroup.
 * Supervision: the container runs in a forked child through
 * cove_container_run (foreground, output streamed); this process enforces
 * the timeout on the whole container (SIGTERM to all, grace, SIGKILL to
 * all; exit 124) and turns SIGINT/SIGTERM/SIGHUP into the same kill, then
 * deletes the container and the temporary bundle in every case. */
#ifndef COVE_RUNTIME_SANDBOX_SANDBOX_H
#define COVE_RUNTIME_SANDBOX_SANDBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "image/image.h"

#define COVE_SANDBOX_CGROUP_PARENT "/cove-sandbox"
#define COVE_SANDBOX_TIMEOUT_EXIT 124
#define COVE_SANDBOX_CREATE_FAILED 125

struct cove_sandbox_opts {
    const char *state_root;        /* --root: container state + temporary bundle */
    const char *image_root;        /* --image-root */
    const char *image;             /* --image REF, or */
    const char *rootfs;            /* --rootfs DIR */
    int64_t memory;                /* bytes; 0: no limit */
    int64_t cpu_quota;             /* µs per cpu_period; 0: no limit */
    uint64_t cpu_period;
    int64_t pids;                  /* 0: no limit */
    unsigned timeout_s;            /* 0: none */
    unsigned grace_s;              /* after the timeout's SIGTERM (default 10) */
    bool network_host;
    bool userns_host;              /* --userns host: root's job without a user namespace */
    bool userns_self;              /* --userns self: an ordinary user's uid alone, no sub-ids */
    struct cove_bind *binds; size_t n_binds;
    const char *workdir;
    char **env; size_t n_env;      /* K=V, appended/overriding the image's */
    bool has_user; uid_t uid; gid_t gid;
    char **args;                   /* NULL-terminated, required */
    const char *cgroup_parent;     /* NULL: COVE_SANDBOX_CGROUP_PARENT */
    const char *id;                /* NULL: sandbox-<pid>-<random> */
    const char *seccomp_profile;   /* profile path; NULL: no seccomp */
    bool no_cgroup;                /* rootless without a delegated parent: no cgroup, no limits */
    void (*warn)(const char *msg); /* what the sandbox fell back to (cmd/ prints it) */
};

/* Rootless (cove run by an ordinary user): the job is root of a new user
 * namespace mapped to the caller's uid/gid, plus the ranges /etc/subuid
 * and /etc/subgid grant the caller (ids 1..65535 at most) when newuidmap
 * and newgidmap are installed. Pure but for reading those files; sub_file
 * NULL means /etc/sub{u,g}id. */
int cove_sandbox_user_maps(uid_t uid, gid_t gid, const char *subuid_file, const char *subgid_file,
                           bool helpers, struct cove_bundle_plan *p, struct cove_err *err);

/* Root's sandbox: a user namespace too (unless --userns host), the job's
 * ids 0..65535 at host ids from root's /etc/subuid (subgid) range when it
 * has 65536, else COVE_SANDBOX_ROOT_IDS; the image's layers and the binds
 * id-mapped through it, so the image's root-owned files are the job's
 * root's and a bound dir keeps its owners. Pure but for reading the files. */
#define COVE_SANDBOX_ROOT_IDS 1878982656u /* 0x6FFF0000: the top 64K of systemd's container uid range */
int cove_sandbox_root_maps(const char *subuid_file, const char *subgid_file, struct cove_bundle_plan *p,
                           struct cove_err *err);

/* containers-common's default profile (Debian: golang-github-containers-common). */
#define COVE_SANDBOX_SECCOMP_PROFILE "/usr/share/containers/seccomp.json"

/* "512M", "1G", "1048576" → bytes (K/M/G/T, powers of 1024). */
int cove_sandbox_parse_size(const char *s, int64_t *bytes, struct cove_err *err);
/* "1.5" → quota 150000 / period 100000. */
int cove_sandbox_parse_cpus(const char *s, int64_t *quota, uint64_t *period, struct cove_err *err);
/* "SRC:DST[:ro|rw]" (SRC made absolute, must exist; DST absolute). */
int cove_sandbox_parse_bind(const char *s, struct cove_bind *b, struct cove_err *err);
/* "UID:GID" (numeric). */
int cove_sandbox_parse_user(const char *s, uid_t *uid, gid_t *gid, struct cove_err *err);

/* Build the bundle plan from the options (image or rootfs); *lowers
 * gets the overlay lower dirs, top first. Pure except for reading the
 * image store; exposed for unit tests. */
int cove_sandbox_plan(const struct cove_sandbox_opts *o, const char *id, struct cove_bundle_plan *p,
                      struct cove_err *err);

/* Run; *exit_code is the job's (124 on timeout, 128+N when cove got
 * signal N). Returns <0 only when the sandbox could not be set up (then
 * nothing is left either). */
int cove_sandbox_run(const struct cove_sandbox_opts *o, int *exit_code, struct cove_err *err);

#endif
