/* tests/unit/test_seccomp.c — cove_seccomp_build/install: filters are built
 * from hand-made profiles in the test process and installed in a forked
 * child (with no_new_privs) whose behaviour is then checked. The child never
 * returns into criterion: it reports through its exit status. */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "runtime/seccomp/seccomp.h"

/* ------------------------------------------------------------ helpers */

#define N(a) (a), ARRAY_SIZE(a)

static struct cove_seccomp profile(enum cove_seccomp_action def, struct cove_seccomp_rule *rules, size_t n) {
    return (struct cove_seccomp){ .set = true, .default_action = def, .syscalls = rules, .n_syscalls = n };
}

static void prog_freep(struct cove_seccomp_prog *p) { cove_seccomp_prog_free(p); }
#define _cleanup_prog_ _cleanup_(prog_freep)

typedef int (*child_fn)(int listener_fd);

/* Fork; the child sets no_new_privs, installs p and exits with fn()'s
 * result (or 100 + errno if install failed). Returns the wait status. */
static int run_filtered(const struct cove_seccomp_prog *p, child_fn fn) {
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        /* SIGSYS deaths would otherwise dump core. */
        struct rlimit nocore = { 0, 0 };
        setrlimit(RLIMIT_CORE, &nocore);
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
            _exit(99);
        struct cove_err err = { 0 };
        int lfd = -1;
        int r = cove_seccomp_install(p, &lfd, &err);
        if (r < 0)
            _exit(100 + (-r & 0x7f));
        _exit(fn(lfd));
    }
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    return status;
}

static int build_ok(const struct cove_seccomp *s, struct cove_seccomp_prog *out) {
    struct cove_err err = { 0 };
    int r = cove_seccomp_build(s, out, &err);
    cr_assert_eq(r, 0, "build failed: %d %s", r, err.msg);
    cr_assert_not_null(out->prog.filter);
    cr_assert_gt(out->prog.len, 0);
    return r;
}

static void assert_exit0(int status) {
    cr_assert(WIFEXITED(status), "child did not exit (status 0x%x, signal %d)", status,
              WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    cr_assert_eq(WEXITSTATUS(status), 0, "child check %d failed", WEXITSTATUS(status));
}

static void assert_sigsys(int status) {
    cr_assert(WIFSIGNALED(status), "child was not killed (status 0x%x)", status);
    cr_assert_eq(WTERMSIG(status), SIGSYS);
}

/* ---------------------------------------------------------- child checks */

static int check_getcwd_enotdir(int lfd) {
    char buf[256];
    if (getcwd(buf, sizeof(buf)) != NULL)
        return 1;
    return errno == ENOTDIR ? 0 : 2;
}

static int check_mkdir_eperm(int lfd) {
    if (syscall(SYS_mkdirat, AT_FDCWD, "/nonexistent-cove-test/x", 0700) == 0)
        return 1;
    return errno == EPERM ? 0 : 2;
}

static int check_getppid_eacces_getpid_ok(int lfd) {
    if (syscall(SYS_getpid) <= 0)
        return 1;
    if (syscall(SYS_getppid) != -1 || errno != EACCES)
        return 2;
    if (syscall(SYS_gettid) != -1 || errno != EACCES)
        return 3;
    return 0;
}

static int check_getppid_eperm(int lfd) {
    return (syscall(SYS_getppid) == -1 && errno == EPERM) ? 0 : 1;
}

static int check_personality_eq(int lfd) {
    if (syscall(SYS_personality, 0xffffffffUL) != -1 || errno != EXDEV)
        return 1;
    /* A different argument is not matched. */
    long cur = syscall(SYS_personality, 0xfffffffeUL);
    if (cur < 0)
        return 2;
    return 0;
}

static int try_socket(int domain, int type) {
    int fd = (int)syscall(SYS_socket, domain, type, 0);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    return errno;
}

static int check_socket_masked_eq(int lfd) {
    if (try_socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC) != EXDEV)
        return 1;
    if (try_socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK) != EXDEV)
        return 2;
    if (try_socket(AF_UNIX, SOCK_STREAM) != 0)
        return 3;
    return 0;
}

static int check_same_index_is_or(int lfd) {
    if (try_socket(AF_INET, SOCK_DGRAM) != EXDEV)
        return 1;
    if (try_socket(AF_INET6, SOCK_DGRAM) != EXDEV)
        return 2;
    if (try_socket(AF_UNIX, SOCK_DGRAM) != 0)
        return 3;
    return 0;
}

static int check_distinct_index_is_and(int lfd) {
    if (try_socket(AF_UNIX, SOCK_DGRAM) != EXDEV)
        return 1;
    if (try_socket(AF_UNIX, SOCK_STREAM) != 0)
        return 2;
    if (try_socket(AF_INET, SOCK_DGRAM) != 0)
        return 3;
    return 0;
}

