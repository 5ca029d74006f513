/* runtime/support.c — see support.h. Each refusal names the field and says
 * it is not supported, so a user knows it is cove's limit, not their typo. */
#include <sched.h>
#include <sys/stat.h>

#include "lib/cleanup.h"

#include "runtime/support.h"

#define REFUSE(field) return cove_err_set(err, ENOTSUP, "%s: not supported by cove yet", field)

/* No mount namespace: the container's mounts go into the runtime's own
 * (namespaces/hostmounts.h), and the root is entered with chroot. What
 * would change the host's mounts themselves is refused, as runc does. */
static int check_host_mount_ns(const struct cove_config *c, const struct cove_create_opts *o, struct cove_err *err) {
    if (cove_config_has_ns(c, CLONE_NEWNS))
        return 0;
    static const char why[] = "needs a mount namespace of the container's own (linux.namespaces has none: "
                              "it would change the host's mounts)";
    if (c->linux.n_masked_paths)
        return cove_err_set(err, EINVAL, "linux.maskedPaths: %s", why);
    if (c->linux.n_readonly_paths)
        return cove_err_set(err, EINVAL, "linux.readonlyPaths: %s", why);
    if (c->root_readonly)
        return cove_err_set(err, EINVAL, "root.readonly: %s", why);
    if (c->linux.rootfs_propagation)
        return cove_err_set(err, EINVAL, "linux.rootfsPropagation: %s", why);
    if (o->overlay)
        return cove_err_set(err, EINVAL, "--overlay: %s", why);
    if (cove_config_has_ns(c, CLONE_NEWUSER))
        return cove_err_set(err, EINVAL, "linux.namespaces: a new user namespace needs a mount namespace too");
    return 0;
}

static int check_namespaces(const struct cove_config *c, struct cove_err *err) {
    for (size_t i = 0; i < c->linux.n_namespaces; i++) {
        const struct cove_namespace *ns = &c->linux.namespaces[i];
        /* a new user namespace without maps would leave the init unable to
         * become root in it: refuse at plan time, not after clone */
        if (ns->type == CLONE_NEWUSER && !ns->path && (!c->linux.n_uid_mappings || !c->linux.n_gid_mappings))
            return cove_err_set(err, EINVAL, "linux.uidMappings/gidMappings: required with a new user namespace "
                                             "(linux.namespaces[%zu])", i);
    }
    return 0;
}

/* A sysctl goes to the namespace the container gets. Joined by path, that
 * may be the runtime's own (the host's, e.g. /proc/1/ns/net): writing it
 * would change the host, so it is refused, as runc does. */
static int check_sysctl_namespaces(const struct cove_config *c, struct cove_err *err) {
    static const struct { int type; const char *proc; } own[] = {
        {CLONE_NEWNET, "/proc/self/ns/net"}, {CLONE_NEWIPC, "/proc/self/ns/ipc"}, {CLONE_NEWUTS, "/proc/self/ns/uts"},
    };
    for (size_t i = 0; i < c->linux.n_sysctl; i++) {
        const char *key = c->linux.sysctl[i].key;
        int type = cove_sysctl_namespace(key);
        const struct cove_namespace *ns = cove_config_find_ns(c, type);
        if (!ns || !ns->path)
            continue;
        for (size_t j = 0; j < ARRAY_SIZE(own); j++) {
            struct stat theirs, ours;
            if (own[j].type != type || stat(own[j].proc, &ours) < 0)
                continue;
            if (stat(ns->path, &theirs) < 0)
                return cove_err_sys(err, errno, "linux.namespaces: %s", ns->path);
            if (theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino)
                return cove_err_set(err, EPERM, "linux.sysctl[\"%s\"]: the %s namespace joined at %s is the "
                                                "runtime's own (the host's): refusing to change the host",
                                    key, cove_namespace_name(type), ns->path);
        }
    }
    return 0;
}

static int check_process(const struct cove_process *p, const struct cove_create_opts *o, struct cove_err *err) {
    return 0;
}

static int check_linux(const struct cove_linux *l, struct cove_err *err) {
    if (l->seccomp.listener_path)
        REFUSE("linux.seccomp.listenerPath");
    return 0;
}

int cove_support_check(const struct cove_config *c, const struct cove_create_opts *o, struct cove_err *err) {
    int r;
    if (!c->has_process)
        return cove_err_set(err, EINVAL, "process: required to create a container");
    if ((r = check_namespaces(c, err)) < 0 || (r = check_host_mount_ns(c, o, err)) < 0 ||
        (r = check_sysctl_namespaces(c, err)) < 0 ||
        (r = check_process(&c->process, o, err)) < 0 ||
        (r = check_linux(&c->linux, err)) < 0)
        return r;
    return 0;
}
