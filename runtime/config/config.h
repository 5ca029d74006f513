/* runtime/config/config.h — the typed plan of an OCI bundle's config.json
 * (runtime-spec v1.3, Linux). config.c is the only code that reads JSON for
 * the bundle; everything downstream works on these structs.
 *
 * Conventions: arrays are (pointer, n_ count); optional scalars use the
 * cove_opt_* wrappers so "absent" and "zero" differ; strings are NULL when
 * absent. Every struct is owned by struct cove_config and released by
 * cove_config_free(). */
#ifndef COVE_CONFIG_H
#define COVE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/err.h"

/* GNU C predefines `linux` as 1; the spec's field is called linux. */
#undef linux

struct cove_opt_i64 { bool set; int64_t v; };
struct cove_opt_u64 { bool set; uint64_t v; };

struct cove_kv { char *key; char *value; };

/* ---------------------------------------------------------------- process */
struct cove_rlimit { int resource; /* RLIMIT_* */ uint64_t hard, soft; };

struct cove_user {
    uint32_t uid, gid;
    bool has_umask;
    mode_t umask;
    uint32_t *additional_gids; size_t n_additional_gids;
    char *username;
};

/* Capability sets as bit masks (bit n = capability n). */
struct cove_caps {
    bool set;            /* process.capabilities present */
    uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct cove_scheduler {
    bool set;
    int policy;          /* SCHED_* */
    int32_t nice, priority;
    uint64_t flags;      /* SCHED_FLAG_* */
    uint64_t runtime, deadline, period;
};

struct cove_io_priority { bool set; int klass; /* IOPRIO_CLASS_* */ int priority; };

struct cove_exec_cpu_affinity { char *initial; char *final; };

struct cove_process {
    bool terminal;
    bool has_console_size;
    unsigned console_height, console_width;
    struct cove_user user;
    char **args; size_t n_args;     /* args is also NULL-terminated */
    char *command_line;             /* Windows only; parsed, refused */
    char **env; size_t n_env;       /* NULL-terminated too */
    char *cwd;
    struct cove_caps caps;
    struct cove_rlimit *rlimits; size_t n_rlimits;
    bool no_new_privileges;
    char *apparmor_profile;
    bool has_oom_score_adj;
    int oom_score_adj;
    char *selinux_label;
    struct cove_scheduler scheduler;
    struct cove_io_priority io_priority;
    struct cove_exec_cpu_affinity exec_cpu_affinity;
};

/* ---------------------------------------------------------------- mounts */
struct cove_idmap { uint32_t container_id, host_id, size; };

/* Mount options parsed by runtime/config/mountopts.c at config time. */
struct cove_mount_opts {
    unsigned long flags;        /* MS_* to set (MS_BIND, MS_RDONLY, MS_NOSUID...) */
    unsigned long clear;        /* MS_* explicitly cleared (rw, suid, dev, exec...) */
    unsigned long propagation;  /* MS_SHARED|MS_SLAVE|MS_PRIVATE|MS_UNBINDABLE (+MS_REC) or 0 */
    uint64_t attr_set, attr_clr;/* MOUNT_ATTR_* for recursive (r*) options */
    bool rec_attr;              /* some option was a recursive attr (rro, rnosuid...) */
    bool idmap, ridmap;
    bool tmpcopyup;
    char *data;                 /* fs-specific options joined with ',' (NULL if none) */
};

struct cove_mount {
    char *destination;
    char *type;
    char *source;
    char **options; size_t n_options;
    struct cove_idmap *uid_mappings; size_t n_uid_mappings;
    struct cove_idmap *gid_mappings; size_t n_gid_mappings;
    struct cove_mount_opts opts;  /* filled from options */
};

/* ---------------------------------------------------------------- hooks */
struct cove_hook {
    char *path;
    char **args; size_t n_args;   /* NULL-terminated */
    char **env; size_t n_env;     /* NULL-terminated */
    bool has_timeout;
    int timeout;                  /* seconds, > 0 */
};

enum cove_hook_kind {
    COVE_HOOK_PRESTART,
    COVE_HOOK_CREATE_RUNTIME,
    COVE_HOOK_CREATE_CONTAINER,
    COVE_HOOK_START_CONTAINER,
    COVE_HOOK_POSTSTART,
    COVE_HOOK_POSTSTOP,
    COVE_HOOK__MAX,
};

struct cove_hook_list { struct cove_hook *items; size_t n; };

/* ---------------------------------------------------------------- linux */
struct cove_namespace {
    int type;        /* CLONE_NEWPID, CLONE_NEWNET, ... */
    char *path;      /* join instead of create when set */
};

struct cove_device {
    char *path;
    char type;       /* 'c', 'b', 'u', 'p' */
    int64_t major, minor;
    bool has_file_mode; mode_t file_mode;
    bool has_uid; uint32_t uid;
    bool has_gid; uint32_t gid;
};

struct cove_device_rule {
    bool allow;
    char type;       /* 'a', 'c', 'b' ('a' when absent) */
    int64_t major;   /* -1 = wildcard */
    int64_t minor;   /* -1 = wildcard */
    char access[4];  /* subset of "rwm"; "rwm" when absent */
};

struct cove_memory {
    struct cove_opt_i64 limit, reservation, swap, kernel, kernel_tcp;
    struct cove_opt_u64 swappiness;
    bool has_disable_oom_killer; bool disable_oom_killer;
    bool has_use_hierarchy; bool use_hierarchy;
    bool has_check_before_update; bool check_before_update;
};

struct cove_cpu {
    struct cove_opt_u64 shares, period, realtime_period, burst;
    struct cove_opt_i64 quota, realtime_runtime, idle;
    char *cpus, *mems;
};

struct cove_weight_device { int64_t major, minor; struct cove_opt_u64 weight, leaf_weight; };
struct cove_throttle_device { int64_t major, minor; uint64_t rate; };

struct cove_blkio {
    struct cove_opt_u64 weight, leaf_weight;
    struct cove_weight_device *weight_device; size_t n_weight_device;
    struct cove_throttle_device *throttle_read_bps; size_t n_throttle_read_bps;
    struct cove_throttle_device *throttle_write_bps; size_t n_throttle_write_bps;
    struct cove_throttle_device *throttle_read_iops; size_t n_throttle_read_iops;
    struct cove_throttle_device *throttle_write_iops; size_t n_throttle_write_iops;
};

struct cove_hugepage_limit { char *page_size; uint64_t limit; };
struct cove_net_priority { char *name; uint32_t priority; };
struct cove_rdma { char *device; struct cove_opt_u64 hca_handles, hca_objects; };

struct cove_resources {
    bool set;                              /* linux.resources present */
    struct cove_device_rule *devices; size_t n_devices;
    bool has_memory; struct cove_memory memory;
    bool has_cpu; struct cove_cpu cpu;
    bool has_pids; struct cove_opt_i64 pids_limit;
    bool has_blkio; struct cove_blkio blkio;
    struct cove_hugepage_limit *hugepages; size_t n_hugepages;
    bool has_network; struct cove_opt_u64 net_class_id;
    struct cove_net_priority *net_priorities; size_t n_net_priorities;
    struct cove_rdma *rdma; size_t n_rdma;
    struct cove_kv *unified; size_t n_unified;
};

enum cove_seccomp_action {
    COVE_SCMP_KILL, COVE_SCMP_KILL_PROCESS, COVE_SCMP_KILL_THREAD, COVE_SCMP_TRAP,
    COVE_SCMP_ERRNO, COVE_SCMP_TRACE, COVE_SCMP_ALLOW, COVE_SCMP_LOG, COVE_SCMP_NOTIFY,
};

enum cove_seccomp_op {
    COVE_SCMP_OP_NE, COVE_SCMP_OP_LT, COVE_SCMP_OP_LE, COVE_SCMP_OP_EQ,
    COVE_SCMP_OP_GE, COVE_SCMP_OP_GT, COVE_SCMP_OP_MASKED_EQ,
};

struct cove_seccomp_arg { unsigned index; uint64_t value, value_two; enum cove_seccomp_op op; };

struct cove_seccomp_rule {
    char **names; size_t n_names;
    enum cove_seccomp_action action;
    bool has_errno_ret; uint32_t errno_ret;
    struct cove_seccomp_arg *args; size_t n_args;
};

struct cove_seccomp {
    bool set;
    enum cove_seccomp_action default_action;
    bool has_default_errno_ret; uint32_t default_errno_ret;
    char **architectures; size_t n_architectures;   /* "SCMP_ARCH_X86_64" ... */
    char **flags; size_t n_flags;                   /* "SECCOMP_FILTER_FLAG_..." */
    char *listener_path;
    char *listener_metadata;
    struct cove_seccomp_rule *syscalls; size_t n_syscalls;
};

struct cove_time_offset { bool set; int64_t secs; uint32_t nanosecs; };

struct cove_intel_rdt {
    bool set;
    char *clos_id, *l3_cache_schema, *mem_bw_schema;
    char **schemata; size_t n_schemata;
    bool enable_monitoring;
};

struct cove_personality { bool set; unsigned long domain; char **flags; size_t n_flags; };

struct cove_net_device { char *host_name; char *name; /* target name (defaults to host_name) */ };

struct cove_memory_policy {
    bool set;
    int mode;                 /* MPOL_* */
    char *nodes;
    unsigned flags;           /* MPOL_F_* */
};

struct cove_linux {
    struct cove_namespace *namespaces; size_t n_namespaces;
    struct cove_idmap *uid_mappings; size_t n_uid_mappings;
    struct cove_idmap *gid_mappings; size_t n_gid_mappings;
    struct cove_time_offset time_monotonic, time_boottime;
    struct cove_device *devices; size_t n_devices;
    char *cgroups_path;
    struct cove_resources resources;
    struct cove_kv *sysctl; size_t n_sysctl;
    struct cove_seccomp seccomp;
    unsigned long rootfs_propagation;   /* MS_* | MS_REC, 0 = default */
    char **masked_paths; size_t n_masked_paths;
    char **readonly_paths; size_t n_readonly_paths;
    char *mount_label;
    struct cove_intel_rdt intel_rdt;
    struct cove_personality personality;
    struct cove_net_device *net_devices; size_t n_net_devices;
    struct cove_memory_policy memory_policy;
};

/* ---------------------------------------------------------------- root */
struct cove_config {
    char *oci_version;
    char *root_path;          /* as written (may be relative to the bundle) */
    bool root_readonly;
    bool has_process;
    struct cove_process process;
    char *hostname;
    char *domainname;
    struct cove_mount *mounts; size_t n_mounts;
    struct cove_hook_list hooks[COVE_HOOK__MAX];
    struct cove_kv *annotations; size_t n_annotations;
    struct cove_linux linux;
};

/* Parse and validate a whole config document. On success *out owns a
 * complete, validated plan; on failure *out is untouched and err names the
 * JSON path: "process.rlimits[1].type: unknown rlimit \"RLIMIT_FOO\"". */
int cove_config_parse(const char *json, size_t len, struct cove_config **out, struct cove_err *err);

/* Read <bundle>/config.json and parse it. */
int cove_config_load(const char *bundle_dir, struct cove_config **out, struct cove_err *err);

/* Parse one runtime-spec "process" object (`exec --process FILE`) with the
 * same rules as config.json's; errors name "process.<field>". On failure
 * *out is untouched. cove_process_free releases what it filled. */
int cove_config_parse_process(const char *json, size_t len, struct cove_process *out, struct cove_err *err);
void cove_process_free(struct cove_process *p);

void cove_config_free(struct cove_config *c);
static inline void cove_config_freep(struct cove_config **c) { if (*c) cove_config_free(*c); }

/* Parse a bare linux.resources object (what `update --resources` reads, as
 * podman and containerd send it) with the same rules as the bundle's;
 * errors name "resources.<field>". cove_config_free_resources releases what
 * *out owns (also after a failure). (runtime/config/config_update.c) */
int cove_config_parse_resources(const char *json, size_t len, struct cove_resources *out, struct cove_err *err);
void cove_config_free_resources(struct cove_resources *r);

/* Helpers used by config and the runtime. */
const struct cove_namespace *cove_config_find_ns(const struct cove_config *c, int clone_flag);
bool cove_config_has_ns(const struct cove_config *c, int clone_flag);

/* Name tables shared with `cove features` and `cove spec`. */
int cove_rlimit_from_name(const char *name);              /* -1 if unknown */
const char *cove_rlimit_name(int resource);
int cove_namespace_from_name(const char *name);           /* CLONE_NEW*, 0 if unknown */
const char *cove_namespace_name(int clone_flag);
/* "prestart", "createRuntime", ... (the config.json key) */
const char *cove_hook_kind_name(enum cove_hook_kind kind);
/* The spec's seccomp names (config/seccomp_names.c), for validation */
int cove_seccomp_action_from_name(const char *name);   /* enum cove_seccomp_action or -1 */
int cove_seccomp_op_from_name(const char *name);       /* enum cove_seccomp_op or -1 */
bool cove_seccomp_arch_known(const char *name);
bool cove_seccomp_flag_known(const char *name);
/* The namespace that isolates a sysctl (CLONE_NEWNET for net.*, ...), 0:
 * none. */
int cove_sysctl_namespace(const char *key);

#endif
