/* runtime/config/config_linux.c — the "linux" object (everything but resources,
 * see config_resources.c) and the checks that need the namespace list.
 * Messages are relative to "linux"; config.c prepends it. */
#include <inttypes.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime/config/mountopts.h"
#include "lib/cleanup.h"
#include "runtime/config/config.h"
#include "runtime/config/config_json.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static int check_obj_elems(const struct cj_node *a, const char *key, struct cove_err *err) {
    for (size_t i = 0; a && i < a->n; i++)
        if (a->items[i]->type != CJ_OBJECT)
            return cove_err_set(err, EINVAL, "%s[%zu]: must be an object", key, i);
    return 0;
}

int config_parse_idmaps(const struct cj_node *obj, const char *key, struct cove_idmap **out,
                        size_t *n, struct cove_err *err) {
    const struct cj_node *a;
    CJ_TRY(cj_arr(obj, key, &a, err));
    if (!a)
        return 0;
    CJ_TRY(check_obj_elems(a, key, err));
    *out = cj_calloc(a->n, sizeof(**out));
    if (!*out)
        return cove_err_set(err, ENOMEM, "%s: out of memory", key);
    *n = a->n;
    for (size_t i = 0; i < a->n; i++) {
        struct cove_idmap *m = &(*out)[i];
        const struct cj_node *v = a->items[i];
        bool hc, hh, hs;
        if (cj_u32(v, "containerID", &m->container_id, &hc, err) < 0 ||
            cj_u32(v, "hostID", &m->host_id, &hh, err) < 0 ||
            cj_u32(v, "size", &m->size, &hs, err) < 0)
            return cove_err_path(err, "%s[%zu]", key, i);
        if (!hc || !hh || !hs)
            return cove_err_set(err, EINVAL, "%s[%zu].%s: is required", key, i,
                                !hc ? "containerID" : !hh ? "hostID" : "size");
        if (m->size == 0)
            return cove_err_set(err, EINVAL, "%s[%zu].size: must be greater than 0", key, i);
        /* A range running past 2^32 would wrap in the kernel's u32 maths. */
        if ((uint64_t)m->container_id + m->size > UINT64_C(1) << 32 ||
            (uint64_t)m->host_id + m->size > UINT64_C(1) << 32)
            return cove_err_set(err, ERANGE, "%s[%zu].size: range exceeds 32-bit ids", key, i);
    }
    return 0;
}

static int parse_namespaces(const struct cj_node *l, struct cove_linux *lx, struct cove_err *err) {
    const struct cj_node *a;
    CJ_TRY(cj_arr(l, "namespaces", &a, err));
    if (!a)
        return 0;
    CJ_TRY(check_obj_elems(a, "namespaces", err));
    lx->namespaces = cj_calloc(a->n, sizeof(*lx->namespaces));
    if (!lx->namespaces)
        return cove_err_set(err, ENOMEM, "namespaces: out of memory");
    lx->n_namespaces = a->n;
    int seen = 0;
    for (size_t i = 0; i < a->n; i++) {
        struct cove_namespace *ns = &lx->namespaces[i];
        _cleanup_free_ char *type = NULL;
        if (cj_str_req(a->items[i], "type", &type, err) < 0 ||
            cj_str(a->items[i], "path", &ns->path, err) < 0)
            return cove_err_path(err, "namespaces[%zu]", i);
        ns->type = cove_namespace_from_name(type);
        if (!ns->type)
            return cove_err_set(err, EINVAL, "namespaces[%zu].type: unknown namespace \"%s\"", i, type);
        if (seen & ns->type)
            return cove_err_set(err, EINVAL, "namespaces[%zu].type: duplicate namespace \"%s\"", i, type);
        seen |= ns->type;
        if (ns->path && !config_path_is_absolute(ns->path))
            return cove_err_set(err, EINVAL, "namespaces[%zu].path: must be an absolute path", i);
    }
    return 0;
}

