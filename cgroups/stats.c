/* cgroups/stats.c — counters for `events --stats`, the frozen test behind
 * the "paused" status, and OOM notification for `events`. Read-only: nothing
 * here writes a resource file (the v1 OOM eventfd registration writes
 * cgroup.event_control, which changes no limit).
 *
 * Units follow runc's events schema: cpu times in ns, memory in bytes. v1
 * cpuacct.stat counts USER_HZ ticks; v2 cpu.stat counts microseconds. */
#include "cgroups/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "lib/cleanup.h"

#define USER_HZ 100 /* the kernel exports clock_t to userspace at 100 Hz on every arch */

/* ---------------------------------------------------------------- parsing */

/* Read <dir>/<file>; -ENOENT quietly (controller or file absent) so callers
 * can skip it; other errors name the file. */
static int read_opt(const char *dir, const char *file, char **out, struct cove_err *err) {
    *out = NULL;
    if (!dir || !cgfs_exists(dir, file))
        return -ENOENT;
    return cgfs_read(dir, file, out, err);
}

/* read_opt for callers that treat an absent file as nothing to report:
 * 1 with *out filled, 0 when absent, -errno on error. */
static int read_present(const char *dir, const char *file, char **out, struct cove_err *err) {
    int r = read_opt(dir, file, out, err);
    if (r == -ENOENT)
        return 0;
    return r < 0 ? r : 1;
}

static int parse_u64(const char *s, uint64_t *v) {
    while (*s == ' ')
        s++;
    if (strncmp(s, "max", 3) == 0) {
        *v = UINT64_MAX;
        return 0;
    }
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-')
        return -EINVAL;
    while (*end == '\n' || *end == ' ')
        end++;
    if (*end)
        return -EINVAL;
    *v = x;
    return 0;
}

/* A one-number file ("max" -> UINT64_MAX). Absent: *v untouched, 0. */
static int read_u64(const char *dir, const char *file, uint64_t *v, struct cove_err *err) {
    _cleanup_free_ char *buf = NULL;
    int r = read_present(dir, file, &buf, err);
    if (r <= 0)
        return r;
    if (parse_u64(buf, v) < 0)
        return cove_err_set(err, EINVAL, "%s/%s: not a number: \"%.40s\"", dir, file, buf);
    return 0;
}

/* "key value" lines (cpu.stat, memory.stat, memory.events, cpuacct.stat):
 * the value of key, or 0 when the key is missing. */
static uint64_t kv_get(const char *buf, const char *key) {
    size_t klen = strlen(key);
    for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, key, klen) == 0 && p[klen] == ' ')
            return strtoull(p + klen + 1, NULL, 10);
    return 0;
}

static int read_kv(const char *dir, const char *file, const char *key, uint64_t *v, struct cove_err *err) {
    _cleanup_free_ char *buf = NULL;
    int r = read_present(dir, file, &buf, err);
    if (r <= 0)
        return r;
    *v = kv_get(buf, key);
    return 0;
}

/* Every "key value" line of a flat-keyed file into a kv array. */
static int parse_raw(const char *buf, struct cove_cg_kv **out, size_t *n) {
    size_t cap = 0;
    for (const char *p = buf; *p;) {
        const char *nl = strchrnul(p, '\n'), *sp = memchr(p, ' ', (size_t)(nl - p));
        if (sp && sp > p) {
            if (*n == cap) {
                size_t nc = cap ? cap * 2 : 32;
                struct cove_cg_kv *na = realloc(*out, nc * sizeof(*na));
                if (!na)
                    return -ENOMEM;
                *out = na;
                cap = nc;
            }
            char *key = strndup(p, (size_t)(sp - p));
            if (!key)
                return -ENOMEM;
            (*out)[(*n)++] = (struct cove_cg_kv){ key, strtoull(sp + 1, NULL, 10) };
        }
        p = *nl ? nl + 1 : nl;
    }
    return 0;
}

