/* Unit tests: runtime/seccomp_profile.c — podman-format profile to
 * linux.seccomp for a capability set and an architecture. No root needed. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runtime/seccomp/seccomp.h"
#include "runtime/seccomp/seccomp_profile.h"

/* the file containers-common installs (Debian 12:
 * golang-github-containers-common, installed by scripts/setup; the -dev
 * package has a copy in the Go source tree) */
static const char *const real_profiles[] = {
    "/usr/share/containers/seccomp.json",
    "/usr/share/gocode/src/github.com/containers/common/pkg/seccomp/seccomp.json",
};

static const char *real_profile(void) {
    for (size_t i = 0; i < sizeof(real_profiles) / sizeof(real_profiles[0]); i++)
        if (access(real_profiles[i], R_OK) == 0)
            return real_profiles[i];
    return NULL;
}

static char *default_caps[] = {"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"};

static const struct cove_seccomp_profile_target amd64_default = {
    .caps = default_caps, .n_caps = 4, .arch = "amd64", .kernel = "6.1"};

/* the rules of s that list name, as "ACTION/errno" in order */
static void rules_for(const struct cove_seccomp *s, const char *name, char *buf, size_t len) {
    buf[0] = '\0';
    for (size_t i = 0; i < s->n_syscalls; i++)
        for (size_t k = 0; k < s->syscalls[i].n_names; k++)
            if (!strcmp(s->syscalls[i].names[k], name)) {
                size_t used = strlen(buf);
                snprintf(buf + used, len - used, "%s%d/%u", used ? " " : "", s->syscalls[i].action,
                         s->syscalls[i].has_errno_ret ? s->syscalls[i].errno_ret : 0u);
            }
}

static int resolve(const char *json, const struct cove_seccomp_profile_target *t, struct cove_seccomp *s,
                   struct cove_err *err) {
    return cove_seccomp_profile_resolve(json, strlen(json), t, s, err);
}

Test(seccomp_profile, excludes_caps_drop_a_rule_when_any_cap_is_held) {
    const char *p = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
                    "{\"names\":[\"bpf\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}},"
                    "{\"names\":[\"bpf\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,"
                    "\"excludes\":{\"caps\":[\"CAP_SYS_ADMIN\",\"CAP_BPF\"]}}]}";
    struct cove_seccomp s;
    struct cove_err err = {0};
    char buf[128];
    cr_assert_eq(resolve(p, &amd64_default, &s, &err), 0, "%s", err.msg);
    rules_for(&s, "bpf", buf, sizeof(buf));
    cr_expect_str_eq(buf, "4/1");   /* ERRNO(EPERM) only */
    cove_seccomp_profile_free(&s);

    char *bpf_only[] = {"CAP_BPF"};
    struct cove_seccomp_profile_target t = {.caps = bpf_only, .n_caps = 1, .arch = "amd64"};
    cr_assert_eq(resolve(p, &t, &s, &err), 0, "%s", err.msg);
    rules_for(&s, "bpf", buf, sizeof(buf));
    cr_expect_str_eq(buf, "", "an excluded cap held drops the rule; CAP_SYS_ADMIN missing drops the allow");
    cove_seccomp_profile_free(&s);
}

Test(seccomp_profile, includes_caps_need_all_caps) {
    const char *p = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
                    "{\"names\":[\"x\"],\"action\":\"SCMP_ACT_ALLOW\","
                    "\"includes\":{\"caps\":[\"CAP_KILL\",\"CAP_SYS_TIME\"]}}]}";
    struct cove_seccomp s;
    struct cove_err err = {0};
    cr_assert_eq(resolve(p, &amd64_default, &s, &err), 0, "%s", err.msg);
    cr_expect_eq(s.n_syscalls, 0);
    cove_seccomp_profile_free(&s);
    char *both[] = {"CAP_SYS_TIME", "CAP_KILL"};
    struct cove_seccomp_profile_target t = {.caps = both, .n_caps = 2, .arch = "amd64"};
    cr_assert_eq(resolve(p, &t, &s, &err), 0, "%s", err.msg);
    cr_expect_eq(s.n_syscalls, 1);
    cove_seccomp_profile_free(&s);
}

