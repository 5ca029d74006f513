/* runtime/seccomp_profile.c — containers.conf-style seccomp profile to
 * linux.seccomp for one capability set and architecture (see the header).
 *
 * The profile is read with the config's strict JSON reader (config_json.h:
 * UTF-8, NUL, duplicate key and depth checks, error paths), because a
 * profile is configuration input like config.json; that header is
 * otherwise private to runtime/config*.c.
 *
 * Semantics follow containers/common pkg/seccomp (what podman writes into
 * config.json), written from its documentation and behaviour:
 *   - a rule is dropped when the target's architecture is in
 *     excludes.arches, or ANY cap of excludes.caps is held;
 *   - it is kept only when includes.arches is empty or holds the target's
 *     architecture, ALL caps of includes.caps are held, and the kernel is
 *     at least includes.minKernel;
 *   - archMap: the entry whose "architecture" is the target's (as an
 *     SCMP_ARCH_* name) gives architectures = it + its subArchitectures;
 *     without archMap, "architectures" is taken as it is;
 *   - a rule has "names" or "name" (not both); errnoRet, else "errno" by
 *     name (EPERM...), and the same for defaultErrnoRet/defaultErrno.
 * Everything the profile names (actions, operators, architectures, flags)
 * is validated as linux.seccomp is; unknown syscall names are left to
 * cove_seccomp_build, which skips them as runc does. */
#include "runtime/seccomp/seccomp_profile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "lib/cleanup.h"
#include "runtime/config/config_json.h"
#include "runtime/seccomp/seccomp.h"
#include "lib/fileio.h"

#define PROFILE_MAX_SIZE (4u << 20)

/* uname machine -> libseccomp(-golang) architecture name, and the
 * SCMP_ARCH_* name archMap uses for it. */
static const struct {
    const char *machine, *arch, *scmp;
} arch_table[] = {
    {"x86_64", "amd64", "SCMP_ARCH_X86_64"},
    {"i686", "x86", "SCMP_ARCH_X86"},
    {"i386", "x86", "SCMP_ARCH_X86"},
    {"aarch64", "arm64", "SCMP_ARCH_AARCH64"},
    {"armv7l", "arm", "SCMP_ARCH_ARM"},
    {"armv8l", "arm", "SCMP_ARCH_ARM"},
    {"ppc64le", "ppc64le", "SCMP_ARCH_PPC64LE"},
    {"ppc64", "ppc64", "SCMP_ARCH_PPC64"},
    {"s390x", "s390x", "SCMP_ARCH_S390X"},
    {"riscv64", "riscv64", "SCMP_ARCH_RISCV64"},
    {"mips64", "mips64", "SCMP_ARCH_MIPS64"},
    {"loongarch64", "loong64", "SCMP_ARCH_LOONGARCH64"},
};

const char *cove_seccomp_profile_native_arch(void) {
    struct utsname u;
    if (uname(&u) < 0)
        return NULL;
    for (size_t i = 0; i < sizeof(arch_table) / sizeof(arch_table[0]); i++)
        if (!strcmp(u.machine, arch_table[i].machine))
            return arch_table[i].arch;
    return NULL;
}

static const char *scmp_arch_of(const char *arch) {
    for (size_t i = 0; arch && i < sizeof(arch_table) / sizeof(arch_table[0]); i++)
        if (!strcmp(arch, arch_table[i].arch))
            return arch_table[i].scmp;
    return NULL;
}

void cove_seccomp_profile_free(struct cove_seccomp *s) {
    if (!s)
        return;
    config_free_seccomp(s);
    memset(s, 0, sizeof(*s));
}

/* ---------------------------------------------------------------- helpers */

static bool strv_has(char *const *v, size_t n, const char *s) {
    for (size_t i = 0; i < n; i++)
        if (v[i] && !strcmp(v[i], s))
            return true;
    return false;
}

/* "EPERM" -> 1; 0 if unknown. glibc knows every name it can print. */
static uint32_t errno_from_name(const char *name) {
    for (int e = 1; e < 4096; e++) {
        const char *n = strerrorname_np(e);
        if (n && !strcmp(n, name))
            return (uint32_t)e;
    }
    return 0;
}

/* errnoRet (number) or errno (name) under the given keys. */
static int get_errno(const struct cj_node *obj, const char *num_key, const char *name_key, uint32_t *out, bool *has,
                     struct cove_err *err) {
    CJ_TRY(cj_u32(obj, num_key, out, has, err));
    _cleanup_free_ char *name = NULL;
    CJ_TRY(cj_str(obj, name_key, &name, err));
    if (!name || !*name)
        return 0;
    uint32_t e = errno_from_name(name);
    if (!e)
        return cove_err_set(err, EINVAL, "%s: unknown errno name \"%s\"", name_key, name);
    if (*has && *out != e)
        return cove_err_set(err, EINVAL, "%s: \"%s\" contradicts %s %u", name_key, name, num_key, *out);
    *out = e;
    *has = true;
    return 0;
}

