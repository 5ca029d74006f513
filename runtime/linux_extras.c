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

int cove_linux_extras_place(struct create_ctx *x, struct cove_err *err) {
    int r;
    if (x->have_rdt && (r = cove_intelrdt_add_pid(&x->rdt, x->pid, err)) < 0)
        return r;
    const struct cove_linux *l = &x->config->linux;
    if (l->n_net_devices && (r = cove_netns_pin(x->pid, x->store.dirfd, x->store.dir, err)) < 0)
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
        _cleanup_close_ int nsfd = cove_netns_open_pin(x->store.dirfd);
        if (nsfd >= 0 || x->pidfd >= 0)
            netdevs_move_back(nsfd >= 0 ? nsfd : x->pidfd, x->netdevs, x->n_netdevs);
    }
    x->n_netdevs = 0;
    if (x->have_store && x->config && x->config->linux.n_net_devices)
        cove_netns_unpin(x->store.dirfd, x->store.dir);
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
    cove_netns_unpin(st->dirfd, st->dir);
}

void cove_linux_extras_before_kill(const struct cove_store *st, const struct cove_state *s) {
    if (!s->n_net_devices)
        return;
    struct cove_err ignored = {0};
    /* the pinned namespace; else (a state dir of an older cove) the
     * init's, through a pidfd whose start time is verified (setns on a
     * pidfd: Linux 5.8+) */
    _cleanup_close_ int nsfd = cove_netns_open_pin(st->dirfd);
    if (nsfd < 0)
        nsfd = cove_ops_init_pidfd(s, &ignored);
    if (nsfd >= 0)
        netdevs_move_back(nsfd, s->net_devices, s->n_net_devices);
    cove_netns_unpin(st->dirfd, st->dir);
}

int cove_linux_extras_after_kill(const struct cove_state *s, struct cove_err *err) {
    if (!s->rdt_clos_dir)
        return 0;
    struct cove_rdt_group g = {
        .clos_dir = s->rdt_clos_dir, .clos_owned = s->rdt_clos_owned, .mon_dir = s->rdt_mon_dir};
    return cove_intelrdt_remove(&g, err);
}
