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
#include "runtime/config/config.h"
#include "lib/err.h"

struct cove_cgroup_host;  /* cgroups/cgroups.h */
struct cove_cgroup;

struct cove_rootfs_opts {
    const char *rootfs;     /* absolute, canonical path of the rootfs on the host */
    bool no_pivot;          /* --no-pivot */
    bool in_userns;         /* devices are bind-mounted from the host, not mknod'ed */
    /* no mount namespace of its own: the mounts go into the runtime's
     * (namespaces/hostmounts.h), "/" is left as it is, and the root is
     * entered with chroot (no pivot_root: it would move the host's) */
    bool host_mount_ns;
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
    /* n_mounts fds from cove_idmap_mounts_prepare (-1: not id-mapped), or
     * NULL: mounts[i] is attached from idmap_fds[i] as is */
    const int *idmap_fds;
    /* has_root_mount: root_mount_fd is a detached mount (an image's
     * overlay, image/overlay.c) that becomes the root: attached at rootfs
     * in this mount namespace only, instead of binding rootfs onto itself */
    bool has_root_mount;
    int root_mount_fd;
    /* called after the mounts and /dev, right before pivot_root (hooks:
     * createRuntime via the parent, then createContainer); may be NULL */
    int (*before_pivot)(void *arg, struct cove_err *err);
    void *before_pivot_arg;
};

/* namespaces/idmap.c, run by the runtime before clone3 (see there why).
 * *fds: NULL when no mount is id-mapped, else n_mounts entries. */
bool cove_mount_wants_idmap(const struct cove_mount *m);
/* Pure: the kernel's rule for mounting a filesystem of type in a user
 * namespace (for the error when it refused one), or NULL when there is
 * none to tell (tmpfs). */
const char *cove_userns_mount_rule(const char *type);
int cove_idmap_mounts_prepare(const struct cove_config *c, int **fds, struct cove_err *err);
void cove_idmap_mounts_close(int *fds, size_t n);
/* A user namespace fd carrying these maps; field names them in errors. */
int cove_idmap_userns_fd(const struct cove_idmap *uid, size_t nu, const struct cove_idmap *gid, size_t ng,
                         const char *field, struct cove_err *err);

int cove_rootfs_setup(const struct cove_config *c, const struct cove_rootfs_opts *o, struct cove_err *err);

/* After pivot_root, in the init: bind the pty slave (the fd itself, not
 * /dev/pts/N by name) onto /dev/console, which is created when missing and
 * refused when it is a symlink or anything but a file or device. */
int cove_dev_mount_console(int slave, struct cove_err *err);

#endif
