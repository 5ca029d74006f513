/* namespaces/netdev.c — see netdev.h. rtnetlink via libmnl: one
 * RTM_NEWLINK per move, carrying the target namespace (IFLA_NET_NS_PID on
 * the way in, IFLA_NET_NS_FD on the way out) and the new name (IFLA_IFNAME)
 * so the kernel moves and renames in one step: the name never clashes in
 * the target namespace. The kernel keeps MTU and hardware address across a
 * move but flushes the addresses; the spec wants the permanent ones kept,
 * so they are read before the move and added again after it. */
#include "namespaces/netdev.h"

#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/mount.h>
#include <unistd.h>

#include "namespaces/net.h"
#include "lib/cleanup.h"

/* setlink and address requests want the kernel's ACK (its errno) */
static int nl_request(struct mnl_socket *nl, struct nlmsghdr *nlh, char *buf, size_t len) {
    nlh->nlmsg_flags |= NLM_F_ACK;
    return cove_net_request(nl, nlh, buf, len, NULL, NULL);
}

static struct nlmsghdr *put_setlink(char *buf, unsigned idx, const char *name) {
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWLINK;
    struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
    ifm->ifi_family = AF_UNSPEC;
    ifm->ifi_index = (int)idx;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    return nlh;
}

int cove_netdev_check(const struct cove_linux *l, struct cove_err *err) {
    for (size_t i = 0; i < l->n_net_devices; i++) {
        const struct cove_net_device *d = &l->net_devices[i];
        if (if_nametoindex(d->host_name) == 0)
            return cove_err_sys(err, errno == ENODEV ? ENODEV : errno,
                                "linux.netDevices[\"%s\"]: no such network interface on the host", d->host_name);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(l->net_devices[j].name, d->name))
                return cove_err_set(err, EINVAL, "linux.netDevices[\"%s\"].name: \"%s\" is also the name of "
                                    "linux.netDevices[\"%s\"]", d->host_name, d->name, l->net_devices[j].host_name);
    }
    return 0;
}

/* ---------------------------------------------------------------- addresses */
#define MAX_ADDRS 64
#define NL_BUF 16384

struct nd_addr {
    uint8_t family, prefixlen, scope;
    uint32_t flags;
    uint8_t a[16];
};

struct nd_addrs {
    unsigned idx;       /* interface whose addresses are collected */
    size_t n;
    struct nd_addr v[MAX_ADDRS];
};

static int addr_cb(const struct nlmsghdr *nlh, void *data) {
    struct nd_addrs *l = data;
    const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
    if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_index != l->idx || l->n == MAX_ADDRS)
        return MNL_CB_OK;
    const struct nlattr *attr, *local = NULL, *address = NULL;
    uint32_t flags = ifa->ifa_flags;
    mnl_attr_for_each(attr, nlh, sizeof(*ifa)) {
        switch (mnl_attr_get_type(attr)) {
        case IFA_LOCAL: local = attr; break;
        case IFA_ADDRESS: address = attr; break;
        case IFA_FLAGS: flags = mnl_attr_get_u32(attr); break;
        }
    }
    /* IPv4: IFA_LOCAL is the address, IFA_ADDRESS the peer on ptp links */
    const struct nlattr *x = local ? local : address;
    size_t len = ifa->ifa_family == AF_INET ? 4 : ifa->ifa_family == AF_INET6 ? 16 : 0;
    if (!x || !len || mnl_attr_get_payload_len(x) != len || !(flags & IFA_F_PERMANENT))
        return MNL_CB_OK;
    const uint8_t *a = mnl_attr_get_payload(x);
    /* link-local IPv6 addresses are made by the kernel in each namespace */
    if (ifa->ifa_family == AF_INET6 && a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
        return MNL_CB_OK;
    struct nd_addr *d = &l->v[l->n++];
    *d = (struct nd_addr){.family = ifa->ifa_family, .prefixlen = ifa->ifa_prefixlen, .scope = ifa->ifa_scope,
                          .flags = flags & ~(uint32_t)(IFA_F_PERMANENT | IFA_F_TENTATIVE | IFA_F_DADFAILED |
                                                       IFA_F_DEPRECATED | IFA_F_OPTIMISTIC)};
    memcpy(d->a, a, len);
    return MNL_CB_OK;
}

