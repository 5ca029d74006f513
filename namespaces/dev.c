/* namespaces/dev.c — step 4 of cove_rootfs_setup(): device nodes and the
 * standard /dev links.
 *
 * When the config mounts a tmpfs on /dev (as `runc spec` does) the container
 * gets the spec's default devices (null, zero, full, random, urandom, tty) and
 * the usual links; linux.devices are created in any case. Under a user
 * namespace mknod is not allowed, so the host node is bind-mounted onto an
 * empty file instead. Every node is created relative to an fd resolved inside
 * the rootfs. */
#include "namespaces/rootfs_int.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "namespaces/path.h"
#include "lib/cleanup.h"
#include "lib/syscalls.h"

static const struct cove_device dev_defaults[] = {
    { .path = "/dev/null",    .type = 'c', .major = 1, .minor = 3 },
    { .path = "/dev/zero",    .type = 'c', .major = 1, .minor = 5 },
    { .path = "/dev/full",    .type = 'c', .major = 1, .minor = 7 },
    { .path = "/dev/random",  .type = 'c', .major = 1, .minor = 8 },
    { .path = "/dev/urandom", .type = 'c', .major = 1, .minor = 9 },
    { .path = "/dev/tty",     .type = 'c', .major = 5, .minor = 0 },
};

static mode_t dev_type_bits(char type) {
    switch (type) {
    case 'c': case 'u': return S_IFCHR;
    case 'b': return S_IFBLK;
    case 'p': return S_IFIFO;
    default: return 0;
    }
}

/* Bind the host's node at the same path onto an empty file in the rootfs. */
static int dev_bind_from_host(int rootfd, const struct cove_device *d, struct cove_err *err) {
    _cleanup_close_ int dest = cove_path_mkdir_p_in_root(rootfd, d->path, false, err);
    if (dest < 0)
        return dest;
    _cleanup_close_ int tree = cove_mnt_clone(AT_FDCWD, d->path, false, err);
    if (tree < 0)
        return tree;
    return cove_mnt_attach(tree, dest, err);
}

static int dev_mknod(int rootfd, const struct cove_device *d, struct cove_err *err) {
    mode_t type = dev_type_bits(d->type);
    _cleanup_free_ char *clean = cove_path_clean(d->path);
    if (!clean)
        return cove_err_set(err, ENOMEM, "out of memory");
    char *slash = strrchr(clean, '/');
    const char *name = slash ? slash + 1 : clean;
    if (!*name || strcmp(name, "..") == 0 || strcmp(name, ".") == 0)
        return cove_err_set(err, EINVAL, "%s is not a device path", d->path);
    _cleanup_free_ char *parent = strndup(clean, slash ? (size_t)(slash - clean) : 0);
    if (!parent)
        return cove_err_set(err, ENOMEM, "out of memory");
    _cleanup_close_ int dirfd = cove_path_mkdir_p_in_root(rootfd, *parent ? parent : "/", true, err);
    if (dirfd < 0)
        return dirfd;
    mode_t perm = d->has_file_mode ? (d->file_mode & 07777) : 0666;
    dev_t rdev = makedev((unsigned)d->major, (unsigned)d->minor);
    /* the mode comes from mknod itself (umask 0 for the call): a chmod by
     * name afterwards would follow whatever a process sharing this rootfs
     * put there in between (a symlink to a host file) */
    mode_t old_umask = umask(0);
    int r = mknodat(dirfd, name, type | perm, rdev);
    if (r < 0 && errno == EEXIST) {
        /* replace what the image ships (a stale node, a symlink, a file) */
        if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
            r = mknodat(dirfd, name, type | perm, rdev);
    }
    int e = errno;
    umask(old_umask);
    if (r < 0)
        return cove_err_sys(err, e, "mknod %s", d->path);
    /* ownership by fd, on the node we just made and no other file */
    _cleanup_close_ int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return cove_err_sys(err, errno, "open %s", d->path);
    if ((st.st_mode & S_IFMT) != type || (type != S_IFIFO && st.st_rdev != rdev))
        return cove_err_set(err, EEXIST, "%s: replaced while it was created", d->path);
    if (fchownat(fd, "", d->has_uid ? d->uid : 0, d->has_gid ? d->gid : 0, AT_EMPTY_PATH) < 0)
        return cove_err_sys(err, errno, "chown %s", d->path);
    return 0;
}

