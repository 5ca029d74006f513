/* runtime/cgops.h — the cgroup side of the container operations: the
 * paused test behind the state's status, the thaw before a forced delete,
 * and the event stream of `events`. The operations themselves (pause,
 * resume, ps, update, stats, the timeout's deadline) are declared with the
 * rest of the container API in runtime/container.h. (runtime/cgops.c) */
#ifndef COVE_CGOPS_H
#define COVE_CGOPS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroups/cgroups.h"
#include "runtime/config/config.h"
#include "lib/err.h"
#include "runtime/state.h"

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
