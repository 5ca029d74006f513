/* runtime/process.c — see process.h. */
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "namespaces/path.h"
#include "lib/cleanup.h"
#include "lib/proc.h"
#include "runtime/process.h"
#include "runtime/state.h"
#include "lib/syscalls.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

int cove_process_set_rlimits(const struct cove_process *p, struct cove_err *err) {
    for (size_t i = 0; i < p->n_rlimits; i++) {
        const struct cove_rlimit *rl = &p->rlimits[i];
        struct rlimit lim = {.rlim_cur = rl->soft, .rlim_max = rl->hard};
        if (setrlimit(rl->resource, &lim) < 0)
            return cove_err_sys(err, errno, "process.rlimits[%zu] (%s): setrlimit", i, cove_rlimit_name(rl->resource));
    }
    return 0;
}

static unsigned last_cap(void) {
    static int cached = -1;
    if (cached < 0) {
        int n = cap_max_bits();
        cached = n > 0 ? n - 1 : CAP_LAST_CAP;
    }
    return (unsigned)cached;
}

static int drop_bounding(uint64_t keep, struct cove_err *err) {
    unsigned last = last_cap();
    for (unsigned c = 0; c <= last && c < 64; c++) {
        if (keep & (1ULL << c))
            continue;
        if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
            return cove_err_sys(err, errno, "process.capabilities.bounding: drop %s", cap_to_name(c));
    }
    return 0;
}

/* "deny" in /proc/self/setgroups: an ordinary user mapped its own gid
 * alone (namespaces/userns.c); the supplementary groups then stay those
 * the caller had, which show as the overflow gid inside. */
static bool setgroups_denied(void) {
    struct cove_err ignored = {0};
    _cleanup_close_ int fd = cove_procfs_open("self/setgroups", O_RDONLY, &ignored);
    char buf[8] = {0};
    return fd >= 0 && read(fd, buf, sizeof(buf) - 1) >= 4 && strncmp(buf, "deny", 4) == 0;
}

static int set_ids(const struct cove_user *u, struct cove_err *err) {
    /* setgroups first: it needs CAP_SETGID, which setresuid may take away */
    gid_t *groups = NULL;
    if (u->n_additional_gids) {
        groups = calloc(u->n_additional_gids, sizeof(*groups));
        if (!groups)
            return cove_err_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < u->n_additional_gids; i++)
            groups[i] = u->additional_gids[i];
    }
    int r = setgroups(u->n_additional_gids, groups);
    free(groups);
    if (r < 0 && !(errno == EPERM && setgroups_denied()))
        return cove_err_sys(err, errno, "process.user.additionalGids: setgroups");
    if (r < 0 && u->n_additional_gids)
        return cove_err_set(err, EPERM, "process.user.additionalGids: setgroups is denied in this user namespace "
                                        "(a rootless map of the caller's own gid; map a subgid range for groups)");
    if (setresgid(u->gid, u->gid, u->gid) < 0)
        return cove_err_sys(err, errno, "process.user.gid: setresgid %u", u->gid);
    if (setresuid(u->uid, u->uid, u->uid) < 0)
        return cove_err_sys(err, errno, "process.user.uid: setresuid %u", u->uid);
    return 0;
}

static int set_cap_sets(const struct cove_caps *k, struct cove_err *err) {
    cap_t caps = cap_init();
    if (!caps)
        return cove_err_sys(err, errno, "process.capabilities: cap_init");
    unsigned last = last_cap();
    for (unsigned c = 0; c <= last && c < 64; c++) {
        cap_value_t v = (cap_value_t)c;
        uint64_t bit = 1ULL << c;
        if (k->effective & bit)
            cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_SET);
        if (k->permitted & bit)
            cap_set_flag(caps, CAP_PERMITTED, 1, &v, CAP_SET);
        if (k->inheritable & bit)
            cap_set_flag(caps, CAP_INHERITABLE, 1, &v, CAP_SET);
    }
    int r = cap_set_proc(caps);
    int e = errno;
    cap_free(caps);
    if (r < 0)
        return cove_err_sys(err, e, "process.capabilities: capset");
    /* the kernel clears the ambient set when permitted/inheritable lose a cap;
     * raise the configured ones afterwards */
    if (cap_reset_ambient() < 0 && errno != EINVAL)
        return cove_err_sys(err, errno, "process.capabilities.ambient: reset");
    /* the kernel only allows ambient caps that are permitted and
     * inheritable; like runc, others are skipped (runc's default spec lists
     * ambient caps without inheritable ones) */
    uint64_t ambient = k->ambient & k->permitted & k->inheritable;
    for (unsigned c = 0; c <= last && c < 64; c++) {
        if (!(ambient & (1ULL << c)))
            continue;
        if (cap_set_ambient((cap_value_t)c, CAP_SET) < 0)
            return cove_err_sys(err, errno, "process.capabilities.ambient: raise %s", cap_to_name(c));
    }
    return 0;
}

