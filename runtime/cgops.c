/* runtime/cgops.c — pause, resume, ps, update, stats and events: the
 * commands that act on an existing container's cgroup (see cgops.h). Each
 * command holds the container's lock while it acts; `events` takes it only
 * to read the state and then streams without it. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroups/systemd.h"
#include "runtime/container.h"
#include "runtime/cgops.h"
#include "lib/cleanup.h"
#include "runtime/lifecycle.h"
#include "runtime/ops.h"

/* state_dir: where create saved the creator's cgroup map for a relative
 * cgroupsPath; NULL resolves it against our own cgroups. */
static int cg_open(const char *state_dir, const struct cove_state *s, struct cove_cgroup_host *host,
                   struct cove_cgroup *cg, struct cove_err *err) {
    return cove_ops_open_cgroup(state_dir, s, NULL, host, cg, err);
}

bool cove_cgops_paused(const char *state_dir, const struct cove_state *s) {
    if (!s->cgroup_path)
        return false;
    struct cove_cgroup_host host;
    struct cove_cgroup cg;
    struct cove_err err = { 0 };
    if (cg_open(state_dir, s, &host, &cg, &err) < 0)
        return false;
    bool frozen = false;
    if (cove_cgroup_frozen(&cg, &frozen, &err) < 0)
        frozen = false;
    cove_ops_close_cgroup(&host, &cg);
    return frozen;
}

void cove_cgops_thaw(const char *state_dir, const struct cove_state *s) {
    if (!s->cgroup_path)
        return;
    struct cove_cgroup_host host;
    struct cove_cgroup cg;
    struct cove_err err = { 0 };
    if (cg_open(state_dir, s, &host, &cg, &err) < 0)
        return;
    bool frozen = false;
    if (cove_cgroup_frozen(&cg, &frozen, &err) == 0 && frozen)
        cove_cgroup_freeze(&cg, false, &err);
    cove_ops_close_cgroup(&host, &cg);
}

/* The one shape every locked operation shares: open+lock, load, derive the
 * status, check it, open the cgroup, act, release. */
enum cg_check { CHECK_PAUSE, CHECK_RESUME, CHECK_LIVE };
typedef int (*cg_action)(const struct cove_state *s, const struct cove_cgroup_host *host, const struct cove_cgroup *cg,
                         void *arg, struct cove_err *err);

static int with_cgroup(const char *root, const char *id, enum cg_check check, cg_action act, void *arg,
                       struct cove_err *err) {
    struct cove_ops_ctr c;
    int r = cove_ops_open_ctr(root, id, &c, err);
    if (r < 0)
        return r;
    switch (check) {
    case CHECK_PAUSE: r = cove_check_pause(id, c.status, err); break;
    case CHECK_RESUME: r = cove_check_resume(id, c.status, err); break;
    case CHECK_LIVE: r = cove_check_kill(id, c.status, err); break;  /* created, running or paused */
    }
    if (r == 0) {
        struct cove_cgroup_host host;
        struct cove_cgroup cg;
        if ((r = cg_open(c.st.dir, &c.s, &host, &cg, err)) == 0) {
            r = act(&c.s, &host, &cg, arg, err);
            cove_ops_close_cgroup(&host, &cg);
        }
    }
    cove_ops_close(&c);
    return r;
}

/* Without a cgroup (rootless): the init's pid namespace stands in, for
 * ps and for the deadline. 1 when it did; 0 when there is a cgroup. */
static int without_cgroup(const char *root, const char *id, int (*act)(const struct cove_state *, void *,
                                                                       struct cove_err *),
                          void *arg, struct cove_err *err) {
    struct cove_ops_ctr c;
    int r = cove_ops_open_ctr(root, id, &c, err);
    if (r < 0)
        return r;
    if (!c.s.cgroup_path && (r = cove_check_kill(id, c.status, err)) == 0)
        r = (r = act(&c.s, arg, err)) < 0 ? r : 1;
    cove_ops_close(&c);
    return r;
}

