/* runtime/linux_extras.c — see linux_extras.h. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "namespaces/netdev.h"
#include "lib/cleanup.h"
#include "runtime/intelrdt.h"
#include "runtime/linux_extras.h"
#include "runtime/lsm.h"
#include "runtime/ops.h"

int cove_linux_extras_plan(struct create_ctx *x, struct cove_err *err) {
    struct cove_config *c = x->config;
    int r;
    if ((r = cove_lsm_plan(c, err)) < 0 || (r = cove_netdev_check(&c->linux, err)) < 0)
        return r;
    if (c->linux.intel_rdt.set && (r = cove_intelrdt_check_mounted(COVE_RESCTRL_ROOT, err)) < 0)
        return r;
    if (c->linux.n_net_devices &&
        !(x->netdevs = calloc(c->linux.n_net_devices, sizeof(*x->netdevs))))
        return cove_err_set(err, ENOMEM, "out of memory");
    return 0;
}

int cove_linux_extras_setup(struct create_ctx *x, struct cove_err *err) {
    const struct cove_intel_rdt *rdt = &x->config->linux.intel_rdt;
    if (!rdt->set)
        return 0;
    int r = cove_intelrdt_create(COVE_RESCTRL_ROOT, x->opts->id, rdt, &x->rdt, err);
    if (r < 0)
        return r;
    x->have_rdt = true;
    return 0;
}

/* <state dir>/netns: a bind mount of the container's network namespace,
 * so that it outlives the init. Without it a container that exits before
 * `delete` (always the case for `run`) would take virtual devices down
 * with its namespace; with it, delete can always move them back. */
#define NETNS_PIN "netns"

static int netns_pin(struct create_ctx *x, struct cove_err *err) {
    char src[64], dst[4096];
    snprintf(src, sizeof(src), "/proc/%d/ns/net", (int)x->pid);
    snprintf(dst, sizeof(dst), "%s/" NETNS_PIN, x->store.dir);
    int fd = openat(x->store.dirfd, NETNS_PIN, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return cove_err_sys(err, errno, "linux.netDevices: create %s", dst);
    close(fd);
    if (mount(src, dst, NULL, MS_BIND, NULL) < 0) {
        int e = errno;
        unlinkat(x->store.dirfd, NETNS_PIN, 0);
        return cove_err_sys(err, e, "linux.netDevices: bind %s on %s", src, dst);
    }
    return 0;
}

static void netns_unpin(int dirfd, const char *dir) {
    char path[4096];
    snprintf(path, sizeof(path), "%s/" NETNS_PIN, dir);
    umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW);
    unlinkat(dirfd, NETNS_PIN, 0);
}

int cove_linux_extras_place(struct create_ctx *x, struct cove_err *err) {
    int r;
    if (x->have_rdt && (r = cove_intelrdt_add_pid(&x->rdt, x->pid, err)) < 0)
        return r;
    const struct cove_linux *l = &x->config->linux;
    if (l->n_net_devices && (r = netns_pin(x, err)) < 0)
        return r;
    for (size_t i = 0; i < l->n_net_devices; i++) {
        if ((r = cove_netdev_move_in(&l->net_devices[i], x->pid, err)) < 0)
            return r;
        /* recorded as soon as it moved: abort moves back exactly these */
        x->netdevs[x->n_netdevs++] =
            (struct cove_state_netdev){.host_name = l->net_devices[i].host_name, .name = l->net_devices[i].name};
    }
    return 0;
}

void cove_linux_extras_record(const struct create_ctx *x, struct cove_state *s) {
    if (x->have_rdt) {
        s->rdt_clos_dir = x->rdt.clos_dir;
        s->rdt_clos_owned = x->rdt.clos_owned;
        s->rdt_mon_dir = x->rdt.mon_dir;
    }
    s->net_devices = x->netdevs;
    s->n_net_devices = x->n_netdevs;
}

static void netdevs_move_back(int nsfd, const struct cove_state_netdev *d, size_t n) {
    struct cove_err ignored = {0};
    /* in reverse: a later device may have taken a name an earlier one needs */
    for (size_t i = n; i-- > 0;)
        cove_netdev_move_out(nsfd, d[i].name, d[i].host_name, &ignored);
}

void cove_linux_extras_abort(struct create_ctx *x) {
    if (x->n_netdevs) {
        /* the init has usually exited already (it reported an error): its
         * pidfd no longer names a namespace, the pin still does */
        _cleanup_close_ int nsfd = openat(x->store.dirfd, NETNS_PIN, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (nsfd >= 0 || x->pidfd >= 0)
            netdevs_move_back(nsfd >= 0 ? nsfd : x->pidfd, x->netdevs, x->n_netdevs);
    }
    x->n_netdevs = 0;
    if (x->have_store && x->config && x->config->linux.n_net_devices)
        netns_unpin(x->store.dirfd, x->store.dir);
    if (x->have_rdt) {
        struct cove_err ignored = {0};
        /* the init is still alive here: resctrl's rmdir moves a group's
         * remaining tasks to the default group, so this does not fail */
        cove_intelrdt_remove(&x->rdt, &ignored);
        cove_rdt_group_free(&x->rdt);
        x->have_rdt = false;
    }
}

void cove_linux_extras_free(struct create_ctx *x) {
    free(x->netdevs);
    x->netdevs = NULL;
    x->n_netdevs = 0;
    if (x->have_rdt)
        cove_rdt_group_free(&x->rdt);
    x->have_rdt = false;
}

void cove_linux_extras_unpin(const struct cove_store *st) {
    netns_unpin(st->dirfd, st->dir);
}

void cove_linux_extras_before_kill(const struct cove_store *st, const struct cove_state *s) {
    if (!s->n_net_devices)
        return;
    struct cove_err ignored = {0};
    /* the pinned namespace; else (a state dir of an older cove) the
     * init's, through a pidfd whose start time is verified (setns on a
     * pidfd: Linux 5.8+) */
    _cleanup_close_ int nsfd = openat(st->dirfd, NETNS_PIN, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (nsfd < 0)
        nsfd = cove_ops_init_pidfd(s, &ignored);
    if (nsfd >= 0)
        netdevs_move_back(nsfd, s->net_devices, s->n_net_devices);
    netns_unpin(st->dirfd, st->dir);
}

int cove_linux_extras_after_kill(const struct cove_state *s, struct cove_err *err) {
    if (!s->rdt_clos_dir)
        return 0;
    struct cove_rdt_group g = {
        .clos_dir = s->rdt_clos_dir, .clos_owned = s->rdt_clos_owned, .mon_dir = s->rdt_mon_dir};
    return cove_intelrdt_remove(&g, err);
}