static int check_getppid_allowed(int lfd) {
    return syscall(SYS_getppid) > 0 ? 0 : 1;
}

static int check_getppid_enosys(int lfd) {
    return (syscall(SYS_getppid) == -1 && errno == ENOSYS) ? 0 : 1;
}

static int call_getppid(int lfd) {
    syscall(SYS_getppid);
    return 42;  /* only reached if the filter did not act */
}

#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1  /* si_code of a seccomp SIGSYS; glibc does not export it */
#endif

static volatile sig_atomic_t trapped_nr = -1;
static volatile sig_atomic_t trapped_code = -1;
static void on_sigsys(int sig, siginfo_t *si, void *uc) {
    trapped_nr = si->si_syscall;
    trapped_code = si->si_code;
}

static int check_trap(int lfd) {
    /* The handler was installed before the filter (sigaction is allowed
     * anyway: only getppid is trapped). */
    struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
    if (sigaction(SIGSYS, &sa, NULL) < 0)
        return 1;
    syscall(SYS_getppid);
    if (trapped_nr != SYS_getppid)
        return 2;
    return trapped_code == SYS_SECCOMP ? 0 : 3;
}

/* Full user-notification round trip: a grandchild calls getppid, which
 * waits on the listener; we answer 4242 and the grandchild sees it. */
static int check_notify(int lfd) {
    if (lfd < 0)
        return 1;
    if (!(fcntl(lfd, F_GETFD) & FD_CLOEXEC))
        return 2;
    pid_t pid = fork();
    if (pid < 0)
        return 3;
    if (pid == 0)
        _exit(syscall(SYS_getppid) == 4242 ? 0 : 1);
    struct seccomp_notif req;
    memset(&req, 0, sizeof(req));
    if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
        return 4;
    if (req.data.nr != SYS_getppid)
        return 5;
    struct seccomp_notif_resp resp = { .id = req.id, .val = 4242, .error = 0, .flags = 0 };
    if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0)
        return 6;
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return 7;
    return (WIFEXITED(st) && WEXITSTATUS(st) == 0) ? 0 : 8;
}

/* ----------------------------------------------------------------- tests */

static char *getcwd_names[] = { "getcwd" };
static char *getppid_names[] = { "getppid" };

Test(seccomp, errno_rule_returns_configured_errno) {
    struct cove_seccomp_rule rules[] = {
        { .names = N(getcwd_names), .action = COVE_SCMP_ERRNO, .has_errno_ret = true, .errno_ret = ENOTDIR },
    };
    struct cove_seccomp s = profile(COVE_SCMP_ALLOW, N(rules));
    _cleanup_prog_ struct cove_seccomp_prog p = { 0 };
    build_ok(&s, &p);
    cr_assert_not(p.notify);
    assert_exit0(run_filtered(&p, check_getcwd_enotdir));
}

Test(seccomp, errno_rule_defaults_to_eperm) {
    static char *names[] = { "mkdir", "mkdirat" };
    struct cove_seccomp_rule rules[] = { { .names = N(names), .action = COVE_SCMP_ERRNO } };
    struct cove_seccomp s = profile(COVE_SCMP_ALLOW, N(rules));
    _cleanup_prog_ struct cove_seccomp_prog p = { 0 };
    build_ok(&s, &p);
    assert_exit0(run_filtered(&p, check_mkdir_eperm));
}

Test(seccomp, default_errno_with_allow_list) {
    /* sigaltstack: ASan builds call it before _exit (__asan_handle_no_return). */
    static char *allow[] = { "getpid", "exit", "exit_group", "rt_sigreturn", "write", "sigaltstack" };
    struct cove_seccomp_rule rules[] = { { .names = N(allow), .action = COVE_SCMP_ALLOW } };
    struct cove_seccomp s = profile(COVE_SCMP_ERRNO, N(rules));
    s.has_default_errno_ret = true;
    s.default_errno_ret = EACCES;
    _cleanup_prog_ struct cove_seccomp_prog p = { 0 };
    build_ok(&s, &p);
    assert_exit0(run_filtered(&p, check_getppid_eacces_getpid_ok));
}

Test(seccomp, default_errno_defaults_to_eperm) {
    static char *allow[] = { "exit", "exit_group", "sigaltstack" };
    struct cove_seccomp_rule rules[] = { { .names = N(allow), .action = COVE_SCMP_ALLOW } };
    struct cove_seccomp s = profile(COVE_SCMP_ERRNO, N(rules));
    _cleanup_prog_ struct cove_seccomp_prog p = { 0 };
    build_ok(&s, &p);
    assert_exit0(run_filtered(&p, check_getppid_eperm));
}