static int parse_time_offsets(const struct cj_node *l, struct cove_linux *lx, struct cove_err *err) {
    const struct cj_node *o;
    CJ_TRY(cj_obj(l, "timeOffsets", &o, err));
    for (size_t i = 0; o && i < o->n; i++) {
        const char *clock = o->keys[i];
        struct cove_time_offset *t = strcmp(clock, "monotonic") == 0 ? &lx->time_monotonic
                                   : strcmp(clock, "boottime") == 0 ? &lx->time_boottime : NULL;
        if (!t)
            return cove_err_set(err, EINVAL, "timeOffsets.%s: unknown clock", clock);
        const struct cj_node *v = o->items[i];
        if (v->type != CJ_OBJECT)
            return cove_err_set(err, EINVAL, "timeOffsets.%s: must be an object", clock);
        if (cj_i64(v, "secs", &t->secs, NULL, err) < 0 ||
            cj_u32(v, "nanosecs", &t->nanosecs, NULL, err) < 0)
            return cove_err_path(err, "timeOffsets.%s", clock);
        if (t->nanosecs >= 1000000000u)
            return cove_err_set(err, ERANGE, "timeOffsets.%s.nanosecs: must be below 1000000000", clock);
        t->set = true;
    }
    return 0;
}

static int parse_device(const struct cj_node *v, struct cove_device *d, struct cove_err *err) {
    CJ_TRY(cj_str_req(v, "path", &d->path, err));
    if (!config_path_is_absolute(d->path))
        return cove_err_set(err, EINVAL, "path: must be an absolute path, got \"%s\"", d->path);
    _cleanup_free_ char *type = NULL;
    CJ_TRY(cj_str_req(v, "type", &type, err));
    if (strlen(type) != 1 || !strchr("cbup", type[0]))
        return cove_err_set(err, EINVAL, "type: must be one of \"c\", \"b\", \"u\", \"p\", got \"%s\"", type);
    d->type = type[0];
    bool hmaj, hmin;
    CJ_TRY(cj_i64_range(v, "major", 0, UINT32_MAX, &d->major, &hmaj, err));
    CJ_TRY(cj_i64_range(v, "minor", 0, UINT32_MAX, &d->minor, &hmin, err));
    if (d->type != 'p' && (!hmaj || !hmin))
        return cove_err_set(err, EINVAL, "%s: is required for type \"%c\"", !hmaj ? "major" : "minor", d->type);
    int64_t mode;
    /* podman (and Go's os.FileMode users) put the whole st_mode here, type
     * bits included (S_IFCHR|0600 = 8576); runc accepts that. The type bits,
     * when present, must agree with "type"; only the permission bits are kept */
    CJ_TRY(cj_i64_range(v, "fileMode", 0, S_IFMT | 07777, &mode, &d->has_file_mode, err));
    if (d->has_file_mode) {
        mode_t fmt = (mode_t)mode & S_IFMT;
        mode_t want = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
        if (fmt && fmt != want)
            return cove_err_set(err, EINVAL, "fileMode: type bits 0%o do not match type \"%c\"",
                                (unsigned)fmt, d->type);
        d->file_mode = (mode_t)mode & 07777;
    }
    CJ_TRY(cj_u32(v, "uid", &d->uid, &d->has_uid, err));
    return cj_u32(v, "gid", &d->gid, &d->has_gid, err);
}

static int parse_devices(const struct cj_node *l, struct cove_linux *lx, struct cove_err *err) {
    const struct cj_node *a;
    CJ_TRY(cj_arr(l, "devices", &a, err));
    if (!a)
        return 0;
    CJ_TRY(check_obj_elems(a, "devices", err));
    lx->devices = cj_calloc(a->n, sizeof(*lx->devices));
    if (!lx->devices)
        return cove_err_set(err, ENOMEM, "devices: out of memory");
    lx->n_devices = a->n;
    for (size_t i = 0; i < a->n; i++)
        if (parse_device(a->items[i], &lx->devices[i], err) < 0)
            return cove_err_path(err, "devices[%zu]", i);
    return 0;
}

static int parse_cgroups_path(const struct cj_node *l, struct cove_linux *lx, struct cove_err *err) {
    CJ_TRY(cj_str(l, "cgroupsPath", &lx->cgroups_path, err));
    const char *p = lx->cgroups_path;
    if (!p)
        return 0;
    /* A ".." component would place the container's cgroup outside the
     * hierarchy the caller delegated (NUL is refused by the JSON layer). */
    for (const char *s = p; *s;) {
        size_t len = strcspn(s, "/:");
        if (len == 2 && s[0] == '.' && s[1] == '.')
            return cove_err_set(err, EINVAL, "cgroupsPath: must not contain a \"..\" component, got \"%s\"", p);
        s += len;
        if (*s)
            s++;
    }
    return 0;
}

