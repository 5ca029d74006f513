/* cgroups/systemd.c — the systemd cgroup driver: cgroupsPath's systemd
 * form, unit properties from linux.resources and annotations (pure), and
 * the few D-Bus calls (sd-bus, loaded with dlopen). See systemd.h. */
#include "cgroups/systemd.h"

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include "cgroups/internal.h"
#include "lib/cleanup.h"
#include "lib/proc.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
/* a job that does not finish in this time is reported, not waited for */
#define JOB_TIMEOUT_USEC (30ULL * 1000 * 1000)

/* ---------------------------------------------------------------- names */

static bool unit_char_ok(char c) {
    return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-' || c == ':' || c == '@' || c == '\\';
}

static bool unit_part_ok(const char *s) {
    for (; *s; s++)
        if (!unit_char_ok(*s) || *s == ':')
            return false;
    return true;
}

int cove_systemd_slice_path(const char *slice, char **out, struct cove_err *err) {
    *out = NULL;
    size_t len = strlen(slice);
    const size_t sfx = strlen(".slice");
    if (len <= sfx || strcmp(slice + len - sfx, ".slice") != 0 || !unit_part_ok(slice))
        return cove_err_set(err, EINVAL, "slice \"%s\": not a slice unit name", slice);
    if (!strcmp(slice, "-.slice"))
        return (*out = strdup("")) ? 0 : cove_err_set(err, ENOMEM, "out of memory");
    size_t stem = len - sfx;
    if (slice[0] == '-' || slice[stem - 1] == '-' || strstr(slice, "--"))
        return cove_err_set(err, EINVAL, "slice \"%s\": a '-' may only separate the names of its parents", slice);
    /* "/" + prefix + ".slice" for every '-' and for the whole stem */
    size_t cap = 1, parts = 1;
    for (size_t i = 0; i < stem; i++)
        parts += slice[i] == '-';
    cap += parts * (len + 2);
    char *p = malloc(cap);
    if (!p)
        return cove_err_set(err, ENOMEM, "out of memory");
    size_t at = 0;
    for (size_t i = 0; i <= stem; i++) {
        if (i < stem && slice[i] != '-')
            continue;
        at += (size_t)snprintf(p + at, cap - at, "/%.*s.slice", (int)i, slice);
    }
    *out = p;
    return 0;
}

int cove_systemd_parse_path(const char *cgroups_path, const char *id, struct cove_systemd_unit *u,
                            struct cove_err *err) {
    memset(u, 0, sizeof(*u));
    _cleanup_free_ char *slice = NULL, *prefix = NULL, *name = NULL;
    if (!cgroups_path || !*cgroups_path) {
        slice = strdup("system.slice");
        prefix = strdup("cove");
        name = strdup(id);
    } else {
        const char *a = strchr(cgroups_path, ':'), *b = a ? strchr(a + 1, ':') : NULL;
        if (!a || !b || strchr(b + 1, ':'))
            return cove_err_set(err, EINVAL,
                                "linux.cgroupsPath: \"%s\": the systemd driver expects \"slice:prefix:name\"",
                                cgroups_path);
        slice = strndup(cgroups_path, (size_t)(a - cgroups_path));
        prefix = strndup(a + 1, (size_t)(b - a - 1));
        name = strdup(b + 1);
    }
    if (!slice || !prefix || !name)
        return cove_err_set(err, ENOMEM, "out of memory");
    if (!*name || !unit_part_ok(name) || !unit_part_ok(prefix))
        return cove_err_set(err, EINVAL, "linux.cgroupsPath: \"%s\": prefix and name may hold only [A-Za-z0-9_.-@\\]",
                            cgroups_path);
    size_t nl = strlen(name);
    if (nl > 6 && !strcmp(name + nl - 6, ".slice"))
        return cove_err_set(err, ENOTSUP, "linux.cgroupsPath: \"%s\": a slice as the container's unit is not supported; "
                            "give a scope name", cgroups_path);
    if (!*slice) {
        free(slice);
        if (!(slice = strdup("system.slice")))
            return cove_err_set(err, ENOMEM, "out of memory");
    }
    _cleanup_free_ char *spath = NULL;
    int r = cove_systemd_slice_path(slice, &spath, err);
    if (r < 0)
        return cove_err_prefix(err, "linux.cgroupsPath");
    if (asprintf(&u->unit, "%s%s%s.scope", prefix, *prefix ? "-" : "", name) < 0) {
        u->unit = NULL;
        return cove_err_set(err, ENOMEM, "out of memory");
    }
    if (strlen(u->unit) > 255) {
        cove_systemd_unit_free(u);
        return cove_err_set(err, EINVAL, "linux.cgroupsPath: \"%s\": the unit name is longer than 255", cgroups_path);
    }
    if (asprintf(&u->path, "%s/%s", spath, u->unit) < 0) {
        u->path = NULL;
        cove_systemd_unit_free(u);
        return cove_err_set(err, ENOMEM, "out of memory");
    }
    u->slice = TAKE_PTR(slice);
    return 0;
}

