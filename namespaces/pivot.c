/* namespaces/pivot.c — step 5 of cove_rootfs_setup(): make the rootfs "/".
 *
 * pivot_root(".", ".") from inside the new root stacks the old root on top
 * of the new one at "/", so no directory for put_old is needed in the image
 * (which may be read-only). The old root is already MS_SLAVE|MS_REC (step 1),
 * so detaching it cannot propagate to the host. It is NOT made rslave again
 * here: after pivot_root "." resolves to the new root, and an rslave there
 * would turn the container's own shared mounts (mounts[].options "rshared")
 * private — a bug we hit (see docs/rootfs.md).
 *
 * --no-pivot (for a rootfs on ramfs/initramfs, where pivot_root fails): move
 * the rootfs mount over "/" and chroot. Weaker: the old root stays reachable
 * to a process with CAP_SYS_CHROOT, which is why it is opt-in. */
#include "namespaces/rootfs_int.h"

#include <sys/mount.h>
#include <unistd.h>

#include "lib/syscalls.h"

static int pivot_with_pivot_root(const char *rootfs, struct cove_err *err) {
    if (cove_pivot_root(".", ".") < 0)
        return cove_err_sys(err, errno, "pivot_root %s", rootfs);
    if (umount2(".", MNT_DETACH) < 0)
        return cove_err_sys(err, errno, "pivot_root %s: detach old root", rootfs);
    return 0;
}

static int pivot_with_move(const char *rootfs, struct cove_err *err) {
    if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
        return cove_err_sys(err, errno, "move %s to /", rootfs);
    if (chroot(".") < 0)
        return cove_err_sys(err, errno, "chroot %s", rootfs);
    return 0;
}

int cove_pivot_into_rootfs(struct rootfs_ctx *ctx, struct cove_err *err) {
    const char *rootfs = ctx->o->rootfs;
    if (fchdir(ctx->rootfd) < 0)
        return cove_err_sys(err, errno, "chdir %s", rootfs);
    int r = ctx->o->no_pivot ? pivot_with_move(rootfs, err) : pivot_with_pivot_root(rootfs, err);
    if (r < 0)
        return r;
    if (chdir("/") < 0)
        return cove_err_sys(err, errno, "chdir / in %s", rootfs);
    return 0;
}
