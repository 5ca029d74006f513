/* runtime/sandbox/sandbox.c — see sandbox.h. */
#include <fcntl.h>
#include <pwd.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "image/image.h"
#include "runtime/sandbox/sandbox.h"
#include "lib/cleanup.h"
#include "lib/fileio.h"
#include "namespaces/rootfs.h"
#include "runtime/container.h"
#include "runtime/seccomp/seccomp_profile.h"
#include "runtime/state.h"
#include "lib/syscalls.h"

/* ---------------------------------------------------------------- parsing */

int cove_sandbox_parse_size(const char *s, int64_t *bytes, struct cove_err *err) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v <= 0)
        return cove_err_set(err, EINVAL, "size \"%s\": expected a positive number with an optional K, M, G or T", s);
    double mul = 1;
    switch (*end) {
    case 'k': case 'K': mul = 1024.0; end++; break;
    case 'm': case 'M': mul = 1024.0 * 1024; end++; break;
    case 'g': case 'G': mul = 1024.0 * 1024 * 1024; end++; break;
    case 't': case 'T': mul = 1024.0 * 1024 * 1024 * 1024; end++; break;
    }
    if (*end == 'b' || *end == 'B')
        end++;
    if (*end || v * mul > (double)INT64_MAX || v * mul < 4096)
        return cove_err_set(err, EINVAL, "size \"%s\": expected e.g. 512M or 2G (at least 4K)", s);
    *bytes = (int64_t)(v * mul);
    return 0;
}

int cove_sandbox_parse_cpus(const char *s, int64_t *quota, uint64_t *period, struct cove_err *err) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 0.01) || v > 1024)
        return cove_err_set(err, EINVAL, "cpus \"%s\": expected a number of CPUs such as 1.5 (0.01 to 1024)", s);
    *period = 100000;
    *quota = (int64_t)(v * 100000.0 + 0.5);
    return 0;
}

int cove_sandbox_parse_bind(const char *s, struct cove_bind *b, struct cove_err *err) {
    memset(b, 0, sizeof(*b));
    _cleanup_free_ char *copy = strdup(s);
    if (!copy)
        return cove_err_set(err, ENOMEM, "out of memory");
    char *dst = strchr(copy, ':');
    if (!dst || dst == copy)
        return cove_err_set(err, EINVAL, "bind \"%s\": expected SRC:DST[:ro|rw]", s);
    *dst++ = '\0';
    char *mode = strchr(dst, ':');
    if (mode) {
        *mode++ = '\0';
        if (strcmp(mode, "rw") == 0)
            b->rw = true;
        else if (strcmp(mode, "ro") != 0)
            return cove_err_set(err, EINVAL, "bind \"%s\": mode must be ro or rw", s);
    }
    if (dst[0] != '/' || strstr(dst, "/../") || (strlen(dst) >= 3 && strcmp(dst + strlen(dst) - 3, "/..") == 0))
        return cove_err_set(err, EINVAL, "bind \"%s\": destination must be an absolute path without \"..\"", s);
    char real[PATH_MAX];
    if (!realpath(copy, real))
        return cove_err_sys(err, errno, "bind \"%s\": source %s", s, copy);
    b->src = strdup(real);
    b->dst = strdup(dst);
    if (!b->src || !b->dst) {
        free(b->src);
        free(b->dst);
        return cove_err_set(err, ENOMEM, "out of memory");
    }
    return 0;
}

int cove_sandbox_parse_user(const char *s, uid_t *uid, gid_t *gid, struct cove_err *err) {
    unsigned long u, g;
    char *end;
    errno = 0;
    u = strtoul(s, &end, 10);
    if (errno || end == s || *end != ':' || u >= UINT32_MAX)
        return cove_err_set(err, EINVAL, "user \"%s\": expected UID:GID (numbers)", s);
    const char *gs = end + 1;
    g = strtoul(gs, &end, 10);
    if (errno || end == gs || *end || g >= UINT32_MAX)
        return cove_err_set(err, EINVAL, "user \"%s\": expected UID:GID (numbers)", s);
    *uid = (uid_t)u;
    *gid = (gid_t)g;
    return 0;
}

