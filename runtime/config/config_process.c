/* runtime/config/config_process.c — the "process" object: user, args, env,
 * capabilities, rlimits, scheduler, I/O priority, CPU affinity. Error
 * messages are relative to "process"; config.c prepends it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "lib/cleanup.h"
#include "runtime/config/config.h"
#include "runtime/config/config_json.h"

static int parse_user(const struct cj_node *u, struct cove_user *user, struct cove_err *err) {
    bool has;
    CJ_TRY(cj_u32(u, "uid", &user->uid, &has, err));
    if (!has)
        return cove_err_set(err, EINVAL, "uid: is required");
    CJ_TRY(cj_u32(u, "gid", &user->gid, &has, err));
    if (!has)
        return cove_err_set(err, EINVAL, "gid: is required");
    int64_t umask_v;
    CJ_TRY(cj_i64_range(u, "umask", 0, 0777, &umask_v, &user->has_umask, err));
    if (user->has_umask)
        user->umask = (mode_t)umask_v;
    const struct cj_node *gids;
    CJ_TRY(cj_arr(u, "additionalGids", &gids, err));
    if (gids) {
        user->additional_gids = cj_calloc(gids->n, sizeof(uint32_t));
        if (!user->additional_gids)
            return cove_err_set(err, ENOMEM, "additionalGids: out of memory");
        user->n_additional_gids = gids->n;
        for (size_t i = 0; i < gids->n; i++)
            if (cj_to_u32(gids->items[i], &user->additional_gids[i], err) < 0)
                return cove_err_prefix(err, "additionalGids[%zu]", i);
    }
    return cj_str(u, "username", &user->username, err);
}

/* One capability set: names -> bit mask. Unknown names are refused (runc
 * only warns) so a typo cannot silently drop a capability the workload
 * needs or keep one the author meant to drop. */
static int parse_cap_set(const struct cj_node *caps, const char *key, uint64_t *mask, struct cove_err *err) {
    const struct cj_node *a;
    CJ_TRY(cj_arr(caps, key, &a, err));
    if (!a)
        return 0;
    for (size_t i = 0; i < a->n; i++) {
        const struct cj_node *v = a->items[i];
        if (v->type != CJ_STRING)
            return cove_err_set(err, EINVAL, "%s[%zu]: must be a string", key, i);
        cap_value_t cap;
        if (strncmp(v->str, "CAP_", 4) != 0 || cap_from_name(v->str, &cap) < 0 || cap < 0 || cap > 63)
            return cove_err_set(err, EINVAL, "%s[%zu]: unknown capability \"%s\"", key, i, v->str);
        *mask |= UINT64_C(1) << cap;
    }
    return 0;
}

static int parse_caps(const struct cj_node *c, struct cove_caps *caps, struct cove_err *err) {
    caps->set = true;
    CJ_TRY(parse_cap_set(c, "bounding", &caps->bounding, err));
    CJ_TRY(parse_cap_set(c, "effective", &caps->effective, err));
    CJ_TRY(parse_cap_set(c, "inheritable", &caps->inheritable, err));
    CJ_TRY(parse_cap_set(c, "permitted", &caps->permitted, err));
    return parse_cap_set(c, "ambient", &caps->ambient, err);
}

static int parse_rlimit(const struct cj_node *v, struct cove_rlimit *rl, uint64_t *seen, struct cove_err *err) {
    _cleanup_free_ char *type = NULL;
    CJ_TRY(cj_str_req(v, "type", &type, err));
    rl->resource = cove_rlimit_from_name(type);
    if (rl->resource < 0)
        return cove_err_set(err, EINVAL, "type: unknown rlimit \"%s\"", type);
    if (*seen & (UINT64_C(1) << rl->resource))
        return cove_err_set(err, EINVAL, "type: duplicate rlimit \"%s\"", type);
    *seen |= UINT64_C(1) << rl->resource;
    bool has;
    CJ_TRY(cj_u64(v, "hard", &rl->hard, &has, err));
    if (!has)
        return cove_err_set(err, EINVAL, "hard: is required");
    CJ_TRY(cj_u64(v, "soft", &rl->soft, &has, err));
    if (!has)
        return cove_err_set(err, EINVAL, "soft: is required");
    if (rl->soft > rl->hard)
        return cove_err_set(err, EINVAL, "soft: %" PRIu64 " exceeds hard limit %" PRIu64, rl->soft, rl->hard);
    return 0;
}

