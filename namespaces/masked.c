/* namespaces/masked.c — steps 6-8 of cove_rootfs_setup(), run after the
 * pivot, when "/" is the container's root: linux.maskedPaths,
 * linux.readonlyPaths and root.readonly. The paths are still resolved with
 * openat2(RESOLVE_IN_ROOT) from an fd of "/" and mounted onto by fd: the
 * image's symlinks must not redirect a mask onto something else. */
#include "namespaces/rootfs_int.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "namespaces/path.h"
#include "lib/cleanup.h"
#include "lib/syscalls.h"

static int masked_open_root(struct cove_err *err) {
    int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return cove_err_sys(err, errno, "open /");
    return fd;
}

/* Masking a file means bind-mounting /dev/null over it. If /dev/null were
 * anything but the 1:3 char device (a config mount or a malicious image put
 * something else there) the "mask" would expose that instead
 * (CVE-2019-16884 class), so check the very object that gets bound. */
static int masked_open_devnull(int rootfd, struct cove_err *err) {
    _cleanup_close_ int fd = cove_path_open_in_root(rootfd, "/dev/null", O_PATH | O_NOFOLLOW, err);
    if (fd < 0)
        return fd;
    struct stat st;
    if (fstat(fd, &st) < 0)
        return cove_err_sys(err, errno, "/dev/null: stat");
    if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3)
        return cove_err_set(err, EPERM, "/dev/null: not the null device (%u:%u), refusing to mask with it",
                            major(st.st_rdev), minor(st.st_rdev));
    return TAKE_FD(fd);
}

/* A masked or read-only path under /proc or /sys names a file of the
 * kernel: it is resolved from the procfs/sysfs mount itself, without
 * crossing into any other mount. Otherwise something mounted over part of
 * it (by the config, or slipped in through a shared mount) would take the
 * mask, and unmounting it later would expose the real file unmasked (the
 * 2025 masked-path race class). Other paths resolve in the root as usual. */
static int open_masked_target(int rootfd, const char *path, struct cove_err *err) {
    _cleanup_free_ char *clean = cove_path_clean(path);
    if (!clean)
        return cove_err_set(err, ENOMEM, "out of memory");
    const char *top = NULL;
    long magic = 0;
    if (strncmp(clean, "/proc/", 6) == 0)
        top = "/proc", magic = PROC_SUPER_MAGIC;
    else if (strncmp(clean, "/sys/", 5) == 0)
        top = "/sys", magic = SYSFS_MAGIC;
    if (!top)
        return cove_path_open_in_root(rootfd, clean, O_PATH, err);
    _cleanup_close_ int topfd = cove_path_open_in_root(rootfd, top, O_PATH | O_DIRECTORY, err);
    if (topfd < 0)
        return topfd;
    struct statfs sf;
    if (fstatfs(topfd, &sf) < 0)
        return cove_err_sys(err, errno, "statfs %s", top);
    if (sf.f_type != magic) /* no kernel filesystem there: nothing of it to hide */
        return cove_path_open_in_root(rootfd, clean, O_PATH, err);
    struct open_how how = {
        .flags = O_PATH | O_CLOEXEC,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
    };
    int fd = cove_openat2(topfd, clean + strlen(top) + 1, &how, sizeof(how));
    if (fd < 0 && errno == EXDEV)
        return cove_err_set(err, EXDEV, "something is mounted over (part of) %s: refusing to hide another mount "
                                        "instead of the %s file", clean, top + 1);
    if (fd < 0)
        return errno == ENOENT ? -ENOENT : cove_err_sys(err, errno, "open %s", clean);
    return fd;
}

/* Masked directories share one empty read-only tmpfs: the first one gets
 * a new instance (*dirmask, kept attached there), the others a clone of
 * that mount. One superblock per container instead of one per masked
 * directory (docs/benchmark.md). */