/* ---------------------------------------------------------------- plan */

/* K=V replaces an existing K=..., else is appended. */
static int env_set(char ***env, const char *kv) {
    size_t klen = strcspn(kv, "=");
    size_t n = 0;
    for (; (*env)[n]; n++)
        if (strncmp((*env)[n], kv, klen) == 0 && (*env)[n][klen] == '=') {
            char *d = strdup(kv);
            if (!d)
                return -ENOMEM;
            free((*env)[n]);
            (*env)[n] = d;
            return 0;
        }
    char **e = realloc(*env, (n + 2) * sizeof(char *));
    if (!e)
        return -ENOMEM;
    *env = e;
    if (!(e[n] = strdup(kv)))
        return -ENOMEM;
    e[n + 1] = NULL;
    return 0;
}

static int plan_source(const struct cove_sandbox_opts *o, struct cove_bundle_plan *p, char ***lowers,
                       struct cove_err *err) {
    if (o->image) {
        struct cove_image_store s;
        int r = cove_image_store_open(o->image_root ? o->image_root : COVE_IMAGE_DEFAULT_ROOT, false, &s, err);
        if (r < 0)
            return r;
        r = cove_bundle_plan_image(&s, o->image, p, lowers, err);
        cove_image_store_close(&s);
        return r;
    }
    char real[PATH_MAX];
    if (!realpath(o->rootfs, real))
        return cove_err_sys(err, errno, "--rootfs %s", o->rootfs);
    *lowers = calloc(2, sizeof(char *));
    p->env = calloc(2, sizeof(char *));
    p->cwd = strdup("/");
    if (!*lowers || !p->env || !p->cwd || !((*lowers)[0] = strdup(real)) ||
        !(p->env[0] = strdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")))
        return cove_err_set(err, ENOMEM, "out of memory");
    return 0;
}

/* The first range /etc/subuid (or subgid) grants name or uid: *start, *count. */
static bool subid_range(const char *file, const char *name, unsigned id, uint32_t *start, uint32_t *count) {
    _cleanup_fclose_ FILE *f = fopen(file, "re");
    char line[256];
    while (f && fgets(line, sizeof(line), f)) {
        char who[128];
        unsigned long long a, n;
        if (sscanf(line, "%127[^:]:%llu:%llu", who, &a, &n) != 3 || n == 0 || a + n > UINT32_MAX)
            continue;
        char num[16];
        snprintf(num, sizeof(num), "%u", id);
        if ((name && strcmp(who, name) == 0) || strcmp(who, num) == 0) {
            *start = (uint32_t)a;
            *count = (uint32_t)n;
            return true;
        }
    }
    return false;
}

static int one_map(struct cove_idmap **out, size_t *n, uint32_t self, bool ranged, uint32_t start, uint32_t count) {
    *n = 0;
    if (!(*out = calloc(2, sizeof(**out))))
        return -ENOMEM;
    (*out)[(*n)++] = (struct cove_idmap){.container_id = 0, .host_id = self, .size = 1};
    if (ranged)
        (*out)[(*n)++] = (struct cove_idmap){.container_id = 1, .host_id = start, .size = count > 65535 ? 65535 : count};
    return 0;
}

int cove_sandbox_user_maps(uid_t uid, gid_t gid, const char *subuid_file, const char *subgid_file, bool helpers,
                           struct cove_bundle_plan *p, struct cove_err *err) {
    /* both files name the user (or its uid), not the group */
    struct passwd pw, *pwp = NULL;
    char buf[1024];
    getpwuid_r(uid, &pw, buf, sizeof(buf), &pwp);
    uint32_t us = 0, uc = 0, gs = 0, gc = 0;
    /* both or neither: a job with 65536 uids but one gid could not chown */
    bool ranged = helpers &&
                  subid_range(subuid_file ? subuid_file : "/etc/subuid", pwp ? pwp->pw_name : NULL, uid, &us, &uc) &&
                  subid_range(subgid_file ? subgid_file : "/etc/subgid", pwp ? pwp->pw_name : NULL, uid, &gs, &gc);
    if (one_map(&p->uid_maps, &p->n_uid_maps, uid, ranged, us, uc) < 0 ||
        one_map(&p->gid_maps, &p->n_gid_maps, gid, ranged, gs, gc) < 0)
        return cove_err_set(err, ENOMEM, "out of memory");
    return 0;
}

static int root_range(const char *file, uint32_t *start) {
    uint32_t n = 0;
    if (!subid_range(file, "root", 0, start, &n) || n < 65536)
        *start = COVE_SANDBOX_ROOT_IDS;
    return 0;
}

int cove_sandbox_root_maps(const char *subuid_file, const char *subgid_file, struct cove_bundle_plan *p,
                           struct cove_err *err) {
    uint32_t us, gs;
    root_range(subuid_file ? subuid_file : "/etc/subuid", &us);
    root_range(subgid_file ? subgid_file : "/etc/subgid", &gs);
    p->uid_maps = calloc(1, sizeof(*p->uid_maps));
    p->gid_maps = calloc(1, sizeof(*p->gid_maps));
    if (!p->uid_maps || !p->gid_maps)
        return cove_err_set(err, ENOMEM, "out of memory");
    p->uid_maps[0] = (struct cove_idmap){.container_id = 0, .host_id = us, .size = 65536};
    p->gid_maps[0] = (struct cove_idmap){.container_id = 0, .host_id = gs, .size = 65536};
    p->n_uid_maps = p->n_gid_maps = 1;
    p->idmap_binds = true;
    return 0;
}

/* Root's job runs as another uid (its user namespace's root), which must
 * reach the bundle under --root: every directory on the way needs x for
 * others. Said before anything is made, with what to do about it. */
static int check_reachable(const char *state_root, struct cove_err *err) {
    char real[PATH_MAX], cwd[PATH_MAX];
    if (state_root[0] != '/' && !getcwd(cwd, sizeof(cwd)))
        return cove_err_sys(err, errno, "getcwd");
    if (snprintf(real, sizeof(real), "%s%s%s", state_root[0] == '/' ? "" : cwd, state_root[0] == '/' ? "" : "/",
                 state_root) >= (int)sizeof(real))
        return cove_err_set(err, ENAMETOOLONG, "--root %s: too long", state_root);
    for (;;) {
        struct stat st; /* what does not exist yet is made 0711 */
        if (stat(real, &st) == 0 && !(st.st_mode & S_IXOTH))
            return cove_err_set(err, EACCES, "--root %s: %s is not searchable by others (mode %04o), and the "
                                             "job's root is an unprivileged uid of its user namespace: chmod o+x "
                                             "it, or --userns host",
                                state_root, real, (unsigned)(st.st_mode & 07777));
        char *slash = strrchr(real, '/');
        if (!slash || slash == real)
            break;
        *slash = '\0';
    }
    return 0;
}

static bool in_path(const char *prog) {
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *d = path; *d;) {
        size_t n = strcspn(d, ":");
        char full[PATH_MAX];
        if (n && snprintf(full, sizeof(full), "%.*s/%s", (int)n, d, prog) < (int)sizeof(full) &&
            access(full, X_OK) == 0)
            return true;
        d += n + (d[n] == ':');
    }
    return false;
}

/* Can path be id-mapped through userns_fd? (the filesystem must allow it) */
static bool idmap_works(const char *path, int userns_fd) {
    _cleanup_close_ int fd = cove_open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    struct mount_attr a = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns_fd};
    return fd >= 0 && cove_mount_setattr(fd, "", AT_EMPTY_PATH, &a, sizeof(a)) == 0;
}

