/* runtime/supervise.h — what cove-shim (runtime/shim/, docs/shim.md), the
 * small per-container process that is the parent of a detached container's
 * init, shares with `run`, `wait` and `logs`: the shim's options and the
 * client that starts it, the supervision loop, the exit-status file and
 * the container log file.
 *
 * Files in the container's state directory (<root>/<id>/):
 *   exit      created (and flock'ed LOCK_EX) by whoever is the init's parent
 *             and will record its exit status: cove-shim, or a foreground
 *             `cove run`. It holds "<code>\n" once recorded; the lock is
 *             released only after that (and after --rm's delete), so
 *             `cove wait` blocks on flock(LOCK_SH) and reads its fd — which
 *             still works after the directory was removed.
 *   ctr.log   stdout/stderr of a detached container, CRI log format:
 *             "<RFC3339Nano> <stdout|stderr> <F|P> <text>\n", one record per
 *             line of output (P: a partial line, continued by the next
 *             record of the stream). Rotated once to ctr.log.1 at a size cap.
 * Nothing here prints. */
#ifndef COVE_RUNTIME_SUPERVISE_H
#define COVE_RUNTIME_SUPERVISE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/container.h"
#include "lib/err.h"

#define COVE_EXIT_FILE "exit"
#define COVE_LOG_FILE "ctr.log"
#define COVE_LOG_MAX (10u << 20)        /* per file; one rotation → ≤ 2× on disk */
/* `cove run --timeout`: the exit code when the timeout fired, as timeout(1) */
#define COVE_TIMEOUT_EXIT 124
#define COVE_TIMEOUT_GRACE_DEFAULT 10

/* ---------------------------------------------------------------- shim */

struct cove_shim_opts {
    struct cove_create_opts create;
    bool start;              /* run -d: start after create (else create --shim) */
    bool rm;                 /* delete the container after recording its exit */
    unsigned timeout_s;      /* 0: none */
    unsigned grace_s;        /* SIGTERM → SIGKILL delay after the timeout */
};

/* Client side (`cove run -d`, `cove create --shim`): start shim_path as a
 * daemon (double fork, new session) that creates the container as its own
 * child, and wait for its report. Returns create's error when it failed —
 * then nothing is left behind. */
int cove_shim_spawn(const char *shim_path, const struct cove_shim_opts *o, struct cove_err *err);

/* `cove run -d` with a shim: create + start under cove-shim. */
int cove_run_detached(const struct cove_create_opts *o, const struct cove_run_opts *ro, struct cove_err *err);

/* The cove-shim binary next to the running executable (or $COVE_SHIM). */
int cove_shim_default_path(char **path, struct cove_err *err);

/* argv for cove-shim (NULL-terminated, malloc'd strings) / its parser.
 * Exposed for unit tests. */
int cove_shim_argv_build(const char *shim_path, const struct cove_shim_opts *o, int report_fd, char ***argv,
                         struct cove_err *err);
int cove_shim_argv_parse(int argc, char **argv, struct cove_shim_opts *o, int *report_fd, struct cove_err *err);

/* ---------------------------------------------------------------- supervision */

struct cove_supervise {
    pid_t pid;
    int pidfd;
    int sigfd;               /* signalfd: forwarded signals (+ SIGCHLD with reap_all) */
    bool reap_all;           /* a subreaper: reap orphans too */
    unsigned timeout_s, grace_s;
    const char *root, *id;   /* for `kill --all KILL` when the grace period ends */
    int out_fd, err_fd;      /* read ends (O_NONBLOCK) of the init's stdout/stderr, -1: none; closed by run */
    struct cove_logfile *log;
};

/* Wait for the init, forwarding signals from sigfd, applying the timeout,
 * copying output to the log. *exit_code: the init's (128+N on signal N),
 * COVE_TIMEOUT_EXIT when the timeout fired. Fails only if waiting fails. */
int cove_supervise_run(const struct cove_supervise *s, int *exit_code, struct cove_err *err);

/* The signals the shim forwards to the init. */
void cove_supervise_sigset(sigset_t *set);

/* ---------------------------------------------------------------- exit file */

/* Create <dir>/exit and lock it; *fd is the owner's. */
int cove_exitfile_create(int dirfd, int *fd, struct cove_err *err);
/* Record the exit: state.json gets exitCode + finished (or, with rm, the
 * container is deleted), then the exit file gets the code. The caller
 * closes exit_fd afterwards (which wakes `cove wait`). A container deleted
 * meanwhile is not an error. */
int cove_exit_record(const char *root, const char *id, int code, bool rm, int exit_fd, struct cove_err *err);

/* ---------------------------------------------------------------- log file (logfile.c) */

struct cove_logfile {
    int dirfd;               /* directory of the log (not owned) */
    int fd;
    char name[64];
    uint64_t size, max;
};

/* Open (append) dirfd/name; rotate to name.1 when a record would pass max. */
int cove_logfile_open(struct cove_logfile *lf, int dirfd, const char *name, uint64_t max, struct cove_err *err);
/* One record per line of data (a trailing part without '\n' is a "P" record). */
int cove_logfile_write(struct cove_logfile *lf, const char *stream, const char *data, size_t len,
                       struct cove_err *err);
void cove_logfile_close(struct cove_logfile *lf);

/* Parse one line (without its '\n'); -EINVAL when malformed. */
int cove_log_parse_line(const char *line, size_t len, struct cove_log_record *rec);

#endif
