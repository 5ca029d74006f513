/* cmd/cove/cmd_update.c — update: change the resource limits of a running
 * container, with runc's flags or a linux.resources JSON document
 * (--resources FILE, or - for stdin, as podman and containerd send it).
 * Flags given with --resources override the document's values. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "runtime/container.h"
#include "lib/cleanup.h"
#include "runtime/state.h"

enum {
    O_RESOURCES = 'r', O_HELP = 'h',
    O_BLKIO_WEIGHT = 256, O_CPU_PERIOD, O_CPU_QUOTA, O_CPU_SHARE, O_CPU_RT_PERIOD, O_CPU_RT_RUNTIME,
    O_CPUSET_CPUS, O_CPUSET_MEMS, O_KERNEL_MEMORY, O_KERNEL_MEMORY_TCP, O_MEMORY, O_MEMORY_RESERVATION,
    O_MEMORY_SWAP, O_PIDS_LIMIT, O_L3_CACHE_SCHEMA, O_MEM_BW_SCHEMA,
};

static const char update_help[] =
    "Usage: cove update [command options] <container-id>\n\n"
    "   --resources, -r FILE       linux.resources JSON to apply ('-' reads stdin)\n"
    "   --blkio-weight N           block IO weight (10-1000)\n"
    "   --cpu-period US            CPU CFS period\n"
    "   --cpu-quota US             CPU CFS quota (-1: none)\n"
    "   --cpu-share N              CPU shares (relative weight)\n"
    "   --cpu-rt-period US         realtime period (cgroup v1)\n"
    "   --cpu-rt-runtime US        realtime runtime (cgroup v1)\n"
    "   --cpuset-cpus LIST         CPUs allowed (0-3, 0,1)\n"
    "   --cpuset-mems LIST         memory nodes allowed\n"
    "   --memory BYTES             memory limit (suffixes k, m, g; -1: none)\n"
    "   --memory-reservation BYTES memory soft limit\n"
    "   --memory-swap BYTES        memory+swap limit (-1: unlimited swap)\n"
    "   --kernel-memory BYTES      kernel memory limit (deprecated, ignored by new kernels)\n"
    "   --kernel-memory-tcp BYTES  kernel TCP memory limit (deprecated)\n"
    "   --pids-limit N             maximum number of pids (-1 or 0: none)\n"
    "   --l3-cache-schema, --mem-bw-schema  Intel RDT: not supported by cove\n";

/* runc's RAMInBytes: a number with an optional binary suffix (k, m, g, t,
 * p, optionally followed by "b"/"ib"), or -1. */
static int parse_bytes(const char *s, int64_t *out) {
    if (strcmp(s, "-1") == 0) {
        *out = -1;
        return 0;
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0)
        return -1;
    static const char units[] = "kmgtp";
    double mult = 1;
    if (*end) {
        const char *u = strchr(units, tolower((unsigned char)*end));
        if (!u)
            return -1;
        for (const char *k = units; k <= u; k++)
            mult *= 1024;
        end++;
        if (strcasecmp(end, "b") != 0 && strcasecmp(end, "ib") != 0 && *end)
            return -1;
    }
    if (v * mult >= 9.2e18)
        return -1;
    *out = (int64_t)(v * mult);
    return 0;
}

static int parse_i64(const char *s, int64_t *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

static int parse_u64(const char *s, uint64_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || *s == '-')
        return -1;
    *out = v;
    return 0;
}