/* Root's job in a user namespace of its own (cove_sandbox_root_maps),
 * when every layer and bind can be id-mapped; where one cannot (overlayfs
 * or, before Linux 6.3, tmpfs under it) the job runs as before, without
 * one, and o->warn says so. */
static int plan_root_userns(const struct cove_sandbox_opts *o, struct cove_bundle_plan *p, const char *const *lowers,
                            struct cove_err *err) {
    int r;
    if ((o->state_root && (r = check_reachable(o->state_root, err)) < 0) ||
        (r = cove_sandbox_root_maps(NULL, NULL, p, err)) < 0)
        return r;
    int fd = cove_idmap_userns_fd(p->uid_maps, p->n_uid_maps, p->gid_maps, p->n_gid_maps, "sandbox: user namespace",
                                  err);
    if (fd < 0)
        return fd;
    const char *bad = NULL;
    for (size_t i = 0; !bad && lowers && lowers[i]; i++)
        if (!idmap_works(lowers[i], fd))
            bad = lowers[i];
    for (size_t i = 0; !bad && i < p->n_binds; i++)
        if (!idmap_works(p->binds[i].src, fd))
            bad = p->binds[i].src;
    close(fd);
    if (bad) {
        char msg[PATH_MAX + 160];
        snprintf(msg, sizeof(msg), "sandbox: %s cannot be id-mapped on this kernel/filesystem: the job runs "
                                   "without a user namespace (as the host's root)", bad);
        if (o->warn)
            o->warn(msg);
        free(p->uid_maps);
        free(p->gid_maps);
        p->uid_maps = p->gid_maps = NULL;
        p->n_uid_maps = p->n_gid_maps = 0;
        p->idmap_binds = false;
        return 0;
    }
    /* the layers id-mapped too (image/overlay.c) */
    struct cove_kv *a = realloc(p->annotations, (p->n_annotations + 1) * sizeof(*a));
    if (!a)
        return cove_err_set(err, ENOMEM, "out of memory");
    p->annotations = a;
    if (!(a[p->n_annotations].key = strdup(COVE_ANN_OVERLAY_IDMAP)) || !(a[p->n_annotations].value = strdup("true"))) {
        free(a[p->n_annotations].key);
        return cove_err_set(err, ENOMEM, "out of memory");
    }
    p->n_annotations++;
    return 0;
}