static int dev_create(int rootfd, bool in_userns, const struct cove_device *d, struct cove_err *err) {
    return in_userns ? dev_bind_from_host(rootfd, d, err) : dev_mknod(rootfd, d, err);
}

static int dev_symlink(int devfd, const char *target, const char *name, bool replace, struct cove_err *err) {
    if (symlinkat(target, devfd, name) == 0)
        return 0;
    if (errno != EEXIST)
        return cove_err_sys(err, errno, "symlink /dev/%s -> %s", name, target);
    if (!replace)
        return 0;
    if (unlinkat(devfd, name, 0) < 0 || symlinkat(target, devfd, name) < 0)
        return cove_err_sys(err, errno, "symlink /dev/%s -> %s", name, target);
    return 0;
}

static int dev_links(int rootfd, bool devpts, struct cove_err *err) {
    _cleanup_close_ int devfd = cove_path_open_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY, err);
    if (devfd < 0)
        return devfd;
    static const struct { const char *target, *name; } links[] = {
        { "/proc/self/fd", "fd" },      { "/proc/self/fd/0", "stdin" },
        { "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
        { "/proc/kcore", "core" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
        int r = dev_symlink(devfd, links[i].target, links[i].name, false, err);
        if (r < 0)
            return r;
    }
    /* with a private devpts instance, /dev/ptmx must be its ptmx, not a
     * node that would reach the host's pty instance */
    if (devpts)
        return dev_symlink(devfd, "pts/ptmx", "ptmx", true, err);
    return 0;
}

int cove_dev_setup(struct rootfs_ctx *ctx, struct cove_err *err) {
    const struct cove_config *c = ctx->c;
    bool in_userns = ctx->o->in_userns;
    int r;
    if (cove_mounts_has(c, "/dev", "tmpfs")) {
        for (size_t i = 0; i < ARRAY_SIZE(dev_defaults); i++) {
            r = dev_create(ctx->rootfd, in_userns, &dev_defaults[i], err);
            if (r < 0)
                return cove_err_prefix(err, "%s", dev_defaults[i].path);
        }
        r = dev_links(ctx->rootfd, cove_mounts_has(c, "/dev/pts", "devpts"), err);
        if (r < 0)
            return r;
    }
    for (size_t i = 0; i < c->linux.n_devices; i++) {
        const struct cove_device *d = &c->linux.devices[i];
        if (!d->path)
            return cove_err_set(err, EINVAL, "linux.devices[%zu].path: missing", i);
        if (!dev_type_bits(d->type))
            return cove_err_set(err, EINVAL, "linux.devices[%zu].type: unknown device type '%c'", i, d->type);
        r = dev_create(ctx->rootfd, in_userns, d, err);
        if (r < 0)
            return cove_err_prefix(err, "linux.devices[%zu].path", i);
    }
    return 0;
}

/* The slave bind-mounted onto /dev/console, as the spec's console
 * requirement says. The source is the slave fd itself (not /dev/pts/N by
 * name, which a process sharing the mount namespace could replace); the
 * target is opened O_NOFOLLOW and checked: a rootfs-provided symlink must
 * not redirect the mount to the host. */
int cove_dev_mount_console(int slave, struct cove_err *err) {
    _cleanup_close_ int dev = open("/dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dev < 0)
        return cove_err_sys(err, errno, "process.terminal: open /dev");
    _cleanup_close_ int made = openat(dev, "console", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (made < 0 && errno != EEXIST)
        return cove_err_sys(err, errno, "process.terminal: create /dev/console");
    _cleanup_close_ int target = openat(dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
    struct stat sb;
    if (target < 0 || fstat(target, &sb) < 0)
        return cove_err_sys(err, errno, "process.terminal: open /dev/console");
    if (!S_ISREG(sb.st_mode) && !S_ISCHR(sb.st_mode))
        return cove_err_set(err, EINVAL, "process.terminal: /dev/console is not a file or device");
    _cleanup_close_ int tree = cove_open_tree(slave, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
    if (tree < 0)
        return cove_err_sys(err, errno, "process.terminal: open_tree of the pty slave");
    if (cove_move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return cove_err_sys(err, errno, "process.terminal: bind the pty slave on /dev/console");
    return 0;
}
