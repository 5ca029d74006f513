/* runtime/child.c — the shared last steps of init and exec; see child.h
 * for the order and why. */
#include <fcntl.h>
#include <stdlib.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "namespaces/path.h"
#include "runtime/child.h"
#include "lib/cleanup.h"
#include "runtime/fds.h"
#include "runtime/init.h"
#include "runtime/lsm.h"
#include "runtime/process.h"
#include "runtime/process_sched.h"

/* CVE-2024-21626 class: resolved in the root with no magic links, so
 * neither a symlink the container planted nor /proc/self/fd/N leads out;
 * opened now (as root, before the filter), entered after the user switch
 * (fchdir checks the user's search permission). */
static int child_open_cwd(const struct cove_process *p, struct cove_err *err) {
    _cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return cove_err_sys(err, errno, "process.cwd: open /");
    int fd = cove_path_open_in_root(rootfd, p->cwd, O_PATH | O_DIRECTORY, err);
    return fd < 0 ? cove_err_prefix(err, "process.cwd") : fd;
}

static int child_enter_cwd(const struct cove_process *p, int fd, struct cove_err *err) {
    if (fchdir(fd) < 0)
        return cove_err_sys(err, errno, "process.cwd: chdir %s", p->cwd);
    return 0;
}

static int child_seccomp(const struct cove_seccomp_prog *prog, struct cove_err *err) {
    if (!prog)
        return 0;
    int listener = -1;
    if (cove_seccomp_install(prog, &listener, err) < 0)
        return cove_err_prefix(err, "linux.seccomp");
    if (listener >= 0)
        close(listener); /* the listener hand-off arrives with seccomp notify support */
    return 0;
}

static int child_no_new_privs(const struct cove_process *p, struct cove_err *err) {
    if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return cove_err_sys(err, errno, "process.noNewPrivileges: prctl");
    return 0;
}

_Noreturn void cove_child_finish(const struct cove_child *c) {
    const struct cove_process *p = &c->config->process;
    struct cove_err err = {0};
    _cleanup_free_ char *exe = NULL;
    char **env = NULL; /* p->env or a vector that lives until execve */
    int keep[] = {c->sock, c->keep_fd};
    int cwd = -1;
    /* without no_new_privs, loading the filter needs CAP_SYS_ADMIN: hold it
     * (permitted+effective only) through the user switch; execve drops it */
    uint64_t hold = c->seccomp && !p->no_new_privileges ? 1ULL << CAP_SYS_ADMIN : 0;

    if (cove_process_set_rlimits(p, &err) < 0 ||
        cove_process_set_sched(c->config, &err) < 0 ||
        cove_lsm_set_exec_labels(p, &err) < 0 ||
        cove_fds_close_inherited(c->preserve_fds, keep, ARRAY_SIZE(keep), &err) < 0 ||
        (cwd = child_open_cwd(p, &err)) < 0 ||
        cove_process_find_exec(p, &exe, &err) < 0 ||
        cove_process_env(p, &env, &err) < 0 ||
        cove_process_drop_bounding(p, &err) < 0 ||
        cove_process_set_user_and_caps(p, hold, &err) < 0 ||
        child_enter_cwd(p, cwd, &err) < 0)
        cove_proto_child_fail(c->sock, &err);
    close(cwd);
    umask(p->user.has_umask ? p->user.umask : 022);
    /* setup is done: from here the process must outlive a cove that exits */
    if (prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0) {
        cove_err_sys(&err, errno, "prctl(PR_SET_PDEATHSIG)");
        cove_proto_child_fail(c->sock, &err);
    }
    if (child_no_new_privs(p, &err) < 0 ||
        (c->before_exec && c->before_exec(c->arg, &err) < 0) ||
        cove_process_set_final_affinity(p, &err) < 0 ||
        child_seccomp(c->seccomp, &err) < 0)
        cove_proto_child_fail(c->sock, &err);
    /* the filter is in place: nothing but execve from here */
    execve(exe, p->args, env);
    cove_process_exec_error(p, exe, errno, &err);
    cove_proto_child_fail(c->sock, &err);
}