int cove_sandbox_plan(const struct cove_sandbox_opts *o, const char *id, struct cove_bundle_plan *p,
                      struct cove_err *err) {
    memset(p, 0, sizeof(*p));
    if (!o->image == !o->rootfs)
        return cove_err_set(err, EINVAL, "exactly one of --image and --rootfs is needed");
    if (!o->args || !o->args[0])
        return cove_err_set(err, EINVAL, "no command given (cove sandbox ... -- CMD ARGS...)");
    _cleanup_strv_ char **lowers = NULL;
    int r = plan_source(o, p, &lowers, err);
    if (r < 0)
        return r;
    strv_free(p->args);
    if (!(p->args = cove_strv_dup(o->args)))
        return cove_err_set(err, ENOMEM, "out of memory");
    for (size_t i = 0; i < o->n_env; i++) {
        if (!strchr(o->env[i], '=') || o->env[i][0] == '=')
            return cove_err_set(err, EINVAL, "--env \"%s\": expected KEY=VALUE", o->env[i]);
        if (env_set(&p->env, o->env[i]) < 0)
            return cove_err_set(err, ENOMEM, "out of memory");
    }
    if (o->workdir) {
        if (o->workdir[0] != '/')
            return cove_err_set(err, EINVAL, "--workdir \"%s\": must be absolute", o->workdir);
        free(p->cwd);
        if (!(p->cwd = strdup(o->workdir)))
            return cove_err_set(err, ENOMEM, "out of memory");
    }
    if (o->has_user) {
        p->uid = o->uid;
        p->gid = o->gid;
    }
    p->memory = o->memory;
    p->cpu_quota = o->cpu_quota;
    p->cpu_period = o->cpu_period;
    p->pids = o->pids;
    p->network_host = o->network_host;
    if (!(p->hostname = strdup("sandbox")))
        return cove_err_set(err, ENOMEM, "out of memory");
    const char *parent = o->cgroup_parent ? o->cgroup_parent : COVE_SANDBOX_CGROUP_PARENT;
    if (parent[0] != '/')
        return cove_err_set(err, EINVAL, "--cgroup-parent \"%s\": must be absolute (a sandbox never nests "
                                         "under the caller's cgroup)", parent);
    if (!o->no_cgroup && asprintf(&p->cgroups_path, "%s/%s", strcmp(parent, "/") == 0 ? "" : parent, id) < 0)
        return cove_err_set(err, ENOMEM, "out of memory");
    if (geteuid() != 0 && o->userns_host)
        return cove_err_set(err, EINVAL, "--userns host: only root may run a job without a user namespace");
    if (geteuid() == 0 && o->userns_self)
        return cove_err_set(err, EINVAL, "--userns self: for an ordinary user (root's job gets a range: private)");
    bool helpers = !o->userns_self && in_path("newuidmap") && in_path("newgidmap");
    if (geteuid() != 0 && (r = cove_sandbox_user_maps(geteuid(), getegid(), NULL, NULL, helpers, p, err)) < 0)
        return r;

    if (o->n_binds) {
        p->binds = calloc(o->n_binds, sizeof(*p->binds));
        if (!p->binds)
            return cove_err_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < o->n_binds; i++, p->n_binds++) {
            p->binds[i].rw = o->binds[i].rw;
            if (!(p->binds[i].src = strdup(o->binds[i].src)) || !(p->binds[i].dst = strdup(o->binds[i].dst)))
                return cove_err_set(err, ENOMEM, "out of memory");
        }
    }
    if (o->seccomp_profile) {
        /* resolved for the capabilities the job gets: runc's three */
        static char *const caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
        struct cove_seccomp_profile_target t = {.caps = caps, .n_caps = 3};
        if (!(p->seccomp = calloc(1, sizeof(*p->seccomp))))
            return cove_err_set(err, ENOMEM, "out of memory");
        if ((r = cove_seccomp_profile_load(o->seccomp_profile, &t, p->seccomp, err)) < 0)
            return cove_err_prefix(err, "--seccomp-profile %s", o->seccomp_profile);
    }
    if (geteuid() == 0 && !o->userns_host && (r = plan_root_userns(o, p, (const char *const *)lowers, err)) < 0)
        return r;
    cove_bundle_plan_overlay(p, &lowers);
    return 0;
}