void cove_systemd_unit_free(struct cove_systemd_unit *u) {
    free(u->slice);
    free(u->unit);
    free(u->path);
    memset(u, 0, sizeof(*u));
}

/* ---------------------------------------------------------------- properties */

static struct cove_systemd_prop *prop_add(struct cove_systemd_props *p, const char *name, char sig,
                                          struct cove_err *err) {
    /* an annotation names a property the config already gave: it wins */
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->v[i].name, name)) {
            free(p->v[i].s);
            free(p->v[i].bytes);
            char *keep = p->v[i].name;
            p->v[i] = (struct cove_systemd_prop){.name = keep, .sig = sig};
            return &p->v[i];
        }
    struct cove_systemd_prop *v = realloc(p->v, (p->n + 1) * sizeof(*v));
    if (!v) {
        cove_err_set(err, ENOMEM, "out of memory");
        return NULL;
    }
    p->v = v;
    v = &p->v[p->n];
    *v = (struct cove_systemd_prop){.name = strdup(name), .sig = sig};
    if (!v->name) {
        cove_err_set(err, ENOMEM, "out of memory");
        return NULL;
    }
    p->n++;
    return v;
}

static int prop_u64(struct cove_systemd_props *p, const char *name, uint64_t v, struct cove_err *err) {
    struct cove_systemd_prop *x = prop_add(p, name, 't', err);
    if (!x)
        return -ENOMEM;
    x->u = v;
    return 0;
}

/* -1 is "no limit" (infinity), 0 unset */
static int prop_limit(struct cove_systemd_props *p, const char *name, int64_t v, struct cove_err *err) {
    if (v == 0)
        return 0;
    return prop_u64(p, name, v < 0 ? UINT64_MAX : (uint64_t)v, err);
}

/* "0-3,5" -> a little-endian bit mask, as systemd's AllowedCPUs takes */
static int cpuset_mask(const char *field, const char *list, uint8_t **out, size_t *n, struct cove_err *err) {
    *out = NULL;
    *n = 0;
    const char *s = list;
    while (*s) {
        char *end;
        errno = 0;
        unsigned long a = strtoul(s, &end, 10), b = a;
        if (end == s || errno || a > 65535)
            return cove_err_set(err, EINVAL, "%s: \"%s\" is not a list of numbers and ranges", field, list);
        s = end;
        if (*s == '-') {
            b = strtoul(s + 1, &end, 10);
            if (end == s + 1 || b < a || b > 65535)
                return cove_err_set(err, EINVAL, "%s: \"%s\" is not a list of numbers and ranges", field, list);
            s = end;
        }
        if (*s == ',')
            s++;
        else if (*s)
            return cove_err_set(err, EINVAL, "%s: \"%s\" is not a list of numbers and ranges", field, list);
        if (b / 8 + 1 > *n) {
            uint8_t *m = realloc(*out, b / 8 + 1);
            if (!m)
                return cove_err_set(err, ENOMEM, "out of memory");
            memset(m + *n, 0, b / 8 + 1 - *n);
            *out = m;
            *n = b / 8 + 1;
        }
        for (unsigned long i = a; i <= b; i++)
            (*out)[i / 8] |= (uint8_t)(1u << (i % 8));
    }
    return 0;
}

static int prop_cpuset(struct cove_systemd_props *p, const char *name, const char *field, const char *list,
                       struct cove_err *err) {
    if (!list || !*list)
        return 0;
    uint8_t *m;
    size_t n;
    int r = cpuset_mask(field, list, &m, &n, err);
    if (r < 0) {
        free(m);
        return r;
    }
    struct cove_systemd_prop *x = prop_add(p, name, 'y', err);
    if (!x) {
        free(m);
        return -ENOMEM;
    }
    x->bytes = m;
    x->n_bytes = n;
    return 0;
}