Test(seccomp_profile, arches_and_min_kernel_select_rules) {
    const char *p = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
                    "{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"arches\":[\"amd64\",\"x32\"]}},"
                    "{\"names\":[\"b\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"arches\":[\"arm64\"]}},"
                    "{\"names\":[\"c\"],\"action\":\"SCMP_ACT_ALLOW\",\"excludes\":{\"arches\":[\"amd64\"]}},"
                    "{\"names\":[\"d\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"minKernel\":\"5.10\"}},"
                    "{\"names\":[\"e\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"minKernel\":\"5.8\"}}]}";
    struct cove_seccomp s;
    struct cove_err err = {0};
    struct cove_seccomp_profile_target t = {.arch = "amd64", .kernel = "5.9.1"};
    cr_assert_eq(resolve(p, &t, &s, &err), 0, "%s", err.msg);
    cr_assert_eq(s.n_syscalls, 2);
    cr_expect_str_eq(s.syscalls[0].names[0], "a");
    cr_expect_str_eq(s.syscalls[1].names[0], "e", "5.9.1 >= 5.8 but < 5.10");
    cove_seccomp_profile_free(&s);
    t.arch = "arm64";
    cr_assert_eq(resolve(p, &t, &s, &err), 0, "%s", err.msg);
    cr_assert_eq(s.n_syscalls, 3);
    cr_expect_str_eq(s.syscalls[0].names[0], "b");
    cr_expect_str_eq(s.syscalls[1].names[0], "c");
    cove_seccomp_profile_free(&s);
}

Test(seccomp_profile, arch_map_gives_native_arch_and_subarches) {
    const char *p = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"archMap\":["
                    "{\"architecture\":\"SCMP_ARCH_X86_64\",\"subArchitectures\":[\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]},"
                    "{\"architecture\":\"SCMP_ARCH_AARCH64\",\"subArchitectures\":[\"SCMP_ARCH_ARM\"]}]}";
    struct cove_seccomp s;
    struct cove_err err = {0};
    cr_assert_eq(resolve(p, &amd64_default, &s, &err), 0, "%s", err.msg);
    cr_assert_eq(s.n_architectures, 3);
    cr_expect_str_eq(s.architectures[0], "SCMP_ARCH_X86_64");
    cr_expect_str_eq(s.architectures[2], "SCMP_ARCH_X32");
    cr_expect_null(s.architectures[3], "NULL-terminated");
    cove_seccomp_profile_free(&s);
    struct cove_seccomp_profile_target arm = {.arch = "arm64"};
    cr_assert_eq(resolve(p, &arm, &s, &err), 0, "%s", err.msg);
    cr_assert_eq(s.n_architectures, 2);
    cr_expect_str_eq(s.architectures[1], "SCMP_ARCH_ARM");
    cove_seccomp_profile_free(&s);
}

Test(seccomp_profile, errno_names_and_single_name_rules) {
    const char *p = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrno\":\"ENOSYS\",\"syscalls\":["
                    "{\"name\":\"x\",\"action\":\"SCMP_ACT_ERRNO\",\"errno\":\"EACCES\",\"args\":null}]}";
    struct cove_seccomp s;
    struct cove_err err = {0};
    cr_assert_eq(resolve(p, &amd64_default, &s, &err), 0, "%s", err.msg);
    cr_expect(s.has_default_errno_ret);
    cr_expect_eq(s.default_errno_ret, ENOSYS);
    cr_assert_eq(s.n_syscalls, 1);
    cr_expect_str_eq(s.syscalls[0].names[0], "x");
    cr_expect_eq(s.syscalls[0].errno_ret, EACCES);
    cr_expect_eq(s.syscalls[0].n_args, 0);
    cove_seccomp_profile_free(&s);
}

