/* namespaces/mnt.c — small helpers over the new mount API. Mounts are made
 * detached (fsmount/open_tree), given their attributes while nobody can see
 * them, then moved onto an fd that was resolved inside the rootfs: no mount
 * target is ever a path string that a symlink could redirect. */
#include "namespaces/rootfs_int.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/syscalls.h"

uint64_t cove_mnt_attr_from_ms(unsigned long ms) {
    uint64_t a = 0;
    if (ms & MS_RDONLY) a |= MOUNT_ATTR_RDONLY;
    if (ms & MS_NOSUID) a |= MOUNT_ATTR_NOSUID;
    if (ms & MS_NODEV) a |= MOUNT_ATTR_NODEV;
    if (ms & MS_NOEXEC) a |= MOUNT_ATTR_NOEXEC;
    if (ms & MS_NODIRATIME) a |= MOUNT_ATTR_NODIRATIME;
    if (ms & MS_NOSYMFOLLOW) a |= MOUNT_ATTR_NOSYMFOLLOW;
    if (ms & MS_NOATIME) a |= MOUNT_ATTR_NOATIME;
    else if (ms & MS_STRICTATIME) a |= MOUNT_ATTR_STRICTATIME;
    return a;
}

static int mnt_fsconfig_data(int fsfd, const char *type, const char *data, struct cove_err *err) {
    if (!data || !*data)
        return 0;
    _cleanup_free_ char *copy = strdup(data);
    if (!copy)
        return cove_err_set(err, ENOMEM, "out of memory");
    char *save = NULL;
    for (char *opt = strtok_r(copy, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(opt, '=');
        int r;
        if (eq) {
            *eq = '\0';
            r = cove_fsconfig(fsfd, FSCONFIG_SET_STRING, opt, eq + 1, 0);
        } else {
            r = cove_fsconfig(fsfd, FSCONFIG_SET_FLAG, opt, NULL, 0);
        }
        if (r < 0) {
            if (eq)
                *eq = '=';
            return cove_err_sys(err, errno, "%s option \"%s\"", type, opt);
        }
    }
    return 0;
}

int cove_mnt_fs_create(const char *type, const char *source, const char *data, unsigned long ms,
                       struct cove_err *err) {
    _cleanup_close_ int fsfd = cove_fsopen(type, FSOPEN_CLOEXEC);
    if (fsfd < 0)
        return cove_err_sys(err, errno, "fsopen %s", type);
    if (source && *source && cove_fsconfig(fsfd, FSCONFIG_SET_STRING, "source", source, 0) < 0)
        return cove_err_sys(err, errno, "%s source \"%s\"", type, source);
    /* superblock flags have no mount attribute; they are fs parameters */
    static const struct { unsigned long ms; const char *key; } sb[] = {
        { MS_SYNCHRONOUS, "sync" }, { MS_DIRSYNC, "dirsync" },
        { MS_LAZYTIME, "lazytime" }, { MS_MANDLOCK, "mand" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(sb); i++)
        if ((ms & sb[i].ms) && cove_fsconfig(fsfd, FSCONFIG_SET_FLAG, sb[i].key, NULL, 0) < 0)
            return cove_err_sys(err, errno, "%s option \"%s\"", type, sb[i].key);
    int r = mnt_fsconfig_data(fsfd, type, data, err);
    if (r < 0)
        return r;
    if (cove_fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return cove_err_sys(err, errno, "create %s filesystem", type);
    int mfd = cove_fsmount(fsfd, FSMOUNT_CLOEXEC, (unsigned)cove_mnt_attr_from_ms(ms));
    if (mfd < 0)
        return cove_err_sys(err, errno, "fsmount %s", type);
    return mfd;
}

int cove_mnt_setattr(int mfd, uint64_t set, uint64_t clr, bool recursive, struct cove_err *err) {
    if (!set && !clr)
        return 0;
    struct mount_attr attr = { .attr_set = set, .attr_clr = clr };
    /* the atime mode is a 3-valued field: setting one value requires
     * clearing the whole field */
    if ((set & MOUNT_ATTR__ATIME) || (clr & MOUNT_ATTR__ATIME))
        attr.attr_clr |= MOUNT_ATTR__ATIME;
    attr.attr_clr &= ~(set & ~(uint64_t)MOUNT_ATTR__ATIME);
    unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
    if (cove_mount_setattr(mfd, "", flags, &attr, sizeof(attr)) < 0)
        return cove_err_sys(err, errno, "mount_setattr");
    return 0;
}

int cove_mnt_set_propagation(int mfd, unsigned long prop, struct cove_err *err) {
    unsigned long type = prop & (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE);
    if (!type)
        return 0;
    struct mount_attr attr = { .propagation = type };
    unsigned flags = AT_EMPTY_PATH | ((prop & MS_REC) ? AT_RECURSIVE : 0);
    if (cove_mount_setattr(mfd, "", flags, &attr, sizeof(attr)) < 0)
        return cove_err_sys(err, errno, "set propagation");
    return 0;
}

int cove_mnt_attach(int mfd, int destfd, struct cove_err *err) {
    if (cove_move_mount(mfd, "", destfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return cove_err_sys(err, errno, "move_mount");
    return 0;
}

int cove_mnt_clone(int dirfd, const char *path, bool recursive, struct cove_err *err) {
    unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
    if (!path || !*path) {
        path = "";
        flags |= AT_EMPTY_PATH;
    }
    int fd = cove_open_tree(dirfd, path, flags);
    if (fd < 0)
        return cove_err_sys(err, errno, "open_tree %s", *path ? path : "(fd)");
    return fd;
}
