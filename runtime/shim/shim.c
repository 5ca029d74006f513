/* runtime/shim/shim.c — the cove-shim process (docs/shim.md).
 *
 * Process tree of `cove run -d`:
 *   cove ─fork→ A (setsid) ─fork→ B ─exec→ cove-shim ─clone3→ container init
 * A exits at once, so the shim is an orphan owned by the host's init (or
 * the caller's subreaper) and no zombie waits on the cove client. The shim
 * is PR_SET_CHILD_SUBREAPER before clone3, runs create (and start)
 * in-process, reports over a SOCK_SEQPACKET pair (one struct cove_msg:
 * READY or ERROR) and from then on only waits. It never runs code the
 * container controls: it execs nothing, reads only pipes and its pidfd. */
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/selfexe.h"
#include "runtime/create.h"
#include "runtime/protocol.h"
#include "runtime/shim/shim.h"
#include "runtime/supervise.h"

struct shim {
    struct cove_shim_opts o;
    int report, sigfd, out_r, err_r, dirfd, exit_fd, null;
    struct cove_logfile log;
};

/* Before clone3: be the subreaper, block what we forward (the init
 * unblocks everything), give the init /dev/null and two pipes as stdio. */
static int shim_prepare(struct shim *sh, struct cove_err *err) {
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
        return cove_err_sys(err, errno, "prctl(PR_SET_CHILD_SUBREAPER)");
    /* a client started as a shell's background job has SIGINT/SIGQUIT
     * ignored, and SIG_IGN survives clone3 and exec: a detached container
     * starts from the defaults instead */
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            signal(sig, SIG_DFL);
    sigset_t set;
    cove_supervise_sigset(&set);
    sigaddset(&set, SIGCHLD);
    if ((sh->sigfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0)
        return cove_err_sys(err, errno, "signalfd");
    /* SIGPIPE only blocked, never ignored: an ignored disposition would
     * survive clone3 and exec into the container */
    sigaddset(&set, SIGPIPE);
    sigprocmask(SIG_BLOCK, &set, NULL);
    if ((sh->null = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
        return cove_err_sys(err, errno, "open /dev/null");
    _cleanup_close_pair_ int out[2] = {-1, -1}, errp[2] = {-1, -1};
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
        return cove_err_sys(err, errno, "pipe");
    sh->out_r = TAKE_FD(out[0]);
    sh->err_r = TAKE_FD(errp[0]);
    /* only our ends are non-blocking: the flag is per open file */
    fcntl(sh->out_r, F_SETFL, O_NONBLOCK);
    fcntl(sh->err_r, F_SETFL, O_NONBLOCK);
    if (dup2(sh->null, 0) < 0 || dup2(out[1], 1) < 0 || dup2(errp[1], 2) < 0)
        return cove_err_sys(err, errno, "dup2 stdio");
    return 0;
}

static int shim_create(struct shim *sh, struct create_ctx *x, struct cove_err *err) {
    int r = cove_create_begin(x, &sh->o.create, err);
    if (r < 0)
        return r;
    /* before the lock is dropped: whoever can see state.json sees the exit file */
    if ((r = cove_exitfile_create(x->store.dirfd, &sh->exit_fd, err)) < 0)
        return r;
    /* a descriptor of our own: the store's carries its flock */
    if ((sh->dirfd = openat(x->store.dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return cove_err_sys(err, errno, "open %s", x->store.dir);
    if ((r = cove_logfile_open(&sh->log, sh->dirfd, COVE_LOG_FILE, COVE_LOG_MAX, err)) < 0)
        return cove_err_prefix(err, "%s", x->store.dir);
    if (sh->o.start && (r = cove_create_release(x, err)) < 0)
        return r;
    if (sh->o.start)
        cove_create_poststart(x); /* as run: hook failures are warnings */
    return 0;
}

/* The init has the preserved fds now; the shim must not keep them open. */
static void shim_close_preserved(const struct shim *sh) {
    int ours[] = {sh->report, sh->sigfd, sh->out_r, sh->err_r, sh->dirfd, sh->exit_fd, sh->null, sh->log.fd};
    for (int fd = 3; fd < 3 + (int)sh->o.create.preserve_fds; fd++) {
        bool mine = false;
        for (size_t i = 0; i < ARRAY_SIZE(ours); i++)
            mine |= ours[i] == fd;
        if (!mine)
            close(fd);
    }
}

static void shim_close(struct shim *sh) {
    int *fds[] = {&sh->report, &sh->sigfd, &sh->out_r, &sh->err_r, &sh->dirfd, &sh->exit_fd, &sh->null};
    cove_logfile_close(&sh->log);
    for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
        cove_close(fds[i]);
}

int cove_shim_main(int argc, char **argv) {
    struct shim sh = {.report = -1, .sigfd = -1, .out_r = -1, .err_r = -1, .dirfd = -1, .exit_fd = -1, .null = -1,
                      .log = {.fd = -1}};
    struct cove_err err = {0};
    cove_selfexe_init();
    if (cove_shim_argv_parse(argc, argv, &sh.o, &sh.report, &err) < 0) {
        if (sh.report >= 0)
            cove_msg_send(sh.report, COVE_MSG_ERROR, &err);
        return 2;
    }
    /* the shim clones the container's init: never from a writable image
     * (cove starts it from a read-only clone, so this is a no-op then) */
    if (cove_selfexe_protect(argv, &err) < 0) {
        cove_msg_send(sh.report, COVE_MSG_ERROR, &err);
        return 1;
    }
    fcntl(sh.report, F_SETFD, FD_CLOEXEC);
    if (shim_prepare(&sh, &err) < 0) {
        cove_msg_send(sh.report, COVE_MSG_ERROR, &err);
        shim_close(&sh);
        return 1;
    }
    struct create_ctx x;
    int r = shim_create(&sh, &x, &err);
    /* a client that died before hearing of success never told anyone about
     * the container: leave nothing behind rather than an unknown one */
    if (r < 0 || cove_msg_send(sh.report, COVE_MSG_READY, NULL) < 0) {
        if (r < 0)
            cove_msg_send(sh.report, COVE_MSG_ERROR, &err);
        cove_create_abort(&x);
        cove_create_free(&x);
        shim_close(&sh);
        return 1;
    }
    struct cove_supervise sup = {
        .pid = x.pid, .pidfd = TAKE_FD(x.pidfd), .sigfd = sh.sigfd, .reap_all = true,
        .timeout_s = sh.o.timeout_s, .grace_s = sh.o.grace_s, .root = sh.o.create.root, .id = sh.o.create.id,
        .out_fd = TAKE_FD(sh.out_r), .err_fd = TAKE_FD(sh.err_r), .log = &sh.log,
    };
    x.pid = 0;
    cove_create_free(&x); /* drops the container lock */
    close(TAKE_FD(sh.report));
    shim_close_preserved(&sh);
    /* daemon: our copies of the init's stdout/stderr go, so EOF on the pipes
     * means every holder in the container closed them */
    dup2(sh.null, 1);
    dup2(sh.null, 2);
    if (chdir("/") < 0)
        return 1;
    int code = 0;
    r = cove_supervise_run(&sup, &code, &err);
    close(sup.pidfd);
    if (r == 0)
        r = cove_exit_record(sh.o.create.root, sh.o.create.id, code, sh.o.rm, sh.exit_fd, &err);
    shim_close(&sh); /* releases the exit file lock: wakes `cove wait` */
    return r < 0 ? 1 : 0;
}