/* "5.8" >= "5.10"? Numeric per component; missing components are 0. */
static bool kernel_at_least(const char *have, const char *want) {
    while (*want) {
        char *he, *we;
        unsigned long h = strtoul(have, &he, 10), w = strtoul(want, &we, 10);
        if (h != w)
            return h > w;
        have = *he == '.' ? he + 1 : he;
        want = *we == '.' ? we + 1 : we;
        if (we == want && *want && *want != '.')
            break; /* not a number: compare no further */
    }
    return true;
}

/* ---------------------------------------------------------------- rules */

/* Does the includes/excludes of rule v select it for target? */
static int rule_selected(const struct cj_node *v, const struct cove_seccomp_profile_target *t, const char *arch,
                         const char *kernel, bool *keep, struct cove_err *err) {
    const struct cj_node *inc, *exc;
    _cleanup_strv_ char **ia = NULL, **ic = NULL, **ea = NULL, **ec = NULL;
    size_t nia = 0, nic = 0, nea = 0, nec = 0;
    _cleanup_free_ char *min_kernel = NULL;
    CJ_TRY(cj_obj(v, "includes", &inc, err));
    CJ_TRY(cj_obj(v, "excludes", &exc, err));
    if (inc && (cj_strv(inc, "arches", &ia, &nia, err) < 0 || cj_strv(inc, "caps", &ic, &nic, err) < 0 ||
                cj_str(inc, "minKernel", &min_kernel, err) < 0))
        return cove_err_path(err, "includes");
    if (exc && (cj_strv(exc, "arches", &ea, &nea, err) < 0 || cj_strv(exc, "caps", &ec, &nec, err) < 0))
        return cove_err_path(err, "excludes");

    *keep = false;
    if (arch && strv_has(ea, nea, arch))
        return 0;
    for (size_t i = 0; i < nec; i++)
        if (strv_has(t->caps, t->n_caps, ec[i]))
            return 0;
    if (nia && (!arch || !strv_has(ia, nia, arch)))
        return 0;
    for (size_t i = 0; i < nic; i++)
        if (!strv_has(t->caps, t->n_caps, ic[i]))
            return 0;
    if (min_kernel && *min_kernel && kernel && !kernel_at_least(kernel, min_kernel))
        return 0;
    *keep = true;
    return 0;
}

static int parse_args(const struct cj_node *v, struct cove_seccomp_rule *r, struct cove_err *err) {
    const struct cj_node *args;
    CJ_TRY(cj_arr(v, "args", &args, err));
    if (!args || args->n == 0)
        return 0;
    if (!(r->args = cj_calloc(args->n, sizeof(*r->args))))
        return cove_err_set(err, ENOMEM, "args: out of memory");
    r->n_args = args->n;
    for (size_t i = 0; i < args->n; i++) {
        if (args->items[i]->type != CJ_OBJECT)
            return cove_err_set(err, EINVAL, "args[%zu]: must be an object", i);
        CJ_TRY(config_parse_seccomp_arg(args->items[i], i, false, &r->args[i], err));
    }
    return 0;
}

static int parse_rule(const struct cj_node *v, struct cove_seccomp_rule *r, struct cove_err *err) {
    _cleanup_free_ char *name = NULL, *action = NULL;
    CJ_TRY(cj_strv(v, "names", &r->names, &r->n_names, err));
    CJ_TRY(cj_str(v, "name", &name, err));
    if (name && *name) {
        if (r->n_names)
            return cove_err_set(err, EINVAL, "name: use either \"name\" or \"names\", not both");
        strv_free(r->names);
        if (!(r->names = calloc(2, sizeof(char *))))
            return cove_err_set(err, ENOMEM, "out of memory");
        r->names[0] = TAKE_PTR(name);
        r->n_names = 1;
    }
    if (r->n_names == 0)
        return cove_err_set(err, EINVAL, "names: must be a non-empty array");
    CJ_TRY(cj_str_req(v, "action", &action, err));
    int a = cove_seccomp_action_from_name(action);
    if (a < 0)
        return cove_err_set(err, EINVAL, "action: unknown seccomp action \"%s\"", action);
    r->action = (enum cove_seccomp_action)a;
    CJ_TRY(get_errno(v, "errnoRet", "errno", &r->errno_ret, &r->has_errno_ret, err));
    return parse_args(v, r, err);
}

/* ---------------------------------------------------------------- top */

static int resolve_arches(const struct cj_node *doc, const char *arch, struct cove_seccomp *out, struct cove_err *err) {
    const struct cj_node *map;
    CJ_TRY(cj_arr(doc, "archMap", &map, err));
    if (!map || map->n == 0) {
        CJ_TRY(cj_strv(doc, "architectures", &out->architectures, &out->n_architectures, err));
    } else {
        const char *scmp = scmp_arch_of(arch);
        for (size_t i = 0; i < map->n; i++) {
            const struct cj_node *e = map->items[i];
            _cleanup_free_ char *a = NULL;
            _cleanup_strv_ char **subs = NULL;
            size_t n = 0;
            if (e->type != CJ_OBJECT)
                return cove_err_set(err, EINVAL, "archMap[%zu]: must be an object", i);
            if (cj_str_req(e, "architecture", &a, err) < 0 || cj_strv(e, "subArchitectures", &subs, &n, err) < 0)
                return cove_err_path(err, "archMap[%zu]", i);
            if (!scmp || strcmp(a, scmp) != 0)
                continue;
            char **v = calloc(n + 2, sizeof(char *));
            if (!v)
                return cove_err_set(err, ENOMEM, "out of memory");
            v[0] = TAKE_PTR(a);
            for (size_t k = 0; k < n; k++)
                v[k + 1] = TAKE_PTR(subs[k]);
            out->architectures = v;
            out->n_architectures = n + 1;
            break;
        }
    }
    for (size_t i = 0; i < out->n_architectures; i++)
        if (!cove_seccomp_arch_known(out->architectures[i]))
            return cove_err_set(err, EINVAL, "architectures[%zu]: unknown architecture \"%s\"", i,
                                out->architectures[i]);
    return 0;
}

