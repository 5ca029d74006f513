/* image/bundle_json.c — struct cove_bundle_plan → config.json text.
 * The fixed parts are the runtime-spec example config that `cove spec`
 * writes (runc's defaults): the three default capabilities, no_new_privs,
 * the default mounts, masked and read-only paths, devices denied. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/internal.h"
#include "lib/cleanup.h"
#include "version.h"

static const char *const default_caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
static const char *const masked[] = {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                                     "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                                     "/proc/sched_debug", "/sys/firmware", "/proc/scsi"};
static const char *const readonly[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};

struct mnt {
    const char *dst, *type, *src;
    const char *opts[6];
};
static const struct mnt default_mounts[] = {
    {"/proc", "proc", "proc", {NULL}},
    {"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k", NULL}},
    {"/dev/pts", "devpts", "devpts", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
    {"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL}},
    {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev", NULL}},
    {"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro", NULL}},
    {"/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro", NULL}},
};

#define S(str) img_gen_str(g, str)

static void gen_strs(yajl_gen g, const char *const *v, size_t n) {
    yajl_gen_array_open(g);
    for (size_t i = 0; i < n && v[i]; i++)
        S(v[i]);
    yajl_gen_array_close(g);
}

static size_t strv_len(char *const *v) {
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

static void gen_process(yajl_gen g, const struct cove_bundle_plan *p) {
    S("process");
    yajl_gen_map_open(g);
    S("terminal"); yajl_gen_bool(g, 0);
    S("user");
    yajl_gen_map_open(g);
    S("uid"); yajl_gen_integer(g, p->uid);
    S("gid"); yajl_gen_integer(g, p->gid);
    if (p->n_additional_gids) {
        S("additionalGids");
        yajl_gen_array_open(g);
        for (size_t i = 0; i < p->n_additional_gids; i++)
            yajl_gen_integer(g, p->additional_gids[i]);
        yajl_gen_array_close(g);
    }
    yajl_gen_map_close(g);
    S("args"); gen_strs(g, (const char *const *)p->args, strv_len(p->args));
    S("env"); gen_strs(g, (const char *const *)p->env, strv_len(p->env));
    S("cwd"); S(p->cwd ? p->cwd : "/");
    S("capabilities");
    yajl_gen_map_open(g);
    static const char *const sets[] = {"bounding", "effective", "permitted"};
    for (size_t i = 0; i < ARRAY_SIZE(sets); i++) {
        S(sets[i]);
        gen_strs(g, default_caps, ARRAY_SIZE(default_caps));
    }
    yajl_gen_map_close(g);
    S("rlimits");
    yajl_gen_array_open(g);
    yajl_gen_map_open(g);
    S("type"); S("RLIMIT_NOFILE");
    S("hard"); yajl_gen_integer(g, 1024);
    S("soft"); yajl_gen_integer(g, 1024);
    yajl_gen_map_close(g);
    yajl_gen_array_close(g);
    S("noNewPrivileges"); yajl_gen_bool(g, 1);
    yajl_gen_map_close(g);
}

static void gen_mount(yajl_gen g, const char *dst, const char *type, const char *src, const char *const *opts,
                      size_t n) {
    yajl_gen_map_open(g);
    S("destination"); S(dst);
    S("type"); S(type);
    S("source"); S(src);
    if (n && opts[0]) {
        S("options");
        gen_strs(g, opts, n);
    }
    yajl_gen_map_close(g);
}

static void gen_mounts(yajl_gen g, const struct cove_bundle_plan *p) {
    S("mounts");
    yajl_gen_array_open(g);
    /* devpts's gid=5 (tty) only where the job's user namespace maps gid 5:
     * an ordinary user's own gid alone does not, and the kernel refuses it */
    bool tty_gid = p->n_gid_maps == 0;
    for (size_t i = 0; i < p->n_gid_maps; i++)
        tty_gid |= p->gid_maps[i].container_id <= 5 && 5 - p->gid_maps[i].container_id < p->gid_maps[i].size;
    for (size_t i = 0; i < ARRAY_SIZE(default_mounts); i++) {
        const struct mnt *m = &default_mounts[i];
        size_t n = ARRAY_SIZE(m->opts);
        if (!tty_gid && strcmp(m->type, "devpts") == 0)
            n--; /* "gid=5" is its last option */
        gen_mount(g, m->dst, m->type, m->src, m->opts, n);
    }
    for (size_t i = 0; i < p->n_binds; i++) {
        /* read-only unless asked; nosuid/nodev always: a CI job's bind is data */
        const char *opts[] = {"rbind", p->binds[i].rw ? "rw" : "ro", "nosuid", "nodev", "idmap"};
        gen_mount(g, p->binds[i].dst, "bind", p->binds[i].src, opts, ARRAY_SIZE(opts) - !p->idmap_binds);
    }
    yajl_gen_array_close(g);
}

