/* runtime/run.c — `run`: create, start and wait in one process. The init
 * is our child, so its exit status is ours to collect; signals sent to cove
 * are forwarded to it (signalfd + pidfd, no polling). */
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/cleanup.h"
#include "runtime/container.h"
#include "runtime/create.h"
#include "runtime/init.h"
#include "runtime/ops.h"
#include "runtime/syscalls.h"

static const int forwarded[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};

static void forward_set(sigset_t *set) {
    sigemptyset(set);
    for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
        sigaddset(set, forwarded[i]);
}

/* Release the init (it is blocked on the exec fifo) and wait until it has
 * exec'd: EOF on the socket, or an ERROR telling why exec failed. */
static int run_start(struct create_ctx *x, struct cove_err *err) {
    if (write(x->fifo, "0", 1) != 1)
        return cove_err_sys(err, errno, "write %s/exec.fifo", x->store.dir);
    unlinkat(x->store.dirfd, "exec.fifo", 0);
    struct cove_msg m;
    int r = cove_msg_recv(x->sock, &m);
    if (r < 0)
        return cove_err_sys(err, -r, "receive from container init");
    if (r > 0 && m.type == COVE_MSG_ERROR)
        return cove_err_set(err, m.code > 0 ? m.code : EIO, "%s", m.text);
    return 0;
}

static int exit_code_of(const siginfo_t *si) {
    if (si->si_code == CLD_EXITED)
        return si->si_status;
    return 128 + si->si_status;
}

/* Wait for the init, forwarding signals; returns its exit code. */
static int run_wait(pid_t pid, int pidfd, int sigfd) {
    struct pollfd p[2] = {{.fd = pidfd, .events = POLLIN}, {.fd = sigfd, .events = POLLIN}};
    for (;;) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[1].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
                cove_pidfd_send_signal(pidfd, (int)si.ssi_signo, NULL, 0);
        }
        if (p[0].revents & (POLLIN | POLLHUP))
            break;
    }
    siginfo_t si = {0};
    if (waitid(P_PID, (id_t)pid, &si, WEXITED) < 0)
        return 255;
    return exit_code_of(&si);
}

int cove_container_run(const struct cove_create_opts *o, bool detach, bool keep, int *exit_code, struct cove_err *err) {
    sigset_t set, old;
    forward_set(&set);
    /* blocked before clone so no signal is lost; the init unblocks them */
    sigprocmask(SIG_BLOCK, &set, &old);
    _cleanup_close_ int sigfd = signalfd(-1, &set, SFD_CLOEXEC);

    struct create_ctx x;
    int r = cove_create_begin(&x, o, err);
    if (r == 0)
        r = run_start(&x, err);
    if (r < 0) {
        cove_create_abort(&x);
        cove_create_free(&x);
        sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
    }
    pid_t pid = x.pid;
    int pidfd = TAKE_FD(x.pidfd);
    x.pid = 0;
    /* the container is running: drop the lock so `state`, `kill`... work */
    cove_create_free(&x);
    if (detach) {
        close(pidfd);
        sigprocmask(SIG_SETMASK, &old, NULL);
        *exit_code = 0;
        return 0;
    }
    *exit_code = run_wait(pid, pidfd, sigfd);
    close(pidfd);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (keep)
        return 0;
    struct cove_store st;
    struct cove_state s;
    enum cove_status status;
    r = cove_ops_open(o->root, o->id, &st, &s, &status, err);
    if (r < 0)
        return r;
    r = cove_ops_destroy(&st, &s, err);
    cove_state_free(&s);
    if (r < 0)
        cove_store_close(&st);
    return r;
}