Test(seccomp, arg_eq_matches_only_that_value) {
    static char *names[] = { "personality" };
    struct cove_seccomp_arg args[] = { { .index = 0, .value = 0xffffffffUL, .op = COVE_SCMP_OP_EQ } };
    struct cove_seccomp_rule rules[] = {
        { .names = N(names), .action = COVE_SCMP_ERRNO, .has_errno_ret = true, .errno_ret = EXDEV, .args = N(args) },
    };
    struct cove_seccomp s = profile(COVE_SCMP_ALLOW, N(rules));
    _cleanup_prog_ struct cove_seccomp_prog p = { 0 };
    build_ok(&s, &p);
    assert_exit0(run_filtered(&p, check_personality_eq));
}

Test(seccomp, arg_masked_eq_uses_value_as_mask) {
    static char *names[] = { "socket" };
    struct cove_seccomp_arg args[] = {
        { .index = 1, .value = SOCK_CLOEXEC, .value_two = SOCK_CLOEXEC, .op = COVE_SCMP_OP_MASKED_EQ },
    };
    struct cove_seccomp_rule rules[] = {
        { .names = N(names), .action = COVE_SCMP_ERRNO, .has_errno_ret = true, .errno_ret = EXDEV, .args = N(args) },
    };
    struct cove_seccomp s = profile(COVE_SCMP_ALLOW, N(rules));
    _cleanup_prog_ struct cove_seccomp_prog p = { 0 };
    build_ok(&s, &p);
    assert_exit0(run_filtered(&p, check_socket_masked_eq));
}

Test(seccomp, args_on_same_index_are_ored) {
    static char *names[] = { "socket" };
    struct cove_seccomp_arg args[] = {
        { .index = 0, .value = AF_INET, .op = COVE_SCMP_OP_EQ },
        { .index = 0, .value = AF_INET6, .op = COVE_SCMP_OP_EQ },
    };
    struct cove_seccomp_rule rules[] = {
        { .names = N(names), .action = COVE_SCMP_ERRNO, .has_errno_ret = true, .errno_ret = EXDEV, .args = N(args) },
    };
    struct cove_seccomp s = profile(COVE_SCMP_ALLOW, N(rules));
    _cleanup_prog_ struct cove_seccomp_prog p = { 0 };
    build_ok(&s, &p);
    assert_exit0(run_filtered(&p, check_same_index_is_or));
}

Test(seccomp, args_on_distinct_indexes_are_anded) {
    static char *names[] = { "socket" };
    struct cove_seccomp_arg args[] = {
        { .index = 0, .value = AF_UNIX, .op = COVE_SCMP_OP_EQ },
        { .index = 1, .value = SOCK_DGRAM, .op = COVE_SCMP_OP_EQ },
    };
    struct cove_seccomp_rule rules[] = {
        { .names = N(names), .action = COVE_SCMP_ERRNO, .has_errno_ret = true, .errno_ret = EXDEV, .args = N(args) },
    };
    struct cove_seccomp s = profile(COVE_SCMP_ALLOW, N(rules));
    _cleanup_prog_ struct cove_seccomp_prog p = { 0 };
    build_ok(&s, &p);
    assert_exit0(run_filtered(&p, check_distinct_index_is_and));
}

Test(seccomp, kill_process_kills_with_sigsys) {
    struct cove_seccomp_rule rules[] = { { .names = N(getppid_names), .action = COVE_SCMP_KILL_PROCESS } };
    struct cove_seccomp s = profile(COVE_SCMP_ALLOW, N(rules));
    _cleanup_prog_ struct cove_seccomp_prog p = { 0 };
    build_ok(&s, &p);
    assert_sigsys(run_filtered(&p, call_getppid));
}

Test(seccomp, kill_and_kill_thread_kill_single_threaded_child) {
    enum cove_seccomp_action acts[] = { COVE_SCMP_KILL, COVE_SCMP_KILL_THREAD };
    for (size_t i = 0; i < ARRAY_SIZE(acts); i++) {
        struct cove_seccomp_rule rules[] = { { .names = N(getppid_names), .action = acts[i] } };
        struct cove_seccomp s = profile(COVE_SCMP_ALLOW, N(rules));
        _cleanup_prog_ struct cove_seccomp_prog p = { 0 };
        build_ok(&s, &p);
        assert_sigsys(run_filtered(&p, call_getppid));
    }
}

Test(seccomp, trap_delivers_sigsys_with_syscall_number) {
    struct cove_seccomp_rule rules[] = { { .names = N(getppid_names), .action = COVE_SCMP_TRAP } };
    struct cove_seccomp s = profile(COVE_SCMP_ALLOW, N(rules));
    _cleanup_prog_ struct cove_seccomp_prog p = { 0 };
    build_ok(&s, &p);
    assert_exit0(run_filtered(&p, check_trap));
}

