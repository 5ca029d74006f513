/* cgroups/cgroups.c — mode detection, cgroupsPath resolution, create/open/
 * destroy and the dispatch to the v1 (v1.c) and v2 (v2.c) backends. The
 * layout and the path rules are written down in docs/cgroups.md. */
#include "cgroups/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "lib/cleanup.h"

/* ---------------------------------------------------------------- host */

int cove_cgroup_mode_from_magic(long root_magic, long unified_magic, enum cove_cgroup_mode *mode) {
    if (root_magic == CGROUP2_SUPER_MAGIC) {
        *mode = COVE_CG_UNIFIED;
        return 0;
    }
    /* v1 controllers are mounted on directories of a tmpfs at root. */
    if (root_magic != TMPFS_MAGIC && root_magic != CGROUP_SUPER_MAGIC)
        return -EINVAL;
    *mode = unified_magic == CGROUP2_SUPER_MAGIC ? COVE_CG_HYBRID : COVE_CG_LEGACY;
    return 0;
}

int cove_cgroup_host_detect(const char *root, struct cove_cgroup_host *host, struct cove_err *err) {
    return cove_cgroup_host_detect_as(root, NULL, host, err);
}

int cove_cgroup_host_detect_as(const char *root, const char *self_cgroup_file, struct cove_cgroup_host *host,
                               struct cove_err *err) {
    struct statfs st;
    if (statfs(root, &st) < 0)
        return cove_err_sys(err, errno, "%s: statfs", root);
    long unified_magic = 0;
    if (st.f_type != CGROUP2_SUPER_MAGIC) {
        _cleanup_free_ char *u = NULL;
        struct statfs ust;
        if (asprintf(&u, "%s/unified", root) < 0)
            return cove_err_set(err, ENOMEM, "out of memory");
        if (statfs(u, &ust) == 0)
            unified_magic = (long)ust.f_type;
    }
    enum cove_cgroup_mode mode;
    if (cove_cgroup_mode_from_magic((long)st.f_type, unified_magic, &mode) < 0)
        return cove_err_set(err, EINVAL, "%s: not a cgroup mount (filesystem magic 0x%lx)", root,
                            (unsigned long)st.f_type);
    return cove_cgroup_host_init(host, root, mode, self_cgroup_file, err);
}

/* "cpu,cpuacct" and "cpuacct,cpu" are the same set. */
static bool ctrl_sets_equal(const char *a, const char *b) {
    size_t na = 1, nb = 1;
    for (const char *p = a; *p; p++) na += *p == ',';
    for (const char *p = b; *p; p++) nb += *p == ',';
    if (na != nb)
        return false;
    const char *p = a;
    for (;;) {
        const char *e = strchrnul(p, ',');
        char one[128];
        size_t l = (size_t)(e - p);
        if (l >= sizeof(one))
            return false;
        memcpy(one, p, l);
        one[l] = '\0';
        if (!cg_hier_has(b, one))
            return false;
        if (!*e)
            return true;
        p = e + 1;
    }
}

bool cg_hier_has(const char *hier, const char *ctrl) {
    size_t cl = strlen(ctrl);
    const char *p = hier;
    for (;;) {
        const char *e = strchrnul(p, ',');
        if ((size_t)(e - p) == cl && strncmp(p, ctrl, cl) == 0)
            return true;
        if (!*e)
            return false;
        p = e + 1;
    }
}

/* Does a /proc/self/cgroup controller field describe the hierarchy mounted
 * at directory dir? "name=systemd" is mounted at "systemd". */
static bool self_line_matches(const char *ctrls, const char *dir) {
    if (strncmp(ctrls, "name=", 5) == 0)
        return strcmp(ctrls + 5, dir) == 0;
    return ctrl_sets_equal(ctrls, dir);
}

