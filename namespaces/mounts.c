/* namespaces/mounts.c — step 3 of cove_rootfs_setup(): the config's mounts,
 * in order. Each destination is resolved (and created) inside the rootfs by
 * namespaces/path.c; the mount is built detached and moved onto that fd.
 * Sources of bind mounts are host paths, relative to the bundle directory
 * (the process's cwd), as the runtime-spec says. */
#include "namespaces/rootfs_int.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "namespaces/path.h"
#include "lib/cleanup.h"
#include "lib/syscalls.h"

bool cove_mounts_has(const struct cove_config *c, const char *dest, const char *type) {
    for (size_t i = 0; i < c->n_mounts; i++) {
        const struct cove_mount *m = &c->mounts[i];
        if (!m->destination || (type && (!m->type || strcmp(m->type, type) != 0)))
            continue;
        _cleanup_free_ char *clean = cove_path_clean(m->destination);
        if (clean && strcmp(clean, dest) == 0)
            return true;
    }
    return false;
}

static bool mount_is_bind(const struct cove_mount *m) {
    return (m->opts.flags & MS_BIND) || (m->type && strcmp(m->type, "bind") == 0);
}

/* Bind: clone the source tree, give it its attributes while detached, then
 * attach. ro/nosuid/... on a bind need a separate step (mount(2) ignores
 * them with MS_BIND); mount_setattr does it on the clone. The flag attrs are
 * recursive for "rbind" + "ro" (a read-only rbind must not leave writable
 * submounts) and the r* options (rro, rnosuid...) always are. */
static int mount_bind(struct rootfs_ctx *ctx, const struct cove_mount *m, size_t i, struct cove_err *err) {
    const struct cove_mount_opts *op = &m->opts;
    bool rec = (op->flags & MS_REC) != 0;
    if (!m->source)
        return cove_err_set(err, EINVAL, "mounts[%zu].source: bind mount without source", i);
    /* id-mapped: built (with its attributes) by the runtime, see idmap.c */
    bool prepared = ctx->o->idmap_fds && ctx->o->idmap_fds[i] >= 0;
    if (!prepared && cove_mount_wants_idmap(m))
        return cove_err_set(err, EINVAL, "mounts[%zu]: id-mapped mount was not prepared", i);
    /* AT_FDCWD: relative sources resolve against the bundle directory */
    _cleanup_close_ int tree = prepared ? ctx->o->idmap_fds[i] : cove_mnt_clone(AT_FDCWD, m->source, rec, err);
    if (tree < 0) {
        cove_err_clear(err);
        return cove_err_sys(err, -tree, "mounts[%zu].source (%s)", i, m->source);
    }
    struct stat st;
    if (fstat(tree, &st) < 0)
        return cove_err_sys(err, errno, "mounts[%zu].source (%s): stat", i, m->source);

    int r = 0;
    if (!prepared)
        r = cove_mnt_setattr(tree, cove_mnt_attr_from_ms(op->flags), cove_mnt_attr_from_ms(op->clear),
                             rec && (op->flags & MS_RDONLY), err);
    if (r == 0 && op->rec_attr && !prepared)
        r = cove_mnt_setattr(tree, op->attr_set, op->attr_clr, true, err);
    if (r < 0)
        return cove_err_prefix(err, "mounts[%zu] (%s)", i, m->destination);

    _cleanup_close_ int dest = cove_path_mkdir_p_in_root(ctx->rootfd, m->destination, S_ISDIR(st.st_mode), err);
    if (dest < 0)
        return cove_err_prefix(err, "mounts[%zu].destination", i);
    r = cove_mnt_attach(tree, dest, err);
    if (r == 0)
        r = cove_mnt_set_propagation(tree, op->propagation, err);
    if (r < 0)
        return cove_err_prefix(err, "mounts[%zu] (%s)", i, m->destination);
    return 0;
}

/* A new filesystem instance (proc, sysfs, tmpfs, devpts, mqueue, overlay...):
 * whatever the kernel accepts; data options are passed as fs parameters. */
/* procfs and sysfs go only onto real directories: a rootfs whose /proc or
 * /sys is a symlink (to a directory inside it or anywhere else) would get
 * the kernel's files somewhere the masks and read-only paths do not cover
 * (the CVE-2019-19921 / CVE-2023-27561 class); runc refuses it too. */
static int check_kernel_fs_destination(struct rootfs_ctx *ctx, const struct cove_mount *m, size_t i,
                                       struct cove_err *err) {
    if (strcmp(m->type, "proc") != 0 && strcmp(m->type, "sysfs") != 0)
        return 0;
    struct open_how how = {
        .flags = O_PATH | O_CLOEXEC,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
    };
    _cleanup_close_ int fd = cove_openat2(ctx->rootfd, m->destination, &how, sizeof(how));
    if (fd < 0 && errno == ELOOP)
        return cove_err_set(err, ELOOP, "mounts[%zu] (%s): %s must be mounted on a real directory, and the path "
                                        "goes through a symlink in the rootfs", i, m->destination, m->type);
    return 0; /* ENOENT: created below, as a directory */
}