/* One linux.seccomp.syscalls[].args[i] object (av must be an object); also
 * used for seccomp profiles, where "value" may be left out. */
int config_parse_seccomp_arg(const struct cj_node *av, size_t i, bool value_required, struct cove_seccomp_arg *sa,
                             struct cove_err *err) {
    int64_t index = 0;
    bool hi = false, hv = false;
    _cleanup_free_ char *op = NULL;
    if (cj_i64_range(av, "index", 0, 5, &index, &hi, err) < 0 ||
        cj_u64(av, "value", &sa->value, &hv, err) < 0 ||
        cj_u64(av, "valueTwo", &sa->value_two, NULL, err) < 0 ||
        cj_str_req(av, "op", &op, err) < 0)
        return cove_err_path(err, "args[%zu]", i);
    if (!hi || (value_required && !hv))
        return cove_err_set(err, EINVAL, "args[%zu].%s: is required", i, !hi ? "index" : "value");
    sa->index = (unsigned)index;
    int o = cove_seccomp_op_from_name(op);
    if (o < 0)
        return cove_err_set(err, EINVAL, "args[%zu].op: unknown seccomp operator \"%s\"", i, op);
    sa->op = (enum cove_seccomp_op)o;
    return 0;
}

static int parse_seccomp_rule(const struct cj_node *v, struct cove_seccomp_rule *rule, struct cove_err *err) {
    CJ_TRY(cj_strv(v, "names", &rule->names, &rule->n_names, err));
    if (rule->n_names == 0)
        return cove_err_set(err, EINVAL, "names: must be a non-empty array");
    _cleanup_free_ char *action = NULL;
    CJ_TRY(cj_str_req(v, "action", &action, err));
    int a = cove_seccomp_action_from_name(action);
    if (a < 0)
        return cove_err_set(err, EINVAL, "action: unknown seccomp action \"%s\"", action);
    rule->action = (enum cove_seccomp_action)a;
    CJ_TRY(cj_u32(v, "errnoRet", &rule->errno_ret, &rule->has_errno_ret, err));
    const struct cj_node *args;
    CJ_TRY(cj_arr(v, "args", &args, err));
    if (!args)
        return 0;
    CJ_TRY(check_obj_elems(args, "args", err));
    rule->args = cj_calloc(args->n, sizeof(*rule->args));
    if (!rule->args)
        return cove_err_set(err, ENOMEM, "args: out of memory");
    rule->n_args = args->n;
    for (size_t i = 0; i < args->n; i++)
        CJ_TRY(config_parse_seccomp_arg(args->items[i], i, true, &rule->args[i], err));
    return 0;
}

