/* cgroups/v2_devices.c — device rules on cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE
 * program generated from the rules with raw struct bpf_insn (no libbpf),
 * loaded with bpf(BPF_PROG_LOAD) and attached to the container's cgroup.
 *
 * Semantics follow the v1 devices controller the spec was written for: the
 * last matching rule wins, so the rules (user's, then the default allow
 * list) are tested from the last to the first. A request matches an allow
 * rule when every requested access bit is in the rule, a deny rule when any
 * is. With no match, the answer is "deny": the rules sit on an implicit
 * deny-all (cgroups.h cove_cgroup_set_devices). */
#include "cgroups/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
/* r_dst = *(u32 *)(r_src + off) */
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define ALU32_IMM(op, d, i) INSN(BPF_ALU | (op) | BPF_K, d, 0, 0, i)
#define MOV32_REG(d, s) INSN(BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define JMP32_IMM(op, d, i, o) INSN(BPF_JMP32 | (op) | BPF_K, d, 0, o, i)
#define EXIT_INSN() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* Registers after the prologue. */
enum { R_TYPE = 2, R_ACCESS = 3, R_MAJOR = 4, R_MINOR = 5 };

static int access_bits(const char *a, struct cove_err *err) {
    int bits = 0;
    if (!*a)
        a = "rwm";
    for (; *a; a++) {
        switch (*a) {
        case 'r': bits |= BPF_DEVCG_ACC_READ; break;
        case 'w': bits |= BPF_DEVCG_ACC_WRITE; break;
        case 'm': bits |= BPF_DEVCG_ACC_MKNOD; break;
        default: return cove_err_set(err, EINVAL, "access: invalid character '%c' (want r, w, m)", *a);
        }
    }
    return bits;
}

#define ALL_ACCESS (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)

/* Emit the test of one rule: fall through to "return verdict" when it
 * matches, jump past it when not. Returns the number of insns. */
static int emit_rule(const struct cove_device_rule *r, struct bpf_insn *out, struct cove_err *err) {
    int acc = access_bits(r->access, err);
    if (acc < 0)
        return acc;
    char type = r->type ? r->type : 'a';
    if (type != 'a' && type != 'b' && type != 'c')
        return cove_err_set(err, EINVAL, "type: invalid device type '%c' (want a, b, c)", type);
    int n = 0, jumps[8], nj = 0;
    if (type != 'a') {
        jumps[nj++] = n;
        out[n++] = JMP32_IMM(BPF_JNE, R_TYPE, type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, 0);
    }
    if (acc != ALL_ACCESS || !r->allow) {
        out[n++] = MOV32_REG(1, R_ACCESS);
        if (r->allow) {
            /* some requested bit outside the rule: no match */
            out[n++] = ALU32_IMM(BPF_AND, 1, ~acc & ALL_ACCESS);
            jumps[nj++] = n;
            out[n++] = JMP32_IMM(BPF_JNE, 1, 0, 0);
        } else {
            out[n++] = ALU32_IMM(BPF_AND, 1, acc);
            jumps[nj++] = n;
            out[n++] = JMP32_IMM(BPF_JEQ, 1, 0, 0);
        }
    }
    if (type != 'a' && r->major >= 0) {
        jumps[nj++] = n;
        out[n++] = JMP32_IMM(BPF_JNE, R_MAJOR, (int32_t)r->major, 0);
    }
    if (type != 'a' && r->minor >= 0) {
        jumps[nj++] = n;
        out[n++] = JMP32_IMM(BPF_JNE, R_MINOR, (int32_t)r->minor, 0);
    }
    out[n++] = MOV64_IMM(0, r->allow ? 1 : 0);
    out[n++] = EXIT_INSN();
    for (int i = 0; i < nj; i++)
        out[jumps[i]].off = (int16_t)(n - jumps[i] - 1);
    return n;
}

#define MAX_RULE_INSNS 10

int cgv2_devices_build(const struct cove_device_rule *rules, size_t n, struct bpf_insn **prog, size_t *len,
                       struct cove_err *err) {
    size_t total = n + cg_n_default_device_rules;
    _cleanup_free_ struct bpf_insn *p = calloc(6 + total * MAX_RULE_INSNS + 2, sizeof(*p));
    if (!p)
        return cove_err_set(err, ENOMEM, "out of memory");
    size_t o = 0;
    /* struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }
     * access_type = (access << 16) | type */
    p[o++] = LDX_W(R_TYPE, 1, 0);
    p[o++] = ALU32_IMM(BPF_AND, R_TYPE, 0xffff);
    p[o++] = LDX_W(R_ACCESS, 1, 0);
    p[o++] = ALU32_IMM(BPF_RSH, R_ACCESS, 16);
    p[o++] = LDX_W(R_MAJOR, 1, 4);
    p[o++] = LDX_W(R_MINOR, 1, 8);
    bool ended = false;
    for (size_t i = total; !ended && i-- > 0;) {
        const struct cove_device_rule *r = i < n ? &rules[i] : &cg_default_device_rules[i - n];
        int k = emit_rule(r, p + o, err);
        if (k < 0)
            return cove_err_path(err, "linux.resources.devices[%zu]", i);
        o += (size_t)k;
        /* a rule that always matches (allow "a" rwm: podman --privileged)
         * returns unconditionally: the verifier refuses the unreachable
         * rules before it (EINVAL, "unreachable insn"), so they end here */
        ended = k == 2;
    }
    if (!ended) { /* no rule matched: deny (an implicit deny-all before the rules) */
        p[o++] = MOV64_IMM(0, 0);
        p[o++] = EXIT_INSN();
    }
    *prog = TAKE_PTR(p);
    *len = o;
    return 0;
}