static int read_raw(const char *dir, const char *file, struct cove_cgroup_stats *st, struct cove_err *err) {
    _cleanup_free_ char *buf = NULL;
    int r = read_present(dir, file, &buf, err);
    if (r <= 0)
        return r;
    if (parse_raw(buf, &st->memory.raw, &st->memory.n_raw) < 0)
        return cove_err_set(err, ENOMEM, "%s/%s: out of memory", dir, file);
    return 0;
}

static uint64_t raw_get(const struct cove_cgroup_stats *st, const char *key) {
    for (size_t i = 0; i < st->memory.n_raw; i++)
        if (strcmp(st->memory.raw[i].key, key) == 0)
            return st->memory.raw[i].value;
    return 0;
}

static int push_blkio(struct cove_cg_blkio_entry **arr, size_t *n, struct cove_cg_blkio_entry e) {
    struct cove_cg_blkio_entry *na = realloc(*arr, (*n + 1) * sizeof(*na));
    if (!na)
        return -ENOMEM;
    *arr = na;
    na[(*n)++] = e;
    return 0;
}

/* ---------------------------------------------------------------- v1 */

/* blkio.*: "8:0 Read 4096" lines ("Total N" lines are skipped). */
static int v1_blkio_file(const char *dir, const char *file, struct cove_cg_blkio_entry **arr, size_t *n,
                         struct cove_err *err) {
    _cleanup_free_ char *buf = NULL;
    int r = read_present(dir, file, &buf, err);
    if (r <= 0)
        return r;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        struct cove_cg_blkio_entry e = { 0 };
        char op[16];
        if (sscanf(line, "%" SCNu64 ":%" SCNu64 " %15s %" SCNu64, &e.major, &e.minor, op, &e.value) != 4)
            continue;
        snprintf(e.op, sizeof(e.op), "%s", op);
        if (push_blkio(arr, n, e) < 0)
            return cove_err_set(err, ENOMEM, "%s/%s: out of memory", dir, file);
    }
    return 0;
}

/* runc prefers the CFQ/BFQ recursive counters and falls back to the
 * throttle ones, which every kernel has. */
static int v1_blkio(const char *d, struct cove_cgroup_stats *st, struct cove_err *err) {
    const char *bytes = "blkio.io_service_bytes_recursive", *ios = "blkio.io_serviced_recursive";
    int r = v1_blkio_file(d, bytes, &st->blkio.service_bytes, &st->blkio.n_service_bytes, err);
    if (r == 0 && st->blkio.n_service_bytes == 0)
        r = v1_blkio_file(d, "blkio.throttle.io_service_bytes", &st->blkio.service_bytes,
                          &st->blkio.n_service_bytes, err);
    if (r == 0)
        r = v1_blkio_file(d, ios, &st->blkio.serviced, &st->blkio.n_serviced, err);
    if (r == 0 && st->blkio.n_serviced == 0)
        r = v1_blkio_file(d, "blkio.throttle.io_serviced", &st->blkio.serviced, &st->blkio.n_serviced, err);
    return r;
}