static void gen_resources(yajl_gen g, const struct cove_bundle_plan *p) {
    S("resources");
    yajl_gen_map_open(g);
    S("devices");
    yajl_gen_array_open(g);
    yajl_gen_map_open(g);
    S("allow"); yajl_gen_bool(g, 0);
    S("access"); S("rwm");
    yajl_gen_map_close(g);
    yajl_gen_array_close(g);
    if (p->memory > 0) {
        S("memory");
        yajl_gen_map_open(g);
        S("limit"); yajl_gen_integer(g, p->memory);
        yajl_gen_map_close(g);
    }
    if (p->cpu_quota > 0) {
        S("cpu");
        yajl_gen_map_open(g);
        S("quota"); yajl_gen_integer(g, p->cpu_quota);
        S("period"); yajl_gen_integer(g, (long long)p->cpu_period);
        yajl_gen_map_close(g);
    }
    if (p->pids > 0) {
        S("pids");
        yajl_gen_map_open(g);
        S("limit"); yajl_gen_integer(g, p->pids);
        yajl_gen_map_close(g);
    }
    yajl_gen_map_close(g);
}

static const char *const action_names[] = {
    [COVE_SCMP_KILL] = "SCMP_ACT_KILL", [COVE_SCMP_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
    [COVE_SCMP_KILL_THREAD] = "SCMP_ACT_KILL_THREAD", [COVE_SCMP_TRAP] = "SCMP_ACT_TRAP",
    [COVE_SCMP_ERRNO] = "SCMP_ACT_ERRNO", [COVE_SCMP_TRACE] = "SCMP_ACT_TRACE",
    [COVE_SCMP_ALLOW] = "SCMP_ACT_ALLOW", [COVE_SCMP_LOG] = "SCMP_ACT_LOG", [COVE_SCMP_NOTIFY] = "SCMP_ACT_NOTIFY",
};
static const char *const op_names[] = {
    [COVE_SCMP_OP_NE] = "SCMP_CMP_NE", [COVE_SCMP_OP_LT] = "SCMP_CMP_LT", [COVE_SCMP_OP_LE] = "SCMP_CMP_LE",
    [COVE_SCMP_OP_EQ] = "SCMP_CMP_EQ", [COVE_SCMP_OP_GE] = "SCMP_CMP_GE", [COVE_SCMP_OP_GT] = "SCMP_CMP_GT",
    [COVE_SCMP_OP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

/* A resolved profile (runtime/seccomp_profile.h) back to linux.seccomp. */
static void gen_seccomp(yajl_gen g, const struct cove_seccomp *s) {
    S("seccomp");
    yajl_gen_map_open(g);
    S("defaultAction"); S(action_names[s->default_action]);
    if (s->has_default_errno_ret) {
        S("defaultErrnoRet"); yajl_gen_integer(g, s->default_errno_ret);
    }
    S("architectures"); gen_strs(g, (const char *const *)s->architectures, s->n_architectures);
    if (s->n_flags) {
        S("flags"); gen_strs(g, (const char *const *)s->flags, s->n_flags);
    }
    S("syscalls");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < s->n_syscalls; i++) {
        const struct cove_seccomp_rule *r = &s->syscalls[i];
        yajl_gen_map_open(g);
        S("names"); gen_strs(g, (const char *const *)r->names, r->n_names);
        S("action"); S(action_names[r->action]);
        if (r->has_errno_ret) {
            S("errnoRet"); yajl_gen_integer(g, r->errno_ret);
        }
        if (r->n_args) {
            S("args");
            yajl_gen_array_open(g);
            for (size_t j = 0; j < r->n_args; j++) {
                yajl_gen_map_open(g);
                S("index"); yajl_gen_integer(g, r->args[j].index);
                /* u64 values above INT64_MAX keep their bits as JSON text */
                char num[32];
                int n = snprintf(num, sizeof(num), "%llu", (unsigned long long)r->args[j].value);
                S("value"); yajl_gen_number(g, num, (size_t)n);
                if (r->args[j].value_two) {
                    n = snprintf(num, sizeof(num), "%llu", (unsigned long long)r->args[j].value_two);
                    S("valueTwo"); yajl_gen_number(g, num, (size_t)n);
                }
                S("op"); S(op_names[r->args[j].op]);
                yajl_gen_map_close(g);
            }
            yajl_gen_array_close(g);
        }
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
}

static void gen_idmaps(yajl_gen g, const char *key, const struct cove_idmap *m, size_t n) {
    S(key);
    yajl_gen_array_open(g);
    for (size_t i = 0; i < n; i++) {
        yajl_gen_map_open(g);
        S("containerID"); yajl_gen_integer(g, m[i].container_id);
        S("hostID"); yajl_gen_integer(g, m[i].host_id);
        S("size"); yajl_gen_integer(g, m[i].size);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
}

static void gen_linux(yajl_gen g, const struct cove_bundle_plan *p) {
    S("linux");
    yajl_gen_map_open(g);
    gen_resources(g, p);
    if (p->cgroups_path) {
        S("cgroupsPath"); S(p->cgroups_path);
    }
    S("namespaces");
    yajl_gen_array_open(g);
    static const char *const ns[] = {"pid", "network", "ipc", "uts", "mount", "cgroup"};
    for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
        if (p->network_host && strcmp(ns[i], "network") == 0)
            continue;
        yajl_gen_map_open(g);
        S("type"); S(ns[i]);
        yajl_gen_map_close(g);
    }
    if (p->n_uid_maps) {
        yajl_gen_map_open(g);
        S("type"); S("user");
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    if (p->n_uid_maps) {
        gen_idmaps(g, "uidMappings", p->uid_maps, p->n_uid_maps);
        gen_idmaps(g, "gidMappings", p->gid_maps, p->n_gid_maps);
    }
    S("maskedPaths"); gen_strs(g, masked, ARRAY_SIZE(masked));
    S("readonlyPaths"); gen_strs(g, readonly, ARRAY_SIZE(readonly));
    if (p->seccomp)
        gen_seccomp(g, p->seccomp);
    yajl_gen_map_close(g);
}

int cove_bundle_config_json(const struct cove_bundle_plan *p, char **json, size_t *len, struct cove_err *err) {
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        return cove_err_set(err, ENOMEM, "out of memory");
    yajl_gen_config(g, yajl_gen_beautify, 1);
    yajl_gen_map_open(g);
    S("ociVersion"); S(COVE_SPEC_VERSION);
    gen_process(g, p);
    S("root");
    yajl_gen_map_open(g);
    S("path"); S("rootfs");
    S("readonly"); yajl_gen_bool(g, p->root_readonly);
    yajl_gen_map_close(g);
    S("hostname"); S(p->hostname ? p->hostname : "cove");
    gen_mounts(g, p);
    gen_linux(g, p);
    if (p->n_annotations) {
        S("annotations");
        yajl_gen_map_open(g);
        for (size_t i = 0; i < p->n_annotations; i++) {
            S(p->annotations[i].key);
            S(p->annotations[i].value);
        }
        yajl_gen_map_close(g);
    }
    yajl_gen_map_close(g);
    const unsigned char *buf;
    size_t n;
    int r = 0;
    if (yajl_gen_get_buf(g, &buf, &n) != yajl_gen_status_ok || !(*json = malloc(n + 1))) {
        r = cove_err_set(err, ENOMEM, "config.json: generate");
    } else {
        memcpy(*json, buf, n);
        (*json)[n] = '\0';
        *len = n;
    }
    yajl_gen_free(g);
    return r;
}