static int act_freeze(const struct cove_state *s, const struct cove_cgroup_host *host, const struct cove_cgroup *cg,
                      void *arg, struct cove_err *err) {
    (void)s;
    (void)host;
    return cove_cgroup_freeze(cg, *(bool *)arg, err);
}

int cove_container_pause(const char *root, const char *id, struct cove_err *err) {
    bool frozen = true;
    return with_cgroup(root, id, CHECK_PAUSE, act_freeze, &frozen, err);
}

int cove_container_resume(const char *root, const char *id, struct cove_err *err) {
    bool frozen = false;
    return with_cgroup(root, id, CHECK_RESUME, act_freeze, &frozen, err);
}

/* Does pid have a handler for sig? (SigCgt in /proc/<pid>/status) */
static bool catches(pid_t pid, int sig) {
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    _cleanup_fclose_ FILE *f = fopen(path, "re");
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "SigCgt:", 7) == 0)
            return (strtoull(line + 7, NULL, 16) >> (sig - 1)) & 1;
    return false;
}

struct deadline_arg { pid_t init; bool grace; };

static int act_deadline(const struct cove_state *s, const struct cove_cgroup_host *host, const struct cove_cgroup *cg,
                        void *arg, struct cove_err *err) {
    (void)s;
    (void)host;
    struct deadline_arg *a = arg;
    struct cove_err ignored = { 0 };
    cove_cgroup_freeze(cg, true, &ignored); /* best effort: without a freezer, the signals alone */
    a->grace = a->init > 0 && catches(a->init, SIGTERM);
    int r = cove_cgroup_kill_all(cg, a->grace ? SIGTERM : SIGKILL, err);
    cove_cgroup_freeze(cg, false, &ignored);
    return r;
}

/* no cgroup: SIGTERM to every process of its pid namespace when the init
 * catches it, else SIGKILL to them all */
static int act_pidns_deadline(const struct cove_state *s, void *arg, struct cove_err *err) {
    struct deadline_arg *a = arg;
    a->grace = a->init > 0 && catches(a->init, SIGTERM);
    return cove_ops_pidns_signal(s, a->grace ? SIGTERM : SIGKILL, err);
}

int cove_container_deadline(const char *root, const char *id, bool *grace, struct cove_err *err) {
    struct cove_ops_ctr c;
    int r = cove_ops_open_ctr(root, id, &c, err);
    *grace = false;
    if (r < 0)
        return r;
    struct deadline_arg a = { .init = c.s.pid };
    cove_ops_close(&c);
    if ((r = without_cgroup(root, id, act_pidns_deadline, &a, err)) != 0) {
        *grace = a.grace;
        return r < 0 ? r : 0;
    }
    r = with_cgroup(root, id, CHECK_LIVE, act_deadline, &a, err);
    *grace = a.grace;
    return r;
}

struct pids_arg { pid_t **pids; size_t *n; };

static int act_pids(const struct cove_state *s, const struct cove_cgroup_host *host, const struct cove_cgroup *cg,
                    void *arg, struct cove_err *err) {
    (void)s;
    (void)host;
    struct pids_arg *a = arg;
    return cove_cgroup_pids(cg, a->pids, a->n, err);
}

static int act_pidns_pids(const struct cove_state *s, void *arg, struct cove_err *err) {
    struct pids_arg *a = arg;
    return cove_ops_pidns_pids(s, a->pids, a->n, err);
}

int cove_container_pids(const char *root, const char *id, pid_t **pids, size_t *n, struct cove_err *err) {
    struct pids_arg a = { pids, n };
    *pids = NULL;
    *n = 0;
    int r = without_cgroup(root, id, act_pidns_pids, &a, err);
    return r != 0 ? (r < 0 ? r : 0) : with_cgroup(root, id, CHECK_LIVE, act_pids, &a, err);
}

