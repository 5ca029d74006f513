/* runtime/hooks.c — see hooks.h and docs/hooks.md. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "runtime/hooks.h"
#include "runtime/init.h"
#include "runtime/state_oci.h"
#include "lib/syscalls.h"

#define HOOKS_COPY "hooks.json"
#define CONFIG_MAX (16u << 20)

static void (*warn_fn)(const char *msg);

void cove_hooks_set_warn_fn(void (*fn)(const char *msg)) {
    warn_fn = fn;
}

static void warn(const char *msg) {
    if (warn_fn)
        warn_fn(msg);
}

/* The state goes in a memfd rather than a pipe: a hook that never reads
 * stdin cannot block us, and one that exits early cannot SIGPIPE us. */
static int state_memfd(const char *json, struct cove_err *err) {
    _cleanup_close_ int fd = memfd_create("cove-hook-state", MFD_CLOEXEC);
    if (fd < 0)
        return cove_err_sys(err, errno, "memfd_create");
    size_t len = json ? strlen(json) : 0, off = 0;
    while (off < len) {
        ssize_t w = write(fd, json + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return cove_err_sys(err, errno, "write hook state");
        off += (size_t)w;
    }
    if (lseek(fd, 0, SEEK_SET) < 0)
        return cove_err_sys(err, errno, "lseek hook state");
    return TAKE_FD(fd);
}

_Noreturn static void hook_child(const struct cove_hook *h, int in) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (dup2(in, STDIN_FILENO) < 0)
        _exit(127);
    /* exactly stdin/stdout/stderr, whatever the runtime had open */
    cove_close_range(3, ~0U, 0);
    char *argv0[] = {h->path, NULL};
    char *envp0[] = {NULL};
    execve(h->path, h->n_args ? h->args : argv0, h->env ? h->env : envp0);
    _exit(127);
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for the hook's pidfd to become readable; false on timeout. */
static bool wait_exit(int pidfd, int timeout_s) {
    int64_t deadline = timeout_s > 0 ? now_ms() + (int64_t)timeout_s * 1000 : -1;
    struct pollfd p = {.fd = pidfd, .events = POLLIN};
    for (;;) {
        int ms = -1;
        if (deadline >= 0) {
            int64_t left = deadline - now_ms();
            if (left <= 0)
                return false;
            ms = (int)left;
        }
        int r = poll(&p, 1, ms);
        if (r > 0)
            return true;
        if (r == 0)
            return false;
        if (errno != EINTR)
            return true; /* cannot wait with a timeout: collect it below */
    }
}

int cove_hook_run(const struct cove_hook *h, enum cove_hook_kind kind, size_t index, const char *state_json,
                  struct cove_err *err) {
    const char *kn = cove_hook_kind_name(kind);
    _cleanup_close_ int in = state_memfd(state_json, err);
    if (in < 0)
        return cove_err_prefix(err, "hooks.%s[%zu] (%s)", kn, index, h->path);
    int pidfd = -1;
    struct clone_args ca = {
        .flags = CLONE_PIDFD,
        .pidfd = (uint64_t)(uintptr_t)&pidfd,
        .exit_signal = SIGCHLD,
    };
    pid_t pid = cove_clone3(&ca, sizeof(ca));
    if (pid < 0)
        return cove_err_sys(err, errno, "hooks.%s[%zu] (%s): clone3", kn, index, h->path);
    if (pid == 0)
        hook_child(h, in);
    _cleanup_close_ int pfd = pidfd;
    bool exited = wait_exit(pfd, h->has_timeout ? h->timeout : 0);
    if (!exited)
        cove_pidfd_send_signal(pfd, SIGKILL, NULL, 0);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return cove_err_sys(err, errno, "hooks.%s[%zu] (%s): waitpid", kn, index, h->path);
    if (!exited)
        return cove_err_set(err, ETIMEDOUT, "hooks.%s[%zu] (%s): timed out after %ds", kn, index, h->path,
                            h->timeout);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status))
        return cove_err_set(err, ECANCELED, "hooks.%s[%zu] (%s): exited with status %d%s", kn, index, h->path,
                            WEXITSTATUS(status),
                            WEXITSTATUS(status) == 127 ? " (could not be executed?)" : "");
    return cove_err_set(err, ECANCELED, "hooks.%s[%zu] (%s): killed by signal %d", kn, index, h->path,
                        WTERMSIG(status));
}

int cove_hooks_run(const struct cove_config *c, enum cove_hook_kind kind, const char *state_json,
                   struct cove_err *err) {
    const struct cove_hook_list *l = &c->hooks[kind];
    for (size_t i = 0; i < l->n; i++) {
        int r = cove_hook_run(&l->items[i], kind, i, state_json, err);
        if (r < 0)
            return r;
    }
    return 0;
}

void cove_hooks_run_warn(const struct cove_config *c, enum cove_hook_kind kind, const char *state_json) {
    const struct cove_hook_list *l = &c->hooks[kind];
    for (size_t i = 0; i < l->n; i++) {
        struct cove_err e = {0};
        if (cove_hook_run(&l->items[i], kind, i, state_json, &e) < 0)
            warn(e.msg);
    }
}

int cove_hooks_run_state(const struct cove_config *c, enum cove_hook_kind kind, const struct cove_state *s,
                         enum cove_status status, struct cove_err *err) {
    if (!c->hooks[kind].n)
        return 0;
    _cleanup_free_ char *json = NULL;
    int r = cove_state_oci_json(s, status, false, &json, err);
    if (r < 0)
        return cove_err_prefix(err, "hooks.%s", cove_hook_kind_name(kind));
    return cove_hooks_run(c, kind, json, err);
}

