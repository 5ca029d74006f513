/* namespaces/net.h — rtnetlink (libmnl) for the container's network
 * namespace. */
#ifndef COVE_NET_H
#define COVE_NET_H

#include <stddef.h>
#include <libmnl/libmnl.h>

#include "lib/err.h"

/* Bring "lo" up in the calling process's network namespace. */
int cove_net_loopback_up(struct cove_err *err);

/* An rtnetlink socket (SOCK_CLOEXEC, bound) in the caller's network
 * namespace; NULL with err set ("netlink socket: ..."). */
struct mnl_socket *cove_net_open(struct cove_err *err);
void cove_net_closep(struct mnl_socket **nl);
#define _cleanup_mnl_ __attribute__((cleanup(cove_net_closep)))

/* Send the request nlh (NLM_F_REQUEST is added, a fresh sequence number
 * set; the caller chooses NLM_F_ACK or NLM_F_DUMP) and read the answers
 * into buf (len bytes, may be the one nlh lives in) until the ACK or
 * NLMSG_DONE, passing each message to cb (NULL: none). 0, or -errno (the
 * kernel's from an NLMSG_ERROR). */
int cove_net_request(struct mnl_socket *nl, struct nlmsghdr *nlh, char *buf, size_t len, mnl_cb_t cb, void *data);

#endif