static int addrs_dump(struct mnl_socket *nl, unsigned idx, struct nd_addrs *l) {
    char buf[NL_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETADDR;
    nlh->nlmsg_flags = NLM_F_DUMP;
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
    ifa->ifa_family = AF_UNSPEC;
    l->idx = idx;
    l->n = 0;
    return cove_net_request(nl, nlh, buf, sizeof(buf), addr_cb, l);
}

/* The permanent addresses of interface idx, in a new *out (they are
 * large: MAX_ADDRS of them). */
static int addrs_read(struct mnl_socket *nl, unsigned idx, struct nd_addrs **out) {
    _cleanup_free_ struct nd_addrs *l = calloc(1, sizeof(*l));
    if (!l)
        return -ENOMEM;
    int r = addrs_dump(nl, idx, l);
    if (r < 0)
        return r;
    *out = TAKE_PTR(l);
    return 0;
}

static int addrs_add(struct mnl_socket *nl, unsigned idx, const struct nd_addrs *l, char *addr_text, size_t tlen) {
    for (size_t i = 0; i < l->n; i++) {
        const struct nd_addr *d = &l->v[i];
        char buf[NL_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = RTM_NEWADDR;
        nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
        struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
        ifa->ifa_family = d->family;
        ifa->ifa_prefixlen = d->prefixlen;
        ifa->ifa_scope = d->scope;
        ifa->ifa_flags = (uint8_t)d->flags;
        ifa->ifa_index = idx;
        size_t len = d->family == AF_INET ? 4 : 16;
        mnl_attr_put(nlh, IFA_LOCAL, len, d->a);
        mnl_attr_put(nlh, IFA_ADDRESS, len, d->a);
        mnl_attr_put_u32(nlh, IFA_FLAGS, d->flags);
        int r = nl_request(nl, nlh, buf, sizeof(buf));
        if (r < 0 && r != -EEXIST) {
            inet_ntop(d->family, d->a, addr_text, (socklen_t)tlen);
            return r;
        }
    }
    return 0;
}

/* A netlink socket talks to the namespace it was created in: enter the
 * namespace of nsfd, find the interface, make the socket there and come
 * straight back. */
static struct mnl_socket *nl_open_in(int nsfd, const char *name, unsigned *idx, struct cove_err *err) {
    _cleanup_close_ int host = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (host < 0) {
        cove_err_sys(err, errno, "open /proc/self/ns/net");
        return NULL;
    }
    if (setns(nsfd, CLONE_NEWNET) < 0) {
        cove_err_sys(err, errno, "enter the container's network namespace");
        return NULL;
    }
    *idx = if_nametoindex(name);
    int idx_errno = errno;
    struct mnl_socket *nl = cove_net_open(err);
    if (setns(host, CLONE_NEWNET) < 0) {
        /* cannot happen short of a kernel bug; say so rather than go on
         * in the wrong namespace */
        cove_err_sys(err, errno, "return to the host network namespace");
        if (nl)
            mnl_socket_close(nl);
        return NULL;
    }
    if (nl && *idx == 0) {
        cove_err_sys(err, idx_errno, "\"%s\" in the container", name);
        mnl_socket_close(nl);
        return NULL;
    }
    return nl;
}

/* ---------------------------------------------------------------- moves */
int cove_netdev_move_in(const struct cove_net_device *d, pid_t pid, struct cove_err *err) {
    unsigned idx = if_nametoindex(d->host_name);
    if (idx == 0)
        return cove_err_sys(err, errno, "linux.netDevices[\"%s\"]: host interface", d->host_name);
    _cleanup_mnl_ struct mnl_socket *nl = cove_net_open(err);
    if (!nl)
        return cove_err_prefix(err, "linux.netDevices[\"%s\"]", d->host_name);
    _cleanup_free_ struct nd_addrs *addrs = NULL;
    int r = addrs_read(nl, idx, &addrs);
    if (r < 0)
        return cove_err_sys(err, -r, "linux.netDevices[\"%s\"]: read its addresses", d->host_name);
    /* MNL_SOCKET_BUFFER_SIZE is computed at run time (a VLA) */
    char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
    struct nlmsghdr *nlh = put_setlink(buf, idx, d->name);
    mnl_attr_put_u32(nlh, IFLA_NET_NS_PID, (uint32_t)pid);
    r = nl_request(nl, nlh, buf, sizeof(buf));
    if (r < 0)
        return cove_err_sys(err, -r, "linux.netDevices[\"%s\"]: move into the container as \"%s\"", d->host_name,
                            d->name);
    if (!addrs->n)
        return 0;
    char ns[64];
    snprintf(ns, sizeof(ns), "/proc/%d/ns/net", (int)pid);
    _cleanup_close_ int nsfd = open(ns, O_RDONLY | O_CLOEXEC);
    if (nsfd < 0)
        return cove_err_sys(err, errno, "linux.netDevices[\"%s\"]: open %s", d->host_name, ns);
    unsigned cidx;
    _cleanup_mnl_ struct mnl_socket *cnl = nl_open_in(nsfd, d->name, &cidx, err);
    if (!cnl)
        return cove_err_prefix(err, "linux.netDevices[\"%s\"]", d->host_name);
    char a[64] = "";
    if ((r = addrs_add(cnl, cidx, addrs, a, sizeof(a))) < 0)
        return cove_err_sys(err, -r, "linux.netDevices[\"%s\"]: add address %s in the container", d->host_name, a);
    return 0;
}

int cove_netdev_move_out(int nsfd, const char *name, const char *host_name, struct cove_err *err) {
    _cleanup_close_ int host = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (host < 0)
        return cove_err_sys(err, errno, "linux.netDevices[\"%s\"]: open /proc/self/ns/net", host_name);
    unsigned idx;
    _cleanup_mnl_ struct mnl_socket *nl = nl_open_in(nsfd, name, &idx, err);
    if (!nl)
        return cove_err_prefix(err, "linux.netDevices[\"%s\"]", host_name);
    _cleanup_free_ struct nd_addrs *addrs = NULL;
    int r = addrs_read(nl, idx, &addrs);
    if (r < 0)
        return cove_err_sys(err, -r, "linux.netDevices[\"%s\"]: read the addresses of \"%s\"", host_name, name);
    char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
    struct nlmsghdr *nlh = put_setlink(buf, idx, host_name);
    mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)host);
    r = nl_request(nl, nlh, buf, sizeof(buf));
    if (r < 0)
        return cove_err_sys(err, -r, "linux.netDevices[\"%s\"]: move \"%s\" back to the host", host_name, name);
    if (!addrs->n)
        return 0;
    unsigned hidx = if_nametoindex(host_name);
    if (hidx == 0)
        return cove_err_sys(err, errno, "linux.netDevices[\"%s\"]: back on the host", host_name);
    _cleanup_mnl_ struct mnl_socket *hnl = cove_net_open(err);
    if (!hnl)
        return cove_err_prefix(err, "linux.netDevices[\"%s\"]", host_name);
    char a[64] = "";
    if ((r = addrs_add(hnl, hidx, addrs, a, sizeof(a))) < 0)
        return cove_err_sys(err, -r, "linux.netDevices[\"%s\"]: add address %s on the host", host_name, a);
    return 0;
}

