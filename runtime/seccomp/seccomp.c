/* runtime/seccomp.c — linux.seccomp (typed by config.c) to a classic BPF
 * program, with libseccomp as the compiler.
 *
 * The program is compiled in the parent before clone (compiling a large
 * profile costs milliseconds; the child should only install it) and
 * exported as raw BPF. The child installs it with seccomp(2) itself rather
 * than seccomp_load(), so libseccomp's load-time attributes (NNP, TSYNC,
 * LOG, SSB) are irrelevant here: the SECCOMP_FILTER_FLAG_* bits are
 * computed into cove_seccomp_prog.flags instead, which also lets us pass
 * flags this libseccomp version does not know (WAIT_KILLABLE_RECV).
 *
 * Semantics follow runc, since cove is a drop-in for it:
 *  - syscall names unknown to libseccomp are skipped silently (profiles list
 *    syscalls newer than the library);
 *  - rules whose action equals the default action are skipped (libseccomp
 *    refuses them, and they are no-ops anyway);
 *  - a rule's args are ANDed, except when two args name the same index:
 *    then every arg becomes its own rule (ORed), runc's "old behaviour";
 *  - a syscall newer than every syscall the profile names gets ENOSYS, not
 *    the default action, so that libc falls back to an older call (a
 *    profile from before openat2 or clone3 denies them with EPERM, which
 *    libc takes as final): a stub in front of libseccomp's program returns
 *    ENOSYS for nr > the highest number the profile names on that arch.
 *    Explicit rules always win, since they are at or below that number.
 */
#include "runtime/seccomp/seccomp.h"

#include <ctype.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"

#define SECCOMP_MAX_ARGS 6

static void scmp_ctx_releasep(scmp_filter_ctx *ctx) {
    if (*ctx)
        seccomp_release(*ctx);
}
#define _cleanup_scmp_ _cleanup_(scmp_ctx_releasep)

/* errnoRet is 16 bits in the BPF return value; runc defaults it to EPERM
 * for both ERRNO and TRACE. */
static int seccomp_action_value(enum cove_seccomp_action a, bool has_ret, uint32_t ret, uint32_t *out) {
    uint32_t e = has_ret ? ret : EPERM;
    switch (a) {
    case COVE_SCMP_KILL:
    case COVE_SCMP_KILL_THREAD:  *out = SCMP_ACT_KILL_THREAD; return 0;
    case COVE_SCMP_KILL_PROCESS: *out = SCMP_ACT_KILL_PROCESS; return 0;
    case COVE_SCMP_TRAP:         *out = SCMP_ACT_TRAP; return 0;
    case COVE_SCMP_ERRNO:        *out = SCMP_ACT_ERRNO(e); break;
    case COVE_SCMP_TRACE:        *out = SCMP_ACT_TRACE(e); break;
    case COVE_SCMP_ALLOW:        *out = SCMP_ACT_ALLOW; return 0;
    case COVE_SCMP_LOG:          *out = SCMP_ACT_LOG; return 0;
    case COVE_SCMP_NOTIFY:       *out = SCMP_ACT_NOTIFY; return 0;
    default:                     return -EINVAL;
    }
    if (e > 0xffff)
        return -ERANGE;
    return 0;
}

static int seccomp_op_value(enum cove_seccomp_op op, enum scmp_compare *out) {
    switch (op) {
    case COVE_SCMP_OP_NE:        *out = SCMP_CMP_NE; return 0;
    case COVE_SCMP_OP_LT:        *out = SCMP_CMP_LT; return 0;
    case COVE_SCMP_OP_LE:        *out = SCMP_CMP_LE; return 0;
    case COVE_SCMP_OP_EQ:        *out = SCMP_CMP_EQ; return 0;
    case COVE_SCMP_OP_GE:        *out = SCMP_CMP_GE; return 0;
    case COVE_SCMP_OP_GT:        *out = SCMP_CMP_GT; return 0;
    case COVE_SCMP_OP_MASKED_EQ: *out = SCMP_CMP_MASKED_EQ; return 0;
    default:                     return -EINVAL;
    }
}

