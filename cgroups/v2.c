/* cgroups/v2.c — the cgroup v2 (unified) backend: controller enabling in
 * the parents, resource files with runc's conversions from the v1-shaped
 * spec values, cgroup.freeze. Device rules are in v2_devices.c. */
#include "cgroups/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"

/* ---------------------------------------------------------------- conversions */

/* runc's ConvertCPUSharesToCgroupV2Value: maps [2, 262144] onto
 * [1, 10000]; 0 means unset. */
uint64_t cgv2_shares_to_weight(uint64_t shares) {
    if (shares == 0)
        return 0;
    if (shares < 2)
        shares = 2;
    return 1 + ((shares - 2) * 9999) / 262142;
}

/* runc's ConvertBlkIOToIOWeightValue: [10, 1000] onto [1, 10000]. */
uint64_t cgv2_blkio_to_io_weight(uint64_t w) {
    if (w == 0)
        return 0;
    if (w < 10)
        w = 10;
    return 1 + (w - 10) * 9999 / 990;
}

/* runc's ConvertMemorySwapToCgroupV2Value: the spec's swap is memory+swap
 * (v1 memsw), v2's memory.swap.max is swap alone. *out: -1 "max", 0 unset. */
int cgv2_swap_to_v2(int64_t swap, int64_t limit, int64_t *out, struct cove_err *err) {
    if (limit == -1 && swap == 0) {
        *out = -1;
        return 0;
    }
    if (swap == -1 || swap == 0) {
        *out = swap;
        return 0;
    }
    if (limit == 0 || limit == -1)
        return cove_err_set(err, EINVAL, "linux.resources.memory.swap: unable to set a swap limit without a memory limit");
    if (limit < 0)
        return cove_err_set(err, EINVAL, "linux.resources.memory.limit: invalid value %" PRId64, limit);
    if (swap < limit)
        return cove_err_set(err, EINVAL,
                            "linux.resources.memory.swap: %" PRId64 " is below memory.limit %" PRId64
                            " (swap is memory+swap, as on cgroup v1)",
                            swap, limit);
    *out = swap - limit;
    return 0;
}

/* 0 -> "" (unset), -1 -> "max", else the number. */
static const char *num_str(int64_t v, char *buf, size_t size) {
    if (v == 0)
        return "";
    if (v == -1)
        return "max";
    snprintf(buf, size, "%" PRId64, v);
    return buf;
}

/* ---------------------------------------------------------------- validate */

static int validate_unified_key(const char *key, struct cove_err *err) {
    /* Keys are file names inside the container's own cgroup: a '/' or ".."
     * would write to another cgroup (or a parent's subtree_control). */
    if (!key || !*key || strchr(key, '/') || strcmp(key, ".") == 0 || strcmp(key, "..") == 0)
        return cove_err_set(err, EINVAL, "linux.resources.unified: key \"%s\" is not a cgroup file name",
                            key ? key : "");
    return 0;
}