void cove_hooks_run_state_warn(const struct cove_config *c, enum cove_hook_kind kind, const struct cove_state *s,
                               enum cove_status status) {
    if (!c->hooks[kind].n)
        return;
    struct cove_err e = {0};
    _cleanup_free_ char *json = NULL;
    if (cove_state_oci_json(s, status, false, &json, &e) < 0) {
        warn(e.msg);
        return;
    }
    cove_hooks_run_warn(c, kind, json);
}

int cove_hooks_persist(int state_dirfd, const char *bundle, const struct cove_config *c, struct cove_err *err) {
    if (!c->hooks[COVE_HOOK_POSTSTART].n && !c->hooks[COVE_HOOK_POSTSTOP].n)
        return 0;
    _cleanup_free_ char *path = NULL, *data = NULL;
    size_t len;
    if (asprintf(&path, "%s/config.json", bundle) < 0)
        return cove_err_set(err, ENOMEM, "out of memory");
    int r = cove_read_file(AT_FDCWD, path, CONFIG_MAX, &data, &len, err);
    if (r == 0)
        r = cove_write_file_replace(state_dirfd, HOOKS_COPY, data, len, 0600, err);
    return r < 0 ? cove_err_prefix(err, "hooks: keep a copy for start/delete") : 0;
}

bool cove_hooks_stored(int state_dirfd) {
    return faccessat(state_dirfd, HOOKS_COPY, F_OK, 0) == 0;
}

int cove_hooks_load(int state_dirfd, struct cove_config **c, struct cove_err *err) {
    *c = NULL;
    _cleanup_free_ char *data = NULL;
    size_t len;
    struct cove_err e = {0};
    int r = cove_read_file(state_dirfd, HOOKS_COPY, CONFIG_MAX, &data, &len, &e);
    if (r == -ENOENT)
        return 0;
    if (r < 0) {
        *err = e;
        return r;
    }
    r = cove_config_parse(data, len, c, err);
    return r < 0 ? cove_err_prefix(err, "hooks: state copy of config.json") : 0;
}

static void from_store(int state_dirfd, const struct cove_state *s, enum cove_hook_kind kind,
                       enum cove_status status) {
    _cleanup_(cove_config_freep) struct cove_config *c = NULL;
    struct cove_err e = {0};
    if (cove_hooks_load(state_dirfd, &c, &e) < 0) {
        warn(e.msg);
        return;
    }
    if (c)
        cove_hooks_run_state_warn(c, kind, s, status);
}

void cove_hooks_poststart_from_store(int state_dirfd, const struct cove_state *s) {
    from_store(state_dirfd, s, COVE_HOOK_POSTSTART, COVE_STATUS_RUNNING);
}

void cove_hooks_poststop_from_store(int state_dirfd, const struct cove_state *s) {
    from_store(state_dirfd, s, COVE_HOOK_POSTSTOP, COVE_STATUS_STOPPED);
}

/* ---- the init's side (createContainer, startContainer) ---- */

static pid_t init_host_pid;

void cove_hooks_init_set_host_pid(pid_t pid) {
    init_host_pid = pid;
}

static int init_run(const struct cove_init_args *a, enum cove_hook_kind kind, enum cove_status status,
                    struct cove_err *err) {
    const struct cove_config *c = a->config;
    if (!c->hooks[kind].n)
        return 0;
    struct cove_state s = {
        .id = (char *)a->id,
        .bundle = (char *)(a->bundle ? a->bundle : ""),
        .rootfs = (char *)a->rootfs,
        .pid = init_host_pid,
        .created = (char *)(a->created ? a->created : ""),
        .owner = "",
        .annotations = c->annotations,
        .n_annotations = c->n_annotations,
    };
    return cove_hooks_run_state(c, kind, &s, status, err);
}

int cove_hooks_init_before_pivot(void *arg, struct cove_err *err) {
    const struct cove_init_args *a = arg;
    const struct cove_config *c = a->config;
    if (c->hooks[COVE_HOOK_PRESTART].n || c->hooks[COVE_HOOK_CREATE_RUNTIME].n) {
        int r = cove_msg_send(a->sock, COVE_MSG_HOOKS, NULL);
        if (r < 0)
            return cove_err_sys(err, -r, "hooks: send HOOKS to the runtime");
        /* a runtime hook failed: the parent reports it and kills us */
        cove_proto_child_wait(a->sock, COVE_MSG_HOOKS_DONE);
    }
    return init_run(a, COVE_HOOK_CREATE_CONTAINER, COVE_STATUS_CREATING, err);
}

int cove_hooks_init_start_container(const struct cove_init_args *a, struct cove_err *err) {
    return init_run(a, COVE_HOOK_START_CONTAINER, COVE_STATUS_CREATED, err);
}

/* ---- the parent's side of HOOKS ---- */

int cove_hooks_parent_create(int sock, const struct cove_config *c, const struct cove_state *s,
                             struct cove_err *err) {
    /* prestart sees "created", as crun and the runtime-tools suite have it
     * (runc says "creating"); createRuntime, its replacement, "creating" */
    int r = cove_hooks_run_state(c, COVE_HOOK_PRESTART, s, COVE_STATUS_CREATED, err);
    if (r == 0)
        r = cove_hooks_run_state(c, COVE_HOOK_CREATE_RUNTIME, s, COVE_STATUS_CREATING, err);
    if (r < 0)
        return r;
    if ((r = cove_msg_send(sock, COVE_MSG_HOOKS_DONE, NULL)) < 0)
        return cove_err_sys(err, -r, "hooks: send HOOKS_DONE to container init");
    return 0;
}
