/* runtime/config/config_resources.c — "linux.resources": device rules, memory,
 * cpu, pids, blockIO, hugepages, network, rdma, unified. Messages are
 * relative to "resources"; config_linux.c prepends the rest. */
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "runtime/config/config.h"
#include "runtime/config/config_json.h"

/* Allocate an array for the JSON array obj[key] of objects; *arr_out is
 * NULL when absent. Elements that are not objects are refused here. */
static int obj_array(const struct cj_node *obj, const char *key, const struct cj_node **arr_out,
                     void **items, size_t *n, size_t size, struct cove_err *err) {
    const struct cj_node *a;
    CJ_TRY(cj_arr(obj, key, &a, err));
    *arr_out = a;
    if (!a)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->items[i]->type != CJ_OBJECT)
            return cove_err_set(err, EINVAL, "%s[%zu]: must be an object", key, i);
    *items = cj_calloc(a->n, size);
    if (!*items)
        return cove_err_set(err, ENOMEM, "%s: out of memory", key);
    *n = a->n;
    return 0;
}

static int parse_device_rule(const struct cj_node *v, struct cove_device_rule *d, struct cove_err *err) {
    bool has;
    CJ_TRY(cj_bool(v, "allow", &d->allow, &has, err));
    if (!has)
        return cove_err_set(err, EINVAL, "allow: is required");
    _cleanup_free_ char *type = NULL, *access = NULL;
    CJ_TRY(cj_str(v, "type", &type, err));
    d->type = 'a';
    if (type) {
        if (strlen(type) != 1 || !strchr("acb", type[0]))
            return cove_err_set(err, EINVAL, "type: must be \"a\", \"c\" or \"b\", got \"%s\"", type);
        d->type = type[0];
    }
    d->major = d->minor = -1;
    CJ_TRY(cj_i64_range(v, "major", -1, INT64_MAX, &d->major, NULL, err));
    CJ_TRY(cj_i64_range(v, "minor", -1, INT64_MAX, &d->minor, NULL, err));
    CJ_TRY(cj_str(v, "access", &access, err));
    if (!access) {
        strcpy(d->access, "rwm");
        return 0;
    }
    size_t len = strlen(access);
    bool ok = len > 0 && len <= 3 && strspn(access, "rwm") == len;
    for (size_t i = 0; ok && i < len; i++)
        if (strchr(access + i + 1, access[i]))
            ok = false;    /* "rr" */
    if (!ok)
        return cove_err_set(err, EINVAL, "access: must be a non-empty subset of \"rwm\", got \"%s\"", access);
    memcpy(d->access, access, len + 1);
    return 0;
}

static int parse_memory(const struct cj_node *m, struct cove_memory *mem, struct cove_err *err) {
    CJ_TRY(cj_opt_i64(m, "limit", &mem->limit, err));
    CJ_TRY(cj_opt_i64(m, "reservation", &mem->reservation, err));
    CJ_TRY(cj_opt_i64(m, "swap", &mem->swap, err));
    CJ_TRY(cj_opt_i64(m, "kernel", &mem->kernel, err));
    CJ_TRY(cj_opt_i64(m, "kernelTCP", &mem->kernel_tcp, err));
    CJ_TRY(cj_opt_u64(m, "swappiness", &mem->swappiness, err));
    if (mem->swappiness.set && mem->swappiness.v > 100)
        return cove_err_set(err, ERANGE, "swappiness: must be 0..100");
    CJ_TRY(cj_bool(m, "disableOOMKiller", &mem->disable_oom_killer, &mem->has_disable_oom_killer, err));
    CJ_TRY(cj_bool(m, "useHierarchy", &mem->use_hierarchy, &mem->has_use_hierarchy, err));
    return cj_bool(m, "checkBeforeUpdate", &mem->check_before_update, &mem->has_check_before_update, err);
}

static int parse_cpu(const struct cj_node *c, struct cove_cpu *cpu, struct cove_err *err) {
    CJ_TRY(cj_opt_u64(c, "shares", &cpu->shares, err));
    CJ_TRY(cj_opt_i64(c, "quota", &cpu->quota, err));
    CJ_TRY(cj_opt_u64(c, "burst", &cpu->burst, err));
    CJ_TRY(cj_opt_u64(c, "period", &cpu->period, err));
    CJ_TRY(cj_opt_i64(c, "realtimeRuntime", &cpu->realtime_runtime, err));
    CJ_TRY(cj_opt_u64(c, "realtimePeriod", &cpu->realtime_period, err));
    CJ_TRY(cj_opt_i64(c, "idle", &cpu->idle, err));
    CJ_TRY(cj_str(c, "cpus", &cpu->cpus, err));
    return cj_str(c, "mems", &cpu->mems, err);
}