int cove_process_drop_bounding(const struct cove_process *p, struct cove_err *err) {
    /* no process.capabilities means none (as runc): with a full bounding set,
     * uid 0 would regain every capability at execve */
    return drop_bounding(p->caps.set ? p->caps.bounding : 0, err);
}

int cove_process_set_user_and_caps(const struct cove_process *p, uint64_t hold, struct cove_err *err) {
    int r;
    /* keep the permitted set across the uid change; the configured sets are
     * installed right after */
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        return cove_err_sys(err, errno, "prctl(PR_SET_KEEPCAPS)");
    if ((r = set_ids(&p->user, err)) < 0)
        return r;
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
        return cove_err_sys(err, errno, "prctl(PR_SET_KEEPCAPS)");
    struct cove_caps k = {0};
    if (p->caps.set)
        k = p->caps;
    /* held in permitted+effective only: never inheritable or ambient, and
     * not in the bounding set, so execve takes them away again */
    k.permitted |= hold;
    k.effective |= hold;
    return set_cap_sets(&k, err);
}

static const char *env_lookup(const struct cove_process *p, const char *name) {
    size_t n = strlen(name);
    for (size_t i = 0; i < p->n_env; i++)
        if (strncmp(p->env[i], name, n) == 0 && p->env[i][n] == '=')
            return p->env[i] + n + 1;
    return NULL;
}

/* The lookup runs before the workload's cwd is entered (runtime/child.h):
 * a relative name ("./x", "bin/x") is taken relative to process.cwd, as
 * execve will take it after the fchdir. */
static int in_cwd(const struct cove_process *p, const char *name, char *buf, size_t size) {
    int n = name[0] == '/' ? snprintf(buf, size, "%s", name)
                           : snprintf(buf, size, "%s/%s", strcmp(p->cwd, "/") == 0 ? "" : p->cwd, name);
    return n > 0 && (size_t)n < size ? 0 : -ENAMETOOLONG;
}

/* openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) from "/" (the
 * container's root by now) must reach the file too */
static int check_in_root(const char *path, const char *arg0, struct cove_err *err) {
    _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return cove_err_sys(err, errno, "exec: \"%s\": open /", arg0);
    struct cove_err e = {0};
    _cleanup_close_ int fd = cove_path_open_in_root(root, path, O_PATH, &e);
    if (fd < 0)
        return cove_err_set(err, -fd, "exec: \"%s\": %s: %s", arg0, path,
                            fd == -ELOOP ? "a magic link (/proc/.../fd, exe, cwd, root) cannot be executed"
                                         : strerror(-fd));
    return 0;
}

static int check_exec(const char *path, const char *arg0, struct cove_err *err) {
    struct stat sb;
    /* lowercase words, as runc's: podman and others match on them */
    if (stat(path, &sb) < 0 && errno == ENOENT)
        return cove_err_set(err, ENOENT, "exec: \"%s\": stat %s: no such file or directory", arg0, path);
    if (stat(path, &sb) < 0)
        return cove_err_sys(err, errno, "exec: \"%s\": stat %s", arg0, path);
    if (S_ISDIR(sb.st_mode))
        return cove_err_set(err, EACCES, "exec: \"%s\": is a directory: permission denied", arg0);
    if (access(path, X_OK) < 0 && errno == EACCES)
        return cove_err_set(err, EACCES, "exec: \"%s\": %s: permission denied", arg0, path);
    if (access(path, X_OK) < 0)
        return cove_err_sys(err, errno, "exec: \"%s\": %s", arg0, path);
    return check_in_root(path, arg0, err);
}

int cove_process_find_exec(const struct cove_process *p, char **out, struct cove_err *err) {
    const char *arg0 = p->args[0];
    char full[PATH_MAX];
    if (strchr(arg0, '/')) {
        if (in_cwd(p, arg0, full, sizeof(full)) < 0)
            return cove_err_set(err, ENAMETOOLONG, "exec: \"%s\": name too long", arg0);
        int r = check_exec(full, arg0, err);
        if (r < 0)
            return r;
        *out = strdup(arg0);
        return *out ? 0 : cove_err_set(err, ENOMEM, "out of memory");
    }
    const char *path = env_lookup(p, "PATH");
    if (!path)
        path = DEFAULT_PATH;
    int saw_eacces = 0;
    for (const char *s = path; ; ) {
        const char *e = strchrnul(s, ':');
        char cand[PATH_MAX];
        int len = (e == s) ? snprintf(cand, sizeof(cand), "./%s", arg0)
                           : snprintf(cand, sizeof(cand), "%.*s/%s", (int)(e - s), s, arg0);
        struct stat sb;
        if (len > 0 && (size_t)len < sizeof(cand) && in_cwd(p, cand, full, sizeof(full)) == 0 &&
            stat(full, &sb) == 0 && S_ISREG(sb.st_mode)) {
            if (access(full, X_OK) == 0) {
                int r = check_in_root(full, arg0, err);
                if (r < 0)
                    return r;
                *out = strdup(cand);
                return *out ? 0 : cove_err_set(err, ENOMEM, "out of memory");
            }
            saw_eacces = 1;
        }
        if (!*e)
            break;
        s = e + 1;
    }
    if (saw_eacces)
        return cove_err_set(err, EACCES, "exec: \"%s\": permission denied", arg0);
    return cove_err_set(err, ENOENT,
                        "exec: \"%s\": executable file not found in $PATH: no such file or directory", arg0);
}

