/* namespaces/net.h — rtnetlink (libmnl) for the container's network
 * namespace. */
#ifndef COVE_NET_H
#define COVE_NET_H

#include "runtime/err.h"

/* Bring "lo" up in the calling process's network namespace. */
int cove_net_loopback_up(struct cove_err *err);

#endif