Test(seccomp, log_action_allows_the_call) {
    struct cove_seccomp_rule rules[] = { { .names = N(getppid_names), .action = COVE_SCMP_LOG } };
    struct cove_seccomp s = profile(COVE_SCMP_ALLOW, N(rules));
    _cleanup_prog_ struct cove_seccomp_prog p = { 0 };
    build_ok(&s, &p);
    assert_exit0(run_filtered(&p, check_getppid_allowed));
}

Test(seccomp, trace_without_tracer_returns_enosys) {
    /* With no tracer attached, SECCOMP_RET_TRACE fails the call with ENOSYS
     * (seccomp(2)); this checks the action reached the kernel as TRACE. */
    struct cove_seccomp_rule rules[] = { { .names = N(getppid_names), .action = COVE_SCMP_TRACE } };
    struct cove_seccomp s = profile(COVE_SCMP_ALLOW, N(rules));
    _cleanup_prog_ struct cove_seccomp_prog p = { 0 };
    build_ok(&s, &p);
    assert_exit0(run_filtered(&p, check_getppid_enosys));
}

Test(seccomp, notify_gives_a_listener_fd) {
    struct cove_seccomp_rule rules[] = { { .names = N(getppid_names), .action = COVE_SCMP_NOTIFY } };
    struct cove_seccomp s = profile(COVE_SCMP_ALLOW, N(rules));
    _cleanup_prog_ struct cove_seccomp_prog p = { 0 };
    build_ok(&s, &p);
    cr_assert(p.notify);
    cr_assert(p.flags & SECCOMP_FILTER_FLAG_NEW_LISTENER);
    assert_exit0(run_filtered(&p, check_notify));
}

Test(seccomp, unknown_syscall_names_are_skipped) {
    static char *names[] = { "cove_no_such_syscall", "getcwd", "another_bogus_one" };
    static char *only_bogus[] = { "cove_no_such_syscall" };
    struct cove_seccomp_rule rules[] = {
        { .names = N(only_bogus), .action = COVE_SCMP_NOTIFY },
        { .names = N(names), .action = COVE_SCMP_ERRNO, .has_errno_ret = true, .errno_ret = ENOTDIR },
    };
    struct cove_seccomp s = profile(COVE_SCMP_ALLOW, N(rules));
    _cleanup_prog_ struct cove_seccomp_prog p = { 0 };
    build_ok(&s, &p);
    /* A NOTIFY rule that matched nothing asks for no listener. */
    cr_assert_not(p.notify);
    cr_assert_not(p.flags & SECCOMP_FILTER_FLAG_NEW_LISTENER);
    assert_exit0(run_filtered(&p, check_getcwd_enotdir));
}

Test(seccomp, rule_with_default_action_is_skipped) {
    struct cove_seccomp_rule rules[] = {
        { .names = N(getppid_names), .action = COVE_SCMP_ALLOW },
        { .names = N(getcwd_names), .action = COVE_SCMP_ERRNO, .has_errno_ret = true, .errno_ret = ENOTDIR },
    };
    struct cove_seccomp s = profile(COVE_SCMP_ALLOW, N(rules));
    _cleanup_prog_ struct cove_seccomp_prog p = { 0 };
    build_ok(&s, &p);
    assert_exit0(run_filtered(&p, check_getcwd_enotdir));

    /* Same action and errno as the default: libseccomp would refuse it. */
    struct cove_seccomp_rule same[] = { { .names = N(getppid_names), .action = COVE_SCMP_ERRNO } };
    struct cove_seccomp s2 = profile(COVE_SCMP_ERRNO, N(same));
    _cleanup_prog_ struct cove_seccomp_prog p2 = { 0 };
    build_ok(&s2, &p2);
}