static int props_memory(struct cove_systemd_props *p, const struct cove_memory *m, struct cove_err *err) {
    int64_t limit = m->limit.set ? m->limit.v : 0, swap = m->swap.set ? m->swap.v : 0, v2swap;
    int r;
    if ((r = prop_limit(p, "MemoryMax", limit, err)) < 0 ||
        (m->reservation.set && (r = prop_limit(p, "MemoryLow", m->reservation.v, err)) < 0))
        return r;
    if ((r = cgv2_swap_to_v2(swap, limit, &v2swap, err)) < 0)
        return r;
    if (v2swap != 0)
        return prop_limit(p, "MemorySwapMax", v2swap, err);
    if (swap > 0) /* memory == memory+swap: no swap */
        return prop_u64(p, "MemorySwapMax", 0, err);
    return 0;
}

/* systemd keeps the quota in 1 % steps of a second: round up, as runc
 * does, so the kernel's own value is never smaller */
static uint64_t quota_per_sec(uint64_t quota, uint64_t period) {
    uint64_t per_sec = quota * 1000000 / period;
    return per_sec % 10000 ? (per_sec / 10000 + 1) * 10000 : per_sec;
}

static int props_cpu(struct cove_systemd_props *p, const struct cove_cpu *c, struct cove_err *err) {
    int r;
    if (c->shares.set && c->shares.v && (r = prop_u64(p, "CPUWeight", cgv2_shares_to_weight(c->shares.v), err)) < 0)
        return r;
    uint64_t period = c->period.set && c->period.v ? c->period.v : 0;
    if (period && (r = prop_u64(p, "CPUQuotaPeriodUSec", period, err)) < 0)
        return r;
    if (c->quota.set && c->quota.v != 0) {
        uint64_t per_sec = c->quota.v > 0 ? quota_per_sec((uint64_t)c->quota.v, period ? period : 100000) : UINT64_MAX;
        if ((r = prop_u64(p, "CPUQuotaPerSecUSec", per_sec, err)) < 0)
            return r;
    }
    if ((r = prop_cpuset(p, "AllowedCPUs", "linux.resources.cpu.cpus", c->cpus, err)) < 0)
        return r;
    return prop_cpuset(p, "AllowedMemoryNodes", "linux.resources.cpu.mems", c->mems, err);
}

static int parse_u64(const char *s, uint64_t *v) {
    char *end;
    errno = 0;
    if (!*s || *s == '-')
        return -EINVAL;
    *v = strtoull(s, &end, 10);
    return errno || *end ? -EINVAL : 0;
}

static int parse_i64(const char *s, int64_t *v) {
    char *end;
    errno = 0;
    if (!*s)
        return -EINVAL;
    *v = strtoll(s, &end, 10);
    return errno || *end ? -EINVAL : 0;
}

static bool ends_with(const char *s, const char *sfx) {
    size_t a = strlen(s), b = strlen(sfx);
    return a >= b && !strcmp(s + a - b, sfx);
}

int cove_systemd_parse_value(const char *value, const char *name, struct cove_systemd_prop *p, struct cove_err *err) {
    const char *v = value;
    size_t len = strlen(v);
    uint64_t u;
    int64_t i;
    if (!strcmp(v, "true") || !strcmp(v, "false")) {
        p->sig = 'b';
        p->b = v[0] == 't';
        return 0;
    }
    if (len >= 2 && (v[0] == '\'' || v[0] == '"') && v[len - 1] == v[0]) {
        p->sig = 's';
        return (p->s = strndup(v + 1, len - 2)) ? 0 : cove_err_set(err, ENOMEM, "out of memory");
    }
    static const struct { const char *kw; char sig; } typed[] = {
        {"uint64 ", 't'}, {"int64 ", 'x'}, {"uint32 ", 'u'}, {"int32 ", 'i'},
    };
    for (size_t k = 0; k < sizeof(typed) / sizeof(typed[0]); k++) {
        size_t kl = strlen(typed[k].kw);
        if (strncmp(v, typed[k].kw, kl) != 0)
            continue;
        const char *n = v + kl;
        p->sig = typed[k].sig;
        if ((p->sig == 't' || p->sig == 'u') && parse_u64(n, &u) == 0 && (p->sig == 't' || u <= UINT32_MAX)) {
            p->u = u;
            return 0;
        }
        if ((p->sig == 'x' || p->sig == 'i') && parse_i64(n, &i) == 0 &&
            (p->sig == 'x' || (i >= INT32_MIN && i <= INT32_MAX))) {
            p->i = i;
            return 0;
        }
        return cove_err_set(err, EINVAL, "annotations: org.systemd.property.%s: \"%s\" is not a %s", name, value,
                            typed[k].kw);
    }
    /* a bare number: runc's GVariant reading makes it an int32, and then
     * turns those of time and size properties into uint64 */
    if (parse_i64(v, &i) == 0) {
        if (ends_with(name, "Sec") || ends_with(name, "Max")) {
            if (i < 0)
                return cove_err_set(err, EINVAL, "annotations: org.systemd.property.%s: \"%s\" must not be negative",
                                    name, value);
            p->sig = 't';
            p->u = (uint64_t)i;
            return 0;
        }
        if (i >= INT32_MIN && i <= INT32_MAX) {
            p->sig = 'i';
            p->i = i;
            return 0;
        }
    }
    return cove_err_set(err, EINVAL,
                        "annotations: org.systemd.property.%s: \"%s\": expected true, false, a number, "
                        "\"uint64 N\" (also int64, uint32, int32) or a quoted string",
                        name, value);
}