static int act_update(const struct cove_state *s, const struct cove_cgroup_host *host, const struct cove_cgroup *cg,
                      void *arg, struct cove_err *err) {
    const struct cove_resources *res = arg;
    int r = cove_cgroup_validate(host, res, err);
    if (r < 0)
        return r;
    /* --systemd-cgroup: the unit's properties first, so that systemd
     * keeps (and re-applies) the new values rather than the old ones */
    if (s->systemd_unit) {
        struct cove_systemd_props p;
        if ((r = cove_systemd_props_from_config(res, NULL, 0, &p, err)) < 0)
            return r;
        r = cove_systemd_set_props(s->systemd_unit, &p, err);
        cove_systemd_props_free(&p);
        if (r < 0)
            return r;
    }
    return cove_cgroup_apply(cg, res, err);
}

int cove_container_update(const char *root, const char *id, const struct cove_resources *res, struct cove_err *err) {
    return with_cgroup(root, id, CHECK_LIVE, act_update, (void *)res, err);
}

static int act_stats(const struct cove_state *s, const struct cove_cgroup_host *host, const struct cove_cgroup *cg,
                     void *arg, struct cove_err *err) {
    (void)s;
    (void)host;
    return cove_cgroup_stats(cg, arg, err);
}

int cove_container_stats(const char *root, const char *id, struct cove_cgroup_stats *st, struct cove_err *err) {
    memset(st, 0, sizeof(*st));
    return with_cgroup(root, id, CHECK_LIVE, act_stats, st, err);
}

/* ---------------------------------------------------------------- events */

int cove_events_open(const char *root, const char *id, struct cove_events_watch *w, struct cove_err *err) {
    memset(w, 0, sizeof(*w));
    w->pidfd = w->oomfd = -1;
    w->cg.v2_fd = -1;
    struct cove_ops_ctr c;
    int r = cove_ops_open_ctr(root, id, &c, err);
    if (r < 0)
        return r;
    if ((r = cove_check_kill(id, c.status, err)) == 0 && (r = cg_open(c.st.dir, &c.s, &w->host, &w->cg, err)) == 0) {
        w->pidfd = cove_ops_init_pidfd(&c.s, err);
        if (w->pidfd < 0)
            r = w->pidfd;
    }
    cove_ops_close(&c);
    if (r < 0) {
        cove_events_close(w);
        return r;
    }
    /* No memory controller: no OOM events, stats and exit still work. */
    struct cove_err ignored = { 0 };
    if (cove_cgroup_oom_watch(&w->cg, &w->oomfd, &ignored) < 0)
        w->oomfd = -1;
    else
        cove_cgroup_oom_count(&w->cg, &w->oom_last, &ignored);
    return 0;
}

int cove_events_wait(struct cove_events_watch *w, int timeout_ms, enum cove_event *ev, struct cove_err *err) {
    struct pollfd p[2] = { { .fd = w->pidfd, .events = POLLIN }, { .fd = w->oomfd, .events = POLLIN } };
    *ev = COVE_EVENT_TIMEOUT;
    int n = poll(p, w->oomfd >= 0 ? 2 : 1, timeout_ms);
    if (n < 0)
        return errno == EINTR ? 0 : cove_err_sys(err, errno, "poll");
    bool exited = p[0].revents & (POLLIN | POLLHUP);
    /* OOM first: the kill that ends the init is reported before the exit
     * (on exit, check the counter even if the notification is not in yet). */
    if (w->oomfd >= 0 && ((p[1].revents & POLLIN) || exited)) {
        bool fired = false;
        int r = cove_cgroup_oom_check(&w->cg, w->oomfd, &w->oom_last, &fired, err);
        if (r < 0)
            return r;
        if (fired) {
            *ev = COVE_EVENT_OOM;
            return 0;
        }
    }
    if (exited)
        *ev = COVE_EVENT_EXIT;
    return 0;
}

int cove_events_stats(const struct cove_events_watch *w, struct cove_cgroup_stats *st, struct cove_err *err) {
    return cove_cgroup_stats(&w->cg, st, err);
}

void cove_events_close(struct cove_events_watch *w) {
    if (w->pidfd >= 0)
        close(w->pidfd);
    if (w->oomfd >= 0)
        close(w->oomfd);
    w->pidfd = w->oomfd = -1;
    cove_cgroup_free(&w->cg);
    cove_cgroup_host_free(&w->host);
}