static int sys_bpf(int cmd, union bpf_attr *attr) {
    return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* Programs attached to the cgroup before ours (a previous update). */
static int query_attached(int cgfd, uint32_t *ids, uint32_t *n) {
    union bpf_attr a = { 0 };
    a.query.target_fd = (uint32_t)cgfd;
    a.query.attach_type = BPF_CGROUP_DEVICE;
    a.query.prog_ids = (uint64_t)(uintptr_t)ids;
    a.query.prog_cnt = *n;
    if (sys_bpf(BPF_PROG_QUERY, &a) < 0)
        return -errno;
    *n = a.query.prog_cnt;
    return 0;
}

/* The verifier's reason: its last line, unless that is only the statistics
 * ("processed 0 insns ..."), then the one before ("unreachable insn 70").
 * Cuts log in place. */
static const char *verifier_reason(char *log) {
    const char *line = log;
    for (int k = 0; k < 2; k++) {
        size_t l = strlen(log);
        while (l && log[l - 1] == '\n')
            log[--l] = '\0';
        char *nl = strrchr(log, '\n');
        line = nl ? nl + 1 : log;
        if (strncmp(line, "processed ", 10) != 0 || !nl)
            break;
        *nl = '\0';
    }
    return line;
}

int cgv2_devices_apply(const char *dir, const struct cove_device_rule *rules, size_t n, struct cove_err *err) {
    _cleanup_free_ struct bpf_insn *prog = NULL;
    size_t len = 0;
    int r = cgv2_devices_build(rules, n, &prog, &len, err);
    if (r < 0)
        return r;
    /* BPF_PROG_ATTACH needs a real directory fd, O_PATH is refused. */
    _cleanup_close_ int cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cgfd < 0)
        return cove_err_sys(err, errno, "%s: open", dir);
    uint32_t old[64], n_old = ARRAY_SIZE(old);
    if (query_attached(cgfd, old, &n_old) < 0)
        n_old = 0;

    char log[4096] = "";
    union bpf_attr a = { 0 };
    a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    a.insns = (uint64_t)(uintptr_t)prog;
    a.insn_cnt = (uint32_t)len;
    a.license = (uint64_t)(uintptr_t)"Apache-2.0";
    strncpy(a.prog_name, "cove_devices", sizeof(a.prog_name) - 1);
    _cleanup_close_ int pfd = sys_bpf(BPF_PROG_LOAD, &a);
    int load_errno = pfd < 0 ? errno : 0;
    if (pfd < 0) {
        /* Load again with the verifier's log only to explain a failure:
         * asking for it up front slows the load and can fail with ENOSPC. */
        a.log_buf = (uint64_t)(uintptr_t)log;
        a.log_size = sizeof(log);
        a.log_level = 1;
        pfd = sys_bpf(BPF_PROG_LOAD, &a);
    }
    if (pfd < 0) {
        return cove_err_sys(err, load_errno, "linux.resources.devices: bpf(BPF_PROG_LOAD)%s%s", *log ? ": " : "",
                            verifier_reason(log));
    }
    memset(&a, 0, sizeof(a));
    a.target_fd = (uint32_t)cgfd;
    a.attach_bpf_fd = (uint32_t)pfd;
    a.attach_type = BPF_CGROUP_DEVICE;
    a.attach_flags = BPF_F_ALLOW_MULTI;
    if (sys_bpf(BPF_PROG_ATTACH, &a) < 0)
        return cove_err_sys(err, errno, "%s: linux.resources.devices: bpf(BPF_PROG_ATTACH)", dir);
    /* Now that the new filter is in place, drop the ones it replaces; there
     * is no window without a filter. The cgroup is the container's own, so
     * every program on it is one cove attached. */
    for (uint32_t i = 0; i < n_old; i++) {
        union bpf_attr g = { 0 };
        g.prog_id = old[i];
        _cleanup_close_ int ofd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &g);
        if (ofd < 0)
            continue;
        union bpf_attr d = { 0 };
        d.target_fd = (uint32_t)cgfd;
        d.attach_bpf_fd = (uint32_t)ofd;
        d.attach_type = BPF_CGROUP_DEVICE;
        if (sys_bpf(BPF_PROG_DETACH, &d) < 0 && errno != ENOENT)
            return cove_err_sys(err, errno, "%s: linux.resources.devices: bpf(BPF_PROG_DETACH) of program %u", dir,
                                old[i]);
    }
    return 0;
}