/* "max" or a number: a unified value of a limit systemd has a property for */
static int unified_limit(const char *key, const char *v, uint64_t *out, struct cove_err *err) {
    if (!strcmp(v, "max")) {
        *out = UINT64_MAX;
        return 0;
    }
    if (parse_u64(v, out) == 0)
        return 0;
    return cove_err_set(err, EINVAL, "linux.resources.unified.%s: \"%s\" is not a number or \"max\"", key, v);
}

/* linux.resources.unified keys systemd has a property for become that
 * property too, so a daemon-reload (which rewrites the scope's cgroup from
 * its properties) keeps them; the rest are only written to the files. */
static int prop_unified(struct cove_systemd_props *p, const char *key, const char *v, struct cove_err *err) {
    static const struct { const char *key, *prop; } limits[] = {
        {"memory.max", "MemoryMax"}, {"memory.high", "MemoryHigh"}, {"memory.low", "MemoryLow"},
        {"memory.min", "MemoryMin"}, {"memory.swap.max", "MemorySwapMax"}, {"pids.max", "TasksMax"},
    };
    uint64_t u, period;
    int r;
    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
        if (!strcmp(key, limits[i].key))
            return (r = unified_limit(key, v, &u, err)) < 0 ? r : prop_u64(p, limits[i].prop, u, err);
    if (!strcmp(key, "cpu.weight")) {
        if (parse_u64(v, &u) < 0 || u < 1 || u > 10000)
            return cove_err_set(err, EINVAL, "linux.resources.unified.cpu.weight: \"%s\" is not in 1..10000", v);
        return prop_u64(p, "CPUWeight", u, err);
    }
    if (!strcmp(key, "cpu.max")) {
        /* "QUOTA [PERIOD]", QUOTA "max" for none */
        char quota[32];
        const char *sp = strchr(v, ' ');
        size_t ql = sp ? (size_t)(sp - v) : strlen(v);
        if (ql == 0 || ql >= sizeof(quota))
            return cove_err_set(err, EINVAL, "linux.resources.unified.cpu.max: \"%s\" is not \"QUOTA [PERIOD]\"", v);
        memcpy(quota, v, ql);
        quota[ql] = 0;
        period = 100000;
        if ((sp && (parse_u64(sp + 1, &period) < 0 || period == 0)) || unified_limit("cpu.max", quota, &u, err) < 0 ||
            (u != UINT64_MAX && u > UINT64_MAX / 1000000))
            return cove_err_set(err, EINVAL, "linux.resources.unified.cpu.max: \"%s\" is not \"QUOTA [PERIOD]\"", v);
        if (sp && (r = prop_u64(p, "CPUQuotaPeriodUSec", period, err)) < 0)
            return r;
        return prop_u64(p, "CPUQuotaPerSecUSec", u == UINT64_MAX ? u : quota_per_sec(u, period), err);
    }
    if (!strcmp(key, "cpuset.cpus"))
        return prop_cpuset(p, "AllowedCPUs", "linux.resources.unified.cpuset.cpus", v, err);
    if (!strcmp(key, "cpuset.mems"))
        return prop_cpuset(p, "AllowedMemoryNodes", "linux.resources.unified.cpuset.mems", v, err);
    return 0;
}

#define PROP_ANNOTATION "org.systemd.property."