static const struct { const char *name; unsigned bit; } seccomp_flag_table[] = {
    { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
    { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
    { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
    { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
};

static int seccomp_flags_compute(const struct cove_seccomp *s, bool notify, unsigned *out, struct cove_err *err) {
    unsigned flags = 0;
    for (size_t i = 0; i < s->n_flags; i++) {
        size_t k;
        for (k = 0; k < ARRAY_SIZE(seccomp_flag_table); k++)
            if (strcmp(s->flags[i], seccomp_flag_table[k].name) == 0)
                break;
        if (k == ARRAY_SIZE(seccomp_flag_table))
            return cove_err_set(err, EINVAL, "linux.seccomp.flags[%zu]: unknown flag \"%s\"", i, s->flags[i]);
        flags |= seccomp_flag_table[k].bit;
    }
    if (notify) {
        flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        /* The kernel refuses TSYNC with NEW_LISTENER (it could not say which
         * thread failed to sync) unless TSYNC_ESRCH asks for -ESRCH instead
         * of a thread id. */
        if (flags & SECCOMP_FILTER_FLAG_TSYNC)
            flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    } else {
        /* WAIT_KILLABLE_RECV only changes how a notification is received;
         * the kernel refuses it without a listener. With no NOTIFY rule it
         * has no effect, so drop it rather than fail the container. */
        flags &= ~(unsigned)SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
    }
    *out = flags;
    return 0;
}

static int seccomp_add_arches(scmp_filter_ctx ctx, const struct cove_seccomp *s, struct cove_err *err) {
    static const char prefix[] = "SCMP_ARCH_";
    for (size_t i = 0; i < s->n_architectures; i++) {
        const char *name = s->architectures[i];
        char lower[32];
        if (strncmp(name, prefix, sizeof(prefix) - 1) != 0 || strlen(name) - (sizeof(prefix) - 1) >= sizeof(lower))
            return cove_err_set(err, EINVAL, "linux.seccomp.architectures[%zu]: unknown architecture \"%s\"", i, name);
        size_t j = 0;
        for (const char *p = name + sizeof(prefix) - 1; *p; p++)
            lower[j++] = (char)tolower((unsigned char)*p);
        lower[j] = '\0';
        uint32_t arch = seccomp_arch_resolve_name(lower);
        if (arch == 0) {
            const struct scmp_version *v = seccomp_version();
            return cove_err_set(err, EINVAL, "linux.seccomp.architectures[%zu]: architecture \"%s\" not supported by libseccomp %u.%u.%u",
                                i, name, v->major, v->minor, v->micro);
        }
        int r = seccomp_arch_add(ctx, arch);
        if (r < 0 && r != -EEXIST)  /* -EEXIST: the native arch, added by seccomp_init */
            return cove_err_sys(err, -r, "linux.seccomp.architectures[%zu]: seccomp_arch_add %s", i, name);
    }
    return 0;
}

/* Exact first: it keeps the rule as written on every arch. It fails where
 * libseccomp must rewrite the rule (socketcall multiplexing on x86, ipc on
 * s390...) and the non-exact form does that rewrite. */
static int seccomp_rule_add_any(scmp_filter_ctx ctx, uint32_t action, int nr, unsigned n, const struct scmp_arg_cmp *cmp) {
    int r = seccomp_rule_add_exact_array(ctx, action, nr, n, cmp);
    if (r < 0)
        r = seccomp_rule_add_array(ctx, action, nr, n, cmp);
    return r;
}

static int seccomp_rule_args(const struct cove_seccomp_rule *rule, size_t ri, struct scmp_arg_cmp *cmp, bool *split,
                             struct cove_err *err) {
    unsigned seen = 0;
    *split = false;
    for (size_t a = 0; a < rule->n_args; a++) {
        const struct cove_seccomp_arg *arg = &rule->args[a];
        enum scmp_compare op;
        if (arg->index >= SECCOMP_MAX_ARGS)
            return cove_err_set(err, EINVAL, "linux.seccomp.syscalls[%zu].args[%zu].index: %u is out of range (0-5)", ri, a,
                                arg->index);
        if (seccomp_op_value(arg->op, &op) < 0)
            return cove_err_set(err, EINVAL, "linux.seccomp.syscalls[%zu].args[%zu].op: unknown operator %d", ri, a, (int)arg->op);
        if (seen & (1u << arg->index))
            *split = true;
        seen |= 1u << arg->index;
        /* For MASKED_EQ libseccomp takes (mask, datum): the spec's value is
         * the mask and valueTwo the value compared after masking. */
        cmp[a] = (struct scmp_arg_cmp){ .arg = arg->index, .op = op, .datum_a = arg->value, .datum_b = arg->value_two };
    }
    return 0;
}

static int seccomp_add_rule(scmp_filter_ctx ctx, const struct cove_seccomp_rule *rule, size_t ri, uint32_t default_action,
                            bool *notify, struct cove_err *err) {
    uint32_t action;
    int r = seccomp_action_value(rule->action, rule->has_errno_ret, rule->errno_ret, &action);
    if (r == -ERANGE)
        return cove_err_set(err, ERANGE, "linux.seccomp.syscalls[%zu].errnoRet: %u does not fit in 16 bits", ri, rule->errno_ret);
    if (r < 0)
        return cove_err_set(err, EINVAL, "linux.seccomp.syscalls[%zu].action: unknown action %d", ri, (int)rule->action);
    if (action == default_action)
        return 0;

    _cleanup_free_ struct scmp_arg_cmp *cmp = NULL;
    bool split = false;
    if (rule->n_args > 0) {
        cmp = calloc(rule->n_args, sizeof(*cmp));
        if (!cmp)
            return cove_err_set(err, ENOMEM, "linux.seccomp.syscalls[%zu]: out of memory", ri);
        r = seccomp_rule_args(rule, ri, cmp, &split, err);
        if (r < 0)
            return r;
    }

    bool added = false;
    for (size_t n = 0; n < rule->n_names; n++) {
        int nr = seccomp_syscall_resolve_name(rule->names[n]);
        if (nr == __NR_SCMP_ERROR)
            continue;  /* unknown to this libseccomp: skipped, as runc does */
        if (!split) {
            r = seccomp_rule_add_any(ctx, action, nr, (unsigned)rule->n_args, cmp);
        } else {
            r = 0;
            for (size_t a = 0; a < rule->n_args && r >= 0; a++)
                r = seccomp_rule_add_any(ctx, action, nr, 1, &cmp[a]);
        }
        if (r < 0)
            return cove_err_sys(err, -r, "linux.seccomp.syscalls[%zu].names[%zu]: adding rule for \"%s\"", ri, n, rule->names[n]);
        added = true;
    }
    if (added && rule->action == COVE_SCMP_NOTIFY)
        *notify = true;
    return 0;
}

/* The highest syscall number a rule names, per architecture of the filter
 * (for the ENOSYS stub). */
struct arch_max {
    uint32_t arch;
    int max;
};

static size_t seccomp_arch_list(const struct cove_seccomp *s, struct arch_max *out, size_t cap) {
    size_t n = 0;
    out[n++] = (struct arch_max){seccomp_arch_native(), -1};
    for (size_t i = 0; i < s->n_architectures && n < cap; i++) {
        char lower[32];
        const char *name = s->architectures[i] + 10; /* after "SCMP_ARCH_" (checked by seccomp_add_arches) */
        size_t j = 0;
        for (; name[j] && j < sizeof(lower) - 1; j++)
            lower[j] = (char)tolower((unsigned char)name[j]);
        lower[j] = '\0';
        uint32_t a = seccomp_arch_resolve_name(lower);
        bool seen = false;
        for (size_t k = 0; k < n; k++)
            seen |= out[k].arch == a;
        if (a && !seen)
            out[n++] = (struct arch_max){a, -1};
    }
    for (size_t k = 0; k < n; k++)
        for (size_t r = 0; r < s->n_syscalls; r++)
            for (size_t m = 0; m < s->syscalls[r].n_names; m++) {
                int nr = seccomp_syscall_resolve_name_arch(out[k].arch, s->syscalls[r].names[m]);
                if (nr >= 0 && nr > out[k].max)
                    out[k].max = nr;
            }
    return n;
}

#define STUB_INSN(c, t, f, K) ((struct sock_filter){.code = (c), .jt = (t), .jf = (f), .k = (K)})
#define X32_SYSCALL_BIT 0x40000000u

/* Prepend: for each arch with a known maximum, nr > max → ERRNO(ENOSYS).
 * x86_64's x32 numbers (bit 30) are left to the program. */
static int seccomp_prepend_enosys(const struct cove_seccomp *s, struct sock_fprog *prog, struct cove_err *err) {
    struct arch_max arch[16];
    size_t na = seccomp_arch_list(s, arch, ARRAY_SIZE(arch));
    struct sock_filter stub[1 + 16 * 4 + 2];
    size_t n = 0;
    stub[n++] = STUB_INSN(BPF_LD | BPF_W | BPF_ABS, 0, 0, 4); /* seccomp_data.arch */
    size_t fix_orig[16 * 2], n_orig = 0, fix_enosys[16], n_enosys = 0;
    for (size_t i = 0; i < na; i++) {
        if (arch[i].max < 0)
            continue;
        bool x86_64 = arch[i].arch == SCMP_ARCH_X86_64;
        /* jeq arch: fall into the block, else skip it */
        uint8_t block = (uint8_t)(x86_64 ? 3 : 2);
        stub[n++] = STUB_INSN(BPF_JMP | BPF_JEQ | BPF_K, 0, block, arch[i].arch);
        stub[n++] = STUB_INSN(BPF_LD | BPF_W | BPF_ABS, 0, 0, 0); /* seccomp_data.nr */
        if (x86_64) {
            fix_orig[n_orig++] = n;
            stub[n++] = STUB_INSN(BPF_JMP | BPF_JGE | BPF_K, 0, 0, X32_SYSCALL_BIT);
        }
        fix_enosys[n_enosys++] = n;
        fix_orig[n_orig++] = n;
        stub[n++] = STUB_INSN(BPF_JMP | BPF_JGT | BPF_K, 0, 0, (uint32_t)arch[i].max);
    }
    if (n == 1)
        return 0; /* no rule names a syscall: nothing to compare with */
    stub[n++] = STUB_INSN(BPF_JMP | BPF_JA, 0, 0, 1); /* no arch matched: over the ENOSYS return */
    size_t enosys = n;
    stub[n++] = STUB_INSN(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
    size_t orig = n;
    for (size_t i = 0; i < n_orig; i++) {
        size_t at = fix_orig[i];
        /* jge x32 → orig (jt); jgt max → jf = orig */
        if (stub[at].code == (BPF_JMP | BPF_JGE | BPF_K))
            stub[at].jt = (uint8_t)(orig - at - 1);
        else
            stub[at].jf = (uint8_t)(orig - at - 1);
    }
    for (size_t i = 0; i < n_enosys; i++)
        stub[fix_enosys[i]].jt = (uint8_t)(enosys - fix_enosys[i] - 1);
    if (prog->len + n > BPF_MAXINSNS)
        return cove_err_set(err, E2BIG, "linux.seccomp: compiled filter has %zu instructions (kernel limit %d)",
                            prog->len + n, BPF_MAXINSNS);
    struct sock_filter *all = malloc((prog->len + n) * sizeof(*all));
    if (!all)
        return cove_err_set(err, ENOMEM, "linux.seccomp: out of memory");
    memcpy(all, stub, n * sizeof(*all));
    memcpy(all + n, prog->filter, prog->len * sizeof(*all));
    free(prog->filter);
    prog->filter = all;
    prog->len = (unsigned short)(prog->len + n);
    return 0;
}

/* libseccomp 2.5 can only export to an fd; a memfd keeps it off disk. */
static int seccomp_export(scmp_filter_ctx ctx, struct sock_fprog *prog, struct cove_err *err) {
    _cleanup_close_ int fd = memfd_create("cove-seccomp-bpf", MFD_CLOEXEC);
    if (fd < 0)
        return cove_err_sys(err, errno, "linux.seccomp: memfd_create");
    int r = seccomp_export_bpf(ctx, fd);
    if (r < 0)
        return cove_err_sys(err, -r, "linux.seccomp: seccomp_export_bpf");
    struct stat st;
    if (fstat(fd, &st) < 0)
        return cove_err_sys(err, errno, "linux.seccomp: fstat exported filter");
    size_t size = (size_t)st.st_size;
    if (size == 0 || size % sizeof(struct sock_filter) != 0 || size / sizeof(struct sock_filter) > BPF_MAXINSNS)
        return cove_err_set(err, E2BIG, "linux.seccomp: compiled filter has %zu bytes (%zu instructions, kernel limit %d)", size,
                            size / sizeof(struct sock_filter), BPF_MAXINSNS);
    _cleanup_free_ struct sock_filter *insns = malloc(size);
    if (!insns)
        return cove_err_set(err, ENOMEM, "linux.seccomp: out of memory");
    size_t done = 0;
    while (done < size) {
        ssize_t n = pread(fd, (char *)insns + done, size - done, (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return cove_err_sys(err, n < 0 ? errno : EIO, "linux.seccomp: reading exported filter");
        done += (size_t)n;
    }
    prog->len = (unsigned short)(size / sizeof(struct sock_filter));
    prog->filter = TAKE_PTR(insns);
    return 0;
}

int cove_seccomp_build(const struct cove_seccomp *s, struct cove_seccomp_prog *out, struct cove_err *err) {
    uint32_t default_action;
    int r = seccomp_action_value(s->default_action, s->has_default_errno_ret, s->default_errno_ret, &default_action);
    if (r == -ERANGE)
        return cove_err_set(err, ERANGE, "linux.seccomp.defaultErrnoRet: %u does not fit in 16 bits", s->default_errno_ret);
    if (r < 0)
        return cove_err_set(err, EINVAL, "linux.seccomp.defaultAction: unknown action %d", (int)s->default_action);
    /* Every syscall would wait on a supervisor that cannot exist yet: the
     * listener fd only reaches it after the container process runs. */
    if (s->default_action == COVE_SCMP_NOTIFY)
        return cove_err_set(err, EINVAL, "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");

    _cleanup_scmp_ scmp_filter_ctx ctx = seccomp_init(default_action);
    if (!ctx)
        return cove_err_set(err, ENOMEM, "linux.seccomp: seccomp_init failed");
    /* The runtime sets no_new_privs itself, only when process.noNewPrivileges
     * says so; the filter must not imply it. */
    r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    if (r < 0)
        return cove_err_sys(err, -r, "linux.seccomp: seccomp_attr_set(CTL_NNP)");

    r = seccomp_add_arches(ctx, s, err);
    if (r < 0)
        return r;

    bool notify = false;
    for (size_t i = 0; i < s->n_syscalls; i++) {
        r = seccomp_add_rule(ctx, &s->syscalls[i], i, default_action, &notify, err);
        if (r < 0)
            return r;
    }

    struct cove_seccomp_prog prog = { .notify = notify };
    r = seccomp_flags_compute(s, notify, &prog.flags, err);
    if (r < 0)
        return r;
    r = seccomp_export(ctx, &prog.prog, err);
    /* an allowing default lets newer syscalls through anyway, and an
     * ENOSYS default already says the right thing */
    bool denies = s->default_action != COVE_SCMP_ALLOW && s->default_action != COVE_SCMP_LOG &&
                  !(s->default_action == COVE_SCMP_ERRNO && s->has_default_errno_ret && s->default_errno_ret == ENOSYS);
    if (r == 0 && denies)
        r = seccomp_prepend_enosys(s, &prog.prog, err);
    if (r < 0) {
        cove_seccomp_prog_free(&prog);
        return r;
    }
    *out = prog;
    return 0;
}

int cove_seccomp_install(const struct cove_seccomp_prog *p, int *listener_fd, struct cove_err *err) {
    if (listener_fd)
        *listener_fd = -1;
    if (p->notify && !listener_fd)
        return cove_err_set(err, EINVAL, "linux.seccomp: filter has NOTIFY rules but no listener fd was requested");
    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->flags, &p->prog);
    if (r < 0) {
        int e = errno;
        if (e == EACCES)
            return cove_err_sys(err, e, "seccomp(SECCOMP_SET_MODE_FILTER): needs no_new_privs or CAP_SYS_ADMIN "
                                        "(set process.noNewPrivileges, or install before dropping capabilities)");
        if (e == EINVAL && p->flags)
            return cove_err_sys(err, e, "seccomp(SECCOMP_SET_MODE_FILTER, flags 0x%x): kernel refused the filter or its flags",
                                p->flags);
        return cove_err_sys(err, e, "seccomp(SECCOMP_SET_MODE_FILTER)");
    }
    if (p->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
        *listener_fd = (int)r;  /* the kernel makes it O_CLOEXEC */
    } else if (r > 0) {
        /* TSYNC without a listener reports the thread that could not sync. */
        return cove_err_set(err, EBUSY, "seccomp(SECCOMP_SET_MODE_FILTER, TSYNC): thread %ld could not be synchronised", r);
    }
    return 0;
}

void cove_seccomp_prog_free(struct cove_seccomp_prog *p) {
    if (!p)
        return;
    free(p->prog.filter);
    p->prog.filter = NULL;
    p->prog.len = 0;
    p->flags = 0;
    p->notify = false;
}