Test(seccomp, multiple_architectures_with_socketcall_rewrite) {
    static char *arches[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32" };
    static char *names[] = { "socket" };
    struct cove_seccomp_arg args[] = { { .index = 0, .value = AF_INET, .op = COVE_SCMP_OP_EQ },
                                       { .index = 0, .value = AF_INET6, .op = COVE_SCMP_OP_EQ } };
    struct cove_seccomp_rule rules[] = {
        { .names = N(names), .action = COVE_SCMP_ERRNO, .has_errno_ret = true, .errno_ret = EXDEV, .args = N(args) },
    };
    struct cove_seccomp s = profile(COVE_SCMP_ALLOW, N(rules));
    s.architectures = arches;
    s.n_architectures = ARRAY_SIZE(arches);
    _cleanup_prog_ struct cove_seccomp_prog p = { 0 };
    build_ok(&s, &p);
    assert_exit0(run_filtered(&p, check_same_index_is_or));
}

Test(seccomp, flags_map_to_filter_flags_and_install) {
    static char *flags[] = { "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                             "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" };
    struct cove_seccomp_rule rules[] = {
        { .names = N(getcwd_names), .action = COVE_SCMP_ERRNO, .has_errno_ret = true, .errno_ret = ENOTDIR },
    };
    struct cove_seccomp s = profile(COVE_SCMP_ALLOW, N(rules));
    s.flags = flags;
    s.n_flags = ARRAY_SIZE(flags);
    _cleanup_prog_ struct cove_seccomp_prog p = { 0 };
    build_ok(&s, &p);
    /* WAIT_KILLABLE_RECV is dropped: the kernel refuses it without a listener. */
    cr_assert_eq(p.flags, SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW);
    assert_exit0(run_filtered(&p, check_getcwd_enotdir));

    /* With a NOTIFY rule: NEW_LISTENER, and TSYNC needs TSYNC_ESRCH. */
    struct cove_seccomp_rule nrules[] = { { .names = N(getppid_names), .action = COVE_SCMP_NOTIFY } };
    struct cove_seccomp ns = profile(COVE_SCMP_ALLOW, N(nrules));
    ns.flags = flags;
    ns.n_flags = ARRAY_SIZE(flags);
    _cleanup_prog_ struct cove_seccomp_prog np = { 0 };
    build_ok(&ns, &np);
    cr_assert_eq(np.flags, SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW |
                               SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV | SECCOMP_FILTER_FLAG_NEW_LISTENER |
                               SECCOMP_FILTER_FLAG_TSYNC_ESRCH);
    assert_exit0(run_filtered(&np, check_notify));
}

/* --------------------------------------------------------------- errors */

static void assert_build_fails(const struct cove_seccomp *s, int code, const char *needle) {
    struct cove_err err = { 0 };
    struct cove_seccomp_prog p = { 0 };
    int r = cove_seccomp_build(s, &p, &err);
    cr_assert_eq(r, -code, "expected %d, got %d (%s)", -code, r, err.msg);
    cr_assert_eq(err.code, code);
    cr_assert_not_null(strstr(err.msg, needle), "message \"%s\" lacks \"%s\"", err.msg, needle);
    cr_assert_null(p.prog.filter);
}

Test(seccomp, rejects_arg_index_out_of_range) {
    struct cove_seccomp_arg args[] = { { .index = 0, .value = 1, .op = COVE_SCMP_OP_EQ },
                                       { .index = 6, .value = 1, .op = COVE_SCMP_OP_EQ } };
    struct cove_seccomp_rule rules[] = {
        { .names = N(getppid_names), .action = COVE_SCMP_ALLOW },
        { .names = N(getppid_names), .action = COVE_SCMP_ERRNO, .args = N(args) },
    };
    struct cove_seccomp s = profile(COVE_SCMP_KILL, N(rules));
    assert_build_fails(&s, EINVAL, "linux.seccomp.syscalls[1].args[1].index");
}

Test(seccomp, rejects_unknown_architecture) {
    static char *arches[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_VAX" };
    struct cove_seccomp s = profile(COVE_SCMP_ALLOW, NULL, 0);
    s.architectures = arches;
    s.n_architectures = ARRAY_SIZE(arches);
    assert_build_fails(&s, EINVAL, "linux.seccomp.architectures[1]");
}

Test(seccomp, rejects_errno_ret_wider_than_16_bits) {
    struct cove_seccomp_rule rules[] = {
        { .names = N(getppid_names), .action = COVE_SCMP_ERRNO, .has_errno_ret = true, .errno_ret = 70000 },
    };
    struct cove_seccomp s = profile(COVE_SCMP_ALLOW, N(rules));
    assert_build_fails(&s, ERANGE, "linux.seccomp.syscalls[0].errnoRet");
    struct cove_seccomp d = profile(COVE_SCMP_ERRNO, NULL, 0);
    d.has_default_errno_ret = true;
    d.default_errno_ret = 0x10000;
    assert_build_fails(&d, ERANGE, "linux.seccomp.defaultErrnoRet");
}

Test(seccomp, rejects_notify_as_default_action) {
    struct cove_seccomp s = profile(COVE_SCMP_NOTIFY, NULL, 0);
    assert_build_fails(&s, EINVAL, "linux.seccomp.defaultAction");
}

Test(seccomp, rejects_unknown_flag) {
    static char *flags[] = { "SECCOMP_FILTER_FLAG_BOGUS" };
    struct cove_seccomp s = profile(COVE_SCMP_ALLOW, NULL, 0);
    s.flags = flags;
    s.n_flags = 1;
    assert_build_fails(&s, EINVAL, "linux.seccomp.flags[0]");
}

Test(seccomp, install_without_nnp_or_cap_sys_admin_says_eacces) {
    struct cove_seccomp_rule rules[] = { { .names = N(getppid_names), .action = COVE_SCMP_ERRNO } };
    struct cove_seccomp s = profile(COVE_SCMP_ALLOW, N(rules));
    _cleanup_prog_ struct cove_seccomp_prog p = { 0 };
    build_ok(&s, &p);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        /* Leaving uid 0 clears the effective capabilities. */
        if (getuid() == 0 && setresuid(65534, 65534, 65534) < 0)
            _exit(90);
        struct cove_err err = { 0 };
        int lfd = -1;
        int r = cove_seccomp_install(&p, &lfd, &err);
        if (r != -EACCES)
            _exit(1);
        _exit(strstr(err.msg, "no_new_privs") ? 0 : 2);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    assert_exit0(st);
}

Test(seccomp, prog_free_is_idempotent) {
    struct cove_seccomp s = profile(COVE_SCMP_ALLOW, NULL, 0);
    struct cove_seccomp_prog p = { 0 };
    build_ok(&s, &p);
    cove_seccomp_prog_free(&p);
    cr_assert_null(p.prog.filter);
    cove_seccomp_prog_free(&p);
    cove_seccomp_prog_free(NULL);
}

/* ---------------------------------------------------------------- cache */

#include <dirent.h>
#include <sys/stat.h>

/* Mirrors seccomp_cache.c's on-disk header (format 1). */
struct test_cache_header {
    char magic[8];
    uint32_t format, flags, notify, n_insns;
    uint64_t key, canon_len, insn_sum;
};

static char cache_dir[64];

static void cache_setup(void) {
    snprintf(cache_dir, sizeof(cache_dir), "/tmp/cove-seccomp-cache-XXXXXX");
    cr_assert_not_null(mkdtemp(cache_dir));
}

static void cache_teardown(void) {
    DIR *d = opendir(cache_dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, ".."))
                unlinkat(dirfd(d), e->d_name, 0);
        closedir(d);
    }
    rmdir(cache_dir);
}

/* The single cache entry's path (asserts there is exactly one). */
static void cache_entry(char *path, size_t size) {
    DIR *d = opendir(cache_dir);
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(path, size, "%s/%s", cache_dir, e->d_name);
            n++;
        }
    closedir(d);
    cr_assert_eq(n, 1, "expected one cache entry, found %d", n);
}

