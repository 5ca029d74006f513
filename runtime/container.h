/* runtime/container.h — the container API: every operation the CLI (and
 * the shim, the sandbox) performs on containers, and nothing else. Each
 * loads/locks the container through the state store, asks the lifecycle
 * rules, and acts. Nothing here prints. Implemented in create.c, run.c,
 * ops.c, exec.c, cgops.c, supervise.c and logfile.c. */
#ifndef COVE_CONTAINER_H
#define COVE_CONTAINER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroups/cgroups.h"
#include "runtime/config/config.h"

#include "lib/err.h"
#include "runtime/state.h"

struct cove_create_opts {
    const char *root;            /* --root */
    const char *id;
    const char *bundle;          /* --bundle (default: cwd) */
    const char *pid_file;        /* --pid-file */
    const char *console_socket;  /* --console-socket */
    bool no_pivot;               /* --no-pivot */
    bool no_new_keyring;         /* --no-new-keyring */
    unsigned preserve_fds;       /* --preserve-fds */
    bool systemd_cgroup;         /* --systemd-cgroup */
    bool rootless;               /* --rootless resolved: a cgroup the user cannot write is skipped or refused */
    bool overlay;                /* run --overlay: copy-on-write over root.path (image/overlay.c) */
    bool tty;                    /* run --tty/-t: process.terminal = true */
    bool foreground;             /* set by run without -d: cove relays the pty */
};

/* create: build the container and leave its init waiting for `start`. */
int cove_container_create(const struct cove_create_opts *o, struct cove_err *err);

/* run in the foreground: create, start, forward signals, wait; *exit_code is
 * the container's (128+N when killed by signal N). Unless keep, the
 * container is deleted afterwards. With detach, returns after start. */
int cove_container_run(const struct cove_create_opts *o, bool detach, bool keep, int *exit_code, struct cove_err *err);

/* run with the shell-user options (runtime/run.c, runtime/shim.c). */
struct cove_run_opts {
    bool detach;             /* -d: with shim_path, a cove-shim supervises the container */
    bool keep;               /* foreground: do not delete after exit (exitCode is recorded) */
    bool rm;                 /* -d: the shim deletes the container after it exits */
    unsigned timeout_s;      /* --timeout: SIGTERM, grace, SIGKILL all; exit code 124. 0: none */
    unsigned grace_s;        /* --timeout-grace (default 10) */
    const char *shim_path;   /* the cove-shim binary; NULL: -d leaves the init unsupervised (as runc) */
};
int cove_container_run_ex(const struct cove_create_opts *o, const struct cove_run_opts *ro, int *exit_code,
                          struct cove_err *err);

int cove_container_start(const char *root, const char *id, struct cove_err *err);
int cove_container_kill(const char *root, const char *id, int sig, bool all, struct cove_err *err);
/* delete (runc's semantics). A container whose state.json is missing (a
 * create that died) or, with force, damaged, is salvaged from its owns
 * record (state.h): then salvaged (when salvaged_len) says what was found
 * and removed, for a warning; "" otherwise. */
int cove_container_delete(const char *root, const char *id, bool force, char *salvaged, size_t salvaged_len,
                          struct cove_err *err);

/* Load the state and the derived status of one container. */
int cove_container_state(const char *root, const char *id, struct cove_state *s, enum cove_status *status,
                         struct cove_err *err);

/* `cove wait`: block until the container has stopped; its exit code.
 * ENODATA when it stopped without anyone recording the code (no shim). */
int cove_container_wait(const char *root, const char *id, int *exit_code, struct cove_err *err);

struct cove_log_record {
    const char *time; size_t time_len;
    const char *stream; size_t stream_len;
    bool partial;
    const char *text; size_t text_len;     /* without the '\n' */
};

/* `cove logs`: feed every record of ctr.log.1 then ctr.log to emit; with
 * follow, keep going (inotify) until the container's recorder is done.
 * emit returning < 0 stops (that value is returned). */
typedef int (*cove_log_emit_fn)(const struct cove_log_record *rec, void *userdata);
int cove_container_logs(const char *root, const char *id, bool follow, cove_log_emit_fn emit, void *userdata,
                        struct cove_err *err);

/* ---- cgroup operations (cgops.c) */

/* Freeze / thaw every process of the container. pause on a stopped
 * container: "container not running"; resume on one that is not paused:
 * "container not paused". */
int cove_container_pause(const char *root, const char *id, struct cove_err *err);
int cove_container_resume(const char *root, const char *id, struct cove_err *err);

/* A --timeout deadline (run, the shim, sandbox): the container's cgroup is
 * frozen first, so no new step of the job starts; then, when its init
 * catches SIGTERM (SigCgt), every process gets SIGTERM and *grace is set
 * (the caller SIGKILLs them all after the grace period); when it does not
 * (a shell as PID 1 gets no signal it has no handler for, and would go on
 * with its next command), every process gets SIGKILL at once and *grace is
 * false. The cgroup is thawed at the end. */
int cove_container_deadline(const char *root, const char *id, bool *grace, struct cove_err *err);

/* The pids in the container's cgroup (host pid namespace); *pids malloc'd. */
int cove_container_pids(const char *root, const char *id, pid_t **pids, size_t *n, struct cove_err *err);

/* Write the set fields of res to the running container's cgroup (fields
 * not set are left as they are). Validated against the host mode first. */
int cove_container_update(const char *root, const char *id, const struct cove_resources *res, struct cove_err *err);

/* One snapshot of the container's cgroup counters. */
int cove_container_stats(const char *root, const char *id, struct cove_cgroup_stats *st, struct cove_err *err);

/* ---- exec (exec.c; docs/exec.md): one more process in a created or
 * running container; it joins every namespace of the init, is born in
 * the container's cgroup and gets its limits. */

struct cove_exec_opts {
    const char *root;                /* --root */
    const char *id;
    const char *process_file;        /* --process: replaces the whole process */
    char **args; size_t n_args;      /* trailing args (without --process) */
    bool tty;                        /* --tty/-t */
    const char *console_socket;      /* --console-socket */
    const char *cwd;                 /* --cwd */
    char **env; size_t n_env;        /* --env/-e KEY=VALUE, override the config's */
    const char *user;                /* --user/-u "uid[:gid]" */
    uint32_t *additional_gids; size_t n_additional_gids;  /* --additional-gids/-g */
    char **caps; size_t n_caps;      /* --cap/-c CAP_X: added to the container's */
    bool no_new_privs;               /* --no-new-privs */
    const char *apparmor;            /* --apparmor (refused: no LSM support) */
    const char *process_label;       /* --process-label (refused) */
    bool detach;                     /* --detach/-d */
    const char *pid_file;            /* --pid-file */
    unsigned preserve_fds;           /* --preserve-fds */
    bool ignore_paused;              /* --ignore-paused */
    const char *cgroup;              /* --cgroup: sub-cgroup of the container's */
};

/* Run the process. Foreground: waits (forwarding signals; relaying the pty
 * with -t and no console socket) and sets *exit_code to the process's
 * status, 128+N when killed by signal N. Detached: returns once the process
 * has exec'd (pid file written), *exit_code 0. */
int cove_container_exec(const struct cove_exec_opts *o, int *exit_code, struct cove_err *err);

#endif
