/* runtime/features.c — see features.h. */
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <yajl/yajl_gen.h>

#include "runtime/features.h"
#include "version.h"

#define GEN_STR(g, s) yajl_gen_string((g), (const unsigned char *)(s), strlen(s))

static void gen_strv(yajl_gen g, const char *key, const char *const *v) {
    GEN_STR(g, key);
    yajl_gen_array_open(g);
    for (; *v; v++)
        GEN_STR(g, *v);
    yajl_gen_array_close(g);
}

static void gen_bool(yajl_gen g, const char *key, bool v) {
    GEN_STR(g, key);
    yajl_gen_bool(g, v);
}

static void gen_enabled(yajl_gen g, const char *key, bool v) {
    GEN_STR(g, key);
    yajl_gen_map_open(g);
    gen_bool(g, "enabled", v);
    yajl_gen_map_close(g);
}

static const char *const hooks[] = {"prestart", "createRuntime", "createContainer", "startContainer",
                                    "poststart", "poststop", NULL};
static const char *const mount_options[] = {
    "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "idmap", "mand", "noatime", "nodev",
    "nodiratime", "noexec", "nomand", "norelatime", "nostrictatime", "nosuid", "nosymfollow", "private",
    "ratime", "rbind", "rdev", "ridmap", "rdiratime", "relatime", "remount", "rexec", "rnoatime", "rnodev", "rnodiratime",
    "rnoexec", "rnorelatime", "rnostrictatime", "rnosuid", "rnosymfollow", "ro", "rprivate", "rrelatime", "rro",
    "rrw", "rshared", "rslave", "rstrictatime", "rsuid", "rsymfollow", "runbindable", "rw", "shared", "slave",
    "strictatime", "suid", "symfollow", "sync", "tmpcopyup", "unbindable", NULL};
static const char *const namespaces[] = {"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts", NULL};
static const char *const actions[] = {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                                      "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE",
                                      "SCMP_ACT_TRAP", NULL};
static const char *const operators[] = {"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE",
                                        "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE", NULL};
static const char *const archs[] = {"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64",
                                    "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64",
                                    "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE",
                                    "SCMP_ARCH_RISCV64", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_X32",
                                    "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", NULL};
static const char *const seccomp_flags[] = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                                            "SECCOMP_FILTER_FLAG_TSYNC", NULL};

static const char *const mpol_modes[] = {"MPOL_BIND", "MPOL_DEFAULT", "MPOL_INTERLEAVE", "MPOL_LOCAL",
                                         "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_WEIGHTED_INTERLEAVE", NULL};
static const char *const mpol_flags[] = {"MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES",
                                         NULL};

static void gen_caps(yajl_gen g) {
    GEN_STR(g, "capabilities");
    yajl_gen_array_open(g);
    int n = cap_max_bits();
    for (int c = 0; c < n; c++) {
        char *name = cap_to_name((cap_value_t)c);
        if (!name)
            continue;
        /* libcap names are lower case without the prefix: "cap_chown" */
        char buf[64];
        size_t k = 0;
        for (const char *p = name; *p && k + 1 < sizeof(buf); p++)
            buf[k++] = (char)((*p >= 'a' && *p <= 'z') ? *p - 32 : *p);
        buf[k] = '\0';
        GEN_STR(g, buf);
        cap_free(name);
    }
    yajl_gen_array_close(g);
}

static void gen_linux(yajl_gen g) {
    GEN_STR(g, "linux");
    yajl_gen_map_open(g);
    gen_strv(g, "namespaces", namespaces);
    gen_caps(g);
    GEN_STR(g, "cgroup");
    yajl_gen_map_open(g);
    gen_bool(g, "v1", true);
    gen_bool(g, "v2", true);
    gen_bool(g, "systemd", true);   /* --systemd-cgroup (cgroups/systemd.h) */
    gen_bool(g, "systemdUser", true); /* rootless: the user's own instance (docs/rootless.md) */
    gen_bool(g, "rdma", true);
    yajl_gen_map_close(g);
    GEN_STR(g, "seccomp");
    yajl_gen_map_open(g);
    gen_bool(g, "enabled", true);
    gen_strv(g, "actions", actions);
    gen_strv(g, "operators", operators);
    gen_strv(g, "archs", archs);
    gen_strv(g, "knownFlags", seccomp_flags);
    gen_strv(g, "supportedFlags", seccomp_flags);
    yajl_gen_map_close(g);
    /* apparmor/selinux: cove applies the labels when the LSM is active on
     * the host and refuses them with a clear error otherwise */
    gen_enabled(g, "apparmor", true);
    gen_enabled(g, "selinux", true);
    GEN_STR(g, "intelRdt");
    yajl_gen_map_open(g);
    gen_bool(g, "enabled", true);
    gen_bool(g, "schemata", true);
    gen_bool(g, "enableMonitoring", true);
    yajl_gen_map_close(g);
    GEN_STR(g, "memoryPolicy");
    yajl_gen_map_open(g);
    gen_strv(g, "modes", mpol_modes);
    gen_strv(g, "flags", mpol_flags);
    yajl_gen_map_close(g);
    GEN_STR(g, "mountExtensions");
    yajl_gen_map_open(g);
    gen_enabled(g, "idmap", true);
    yajl_gen_map_close(g);
    gen_enabled(g, "netDevices", true);
    yajl_gen_map_close(g);
}

int cove_features_json(char **json, struct cove_err *err) {
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        return cove_err_set(err, ENOMEM, "out of memory");
    yajl_gen_config(g, yajl_gen_beautify, 1);
    yajl_gen_config(g, yajl_gen_indent_string, "    ");
    yajl_gen_map_open(g);
    GEN_STR(g, "ociVersionMin");
    GEN_STR(g, "1.0.0");
    GEN_STR(g, "ociVersionMax");
    GEN_STR(g, COVE_SPEC_VERSION);
    gen_strv(g, "hooks", hooks);
    gen_strv(g, "mountOptions", mount_options);
    gen_linux(g);
    GEN_STR(g, "annotations");
    yajl_gen_map_open(g);
    GEN_STR(g, "io.github.cove.version");
    GEN_STR(g, COVE_VERSION);
    GEN_STR(g, "io.github.seccomp.libseccomp.version");
    const struct scmp_version *v = seccomp_version();
    char buf[32];
    snprintf(buf, sizeof(buf), "%u.%u.%u", v->major, v->minor, v->micro);
    GEN_STR(g, buf);
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
    const unsigned char *out;
    size_t len;
    yajl_gen_get_buf(g, &out, &len);
    int r = 0;
    if (!(*json = strndup((const char *)out, len)))
        r = cove_err_set(err, ENOMEM, "out of memory");
    yajl_gen_free(g);
    return r;
}
