/* namespaces/nsjoin.c — see nsjoin.h. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "namespaces/nsjoin.h"

static const char *ns_file(int type) {
    switch (type) {
    case CLONE_NEWPID: return "pid";
    case CLONE_NEWTIME: return "time";
    case CLONE_NEWNS: return "mnt";
    case CLONE_NEWNET: return "net";
    case CLONE_NEWUTS: return "uts";
    case CLONE_NEWIPC: return "ipc";
    case CLONE_NEWUSER: return "user";
    case CLONE_NEWCGROUP: return "cgroup";
    default: return NULL;
    }
}

int cove_ns_join_configured(const struct cove_config *c, int skip, struct cove_err *err) {
    for (size_t i = 0; i < c->linux.n_namespaces; i++) {
        const struct cove_namespace *ns = &c->linux.namespaces[i];
        if (!ns->path || (ns->type & skip))
            continue;
        _cleanup_close_ int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return cove_err_sys(err, errno, "linux.namespaces[%zu].path: open %s", i, ns->path);
        if (setns(fd, ns->type) < 0)
            return cove_err_sys(err, errno, "linux.namespaces[%zu].path: setns %s", i, ns->path);
    }
    return 0;
}

int cove_ns_join_pid_for_children(const struct cove_config *c, struct cove_err *err) {
    const struct cove_namespace *ns = cove_config_find_ns(c, CLONE_NEWPID);
    if (!ns || !ns->path)
        return 0;
    _cleanup_close_ int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWPID) < 0)
        return cove_err_sys(err, errno, "linux.namespaces: join pid namespace %s", ns->path);
    return 0;
}

int cove_ns_join_pidfd(int pidfd, int flags, struct cove_err *err) {
    if (flags && setns(pidfd, flags) < 0)
        return cove_err_sys(err, errno, "setns into the container's namespaces");
    return 0;
}

int cove_ns_save(int type, int *fd, struct cove_err *err) {
    /* the process's own: setns(pid|time) changes only what its later
     * children get, so this is what they got before */
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_file(type) ? ns_file(type) : "?");
    *fd = open(path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0)
        return cove_err_sys(err, errno, "open %s", path);
    return 0;
}

int cove_ns_restore(int *fd, int type, struct cove_err *err) {
    if (*fd < 0)
        return 0;
    int r = 0;
    if (setns(*fd, type) < 0)
        r = cove_err_sys(err, errno, "setns back into the runtime's %s namespace", ns_file(type));
    close(*fd);
    *fd = -1;
    return r;
}