Test(seccomp_profile, errors_name_the_profile_path) {
    static const struct {
        const char *json, *want;
    } bad[] = {
        {"[]", "must be a JSON object"},
        {"{}", "defaultAction: is required"},
        {"{\"defaultAction\":\"SCMP_ACT_NOPE\"}", "defaultAction: unknown seccomp action"},
        {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrno\":\"ENOPE\"}", "defaultErrno: unknown errno name"},
        {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_X\"}]}",
         "syscalls[0].action: unknown seccomp action"},
        {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"name\":\"b\",\"names\":[\"a\"],\"action\":\"SCMP_ACT_ALLOW\"}]}",
         "syscalls[0].name: use either"},
        {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ALLOW\","
         "\"includes\":{\"caps\":[1]}}]}",
         "syscalls[0].includes.caps[0]: must be a string"},
        {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ALLOW\","
         "\"args\":[{\"index\":9,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
         "syscalls[0].args[0].index"},
        {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\","
         "\"subArchitectures\":[\"SCMP_ARCH_NOPE\"]}]}",
         "architectures[1]: unknown architecture"},
        {"{\"defaultAction\":\"SCMP_ACT_ERRNO\"} x", "config"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct cove_seccomp s;
        struct cove_err err = {0};
        cr_expect_lt(resolve(bad[i].json, &amd64_default, &s, &err), 0, "%s", bad[i].json);
        cr_expect(strstr(err.msg, bad[i].want) != NULL, "%s: got \"%s\", want \"%s\"", bad[i].json, err.msg,
                  bad[i].want);
        cr_expect_null(s.syscalls, "nothing left allocated after an error");
    }
}

Test(seccomp_profile, real_containers_common_profile) {
    const char *path = real_profile();
    if (!path)
        cr_skip_test("containers-common seccomp.json not installed (run scripts/setup)");
    struct cove_seccomp s;
    struct cove_err err = {0};
    char buf[256];
    cr_assert_eq(cove_seccomp_profile_load(path, &amd64_default, &s, &err), 0, "%s", err.msg);
    cr_expect_eq(s.default_action, COVE_SCMP_ERRNO);
    cr_expect(s.has_default_errno_ret);
    cr_expect_eq(s.default_errno_ret, ENOSYS);
    cr_assert_eq(s.n_architectures, 3);
    cr_expect_str_eq(s.architectures[0], "SCMP_ARCH_X86_64");
    /* without CAP_SYS_ADMIN: only the EPERM rule for bpf/perf_event_open */
    rules_for(&s, "bpf", buf, sizeof(buf));
    cr_expect_str_eq(buf, "4/1");
    rules_for(&s, "perf_event_open", buf, sizeof(buf));
    cr_expect_str_eq(buf, "4/1");
    rules_for(&s, "kexec_load", buf, sizeof(buf));
    cr_expect_str_eq(buf, "4/1");
    rules_for(&s, "read", buf, sizeof(buf));
    cr_expect_str_eq(buf, "6/0");   /* ALLOW */
    /* it compiles, and the cache gives the same program */
    struct cove_seccomp_prog prog;
    cr_assert_eq(cove_seccomp_build(&s, &prog, &err), 0, "%s", err.msg);
    cr_expect_gt(prog.prog.len, 100);
    cove_seccomp_prog_free(&prog);
    cove_seccomp_profile_free(&s);

    char *admin[] = {"CAP_SYS_ADMIN"};
    struct cove_seccomp_profile_target t = {.caps = admin, .n_caps = 1, .arch = "amd64"};
    cr_assert_eq(cove_seccomp_profile_load(path, &t, &s, &err), 0, "%s", err.msg);
    rules_for(&s, "bpf", buf, sizeof(buf));
    cr_expect_str_eq(buf, "6/0", "CAP_SYS_ADMIN: the allow rule, not the EPERM one");
    cove_seccomp_profile_free(&s);
}

Test(seccomp_profile, missing_file_names_the_path) {
    struct cove_seccomp s;
    struct cove_err err = {0};
    cr_expect_eq(cove_seccomp_profile_load("/nonexistent/seccomp.json", NULL, &s, &err), -ENOENT);
    cr_expect(strstr(err.msg, "/nonexistent/seccomp.json") != NULL, "%s", err.msg);
}

Test(seccomp_profile, native_arch_is_known_here) {
    const char *a = cove_seccomp_profile_native_arch();
    cr_assert_not_null(a);
#if defined(__x86_64__)
    cr_expect_str_eq(a, "amd64");
#endif
}
