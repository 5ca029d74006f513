/* runtime/create.h — internal to runtime/: the state of one `create` in
 * progress, shared by create.c and run.c. */
#ifndef COVE_CREATE_H
#define COVE_CREATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "cgroups/cgroups.h"
#include "runtime/config.h"
#include "runtime/container.h"
#include "runtime/seccomp.h"
#include "runtime/state.h"

struct create_ctx {
    const struct cove_create_opts *opts;
    struct cove_config *config;
    char *bundle, *rootfs, *cgpath;
    struct cove_cgroup_host cghost; bool have_cghost;
    struct cove_cgroup cg; bool have_cg;
    struct cove_seccomp_prog seccomp; bool have_seccomp;
    struct cove_store store; bool have_store;
    int sock, fifo, pidfd;
    pid_t pid;
};

/* Everything up to READY + state.json + pid file. On failure the caller
 * calls cove_create_abort (undo) then cove_create_free. */
int cove_create_begin(struct create_ctx *x, const struct cove_create_opts *o, struct cove_err *err);
void cove_create_abort(struct create_ctx *x);
void cove_create_free(struct create_ctx *x);

int cove_write_pid_file(const char *path, pid_t pid, struct cove_err *err);

#endif
