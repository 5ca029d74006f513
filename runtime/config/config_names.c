/* runtime/config/config_names.c — name <-> value tables for the config: rlimits,
 * namespaces (public, shared with `cove features` / `cove spec`) and the
 * scheduler, I/O priority, memory policy and personality enums (private). */
#include <sched.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <linux/ioprio.h>
#include <linux/mempolicy.h>
#include <linux/sched.h>

#include "lib/cleanup.h"
#include "runtime/config/config.h"
#include "runtime/config/config_json.h"

/* Newer than some installed headers: the values are kernel ABI. */
#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif
#define COVE_SCHED_ISO 4   /* reserved by the kernel, never defined by glibc */
#define COVE_MPOL_WEIGHTED_INTERLEAVE 6   /* Linux 6.9 */
#ifndef MPOL_F_NUMA_BALANCING
#define MPOL_F_NUMA_BALANCING (1 << 13)
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

struct name_value { const char *name; long long value; };

static long long lookup(const struct name_value *t, size_t n, const char *name, long long unknown) {
    if (!name)
        return unknown;
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].name, name) == 0)
            return t[i].value;
    return unknown;
}

static const char *reverse(const struct name_value *t, size_t n, long long value) {
    for (size_t i = 0; i < n; i++)
        if (t[i].value == value)
            return t[i].name;
    return NULL;
}

static const struct name_value rlimits[] = {
    { "RLIMIT_AS", RLIMIT_AS },           { "RLIMIT_CORE", RLIMIT_CORE },
    { "RLIMIT_CPU", RLIMIT_CPU },         { "RLIMIT_DATA", RLIMIT_DATA },
    { "RLIMIT_FSIZE", RLIMIT_FSIZE },     { "RLIMIT_LOCKS", RLIMIT_LOCKS },
    { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
    { "RLIMIT_NICE", RLIMIT_NICE },       { "RLIMIT_NOFILE", RLIMIT_NOFILE },
    { "RLIMIT_NPROC", RLIMIT_NPROC },     { "RLIMIT_RSS", RLIMIT_RSS },
    { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },   { "RLIMIT_RTTIME", RLIMIT_RTTIME },
    { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING }, { "RLIMIT_STACK", RLIMIT_STACK },
};

int cove_rlimit_from_name(const char *name) {
    return (int)lookup(rlimits, ARRAY_SIZE(rlimits), name, -1);
}

const char *cove_rlimit_name(int resource) {
    return reverse(rlimits, ARRAY_SIZE(rlimits), resource);
}

static const struct name_value namespaces[] = {
    { "pid", CLONE_NEWPID },   { "network", CLONE_NEWNET }, { "mount", CLONE_NEWNS },
    { "ipc", CLONE_NEWIPC },   { "uts", CLONE_NEWUTS },     { "user", CLONE_NEWUSER },
    { "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
};

int cove_namespace_from_name(const char *name) {
    return (int)lookup(namespaces, ARRAY_SIZE(namespaces), name, 0);
}

const char *cove_namespace_name(int clone_flag) {
    return reverse(namespaces, ARRAY_SIZE(namespaces), clone_flag);
}

static const struct name_value sched_policies[] = {
    { "SCHED_OTHER", SCHED_OTHER }, { "SCHED_FIFO", SCHED_FIFO }, { "SCHED_RR", SCHED_RR },
    { "SCHED_BATCH", SCHED_BATCH }, { "SCHED_ISO", COVE_SCHED_ISO }, { "SCHED_IDLE", SCHED_IDLE },
    { "SCHED_DEADLINE", SCHED_DEADLINE },
};

int config_sched_policy_from_name(const char *name) {
    return (int)lookup(sched_policies, ARRAY_SIZE(sched_policies), name, -1);
}

static const struct name_value sched_flags[] = {
    { "SCHED_FLAG_RESET_ON_FORK", SCHED_FLAG_RESET_ON_FORK },
    { "SCHED_FLAG_RECLAIM", SCHED_FLAG_RECLAIM },
    { "SCHED_FLAG_DL_OVERRUN", SCHED_FLAG_DL_OVERRUN },
    { "SCHED_FLAG_KEEP_POLICY", SCHED_FLAG_KEEP_POLICY },
    { "SCHED_FLAG_KEEP_PARAMS", SCHED_FLAG_KEEP_PARAMS },
    { "SCHED_FLAG_UTIL_CLAMP_MIN", SCHED_FLAG_UTIL_CLAMP_MIN },
    { "SCHED_FLAG_UTIL_CLAMP_MAX", SCHED_FLAG_UTIL_CLAMP_MAX },
};

int64_t config_sched_flag_from_name(const char *name) {
    return lookup(sched_flags, ARRAY_SIZE(sched_flags), name, -1);
}

static const struct name_value ioprio_classes[] = {
    { "IOPRIO_CLASS_RT", IOPRIO_CLASS_RT }, { "IOPRIO_CLASS_BE", IOPRIO_CLASS_BE },
    { "IOPRIO_CLASS_IDLE", IOPRIO_CLASS_IDLE },
};

int config_ioprio_class_from_name(const char *name) {
    return (int)lookup(ioprio_classes, ARRAY_SIZE(ioprio_classes), name, -1);
}

static const struct name_value mpol_modes[] = {
    { "MPOL_DEFAULT", MPOL_DEFAULT }, { "MPOL_BIND", MPOL_BIND },
    { "MPOL_INTERLEAVE", MPOL_INTERLEAVE },
    { "MPOL_WEIGHTED_INTERLEAVE", COVE_MPOL_WEIGHTED_INTERLEAVE },
    { "MPOL_PREFERRED", MPOL_PREFERRED }, { "MPOL_PREFERRED_MANY", MPOL_PREFERRED_MANY },
    { "MPOL_LOCAL", MPOL_LOCAL },
};

int config_mpol_mode_from_name(const char *name) {
    return (int)lookup(mpol_modes, ARRAY_SIZE(mpol_modes), name, -1);
}

static const struct name_value mpol_flags[] = {
    { "MPOL_F_NUMA_BALANCING", MPOL_F_NUMA_BALANCING },
    { "MPOL_F_RELATIVE_NODES", MPOL_F_RELATIVE_NODES },
    { "MPOL_F_STATIC_NODES", MPOL_F_STATIC_NODES },
};

int config_mpol_flag_from_name(const char *name) {
    return (int)lookup(mpol_flags, ARRAY_SIZE(mpol_flags), name, -1);
}

static const struct name_value personality_domains[] = {
    { "LINUX", PER_LINUX }, { "LINUX32", PER_LINUX32 },
};

int64_t config_personality_domain_from_name(const char *name) {
    return lookup(personality_domains, ARRAY_SIZE(personality_domains), name, -1);
}

/* the config.json key of each hook kind */
const char *cove_hook_kind_name(enum cove_hook_kind kind) {
    static const char *const names[COVE_HOOK__MAX] = {
        [COVE_HOOK_PRESTART] = "prestart",
        [COVE_HOOK_CREATE_RUNTIME] = "createRuntime",
        [COVE_HOOK_CREATE_CONTAINER] = "createContainer",
        [COVE_HOOK_START_CONTAINER] = "startContainer",
        [COVE_HOOK_POSTSTART] = "poststart",
        [COVE_HOOK_POSTSTOP] = "poststop",
    };
    return (unsigned)kind < COVE_HOOK__MAX ? names[kind] : "unknown";
}
