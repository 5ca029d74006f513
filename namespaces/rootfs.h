/* namespaces/rootfs.h — everything the container's mount namespace needs,
 * run by the child after it entered its new mount namespace and before it
 * drops privileges:
 *   propagation of "/" → bind rootfs onto itself → config mounts (by fd,
 *   destinations resolved inside the rootfs) → /dev (default devices,
 *   linux.devices, ptmx, fd/stdio links, shm) → pivot_root (or MS_MOVE +
 *   chroot with no_pivot) → masked paths → readonly paths → read-only root
 *   → rootfsPropagation. */
#ifndef COVE_ROOTFS_H
#define COVE_ROOTFS_H

#include <stdbool.h>
#include "runtime/config.h"
#include "runtime/err.h"

struct cove_rootfs_opts {
    const char *rootfs;     /* absolute, canonical path of the rootfs on the host */
    bool no_pivot;          /* --no-pivot */
    bool in_userns;         /* devices are bind-mounted from the host, not mknod'ed */
};

int cove_rootfs_setup(const struct cove_config *c, const struct cove_rootfs_opts *o, struct cove_err *err);

#endif