int cove_systemd_props_from_config(const struct cove_resources *res, const struct cove_kv *ann, size_t n_ann,
                                   struct cove_systemd_props *p, struct cove_err *err) {
    memset(p, 0, sizeof(*p));
    int r = 0;
    if (res->has_memory)
        r = props_memory(p, &res->memory, err);
    if (r == 0 && res->has_cpu)
        r = props_cpu(p, &res->cpu, err);
    /* pids.limit: a negative limit and 0 are both "max" (docs/cgroups.md),
     * as the files get; runc 1.1 sends nothing for 0, and the scope then
     * keeps systemd's DefaultTasksMax */
    if (r == 0 && res->has_pids && res->pids_limit.set)
        r = prop_u64(p, "TasksMax", res->pids_limit.v > 0 ? (uint64_t)res->pids_limit.v : UINT64_MAX, err);
    if (r == 0 && res->has_blkio && res->blkio.weight.set && res->blkio.weight.v)
        r = prop_u64(p, "IOWeight", cgv2_blkio_to_io_weight(res->blkio.weight.v), err);
    for (size_t k = 0; r == 0 && k < res->n_unified; k++)
        r = prop_unified(p, res->unified[k].key, res->unified[k].value, err);
    for (size_t k = 0; r == 0 && k < n_ann; k++) {
        if (strncmp(ann[k].key, PROP_ANNOTATION, strlen(PROP_ANNOTATION)) != 0)
            continue;
        const char *name = ann[k].key + strlen(PROP_ANNOTATION);
        if (!*name || !unit_part_ok(name) || strchr(name, '.') || strchr(name, '-'))
            r = cove_err_set(err, EINVAL, "annotations: %s: not a unit property name", ann[k].key);
        else if (!strcmp(name, "PIDs") || !strcmp(name, "Slice") || !strcmp(name, "Delegate"))
            r = cove_err_set(err, EINVAL, "annotations: %s: set by cove itself", ann[k].key);
        else {
            struct cove_systemd_prop *x = prop_add(p, name, 0, err);
            r = x ? cove_systemd_parse_value(ann[k].value, name, x, err) : -ENOMEM;
        }
    }
    if (r < 0)
        cove_systemd_props_free(p);
    return r;
}

void cove_systemd_props_free(struct cove_systemd_props *p) {
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].name);
        free(p->v[i].s);
        free(p->v[i].bytes);
    }
    free(p->v);
    memset(p, 0, sizeof(*p));
}

/* ---------------------------------------------------------------- sd-bus */

/* The handful of sd-bus calls, from libsystemd.so.0 at first use. */
static struct {
    bool loaded;
    int (*open_system)(sd_bus **);
    sd_bus *(*flush_close_unref)(sd_bus *);
    int (*new_method_call)(sd_bus *, sd_bus_message **, const char *, const char *, const char *, const char *);
    int (*append)(sd_bus_message *, const char *, ...);
    int (*append_array)(sd_bus_message *, char, const void *, size_t);
    int (*open_container)(sd_bus_message *, char, const char *);
    int (*close_container)(sd_bus_message *);
    int (*call)(sd_bus *, sd_bus_message *, uint64_t, sd_bus_error *, sd_bus_message **);
    int (*read)(sd_bus_message *, const char *, ...);
    sd_bus_message *(*message_unref)(sd_bus_message *);
    void (*error_free)(sd_bus_error *);
    int (*match_signal)(sd_bus *, sd_bus_slot **, const char *, const char *, const char *, const char *,
                        sd_bus_message_handler_t, void *);
    int (*process)(sd_bus *, sd_bus_message **);
    int (*wait)(sd_bus *, uint64_t);
    sd_bus_slot *(*slot_unref)(sd_bus_slot *);
    int (*open_user)(sd_bus **);
    int (*get_property_string)(sd_bus *, const char *, const char *, const char *, const char *, sd_bus_error *,
                               char **);
} S;

