/* runtime/supervise.c — what foreground `run` and cove-shim share (see
 * supervise.h): the shim's argv, the client side that starts it, the
 * exit-status file behind `cove wait`, and the supervision loop. The shim
 * process itself is runtime/shim/shim.c. */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "runtime/cgops.h"
#include "runtime/container.h"
#include "runtime/create.h"
#include "runtime/init.h"
#include "runtime/ops.h"
#include "lib/selfexe.h"
#include "runtime/supervise.h"
#include "lib/syscalls.h"

/* ---------------------------------------------------------------- argv */

static int strv_push(char ***v, size_t *n, const char *a, struct cove_err *err) {
    char **nv = realloc(*v, (*n + 2) * sizeof(**v));
    if (!nv)
        return cove_err_set(err, ENOMEM, "out of memory");
    *v = nv;
    if (!(nv[*n] = strdup(a)))
        return cove_err_set(err, ENOMEM, "out of memory");
    nv[++*n] = NULL;
    return 0;
}

static int strv_push_opt(char ***v, size_t *n, const char *flag, const char *val, struct cove_err *err) {
    int r = strv_push(v, n, flag, err);
    return r < 0 ? r : strv_push(v, n, val, err);
}

static int strv_push_uint(char ***v, size_t *n, const char *flag, unsigned val, struct cove_err *err) {
    char buf[16];
    snprintf(buf, sizeof(buf), "%u", val);
    return strv_push_opt(v, n, flag, buf, err);
}

int cove_shim_argv_build(const char *shim_path, const struct cove_shim_opts *o, int report_fd, char ***argv,
                         struct cove_err *err) {
    const struct cove_create_opts *c = &o->create;
    _cleanup_strv_ char **v = NULL;
    size_t n = 0;
    int r;
    if ((r = strv_push(&v, &n, shim_path, err)) < 0 || (r = strv_push_uint(&v, &n, "--report-fd", (unsigned)report_fd, err)) < 0 ||
        (r = strv_push_opt(&v, &n, "--root", c->root, err)) < 0 ||
        (c->bundle && (r = strv_push_opt(&v, &n, "--bundle", c->bundle, err)) < 0) ||
        (c->pid_file && (r = strv_push_opt(&v, &n, "--pid-file", c->pid_file, err)) < 0) ||
        (c->console_socket && (r = strv_push_opt(&v, &n, "--console-socket", c->console_socket, err)) < 0) ||
        (c->no_pivot && (r = strv_push(&v, &n, "--no-pivot", err)) < 0) ||
        (c->no_new_keyring && (r = strv_push(&v, &n, "--no-new-keyring", err)) < 0) ||
        (c->systemd_cgroup && (r = strv_push(&v, &n, "--systemd-cgroup", err)) < 0) ||
        (c->rootless && (r = strv_push(&v, &n, "--rootless", err)) < 0) ||
        (c->preserve_fds && (r = strv_push_uint(&v, &n, "--preserve-fds", c->preserve_fds, err)) < 0) ||
        (o->start && (r = strv_push(&v, &n, "--start", err)) < 0) ||
        (o->rm && (r = strv_push(&v, &n, "--rm", err)) < 0) ||
        (o->timeout_s && (r = strv_push_uint(&v, &n, "--timeout", o->timeout_s, err)) < 0) ||
        (r = strv_push_uint(&v, &n, "--timeout-grace", o->grace_s, err)) < 0 ||
        (r = strv_push(&v, &n, "--", err)) < 0 || (r = strv_push(&v, &n, c->id, err)) < 0)
        return r;
    *argv = TAKE_PTR(v);
    return 0;
}

static int parse_uint(const char *flag, const char *s, unsigned max, unsigned *out, struct cove_err *err) {
    char *end;
    errno = 0;
    unsigned long v = s ? strtoul(s, &end, 10) : 0;
    if (!s || !*s || *end || errno || v > max)
        return cove_err_set(err, EINVAL, "cove-shim: %s: invalid value %s", flag, s ? s : "(missing)");
    *out = (unsigned)v;
    return 0;
}