static int parse_seccomp(const struct cj_node *s, struct cove_seccomp *sc, struct cove_err *err) {
    sc->set = true;
    _cleanup_free_ char *def = NULL;
    CJ_TRY(cj_str_req(s, "defaultAction", &def, err));
    int a = cove_seccomp_action_from_name(def);
    if (a < 0)
        return cove_err_set(err, EINVAL, "defaultAction: unknown seccomp action \"%s\"", def);
    /* Every syscall, including the ones the supervisor needs, would be
     * sent to the listener: the kernel and runc refuse this too. */
    if (a == COVE_SCMP_NOTIFY)
        return cove_err_set(err, EINVAL, "defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
    sc->default_action = (enum cove_seccomp_action)a;
    CJ_TRY(cj_u32(s, "defaultErrnoRet", &sc->default_errno_ret, &sc->has_default_errno_ret, err));
    CJ_TRY(cj_strv(s, "architectures", &sc->architectures, &sc->n_architectures, err));
    for (size_t i = 0; i < sc->n_architectures; i++)
        if (!cove_seccomp_arch_known(sc->architectures[i]))
            return cove_err_set(err, EINVAL, "architectures[%zu]: unknown architecture \"%s\"", i, sc->architectures[i]);
    CJ_TRY(cj_strv(s, "flags", &sc->flags, &sc->n_flags, err));
    for (size_t i = 0; i < sc->n_flags; i++)
        if (!cove_seccomp_flag_known(sc->flags[i]))
            return cove_err_set(err, EINVAL, "flags[%zu]: unknown seccomp flag \"%s\"", i, sc->flags[i]);
    CJ_TRY(cj_str(s, "listenerPath", &sc->listener_path, err));
    if (sc->listener_path && !config_path_is_absolute(sc->listener_path))
        return cove_err_set(err, EINVAL, "listenerPath: must be an absolute path");
    CJ_TRY(cj_str(s, "listenerMetadata", &sc->listener_metadata, err));

    const struct cj_node *rules;
    CJ_TRY(cj_arr(s, "syscalls", &rules, err));
    if (!rules)
        return 0;
    CJ_TRY(check_obj_elems(rules, "syscalls", err));
    sc->syscalls = cj_calloc(rules->n, sizeof(*sc->syscalls));
    if (!sc->syscalls)
        return cove_err_set(err, ENOMEM, "syscalls: out of memory");
    sc->n_syscalls = rules->n;
    for (size_t i = 0; i < rules->n; i++) {
        if (parse_seccomp_rule(rules->items[i], &sc->syscalls[i], err) < 0)
            return cove_err_path(err, "syscalls[%zu]", i);
        if (sc->syscalls[i].action == COVE_SCMP_NOTIFY && !sc->listener_path)
            return cove_err_set(err, EINVAL, "syscalls[%zu].action: SCMP_ACT_NOTIFY requires listenerPath", i);
    }
    return 0;
}

static int parse_intel_rdt(const struct cj_node *o, struct cove_intel_rdt *r, struct cove_err *err) {
    r->set = true;
    CJ_TRY(cj_str(o, "closID", &r->clos_id, err));
    /* closID names a directory under /sys/fs/resctrl. */
    if (r->clos_id && (!r->clos_id[0] || strchr(r->clos_id, '/') ||
                       !strcmp(r->clos_id, ".") || !strcmp(r->clos_id, "..")))
        return cove_err_set(err, EINVAL, "closID: invalid name \"%s\"", r->clos_id);
    CJ_TRY(cj_str(o, "l3CacheSchema", &r->l3_cache_schema, err));
    CJ_TRY(cj_str(o, "memBwSchema", &r->mem_bw_schema, err));
    CJ_TRY(cj_strv(o, "schemata", &r->schemata, &r->n_schemata, err));
    return cj_bool(o, "enableMonitoring", &r->enable_monitoring, NULL, err);
}

static int parse_personality(const struct cj_node *o, struct cove_personality *p, struct cove_err *err) {
    _cleanup_free_ char *domain = NULL;
    CJ_TRY(cj_str_req(o, "domain", &domain, err));
    int64_t d = config_personality_domain_from_name(domain);
    if (d < 0)
        return cove_err_set(err, EINVAL, "domain: unknown personality domain \"%s\"", domain);
    p->domain = (unsigned long)d;
    CJ_TRY(cj_strv(o, "flags", &p->flags, &p->n_flags, err));
    p->set = true;
    return 0;
}

static bool ifname_valid(const char *n) {
    size_t len = strlen(n);
    return len > 0 && len < 16 && strcmp(n, ".") && strcmp(n, "..") && !strpbrk(n, "/: \t\n");
}

static int parse_net_devices(const struct cj_node *l, struct cove_linux *lx, struct cove_err *err) {
    const struct cj_node *o;
    CJ_TRY(cj_obj(l, "netDevices", &o, err));
    if (!o)
        return 0;
    lx->net_devices = cj_calloc(o->n, sizeof(*lx->net_devices));
    if (!lx->net_devices)
        return cove_err_set(err, ENOMEM, "netDevices: out of memory");
    lx->n_net_devices = o->n;
    for (size_t i = 0; i < o->n; i++) {
        struct cove_net_device *d = &lx->net_devices[i];
        const char *host = o->keys[i];
        if (!ifname_valid(host))
            return cove_err_set(err, EINVAL, "netDevices[\"%s\"]: invalid interface name", host);
        if (o->items[i]->type != CJ_OBJECT)
            return cove_err_set(err, EINVAL, "netDevices[\"%s\"]: must be an object", host);
        d->host_name = strdup(host);
        if (!d->host_name)
            return cove_err_set(err, ENOMEM, "netDevices: out of memory");
        if (cj_str(o->items[i], "name", &d->name, err) < 0)
            return cove_err_path(err, "netDevices[\"%s\"]", host);
        if (d->name && !ifname_valid(d->name))
            return cove_err_set(err, EINVAL, "netDevices[\"%s\"].name: invalid interface name \"%s\"", host, d->name);
        if (!d->name && !(d->name = strdup(host)))
            return cove_err_set(err, ENOMEM, "netDevices: out of memory");
    }
    return 0;
}

static int parse_memory_policy(const struct cj_node *o, struct cove_memory_policy *mp, struct cove_err *err) {
    _cleanup_free_ char *mode = NULL;
    CJ_TRY(cj_str_req(o, "mode", &mode, err));
    mp->mode = config_mpol_mode_from_name(mode);
    if (mp->mode < 0)
        return cove_err_set(err, EINVAL, "mode: unknown memory policy mode \"%s\"", mode);
    CJ_TRY(cj_str(o, "nodes", &mp->nodes, err));
    _cleanup_strv_ char **flags = NULL;
    size_t n = 0;
    CJ_TRY(cj_strv(o, "flags", &flags, &n, err));
    for (size_t i = 0; i < n; i++) {
        int f = config_mpol_flag_from_name(flags[i]);
        if (f < 0)
            return cove_err_set(err, EINVAL, "flags[%zu]: unknown memory policy flag \"%s\"", i, flags[i]);
        mp->flags |= (unsigned)f;
    }
    mp->set = true;
    return 0;
}

static int parse_path_list(const struct cj_node *l, const char *key, char ***out, size_t *n, struct cove_err *err) {
    CJ_TRY(cj_strv(l, key, out, n, err));
    for (size_t i = 0; i < *n; i++)
        if (!config_path_is_absolute((*out)[i]))
            return cove_err_set(err, EINVAL, "%s[%zu]: must be an absolute path, got \"%s\"", key, i, (*out)[i]);
    return 0;
}

static bool has_ns(const struct cove_linux *lx, int type) {
    for (size_t i = 0; i < lx->n_namespaces; i++)
        if (lx->namespaces[i].type == type)
            return true;
    return false;
}

/* Which namespace isolates a sysctl (0: none, so writing it from the
 * container would change the host). */
int cove_sysctl_namespace(const char *key) {
    static const char *const ipc[] = {
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
        "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
    };
    if (strncmp(key, "net.", 4) == 0)
        return CLONE_NEWNET;
    if (strncmp(key, "fs.mqueue.", 10) == 0)
        return CLONE_NEWIPC;
    for (size_t i = 0; i < ARRAY_SIZE(ipc); i++)
        if (strcmp(key, ipc[i]) == 0)
            return CLONE_NEWIPC;
    if (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0)
        return CLONE_NEWUTS;
    return 0;
}

static int check_sysctl(struct cove_linux *lx, struct cove_err *err) {
    for (size_t i = 0; i < lx->n_sysctl; i++) {
        char *k = lx->sysctl[i].key;
        /* Accept the /proc/sys spelling too, but never a path that climbs. */
        for (char *c = k; *c; c++)
            if (*c == '/')
                *c = '.';
        if (!k[0] || k[0] == '.' || strstr(k, ".."))
            return cove_err_set(err, EINVAL, "sysctl[\"%s\"]: invalid name", k);
        int ns = cove_sysctl_namespace(k);
        if (!ns)
            return cove_err_set(err, EINVAL, "sysctl[\"%s\"]: not in a separate kernel namespace", k);
        if (!has_ns(lx, ns))
            return cove_err_set(err, EINVAL, "sysctl[\"%s\"]: requires a \"%s\" namespace in linux.namespaces",
                                k, cove_namespace_name(ns));
    }
    return 0;
}

static int check_namespaces(struct cove_linux *lx, struct cove_err *err) {
    if ((lx->n_uid_mappings || lx->n_gid_mappings) && !has_ns(lx, CLONE_NEWUSER))
        return cove_err_set(err, EINVAL, "%s: requires a user namespace in linux.namespaces",
                            lx->n_uid_mappings ? "uidMappings" : "gidMappings");
    if ((lx->time_monotonic.set || lx->time_boottime.set) && !has_ns(lx, CLONE_NEWTIME))
        return cove_err_set(err, EINVAL, "timeOffsets: requires a time namespace in linux.namespaces");
    if (lx->n_net_devices && !has_ns(lx, CLONE_NEWNET))
        return cove_err_set(err, EINVAL, "netDevices: requires a network namespace in linux.namespaces");
    return check_sysctl(lx, err);
}

int config_parse_linux(const struct cj_node *l, struct cove_linux *lx, struct cove_err *err) {
    const struct cj_node *o;
    CJ_TRY(parse_namespaces(l, lx, err));
    CJ_TRY(config_parse_idmaps(l, "uidMappings", &lx->uid_mappings, &lx->n_uid_mappings, err));
    CJ_TRY(config_parse_idmaps(l, "gidMappings", &lx->gid_mappings, &lx->n_gid_mappings, err));
    CJ_TRY(parse_time_offsets(l, lx, err));
    CJ_TRY(parse_devices(l, lx, err));
    CJ_TRY(parse_cgroups_path(l, lx, err));
    CJ_TRY(cj_obj(l, "resources", &o, err));
    if (o && config_parse_resources(o, &lx->resources, err) < 0)
        return cove_err_path(err, "resources");
    CJ_TRY(cj_obj(l, "intelRdt", &o, err));
    if (o && parse_intel_rdt(o, &lx->intel_rdt, err) < 0)
        return cove_err_path(err, "intelRdt");
    CJ_TRY(cj_kv(l, "sysctl", &lx->sysctl, &lx->n_sysctl, err));
    CJ_TRY(cj_obj(l, "seccomp", &o, err));
    if (o && parse_seccomp(o, &lx->seccomp, err) < 0)
        return cove_err_path(err, "seccomp");

    _cleanup_free_ char *prop = NULL;
    CJ_TRY(cj_str(l, "rootfsPropagation", &prop, err));
    if (prop && !(lx->rootfs_propagation = cove_propagation_from_name(prop)))
        return cove_err_set(err, EINVAL, "rootfsPropagation: unknown propagation \"%s\"", prop);

    CJ_TRY(parse_path_list(l, "maskedPaths", &lx->masked_paths, &lx->n_masked_paths, err));
    CJ_TRY(parse_path_list(l, "readonlyPaths", &lx->readonly_paths, &lx->n_readonly_paths, err));
    CJ_TRY(cj_str(l, "mountLabel", &lx->mount_label, err));
    CJ_TRY(cj_obj(l, "personality", &o, err));
    if (o && parse_personality(o, &lx->personality, err) < 0)
        return cove_err_path(err, "personality");
    CJ_TRY(parse_net_devices(l, lx, err));
    CJ_TRY(cj_obj(l, "memoryPolicy", &o, err));
    if (o && parse_memory_policy(o, &lx->memory_policy, err) < 0)
        return cove_err_path(err, "memoryPolicy");
    return check_namespaces(lx, err);
}

void config_free_seccomp(struct cove_seccomp *s) {
    strv_free(s->architectures);
    strv_free(s->flags);
    free(s->listener_path);
    free(s->listener_metadata);
    for (size_t i = 0; i < s->n_syscalls; i++) {
        strv_free(s->syscalls[i].names);
        free(s->syscalls[i].args);
    }
    free(s->syscalls);
}

void config_free_linux(struct cove_linux *l) {
    for (size_t i = 0; i < l->n_namespaces; i++)
        free(l->namespaces[i].path);
    free(l->namespaces);
    free(l->uid_mappings);
    free(l->gid_mappings);
    for (size_t i = 0; i < l->n_devices; i++)
        free(l->devices[i].path);
    free(l->devices);
    free(l->cgroups_path);
    config_free_resources(&l->resources);
    for (size_t i = 0; i < l->n_sysctl; i++) {
        free(l->sysctl[i].key);
        free(l->sysctl[i].value);
    }
    free(l->sysctl);
    config_free_seccomp(&l->seccomp);
    strv_free(l->masked_paths);
    strv_free(l->readonly_paths);
    free(l->mount_label);
    free(l->intel_rdt.clos_id);
    free(l->intel_rdt.l3_cache_schema);
    free(l->intel_rdt.mem_bw_schema);
    strv_free(l->intel_rdt.schemata);
    strv_free(l->personality.flags);
    for (size_t i = 0; i < l->n_net_devices; i++) {
        free(l->net_devices[i].host_name);
        free(l->net_devices[i].name);
    }
    free(l->net_devices);
    free(l->memory_policy.nodes);
}
