/* namespaces/netdev.h — linux.netDevices: move a host network interface
 * into the container's network namespace under its configured name, and
 * back to the host under its original name on delete (virtual devices such
 * as dummy or veth would be destroyed with the namespace; physical ones
 * the kernel returns to the initial namespace under an arbitrary name). */
#ifndef COVE_NETDEV_H
#define COVE_NETDEV_H

#include <sys/types.h>

#include "runtime/config/config.h"
#include "lib/err.h"

/* Plan step: every host interface exists in the caller's namespace and no
 * two devices get the same name in the container. */
int cove_netdev_check(const struct cove_linux *l, struct cove_err *err);

/* Move d->host_name into the network namespace of pid, renamed d->name. */
int cove_netdev_move_in(const struct cove_net_device *d, pid_t pid, struct cove_err *err);

/* Move the interface called name in the network namespace of nsfd (an
 * nsfs fd or a pidfd) back to the caller's namespace, renamed host_name. */
int cove_netdev_move_out(int nsfd, const char *name, const char *host_name, struct cove_err *err);

/* The pin: <dir>/netns (dirfd is dir), a bind mount of the network
 * namespace of pid, so that it outlives the init and delete can always
 * move the devices back. unpin unmounts and removes it (no error: it may
 * be gone); open_pin returns an nsfs fd or -1. */
int cove_netns_pin(pid_t pid, int dirfd, const char *dir, struct cove_err *err);
void cove_netns_unpin(int dirfd, const char *dir);
int cove_netns_open_pin(int dirfd);

#endif
