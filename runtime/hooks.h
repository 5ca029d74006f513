/* runtime/hooks.h — running the config's hooks (runtime-spec "POSIX-platform
 * Hooks"). When and where each kind runs (docs/hooks.md):
 *   prestart, createRuntime  parent, runtime namespaces, during create after
 *                            the init's mounts, before its pivot_root
 *                            (the init asks with the HOOKS message)
 *   createContainer          the init, container namespaces, before pivot_root
 *   startContainer           the init, after `start` released it, before exec
 *   poststart                `start` / `run`, after the workload exec'd
 *   poststop                 `delete`, after the container is gone (warn only)
 * Each hook is execve(path, args, env) with the state JSON on stdin, stdout
 * and stderr inherited, no other fd, killed after `timeout` seconds. */
#ifndef COVE_HOOKS_H
#define COVE_HOOKS_H

#include <stdbool.h>

#include "runtime/config/config.h"
#include "lib/err.h"
#include "runtime/state.h"

/* "prestart", "createRuntime", ... as in config.json. */

/* Run one hook. err: "hooks.createRuntime[0] (/usr/bin/foo): exited with
 * status 1" / "...: killed by signal 9" / "...: timed out after 2s". */
int cove_hook_run(const struct cove_hook *h, enum cove_hook_kind kind, size_t index, const char *state_json,
                  struct cove_err *err);

/* Run every hook of one kind in order; stops at the first failure. */
int cove_hooks_run(const struct cove_config *c, enum cove_hook_kind kind, const char *state_json,
                   struct cove_err *err);

/* The same, but a failing hook only produces a warning and the remaining
 * ones still run (poststart/poststop: the spec says warn and continue). */
void cove_hooks_run_warn(const struct cove_config *c, enum cove_hook_kind kind, const char *state_json);

/* Build the state JSON for s at status and run kind (failing or warning
 * variant). */
int cove_hooks_run_state(const struct cove_config *c, enum cove_hook_kind kind, const struct cove_state *s,
                         enum cove_status status, struct cove_err *err);
void cove_hooks_run_state_warn(const struct cove_config *c, enum cove_hook_kind kind, const struct cove_state *s,
                               enum cove_status status);

/* Libraries do not print: cmd/ installs the function that logs warnings. */
void cove_hooks_set_warn_fn(void (*fn)(const char *msg));

/* poststart/poststop run in later commands that only have the state dir:
 * create keeps a copy of the bundle's config.json there ("hooks.json")
 * when such hooks exist. load gives *c = NULL when there is no copy. */
int cove_hooks_persist(int state_dirfd, const char *bundle, const struct cove_config *c, struct cove_err *err);
int cove_hooks_load(int state_dirfd, struct cove_config **c, struct cove_err *err);
/* True when create kept such a copy (the container has poststart/poststop). */
bool cove_hooks_stored(int state_dirfd);

/* poststart / poststop of a container from its state dir (warnings only). */
void cove_hooks_poststart_from_store(int state_dirfd, const struct cove_state *s);
void cove_hooks_poststop_from_store(int state_dirfd, const struct cove_state *s);

/* The init's side. set_host_pid: from GO (the pid hooks see in the state).
 * before_pivot: the cove_rootfs_opts.before_pivot callback (arg: the
 * struct cove_init_args): asks the parent to run prestart/createRuntime
 * (HOOKS / HOOKS_DONE), then runs createContainer. start_container: after
 * the exec fifo released the init. */
struct cove_init_args;
void cove_hooks_init_set_host_pid(pid_t pid);
int cove_hooks_init_before_pivot(void *arg, struct cove_err *err);
int cove_hooks_init_start_container(const struct cove_init_args *a, struct cove_err *err);

/* The parent's answer to HOOKS: prestart then createRuntime with s at
 * status "creating", then HOOKS_DONE. On failure nothing is sent. */
int cove_hooks_parent_create(int sock, const struct cove_config *c, const struct cove_state *s,
                             struct cove_err *err);

#endif
