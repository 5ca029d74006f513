/* cmd/cove/cmd_events.c — events: the container's cgroup statistics and
 * OOM kills as JSON lines in runc's schema ({"type":"stats","id":..,
 * "data":{..}} and {"type":"oom","id":..}). --stats prints one snapshot;
 * otherwise stats every --interval (default 5s) plus an "oom" line as soon
 * as the kernel reports one, until the container's init exits. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_gen.h>

#include "cli.h"
#include "runtime/cgops.h"
#include "runtime/container.h"

#define S(g, str) yajl_gen_string(g, (const unsigned char *)(str), strlen(str))
#define KU(g, key, v) (S(g, key), yajl_gen_integer_u64(g, v))

/* yajl_gen_integer takes long long: print u64 (UINT64_MAX for "max") exactly. */
static void yajl_gen_integer_u64(yajl_gen g, uint64_t v) {
    char buf[24];
    int n = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
    yajl_gen_number(g, buf, (size_t)n);
}

static void gen_mem_entry(yajl_gen g, const char *key, const struct cove_cg_mem_entry *e) {
    S(g, key);
    yajl_gen_map_open(g);
    KU(g, "limit", e->limit);
    KU(g, "usage", e->usage);
    KU(g, "max", e->max);
    KU(g, "failcnt", e->failcnt);
    yajl_gen_map_close(g);
}

static void gen_blkio(yajl_gen g, const char *key, const struct cove_cg_blkio_entry *e, size_t n) {
    S(g, key);
    yajl_gen_array_open(g);
    for (size_t i = 0; i < n; i++) {
        yajl_gen_map_open(g);
        KU(g, "major", e[i].major);
        KU(g, "minor", e[i].minor);
        S(g, "op");
        S(g, e[i].op);
        KU(g, "value", e[i].value);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
}

static void gen_stats(yajl_gen g, const struct cove_cgroup_stats *st) {
    yajl_gen_map_open(g);
    S(g, "cpu");
    yajl_gen_map_open(g);
    S(g, "usage");
    yajl_gen_map_open(g);
    KU(g, "total", st->cpu.total);
    S(g, "percpu");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < st->cpu.n_percpu; i++)
        yajl_gen_integer_u64(g, st->cpu.percpu[i]);
    yajl_gen_array_close(g);
    KU(g, "kernel", st->cpu.kernel);
    KU(g, "user", st->cpu.user);
    yajl_gen_map_close(g);
    S(g, "throttling");
    yajl_gen_map_open(g);
    KU(g, "periods", st->cpu.periods);
    KU(g, "throttledPeriods", st->cpu.throttled_periods);
    KU(g, "throttledTime", st->cpu.throttled_time);
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);

    S(g, "memory");
    yajl_gen_map_open(g);
    KU(g, "cache", st->memory.cache);
    gen_mem_entry(g, "usage", &st->memory.usage);
    gen_mem_entry(g, "swap", &st->memory.swap);
    gen_mem_entry(g, "kernel", &st->memory.kernel);
    S(g, "raw");
    yajl_gen_map_open(g);
    for (size_t i = 0; i < st->memory.n_raw; i++)
        KU(g, st->memory.raw[i].key, st->memory.raw[i].value);
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);

    S(g, "pids");
    yajl_gen_map_open(g);
    KU(g, "current", st->pids.current);
    KU(g, "limit", st->pids.limit);
    yajl_gen_map_close(g);

    S(g, "blkio");
    yajl_gen_map_open(g);
    gen_blkio(g, "ioServiceBytesRecursive", st->blkio.service_bytes, st->blkio.n_service_bytes);
    gen_blkio(g, "ioServicedRecursive", st->blkio.serviced, st->blkio.n_serviced);
    yajl_gen_map_close(g);

    S(g, "hugetlb");
    yajl_gen_map_open(g);
    for (size_t i = 0; i < st->n_hugetlb; i++) {
        S(g, st->hugetlb[i].page_size);
        yajl_gen_map_open(g);
        KU(g, "usage", st->hugetlb[i].usage);
        KU(g, "max", st->hugetlb[i].max);
        KU(g, "failcnt", st->hugetlb[i].failcnt);
        yajl_gen_map_close(g);
    }
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
}