static int read_all(const char *path, char **buf, size_t *len) {
    _cleanup_close_ int fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t cap = 4096, n = 0;
    _cleanup_free_ char *b = malloc(cap);
    if (!b)
        return -ENOMEM;
    for (;;) {
        if (n == cap) {
            if (cap >= (1u << 24))
                return -EFBIG;
            char *nb = realloc(b, cap * 2);
            if (!nb)
                return -ENOMEM;
            b = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, b + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *buf = TAKE_PTR(b);
    *len = n;
    return 0;
}

/* One flag into res; -1 with the usage error already reported. */
static int apply_flag(int c, const char *v, struct cove_resources *res) {
    struct cove_memory *m = &res->memory;
    struct cove_cpu *cpu = &res->cpu;
    int64_t i = 0;
    uint64_t u = 0;
    bool ok = true;
    switch (c) {
    case O_MEMORY: ok = parse_bytes(v, &i) == 0; m->limit = (struct cove_opt_i64){ true, i }; res->has_memory = true; break;
    case O_MEMORY_RESERVATION:
        ok = parse_bytes(v, &i) == 0; m->reservation = (struct cove_opt_i64){ true, i }; res->has_memory = true; break;
    case O_MEMORY_SWAP: ok = parse_bytes(v, &i) == 0; m->swap = (struct cove_opt_i64){ true, i }; res->has_memory = true; break;
    case O_KERNEL_MEMORY: ok = parse_bytes(v, &i) == 0; m->kernel = (struct cove_opt_i64){ true, i }; res->has_memory = true; break;
    case O_KERNEL_MEMORY_TCP:
        ok = parse_bytes(v, &i) == 0; m->kernel_tcp = (struct cove_opt_i64){ true, i }; res->has_memory = true; break;
    case O_CPU_PERIOD: ok = parse_u64(v, &u) == 0; cpu->period = (struct cove_opt_u64){ true, u }; res->has_cpu = true; break;
    case O_CPU_QUOTA: ok = parse_i64(v, &i) == 0; cpu->quota = (struct cove_opt_i64){ true, i }; res->has_cpu = true; break;
    case O_CPU_SHARE: ok = parse_u64(v, &u) == 0; cpu->shares = (struct cove_opt_u64){ true, u }; res->has_cpu = true; break;
    case O_CPU_RT_PERIOD:
        ok = parse_u64(v, &u) == 0; cpu->realtime_period = (struct cove_opt_u64){ true, u }; res->has_cpu = true; break;
    case O_CPU_RT_RUNTIME:
        ok = parse_i64(v, &i) == 0; cpu->realtime_runtime = (struct cove_opt_i64){ true, i }; res->has_cpu = true; break;
    case O_CPUSET_CPUS: free(cpu->cpus); ok = (cpu->cpus = strdup(v)) != NULL; res->has_cpu = true; break;
    case O_CPUSET_MEMS: free(cpu->mems); ok = (cpu->mems = strdup(v)) != NULL; res->has_cpu = true; break;
    case O_PIDS_LIMIT: ok = parse_i64(v, &i) == 0; res->pids_limit = (struct cove_opt_i64){ true, i }; res->has_pids = true; break;
    case O_BLKIO_WEIGHT:
        ok = parse_u64(v, &u) == 0 && (u == 0 || (u >= 10 && u <= 1000));
        res->blkio.weight = (struct cove_opt_u64){ true, u };
        res->has_blkio = true;
        break;
    case O_L3_CACHE_SCHEMA: case O_MEM_BW_SCHEMA:
        cli_log("error", "update: --l3-cache-schema and --mem-bw-schema need Intel RDT (resctrl), which cove does not support");
        return -1;
    default: cli_option_error("update"); return -1;
    }
    if (!ok) {
        cli_usage_error("update", "invalid value \"%s\"", v);
        return -1;
    }
    res->set = true;
    return 0;
}

int cmd_update(int argc, char **argv) {
    static const struct option opts[] = {
        {"resources", required_argument, NULL, O_RESOURCES},
        {"blkio-weight", required_argument, NULL, O_BLKIO_WEIGHT},
        {"cpu-period", required_argument, NULL, O_CPU_PERIOD},
        {"cpu-quota", required_argument, NULL, O_CPU_QUOTA},
        {"cpu-share", required_argument, NULL, O_CPU_SHARE},
        {"cpu-rt-period", required_argument, NULL, O_CPU_RT_PERIOD},
        {"cpu-rt-runtime", required_argument, NULL, O_CPU_RT_RUNTIME},
        {"cpuset-cpus", required_argument, NULL, O_CPUSET_CPUS},
        {"cpuset-mems", required_argument, NULL, O_CPUSET_MEMS},
        {"kernel-memory", required_argument, NULL, O_KERNEL_MEMORY},
        {"kernel-memory-tcp", required_argument, NULL, O_KERNEL_MEMORY_TCP},
        {"memory", required_argument, NULL, O_MEMORY},
        {"memory-reservation", required_argument, NULL, O_MEMORY_RESERVATION},
        {"memory-swap", required_argument, NULL, O_MEMORY_SWAP},
        {"pids-limit", required_argument, NULL, O_PIDS_LIMIT},
        {"l3-cache-schema", required_argument, NULL, O_L3_CACHE_SCHEMA},
        {"mem-bw-schema", required_argument, NULL, O_MEM_BW_SCHEMA},
        {"help", no_argument, NULL, O_HELP},
        {0},
    };
    /* Flags are collected first so --resources (parsed first) can be
     * overridden by them whatever their order on the command line. */
    struct { int c; const char *v; } flags[32];
    size_t nflags = 0;
    const char *resources_path = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "r:h", opts, NULL)) != -1) {
        if (c == O_HELP) {
            fputs(update_help, stdout);
            return 0;
        }
        if (c == O_RESOURCES) {
            resources_path = optarg;
            continue;
        }
        if (c == '?' || c == ':')
            return cli_option_error("update");
        if (nflags == sizeof(flags) / sizeof(flags[0]))
            return cli_usage_error("update", "too many flags");
        flags[nflags].c = c;
        flags[nflags++].v = optarg;
    }
    if (argc - optind != 1)
        return cli_usage_error("update", "\"update\" requires exactly 1 argument(s)");
    const char *id = argv[optind];
    struct cove_err err = {0};
    struct cove_resources res = {0};
    int rc = 1;
    if (resources_path) {
        _cleanup_free_ char *json = NULL;
        size_t len = 0;
        int r = read_all(resources_path, &json, &len);
        if (r < 0) {
            cli_log("error", "update: read %s: %s", strcmp(resources_path, "-") ? resources_path : "stdin",
                    strerror(-r));
            return 1;
        }
        if (cove_config_parse_resources(json, len, &res, &err) < 0) {
            cove_config_free_resources(&res);
            return cli_fail(&err);
        }
    }
    for (size_t i = 0; i < nflags; i++)
        if (apply_flag(flags[i].c, flags[i].v, &res) < 0)
            goto out;
    if (!res.set) {
        rc = cli_usage_error("update", "nothing to update: give --resources or a resource flag");
        goto out;
    }
    rc = cove_container_update(g_cli.root, id, &res, &err) < 0 ? cli_fail(&err) : 0;
out:
    cove_config_free_resources(&res);
    return rc;
}