static int masked_one(int rootfd, int *nullfd, int *dirmask, const char *path, struct cove_err *err) {
    _cleanup_close_ int fd = open_masked_target(rootfd, path, err);
    if (fd == -ENOENT) {          /* the spec: a missing path is not an error */
        cove_err_clear(err);
        return 0;
    }
    if (fd < 0)
        return fd;
    struct stat st;
    if (fstat(fd, &st) < 0)
        return cove_err_sys(err, errno, "stat");
    _cleanup_close_ int mfd = -1;
    if (S_ISDIR(st.st_mode) && *dirmask >= 0) {
        mfd = cove_mnt_clone(*dirmask, "", false, err);
    } else if (S_ISDIR(st.st_mode)) {
        mfd = cove_mnt_fs_create("tmpfs", "tmpfs", NULL, MS_RDONLY, err);
        if (mfd < 0)
            return mfd;
        int r = cove_mnt_attach(mfd, fd, err);
        if (r == 0)
            *dirmask = TAKE_FD(mfd);
        return r;
    } else {
        if (*nullfd < 0) {
            *nullfd = masked_open_devnull(rootfd, err);
            if (*nullfd < 0)
                return *nullfd;
        }
        mfd = cove_mnt_clone(*nullfd, "", false, err);
    }
    if (mfd < 0)
        return mfd;
    return cove_mnt_attach(mfd, fd, err);
}

int cove_masked_paths_apply(const struct cove_config *c, struct cove_err *err) {
    if (c->linux.n_masked_paths == 0)
        return 0;
    _cleanup_close_ int rootfd = masked_open_root(err);
    if (rootfd < 0)
        return rootfd;
    _cleanup_close_ int nullfd = -1, dirmask = -1;
    for (size_t i = 0; i < c->linux.n_masked_paths; i++) {
        const char *p = c->linux.masked_paths[i];
        int r = masked_one(rootfd, &nullfd, &dirmask, p, err);
        if (r < 0)
            return cove_err_prefix(err, "linux.maskedPaths[%zu] (%s)", i, p);
    }
    return 0;
}

/* Bind the path onto itself and make that read-only, recursively. Only
 * MOUNT_ATTR_RDONLY is set: nosuid/nodev/noexec of the underlying mounts
 * stay as they are (they may be locked, and remount(2) with MS_BIND|MS_RDONLY
 * would have to repeat them all). */
static int readonly_one(int rootfd, const char *path, struct cove_err *err) {
    _cleanup_close_ int fd = open_masked_target(rootfd, path, err);
    if (fd == -ENOENT) {
        cove_err_clear(err);
        return 0;
    }
    if (fd < 0)
        return fd;
    _cleanup_close_ int tree = cove_mnt_clone(fd, "", true, err);
    if (tree < 0)
        return tree;
    int r = cove_mnt_setattr(tree, MOUNT_ATTR_RDONLY, 0, true, err);
    if (r == 0)
        r = cove_mnt_attach(tree, fd, err);
    return r;
}

int cove_readonly_paths_apply(const struct cove_config *c, struct cove_err *err) {
    if (c->linux.n_readonly_paths == 0)
        return 0;
    _cleanup_close_ int rootfd = masked_open_root(err);
    if (rootfd < 0)
        return rootfd;
    for (size_t i = 0; i < c->linux.n_readonly_paths; i++) {
        const char *p = c->linux.readonly_paths[i];
        int r = readonly_one(rootfd, p, err);
        if (r < 0)
            return cove_err_prefix(err, "linux.readonlyPaths[%zu] (%s)", i, p);
    }
    return 0;
}

/* Only the root mount itself: mounts below it (/proc, /dev, volumes) keep
 * their own flags, as in runc. */
int cove_root_make_readonly(struct cove_err *err) {
    _cleanup_close_ int rootfd = masked_open_root(err);
    if (rootfd < 0)
        return rootfd;
    int r = cove_mnt_setattr(rootfd, MOUNT_ATTR_RDONLY, 0, false, err);
    if (r < 0)
        return cove_err_prefix(err, "root.readonly");
    return 0;
}