static int parse_rlimits(const struct cj_node *p, struct cove_process *proc, struct cove_err *err) {
    const struct cj_node *a;
    CJ_TRY(cj_arr(p, "rlimits", &a, err));
    if (!a)
        return 0;
    proc->rlimits = cj_calloc(a->n, sizeof(*proc->rlimits));
    if (!proc->rlimits)
        return cove_err_set(err, ENOMEM, "rlimits: out of memory");
    proc->n_rlimits = a->n;
    uint64_t seen = 0;
    for (size_t i = 0; i < a->n; i++) {
        if (a->items[i]->type != CJ_OBJECT)
            return cove_err_set(err, EINVAL, "rlimits[%zu]: must be an object", i);
        if (parse_rlimit(a->items[i], &proc->rlimits[i], &seen, err) < 0)
            return cove_err_path(err, "rlimits[%zu]", i);
    }
    return 0;
}

static int parse_scheduler(const struct cj_node *s, struct cove_scheduler *sch, struct cove_err *err) {
    _cleanup_free_ char *policy = NULL;
    CJ_TRY(cj_str_req(s, "policy", &policy, err));
    sch->policy = config_sched_policy_from_name(policy);
    if (sch->policy < 0)
        return cove_err_set(err, EINVAL, "policy: unknown scheduler policy \"%s\"", policy);
    int64_t x;
    bool has;
    CJ_TRY(cj_i64_range(s, "nice", -20, 19, &x, &has, err));
    if (has)
        sch->nice = (int32_t)x;
    CJ_TRY(cj_i64_range(s, "priority", INT32_MIN, INT32_MAX, &x, &has, err));
    if (has)
        sch->priority = (int32_t)x;
    const struct cj_node *flags;
    CJ_TRY(cj_arr(s, "flags", &flags, err));
    for (size_t i = 0; flags && i < flags->n; i++) {
        const struct cj_node *f = flags->items[i];
        int64_t bit = f->type == CJ_STRING ? config_sched_flag_from_name(f->str) : -1;
        if (f->type != CJ_STRING)
            return cove_err_set(err, EINVAL, "flags[%zu]: must be a string", i);
        if (bit < 0)
            return cove_err_set(err, EINVAL, "flags[%zu]: unknown scheduler flag \"%s\"", i, f->str);
        sch->flags |= (uint64_t)bit;
    }
    CJ_TRY(cj_u64(s, "runtime", &sch->runtime, NULL, err));
    CJ_TRY(cj_u64(s, "deadline", &sch->deadline, NULL, err));
    CJ_TRY(cj_u64(s, "period", &sch->period, NULL, err));
    sch->set = true;
    return 0;
}

static int parse_io_priority(const struct cj_node *o, struct cove_io_priority *io, struct cove_err *err) {
    _cleanup_free_ char *klass = NULL;
    CJ_TRY(cj_str_req(o, "class", &klass, err));
    io->klass = config_ioprio_class_from_name(klass);
    if (io->klass < 0)
        return cove_err_set(err, EINVAL, "class: unknown I/O priority class \"%s\"", klass);
    int64_t prio = 0;
    CJ_TRY(cj_i64_range(o, "priority", 0, 7, &prio, NULL, err));
    io->priority = (int)prio;
    io->set = true;
    return 0;
}

/* A cpu list as in cpuset(7): "0-3,7,9-11". */
static bool cpu_list_valid(const char *s) {
    if (!*s)
        return false;
    while (*s) {
        char *end;
        if (*s < '0' || *s > '9')
            return false;
        unsigned long lo = strtoul(s, &end, 10);
        s = end;
        if (*s == '-') {
            s++;
            if (*s < '0' || *s > '9')
                return false;
            unsigned long hi = strtoul(s, &end, 10);
            if (hi < lo)
                return false;
            s = end;
        }
        if (*s == ',') {
            s++;
            if (!*s)
                return false;
        } else if (*s) {
            return false;
        }
    }
    return true;
}

static int parse_cpu_affinity(const struct cj_node *o, struct cove_exec_cpu_affinity *a, struct cove_err *err) {
    CJ_TRY(cj_str(o, "initial", &a->initial, err));
    CJ_TRY(cj_str(o, "final", &a->final, err));
    if (a->initial && !cpu_list_valid(a->initial))
        return cove_err_set(err, EINVAL, "initial: invalid CPU list \"%s\"", a->initial);
    if (a->final && !cpu_list_valid(a->final))
        return cove_err_set(err, EINVAL, "final: invalid CPU list \"%s\"", a->final);
    return 0;
}

