/* runtime/ops.h — internal to runtime/: helpers shared by ops.c, cgops.c,
 * shim.c, exec.c and run.c. */
#ifndef COVE_OPS_H
#define COVE_OPS_H

#include "cgroups/cgroups.h"
#include "runtime/state.h"

/* Open+lock the store, load state, derive the status. */
int cove_ops_open(const char *root, const char *id, struct cove_store *st, struct cove_state *s,
                  enum cove_status *status, struct cove_err *err);
/* The same, into one struct; cove_ops_close frees the state and releases
 * the lock (call it only after a successful open). */
struct cove_ops_ctr {
    struct cove_store st;
    struct cove_state s;
    enum cove_status status;
};
int cove_ops_open_ctr(const char *root, const char *id, struct cove_ops_ctr *c, struct cove_err *err);
void cove_ops_close(struct cove_ops_ctr *c);
/* Detect the host and open the cgroup recorded in s (ENOENT "has no cgroup"
 * without one). state_dir: the container's state directory, whose saved copy
 * of the creator's /proc/self/cgroup places a relative cgroupsPath; NULL to
 * place it under our own cgroups. sub: a relative path below it (exec
 * --cgroup), or NULL. cove_ops_close_cgroup frees both. */
int cove_ops_open_cgroup(const char *state_dir, const struct cove_state *s, const char *sub,
                         struct cove_cgroup_host *host, struct cove_cgroup *cg, struct cove_err *err);
void cove_ops_close_cgroup(struct cove_cgroup_host *host, struct cove_cgroup *cg);
int cove_ops_init_pidfd(const struct cove_state *s, struct cove_err *err);
/* A container without a cgroup (rootless): the processes of its init's
 * pid namespace, found in /proc. -ENOENT when it shares ours (or has no
 * cgroup to say otherwise). *pids is malloc'd. */
int cove_ops_pidns_pids(const struct cove_state *s, pid_t **pids, size_t *n, struct cove_err *err);
/* sig to every one of them (kill --all, the deadline, without a cgroup). */
int cove_ops_pidns_signal(const struct cove_state *s, int sig, struct cove_err *err);
/* Kill what is left, remove the cgroup and the state directory. */
int cove_ops_destroy(struct cove_store *st, const struct cove_state *s, struct cove_err *err);

#endif
