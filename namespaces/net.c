/* namespaces/net.c — rtnetlink via libmnl: the socket and request/answer
 * helpers every rtnetlink user here shares (netdev.c too), and bringing up
 * "lo" in the caller's network namespace (a new netns starts with lo down,
 * and programs expect 127.0.0.1 to work). */
#include "namespaces/net.h"

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void cove_net_closep(struct mnl_socket **nl) {
    if (*nl)
        mnl_socket_close(*nl);
}

struct mnl_socket *cove_net_open(struct cove_err *err) {
    struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (!nl) {
        cove_err_sys(err, errno, "netlink socket");
        return NULL;
    }
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        cove_err_sys(err, errno, "netlink bind");
        mnl_socket_close(nl);
        return NULL;
    }
    return nl;
}

int cove_net_request(struct mnl_socket *nl, struct nlmsghdr *nlh, char *buf, size_t len, mnl_cb_t cb, void *data) {
    unsigned seq = (unsigned)time(NULL);
    nlh->nlmsg_seq = seq;
    nlh->nlmsg_flags |= NLM_F_REQUEST;
    if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
        return -errno;
    unsigned portid = mnl_socket_get_portid(nl);
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(nl, buf, len);
        if (n < 0)
            return -errno;
        int r = mnl_cb_run(buf, (size_t)n, seq, portid, cb, data);
        if (r < 0)
            return -errno;
        if (r == MNL_CB_STOP)
            return 0;
    }
}

int cove_net_loopback_up(struct cove_err *err) {
    unsigned idx = if_nametoindex("lo");
    if (idx == 0)
        return cove_err_sys(err, errno, "loopback: if_nametoindex lo");

    /* MNL_SOCKET_BUFFER_SIZE is computed at run time (a VLA); 8 KiB is its
     * usual value and far more than one ACK needs */
    char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWLINK;
    nlh->nlmsg_flags = NLM_F_ACK;
    struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
    ifm->ifi_family = AF_UNSPEC;
    ifm->ifi_index = (int)idx;
    ifm->ifi_flags = IFF_UP;
    ifm->ifi_change = IFF_UP;

    _cleanup_mnl_ struct mnl_socket *nl = cove_net_open(err);
    if (!nl)
        return cove_err_prefix(err, "loopback");
    int r = cove_net_request(nl, nlh, buf, sizeof(buf), NULL, NULL);
    if (r < 0)
        return cove_err_sys(err, -r, "loopback: set lo up");
    return 0;
}