int cove_shim_argv_parse(int argc, char **argv, struct cove_shim_opts *o, int *report_fd, struct cove_err *err) {
    memset(o, 0, sizeof(*o));
    o->grace_s = COVE_TIMEOUT_GRACE_DEFAULT;
    *report_fd = -1;
    unsigned u;
    int i, r;
    for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        const char *f = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = true;
        if (!strcmp(f, "--no-pivot")) o->create.no_pivot = true, takes = false;
        else if (!strcmp(f, "--no-new-keyring")) o->create.no_new_keyring = true, takes = false;
        else if (!strcmp(f, "--systemd-cgroup")) o->create.systemd_cgroup = true, takes = false;
        else if (!strcmp(f, "--rootless")) o->create.rootless = true, takes = false;
        else if (!strcmp(f, "--start")) o->start = true, takes = false;
        else if (!strcmp(f, "--rm")) o->rm = true, takes = false;
        else if (!val) return cove_err_set(err, EINVAL, "cove-shim: %s: missing value", f);
        else if (!strcmp(f, "--root")) o->create.root = val;
        else if (!strcmp(f, "--bundle")) o->create.bundle = val;
        else if (!strcmp(f, "--pid-file")) o->create.pid_file = val;
        else if (!strcmp(f, "--console-socket")) o->create.console_socket = val;
        else if (!strcmp(f, "--report-fd")) {
            if ((r = parse_uint(f, val, INT_MAX, &u, err)) < 0)
                return r;
            *report_fd = (int)u;
        } else if (!strcmp(f, "--preserve-fds")) {
            if ((r = parse_uint(f, val, 65536, &o->create.preserve_fds, err)) < 0)
                return r;
        } else if (!strcmp(f, "--timeout")) {
            if ((r = parse_uint(f, val, UINT_MAX, &o->timeout_s, err)) < 0)
                return r;
        } else if (!strcmp(f, "--timeout-grace")) {
            if ((r = parse_uint(f, val, UINT_MAX, &o->grace_s, err)) < 0)
                return r;
        } else
            return cove_err_set(err, EINVAL, "cove-shim: unknown option %s", f);
        i += takes;
    }
    if (i + 2 != argc)
        return cove_err_set(err, EINVAL, "cove-shim: expected \"-- <container-id>\" after the options");
    o->create.id = argv[i + 1];
    if (!o->create.root || *report_fd < 0)
        return cove_err_set(err, EINVAL, "cove-shim: --root and --report-fd are required");
    return 0;
}

/* ---------------------------------------------------------------- client */

int cove_shim_default_path(char **path, struct cove_err *err) {
    char buf[PATH_MAX];
    int r = cove_selfexe_helper("cove-shim", "COVE_SHIM", buf, sizeof(buf), err);
    if (r < 0)
        return r;
    return (*path = strdup(buf)) ? 0 : cove_err_set(err, ENOMEM, "out of memory");
}

/* In the grandchild: exec the shim; on failure tell the client why. */
_Noreturn static void spawn_exec(const char *path, char **argv, int report_fd) {
    struct cove_err e = {0};
    /* the shim must not hold the client's stdio: `x=$(cove run -d ...)`
     * would wait for EOF until the container exits */
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0 && dup2(null, 0) == 0 && dup2(null, 1) == 1 && dup2(null, 2) == 2 &&
        fcntl(report_fd, F_SETFD, 0) == 0)
        cove_selfexe_exec(path, argv, &e); /* the shim starts protected */
    else
        cove_err_sys(&e, errno, "exec cove-shim %s", path);
    cove_msg_send(report_fd, COVE_MSG_ERROR, &e);
    _exit(127);
}