static int v1_cpu(const struct cove_cgroup *cg, struct cove_cgroup_stats *st, struct cove_err *err) {
    const struct cove_cgroup_leaf *acct = cg_find_v1(cg, "cpuacct"), *cpu = cg_find_v1(cg, "cpu");
    const char *a = acct ? acct->dir : NULL;
    int r = read_u64(a, "cpuacct.usage", &st->cpu.total, err);
    _cleanup_free_ char *buf = NULL;
    if (r == 0 && (r = read_opt(a, "cpuacct.usage_percpu", &buf, err)) == 0) {
        size_t cap = 0;
        char *p = buf, *end;
        for (uint64_t v; (v = strtoull(p, &end, 10)), end != p; p = end) {
            if (st->cpu.n_percpu == cap) {
                size_t nc = cap ? cap * 2 : 8;
                uint64_t *na = realloc(st->cpu.percpu, nc * sizeof(*na));
                if (!na)
                    return cove_err_set(err, ENOMEM, "cpuacct.usage_percpu: out of memory");
                st->cpu.percpu = na;
                cap = nc;
            }
            st->cpu.percpu[st->cpu.n_percpu++] = v;
        }
    }
    if (r < 0 && r != -ENOENT)
        return r;
    free(buf);
    buf = NULL;
    if ((r = read_opt(a, "cpuacct.stat", &buf, err)) == 0) {
        st->cpu.user = kv_get(buf, "user") * (1000000000ULL / USER_HZ);
        st->cpu.kernel = kv_get(buf, "system") * (1000000000ULL / USER_HZ);
    } else if (r != -ENOENT) {
        return r;
    }
    free(buf);
    buf = NULL;
    if ((r = read_opt(cpu ? cpu->dir : NULL, "cpu.stat", &buf, err)) == 0) {
        st->cpu.periods = kv_get(buf, "nr_periods");
        st->cpu.throttled_periods = kv_get(buf, "nr_throttled");
        st->cpu.throttled_time = kv_get(buf, "throttled_time");
    } else if (r != -ENOENT) {
        return r;
    }
    return 0;
}

static int v1_mem_entry(const char *d, const char *prefix, struct cove_cg_mem_entry *e, struct cove_err *err) {
    static const char *const suffix[] = { "limit_in_bytes", "usage_in_bytes", "max_usage_in_bytes", "failcnt" };
    uint64_t *dst[] = { &e->limit, &e->usage, &e->max, &e->failcnt };
    for (size_t i = 0; i < ARRAY_SIZE(suffix); i++) {
        char file[64];
        snprintf(file, sizeof(file), "%s%s", prefix, suffix[i]);
        int r = read_u64(d, file, dst[i], err);
        if (r < 0)
            return r;
    }
    return 0;
}

static int v1_memory(const char *d, struct cove_cgroup_stats *st, struct cove_err *err) {
    int r;
    if ((r = v1_mem_entry(d, "memory.", &st->memory.usage, err)) < 0 ||
        (r = v1_mem_entry(d, "memory.memsw.", &st->memory.swap, err)) < 0 ||
        (r = v1_mem_entry(d, "memory.kmem.", &st->memory.kernel, err)) < 0 ||
        (r = read_raw(d, "memory.stat", st, err)) < 0 ||
        (r = read_kv(d, "memory.oom_control", "oom_kill", &st->memory.oom_kill, err)) < 0)
        return r;
    st->memory.cache = raw_get(st, "cache");
    return 0;
}

/* hugetlb.<size>.<suffix> files; the sizes are read from the directory. */
static int hugetlb_sizes(const char *d, const char *suffix, struct cove_cgroup_stats *st, struct cove_err *err) {
    _cleanup_closedir_ DIR *dir = opendir(d);
    if (!dir)
        return errno == ENOENT ? 0 : cove_err_sys(err, errno, "%s: opendir", d);
    size_t slen = strlen(suffix);
    for (struct dirent *de; (de = readdir(dir));) {
        size_t len = strlen(de->d_name);
        if (strncmp(de->d_name, "hugetlb.", 8) != 0 || len <= 8 + slen ||
            strcmp(de->d_name + len - slen, suffix) != 0 || len - slen - 8 >= sizeof(st->hugetlb->page_size))
            continue;
        struct cove_cg_hugetlb *na = realloc(st->hugetlb, (st->n_hugetlb + 1) * sizeof(*na));
        if (!na)
            return cove_err_set(err, ENOMEM, "%s: out of memory", d);
        st->hugetlb = na;
        struct cove_cg_hugetlb *h = &na[st->n_hugetlb++];
        memset(h, 0, sizeof(*h));
        memcpy(h->page_size, de->d_name + 8, len - slen - 8);
        h->page_size[len - slen - 8] = '\0';
    }
    return 0;
}

/* The per-page-size files of one hierarchy: hugetlb.<size><suffix>. max is
 * NULL where the hierarchy has none; failcnt_key names the line of a
 * "key value" failcnt file, NULL for a one-number one. */
