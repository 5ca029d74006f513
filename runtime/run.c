/* runtime/run.c — `run`: create, start and wait in one process. The init
 * is our child, so its exit status is ours to collect; signals sent to cove
 * are forwarded to it (signalfd + pidfd, no polling). */
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/trace.h"
#include "runtime/container.h"
#include "runtime/create.h"
#include "runtime/init.h"
#include "runtime/ops.h"
#include "runtime/supervise.h"
#include "lib/syscalls.h"
#include "runtime/terminal.h"

static const int forwarded[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};

static void forward_set(sigset_t *set) {
    sigemptyset(set);
    for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
        sigaddset(set, forwarded[i]);
}

/* Wait for the init, forwarding signals and applying --timeout
 * (runtime/shim.c); returns its exit code. */
static int run_wait(pid_t pid, int pidfd, int sigfd, const struct cove_create_opts *o, const struct cove_run_opts *ro) {
    struct cove_supervise s = {.pid = pid, .pidfd = pidfd, .sigfd = sigfd, .timeout_s = ro->timeout_s,
                               .grace_s = ro->grace_s, .root = o->root, .id = o->id, .out_fd = -1, .err_fd = -1};
    struct cove_err ignored = {0};
    int code = 255;
    cove_supervise_run(&s, &code, &ignored);
    return code;
}

int cove_container_run(const struct cove_create_opts *o, bool detach, bool keep, int *exit_code, struct cove_err *err) {
    struct cove_run_opts ro = {.detach = detach, .keep = keep};
    return cove_container_run_ex(o, &ro, exit_code, err);
}

int cove_container_run_ex(const struct cove_create_opts *o, const struct cove_run_opts *ro, int *exit_code,
                          struct cove_err *err) {
    bool detach = ro->detach, keep = ro->keep;
    *exit_code = 0;
    if (detach && ro->shim_path)
        return cove_run_detached(o, ro, err);
    sigset_t set, old;
    forward_set(&set);
    /* blocked before clone so no signal is lost; the init unblocks them */
    sigprocmask(SIG_BLOCK, &set, &old);
    _cleanup_close_ int sigfd = signalfd(-1, &set, SFD_CLOEXEC);

    /* without -d a terminal is relayed by cove itself (create_io.c) */
    struct cove_create_opts oo = *o;
    oo.foreground = !detach;
    struct create_ctx x;
    _cleanup_close_ int master = -1;
    int r = cove_create_begin(&x, &oo, err);
    if (r == 0 && x.console_parent >= 0)
        r = cove_terminal_recv_master(x.console_parent, &master, err);
    /* we are the init's parent: we record its exit for `cove wait` */
    _cleanup_close_ int exit_fd = -1;
    if (r == 0 && !detach)
        r = cove_exitfile_create(x.store.dirfd, &exit_fd, err);
    if (r == 0)
        r = cove_create_release(&x, err);
    cove_trace("run: started (exec fifo)");
    if (r == 0)
        cove_create_poststart(&x);
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
    *exit_code = master >= 0 ? cove_io_wait(pid, pidfd, sigfd, master) : run_wait(pid, pidfd, sigfd, o, ro);
    close(pidfd);
    sigprocmask(SIG_SETMASK, &old, NULL);
    cove_trace("run: the workload exited");
    /* --keep: exitCode + finished in state.json; else delete */
    r = cove_exit_record(o->root, o->id, *exit_code, !keep, exit_fd, err);
    cove_trace("run: deleted");
    return r;
}