static int parse_major_minor(const struct cj_node *v, int64_t *major, int64_t *minor, struct cove_err *err) {
    bool has;
    CJ_TRY(cj_i64_range(v, "major", 0, INT64_MAX, major, &has, err));
    if (!has)
        return cove_err_set(err, EINVAL, "major: is required");
    CJ_TRY(cj_i64_range(v, "minor", 0, INT64_MAX, minor, &has, err));
    if (!has)
        return cove_err_set(err, EINVAL, "minor: is required");
    return 0;
}

static int parse_throttle(const struct cj_node *b, const char *key, struct cove_throttle_device **out,
                          size_t *n, struct cove_err *err) {
    const struct cj_node *a;
    CJ_TRY(obj_array(b, key, &a, (void **)out, n, sizeof(**out), err));
    for (size_t i = 0; a && i < a->n; i++) {
        struct cove_throttle_device *t = &(*out)[i];
        bool has;
        if (parse_major_minor(a->items[i], &t->major, &t->minor, err) < 0 ||
            cj_u64(a->items[i], "rate", &t->rate, &has, err) < 0)
            return cove_err_path(err, "%s[%zu]", key, i);
        if (!has)
            return cove_err_set(err, EINVAL, "%s[%zu].rate: is required", key, i);
    }
    return 0;
}

static int parse_blkio(const struct cj_node *b, struct cove_blkio *bio, struct cove_err *err) {
    CJ_TRY(cj_opt_u64(b, "weight", &bio->weight, err));
    CJ_TRY(cj_opt_u64(b, "leafWeight", &bio->leaf_weight, err));
    /* Docker sends "weight": 0 for "not set" (its HostConfig default) and
     * runc skips a 0 weight; the kernel refuses 0 (ERANGE) */
    bio->weight.set = bio->weight.set && bio->weight.v != 0;
    bio->leaf_weight.set = bio->leaf_weight.set && bio->leaf_weight.v != 0;
    if (bio->weight.set && bio->weight.v > 65535)
        return cove_err_set(err, ERANGE, "weight: must fit in 16 bits");
    if (bio->leaf_weight.set && bio->leaf_weight.v > 65535)
        return cove_err_set(err, ERANGE, "leafWeight: must fit in 16 bits");
    const struct cj_node *a;
    CJ_TRY(obj_array(b, "weightDevice", &a, (void **)&bio->weight_device, &bio->n_weight_device,
                     sizeof(*bio->weight_device), err));
    for (size_t i = 0; a && i < a->n; i++) {
        struct cove_weight_device *w = &bio->weight_device[i];
        if (parse_major_minor(a->items[i], &w->major, &w->minor, err) < 0 ||
            cj_opt_u64(a->items[i], "weight", &w->weight, err) < 0 ||
            cj_opt_u64(a->items[i], "leafWeight", &w->leaf_weight, err) < 0)
            return cove_err_path(err, "weightDevice[%zu]", i);
        w->weight.set = w->weight.set && w->weight.v != 0;
        w->leaf_weight.set = w->leaf_weight.set && w->leaf_weight.v != 0;
    }
    CJ_TRY(parse_throttle(b, "throttleReadBpsDevice", &bio->throttle_read_bps, &bio->n_throttle_read_bps, err));
    CJ_TRY(parse_throttle(b, "throttleWriteBpsDevice", &bio->throttle_write_bps, &bio->n_throttle_write_bps, err));
    CJ_TRY(parse_throttle(b, "throttleReadIOPSDevice", &bio->throttle_read_iops, &bio->n_throttle_read_iops, err));
    return parse_throttle(b, "throttleWriteIOPSDevice", &bio->throttle_write_iops, &bio->n_throttle_write_iops, err);
}

static int parse_hugepages(const struct cj_node *r, struct cove_resources *res, struct cove_err *err) {
    const struct cj_node *a;
    CJ_TRY(obj_array(r, "hugepageLimits", &a, (void **)&res->hugepages, &res->n_hugepages,
                     sizeof(*res->hugepages), err));
    for (size_t i = 0; a && i < a->n; i++) {
        struct cove_hugepage_limit *h = &res->hugepages[i];
        bool has;
        if (cj_str_req(a->items[i], "pageSize", &h->page_size, err) < 0 ||
            cj_u64(a->items[i], "limit", &h->limit, &has, err) < 0)
            return cove_err_path(err, "hugepageLimits[%zu]", i);
        if (!has)
            return cove_err_set(err, EINVAL, "hugepageLimits[%zu].limit: is required", i);
        /* Becomes part of a cgroup file name: hugetlb.<pageSize>.limit_in_bytes */
        if (!h->page_size[0] || strchr(h->page_size, '/'))
            return cove_err_set(err, EINVAL, "hugepageLimits[%zu].pageSize: invalid \"%s\"", i, h->page_size);
    }
    return 0;
}