/* home of uid in the passwd text (NULL: no entry); malloc'd */
static char *passwd_home(const char *text, uid_t uid) {
    for (const char *line = text; line && *line;) {
        const char *end = strchrnul(line, '\n');
        /* name:passwd:uid:gid:gecos:home:shell */
        const char *f[7] = {line};
        int n = 1;
        for (const char *c = line; c < end && n < 7; c++)
            if (*c == ':')
                f[n++] = c + 1;
        if (n >= 6) {
            char *e;
            unsigned long u = strtoul(f[2], &e, 10);
            if (e != f[2] && *e == ':' && u == uid) {
                const char *h = f[5], *he = n == 7 ? f[6] - 1 : end;
                return he > h ? strndup(h, (size_t)(he - h)) : NULL;
            }
        }
        line = *end ? end + 1 : NULL;
    }
    return NULL;
}

int cove_process_env(const struct cove_process *p, char ***env, struct cove_err *err) {
    *env = p->env;
    if (env_lookup(p, "HOME"))
        return 0;
    _cleanup_free_ char *home = NULL, *text = NULL;
    _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    struct cove_err ignored = {0};
    _cleanup_close_ int fd = root < 0 ? -1 : cove_path_open_in_root(root, "/etc/passwd", O_RDONLY, &ignored);
    struct stat st;
    size_t len = 0;
    /* the image's file: a regular file of sane size, or no HOME from it */
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        cove_read_fd(fd, "/etc/passwd", 4u << 20, &text, &len, &ignored) == 0 && !memchr(text, '\0', len))
        home = passwd_home(text, p->user.uid);
    size_t n = p->n_env;
    char **v = calloc(n + 2, sizeof(char *));
    if (!v)
        return cove_err_set(err, ENOMEM, "out of memory");
    memcpy(v, p->env, n * sizeof(char *));
    if (asprintf(&v[n], "HOME=%s", home && home[0] == '/' ? home : "/") < 0) {
        free(v);
        return cove_err_set(err, ENOMEM, "out of memory");
    }
    *env = v;
    return 0;
}

int cove_process_exec_error(const struct cove_process *p, const char *path, int errnum, struct cove_err *err) {
    if (errnum == EACCES)
        return cove_err_set(err, EACCES, "exec: \"%s\": %s: permission denied", p->args[0], path);
    if (errnum == ENOENT)
        return cove_err_set(err, ENOENT, "exec: \"%s\": %s: no such file or directory", p->args[0], path);
    return cove_err_sys(err, errnum, "exec: \"%s\"", p->args[0]);
}

static int write_all_fd(int fd, const char *s) {
    size_t n = strlen(s);
    ssize_t w = write(fd, s, n);
    if (w < 0)
        return -errno;
    return (size_t)w == n ? 0 : -EIO;
}

int cove_process_set_oom_score_adj(pid_t pid, int value, struct cove_err *err) {
    char rel[64], val[16];
    snprintf(rel, sizeof(rel), "%d/oom_score_adj", (int)pid);
    _cleanup_close_ int fd = cove_procfs_open(rel, O_WRONLY, err);
    if (fd < 0)
        return cove_err_prefix(err, "process.oomScoreAdj");
    snprintf(val, sizeof(val), "%d", value);
    int r = write_all_fd(fd, val);
    if (r < 0)
        return cove_err_sys(err, -r, "process.oomScoreAdj: write %d to /proc/%s", value, rel);
    return 0;
}

int cove_process_set_sysctl(const struct cove_config *c, struct cove_err *err) {
    for (size_t i = 0; i < c->linux.n_sysctl; i++) {
        const struct cove_kv *kv = &c->linux.sysctl[i];
        char rel[PATH_MAX];
        int n = snprintf(rel, sizeof(rel), "sys/%s", kv->key);
        if (n < 0 || (size_t)n >= sizeof(rel))
            return cove_err_set(err, ENAMETOOLONG, "linux.sysctl.%s: name too long", kv->key);
        for (char *p = rel + 4; *p; p++)
            if (*p == '.')
                *p = '/';
        _cleanup_close_ int fd = cove_procfs_open(rel, O_WRONLY, err);
        if (fd < 0)
            return cove_err_prefix(err, "linux.sysctl.%s", kv->key);
        int r = write_all_fd(fd, kv->value);
        if (r < 0)
            return cove_err_sys(err, -r, "linux.sysctl.%s: write \"%s\"", kv->key, kv->value);
    }
    return 0;
}
