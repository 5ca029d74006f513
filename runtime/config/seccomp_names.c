/* runtime/config/seccomp_names.c — the spec's seccomp action, operator,
 * architecture and flag names, so config validation can refuse a typo
 * before anything is created. runtime/seccomp.c maps them to libseccomp. */
#include <string.h>

#include "lib/cleanup.h"
#include "runtime/config/config.h"

struct scmp_name { const char *name; int value; };

static const struct scmp_name actions[] = {
    { "SCMP_ACT_KILL", COVE_SCMP_KILL },
    { "SCMP_ACT_KILL_PROCESS", COVE_SCMP_KILL_PROCESS },
    { "SCMP_ACT_KILL_THREAD", COVE_SCMP_KILL_THREAD },
    { "SCMP_ACT_TRAP", COVE_SCMP_TRAP },
    { "SCMP_ACT_ERRNO", COVE_SCMP_ERRNO },
    { "SCMP_ACT_TRACE", COVE_SCMP_TRACE },
    { "SCMP_ACT_ALLOW", COVE_SCMP_ALLOW },
    { "SCMP_ACT_LOG", COVE_SCMP_LOG },
    { "SCMP_ACT_NOTIFY", COVE_SCMP_NOTIFY },
};

static const struct scmp_name ops[] = {
    { "SCMP_CMP_NE", COVE_SCMP_OP_NE }, { "SCMP_CMP_LT", COVE_SCMP_OP_LT },
    { "SCMP_CMP_LE", COVE_SCMP_OP_LE }, { "SCMP_CMP_EQ", COVE_SCMP_OP_EQ },
    { "SCMP_CMP_GE", COVE_SCMP_OP_GE }, { "SCMP_CMP_GT", COVE_SCMP_OP_GT },
    { "SCMP_CMP_MASKED_EQ", COVE_SCMP_OP_MASKED_EQ },
};

/* The architectures listed by runtime-spec config-linux.md. */
static const char *const archs[] = {
    "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",
    "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
};

static const char *const flags[] = {
    "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

static int find(const struct scmp_name *t, size_t n, const char *name) {
    if (!name)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].name, name) == 0)
            return t[i].value;
    return -1;
}

static bool listed(const char *const *t, size_t n, const char *name) {
    if (!name)
        return false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i], name) == 0)
            return true;
    return false;
}

int cove_seccomp_action_from_name(const char *name) { return find(actions, ARRAY_SIZE(actions), name); }
int cove_seccomp_op_from_name(const char *name) { return find(ops, ARRAY_SIZE(ops), name); }
bool cove_seccomp_arch_known(const char *name) { return listed(archs, ARRAY_SIZE(archs), name); }
bool cove_seccomp_flag_known(const char *name) { return listed(flags, ARRAY_SIZE(flags), name); }