static void assert_same_prog(const struct cove_seccomp_prog *a, const struct cove_seccomp_prog *b) {
    cr_assert_eq(a->prog.len, b->prog.len);
    cr_assert_eq(a->flags, b->flags);
    cr_assert_eq(a->notify, b->notify);
    cr_assert_eq(memcmp(a->prog.filter, b->prog.filter, a->prog.len * sizeof(struct sock_filter)), 0);
}

static struct cove_seccomp_rule cache_rules[] = {
    { .names = getcwd_names, .n_names = 1, .action = COVE_SCMP_ERRNO, .has_errno_ret = true, .errno_ret = ENOTDIR },
    { .names = getppid_names, .n_names = 1, .action = COVE_SCMP_NOTIFY },
};

/* what create does: look up, and store a miss once the container exists */
static void build_cached_ok(const struct cove_seccomp *s, struct cove_seccomp_prog *out) {
    struct cove_err err = { 0 };
    bool miss;
    int r = cove_seccomp_build_cached(s, cache_dir, out, &miss, &err);
    cr_assert_eq(r, 0, "cached build failed: %d %s", r, err.msg);
    if (miss)
        cove_seccomp_cache_store(s, cache_dir, out);
}

Test(seccomp_cache, a_lookup_creates_nothing_and_a_store_creates_the_dir, .init = cache_setup, .fini = cache_teardown) {
    struct cove_seccomp s = profile(COVE_SCMP_ALLOW, N(cache_rules));
    _cleanup_prog_ struct cove_seccomp_prog p = { 0 }, q = { 0 };
    char sub[512];
    snprintf(sub, sizeof(sub), "%s/new", cache_dir);
    struct cove_err err = { 0 };
    bool miss = false;
    cr_assert_eq(cove_seccomp_build_cached(&s, sub, &p, &miss, &err), 0, "%s", err.msg);
    cr_assert(miss);
    struct stat st;
    cr_assert_eq(stat(sub, &st), -1, "a lookup made %s", sub);
    cove_seccomp_cache_store(&s, sub, &p);
    cr_assert_eq(stat(sub, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0700);
    cr_assert_eq(cove_seccomp_build_cached(&s, sub, &q, &miss, &err), 0, "%s", err.msg);
    cr_assert_not(miss, "the stored entry was not found");
    assert_same_prog(&p, &q);
    char entry[1024];
    DIR *d = opendir(sub);
    cr_assert_not_null(d);
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(entry, sizeof(entry), "%s/%s", sub, e->d_name);
            unlink(entry);
        }
    closedir(d);
    rmdir(sub);
}