static int resolve_doc(const struct cj_node *doc, const struct cove_seccomp_profile_target *t,
                       struct cove_seccomp *out, struct cove_err *err) {
    if (doc->type != CJ_OBJECT)
        return cove_err_set(err, EINVAL, "seccomp profile: must be a JSON object, got %s", cj_type_name(doc));
    const char *arch = t->arch ? t->arch : cove_seccomp_profile_native_arch();
    const char *kernel = t->kernel;
    struct utsname u;
    if (!kernel && uname(&u) == 0)
        kernel = u.release;

    out->set = true;
    _cleanup_free_ char *def = NULL;
    CJ_TRY(cj_str_req(doc, "defaultAction", &def, err));
    int a = cove_seccomp_action_from_name(def);
    if (a < 0 || a == COVE_SCMP_NOTIFY)
        return cove_err_set(err, EINVAL, "defaultAction: %s seccomp action \"%s\"", a < 0 ? "unknown" : "unusable",
                            def);
    out->default_action = (enum cove_seccomp_action)a;
    CJ_TRY(get_errno(doc, "defaultErrnoRet", "defaultErrno", &out->default_errno_ret, &out->has_default_errno_ret,
                     err));
    CJ_TRY(resolve_arches(doc, arch, out, err));
    CJ_TRY(cj_strv(doc, "flags", &out->flags, &out->n_flags, err));
    for (size_t i = 0; i < out->n_flags; i++)
        if (!cove_seccomp_flag_known(out->flags[i]))
            return cove_err_set(err, EINVAL, "flags[%zu]: unknown seccomp flag \"%s\"", i, out->flags[i]);
    CJ_TRY(cj_str(doc, "listenerPath", &out->listener_path, err));
    CJ_TRY(cj_str(doc, "listenerMetadata", &out->listener_metadata, err));

    const struct cj_node *rules;
    CJ_TRY(cj_arr(doc, "syscalls", &rules, err));
    if (!rules)
        return 0;
    if (!(out->syscalls = cj_calloc(rules->n, sizeof(*out->syscalls))))
        return cove_err_set(err, ENOMEM, "syscalls: out of memory");
    for (size_t i = 0; i < rules->n; i++) {
        const struct cj_node *v = rules->items[i];
        bool keep = false;
        if (v->type != CJ_OBJECT)
            return cove_err_set(err, EINVAL, "syscalls[%zu]: must be an object", i);
        if (rule_selected(v, t, arch, kernel, &keep, err) < 0)
            return cove_err_path(err, "syscalls[%zu]", i);
        if (!keep)
            continue;
        /* counted before parsing: a half-parsed rule is freed with the rest */
        struct cove_seccomp_rule *r = &out->syscalls[out->n_syscalls++];
        if (parse_rule(v, r, err) < 0)
            return cove_err_path(err, "syscalls[%zu]", i);
        if (r->action == COVE_SCMP_NOTIFY && !out->listener_path)
            return cove_err_set(err, EINVAL, "syscalls[%zu].action: SCMP_ACT_NOTIFY requires listenerPath", i);
    }
    return 0;
}

int cove_seccomp_profile_resolve(const char *json, size_t len, const struct cove_seccomp_profile_target *target,
                                 struct cove_seccomp *out, struct cove_err *err) {
    static const struct cove_seccomp_profile_target none = {0};
    memset(out, 0, sizeof(*out));
    _cleanup_(cj_freep) struct cj_node *doc = NULL;
    int r = cj_parse(json, len, &doc, err);
    if (r < 0)
        return r;
    r = resolve_doc(doc, target ? target : &none, out, err);
    if (r < 0)
        cove_seccomp_profile_free(out);
    return r;
}

int cove_seccomp_profile_load(const char *path, const struct cove_seccomp_profile_target *target,
                              struct cove_seccomp *out, struct cove_err *err) {
    _cleanup_free_ char *json = NULL;
    size_t len = 0;
    memset(out, 0, sizeof(*out));
    int r = cove_read_file(AT_FDCWD, path, PROFILE_MAX_SIZE, &json, &len, err);
    if (r < 0)
        return r;
    r = cove_seccomp_profile_resolve(json, len, target, out, err);
    if (r < 0)
        return cove_err_prefix(err, "%s", path);
    return 0;
}
