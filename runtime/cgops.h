/* runtime/cgops.h — the container operations that act on its cgroup:
 * pause/resume, ps, update, stats and the event stream of `events`.
 * Each loads the container through the state store (cove_ops_open), asks
 * the lifecycle rules, and acts on the cgroup recorded in state.json.
 * Nothing here prints. (runtime/cgops.c) */
#ifndef COVE_CGOPS_H
#define COVE_CGOPS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroups/cgroups.h"
#include "runtime/config/config.h"
#include "lib/err.h"
#include "runtime/state.h"

/* Freeze / thaw every process of the container. pause on a stopped
 * container: "container not running"; resume on one that is not paused:
 * "container not paused". */
int cove_container_pause(const char *root, const char *id, struct cove_err *err);
int cove_container_resume(const char *root, const char *id, struct cove_err *err);

/* A --timeout deadline (run, the shim, sandbox): the container's cgroup is
 * frozen first, so no new step of the job starts; then, when its init
 * catches SIGTERM (SigCgt), every process gets SIGTERM and *grace is set
 * (the caller SIGKILLs them all after the grace period); when it does not
 * (a shell as PID 1 gets no signal it has no handler for, and would go on
 * with its next command), every process gets SIGKILL at once and *grace is
 * false. The cgroup is thawed at the end. */
int cove_container_deadline(const char *root, const char *id, bool *grace, struct cove_err *err);

/* The pids in the container's cgroup (host pid namespace); *pids malloc'd. */
int cove_container_pids(const char *root, const char *id, pid_t **pids, size_t *n, struct cove_err *err);

/* Write the set fields of res to the running container's cgroup (fields
 * not set are left as they are). Validated against the host mode first. */
int cove_container_update(const char *root, const char *id, const struct cove_resources *res, struct cove_err *err);

/* One snapshot of the container's cgroup counters. */
int cove_container_stats(const char *root, const char *id, struct cove_cgroup_stats *st, struct cove_err *err);

/* Is the container (with a live init) frozen? Used by cove_state_status to
 * report "paused"; any error reads as "not paused". */
bool cove_cgops_paused(const char *state_dir, const struct cove_state *s);
/* Best effort: thaw the container's cgroup if it is frozen, so that a
 * SIGKILL sent next can take effect (delete --force of a paused container). */
void cove_cgops_thaw(const char *state_dir, const struct cove_state *s);

/* `events`: a watch on one container, held without the container's lock so
 * kill/delete are not blocked while it streams. */
struct cove_events_watch {
    struct cove_cgroup_host host;
    struct cove_cgroup cg;
    int pidfd;          /* the init: readable when it exits */
    int oomfd;          /* cove_cgroup_oom_watch; -1 without a memory controller */
    uint64_t oom_last;  /* oom_kill count already reported */
};

enum cove_event { COVE_EVENT_TIMEOUT, COVE_EVENT_OOM, COVE_EVENT_EXIT };

int cove_events_open(const char *root, const char *id, struct cove_events_watch *w, struct cove_err *err);
/* Wait up to timeout_ms (-1: forever) for an OOM kill or the init's exit.
 * EINTR from a signal returns COVE_EVENT_TIMEOUT. */
int cove_events_wait(struct cove_events_watch *w, int timeout_ms, enum cove_event *ev, struct cove_err *err);
int cove_events_stats(const struct cove_events_watch *w, struct cove_cgroup_stats *st, struct cove_err *err);
void cove_events_close(struct cove_events_watch *w);

#endif