int config_check_env(char **env, size_t n, const char *key, struct cove_err *err) {
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(env[i], '=');
        if (!eq || eq == env[i])
            return cove_err_set(err, EINVAL, "%s[%zu]: must be KEY=value, got \"%s\"", key, i, env[i]);
    }
    return 0;
}

static int parse_console_size(const struct cj_node *p, struct cove_process *proc, struct cove_err *err) {
    const struct cj_node *cs;
    CJ_TRY(cj_obj(p, "consoleSize", &cs, err));
    if (!cs)
        return 0;
    uint32_t h, w;
    bool has_h, has_w;
    if (cj_u32(cs, "height", &h, &has_h, err) < 0 || cj_u32(cs, "width", &w, &has_w, err) < 0)
        return cove_err_path(err, "consoleSize");
    if (!has_h || !has_w)
        return cove_err_set(err, EINVAL, "consoleSize.%s: is required", has_h ? "width" : "height");
    proc->has_console_size = true;
    proc->console_height = h;
    proc->console_width = w;
    return 0;
}

int config_parse_process(const struct cj_node *p, struct cove_process *proc, struct cove_err *err) {
    const struct cj_node *o;

    CJ_TRY(cj_bool(p, "terminal", &proc->terminal, NULL, err));
    CJ_TRY(parse_console_size(p, proc, err));

    /* The spec requires "user" on POSIX; runc runs an absent one as 0:0,
     * and so do we, so minimal hand-written configs keep working. */
    CJ_TRY(cj_obj(p, "user", &o, err));
    if (o && parse_user(o, &proc->user, err) < 0)
        return cove_err_path(err, "user");

    CJ_TRY(cj_strv(p, "args", &proc->args, &proc->n_args, err));
    if (proc->n_args == 0)
        return cove_err_set(err, EINVAL, "args: must be a non-empty array");
    if (cj_get(p, "commandLine"))
        return cove_err_set(err, EINVAL, "commandLine: only supported on Windows");
    CJ_TRY(cj_strv(p, "env", &proc->env, &proc->n_env, err));
    CJ_TRY(config_check_env(proc->env, proc->n_env, "env", err));

    CJ_TRY(cj_str_req(p, "cwd", &proc->cwd, err));
    if (!config_path_is_absolute(proc->cwd))
        return cove_err_set(err, EINVAL, "cwd: must be an absolute path, got \"%s\"", proc->cwd);

    CJ_TRY(cj_obj(p, "capabilities", &o, err));
    if (o && parse_caps(o, &proc->caps, err) < 0)
        return cove_err_path(err, "capabilities");
    CJ_TRY(parse_rlimits(p, proc, err));
    CJ_TRY(cj_bool(p, "noNewPrivileges", &proc->no_new_privileges, NULL, err));
    CJ_TRY(cj_str(p, "apparmorProfile", &proc->apparmor_profile, err));
    int64_t oom;
    CJ_TRY(cj_i64_range(p, "oomScoreAdj", -1000, 1000, &oom, &proc->has_oom_score_adj, err));
    if (proc->has_oom_score_adj)
        proc->oom_score_adj = (int)oom;
    CJ_TRY(cj_str(p, "selinuxLabel", &proc->selinux_label, err));

    CJ_TRY(cj_obj(p, "scheduler", &o, err));
    if (o && parse_scheduler(o, &proc->scheduler, err) < 0)
        return cove_err_path(err, "scheduler");
    CJ_TRY(cj_obj(p, "ioPriority", &o, err));
    if (o && parse_io_priority(o, &proc->io_priority, err) < 0)
        return cove_err_path(err, "ioPriority");
    CJ_TRY(cj_obj(p, "execCPUAffinity", &o, err));
    if (o && parse_cpu_affinity(o, &proc->exec_cpu_affinity, err) < 0)
        return cove_err_path(err, "execCPUAffinity");
    return 0;
}

void config_free_process(struct cove_process *p) {
    free(p->user.additional_gids);
    free(p->user.username);
    strv_free(p->args);
    free(p->command_line);
    strv_free(p->env);
    free(p->cwd);
    free(p->rlimits);
    free(p->apparmor_profile);
    free(p->selinux_label);
    free(p->exec_cpu_affinity.initial);
    free(p->exec_cpu_affinity.final);
}
