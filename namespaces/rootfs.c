/* namespaces/rootfs.c — cove_rootfs_setup(): the container's filesystem view,
 * built by the child right after clone3(CLONE_NEWNS), before it drops
 * privileges. One function per step, in the order of docs/rootfs.md; the
 * steps live in mounts.c, cgroupfs_mount.c, dev.c, pivot.c and masked.c.
 *
 * Preconditions (the caller's job): a fresh mount namespace, full
 * capabilities in the host user namespace, cwd = bundle directory (relative
 * bind sources resolve against it), host /proc still at /proc.
 * Nothing here needs undoing on failure: every mount lives in the child's
 * mount namespace and disappears with it. */
#include "namespaces/rootfs_int.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "lib/cleanup.h"

/* Step 1. Without this, mounts made below would propagate back to the host
 * when "/" is shared (systemd makes it so). rslave unless the config asks
 * for private/unbindable; a "shared" rootfsPropagation cannot be used here
 * (it would leak our mounts to the host), so "/" becomes rslave now and
 * shared is applied to the new root at the end (step 9). */
static int rootfs_set_root_propagation(const struct cove_config *c, struct cove_err *err) {
    /* always rslave first: every host mount in our namespace stops sending
     * events to the host, which also makes detaching the old root after
     * pivot_root safe without touching the new root's mounts */
    if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
        return cove_err_sys(err, errno, "linux.rootfsPropagation: make / rslave");
    unsigned long prop = c->linux.rootfs_propagation;
    if (!prop || (prop & (MS_SHARED | MS_SLAVE)))
        return 0;
    /* an unbindable "/" could not be cloned onto the rootfs (step 2):
     * private now, unbindable at step 9 */
    if (prop & MS_UNBINDABLE)
        prop = MS_PRIVATE | (prop & MS_REC);
    if (mount(NULL, "/", NULL, prop, NULL) < 0)
        return cove_err_sys(err, errno, "linux.rootfsPropagation: make / %s",
                            (prop & MS_UNBINDABLE) ? "unbindable" : "private");
    return 0;
}

/* Step 2. pivot_root needs the new root to be a mount point; a recursive
 * bind onto itself makes it one whatever the rootfs is (a plain directory,
 * a subdirectory of an overlay...). The returned mount fd is the anchor
 * every later lookup inside the rootfs starts from. */
static int rootfs_bind_onto_itself(const char *rootfs, struct cove_err *err) {
    _cleanup_close_ int tree = cove_mnt_clone(AT_FDCWD, rootfs, true, err);
    if (tree < 0)
        return cove_err_prefix(err, "root.path");
    _cleanup_close_ int target = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (target < 0)
        return cove_err_sys(err, errno, "root.path (%s)", rootfs);
    int r = cove_mnt_attach(tree, target, err);
    if (r < 0)
        return cove_err_prefix(err, "root.path (%s): bind onto itself", rootfs);
    return TAKE_FD(tree);
}

/* Step 2 for an image: its overlay, made by the runtime as a detached
 * mount, goes onto rootfs here, after step 1, so the host never sees it. */
static int rootfs_attach_mount(const char *rootfs, int mfd, struct cove_err *err) {
    _cleanup_close_ int target = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (target < 0)
        return cove_err_sys(err, errno, "root.path (%s)", rootfs);
    int r = cove_mnt_attach(mfd, target, err);
    if (r < 0)
        return cove_err_prefix(err, "root.path (%s): attach the image's overlay", rootfs);
    int fd = fcntl(mfd, F_DUPFD_CLOEXEC, 3);
    return fd < 0 ? cove_err_sys(err, errno, "root.path: dup") : fd;
}

/* Step 9. */
static int rootfs_apply_propagation(const struct cove_config *c, struct cove_err *err) {
    unsigned long prop = c->linux.rootfs_propagation;
    if (!prop)
        return 0;
    if (mount(NULL, "/", NULL, prop, NULL) < 0)
        return cove_err_sys(err, errno, "linux.rootfsPropagation: apply to /");
    return 0;
}

/* Without a mount namespace of its own: the config's mounts and /dev are
 * made below rootfs in the runtime's namespace; no propagation change, no
 * bind of rootfs, no masks (support.c refuses them), then chroot. */
static int rootfs_setup_in_host_ns(const struct cove_config *c, const struct cove_rootfs_opts *o,
                                   struct cove_err *err) {
    _cleanup_close_ int rootfd = open(o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return cove_err_sys(err, errno, "root.path (%s)", o->rootfs);
    struct rootfs_ctx ctx = { .c = c, .o = o, .rootfd = rootfd };
    int r = cove_mounts_apply(&ctx, err);
    if (r == 0)
        r = cove_dev_setup(&ctx, err);
    if (r == 0 && o->before_pivot)
        r = o->before_pivot(o->before_pivot_arg, err);
    if (r < 0)
        return r;
    if (fchdir(rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0)
        return cove_err_sys(err, errno, "root.path: chroot %s", o->rootfs);
    return 0;
}

int cove_rootfs_setup(const struct cove_config *c, const struct cove_rootfs_opts *o, struct cove_err *err) {
    if (!o || !o->rootfs || o->rootfs[0] != '/')
        return cove_err_set(err, EINVAL, "root.path: rootfs must be an absolute path");
    if (o->host_mount_ns)
        return rootfs_setup_in_host_ns(c, o, err);
    int r = rootfs_set_root_propagation(c, err);
    if (r < 0)
        return r;
    _cleanup_close_ int rootfd = o->has_root_mount ? rootfs_attach_mount(o->rootfs, o->root_mount_fd, err)
                                                        : rootfs_bind_onto_itself(o->rootfs, err);
    if (rootfd < 0)
        return rootfd;
    struct rootfs_ctx ctx = { .c = c, .o = o, .rootfd = rootfd };
    r = cove_mounts_apply(&ctx, err);
    if (r == 0)
        r = cove_dev_setup(&ctx, err);
    if (r == 0 && o->before_pivot)
        r = o->before_pivot(o->before_pivot_arg, err);
    if (r == 0)
        r = cove_pivot_into_rootfs(&ctx, err);
    if (r == 0)
        r = cove_masked_paths_apply(c, err);
    if (r == 0)
        r = cove_readonly_paths_apply(c, err);
    if (r == 0 && c->root_readonly)
        r = cove_root_make_readonly(err);
    if (r == 0)
        r = rootfs_apply_propagation(c, err);
    return r;
}
