/* namespaces/rootfs_int.h — internal to namespaces/: the steps of
 * cove_rootfs_setup() (one file each) and the mount-by-fd helpers they
 * share. Nothing outside namespaces/ includes this. */
#ifndef COVE_ROOTFS_INT_H
#define COVE_ROOTFS_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "namespaces/rootfs.h"
#include "runtime/config/config.h"
#include "lib/err.h"

struct rootfs_ctx {
    const struct cove_config *c;
    const struct cove_rootfs_opts *o;
    int rootfd;              /* O_PATH fd of the rootfs mount (before pivot) */
};

/* ---- mnt.c: mount API helpers (fsopen/fsmount/open_tree/move_mount) ---- */

/* MS_* per-mount flags -> MOUNT_ATTR_* (RDONLY, NOSUID, NODEV, NOEXEC,
 * atime, NODIRATIME, NOSYMFOLLOW). */
uint64_t cove_mnt_attr_from_ms(unsigned long ms);

/* Create a detached mount of a new filesystem instance: fsopen(type),
 * "source", the sb flags in ms (sync, dirsync, lazytime), each comma-separated
 * entry of data ("k=v" or "flag"), then fsmount with the per-mount attrs of
 * ms. Returns the mount fd or -errno; err names the failing fsconfig key. */
int cove_mnt_fs_create(const char *type, const char *source, const char *data, unsigned long ms,
                       struct cove_err *err);

/* mount_setattr(fd, "", AT_EMPTY_PATH [| AT_RECURSIVE]); handles the atime
 * field (which must be cleared as a group). No-op when set == clr == 0. */
int cove_mnt_setattr(int mfd, uint64_t set, uint64_t clr, bool recursive, struct cove_err *err);

/* Apply MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (MS_REC: recursive) to
 * the mount mfd. No-op when prop == 0. */
int cove_mnt_set_propagation(int mfd, unsigned long prop, struct cove_err *err);

/* move_mount the (detached) mount mfd onto the object destfd refers to. */
int cove_mnt_attach(int mfd, int destfd, struct cove_err *err);

/* open_tree(dirfd, path, OPEN_TREE_CLONE [| AT_RECURSIVE]) — path "" means
 * dirfd itself. Returns the detached mount fd or -errno. */
int cove_mnt_clone(int dirfd, const char *path, bool recursive, struct cove_err *err);

/* ---- the steps ---- */
int cove_mounts_apply(struct rootfs_ctx *ctx, struct cove_err *err);          /* mounts.c */
int cove_mount_cgroupfs(struct rootfs_ctx *ctx, const struct cove_mount *m, int destfd,
                        struct cove_err *err);                                 /* cgroupfs_mount.c */
int cove_dev_setup(struct rootfs_ctx *ctx, struct cove_err *err);              /* dev.c */
/* Copy directory srcdir's content (and owner/mode) into the detached tmpfs
 * mount dstmnt: the "tmpcopyup" option. */
int cove_tmpcopyup(int srcdir, int dstmnt, struct cove_err *err);           /* tmpcopyup.c */
int cove_pivot_into_rootfs(struct rootfs_ctx *ctx, struct cove_err *err);      /* pivot.c */
int cove_masked_paths_apply(const struct cove_config *c, struct cove_err *err);  /* masked.c */
int cove_readonly_paths_apply(const struct cove_config *c, struct cove_err *err);
int cove_root_make_readonly(struct cove_err *err);

/* True when config mount m's cleaned destination equals dest and (type NULL
 * or) its type equals type. */
bool cove_mounts_has(const struct cove_config *c, const char *dest, const char *type);

#endif