/* ---------------------------------------------------------------- run */

struct sandbox {
    const struct cove_sandbox_opts *o;
    char id[64];
    char *bundle;
    bool bundle_made;
};

static int write_bundle(struct sandbox *sb, const struct cove_bundle_plan *p, struct cove_err *err) {
    _cleanup_free_ char *json = NULL;
    size_t len;
    int r = cove_bundle_config_json(p, &json, &len, err);
    if (r < 0)
        return r;
    if ((r = cove_store_root_check(sb->o->state_root, err)) < 0)
        return r;
    if (mkdir(sb->o->state_root, 0711) < 0 && errno != EEXIST)
        return cove_err_sys(err, errno, "mkdir %s", sb->o->state_root);
    /* '~' cannot be in a container id: no container dir can take this
     * name, and `list` skips dot entries */
    if (asprintf(&sb->bundle, "%s/.sandbox~%s", sb->o->state_root, sb->id) < 0)
        return cove_err_set(err, ENOMEM, "out of memory");
    /* 0711: the job's root in its user namespace (another uid) must reach rootfs/ */
    if (mkdir(sb->bundle, 0711) < 0)
        return cove_err_sys(err, errno, "mkdir %s", sb->bundle);
    sb->bundle_made = true;
    _cleanup_close_ int dfd = open(sb->bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return cove_err_sys(err, errno, "open %s", sb->bundle);
    if (mkdirat(dfd, "rootfs", 0755) < 0)
        return cove_err_sys(err, errno, "mkdir %s/rootfs", sb->bundle);
    if ((r = cove_bundle_write_lowers(dfd, p, err)) < 0)
        return r;
    return cove_write_file_replace(dfd, "config.json", json, len, 0600, err);
}

/* The child: run in the foreground; create errors go back over errfd.
 * SIGINT/SIGTERM/SIGHUP stay blocked here (the parent acts on them): a
 * child killed half-way through create could leave a mount or cgroup
 * behind. The container's init starts from an empty mask anyway. */
static void __attribute__((noreturn)) child_run(struct sandbox *sb, int errfd) {
    struct cove_create_opts co = {.root = sb->o->state_root, .id = sb->id, .bundle = sb->bundle,
                                  .rootless = geteuid() != 0};
    struct cove_err err = {0};
    int code = 0;
    if (cove_container_run(&co, false, false, &code, &err) < 0) {
        ssize_t n = write(errfd, err.msg, strlen(err.msg));
        (void)n;
        _exit(code ? code : COVE_SANDBOX_CREATE_FAILED);
    }
    _exit(code);
}

static void arm(int tfd, double seconds) {
    struct itimerspec its = {0};
    its.it_value.tv_sec = (time_t)seconds;
    its.it_value.tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9);
    if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
        its.it_value.tv_nsec = 1;
    timerfd_settime(tfd, 0, &its, NULL);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Supervise the child until it exits. Killing goes through the cgroup
 * (kill --all): the job's processes, not only its init. The container may
 * not exist yet when a signal comes (still being created): the kill is
 * retried on a short tick until the child is gone. */
static int supervise(struct sandbox *sb, pid_t child, int pidfd, int sigfd, int *stop_sig, bool *timed_out) {
    _cleanup_close_ int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    unsigned grace = sb->o->grace_s ? sb->o->grace_s : 10;
    double deadline = 0; /* SIGKILL time once stopping */
    bool stopping = false, term_pending = false;
    if (sb->o->timeout_s)
        arm(tfd, sb->o->timeout_s);
    for (;;) {
        struct pollfd pf[3] = {{.fd = pidfd, .events = POLLIN}, {.fd = sigfd, .events = POLLIN},
                               {.fd = tfd, .events = POLLIN}};
        if (poll(pf, 3, -1) < 0 && errno != EINTR)
            break;
        if (pf[0].revents)
            break;
        bool kick = false;
        if (pf[1].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si) && !*stop_sig && !*timed_out) {
                *stop_sig = (int)si.ssi_signo;
                /* an interrupted CI job gets no grace: clean up now */
                stopping = true;
                deadline = now_s();
                kick = true;
            }
        }
        if (pf[2].revents & POLLIN) {
            uint64_t ticks;
            if (read(tfd, &ticks, sizeof(ticks)) < 0) {
                /* nothing: the timer is re-armed below */
            }
            if (!stopping) {
                *timed_out = true;
                stopping = true;
                term_pending = true;
                deadline = now_s() + grace;
            }
            kick = true;
        }
        if (kick && stopping) {
            struct cove_err ignored = {0};
            /* the deadline once (freeze, then TERM to all when the init
             * handles it, else KILL to all: no step of the job after the
             * deadline); retried while the container is still being made */
            if (term_pending && now_s() < deadline) {
                bool g = true;
                if (cove_container_deadline(sb->o->state_root, sb->id, &g, &ignored) == 0) {
                    term_pending = false;
                    if (!g)
                        deadline = now_s();
                }
            }
            bool kill = now_s() >= deadline;
            if (kill)
                cove_container_kill(sb->o->state_root, sb->id, SIGKILL, true, &ignored);
            double left = deadline - now_s();
            arm(tfd, kill ? 0.2 : (left < 0.2 ? left : 0.2));
        }
    }
    siginfo_t si = {0};
    if (waitid(P_PID, (id_t)child, &si, WEXITED) < 0)
        return 255;
    return si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
}