int cove_shim_spawn(const char *shim_path, const struct cove_shim_opts *o, struct cove_err *err) {
    int sp[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
        return cove_err_sys(err, errno, "socketpair");
    _cleanup_close_ int mine = sp[0];
    /* above the preserved fds (3..3+N-1), which the shim hands to the init */
    _cleanup_close_ int theirs = fcntl(sp[1], F_DUPFD_CLOEXEC, 3 + (int)o->create.preserve_fds);
    close(sp[1]);
    if (theirs < 0)
        return cove_err_sys(err, errno, "dup report socket");
    _cleanup_strv_ char **argv = NULL;
    int r = cove_shim_argv_build(shim_path, o, theirs, &argv, err);
    if (r < 0)
        return r;
    pid_t a = fork();
    if (a < 0)
        return cove_err_sys(err, errno, "fork");
    if (a == 0) {
        /* own session: a Ctrl-C meant for the client never reaches the shim */
        if (setsid() < 0)
            _exit(1);
        pid_t b = fork();
        if (b == 0)
            spawn_exec(shim_path, argv, theirs);
        _exit(b < 0 ? 1 : 0);
    }
    close(TAKE_FD(theirs));
    int st = 0;
    while (waitpid(a, &st, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return cove_err_set(err, ECHILD, "cove-shim: fork failed");
    struct cove_msg m;
    if ((r = cove_proto_recv(mine, &m, "cove-shim", err)) < 0)
        return r;
    if (r == 0)
        return cove_err_set(err, EPIPE, "cove-shim %s exited without reporting", shim_path);
    return 0;
}

int cove_run_detached(const struct cove_create_opts *o, const struct cove_run_opts *ro, struct cove_err *err) {
    struct cove_shim_opts so = {
        .create = *o, .start = true, .rm = ro->rm, .timeout_s = ro->timeout_s, .grace_s = ro->grace_s,
    };
    return cove_shim_spawn(ro->shim_path, &so, err);
}

/* ---------------------------------------------------------------- exit file */

int cove_exitfile_create(int dirfd, int *fd, struct cove_err *err) {
    _cleanup_close_ int f = openat(dirfd, COVE_EXIT_FILE, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (f < 0)
        return cove_err_sys(err, errno, "create %s", COVE_EXIT_FILE);
    if (flock(f, LOCK_EX) < 0)
        return cove_err_sys(err, errno, "lock %s", COVE_EXIT_FILE);
    *fd = TAKE_FD(f);
    return 0;
}

int cove_exit_record(const char *root, const char *id, int code, bool rm, int exit_fd, struct cove_err *err) {
    char buf[16], ts[64];
    int n = snprintf(buf, sizeof(buf), "%d\n", code);
    /* first: `logs -f` stops at a non-empty exit file, and the file outlives
     * a concurrent delete for whoever has it open */
    if (exit_fd >= 0 && pwrite(exit_fd, buf, (size_t)n, 0) != n)
        return cove_err_sys(err, errno, "write %s", COVE_EXIT_FILE);
    struct cove_store st;
    struct cove_state s;
    enum cove_status status;
    int r = cove_ops_open(root, id, &st, &s, &status, err);
    if (r == -ENOENT)
        return 0; /* deleted meanwhile: nothing to record into */
    if (r < 0)
        return r;
    if (rm) {
        r = cove_ops_destroy(&st, &s, err);
    } else {
        cove_time_rfc3339(ts);
        free(s.finished);
        s.has_exit = true;
        s.exit_code = code;
        s.finished = strdup(ts);
        r = s.finished ? cove_state_save(&st, &s, err) : cove_err_set(err, ENOMEM, "out of memory");
    }
    cove_state_free(&s);
    cove_store_close(&st);
    return r;
}

static int exitfile_read(int fd, int *code) {
    char buf[16] = "";
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    if (n <= 0)
        return -ENODATA;
    char *end;
    long v = strtol(buf, &end, 10);
    if (end == buf || *end != '\n' || v < 0 || v > 255)
        return -ENODATA;
    *code = (int)v;
    return 0;
}

int cove_container_wait(const char *root, const char *id, int *exit_code, struct cove_err *err) {
    struct cove_store st;
    struct cove_state s;
    enum cove_status status;
    int r = cove_ops_open(root, id, &st, &s, &status, err);
    if (r < 0)
        return r;
    bool recorded = s.has_exit;
    *exit_code = s.exit_code;
    _cleanup_close_ int exit_fd = openat(st.dirfd, COVE_EXIT_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    _cleanup_close_ int pidfd = -1;
    if (!recorded && status != COVE_STATUS_STOPPED)
        pidfd = cove_ops_init_pidfd(&s, NULL);
    cove_state_free(&s);
    cove_store_close(&st); /* never block the recorder */
    if (recorded)
        return 0;
    if (exit_fd >= 0) {
        /* the recorder holds LOCK_EX until the code is written */
        while (flock(exit_fd, LOCK_SH) < 0 && errno == EINTR)
            ;
        if (exitfile_read(exit_fd, exit_code) == 0)
            return 0;
    }
    if (pidfd >= 0) {
        struct pollfd p = {.fd = pidfd, .events = POLLIN};
        while (poll(&p, 1, -1) < 0 && errno == EINTR)
            ;
    }
    /* a recorder that raced with us may have written state.json */
    if ((r = cove_container_state(root, id, &s, &status, err)) < 0)
        return r;
    recorded = s.has_exit;
    *exit_code = s.exit_code;
    cove_state_free(&s);
    if (recorded)
        return 0;
    return cove_err_set(err, ENODATA,
                        "container \"%s\" has stopped but its exit code was not recorded "
                        "(only run, run -d and create --shim record it)", id);
}

/* ---------------------------------------------------------------- supervision */

static const int shim_forwarded[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2};

void cove_supervise_sigset(sigset_t *set) {
    sigemptyset(set);
    for (size_t i = 0; i < ARRAY_SIZE(shim_forwarded); i++)
        sigaddset(set, shim_forwarded[i]);
}

enum { EV_PIDFD, EV_SIGNAL, EV_STDOUT, EV_STDERR, EV_TIMER };

struct sup_state {
    const struct cove_supervise *s;
    int epfd, timerfd, out_fd, err_fd;
    int phase;               /* 0 waiting, 1 SIGTERM sent, 2 SIGKILL sent */
    bool reaped;
    siginfo_t si;
};

/* Collect the init (and, as a subreaper, every orphan handed to us). */
static void sup_reap(struct sup_state *st) {
    const struct cove_supervise *s = st->s;
    for (;;) {
        siginfo_t si = {0};
        idtype_t type = s->reap_all ? P_ALL : P_PID;
        if (waitid(type, s->reap_all ? 0 : (id_t)s->pid, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
            return;
        if (si.si_pid == s->pid) {
            st->si = si;
            st->reaped = true;
        }
        if (!s->reap_all)
            return;
    }
}

static void sup_pump(struct sup_state *st, int *fd, const char *stream) {
    static char buf[32768];
    for (;;) {
        ssize_t n = read(*fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) {
            epoll_ctl(st->epfd, EPOLL_CTL_DEL, *fd, NULL);
            close(*fd);
            *fd = -1;
            return;
        }
        /* a full disk must not block the container on a full pipe: drop */
        if (st->s->log)
            cove_logfile_write(st->s->log, stream, buf, (size_t)n, NULL);
        if ((size_t)n < sizeof(buf))
            return;
    }
}

static void sup_arm(int timerfd, unsigned seconds) {
    struct itimerspec it = {.it_value = {.tv_sec = seconds ? (time_t)seconds : 0, .tv_nsec = seconds ? 0 : 1}};
    timerfd_settime(timerfd, 0, &it, NULL);
}

/* --timeout: the container is frozen, then SIGTERM to every process and,
 * after the grace period, SIGKILL to every process; when the init has no
 * SIGTERM handler, SIGKILL at once (cove_container_deadline). */
static void sup_timer(struct sup_state *st) {
    uint64_t ticks;
    if (read(st->timerfd, &ticks, sizeof(ticks)) < 0)
        return;
    const struct cove_supervise *s = st->s;
    if (st->phase == 0) {
        st->phase = 1;
        bool grace = true;
        struct cove_err ignored = {0};
        if (!s->root || cove_container_deadline(s->root, s->id, &grace, &ignored) < 0) {
            grace = true; /* no cgroup to act on: the init alone */
            cove_pidfd_send_signal(s->pidfd, SIGTERM, NULL, 0);
        }
        if (grace)
            sup_arm(st->timerfd, s->grace_s);
        else
            st->phase = 2;
    } else if (st->phase == 1) {
        st->phase = 2;
        struct cove_err ignored = {0};
        if (!s->root || cove_container_kill(s->root, s->id, SIGKILL, true, &ignored) < 0)
            cove_pidfd_send_signal(s->pidfd, SIGKILL, NULL, 0);
    }
}

static void sup_signal(struct sup_state *st) {
    struct signalfd_siginfo si;
    if (read(st->s->sigfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
        return;
    if (si.ssi_signo == SIGCHLD)
        sup_reap(st);
    else
        cove_pidfd_send_signal(st->s->pidfd, (int)si.ssi_signo, NULL, 0);
}

static int sup_add(int epfd, int fd, uint64_t tag, struct cove_err *err) {
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};
    if (fd >= 0 && epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
        return cove_err_sys(err, errno, "epoll_ctl");
    return 0;
}

static int sup_setup(struct sup_state *st, struct cove_err *err) {
    const struct cove_supervise *s = st->s;
    if ((st->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
        return cove_err_sys(err, errno, "epoll_create1");
    if (s->timeout_s) {
        if ((st->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC)) < 0)
            return cove_err_sys(err, errno, "timerfd_create");
        sup_arm(st->timerfd, s->timeout_s);
    }
    int r;
    if ((r = sup_add(st->epfd, s->pidfd, EV_PIDFD, err)) < 0 || (r = sup_add(st->epfd, s->sigfd, EV_SIGNAL, err)) < 0 ||
        (r = sup_add(st->epfd, st->out_fd, EV_STDOUT, err)) < 0 ||
        (r = sup_add(st->epfd, st->err_fd, EV_STDERR, err)) < 0 ||
        (r = sup_add(st->epfd, st->timerfd, EV_TIMER, err)) < 0)
        return r;
    return 0;
}

int cove_supervise_run(const struct cove_supervise *s, int *exit_code, struct cove_err *err) {
    struct sup_state st = {.s = s, .epfd = -1, .timerfd = -1, .out_fd = s->out_fd, .err_fd = s->err_fd};
    int r = sup_setup(&st, err);
    sup_reap(&st); /* it may be gone already */
    while (r == 0 && !st.reaped) {
        struct epoll_event ev[8];
        int n = epoll_wait(st.epfd, ev, ARRAY_SIZE(ev), -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r = cove_err_sys(err, errno, "epoll_wait");
            break;
        }
        for (int i = 0; i < n; i++) {
            switch (ev[i].data.u64) {
            case EV_PIDFD: sup_reap(&st); break;
            case EV_SIGNAL: sup_signal(&st); break;
            case EV_STDOUT: if (st.out_fd >= 0) sup_pump(&st, &st.out_fd, "stdout"); break;
            case EV_STDERR: if (st.err_fd >= 0) sup_pump(&st, &st.err_fd, "stderr"); break;
            case EV_TIMER: sup_timer(&st); break;
            }
        }
    }
    /* what the init wrote before exiting is in the pipes now */
    if (st.out_fd >= 0)
        sup_pump(&st, &st.out_fd, "stdout");
    if (st.err_fd >= 0)
        sup_pump(&st, &st.err_fd, "stderr");
    if (st.out_fd >= 0)
        close(st.out_fd);
    if (st.err_fd >= 0)
        close(st.err_fd);
    if (st.epfd >= 0)
        close(st.epfd);
    if (st.timerfd >= 0)
        close(st.timerfd);
    if (r < 0)
        return r;
    if (st.phase > 0)
        *exit_code = COVE_TIMEOUT_EXIT;
    else if (st.si.si_code == CLD_EXITED)
        *exit_code = st.si.si_status;
    else
        *exit_code = 128 + st.si.si_status;
    return 0;
}
