/* namespaces/idmap.c — id-mapped bind mounts (mounts[].uidMappings /
 * gidMappings, options idmap / ridmap).
 *
 * They are built by the RUNTIME (the parent, host user namespace) before
 * clone3, not by the init: mount_setattr(MOUNT_ATTR_IDMAP) needs
 * CAP_SYS_ADMIN in the user namespace that owns the source filesystem (the
 * host's), which a container root in its own user namespace does not have,
 * and a detached mount may only be changed by someone privileged over the
 * mount namespace that holds it. So the parent does open_tree(CLONE) →
 * mount_setattr(idmap + the mount's ro/nosuid/... attributes) and keeps the
 * O_CLOEXEC fd; the init inherits its copy of the fd table and only
 * move_mounts it onto the destination inside the rootfs (mounts.c).
 *
 * The mapping is carried by a user namespace fd: a helper child cloned with
 * CLONE_NEWUSER that does nothing, whose maps we write, whose
 * /proc/<pid>/ns/user we open, and which we then kill. */
#include "namespaces/rootfs_int.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/syscalls.h"
#include "namespaces/userns.h"

#ifndef MOUNT_ATTR_IDMAP
#define MOUNT_ATTR_IDMAP 0x00100000
#endif

bool cove_mount_wants_idmap(const struct cove_mount *m) {
    return m->opts.idmap || m->opts.ridmap || m->n_uid_mappings || m->n_gid_mappings;
}

int cove_idmap_userns_fd(const struct cove_idmap *uid, size_t nu, const struct cove_idmap *gid, size_t ng,
                         const char *field, struct cove_err *err) {
    struct clone_args ca = {.flags = CLONE_NEWUSER, .exit_signal = SIGCHLD};
    pid_t pid = cove_clone3(&ca, sizeof(ca));
    if (pid < 0)
        return cove_err_sys(err, errno, "%s: clone3(CLONE_NEWUSER) for the id-mapping", field);
    if (pid == 0) {
        /* only a holder of the namespace: never runs anything */
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        for (;;)
            pause();
    }
    int fd = -1;
    int r = cove_userns_write_maps(pid, uid, nu, gid, ng, false, field, err);
    if (r == 0) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            r = cove_err_sys(err, errno, "%s: open %s", field, path);
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    return r < 0 ? r : fd;
}

/* The mapping of mounts[i]: its own, or with only the idmap option the
 * container's user namespace mapping (as runc and crun do). */
static int mount_maps(const struct cove_config *c, const struct cove_mount *m, size_t i,
                      const struct cove_idmap **uid, size_t *nu, const struct cove_idmap **gid, size_t *ng,
                      struct cove_err *err) {
    if (m->n_uid_mappings || m->n_gid_mappings) {
        if (!m->n_uid_mappings || !m->n_gid_mappings)
            return cove_err_set(err, EINVAL, "mounts[%zu]: uidMappings and gidMappings must be given together", i);
        *uid = m->uid_mappings, *nu = m->n_uid_mappings;
        *gid = m->gid_mappings, *ng = m->n_gid_mappings;
        return 0;
    }
    if (!cove_userns_is_new(c) || !c->linux.n_uid_mappings || !c->linux.n_gid_mappings)
        return cove_err_set(err, EINVAL,
                            "mounts[%zu].options: idmap without uidMappings/gidMappings needs a new user "
                            "namespace with linux.uidMappings/gidMappings",
                            i);
    *uid = c->linux.uid_mappings, *nu = c->linux.n_uid_mappings;
    *gid = c->linux.gid_mappings, *ng = c->linux.n_gid_mappings;
    return 0;
}

static int idmap_one(const struct cove_config *c, const struct cove_mount *m, size_t i, struct cove_err *err) {
    const struct cove_mount_opts *op = &m->opts;
    const struct cove_idmap *uid = NULL, *gid = NULL;
    size_t nu = 0, ng = 0;
    bool bind = (op->flags & MS_BIND) || (m->type && strcmp(m->type, "bind") == 0);
    if (!bind)
        return cove_err_set(err, EINVAL, "mounts[%zu]: id-mapped mounts are only supported for bind mounts", i);
    if (!m->source)
        return cove_err_set(err, EINVAL, "mounts[%zu].source: bind mount without source", i);
    int r = mount_maps(c, m, i, &uid, &nu, &gid, &ng, err);
    if (r < 0)
        return r;
    char field[64];
    snprintf(field, sizeof(field), "mounts[%zu]", i);
    _cleanup_close_ int userns = cove_idmap_userns_fd(uid, nu, gid, ng, field, err);
    if (userns < 0)
        return userns;
    bool rec = (op->flags & MS_REC) != 0;
    _cleanup_close_ int tree = cove_mnt_clone(AT_FDCWD, m->source, rec, err);
    if (tree < 0) {
        cove_err_clear(err);
        return cove_err_sys(err, -tree, "mounts[%zu].source (%s)", i, m->source);
    }
    struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
    unsigned flags = AT_EMPTY_PATH | (op->ridmap ? AT_RECURSIVE : 0);
    if (cove_mount_setattr(tree, "", flags, &attr, sizeof(attr)) < 0) {
        if (errno == EINVAL)
            return cove_err_sys(err, errno,
                                "mounts[%zu] (%s): the filesystem of %s does not support id-mapped mounts "
                                "(mount_setattr MOUNT_ATTR_IDMAP)",
                                i, m->destination, m->source);
        return cove_err_sys(err, errno, "mounts[%zu] (%s): mount_setattr(MOUNT_ATTR_IDMAP)", i, m->destination);
    }
    /* the same attributes mounts.c gives other binds: the init cannot
     * change a mount created in the host's user namespace */
    r = cove_mnt_setattr(tree, cove_mnt_attr_from_ms(op->flags), cove_mnt_attr_from_ms(op->clear),
                         rec && (op->flags & MS_RDONLY), err);
    if (r == 0 && op->rec_attr)
        r = cove_mnt_setattr(tree, op->attr_set, op->attr_clr, true, err);
    if (r < 0)
        return cove_err_prefix(err, "mounts[%zu] (%s)", i, m->destination);
    return TAKE_FD(tree);
}

void cove_idmap_mounts_close(int *fds, size_t n) {
    if (!fds)
        return;
    for (size_t i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(fds);
}

int cove_idmap_mounts_prepare(const struct cove_config *c, int **out, struct cove_err *err) {
    *out = NULL;
    bool any = false;
    for (size_t i = 0; i < c->n_mounts; i++)
        any |= cove_mount_wants_idmap(&c->mounts[i]);
    if (!any)
        return 0;
    int *fds = malloc(c->n_mounts * sizeof(*fds));
    if (!fds)
        return cove_err_set(err, ENOMEM, "out of memory");
    for (size_t i = 0; i < c->n_mounts; i++)
        fds[i] = -1;
    for (size_t i = 0; i < c->n_mounts; i++) {
        if (!cove_mount_wants_idmap(&c->mounts[i]))
            continue;
        int fd = idmap_one(c, &c->mounts[i], i, err);
        if (fd < 0) {
            cove_idmap_mounts_close(fds, c->n_mounts);
            return fd;
        }
        fds[i] = fd;
    }
    *out = fds;
    return 0;
}