/* Remove the default parent cgroup when it is empty (EBUSY: another
 * sandbox still uses it — fine). A caller-given parent is theirs. */
static void remove_default_parent(const struct cove_sandbox_opts *o) {
    if (o->cgroup_parent)
        return;
    _cleanup_closedir_ DIR *d = opendir("/sys/fs/cgroup");
    struct dirent *de;
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "/sys/fs/cgroup%s", COVE_SANDBOX_CGROUP_PARENT);
    rmdir(path);
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/sys/fs/cgroup/%s%s", de->d_name, COVE_SANDBOX_CGROUP_PARENT);
        rmdir(path);
    }
}

static void sandbox_cleanup(struct sandbox *sb) {
    struct cove_err ignored = {0};
    cove_container_delete(sb->o->state_root, sb->id, true, NULL, 0, &ignored);
    if (sb->bundle_made) {
        _cleanup_close_ int rootfd = open(sb->o->state_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd >= 0)
            cove_rm_tree_at(rootfd, strrchr(sb->bundle, '/') + 1);
    }
    remove_default_parent(sb->o);
    free(sb->bundle);
}

static int start_child(struct sandbox *sb, pid_t *child, int *pidfd, int *errpipe,
                       struct cove_err *err) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return cove_err_sys(err, errno, "pipe");
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(p[0]);
        close(p[1]);
        return cove_err_sys(err, e, "fork");
    }
    if (pid == 0) {
        close(p[0]);
        child_run(sb, p[1]);
    }
    close(p[1]);
    *errpipe = p[0];
    *child = pid;
    *pidfd = cove_pidfd_open(pid, 0);
    if (*pidfd < 0) {
        int e = errno;
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return cove_err_sys(err, e, "pidfd_open");
    }
    return 0;
}

