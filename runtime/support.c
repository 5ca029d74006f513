/* runtime/support.c — see support.h. Each refusal names the field and says
 * it is not supported, so a user knows it is cove's limit, not their typo. */
#include <sched.h>

#include "runtime/support.h"

#define REFUSE(field) return cove_err_set(err, ENOTSUP, "%s: not supported by cove yet", field)

static int check_namespaces(const struct cove_config *c, struct cove_err *err) {
    if (!cove_config_has_ns(c, CLONE_NEWNS))
        return cove_err_set(err, EINVAL, "linux.namespaces: a mount namespace is required");
    for (size_t i = 0; i < c->linux.n_namespaces; i++) {
        int t = c->linux.namespaces[i].type;
        if (t == CLONE_NEWUSER)
            return cove_err_set(err, ENOTSUP, "linux.namespaces[%zu]: user namespaces: not supported by cove yet", i);
        if (t == CLONE_NEWTIME)
            return cove_err_set(err, ENOTSUP, "linux.namespaces[%zu]: time namespaces: not supported by cove yet", i);
    }
    return 0;
}

static int check_process(const struct cove_process *p, const struct cove_create_opts *o, struct cove_err *err) {
    if (p->terminal || (o && o->console_socket))
        REFUSE("process.terminal");
    if (p->apparmor_profile)
        REFUSE("process.apparmorProfile");
    if (p->selinux_label)
        REFUSE("process.selinuxLabel");
    if (p->scheduler.set)
        REFUSE("process.scheduler");
    if (p->io_priority.set)
        REFUSE("process.ioPriority");
    if (p->exec_cpu_affinity.initial || p->exec_cpu_affinity.final)
        REFUSE("process.execCPUAffinity");
    return 0;
}

static int check_linux(const struct cove_linux *l, struct cove_err *err) {
    if (l->intel_rdt.set)
        REFUSE("linux.intelRdt");
    if (l->personality.set)
        REFUSE("linux.personality");
    if (l->n_net_devices)
        REFUSE("linux.netDevices");
    if (l->memory_policy.set)
        REFUSE("linux.memoryPolicy");
    if (l->mount_label)
        REFUSE("linux.mountLabel");
    if (l->seccomp.listener_path)
        REFUSE("linux.seccomp.listenerPath");
    return 0;
}

int cove_support_check(const struct cove_config *c, const struct cove_create_opts *o, struct cove_err *err) {
    int r;
    if (!c->has_process)
        return cove_err_set(err, EINVAL, "process: required to create a container");
    if ((r = check_namespaces(c, err)) < 0 || (r = check_process(&c->process, o, err)) < 0 ||
        (r = check_linux(&c->linux, err)) < 0)
        return r;
    for (int k = 0; k < COVE_HOOK__MAX; k++)
        if (c->hooks[k].n)
            REFUSE("hooks");
    for (size_t i = 0; i < c->n_mounts; i++)
        if (c->mounts[i].opts.idmap || c->mounts[i].opts.ridmap || c->mounts[i].n_uid_mappings)
            return cove_err_set(err, ENOTSUP, "mounts[%zu]: id-mapped mounts: not supported by cove yet", i);
    return 0;
}