static int parse_network(const struct cj_node *n, struct cove_resources *res, struct cove_err *err) {
    uint32_t classid;
    CJ_TRY(cj_u32(n, "classID", &classid, &res->net_class_id.set, err));
    res->net_class_id.v = classid;
    const struct cj_node *a;
    CJ_TRY(obj_array(n, "priorities", &a, (void **)&res->net_priorities, &res->n_net_priorities,
                     sizeof(*res->net_priorities), err));
    for (size_t i = 0; a && i < a->n; i++) {
        struct cove_net_priority *p = &res->net_priorities[i];
        bool has;
        if (cj_str_req(a->items[i], "name", &p->name, err) < 0 ||
            cj_u32(a->items[i], "priority", &p->priority, &has, err) < 0)
            return cove_err_path(err, "priorities[%zu]", i);
        if (!has)
            return cove_err_set(err, EINVAL, "priorities[%zu].priority: is required", i);
    }
    return 0;
}

static int parse_rdma(const struct cj_node *r, struct cove_resources *res, struct cove_err *err) {
    const struct cj_node *o;
    CJ_TRY(cj_obj(r, "rdma", &o, err));
    if (!o)
        return 0;
    res->rdma = cj_calloc(o->n, sizeof(*res->rdma));
    if (!res->rdma)
        return cove_err_set(err, ENOMEM, "rdma: out of memory");
    res->n_rdma = o->n;
    for (size_t i = 0; i < o->n; i++) {
        struct cove_rdma *d = &res->rdma[i];
        d->device = strdup(o->keys[i]);
        if (!d->device)
            return cove_err_set(err, ENOMEM, "rdma: out of memory");
        const struct cj_node *v = o->items[i];
        if (v->type != CJ_OBJECT)
            return cove_err_set(err, EINVAL, "rdma[\"%s\"]: must be an object", o->keys[i]);
        if (cj_opt_u64(v, "hcaHandles", &d->hca_handles, err) < 0 ||
            cj_opt_u64(v, "hcaObjects", &d->hca_objects, err) < 0)
            return cove_err_path(err, "rdma[\"%s\"]", o->keys[i]);
    }
    return 0;
}

static int parse_unified(const struct cj_node *r, struct cove_resources *res, struct cove_err *err) {
    CJ_TRY(cj_kv(r, "unified", &res->unified, &res->n_unified, err));
    for (size_t i = 0; i < res->n_unified; i++) {
        const char *k = res->unified[i].key;
        /* Each key names a file in the container's cgroup directory: a
         * slash or dot-dot would write outside it. */
        if (!k[0] || k[0] == '.' || strchr(k, '/'))
            return cove_err_set(err, EINVAL, "unified[\"%s\"]: invalid cgroup file name", k);
    }
    return 0;
}

int config_parse_resources(const struct cj_node *r, struct cove_resources *res, struct cove_err *err) {
    const struct cj_node *a, *o;
    res->set = true;
    CJ_TRY(obj_array(r, "devices", &a, (void **)&res->devices, &res->n_devices, sizeof(*res->devices), err));
    for (size_t i = 0; a && i < a->n; i++)
        if (parse_device_rule(a->items[i], &res->devices[i], err) < 0)
            return cove_err_path(err, "devices[%zu]", i);

    CJ_TRY(cj_obj(r, "memory", &o, err));
    if (o && (res->has_memory = true) && parse_memory(o, &res->memory, err) < 0)
        return cove_err_path(err, "memory");
    CJ_TRY(cj_obj(r, "cpu", &o, err));
    if (o && (res->has_cpu = true) && parse_cpu(o, &res->cpu, err) < 0)
        return cove_err_path(err, "cpu");
    CJ_TRY(cj_obj(r, "pids", &o, err));
    if (o && (res->has_pids = true) && cj_opt_i64(o, "limit", &res->pids_limit, err) < 0)
        return cove_err_path(err, "pids");
    CJ_TRY(cj_obj(r, "blockIO", &o, err));
    if (o && (res->has_blkio = true) && parse_blkio(o, &res->blkio, err) < 0)
        return cove_err_path(err, "blockIO");
    CJ_TRY(parse_hugepages(r, res, err));
    CJ_TRY(cj_obj(r, "network", &o, err));
    if (o && (res->has_network = true) && parse_network(o, res, err) < 0)
        return cove_err_path(err, "network");
    CJ_TRY(parse_rdma(r, res, err));
    return parse_unified(r, res, err);
}

void config_free_resources(struct cove_resources *r) {
    free(r->devices);
    free(r->cpu.cpus);
    free(r->cpu.mems);
    free(r->blkio.weight_device);
    free(r->blkio.throttle_read_bps);
    free(r->blkio.throttle_write_bps);
    free(r->blkio.throttle_read_iops);
    free(r->blkio.throttle_write_iops);
    for (size_t i = 0; i < r->n_hugepages; i++)
        free(r->hugepages[i].page_size);
    free(r->hugepages);
    for (size_t i = 0; i < r->n_net_priorities; i++)
        free(r->net_priorities[i].name);
    free(r->net_priorities);
    for (size_t i = 0; i < r->n_rdma; i++)
        free(r->rdma[i].device);
    free(r->rdma);
    for (size_t i = 0; i < r->n_unified; i++) {
        free(r->unified[i].key);
        free(r->unified[i].value);
    }
    free(r->unified);
}
