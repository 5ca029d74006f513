/* runtime/lsm.c — see lsm.h. The labels are written to /proc/thread-self/attr
 * through cove_procfs_open, which refuses a /proc that is not procfs: a
 * container image could otherwise mount something over /proc and have us
 * write the label somewhere harmless (CVE-2019-16884). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/proc.h"
#include "runtime/lsm.h"
#include "runtime/process.h"

#define APPARMOR_ENABLED "/sys/module/apparmor/parameters/enabled"
#define SELINUX_ENFORCE "/sys/fs/selinux/enforce"

bool cove_lsm_apparmor_enabled(void) {
    _cleanup_close_ int fd = open(APPARMOR_ENABLED, O_RDONLY | O_CLOEXEC);
    char c = 0;
    return fd >= 0 && read(fd, &c, 1) == 1 && c == 'Y';
}

bool cove_lsm_selinux_enabled(void) {
    /* selinuxfs is mounted only when SELinux is active (enforcing or permissive) */
    return access(SELINUX_ENFORCE, F_OK) == 0;
}

int cove_lsm_mount_data(const char *data, const char *label, char **out, struct cove_err *err) {
    *out = NULL;
    int n;
    if (!label)
        n = data ? ((*out = strdup(data)) ? 0 : -1) : 0;
    else if (data && *data)
        n = asprintf(out, "%s,context=\"%s\"", data, label);
    else
        n = asprintf(out, "context=\"%s\"", label);
    if (n < 0) {
        *out = NULL;
        return cove_err_set(err, ENOMEM, "out of memory");
    }
    return 0;
}

static bool mount_takes_context(const struct cove_mount *m) {
    return m->type && (!strcmp(m->type, "tmpfs") || !strcmp(m->type, "devpts") || !strcmp(m->type, "mqueue"));
}

int cove_lsm_plan(struct cove_config *c, struct cove_err *err) {
    const struct cove_process *p = &c->process;
    if (p->apparmor_profile && !cove_lsm_apparmor_enabled())
        return cove_err_set(err, ENOTSUP, "process.apparmorProfile: AppArmor is not enabled on this host (%s)",
                            APPARMOR_ENABLED);
    if (p->selinux_label && !cove_lsm_selinux_enabled())
        return cove_err_set(err, ENOTSUP, "process.selinuxLabel: SELinux is not enabled on this host (no %s)",
                            SELINUX_ENFORCE);
    /* a mount label on a host without SELinux labels nothing: dropped, as
     * crun does (a context= option would make every mount fail) */
    if (!c->linux.mount_label || !cove_lsm_selinux_enabled())
        return 0;
    for (size_t i = 0; i < c->n_mounts; i++) {
        struct cove_mount *m = &c->mounts[i];
        if (!mount_takes_context(m))
            continue;
        char *d;
        if (cove_lsm_mount_data(m->opts.data, c->linux.mount_label, &d, err) < 0)
            return cove_err_prefix(err, "mounts[%zu]", i);
        free(m->opts.data);
        m->opts.data = d;
    }
    return 0;
}

static int write_attr(const char *rel, const char *value, const char *field, struct cove_err *err) {
    _cleanup_close_ int fd = cove_procfs_open(rel, O_WRONLY, err);
    if (fd < 0)
        return cove_err_prefix(err, "%s", field);
    size_t n = strlen(value);
    ssize_t w = write(fd, value, n);
    if (w < 0 || (size_t)w != n)
        return cove_err_sys(err, w < 0 ? errno : EIO, "%s: write \"%s\" to /proc/%s", field, value, rel);
    return 0;
}

int cove_lsm_set_exec_labels(const struct cove_process *p, struct cove_err *err) {
    int r;
    if (p->apparmor_profile) {
        char buf[4096];
        if (snprintf(buf, sizeof(buf), "exec %s", p->apparmor_profile) >= (int)sizeof(buf))
            return cove_err_set(err, ENAMETOOLONG, "process.apparmorProfile: name too long");
        /* the per-LSM directory exists since Linux 5.1 and is right even
         * when several LSMs are stacked; attr/exec is the old interface */
        struct cove_err e2 = {0};
        r = write_attr("thread-self/attr/apparmor/exec", buf, "process.apparmorProfile", &e2);
        if (r == -ENOENT)
            r = write_attr("thread-self/attr/exec", buf, "process.apparmorProfile", err);
        else if (r < 0)
            *err = e2;
        if (r < 0)
            return r;
    }
    if (p->selinux_label &&
        (r = write_attr("thread-self/attr/exec", p->selinux_label, "process.selinuxLabel", err)) < 0)
        return r;
    return 0;
}