static int sd_load(struct cove_err *err) {
    if (S.loaded)
        return 0;
    void *h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return cove_err_set(err, ENOTSUP, "--systemd-cgroup: cannot load libsystemd.so.0: %s", dlerror());
    struct { void **slot; const char *name; } syms[] = {
        {(void **)&S.open_system, "sd_bus_open_system"},
        {(void **)&S.flush_close_unref, "sd_bus_flush_close_unref"},
        {(void **)&S.new_method_call, "sd_bus_message_new_method_call"},
        {(void **)&S.append, "sd_bus_message_append"},
        {(void **)&S.append_array, "sd_bus_message_append_array"},
        {(void **)&S.open_container, "sd_bus_message_open_container"},
        {(void **)&S.close_container, "sd_bus_message_close_container"},
        {(void **)&S.call, "sd_bus_call"},
        {(void **)&S.read, "sd_bus_message_read"},
        {(void **)&S.message_unref, "sd_bus_message_unref"},
        {(void **)&S.error_free, "sd_bus_error_free"},
        {(void **)&S.match_signal, "sd_bus_match_signal"},
        {(void **)&S.process, "sd_bus_process"},
        {(void **)&S.wait, "sd_bus_wait"},
        {(void **)&S.slot_unref, "sd_bus_slot_unref"},
        {(void **)&S.open_user, "sd_bus_open_user"},
        {(void **)&S.get_property_string, "sd_bus_get_property_string"},
    };
    for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++)
        if (!(*syms[i].slot = dlsym(h, syms[i].name)))
            return cove_err_set(err, ENOTSUP, "--systemd-cgroup: libsystemd.so.0 has no %s", syms[i].name);
    S.loaded = true; /* h stays open for the process's life */
    return 0;
}

bool cove_systemd_user_manager(void) {
    return geteuid() != 0 || cove_in_user_namespace();
}

/* The manager cove talks to: the system's, or (rootless) the user's own
 * systemd instance on the user's bus, $XDG_RUNTIME_DIR/bus. sd-bus sends
 * AUTH EXTERNAL without a uid (systemd 242+), so root of a rootless
 * podman's user namespace is the user to the bus, as it should be. */
static int bus_open(sd_bus **bus, struct cove_err *err) {
    bool user = cove_systemd_user_manager();
    int r = user ? S.open_user(bus) : S.open_system(bus);
    if (r < 0)
        return cove_err_sys(err, -r, "--systemd-cgroup: connect to the %s", user ? "user's bus ($XDG_RUNTIME_DIR/bus)"
                                                                                 : "system bus");
    return 0;
}

int cove_systemd_check(struct cove_err *err) {
    if (access("/run/systemd/system", F_OK) < 0)
        return cove_err_set(err, ENOTSUP, "--systemd-cgroup: systemd is not running on this host (no /run/systemd/system)");
    if (!cove_systemd_user_manager())
        return 0;
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    char bus[PATH_MAX];
    if (!xdg || snprintf(bus, sizeof(bus), "%s/bus", xdg) >= (int)sizeof(bus) || access(bus, F_OK) < 0)
        return cove_err_set(err, ENOTSUP, "--systemd-cgroup as a non-root user: no systemd user instance bus at "
                                          "%s/bus (a login session, or loginctl enable-linger, and package "
                                          "dbus-user-session)",
                            xdg ? xdg : "$XDG_RUNTIME_DIR");
    return 0;
}

/* One connection: the bus, the JobRemoved match, and the job waited for. */
struct sdconn {
    sd_bus *bus;
    sd_bus_slot *slot;
    char *job;          /* object path of the job of the last call */
    char result[32];    /* its JobRemoved result, "" until then */
};

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *e) {
    (void)e;
    struct sdconn *c = userdata;
    uint32_t id;
    const char *job, *unit, *result;
    if (S.read(m, "uoss", &id, &job, &unit, &result) >= 0 && c->job && !strcmp(job, c->job))
        snprintf(c->result, sizeof(c->result), "%s", result);
    return 0;
}

static void sdconn_close(struct sdconn *c) {
    if (c->slot)
        S.slot_unref(c->slot);
    if (c->bus)
        S.flush_close_unref(c->bus);
    free(c->job);
    memset(c, 0, sizeof(*c));
}

