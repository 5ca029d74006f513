/* runtime/exec.h — `exec`: start one more process in a created or running
 * container. It joins every namespace of the container's init, is born in
 * the container's cgroup, and gets the container's seccomp filter,
 * capabilities, rlimits and no_new_privs (or those of --process FILE).
 * See docs/exec.md for the sequence and the security rules. */
#ifndef COVE_EXEC_H
#define COVE_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

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