static int host_read_own(struct cove_cgroup_host *host, const char *file, struct cove_err *err) {
    _cleanup_free_ char *buf = NULL;
    _cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        char tmp[8192];
        ssize_t r = read(fd, tmp, sizeof(tmp) - 1);
        if (r < 0)
            return cove_err_sys(err, errno, "%s: read", file);
        tmp[r] = '\0';
        buf = strdup(tmp);
        if (!buf)
            return cove_err_set(err, ENOMEM, "out of memory");
    }
    char *save = NULL;
    for (char *line = buf ? strtok_r(buf, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c2 = '\0';
        const char *ctrls = c1 + 1, *path = c2 + 1;
        char **slot = NULL;
        if (*ctrls == '\0' && strncmp(line, "0:", 2) == 0) {
            slot = &host->v2_own;
        } else {
            for (size_t i = 0; i < host->n_v1_dirs; i++)
                if (self_line_matches(ctrls, host->v1_dirs[i]))
                    slot = &host->v1_own[i];
        }
        if (slot && !*slot && !(*slot = strdup(path)))
            return cove_err_set(err, ENOMEM, "out of memory");
    }
    if (!host->v2_own && !(host->v2_own = strdup("/")))
        return cove_err_set(err, ENOMEM, "out of memory");
    for (size_t i = 0; i < host->n_v1_dirs; i++)
        if (!host->v1_own[i] && !(host->v1_own[i] = strdup("/")))
            return cove_err_set(err, ENOMEM, "out of memory");
    return 0;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int host_list_v1(struct cove_cgroup_host *host, struct cove_err *err) {
    _cleanup_closedir_ DIR *d = opendir(host->root);
    if (!d)
        return cove_err_sys(err, errno, "%s: opendir", host->root);
    size_t cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || strcmp(de->d_name, "unified") == 0)
            continue;
        unsigned char t = de->d_type;
        if (t == DT_UNKNOWN) {
            struct stat st;
            if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                continue;
            t = S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
        }
        /* Symlinks (cpu -> cpu,cpuacct) name a hierarchy already listed. */
        if (t != DT_DIR)
            continue;
        if (host->n_v1_dirs + 1 >= cap) {
            size_t nc = cap ? cap * 2 : 16;
            char **nv = realloc(host->v1_dirs, nc * sizeof(*nv));
            if (!nv)
                return cove_err_set(err, ENOMEM, "out of memory");
            host->v1_dirs = nv;
            cap = nc;
        }
        if (!(host->v1_dirs[host->n_v1_dirs] = strdup(de->d_name)))
            return cove_err_set(err, ENOMEM, "out of memory");
        host->n_v1_dirs++;
    }
    if (host->n_v1_dirs)
        qsort(host->v1_dirs, host->n_v1_dirs, sizeof(char *), cmp_str);
    return 0;
}

int cove_cgroup_host_init(struct cove_cgroup_host *host, const char *root, enum cove_cgroup_mode mode,
                          const char *self_cgroup_file, struct cove_err *err) {
    *host = (struct cove_cgroup_host){ .mode = mode };
    int r;
    if (!(host->root = strdup(root)))
        r = cove_err_set(err, ENOMEM, "out of memory");
    else if (mode != COVE_CG_UNIFIED && (r = host_list_v1(host, err)) < 0)
        ;
    else if (host->n_v1_dirs && !(host->v1_own = calloc(host->n_v1_dirs, sizeof(char *))))
        r = cove_err_set(err, ENOMEM, "out of memory");
    else
        r = host_read_own(host, self_cgroup_file ? self_cgroup_file : "/proc/self/cgroup", err);
    if (r < 0)
        cove_cgroup_host_free(host);
    return r;
}

void cove_cgroup_host_free(struct cove_cgroup_host *host) {
    for (size_t i = 0; i < host->n_v1_dirs; i++) {
        free(host->v1_dirs[i]);
        if (host->v1_own)
            free(host->v1_own[i]);
    }
    free(host->v1_dirs);
    free(host->v1_own);
    free(host->v2_own);
    free(host->root);
    *host = (struct cove_cgroup_host){ 0 };
}

/* ---------------------------------------------------------------- paths */