struct hugetlb_files {
    const char *usage, *max, *failcnt, *failcnt_key;
};

static int hugetlb_read(const char *d, const struct hugetlb_files *f, struct cove_cgroup_stats *st,
                        struct cove_err *err) {
    int r = hugetlb_sizes(d, f->usage, st, err);
    for (size_t i = 0; r == 0 && i < st->n_hugetlb; i++) {
        struct cove_cg_hugetlb *h = &st->hugetlb[i];
        char p[64];
        snprintf(p, sizeof(p), "hugetlb.%s%s", h->page_size, f->usage);
        if ((r = read_u64(d, p, &h->usage, err)) < 0)
            break;
        if (f->max) {
            snprintf(p, sizeof(p), "hugetlb.%s%s", h->page_size, f->max);
            if ((r = read_u64(d, p, &h->max, err)) < 0)
                break;
        }
        snprintf(p, sizeof(p), "hugetlb.%s%s", h->page_size, f->failcnt);
        r = f->failcnt_key ? read_kv(d, p, f->failcnt_key, &h->failcnt, err) : read_u64(d, p, &h->failcnt, err);
    }
    return r;
}

static int v1_hugetlb(const char *d, struct cove_cgroup_stats *st, struct cove_err *err) {
    static const struct hugetlb_files f = { ".usage_in_bytes", ".max_usage_in_bytes", ".failcnt", NULL };
    return hugetlb_read(d, &f, st, err);
}

static const char *v1_dir(const struct cove_cgroup *cg, const char *ctrl) {
    const struct cove_cgroup_leaf *l = cg_find_v1(cg, ctrl);
    return l ? l->dir : NULL;
}

static int stats_v1(const struct cove_cgroup *cg, struct cove_cgroup_stats *st, struct cove_err *err) {
    const char *d;
    int r = v1_cpu(cg, st, err);
    if (r == 0 && (d = v1_dir(cg, "memory")))
        r = v1_memory(d, st, err);
    if (r == 0 && (d = v1_dir(cg, "pids"))) {
        if ((r = read_u64(d, "pids.current", &st->pids.current, err)) == 0)
            r = read_u64(d, "pids.max", &st->pids.limit, err);
        if (st->pids.limit == UINT64_MAX)
            st->pids.limit = 0;
    }
    if (r == 0 && (d = v1_dir(cg, "blkio")))
        r = v1_blkio(d, st, err);
    if (r == 0 && (d = v1_dir(cg, "hugetlb")))
        r = v1_hugetlb(d, st, err);
    return r;
}

/* ---------------------------------------------------------------- v2 */

static int v2_cpu(const char *d, struct cove_cgroup_stats *st, struct cove_err *err) {
    _cleanup_free_ char *buf = NULL;
    int r = read_present(d, "cpu.stat", &buf, err);
    if (r <= 0)
        return r;
    st->cpu.total = kv_get(buf, "usage_usec") * 1000;
    st->cpu.user = kv_get(buf, "user_usec") * 1000;
    st->cpu.kernel = kv_get(buf, "system_usec") * 1000;
    st->cpu.periods = kv_get(buf, "nr_periods");
    st->cpu.throttled_periods = kv_get(buf, "nr_throttled");
    st->cpu.throttled_time = kv_get(buf, "throttled_usec") * 1000;
    return 0;
}

static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