int cove_sandbox_run(const struct cove_sandbox_opts *o, int *exit_code, struct cove_err *err) {
    struct sandbox sb = {.o = o};
    *exit_code = 0;
    if (o->id) {
        snprintf(sb.id, sizeof(sb.id), "%s", o->id);
    } else {
        uint32_t rnd = 0;
        if (getrandom(&rnd, sizeof(rnd), 0) < 0)
            rnd = (uint32_t)time(NULL);
        snprintf(sb.id, sizeof(sb.id), "sandbox-%d-%08" PRIx32, (int)getpid(), rnd);
    }
    int r = cove_state_validate_id(sb.id, err);
    if (r < 0)
        return r;
    struct cove_bundle_plan p;
    r = cove_sandbox_plan(o, sb.id, &p, err);
    if (r == 0)
        r = write_bundle(&sb, &p, err);
    cove_bundle_plan_free(&p);
    if (r < 0) {
        sandbox_cleanup(&sb);
        return r;
    }
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, &old);
    _cleanup_close_ int sigfd = signalfd(-1, &set, SFD_CLOEXEC);
    _cleanup_close_ int pidfd = -1, errpipe = -1;
    pid_t child = 0;
    r = start_child(&sb, &child, &pidfd, &errpipe, err);
    int stop_sig = 0;
    bool timed_out = false;
    if (r == 0) {
        int code = supervise(&sb, child, pidfd, sigfd, &stop_sig, &timed_out);
        char msg[COVE_ERR_MAX] = "";
        ssize_t n = read(errpipe, msg, sizeof(msg) - 1);
        if (n > 0 && !timed_out && !stop_sig) {
            msg[n] = '\0';
            r = cove_err_set(err, EIO, "%s", msg);
            *exit_code = code;
        } else {
            *exit_code = timed_out ? COVE_SANDBOX_TIMEOUT_EXIT : stop_sig ? 128 + stop_sig : code;
        }
    }
    sandbox_cleanup(&sb);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return r;
}