static int sdconn_open(struct sdconn *c, struct cove_err *err) {
    memset(c, 0, sizeof(*c));
    int r = sd_load(err);
    if (r < 0)
        return r;
    if ((r = bus_open(&c->bus, err)) < 0)
        return r;
    /* before the call: its JobRemoved may come right after the reply */
    if ((r = S.match_signal(c->bus, &c->slot, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved", on_job_removed, c)) < 0) {
        sdconn_close(c);
        return cove_err_sys(err, -r, "--systemd-cgroup: subscribe to JobRemoved");
    }
    return 0;
}

static uint64_t now_usec(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000 + (uint64_t)t.tv_nsec / 1000;
}

/* Send m (a Manager method that returns a job path), then wait for the
 * job's JobRemoved. *bus_error: the D-Bus error name when the call itself
 * failed (for the callers that tolerate some). */
static int sdconn_job(struct sdconn *c, sd_bus_message *m, const char *what, char *bus_error, size_t be_len,
                      struct cove_err *err) {
    sd_bus_error e = SD_BUS_ERROR_NULL;
    sd_bus_message *reply = NULL;
    if (bus_error)
        bus_error[0] = '\0';
    int r = S.call(c->bus, m, JOB_TIMEOUT_USEC, &e, &reply);
    if (r < 0) {
        if (bus_error && e.name)
            snprintf(bus_error, be_len, "%s", e.name);
        cove_err_set(err, -r, "--systemd-cgroup: %s: %s", what, e.message ? e.message : strerror(-r));
        S.error_free(&e);
        return -abs(r);
    }
    const char *job = NULL;
    r = S.read(reply, "o", &job);
    if (r >= 0 && !(c->job = strdup(job)))
        r = -ENOMEM;
    S.message_unref(reply);
    if (r < 0)
        return cove_err_sys(err, -r, "--systemd-cgroup: %s: reply", what);
    uint64_t deadline = now_usec() + JOB_TIMEOUT_USEC;
    while (!c->result[0]) {
        r = S.process(c->bus, NULL);
        if (r < 0)
            return cove_err_sys(err, -r, "--systemd-cgroup: %s: waiting for job %s", what, c->job);
        if (r > 0)
            continue;
        uint64_t now = now_usec();
        if (now >= deadline)
            return cove_err_set(err, ETIMEDOUT, "--systemd-cgroup: %s: job %s did not finish in %llu s", what, c->job,
                                JOB_TIMEOUT_USEC / 1000000);
        if ((r = S.wait(c->bus, deadline - now)) < 0)
            return cove_err_sys(err, -r, "--systemd-cgroup: %s: waiting for job %s", what, c->job);
    }
    if (strcmp(c->result, "done") != 0)
        return cove_err_set(err, EIO, "--systemd-cgroup: %s: job %s ended \"%s\" (journalctl -u of the unit tells why)",
                            what, c->job, c->result);
    return 0;
}

static int append_props(sd_bus_message *m, const struct cove_systemd_props *props) {
    int r = 0;
    for (size_t i = 0; r >= 0 && props && i < props->n; i++) {
        const struct cove_systemd_prop *p = &props->v[i];
        if ((r = S.open_container(m, 'r', "sv")) < 0 || (r = S.append(m, "s", p->name)) < 0)
            return r;
        switch (p->sig) {
        case 't': r = S.append(m, "v", "t", p->u); break;
        case 'u': r = S.append(m, "v", "u", (uint32_t)p->u); break;
        case 'x': r = S.append(m, "v", "x", p->i); break;
        case 'i': r = S.append(m, "v", "i", (int32_t)p->i); break;
        case 'b': r = S.append(m, "v", "b", (int)p->b); break;
        case 's': r = S.append(m, "v", "s", p->s); break;
        case 'y':
            if ((r = S.open_container(m, 'v', "ay")) >= 0 && (r = S.append_array(m, 'y', p->bytes, p->n_bytes)) >= 0)
                r = S.close_container(m);
            break;
        default: r = -EINVAL;
        }
        if (r >= 0)
            r = S.close_container(m);
    }
    return r;
}

int cove_systemd_start_scope(const struct cove_systemd_unit *u, pid_t pid, const struct cove_systemd_props *props,
                             struct cove_err *err) {
    struct sdconn c;
    int r = sdconn_open(&c, err);
    if (r < 0)
        return r;
    sd_bus_message *m = NULL;
    char desc[300];
    snprintf(desc, sizeof(desc), "cove container %s", u->unit);
    if ((r = S.new_method_call(c.bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StartTransientUnit")) < 0 ||
        (r = S.append(m, "ss", u->unit, "replace")) < 0 || (r = S.open_container(m, 'a', "(sv)")) < 0 ||
        (r = S.append(m, "(sv)", "Description", "s", desc)) < 0 ||
        (r = S.append(m, "(sv)", "Slice", "s", u->slice)) < 0 ||
        (r = S.append(m, "(sv)", "Delegate", "b", 1)) < 0 ||
        (r = S.append(m, "(sv)", "DefaultDependencies", "b", 0)) < 0 ||
        (r = S.append(m, "(sv)", "PIDs", "au", 1, (uint32_t)pid)) < 0 || (r = append_props(m, props)) < 0 ||
        (r = S.close_container(m)) < 0 || (r = S.append(m, "a(sa(sv))", 0)) < 0) {
        if (m)
            S.message_unref(m);
        sdconn_close(&c);
        return cove_err_sys(err, -r, "--systemd-cgroup: StartTransientUnit %s: message", u->unit);
    }
    char be[128];
    char what[300];
    snprintf(what, sizeof(what), "start %s in %s", u->unit, u->slice);
    r = sdconn_job(&c, m, what, be, sizeof(be), err);
    S.message_unref(m);
    sdconn_close(&c);
    if (r < 0 && !strcmp(be, "org.freedesktop.systemd1.UnitExists"))
        return cove_err_set(err, EEXIST, "--systemd-cgroup: unit %s already exists", u->unit);
    return r;
}

/* After one method call on its own connection: release it all. */
static void call_done(sd_bus *bus, sd_bus_message *m, sd_bus_message *reply, sd_bus_error *e) {
    S.error_free(e);
    if (reply)
        S.message_unref(reply);
    if (m)
        S.message_unref(m);
    S.flush_close_unref(bus);
}

int cove_systemd_set_props(const char *unit, const struct cove_systemd_props *props, struct cove_err *err) {
    if (!props || !props->n)
        return 0;
    int r = sd_load(err);
    if (r < 0)
        return r;
    sd_bus *bus = NULL;
    if ((r = bus_open(&bus, err)) < 0)
        return r;
    sd_bus_message *m = NULL, *reply = NULL;
    sd_bus_error e = SD_BUS_ERROR_NULL;
    if ((r = S.new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "SetUnitProperties")) >= 0 &&
        (r = S.append(m, "sb", unit, 1)) >= 0 && (r = S.open_container(m, 'a', "(sv)")) >= 0 &&
        (r = append_props(m, props)) >= 0 && (r = S.close_container(m)) >= 0)
        r = S.call(bus, m, JOB_TIMEOUT_USEC, &e, &reply);
    if (r < 0)
        cove_err_set(err, -r, "--systemd-cgroup: SetUnitProperties %s: %s", unit, e.message ? e.message : strerror(-r));
    call_done(bus, m, reply, &e);
    return r < 0 ? -abs(r) : 0;
}

int cove_systemd_stop_unit(const char *unit, struct cove_err *err) {
    struct sdconn c;
    int r = sdconn_open(&c, err);
    if (r < 0)
        return r;
    sd_bus_message *m = NULL;
    if ((r = S.new_method_call(c.bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StopUnit")) < 0 ||
        (r = S.append(m, "ss", unit, "replace")) < 0) {
        if (m)
            S.message_unref(m);
        sdconn_close(&c);
        return cove_err_sys(err, -r, "--systemd-cgroup: StopUnit %s: message", unit);
    }
    char be[128], what[300];
    snprintf(what, sizeof(what), "stop %s", unit);
    r = sdconn_job(&c, m, what, be, sizeof(be), err);
    S.message_unref(m);
    sdconn_close(&c);
    if (r < 0 && (!strcmp(be, "org.freedesktop.systemd1.NoSuchUnit") || !strcmp(be, "org.freedesktop.systemd1.LoadFailed"))) {
        cove_err_clear(err);
        return 0;
    }
    return r;
}

int cove_systemd_unit_cgroup(const char *unit, char **path, struct cove_err *err) {
    *path = NULL;
    int r = sd_load(err);
    if (r < 0)
        return r;
    sd_bus *bus = NULL;
    if ((r = bus_open(&bus, err)) < 0)
        return r;
    sd_bus_message *m = NULL, *reply = NULL;
    sd_bus_error e = SD_BUS_ERROR_NULL;
    const char *obj = NULL;
    if ((r = S.new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "GetUnit")) >= 0 &&
        (r = S.append(m, "s", unit)) >= 0 && (r = S.call(bus, m, JOB_TIMEOUT_USEC, &e, &reply)) >= 0 &&
        (r = S.read(reply, "o", &obj)) >= 0)
        r = S.get_property_string(bus, SD_DEST, obj, "org.freedesktop.systemd1.Scope", "ControlGroup", &e, path);
    if (r < 0)
        cove_err_set(err, -r, "--systemd-cgroup: the cgroup of %s: %s", unit, e.message ? e.message : strerror(-r));
    else if (!*path || (*path)[0] != '/')
        r = cove_err_set(err, EPROTO, "--systemd-cgroup: %s has no cgroup", unit);
    call_done(bus, m, reply, &e);
    if (r < 0) {
        free(*path);
        *path = NULL;
    }
    return r < 0 ? -abs(r) : 0;
}