int cgv2_validate(const struct cove_resources *res, struct cove_err *err) {
    if (res->has_network && (res->net_class_id.set || res->n_net_priorities))
        return cove_err_set(err, EOPNOTSUPP, "linux.resources.network: not supported on cgroup v2");
    if (res->has_cpu && ((res->cpu.realtime_period.set && res->cpu.realtime_period.v) ||
                         (res->cpu.realtime_runtime.set && res->cpu.realtime_runtime.v)))
        return cove_err_set(err, EOPNOTSUPP,
                            "linux.resources.cpu.realtimeRuntime: real-time scheduling is not supported on cgroup v2");
    if (res->has_blkio && res->blkio.leaf_weight.set)
        return cove_err_set(err, EOPNOTSUPP, "linux.resources.blockIO.leafWeight: not supported on cgroup v2");
    for (size_t i = 0; res->has_blkio && i < res->blkio.n_weight_device; i++)
        if (res->blkio.weight_device[i].leaf_weight.set)
            return cove_err_set(err, EOPNOTSUPP,
                                "linux.resources.blockIO.weightDevice[%zu].leafWeight: not supported on cgroup v2", i);
    if (res->has_memory && res->memory.swappiness.set && res->memory.swappiness.v > 100)
        return cove_err_set(err, EINVAL, "linux.resources.memory.swappiness: %" PRIu64 " is not in 0..100",
                            res->memory.swappiness.v);
    if (res->has_memory && res->memory.swap.set) {
        int64_t out;
        int r = cgv2_swap_to_v2(res->memory.swap.v, res->memory.limit.set ? res->memory.limit.v : 0, &out, err);
        if (r < 0)
            return r;
    }
    for (size_t i = 0; i < res->n_hugepages; i++)
        if (!res->hugepages[i].page_size || !*res->hugepages[i].page_size || strchr(res->hugepages[i].page_size, '/'))
            return cove_err_set(err, EINVAL, "linux.resources.hugepageLimits[%zu].pageSize: invalid", i);
    for (size_t i = 0; i < res->n_unified; i++) {
        int r = validate_unified_key(res->unified[i].key, err);
        if (r < 0)
            return r;
    }
    return 0;
}

/* ---------------------------------------------------------------- apply */

static int v2_memory(const char *d, const struct cove_memory *m, struct cove_err *err) {
    int64_t limit = m->limit.set ? m->limit.v : 0, swap = m->swap.set ? m->swap.v : 0, v2swap;
    char buf[32];
    int r = cgv2_swap_to_v2(swap, limit, &v2swap, err);
    if (r < 0)
        return r;
    const char *s = num_str(v2swap, buf, sizeof(buf));
    /* memory == memory+swap: no swap at all. */
    if (!*s && v2swap == 0 && swap > 0)
        s = "0";
    /* An implied "max" (memory -1, swap unset) is no reason to fail on a
     * host without swap accounting. */
    if (*s && (swap != 0 || cgfs_exists(d, "memory.swap.max")) && (r = cgfs_write(d, "memory.swap.max", s, err)) < 0)
        return r;
    if (*(s = num_str(limit, buf, sizeof(buf))) && (r = cgfs_write(d, "memory.max", s, err)) < 0)
        return r;
    if (m->reservation.set && *(s = num_str(m->reservation.v, buf, sizeof(buf))) &&
        (r = cgfs_write(d, "memory.low", s, err)) < 0)
        return r;
    return 0;
}

static int v2_cpu(const char *d, const struct cove_cpu *c, struct cove_err *err) {
    int r;
    if (c->shares.set && c->shares.v &&
        (r = cgfs_writef(err, d, "cpu.weight", "%" PRIu64, cgv2_shares_to_weight(c->shares.v))) < 0)
        return r;
    int64_t quota = c->quota.set ? c->quota.v : 0;
    uint64_t period = c->period.set ? c->period.v : 0;
    if (quota != 0 || period != 0) {
        char buf[64];
        int o = quota > 0 ? snprintf(buf, sizeof(buf), "%" PRId64, quota) : snprintf(buf, sizeof(buf), "max");
        if (period)
            snprintf(buf + o, sizeof(buf) - (size_t)o, " %" PRIu64, period);
        if ((r = cgfs_write(d, "cpu.max", buf, err)) < 0)
            return r;
    }
    if (c->burst.set && (r = cgfs_writef(err, d, "cpu.max.burst", "%" PRIu64, c->burst.v)) < 0)
        return r;
    if (c->idle.set && (r = cgfs_writef(err, d, "cpu.idle", "%" PRId64, c->idle.v)) < 0)
        return r;
    return cgfs_write_cpuset(d, c, err);
}

static int write_io_max(const char *d, const char *key, const struct cove_throttle_device *t, size_t n,
                        struct cove_err *err) {
    for (size_t i = 0; i < n; i++) {
        int r = cgfs_writef(err, d, "io.max", "%" PRId64 ":%" PRId64 " %s=%" PRIu64, t[i].major, t[i].minor, key,
                            t[i].rate);
        if (r < 0)
            return r;
    }
    return 0;
}