static int v2_memory(const char *d, struct cove_cgroup_stats *st, struct cove_err *err) {
    struct cove_cg_mem_entry *u = &st->memory.usage, *s = &st->memory.swap;
    uint64_t swap_cur = 0, swap_max = 0;
    int r;
    if ((r = read_u64(d, "memory.current", &u->usage, err)) < 0 || (r = read_u64(d, "memory.max", &u->limit, err)) < 0 ||
        (r = read_u64(d, "memory.peak", &u->max, err)) < 0 ||
        (r = read_kv(d, "memory.events", "max", &u->failcnt, err)) < 0 ||
        (r = read_kv(d, "memory.events", "oom_kill", &st->memory.oom_kill, err)) < 0 ||
        (r = read_u64(d, "memory.swap.current", &swap_cur, err)) < 0 ||
        (r = read_u64(d, "memory.swap.max", &swap_max, err)) < 0 || (r = read_raw(d, "memory.stat", st, err)) < 0)
        return r;
    /* runc reports v2 swap as memory+swap, the v1 memsw meaning. */
    if (cgfs_exists(d, "memory.swap.current")) {
        s->usage = sat_add(u->usage, swap_cur);
        s->limit = sat_add(u->limit, swap_max);
    }
    st->memory.cache = raw_get(st, "file");
    return 0;
}

/* io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0". */
static int v2_io(const char *d, struct cove_cgroup_stats *st, struct cove_err *err) {
    _cleanup_free_ char *buf = NULL;
    int r = read_present(d, "io.stat", &buf, err);
    if (r <= 0)
        return r;
    static const struct { const char *key; const char *op; bool bytes; } map[] = {
        { "rbytes", "Read", true }, { "wbytes", "Write", true }, { "rios", "Read", false }, { "wios", "Write", false },
    };
    for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        uint64_t major, minor;
        int off = 0;
        if (sscanf(line, "%" SCNu64 ":%" SCNu64 "%n", &major, &minor, &off) != 2)
            continue;
        for (char *s2 = NULL, *tok = strtok_r(line + off, " ", &s2); tok; tok = strtok_r(NULL, " ", &s2)) {
            char *eq = strchr(tok, '=');
            if (!eq)
                continue;
            *eq = '\0';
            for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
                if (strcmp(tok, map[i].key) != 0)
                    continue;
                struct cove_cg_blkio_entry e = { .major = major, .minor = minor, .value = strtoull(eq + 1, NULL, 10) };
                snprintf(e.op, sizeof(e.op), "%s", map[i].op);
                r = map[i].bytes ? push_blkio(&st->blkio.service_bytes, &st->blkio.n_service_bytes, e)
                                 : push_blkio(&st->blkio.serviced, &st->blkio.n_serviced, e);
                if (r < 0)
                    return cove_err_set(err, ENOMEM, "%s/io.stat: out of memory", d);
            }
        }
    }
    return 0;
}

static int v2_hugetlb(const char *d, struct cove_cgroup_stats *st, struct cove_err *err) {
    /* v2 has no max_usage; its failcnt is the "max" line of hugetlb.<size>.events. */
    static const struct hugetlb_files f = { ".current", NULL, ".events", "max" };
    return hugetlb_read(d, &f, st, err);
}

static int stats_v2(const char *d, struct cove_cgroup_stats *st, struct cove_err *err) {
    int r;
    if ((r = v2_cpu(d, st, err)) < 0 || (r = v2_memory(d, st, err)) < 0 ||
        (r = read_u64(d, "pids.current", &st->pids.current, err)) < 0 ||
        (r = read_u64(d, "pids.max", &st->pids.limit, err)) < 0 || (r = v2_io(d, st, err)) < 0 ||
        (r = v2_hugetlb(d, st, err)) < 0)
        return r;
    if (st->pids.limit == UINT64_MAX)
        st->pids.limit = 0;
    return 0;
}

/* ---------------------------------------------------------------- public */

int cove_cgroup_stats(const struct cove_cgroup *cg, struct cove_cgroup_stats *st, struct cove_err *err) {
    memset(st, 0, sizeof(*st));
    if (cg->mode != COVE_CG_UNIFIED)
        return stats_v1(cg, st, err);
    const struct cove_cgroup_leaf *l = cg_find_v2(cg);
    if (!l)
        return cove_err_set(err, ENOENT, "cgroup %s: no cgroup2 directory", cg->path);
    return stats_v2(l->dir, st, err);
}