/* In a user namespace the kernel lets its root mount only filesystems
 * marked FS_USERNS_MOUNT, each under its own rule: the rule, for the
 * error when it refused one (EPERM). */
const char *cove_userns_mount_rule(const char *type) {
    static const struct { const char *type, *rule; } rules[] = {
        {"proc", "proc needs a pid namespace owned by the container's user namespace (linux.namespaces: pid)"},
        {"sysfs", "sysfs needs a network namespace owned by the container's user namespace"},
        {"mqueue", "mqueue needs an ipc namespace owned by the container's user namespace (linux.namespaces: ipc)"},
        {"overlay", "overlay needs Linux 5.11+, and lower/upper dirs the container's root may read and write"},
        {"devpts", "devpts needs the newinstance option in a user namespace"},
        {"tmpfs", NULL},
    };
    for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
        if (strcmp(type, rules[i].type) == 0)
            return rules[i].rule;
    return "in a user namespace the kernel mounts only proc, sysfs, tmpfs, devpts, mqueue, cgroup2, overlay "
           "and fuse (FS_USERNS_MOUNT)";
}

static int mount_fs(struct rootfs_ctx *ctx, const struct cove_mount *m, size_t i, struct cove_err *err) {
    const struct cove_mount_opts *op = &m->opts;
    if (!m->type)
        return cove_err_set(err, EINVAL, "mounts[%zu].type: missing for non-bind mount", i);
    int rc = check_kernel_fs_destination(ctx, m, i, err);
    if (rc < 0)
        return rc;
    if (op->idmap || op->ridmap)
        return cove_err_set(err, EOPNOTSUPP, "mounts[%zu].options: idmap mounts are not supported", i);
    _cleanup_close_ int dest = cove_path_mkdir_p_in_root(ctx->rootfd, m->destination, true, err);
    if (dest < 0)
        return cove_err_prefix(err, "mounts[%zu].destination", i);
    int r;
    if (strcmp(m->type, "cgroup") == 0 || strcmp(m->type, "cgroup2") == 0) {
        r = cove_mount_cgroupfs(ctx, m, dest, err);
    } else {
        _cleanup_close_ int mfd = cove_mnt_fs_create(m->type, m->source, op->data, op->flags, err);
        /* sysfs belongs to the network namespace: in a user namespace
         * without its own one the kernel refuses it; bind the host's
         * /sys instead (read-only etc. from the options), as runc does */
        if (mfd == -EPERM && ctx->o->in_userns && strcmp(m->type, "sysfs") == 0) {
            cove_err_clear(err);
            mfd = cove_mnt_clone(AT_FDCWD, "/sys", true, err);
            int e = mfd < 0 ? 0 : cove_mnt_setattr(mfd, cove_mnt_attr_from_ms(op->flags), 0, true, err);
            if (e < 0) {
                close(mfd);
                mfd = e;
            }
        }
        r = mfd;
        if (r >= 0 && op->rec_attr)
            r = cove_mnt_setattr(mfd, op->attr_set, op->attr_clr, true, err);
        if (r >= 0 && op->tmpcopyup)
            r = cove_tmpcopyup(dest, mfd, err);
        if (r >= 0)
            r = cove_mnt_attach(mfd, dest, err);
        if (r >= 0)
            r = cove_mnt_set_propagation(mfd, op->propagation, err);
    }
    const char *rule = r == -EPERM && ctx->o->in_userns ? cove_userns_mount_rule(m->type) : NULL;
    if (rule) {
        char msg[COVE_ERR_MAX];
        snprintf(msg, sizeof(msg), "%s", err->msg);
        return cove_err_set(err, EPERM, "mounts[%zu] (%s): %s (%s)", i, m->destination, msg, rule);
    }
    if (r < 0)
        return cove_err_prefix(err, "mounts[%zu] (%s)", i, m->destination);
    return 0;
}

int cove_mounts_apply(struct rootfs_ctx *ctx, struct cove_err *err) {
    for (size_t i = 0; i < ctx->c->n_mounts; i++) {
        const struct cove_mount *m = &ctx->c->mounts[i];
        if (!m->destination)
            return cove_err_set(err, EINVAL, "mounts[%zu].destination: missing", i);
        if (m->opts.tmpcopyup && (!m->type || strcmp(m->type, "tmpfs") != 0))
            return cove_err_set(err, EINVAL, "mounts[%zu].options: tmpcopyup needs type tmpfs", i);
        int r = mount_is_bind(m) ? mount_bind(ctx, m, i, err) : mount_fs(ctx, m, i, err);
        if (r < 0)
            return r;
    }
    return 0;
}