static int v2_io(const char *d, const struct cove_blkio *b, struct cove_err *err) {
    int r;
    /* With bfq, io.bfq.weight takes the v1 value as is (runc does the same). */
    bool bfq = (b->weight.set || b->n_weight_device) && cgfs_exists(d, "io.bfq.weight");
    if (b->weight.set && b->weight.v) {
        r = bfq ? cgfs_writef(err, d, "io.bfq.weight", "%" PRIu64, b->weight.v)
                : cgfs_writef(err, d, "io.weight", "%" PRIu64, cgv2_blkio_to_io_weight(b->weight.v));
        if (r < 0)
            return r;
    }
    for (size_t i = 0; i < b->n_weight_device; i++) {
        const struct cove_weight_device *w = &b->weight_device[i];
        if (!w->weight.set)
            continue;
        r = cgfs_writef(err, d, bfq ? "io.bfq.weight" : "io.weight", "%" PRId64 ":%" PRId64 " %" PRIu64, w->major,
                        w->minor, bfq ? w->weight.v : cgv2_blkio_to_io_weight(w->weight.v));
        if (r < 0)
            return r;
    }
    if ((r = write_io_max(d, "rbps", b->throttle_read_bps, b->n_throttle_read_bps, err)) < 0 ||
        (r = write_io_max(d, "wbps", b->throttle_write_bps, b->n_throttle_write_bps, err)) < 0 ||
        (r = write_io_max(d, "riops", b->throttle_read_iops, b->n_throttle_read_iops, err)) < 0 ||
        (r = write_io_max(d, "wiops", b->throttle_write_iops, b->n_throttle_write_iops, err)) < 0)
        return r;
    return 0;
}

static int v2_misc(const char *d, const struct cove_resources *res, struct cove_err *err) {
    int r;
    if (res->has_pids && res->pids_limit.set) { /* <= 0: "max" (docs/cgroups.md) */
        r = res->pids_limit.v > 0 ? cgfs_writef(err, d, "pids.max", "%" PRId64, res->pids_limit.v)
                                  : cgfs_write(d, "pids.max", "max", err);
        if (r < 0)
            return r;
    }
    for (size_t i = 0; i < res->n_hugepages; i++) {
        const struct cove_hugepage_limit *h = &res->hugepages[i];
        char file[128];
        snprintf(file, sizeof(file), "hugetlb.%s.max", h->page_size);
        if ((r = cgfs_writef(err, d, file, "%" PRIu64, h->limit)) < 0)
            return r;
        /* Reservations (5.7+) are limited alike when the kernel has them. */
        snprintf(file, sizeof(file), "hugetlb.%s.rsvd.max", h->page_size);
        if (cgfs_exists(d, file) && (r = cgfs_writef(err, d, file, "%" PRIu64, h->limit)) < 0)
            return r;
    }
    for (size_t i = 0; i < res->n_rdma; i++) {
        if ((r = cgfs_write_rdma(d, &res->rdma[i], err)) < 0)
            return r;
    }
    return 0;
}

int cgv2_apply(const struct cove_cgroup *cg, const char *d, const struct cove_resources *res, struct cove_err *err) {
    (void)cg;
    int r = cgv2_validate(res, err);
    if (r < 0)
        return r;
    if (res->has_memory && (r = v2_memory(d, &res->memory, err)) < 0)
        return r;
    if (res->has_cpu && (r = v2_cpu(d, &res->cpu, err)) < 0)
        return r;
    if (res->has_blkio && (r = v2_io(d, &res->blkio, err)) < 0)
        return r;
    if ((r = v2_misc(d, res, err)) < 0)
        return r;
    /* The unified map comes after the typed fields so it can override them. */
    for (size_t i = 0; i < res->n_unified; i++)
        if ((r = cgfs_write(d, res->unified[i].key, res->unified[i].value ? res->unified[i].value : "", err)) < 0)
            return cove_err_prefix(err, "linux.resources.unified[\"%s\"]", res->unified[i].key);
    return 0;
}