/* <state dir>/netns: a bind mount of the container's network namespace,
 * so that it outlives the init. Without it a container that exits before
 * `delete` (always the case for `run`) would take virtual devices down
 * with its namespace; with it, delete can always move them back. */
#define NETNS_PIN "netns"

int cove_netns_pin(pid_t pid, int dirfd, const char *dir, struct cove_err *err) {
    char src[64], dst[4096];
    snprintf(src, sizeof(src), "/proc/%d/ns/net", (int)pid);
    snprintf(dst, sizeof(dst), "%s/" NETNS_PIN, dir);
    int fd = openat(dirfd, NETNS_PIN, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return cove_err_sys(err, errno, "linux.netDevices: create %s", dst);
    close(fd);
    if (mount(src, dst, NULL, MS_BIND, NULL) < 0) {
        int e = errno;
        unlinkat(dirfd, NETNS_PIN, 0);
        return cove_err_sys(err, e, "linux.netDevices: bind %s on %s", src, dst);
    }
    return 0;
}

void cove_netns_unpin(int dirfd, const char *dir) {
    char path[4096];
    snprintf(path, sizeof(path), "%s/" NETNS_PIN, dir);
    umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW);
    unlinkat(dirfd, NETNS_PIN, 0);
}

int cove_netns_open_pin(int dirfd) {
    return openat(dirfd, NETNS_PIN, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
}
