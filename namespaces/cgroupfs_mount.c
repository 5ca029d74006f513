/* namespaces/cgroupfs_mount.c — a config mount of type "cgroup".
 *
 * Unified host: a cgroup2 instance (with a cgroup namespace it shows the
 * container's own subtree).
 * Legacy/hybrid host: the v1 hierarchies cannot be namespaced the same way,
 * so, like runc, a tmpfs goes at the destination and inside it one bind per
 * hierarchy of <root>/<hierarchy><cgroup path> — the container sees its own
 * cgroup as the hierarchy root. The binds carry the config mount's flags
 * (the default spec has "ro"). Co-mounted hierarchies ("cpu,cpuacct") also
 * get the per-controller symlinks ("cpu" -> "cpu,cpuacct") the host has. */
#include "namespaces/rootfs_int.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroups/cgroups.h"
#include "lib/cleanup.h"

static int cgroupfs_mount_unified(const struct cove_mount *m, int destfd, struct cove_err *err) {
    _cleanup_close_ int mfd = cove_mnt_fs_create("cgroup2", "cgroup2", m->opts.data, m->opts.flags, err);
    if (mfd < 0)
        return mfd;
    int r = cove_mnt_attach(mfd, destfd, err);
    if (r == 0)
        r = cove_mnt_set_propagation(mfd, m->opts.propagation, err);
    return r;
}

/* One hierarchy: bind <host root>/<dir><cgpath> onto <tmpfs>/<dir>. A
 * hierarchy where the container has no cgroup is skipped. Host paths are
 * trusted (they are the host's cgroupfs), only the tmpfs side is by fd. */
/* The container's directory in hierarchy dir: taken from the created
 * cgroup's leaves (a relative cgroupsPath nests under a different own
 * cgroup in each hierarchy), else <root>/<dir><cgpath>. */
static char *cgroupfs_source(const struct cove_cgroup_host *h, const struct cove_cgroup *cg, const char *host_dir,
                             const char *dir, const char *cgpath) {
    if (cg) {
        bool unified = strcmp(dir, "unified") == 0;
        for (size_t i = 0; i < cg->n_leaves; i++) {
            const char *hier = cg->leaves[i].hierarchy;
            if ((hier && strcmp(hier, dir) == 0) || (!hier && unified))
                return strdup(cg->leaves[i].dir);
        }
        return NULL;
    }
    char *src = NULL;
    /* cgpath is documented absolute; tolerate "a/b" as "/a/b" */
    if (!cgpath)
        cgpath = "/";
    if (asprintf(&src, "%s%s%s", host_dir, cgpath[0] == '/' ? "" : "/", strcmp(cgpath, "/") != 0 ? cgpath : "") < 0)
        return NULL;
    return src;
}

static int cgroupfs_bind_one(int tmpfd, const struct cove_cgroup_host *h, const struct cove_cgroup *cg,
                             const char *dir, const char *cgpath, unsigned long ms, struct cove_err *err) {
    _cleanup_free_ char *host_dir = NULL;
    if (asprintf(&host_dir, "%s/%s", h->root, dir) < 0)
        return cove_err_set(err, ENOMEM, "out of memory");
    struct stat st;
    if (lstat(host_dir, &st) < 0)
        return 0;
    if (S_ISLNK(st.st_mode)) {
        /* the host's own "cpu" -> "cpu,cpuacct" style link: copy it */
        char target[256];
        ssize_t n = readlink(host_dir, target, sizeof(target) - 1);
        if (n < 0)
            return 0;
        target[n] = '\0';
        if (symlinkat(target, tmpfd, dir) < 0 && errno != EEXIST)
            return cove_err_sys(err, errno, "symlink %s", dir);
        return 0;
    }
    _cleanup_free_ char *src = cgroupfs_source(h, cg, host_dir, dir, cgpath);
    if (!src || stat(src, &st) < 0 || !S_ISDIR(st.st_mode))
        return 0;
    if (mkdirat(tmpfd, dir, 0755) < 0 && errno != EEXIST)
        return cove_err_sys(err, errno, "mkdir %s", dir);
    _cleanup_close_ int destfd = openat(tmpfd, dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (destfd < 0)
        return cove_err_sys(err, errno, "open %s", dir);
    _cleanup_close_ int tree = cove_mnt_clone(AT_FDCWD, src, false, err);
    if (tree < 0)
        return tree;
    int r = cove_mnt_setattr(tree, cove_mnt_attr_from_ms(ms), 0, false, err);
    if (r == 0)
        r = cove_mnt_attach(tree, destfd, err);
    if (r < 0)
        return cove_err_prefix(err, "%s", src);
    /* "cpu,cpuacct": make "cpu" and "cpuacct" point at it */
    if (strchr(dir, ',')) {
        _cleanup_free_ char *names = strdup(dir);
        if (!names)
            return cove_err_set(err, ENOMEM, "out of memory");
        char *save = NULL;
        for (char *n = strtok_r(names, ",", &save); n; n = strtok_r(NULL, ",", &save))
            if (strncmp(n, "name=", 5) != 0 && symlinkat(dir, tmpfd, n) < 0 && errno != EEXIST)
                return cove_err_sys(err, errno, "symlink %s", n);
    }
    return 0;
}

static int cgroupfs_mount_v1(const struct cove_cgroup_host *h, const struct cove_cgroup *cg, const char *cgpath,
                             const struct cove_mount *m, int destfd, struct cove_err *err) {
    /* the tmpfs stays writable until populated; its final flags come last */
    unsigned long tmpfs_ms = m->opts.flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC);
    _cleanup_close_ int mfd = cove_mnt_fs_create("tmpfs", "tmpfs", "mode=755", tmpfs_ms, err);
    if (mfd < 0)
        return mfd;
    int r = cove_mnt_attach(mfd, destfd, err);
    if (r < 0)
        return r;
    bool saw_unified = false;
    for (size_t i = 0; i < h->n_v1_dirs; i++) {
        if (strcmp(h->v1_dirs[i], "unified") == 0)
            saw_unified = true;
        r = cgroupfs_bind_one(mfd, h, cg, h->v1_dirs[i], cgpath, m->opts.flags, err);
        if (r < 0)
            return r;
    }
    if (h->mode == COVE_CG_HYBRID && !saw_unified) {
        r = cgroupfs_bind_one(mfd, h, cg, "unified", cgpath, m->opts.flags, err);
        if (r < 0)
            return r;
    }
    r = cove_mnt_setattr(mfd, cove_mnt_attr_from_ms(m->opts.flags & MS_RDONLY), 0, false, err);
    if (r == 0)
        r = cove_mnt_set_propagation(mfd, m->opts.propagation, err);
    return r;
}

int cove_mount_cgroupfs(struct rootfs_ctx *ctx, const struct cove_mount *m, int destfd, struct cove_err *err) {
    const struct cove_cgroup_host *h = ctx->o->cg_host;
    if (strcmp(m->type, "cgroup2") == 0 || !h || h->mode == COVE_CG_UNIFIED)
        return cgroupfs_mount_unified(m, destfd, err);
    return cgroupfs_mount_v1(h, ctx->o->cg, ctx->o->cgroup_path, m, destfd, err);
}