/* ---------------------------------------------------------------- controllers */

static const char *const wanted_controllers[] = { "cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc" };

int cgv2_enable_controllers(const char *root, const char *leaf_rel, struct cove_err *err) {
    _cleanup_free_ char *avail = NULL;
    int r = cgfs_read(root, "cgroup.controllers", &avail, err);
    if (r < 0)
        return r;
    char line[256] = "";
    size_t o = 0;
    for (size_t i = 0; i < ARRAY_SIZE(wanted_controllers); i++) {
        /* cgroup.controllers is space-separated: look for " name " */
        const char *c = wanted_controllers[i];
        size_t cl = strlen(c);
        for (const char *p = avail; (p = strstr(p, c)); p += cl)
            if ((p == avail || p[-1] == ' ') && (p[cl] == ' ' || p[cl] == '\n' || p[cl] == '\0')) {
                o += (size_t)snprintf(line + o, sizeof(line) - o, "%s+%s", o ? " " : "", c);
                break;
            }
    }
    if (o == 0)
        return 0;
    /* root, root/a, root/a/b ... up to the leaf's parent */
    _cleanup_free_ char *dir = NULL;
    if (asprintf(&dir, "%s%s%s", root, *leaf_rel == '/' ? "" : "/", leaf_rel) < 0)
        return cove_err_set(err, ENOMEM, "out of memory");
    size_t root_len = strlen(root);
    char *leaf_slash = strrchr(dir, '/');
    for (char *p = dir + root_len;;) {
        char saved = *p;
        *p = '\0';
        struct cove_err e = { 0 };
        r = cgfs_write(dir, "cgroup.subtree_control", line, &e);
        if (r < 0) {
            /* One controller may be unavailable here (e.g. cpu with a
             * real-time task in a parent): enable the others one by one;
             * a resource that needs a missing one fails later, by name. */
            char one[32];
            for (const char *q = line; *q;) {
                size_t l = strcspn(q, " ");
                snprintf(one, sizeof(one), "%.*s", (int)l, q);
                cgfs_write(dir, "cgroup.subtree_control", one, &e);
                q += l + (q[l] == ' ');
            }
        }
        *p = saved;
        if (p >= leaf_slash)
            break;
        p = strchr(p + 1, '/');
    }
    return 0;
}

/* ---------------------------------------------------------------- freeze */

static int events_frozen(int fd, const char *dir, struct cove_err *err) {
    char buf[512];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    if (n < 0)
        return cove_err_sys(err, errno, "%s/cgroup.events: read", dir);
    buf[n] = '\0';
    const char *f = strstr(buf, "frozen ");
    return f ? f[7] == '1' : 0;
}

int cgv2_freeze(const char *dir, bool frozen, struct cove_err *err) {
    int r = cgfs_write(dir, "cgroup.freeze", frozen ? "1" : "0", err);
    if (r < 0)
        return r;
    _cleanup_free_ char *path = NULL;
    if (asprintf(&path, "%s/cgroup.events", dir) < 0)
        return cove_err_set(err, ENOMEM, "out of memory");
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return cove_err_sys(err, errno, "%s: open", path);
    /* cgroup.events raises POLLPRI on every change: no sleeping. */
    for (int waited = 0;; waited += 100) {
        if ((r = events_frozen(fd, dir, err)) < 0)
            return r;
        if ((r == 1) == frozen)
            return 0;
        if (waited >= 5000)
            return cove_err_set(err, ETIMEDOUT, "%s: \"frozen %d\" not reached after 5s", path, frozen);
        struct pollfd pfd = { .fd = fd, .events = POLLPRI };
        if (poll(&pfd, 1, 100) < 0 && errno != EINTR)
            return cove_err_sys(err, errno, "%s: poll", path);
    }
}