Test(seccomp_cache, miss_then_hit_gives_the_compiled_program, .init = cache_setup, .fini = cache_teardown) {
    struct cove_seccomp s = profile(COVE_SCMP_ALLOW, N(cache_rules));
    _cleanup_prog_ struct cove_seccomp_prog plain = { 0 }, first = { 0 }, second = { 0 };
    build_ok(&s, &plain);
    build_cached_ok(&s, &first);
    assert_same_prog(&plain, &first);
    char path[512];
    cache_entry(path, sizeof(path));
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    build_cached_ok(&s, &second);
    assert_same_prog(&plain, &second);
    cr_assert(second.notify);
    assert_exit0(run_filtered(&second, check_notify));
}

/* Replace the entry's program with another valid one (consistent header):
 * the next load must return it, proving hits are served from disk. */
Test(seccomp_cache, hit_is_served_from_the_file, .init = cache_setup, .fini = cache_teardown) {
    struct cove_seccomp s = profile(COVE_SCMP_ALLOW, N(cache_rules));
    _cleanup_prog_ struct cove_seccomp_prog first = { 0 }, other = { 0 }, loaded = { 0 };
    build_cached_ok(&s, &first);
    struct cove_seccomp o = profile(COVE_SCMP_KILL_PROCESS, NULL, 0);
    build_ok(&o, &other);

    char path[512];
    cache_entry(path, sizeof(path));
    FILE *f = fopen(path, "r+e");
    cr_assert_not_null(f);
    struct test_cache_header h;
    cr_assert_eq(fread(&h, sizeof(h), 1, f), 1);
    cr_assert_eq(memcmp(h.magic, "COVESECC", 8), 0);
    size_t nb = other.prog.len * sizeof(struct sock_filter);
    uint64_t sum = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < nb; i++)
        sum = (sum ^ ((unsigned char *)other.prog.filter)[i]) * 0x100000001b3ULL;
    h.n_insns = other.prog.len;
    h.insn_sum = sum;
    cr_assert_eq(fseek(f, 0, SEEK_SET), 0);
    cr_assert_eq(fwrite(&h, sizeof(h), 1, f), 1);
    cr_assert_eq(fseek(f, (long)(sizeof(h) + h.canon_len), SEEK_SET), 0);
    cr_assert_eq(fwrite(other.prog.filter, nb, 1, f), 1);
    cr_assert_eq(ftruncate(fileno(f), (off_t)(sizeof(h) + h.canon_len + nb)), 0);
    fclose(f);

    build_cached_ok(&s, &loaded);
    cr_assert_eq(loaded.prog.len, other.prog.len);
    cr_assert_eq(memcmp(loaded.prog.filter, other.prog.filter, nb), 0);
}

static void corrupt_and_check_rebuilt(void (*corrupt)(const char *path)) {
    struct cove_seccomp s = profile(COVE_SCMP_ALLOW, N(cache_rules));
    _cleanup_prog_ struct cove_seccomp_prog plain = { 0 }, first = { 0 }, again = { 0 }, third = { 0 };
    build_ok(&s, &plain);
    build_cached_ok(&s, &first);
    char path[512];
    cache_entry(path, sizeof(path));
    corrupt(path);
    build_cached_ok(&s, &again);
    assert_same_prog(&plain, &again);
    /* The entry was replaced by a good one. */
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    build_cached_ok(&s, &third);
    assert_same_prog(&plain, &third);
}

static void flip_last_byte(const char *path) {
    FILE *f = fopen(path, "r+e");
    cr_assert_not_null(f);
    cr_assert_eq(fseek(f, -1, SEEK_END), 0);
    int c = fgetc(f);
    cr_assert_eq(fseek(f, -1, SEEK_END), 0);
    fputc(c ^ 0x5a, f);
    fclose(f);
}

static void truncate_mid_program(const char *path) {
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(truncate(path, st.st_size - 3), 0);
}

static void make_group_writable(const char *path) { cr_assert_eq(chmod(path, 0620), 0); }

Test(seccomp_cache, corrupted_entry_is_rebuilt, .init = cache_setup, .fini = cache_teardown) {
    corrupt_and_check_rebuilt(flip_last_byte);
}

Test(seccomp_cache, truncated_entry_is_rebuilt, .init = cache_setup, .fini = cache_teardown) {
    corrupt_and_check_rebuilt(truncate_mid_program);
}

