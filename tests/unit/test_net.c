/* tests/unit/test_net.c — cove_net_loopback_up() in a fresh network
 * namespace (root needed): lo starts down there and must come up. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "namespaces/net.h"

static int lo_flags(void) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -1;
    struct ifreq ifr = { 0 };
    strcpy(ifr.ifr_name, "lo");
    int r = ioctl(s, SIOCGIFFLAGS, &ifr);
    close(s);
    return r < 0 ? -1 : ifr.ifr_flags;
}

/* exit codes: 0 ok, 1 unshare failed, 2 lo already up, 3 call failed,
 * 4 still down */
static int child(void) {
    if (unshare(CLONE_NEWNET) < 0)
        return 1;
    int f = lo_flags();
    if (f < 0 || (f & IFF_UP))
        return 2;
    struct cove_err err = { 0 };
    if (cove_net_loopback_up(&err) < 0)
        return 3;
    f = lo_flags();
    return (f >= 0 && (f & IFF_UP)) ? 0 : 4;
}

Test(net, loopback_comes_up_in_new_netns) {
    if (geteuid() != 0)
        cr_skip_test("needs root");
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0)
        _exit(child());
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status));
    cr_assert_eq(WEXITSTATUS(status), 0, "child step %d failed", WEXITSTATUS(status));
}

Test(net, loopback_up_is_idempotent) {
    if (geteuid() != 0)
        cr_skip_test("needs root");
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        struct cove_err err = { 0 };
        if (unshare(CLONE_NEWNET) < 0)
            _exit(1);
        _exit(cove_net_loopback_up(&err) == 0 && cove_net_loopback_up(&err) == 0 ? 0 : 3);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
