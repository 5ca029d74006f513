/* runtime/container.h — the operations the CLI performs on containers.
 * Each loads/locks the container through the state store, asks the
 * lifecycle rules, and acts. Nothing here prints. */
#ifndef COVE_CONTAINER_H
#define COVE_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

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

#endif