Test(seccomp_cache, group_writable_entry_is_not_trusted, .init = cache_setup, .fini = cache_teardown) {
    corrupt_and_check_rebuilt(make_group_writable);
}

Test(seccomp_cache, different_profiles_get_different_entries, .init = cache_setup, .fini = cache_teardown) {
    struct cove_seccomp a = profile(COVE_SCMP_ALLOW, N(cache_rules));
    struct cove_seccomp b = profile(COVE_SCMP_ALLOW, N(cache_rules));
    b.has_default_errno_ret = true;  /* irrelevant to ALLOW, but part of the key */
    _cleanup_prog_ struct cove_seccomp_prog pa = { 0 }, pb = { 0 };
    build_cached_ok(&a, &pa);
    build_cached_ok(&b, &pb);
    int n = 0;
    DIR *d = opendir(cache_dir);
    cr_assert_not_null(d);
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    cr_assert_eq(n, 2);
}

Test(seccomp_cache, missing_cache_dir_still_builds) {
    struct cove_seccomp s = profile(COVE_SCMP_ALLOW, N(cache_rules));
    _cleanup_prog_ struct cove_seccomp_prog p = { 0 };
    struct cove_err err = { 0 };
    bool miss;
    cr_assert_eq(cove_seccomp_build_cached(&s, "/nonexistent/cove-cache", &p, &miss, &err), 0, "%s", err.msg);
    cr_assert_not_null(p.prog.filter);
}

Test(seccomp_cache, build_errors_pass_through, .init = cache_setup, .fini = cache_teardown) {
    struct cove_seccomp s = profile(COVE_SCMP_NOTIFY, NULL, 0);
    struct cove_seccomp_prog p = { 0 };
    struct cove_err err = { 0 };
    bool miss;
    cr_assert_eq(cove_seccomp_build_cached(&s, cache_dir, &p, &miss, &err), -EINVAL);
    cr_assert_not_null(strstr(err.msg, "linux.seccomp.defaultAction"));
    cr_assert_null(p.prog.filter);
}

/* ------------------------------------------------- syscalls newer than it */

/* x86_64: getppid 110 < openat 257 < openat2 437 < cachestat 451 */
static int check_enosys_above_the_profile(int lfd) {
    if (syscall(SYS_getppid) != -1 || errno != EPERM)
        return 1; /* below the newest named syscall: the default action */
    if (syscall(451 /* cachestat */, -1, NULL, NULL, NULL, 0) != -1 || errno != ENOSYS)
        return 2; /* newer than every named syscall: ENOSYS */
    if (syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY) < 0)
        return 3; /* an allow rule */
    return 0;
}

static int check_openat2_rule_wins(int lfd) {
    if (syscall(437 /* openat2 */, AT_FDCWD, "/", NULL, 0) != -1 || errno != EACCES)
        return 1; /* an explicit rule wins over the stub */
    if (syscall(451, -1, NULL, NULL, NULL, 0) != -1 || errno != ENOSYS)
        return 2;
    return 0;
}

Test(seccomp, syscalls_newer_than_the_profile_get_enosys) {
#ifdef __x86_64__
    /* what the child itself needs, also under ASan (memory, signals, its
     * report) */
    char *allow[] = {"openat", "exit_group", "exit", "write", "mmap", "munmap", "mprotect", "madvise",
                     "rt_sigaction", "rt_sigprocmask", "sigaltstack", "getpid", "gettid", "tgkill", "close"};
    struct cove_seccomp_rule rules[] = {{.names = allow, .n_names = ARRAY_SIZE(allow), .action = COVE_SCMP_ALLOW}};
    struct cove_seccomp s = profile(COVE_SCMP_ERRNO, N(rules));
    _cleanup_prog_ struct cove_seccomp_prog p = {0};
    build_ok(&s, &p);
    assert_exit0(run_filtered(&p, check_enosys_above_the_profile));
    /* a profile that lists openat2 as denied keeps its errno */
    char *deny[] = {"openat2"};
    struct cove_seccomp_rule rules2[] = {{.names = allow, .n_names = ARRAY_SIZE(allow), .action = COVE_SCMP_ALLOW},
                                         {.names = deny, .n_names = 1, .action = COVE_SCMP_ERRNO,
                                          .has_errno_ret = true, .errno_ret = EACCES}};
    struct cove_seccomp s2 = profile(COVE_SCMP_ERRNO, N(rules2));
    _cleanup_prog_ struct cove_seccomp_prog p2 = {0};
    build_ok(&s2, &p2);
    assert_exit0(run_filtered(&p2, check_openat2_rule_wins));
#else
    cr_skip_test("syscall numbers are x86_64's");
#endif
}