void cove_cgroup_stats_free(struct cove_cgroup_stats *st) {
    free(st->cpu.percpu);
    for (size_t i = 0; i < st->memory.n_raw; i++)
        free(st->memory.raw[i].key);
    free(st->memory.raw);
    free(st->blkio.service_bytes);
    free(st->blkio.serviced);
    free(st->hugetlb);
    memset(st, 0, sizeof(*st));
}

int cove_cgroup_frozen(const struct cove_cgroup *cg, bool *frozen, struct cove_err *err) {
    _cleanup_free_ char *buf = NULL;
    *frozen = false;
    const struct cove_cgroup_leaf *l = cg_find_v1(cg, "freezer");
    if (l) {
        int r = cgfs_read(l->dir, "freezer.state", &buf, err);
        if (r < 0)
            return r;
        *frozen = strncmp(buf, "FROZEN", 6) == 0;
        return 0;
    }
    if ((l = cg_find_v2(cg)) && cgfs_exists(l->dir, "cgroup.freeze")) {
        int r = cgfs_read(l->dir, "cgroup.freeze", &buf, err);
        if (r < 0)
            return r;
        *frozen = buf[0] == '1';
        return 0;
    }
    return 0;
}

/* The directory and file holding the OOM counter: the cgroup2 leaf's
 * memory.events on unified hosts, the v1 memory hierarchy otherwise. */
static const char *oom_source(const struct cove_cgroup *cg, const char **file) {
    const struct cove_cgroup_leaf *l;
    if (cg->mode == COVE_CG_UNIFIED) {
        *file = "memory.events";
        return (l = cg_find_v2(cg)) ? l->dir : NULL;
    }
    *file = "memory.oom_control";
    return (l = cg_find_v1(cg, "memory")) ? l->dir : NULL;
}

int cove_cgroup_oom_count(const struct cove_cgroup *cg, uint64_t *count, struct cove_err *err) {
    const char *file, *d = oom_source(cg, &file);
    *count = 0;
    return read_kv(d, file, "oom_kill", count, err);
}

int cove_cgroup_oom_watch(const struct cove_cgroup *cg, int *fd, struct cove_err *err) {
    const char *file, *d = oom_source(cg, &file);
    if (!d || !cgfs_exists(d, file))
        return cove_err_set(err, EOPNOTSUPP, "cgroup %s: no memory controller to watch for OOM under %s", cg->path,
                            cg->root);
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", d, file);
    if (cg->mode == COVE_CG_UNIFIED) {
        /* cgroupfs raises IN_MODIFY on memory.events whenever a counter
         * changes (kernfs_notify). */
        _cleanup_close_ int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (in < 0)
            return cove_err_sys(err, errno, "inotify_init1");
        if (inotify_add_watch(in, path, IN_MODIFY) < 0)
            return cove_err_sys(err, errno, "%s: inotify_add_watch", path);
        *fd = TAKE_FD(in);
        return 0;
    }
    _cleanup_close_ int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (efd < 0)
        return cove_err_sys(err, errno, "eventfd");
    /* The registration lives as long as efd and the control file's fd are
     * open; the kernel keeps its own reference to the latter, so it can be
     * closed once registered. */
    _cleanup_close_ int ofd = open(path, O_RDONLY | O_CLOEXEC);
    if (ofd < 0)
        return cove_err_sys(err, errno, "%s: open", path);
    int r = cgfs_writef(err, d, "cgroup.event_control", "%d %d", efd, ofd);
    if (r < 0)
        return r;
    *fd = TAKE_FD(efd);
    return 0;
}

int cove_cgroup_oom_check(const struct cove_cgroup *cg, int fd, uint64_t *last, bool *fired, struct cove_err *err) {
    char buf[4096];
    *fired = false;
    /* Drain: eventfd gives one 8-byte counter, inotify any number of events. */
    while (read(fd, buf, sizeof(buf)) > 0)
        ;
    uint64_t now = 0;
    int r = cove_cgroup_oom_count(cg, &now, err);
    if (r < 0)
        return r;
    if (now > *last) {
        *fired = true;
        *last = now;
    }
    return 0;
}
