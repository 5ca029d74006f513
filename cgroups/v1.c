/* cgroups/v1.c — the cgroup v1 backend (legacy and hybrid hosts): one
 * directory per controller hierarchy, runc's file names and value formats.
 * Only the files a config field asks for are written, once each. */
#include "cgroups/internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"

/* The devices every container gets (runc's AllowedDevices): the nodes the
 * runtime creates in /dev, plus mknod of anything (the node itself is still
 * subject to the rules when opened). */
const struct cove_device_rule cg_default_device_rules[] = {
    { .allow = true, .type = 'c', .major = -1, .minor = -1, .access = "m" },
    { .allow = true, .type = 'b', .major = -1, .minor = -1, .access = "m" },
    { .allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm" },   /* null */
    { .allow = true, .type = 'c', .major = 1, .minor = 8, .access = "rwm" },   /* random */
    { .allow = true, .type = 'c', .major = 1, .minor = 7, .access = "rwm" },   /* full */
    { .allow = true, .type = 'c', .major = 5, .minor = 0, .access = "rwm" },   /* tty */
    { .allow = true, .type = 'c', .major = 1, .minor = 5, .access = "rwm" },   /* zero */
    { .allow = true, .type = 'c', .major = 1, .minor = 9, .access = "rwm" },   /* urandom */
    { .allow = true, .type = 'c', .major = 5, .minor = 1, .access = "rwm" },   /* console */
    { .allow = true, .type = 'c', .major = 136, .minor = -1, .access = "rwm" },/* pts */
    { .allow = true, .type = 'c', .major = 5, .minor = 2, .access = "rwm" },   /* ptmx */
};
const size_t cg_n_default_device_rules = ARRAY_SIZE(cg_default_device_rules);

static void fmt_num(char *buf, size_t size, int64_t v) {
    if (v < 0)
        snprintf(buf, size, "*");
    else
        snprintf(buf, size, "%" PRId64, v);
}

void cg_device_rule_string(const struct cove_device_rule *r, char *buf, size_t size) {
    char type = r->type ? r->type : 'a';
    if (type == 'a') {
        /* The kernel handles "a" before parsing anything else. */
        snprintf(buf, size, "a");
        return;
    }
    char maj[24], min[24];
    fmt_num(maj, sizeof(maj), r->major);
    fmt_num(min, sizeof(min), r->minor);
    snprintf(buf, size, "%c %s:%s %s", type, maj, min, r->access[0] ? r->access : "rwm");
}

/* ---------------------------------------------------------------- validate */

static bool has_memory(const struct cove_resources *res) {
    const struct cove_memory *m = &res->memory;
    return res->has_memory && (m->limit.set || m->reservation.set || m->swap.set || m->kernel.set ||
                               m->kernel_tcp.set || m->swappiness.set || m->disable_oom_killer);
}

static bool has_cpu(const struct cove_resources *res) {
    const struct cove_cpu *c = &res->cpu;
    return res->has_cpu && (c->shares.set || c->period.set || c->quota.set || c->burst.set ||
                            c->realtime_period.set || c->realtime_runtime.set || c->idle.set);
}

static bool has_cpuset(const struct cove_resources *res) {
    return res->has_cpu && (res->cpu.cpus || res->cpu.mems);
}

static bool has_blkio(const struct cove_resources *res) {
    const struct cove_blkio *b = &res->blkio;
    return res->has_blkio && (b->weight.set || b->leaf_weight.set || b->n_weight_device || b->n_throttle_read_bps ||
                              b->n_throttle_write_bps || b->n_throttle_read_iops || b->n_throttle_write_iops);
}

static bool host_has(const struct cove_cgroup_host *host, const char *ctrl) {
    for (size_t i = 0; i < host->n_v1_dirs; i++)
        if (cg_hier_has(host->v1_dirs[i], ctrl))
            return true;
    return false;
}

int cgv1_validate(const struct cove_cgroup_host *host, const struct cove_resources *res, struct cove_err *err) {
    if (res->n_unified)
        return cove_err_set(err, EINVAL, "linux.resources.unified: requires a cgroup v2 (unified) host, %s is %s",
                            host->root, host->mode == COVE_CG_HYBRID ? "hybrid" : "cgroup v1");
    if (res->has_memory && res->memory.swappiness.set && res->memory.swappiness.v > 100)
        return cove_err_set(err, EINVAL, "linux.resources.memory.swappiness: %" PRIu64 " is not in 0..100",
                            res->memory.swappiness.v);
    for (size_t i = 0; i < res->n_hugepages; i++)
        if (!res->hugepages[i].page_size || !*res->hugepages[i].page_size || strchr(res->hugepages[i].page_size, '/'))
            return cove_err_set(err, EINVAL, "linux.resources.hugepageLimits[%zu].pageSize: invalid", i);
    static const struct { const char *ctrl, *field; } need[] = {
        { "memory", "memory" }, { "cpu", "cpu" }, { "cpuset", "cpu.cpus" }, { "pids", "pids" },
        { "blkio", "blockIO" }, { "hugetlb", "hugepageLimits" }, { "net_cls", "network.classID" },
        { "net_prio", "network.priorities" }, { "rdma", "rdma" }, { "devices", "devices" },
    };
    bool wanted[] = {
        has_memory(res), has_cpu(res), has_cpuset(res), res->has_pids, has_blkio(res), res->n_hugepages > 0,
        res->has_network && res->net_class_id.set, res->n_net_priorities > 0, res->n_rdma > 0, res->n_devices > 0,
    };
    for (size_t i = 0; i < ARRAY_SIZE(need); i++)
        if (wanted[i] && !host_has(host, need[i].ctrl))
            return cove_err_set(err, EOPNOTSUPP, "linux.resources.%s: no %s cgroup hierarchy under %s",
                                need[i].field, need[i].ctrl, host->root);
    return 0;
}

/* ---------------------------------------------------------------- apply */

static const char *need_dir(const struct cove_cgroup *cg, const char *ctrl, const char *field, struct cove_err *err) {
    const struct cove_cgroup_leaf *l = cg_find_v1(cg, ctrl);
    if (!l)
        cove_err_set(err, EOPNOTSUPP, "linux.resources.%s: no %s cgroup hierarchy under %s", field, ctrl, cg->root);
    return l ? l->dir : NULL;
}

#define WRITE_I64(dir, file, v) cgfs_writef(err, dir, file, "%" PRId64, (int64_t)(v))
#define WRITE_U64(dir, file, v) cgfs_writef(err, dir, file, "%" PRIu64, (uint64_t)(v))

static int v1_memory(const struct cove_cgroup *cg, const struct cove_memory *m, struct cove_err *err) {
    const char *d = need_dir(cg, "memory", "memory", err);
    if (!d)
        return -EOPNOTSUPP;
    int r = 0;
    /* runc treats 0 as "not set" for the limits. */
    bool lim = m->limit.set && m->limit.v != 0, swap = m->swap.set && m->swap.v != 0;
    if (lim && swap) {
        /* The kernel keeps limit <= memsw: lowering must write the limit
         * first, raising the memsw limit first. Try the limit; EINVAL means
         * it is above the current memsw, so raise memsw first. This avoids
         * reading the current value on the (usual) new-cgroup path. */
        r = WRITE_I64(d, "memory.limit_in_bytes", m->limit.v);
        if (r == -EINVAL) {
            if ((r = WRITE_I64(d, "memory.memsw.limit_in_bytes", m->swap.v)) < 0)
                return r;
            r = WRITE_I64(d, "memory.limit_in_bytes", m->limit.v);
        } else if (r == 0) {
            r = WRITE_I64(d, "memory.memsw.limit_in_bytes", m->swap.v);
        }
    } else if (lim) {
        r = WRITE_I64(d, "memory.limit_in_bytes", m->limit.v);
        /* runc: an unlimited memory with swap unset means unlimited swap. */
        if (r == 0 && m->limit.v == -1 && cgfs_exists(d, "memory.memsw.limit_in_bytes"))
            r = cgfs_write(d, "memory.memsw.limit_in_bytes", "-1", err);
    } else if (swap) {
        r = WRITE_I64(d, "memory.memsw.limit_in_bytes", m->swap.v);
    }
    if (r < 0)
        return r;
    if (m->reservation.set && m->reservation.v != 0 &&
        (r = WRITE_I64(d, "memory.soft_limit_in_bytes", m->reservation.v)) < 0)
        return r;
    /* Kernel memory limits are deprecated (5.4) and refused with
     * EOPNOTSUPP on newer kernels; runc ignores them too. */
    if (m->kernel.set && cgfs_exists(d, "memory.kmem.limit_in_bytes") &&
        (r = WRITE_I64(d, "memory.kmem.limit_in_bytes", m->kernel.v)) < 0 && r != -EOPNOTSUPP)
        return r;
    if (m->kernel_tcp.set && cgfs_exists(d, "memory.kmem.tcp.limit_in_bytes") &&
        (r = WRITE_I64(d, "memory.kmem.tcp.limit_in_bytes", m->kernel_tcp.v)) < 0 && r != -EOPNOTSUPP)
        return r;
    if (m->swappiness.set && (r = WRITE_U64(d, "memory.swappiness", m->swappiness.v)) < 0)
        return r;
    if (m->has_disable_oom_killer && m->disable_oom_killer && (r = cgfs_write(d, "memory.oom_control", "1", err)) < 0)
        return r;
    return 0;
}

static int v1_cpu(const struct cove_cgroup *cg, const struct cove_cpu *c, struct cove_err *err) {
    const char *d = need_dir(cg, "cpu", "cpu", err);
    if (!d)
        return -EOPNOTSUPP;
    int r;
    /* The runtime must fit in the period: period first. */
    if (c->realtime_period.set && (r = WRITE_U64(d, "cpu.rt_period_us", c->realtime_period.v)) < 0)
        return r;
    if (c->realtime_runtime.set && (r = WRITE_I64(d, "cpu.rt_runtime_us", c->realtime_runtime.v)) < 0)
        return r;
    if (c->shares.set && c->shares.v != 0 && (r = WRITE_U64(d, "cpu.shares", c->shares.v)) < 0)
        return r;
    bool period = c->period.set && c->period.v != 0, quota = c->quota.set && c->quota.v != 0;
    if (period) {
        r = WRITE_U64(d, "cpu.cfs_period_us", c->period.v);
        /* A shorter period can be refused while the old quota (or burst)
         * does not fit in it: set the quota first, then the period. */
        if (r == -EINVAL && quota) {
            if ((r = WRITE_I64(d, "cpu.cfs_quota_us", c->quota.v)) < 0)
                return r;
            quota = false;
            r = WRITE_U64(d, "cpu.cfs_period_us", c->period.v);
        }
        if (r < 0)
            return r;
    }
    if (quota && (r = WRITE_I64(d, "cpu.cfs_quota_us", c->quota.v)) < 0)
        return r;
    if (c->burst.set && (r = WRITE_U64(d, "cpu.cfs_burst_us", c->burst.v)) < 0)
        return r;
    if (c->idle.set && (r = WRITE_I64(d, "cpu.idle", c->idle.v)) < 0)
        return r;
    return 0;
}

static int v1_cpuset(const struct cove_cgroup *cg, const struct cove_cpu *c, struct cove_err *err) {
    const char *d = need_dir(cg, "cpuset", "cpu.cpus", err);
    if (!d)
        return -EOPNOTSUPP;
    return cgfs_write_cpuset(d, c, err);
}

static int write_throttle(const char *d, const char *file, const struct cove_throttle_device *t, size_t n,
                          struct cove_err *err) {
    for (size_t i = 0; i < n; i++) {
        int r = cgfs_writef(err, d, file, "%" PRId64 ":%" PRId64 " %" PRIu64, t[i].major, t[i].minor, t[i].rate);
        if (r < 0)
            return r;
    }
    return 0;
}

static int v1_blkio(const struct cove_cgroup *cg, const struct cove_blkio *b, struct cove_err *err) {
    const char *d = need_dir(cg, "blkio", "blockIO", err);
    if (!d)
        return -EOPNOTSUPP;
    int r;
    /* With the bfq scheduler and no CFQ, only blkio.bfq.weight exists. */
    bool bfq = (b->weight.set || b->n_weight_device) && !cgfs_exists(d, "blkio.weight");
    const char *wfile = bfq ? "blkio.bfq.weight" : "blkio.weight";
    const char *wdfile = bfq ? "blkio.bfq.weight_device" : "blkio.weight_device";
    if (b->weight.set && (r = WRITE_U64(d, wfile, b->weight.v)) < 0)
        return r;
    if (b->leaf_weight.set && (r = WRITE_U64(d, "blkio.leaf_weight", b->leaf_weight.v)) < 0)
        return r;
    for (size_t i = 0; i < b->n_weight_device; i++) {
        const struct cove_weight_device *w = &b->weight_device[i];
        if (w->weight.set &&
            (r = cgfs_writef(err, d, wdfile, "%" PRId64 ":%" PRId64 " %" PRIu64, w->major, w->minor, w->weight.v)) < 0)
            return r;
        if (w->leaf_weight.set && (r = cgfs_writef(err, d, "blkio.leaf_weight_device", "%" PRId64 ":%" PRId64 " %" PRIu64,
                                                   w->major, w->minor, w->leaf_weight.v)) < 0)
            return r;
    }
    if ((r = write_throttle(d, "blkio.throttle.read_bps_device", b->throttle_read_bps, b->n_throttle_read_bps, err)) < 0 ||
        (r = write_throttle(d, "blkio.throttle.write_bps_device", b->throttle_write_bps, b->n_throttle_write_bps, err)) < 0 ||
        (r = write_throttle(d, "blkio.throttle.read_iops_device", b->throttle_read_iops, b->n_throttle_read_iops, err)) < 0 ||
        (r = write_throttle(d, "blkio.throttle.write_iops_device", b->throttle_write_iops, b->n_throttle_write_iops, err)) < 0)
        return r;
    return 0;
}

static int v1_misc(const struct cove_cgroup *cg, const struct cove_resources *res, struct cove_err *err) {
    const char *d;
    int r;
    if (res->has_pids && res->pids_limit.set) { /* <= 0: "max" (docs/cgroups.md) */
        if (!(d = need_dir(cg, "pids", "pids", err)))
            return -EOPNOTSUPP;
        r = res->pids_limit.v > 0 ? WRITE_I64(d, "pids.max", res->pids_limit.v) : cgfs_write(d, "pids.max", "max", err);
        if (r < 0)
            return r;
    }
    for (size_t i = 0; i < res->n_hugepages; i++) {
        if (!(d = need_dir(cg, "hugetlb", "hugepageLimits", err)))
            return -EOPNOTSUPP;
        char file[128];
        snprintf(file, sizeof(file), "hugetlb.%s.limit_in_bytes", res->hugepages[i].page_size);
        if ((r = WRITE_U64(d, file, res->hugepages[i].limit)) < 0)
            return r;
    }
    if (res->has_network && res->net_class_id.set) {
        if (!(d = need_dir(cg, "net_cls", "network.classID", err)))
            return -EOPNOTSUPP;
        if ((r = WRITE_U64(d, "net_cls.classid", res->net_class_id.v)) < 0)
            return r;
    }
    for (size_t i = 0; i < res->n_net_priorities; i++) {
        if (!(d = need_dir(cg, "net_prio", "network.priorities", err)))
            return -EOPNOTSUPP;
        if ((r = cgfs_writef(err, d, "net_prio.ifpriomap", "%s %" PRIu32, res->net_priorities[i].name,
                             res->net_priorities[i].priority)) < 0)
            return r;
    }
    for (size_t i = 0; i < res->n_rdma; i++) {
        if (!(d = need_dir(cg, "rdma", "rdma", err)))
            return -EOPNOTSUPP;
        if ((r = cgfs_write_rdma(d, &res->rdma[i], err)) < 0)
            return r;
    }
    return 0;
}

static int v1_device_rule(const char *d, const struct cove_device_rule *rule, struct cove_err *err) {
    char buf[64];
    cg_device_rule_string(rule, buf, sizeof(buf));
    return cgfs_write(d, rule->allow ? "devices.allow" : "devices.deny", buf, err);
}

int cgv1_set_devices(const struct cove_cgroup *cg, const struct cove_device_rule *rules, size_t n,
                     struct cove_err *err) {
    const char *d = need_dir(cg, "devices", "devices", err);
    if (!d)
        return -EOPNOTSUPP;
    /* "a" to devices.deny drops everything inherited: with no rules at all
     * the container would otherwise open any device node (a *:* rwm) */
    int r = cgfs_write(d, "devices.deny", "a", err);
    if (r < 0)
        return cove_err_prefix(err, "linux.resources.devices: deny all");
    for (size_t i = 0; i < n; i++)
        if ((r = v1_device_rule(d, &rules[i], err)) < 0)
            return cove_err_prefix(err, "linux.resources.devices[%zu]", i);
    for (size_t i = 0; i < cg_n_default_device_rules; i++)
        if ((r = v1_device_rule(d, &cg_default_device_rules[i], err)) < 0)
            return r;
    return 0;
}

int cgv1_apply(const struct cove_cgroup *cg, const struct cove_resources *res, struct cove_err *err) {
    int r;
    if (res->n_unified)
        return cove_err_set(err, EINVAL, "linux.resources.unified: requires a cgroup v2 (unified) host");
    if (has_memory(res) && (r = v1_memory(cg, &res->memory, err)) < 0)
        return r;
    if (has_cpuset(res) && (r = v1_cpuset(cg, &res->cpu, err)) < 0)
        return r;
    if (has_cpu(res) && (r = v1_cpu(cg, &res->cpu, err)) < 0)
        return r;
    if (has_blkio(res) && (r = v1_blkio(cg, &res->blkio, err)) < 0)
        return r;
    if ((r = v1_misc(cg, res, err)) < 0)
        return r;
    return 0;
}

/* ---------------------------------------------------------------- cpuset */

static void chomp(char *s) {
    size_t l = strlen(s);
    while (l && (s[l - 1] == '\n' || s[l - 1] == ' '))
        s[--l] = '\0';
}

/* Walk from the hierarchy's root (base) down to leaf and give every
 * directory whose cpuset.cpus or cpuset.mems is empty its parent's value.
 * Not only the directories this create made: another create may have made
 * a shared parent and not filled it yet (two sandboxes at once), and a
 * child of an empty parent could never take a pid. Concurrent fillers
 * write the same values, so the walk needs no lock. */
int cgv1_cpuset_fill(const char *base, const char *leaf, struct cove_err *err) {
    size_t blen = strlen(base);
    if (strncmp(leaf, base, blen) != 0)
        return cove_err_set(err, EINVAL, "%s is not below %s", leaf, base);
    _cleanup_free_ char *dir = strdup(leaf);
    if (!dir)
        return cove_err_set(err, ENOMEM, "out of memory");
    static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
    for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
        _cleanup_free_ char *val = NULL;
        int r = cgfs_read(base, files[f], &val, err);
        if (r < 0)
            return r;
        chomp(val);
        /* each component below base, top down */
        for (char *p = dir + blen; p && *p;) {
            char *next = strchr(p + 1, '/');
            if (next)
                *next = '\0';
            _cleanup_free_ char *cur = NULL;
            if ((r = cgfs_read(dir, files[f], &cur, err)) < 0)
                return r;
            chomp(cur);
            if (!*cur && *val && (r = cgfs_write(dir, files[f], val, err)) < 0)
                return r;
            if (*cur) {
                free(val);
                val = TAKE_PTR(cur);
            }
            if (next)
                *next = '/';
            p = next;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- freezer */

int cgv1_freeze(const char *dir, bool frozen, struct cove_err *err) {
    const char *want = frozen ? "FROZEN" : "THAWED";
    unsigned waited = 0, step = 1;
    for (unsigned i = 0;; i++) {
        /* Rewrite FROZEN now and then: a task forking while we freeze can
         * leave the cgroup in FREEZING until asked again. */
        if (i % 8 == 0) {
            int r = cgfs_write(dir, "freezer.state", want, err);
            if (r < 0)
                return r;
        }
        _cleanup_free_ char *state = NULL;
        int r = cgfs_read(dir, "freezer.state", &state, err);
        if (r < 0)
            return r;
        chomp(state);
        if (strcmp(state, want) == 0)
            return 0;
        if (waited >= 5000)
            return cove_err_set(err, ETIMEDOUT, "%s/freezer.state: still \"%s\" after %ums, wanted \"%s\"", dir, state,
                                waited, want);
        cgfs_sleep_ms(step);
        waited += step;
        if (step < 16)
            step *= 2;
    }
}