/* One event line on stdout; st NULL for events without data. */
static void print_event(const char *type, const char *id, const struct cove_cgroup_stats *st) {
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        return;
    yajl_gen_map_open(g);
    S(g, "type");
    S(g, type);
    S(g, "id");
    S(g, id);
    if (st) {
        S(g, "data");
        gen_stats(g, st);
    }
    yajl_gen_map_close(g);
    cli_print_gen(g);
    fflush(stdout);
    yajl_gen_free(g);
}

/* Go-style duration: "5s", "500ms", "1.5s", "2m", "100us", "1h". */
static int parse_duration_ms(const char *s, long *ms) {
    char *end;
    double v = strtod(s, &end);
    if (end == s || v <= 0 || !isfinite(v))
        return -1;
    static const struct { const char *unit; double ms; } units[] = {
        {"ns", 1e-6}, {"us", 1e-3}, {"µs", 1e-3}, {"ms", 1}, {"s", 1e3}, {"m", 60e3}, {"h", 3600e3},
    };
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(end, units[i].unit) == 0) {
            double r = v * units[i].ms;
            if (r > 86400e3)
                return -1;
            *ms = r < 1 ? 1 : (long)r;
            return 0;
        }
    }
    return -1;
}

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int stream(struct cove_events_watch *w, const char *id, long interval) {
    struct cove_err err = {0};
    long next = now_ms();
    for (;;) {
        long now = now_ms();
        if (now >= next) {
            struct cove_cgroup_stats st;
            int r = cove_events_stats(w, &st, &err);
            if (r == 0)
                print_event("stats", id, &st);
            cove_cgroup_stats_free(&st);
            if (r < 0)
                return cli_fail(&err);
            next = now + interval;
            continue;
        }
        enum cove_event ev;
        if (cove_events_wait(w, (int)(next - now), &ev, &err) < 0)
            return cli_fail(&err);
        if (ev == COVE_EVENT_OOM)
            print_event("oom", id, NULL);
        else if (ev == COVE_EVENT_EXIT)
            return 0;
    }
}

int cmd_events(int argc, char **argv) {
    enum { O_INTERVAL = 256, O_STATS };
    static const struct option opts[] = {
        {"interval", required_argument, NULL, O_INTERVAL},
        {"stats", no_argument, NULL, O_STATS},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    long interval = 5000;
    bool once = false;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case O_INTERVAL:
            if (parse_duration_ms(optarg, &interval) < 0)
                return cli_usage_error("events", "invalid --interval \"%s\" (a duration such as 5s or 500ms)", optarg);
            break;
        case O_STATS: once = true; break;
        case 'h':
            printf("Usage: cove events [command options] <container-id>\n\n"
                   "   --interval DURATION   time between stats lines (default: 5s)\n"
                   "   --stats               print the container's stats once and exit\n");
            return 0;
        default: return cli_option_error("events");
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("events", "\"events\" requires exactly 1 argument(s)");
    const char *id = argv[optind];
    struct cove_err err = {0};
    if (once) {
        struct cove_cgroup_stats st;
        int r = cove_container_stats(g_cli.root, id, &st, &err);
        if (r == 0)
            print_event("stats", id, &st);
        cove_cgroup_stats_free(&st);
        return r < 0 ? cli_fail(&err) : 0;
    }
    struct cove_events_watch w;
    if (cove_events_open(g_cli.root, id, &w, &err) < 0)
        return cli_fail(&err);
    int rc = stream(&w, id, interval);
    cove_events_close(&w);
    return rc;
}
