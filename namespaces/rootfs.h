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

struct cove_cgroup_host;  /* cgroups/cgroups.h */
struct cove_cgroup;

struct cove_rootfs_opts {
    const char *rootfs;     /* absolute, canonical path of the rootfs on the host */
    bool no_pivot;          /* --no-pivot */
    bool in_userns;         /* devices are bind-mounted from the host, not mknod'ed */
    /* For mounts of type "cgroup" (added by namespaces/): the host cgroup
     * layout and the container's cgroup path ("/cove-test-1/abc"). When
     * cg_host is NULL (or the host is unified) a cgroup2 instance is
     * mounted; on legacy/hybrid hosts a tmpfs with one bind per v1
     * hierarchy of <root>/<hierarchy><cgroup_path>. */
    const struct cove_cgroup_host *cg_host;
    const char *cgroup_path;
    /* the container's created cgroup: its per-hierarchy leaf dirs are bound
     * (preferred over cgroup_path when set) */
    const struct cove_cgroup *cg;
};

int cove_rootfs_setup(const struct cove_config *c, const struct cove_rootfs_opts *o, struct cove_err *err);

#endif