int cove_cgroup_resolve_path(const char *cgroups_path, const char *id, char **out, struct cove_err *err) {
    if (!cgroups_path || !*cgroups_path) {
        if (!id || !*id || strchr(id, '/') || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
            return cove_err_set(err, EINVAL, "linux.cgroupsPath: absent, and container id \"%s\" is not a valid cgroup name",
                                id ? id : "");
        if (!(*out = strdup(id)))
            return cove_err_set(err, ENOMEM, "out of memory");
        return 0;
    }
    bool abs = cgroups_path[0] == '/';
    size_t len = strlen(cgroups_path);
    _cleanup_free_ char *res = malloc(len + 2);
    if (!res)
        return cove_err_set(err, ENOMEM, "out of memory");
    size_t o = 0;
    const char *p = cgroups_path;
    while (*p) {
        while (*p == '/')
            p++;
        const char *e = strchrnul(p, '/');
        size_t l = (size_t)(e - p);
        if (l == 0)
            break;
        /* ".." would walk out of the hierarchy or of the caller's cgroup. */
        if (l == 2 && p[0] == '.' && p[1] == '.')
            return cove_err_set(err, EINVAL, "linux.cgroupsPath: \"%s\": \"..\" components are not allowed",
                                cgroups_path);
        if (!(l == 1 && p[0] == '.')) {
            if (abs || o > 0)
                res[o++] = '/';
            memcpy(res + o, p, l);
            o += l;
        }
        p = e;
    }
    res[o] = '\0';
    if (o == 0)
        return cove_err_set(err, EINVAL, "linux.cgroupsPath: \"%s\": must name a cgroup below the root",
                            cgroups_path);
    *out = TAKE_PTR(res);
    return 0;
}

/* <root>[/<hier>][<own>]/<path> — own only for relative paths. */
static char *leaf_dir(const char *root, const char *hier, const char *own, const char *path) {
    char *dir = NULL;
    if (path[0] != '/' && own && strcmp(own, "/") == 0)
        own = NULL;
    int r = asprintf(&dir, "%s%s%s%s%s%s", root, hier ? "/" : "", hier ? hier : "",
                     path[0] == '/' ? "" : (own ? own : ""), path[0] == '/' ? "" : "/", path);
    return r < 0 ? NULL : dir;
}

/* ---------------------------------------------------------------- struct */

void cove_cgroup_free(struct cove_cgroup *cg) {
    if (cg->v2_fd >= 0)
        close(cg->v2_fd);
    for (size_t i = 0; i < cg->n_leaves; i++) {
        free(cg->leaves[i].hierarchy);
        free(cg->leaves[i].dir);
    }
    for (size_t i = 0; i < cg->n_dirs; i++)
        free(cg->dirs[i]);
    free(cg->leaves);
    free(cg->dirs);
    free(cg->path);
    free(cg->root);
    *cg = (struct cove_cgroup){ .v2_fd = -1 };
}

const struct cove_cgroup_leaf *cg_find_v1(const struct cove_cgroup *cg, const char *ctrl) {
    const char *name = strncmp(ctrl, "name=", 5) == 0 ? ctrl + 5 : NULL;
    for (size_t i = 0; i < cg->n_leaves; i++) {
        const char *h = cg->leaves[i].hierarchy;
        if (h && (name ? strcmp(h, name) == 0 : cg_hier_has(h, ctrl)))
            return &cg->leaves[i];
    }
    return NULL;
}

const struct cove_cgroup_leaf *cg_find_v2(const struct cove_cgroup *cg) {
    for (size_t i = 0; i < cg->n_leaves; i++)
        if (!cg->leaves[i].hierarchy)
            return &cg->leaves[i];
    return NULL;
}

static int push_str(char ***v, size_t *n, char *s) {
    char **nv = realloc(*v, (*n + 1) * sizeof(**v));
    if (!nv) {
        free(s);
        return -ENOMEM;
    }
    *v = nv;
    nv[(*n)++] = s;
    return 0;
}

/* Fill cg->leaves with one leaf per hierarchy of host (v1 first). */
static int cg_plan_leaves(const struct cove_cgroup_host *host, const char *path, struct cove_cgroup *cg,
                          struct cove_err *err) {
    size_t n = host->mode == COVE_CG_UNIFIED ? 1 : host->n_v1_dirs + (host->mode == COVE_CG_HYBRID);
    *cg = (struct cove_cgroup){ .v2_fd = -1, .mode = host->mode };
    cg->leaves = calloc(n ? n : 1, sizeof(*cg->leaves));
    cg->path = strdup(path);
    cg->root = strdup(host->root);
    if (!cg->leaves || !cg->path || !cg->root)
        return cove_err_set(err, ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        struct cove_cgroup_leaf *l = &cg->leaves[i];
        if (host->mode == COVE_CG_UNIFIED) {
            l->dir = leaf_dir(host->root, NULL, host->v2_own, path);
        } else if (i < host->n_v1_dirs) {
            if (!(l->hierarchy = strdup(host->v1_dirs[i])))
                return cove_err_set(err, ENOMEM, "out of memory");
            l->dir = leaf_dir(host->root, host->v1_dirs[i], host->v1_own ? host->v1_own[i] : NULL, path);
        } else {
            l->dir = leaf_dir(host->root, "unified", host->v2_own, path);
        }
        cg->n_leaves++;
        if (!l->dir)
            return cove_err_set(err, ENOMEM, "out of memory");
    }
    return 0;
}

/* mkdir dir and any missing parents down from base (never base itself),
 * appending each directory actually created to cg->dirs. Tries the leaf
 * first: on the usual start path the parent exists and this is one mkdir.
 * A parent can vanish between its mkdir and the child's: the container
 * that made it was deleted at that moment and removed it, empty. Then the
 * whole walk is tried again (a few times). */
static int mkdir_walk(struct cove_cgroup *cg, size_t base_len, const char *dir, struct cove_err *err);

static int mkdir_recorded(struct cove_cgroup *cg, size_t base_len, const char *dir, struct cove_err *err) {
    int r = -ENOENT;
    for (int tries = 0; tries < 8 && r == -ENOENT; tries++) {
        cove_err_clear(err);
        r = mkdir_walk(cg, base_len, dir, err);
    }
    return r;
}

static int mkdir_walk(struct cove_cgroup *cg, size_t base_len, const char *dir, struct cove_err *err) {
    if (mkdir(dir, 0755) == 0) {
        char *d = strdup(dir);
        if (!d || push_str(&cg->dirs, &cg->n_dirs, d) < 0)
            return cove_err_set(err, ENOMEM, "out of memory");
        return 0;
    }
    if (errno == EEXIST)
        return 0;
    if (errno != ENOENT)
        return cove_err_sys(err, errno, "%s: mkdir", dir);
    const char *slash = strrchr(dir, '/');
    if (!slash || (size_t)(slash - dir) <= base_len)
        return cove_err_sys(err, ENOENT, "%s: mkdir", dir);
    _cleanup_free_ char *parent = strndup(dir, (size_t)(slash - dir));
    if (!parent)
        return cove_err_set(err, ENOMEM, "out of memory");
    int r = mkdir_walk(cg, base_len, parent, err);
    if (r < 0)
        return r;
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return cove_err_sys(err, errno, "%s: mkdir", dir); /* ENOENT: retried by mkdir_recorded */
    char *d = strdup(dir);
    if (!d || push_str(&cg->dirs, &cg->n_dirs, d) < 0)
        return cove_err_set(err, ENOMEM, "out of memory");
    return 0;
}

static void rmdir_created(struct cove_cgroup *cg) {
    for (size_t i = cg->n_dirs; i-- > 0;)
        rmdir(cg->dirs[i]);
}

static size_t hier_base_len(const struct cove_cgroup *cg, const struct cove_cgroup_leaf *l) {
    size_t len = strlen(cg->root);
    if (l->hierarchy)
        len += 1 + strlen(l->hierarchy);
    else if (cg->mode == COVE_CG_HYBRID)
        len += strlen("/unified");
    return len;
}

static int cg_create_leaves(struct cove_cgroup *cg, struct cove_err *err) {
    for (size_t i = 0; i < cg->n_leaves; i++) {
        const struct cove_cgroup_leaf *l = &cg->leaves[i];
        size_t base_len = hier_base_len(cg, l);
        int r = mkdir_recorded(cg, base_len, l->dir, err);
        if (r < 0)
            return r;
        /* A new v1 cpuset cgroup starts with empty cpus/mems and refuses
         * pids until they are set; a parent another create just made may
         * still be empty too (cgv1_cpuset_fill). */
        if (l->hierarchy && cg_hier_has(l->hierarchy, "cpuset")) {
            _cleanup_free_ char *base = strndup(l->dir, base_len);
            if (!base)
                return cove_err_set(err, ENOMEM, "out of memory");
            if ((r = cgv1_cpuset_fill(base, l->dir, err)) < 0)
                return r;
        }
        if (!l->hierarchy && cg->mode == COVE_CG_UNIFIED) {
            r = cgv2_enable_controllers(cg->root, l->dir + base_len, err);
            if (r < 0)
                return r;
        }
        if (!l->hierarchy) {
            cg->v2_fd = open(l->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
            if (cg->v2_fd < 0)
                return cove_err_sys(err, errno, "%s: open", l->dir);
        }
    }
    return 0;
}

int cove_cgroup_create(const struct cove_cgroup_host *host, const char *path, struct cove_cgroup *cg,
                       struct cove_err *err) {
    int r = cg_plan_leaves(host, path, cg, err);
    if (r >= 0)
        r = cg_create_leaves(cg, err);
    if (r < 0) {
        rmdir_created(cg);
        cove_cgroup_free(cg);
    }
    return r;
}

/* Joining an existing leaf needs its cgroup.procs; making one, the
 * deepest directory that exists on the way. */
static bool leaf_writable(const char *dir) {
    _cleanup_free_ char *d = strdup(dir);
    if (!d)
        return false;
    if (access(d, F_OK) == 0) {
        _cleanup_free_ char *procs = NULL;
        return asprintf(&procs, "%s/cgroup.procs", d) >= 0 && faccessat(AT_FDCWD, procs, W_OK, AT_EACCESS) == 0;
    }
    char *slash;
    while ((slash = strrchr(d, '/')) && slash != d) {
        *slash = '\0';
        if (access(d, F_OK) == 0)
            return faccessat(AT_FDCWD, d, W_OK, AT_EACCESS) == 0;
    }
    return false;
}

int cove_cgroup_writable(const struct cove_cgroup_host *host, const char *path, char **denied,
                         struct cove_err *err) {
    *denied = NULL;
    struct cove_cgroup cg;
    int r = cg_plan_leaves(host, path, &cg, err);
    for (size_t i = 0; r >= 0 && i < cg.n_leaves; i++)
        if (!leaf_writable(cg.leaves[i].dir)) {
            if (!(*denied = strdup(cg.leaves[i].dir)))
                r = cove_err_set(err, ENOMEM, "out of memory");
            break;
        }
    cove_cgroup_free(&cg);
    return r < 0 ? r : !*denied;
}

bool cove_resources_has_limits(const struct cove_resources *r) {
    return r->has_memory || r->has_cpu || r->has_pids || r->has_blkio || r->n_hugepages || r->has_network ||
           r->n_net_priorities || r->n_rdma || r->n_unified;
}

int cove_cgroup_open(const struct cove_cgroup_host *host, const char *path, struct cove_cgroup *cg,
                     struct cove_err *err) {
    int r = cg_plan_leaves(host, path, cg, err);
    if (r < 0) {
        cove_cgroup_free(cg);
        return r;
    }
    /* Keep only the hierarchies where the cgroup exists. */
    size_t kept = 0;
    for (size_t i = 0; i < cg->n_leaves; i++) {
        struct cove_cgroup_leaf l = cg->leaves[i];
        if (access(l.dir, F_OK) < 0) {
            free(l.hierarchy);
            free(l.dir);
            continue;
        }
        cg->leaves[kept++] = l;
        char *d = strdup(l.dir);
        if (!d || push_str(&cg->dirs, &cg->n_dirs, d) < 0) {
            cg->n_leaves = kept;
            cove_cgroup_free(cg);
            return cove_err_set(err, ENOMEM, "out of memory");
        }
        if (!l.hierarchy)
            cg->v2_fd = open(l.dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    }
    cg->n_leaves = kept;
    if (kept == 0) {
        r = cove_err_set(err, ENOENT, "cgroup %s does not exist under %s", path, host->root);
        cove_cgroup_free(cg);
        return r;
    }
    return 0;
}

/* ---------------------------------------------------------------- ops */

int cove_cgroup_validate(const struct cove_cgroup_host *host, const struct cove_resources *res,
                         struct cove_err *err) {
    if (!res || !res->set)
        return 0;
    if (host->mode == COVE_CG_UNIFIED)
        return cgv2_validate(res, err);
    return cgv1_validate(host, res, err);
}

int cove_cgroup_apply(const struct cove_cgroup *cg, const struct cove_resources *res, struct cove_err *err) {
    if (!res || !res->set)
        return 0;
    if (cg->mode != COVE_CG_UNIFIED)
        return cgv1_apply(cg, res, err);
    const struct cove_cgroup_leaf *l = cg_find_v2(cg);
    if (!l)
        return cove_err_set(err, ENOENT, "cgroup %s: no cgroup2 directory", cg->path);
    return cgv2_apply(cg, l->dir, res, err);
}

int cove_cgroup_set_devices(const struct cove_cgroup *cg, const struct cove_device_rule *rules, size_t n,
                            struct cove_err *err) {
    if (cg->mode != COVE_CG_UNIFIED)
        return cgv1_set_devices(cg, rules, n, err);
    const struct cove_cgroup_leaf *l = cg_find_v2(cg);
    if (!l)
        return cove_err_set(err, ENOENT, "cgroup %s: no cgroup2 directory", cg->path);
    return cgv2_devices_apply(l->dir, rules, n, err);
}

int cove_cgroup_self_join_open(const struct cove_cgroup *cg, struct cove_cgroup_self_join *j, struct cove_err *err) {
    *j = (struct cove_cgroup_self_join){.cg = cg};
    if (!cg->n_leaves)
        return 0;
    if (!(j->fds = malloc(cg->n_leaves * sizeof(int))))
        return cove_err_set(err, ENOMEM, "out of memory");
    j->n = cg->n_leaves;
    for (size_t i = 0; i < j->n; i++)
        j->fds[i] = -1;
    for (size_t i = 0; i < j->n; i++) {
        const struct cove_cgroup_leaf *l = &cg->leaves[i];
        if (!l->hierarchy)
            continue; /* cgroup2: CLONE_INTO_CGROUP, or add_pid */
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/tasks", l->dir) < 0)
            return cove_err_set(err, ENOMEM, "out of memory");
        if ((j->fds[i] = open(path, O_WRONLY | O_CLOEXEC)) < 0) {
            int e = errno;
            j->fds[i] = -1;
            cove_cgroup_self_join_close(j);
            return cove_err_sys(err, e, "%s: open", path);
        }
    }
    return 0;
}

int cove_cgroup_self_join(struct cove_cgroup_self_join *j, struct cove_err *err) {
    int r = 0;
    for (size_t i = 0; i < j->n; i++) {
        if (j->fds[i] < 0)
            continue;
        if (r == 0 && write(j->fds[i], "0", 1) != 1)
            r = cove_err_sys(err, errno, "%s/tasks: join", j->cg->leaves[i].dir);
        cove_close(&j->fds[i]);
    }
    return r;
}

void cove_cgroup_self_join_close(struct cove_cgroup_self_join *j) {
    for (size_t i = 0; j->fds && i < j->n; i++)
        cove_close(&j->fds[i]);
    free(j->fds);
    *j = (struct cove_cgroup_self_join){0};
}

int cove_cgroup_add_pid(const struct cove_cgroup *cg, pid_t pid, struct cove_err *err) {
    for (size_t i = 0; i < cg->n_leaves; i++) {
        const struct cove_cgroup_leaf *l = &cg->leaves[i];
        if ((!l->hierarchy && cg->v2_born_inside) || (l->hierarchy && cg->v1_self_joined))
            continue;
        int r = cgfs_writef(err, l->dir, "cgroup.procs", "%d", (int)pid);
        if (r < 0)
            return r;
    }
    return 0;
}

int cove_cgroup_freeze(const struct cove_cgroup *cg, bool frozen, struct cove_err *err) {
    const struct cove_cgroup_leaf *l = cg_find_v1(cg, "freezer");
    if (l)
        return cgv1_freeze(l->dir, frozen, err);
    if ((l = cg_find_v2(cg)))
        return cgv2_freeze(l->dir, frozen, err);
    return cove_err_set(err, EOPNOTSUPP, "cgroup %s: no freezer hierarchy under %s", cg->path, cg->root);
}

int cove_cgroup_pids(const struct cove_cgroup *cg, pid_t **pids, size_t *n, struct cove_err *err) {
    const struct cove_cgroup_leaf *l = cg->mode == COVE_CG_UNIFIED ? cg_find_v2(cg) : cg_find_v1(cg, "pids");
    if (!l && cg->n_leaves)
        l = &cg->leaves[0];
    if (!l)
        return cove_err_set(err, ENOENT, "cgroup %s does not exist", cg->path);
    return cgfs_read_pids(l->dir, pids, n, err);
}

int cove_cgroup_kill_all(const struct cove_cgroup *cg, int sig, struct cove_err *err) {
    const struct cove_cgroup_leaf *v2 = cg_find_v2(cg);
    /* cgroup.kill (5.14+) kills atomically, forks included, but only with
     * SIGKILL. It is part of the cgroup2 core, so hybrid hosts have it too. */
    if (sig == SIGKILL && v2 && cgfs_exists(v2->dir, "cgroup.kill"))
        return cgfs_write(v2->dir, "cgroup.kill", "1", err);
    /* Freeze first so nothing forks between reading the list and signalling. */
    struct cove_err ferr = { 0 };
    bool frozen = cove_cgroup_freeze(cg, true, &ferr) == 0;
    _cleanup_free_ pid_t *pids = NULL;
    size_t n = 0;
    int r = cove_cgroup_pids(cg, &pids, &n, err);
    for (size_t i = 0; r >= 0 && i < n; i++)
        if (kill(pids[i], sig) < 0 && errno != ESRCH)
            r = cove_err_sys(err, errno, "kill %d", (int)pids[i]);
    if (frozen) {
        int t = cove_cgroup_freeze(cg, false, r < 0 ? &ferr : err);
        if (r >= 0)
            r = t;
    }
    return r;
}

/* rmdir with bounded retries: EBUSY while the killed tasks are exiting. */
static int rmdir_wait(const char *dir, struct cove_err *err) {
    unsigned waited = 0, step = 1;
    for (;;) {
        if (rmdir(dir) == 0 || errno == ENOENT)
            return 0;
        if (errno != EBUSY || waited >= 2000)
            return cove_err_sys(err, errno, "%s: rmdir", dir);
        cgfs_sleep_ms(step);
        waited += step;
        if (step < 32)
            step *= 2;
    }
}

int cove_cgroup_destroy(struct cove_cgroup *cg, struct cove_err *err) {
    _cleanup_free_ pid_t *pids = NULL;
    size_t n = 0;
    struct cove_err perr = { 0 };
    if (cove_cgroup_pids(cg, &pids, &n, &perr) == 0 && n > 0) {
        int r = cove_cgroup_kill_all(cg, SIGKILL, err);
        if (r < 0)
            return r;
    }
    int ret = 0;
    for (size_t i = cg->n_dirs; i-- > 0;) {
        struct cove_err e = { 0 };
        int r = rmdir_wait(cg->dirs[i], &e);
        if (r < 0 && ret == 0) {
            ret = r;
            if (err)
                *err = e;
        }
        if (r == 0) {
            free(cg->dirs[i]);
            /* Keep failed ones at the front so a retry still knows them. */
            memmove(&cg->dirs[i], &cg->dirs[i + 1], (cg->n_dirs - i - 1) * sizeof(char *));
            cg->n_dirs--;
        }
    }
    return ret;
}

static int chown_at(int dirfd, const char *name, uid_t u, gid_t g, struct cove_err *err) {
    if (fchownat(dirfd, name, u, g, name[0] ? 0 : AT_EMPTY_PATH) < 0 && errno != ENOENT)
        return cove_err_sys(err, errno, "chown cgroup %s to %u:%u", name[0] ? name : ".", (unsigned)u, (unsigned)g);
    return 0;
}

int cove_cgroup_delegate(const struct cove_cgroup *cg, uid_t uid, gid_t gid, struct cove_err *err) {
    if (cg->mode != COVE_CG_UNIFIED || cg->v2_fd < 0)
        return 0;
    static const char *const files[] = {"", "cgroup.procs", "cgroup.subtree_control", "cgroup.threads"};
    for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
        int r = chown_at(cg->v2_fd, files[i], uid, gid, err);
        if (r < 0)
            return r;
    }
    return 0;
}
