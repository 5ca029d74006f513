/* namespaces/net.c — rtnetlink via libmnl: bring up "lo" in the caller's
 * network namespace (a new netns starts with lo down, and programs expect
 * 127.0.0.1 to work). */
#include "namespaces/net.h"

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void mnl_socket_closep(struct mnl_socket **nl) {
    if (*nl)
        mnl_socket_close(*nl);
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
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    unsigned seq = (unsigned)time(NULL);
    nlh->nlmsg_seq = seq;
    struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
    ifm->ifi_family = AF_UNSPEC;
    ifm->ifi_index = (int)idx;
    ifm->ifi_flags = IFF_UP;
    ifm->ifi_change = IFF_UP;

    __attribute__((cleanup(mnl_socket_closep))) struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (!nl)
        return cove_err_sys(err, errno, "loopback: netlink socket");
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
        return cove_err_sys(err, errno, "loopback: netlink bind");
    unsigned portid = mnl_socket_get_portid(nl);
    if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
        return cove_err_sys(err, errno, "loopback: netlink send");
    /* one ACK (or an NLMSG_ERROR carrying the errno) answers the request */
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
        if (n < 0)
            return cove_err_sys(err, errno, "loopback: netlink receive");
        int r = mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL);
        if (r < 0)
            return cove_err_sys(err, errno, "loopback: set lo up");
        if (r == MNL_CB_STOP)
            return 0;
    }
}
