/* tests/integration/console_receiver.c — the other end of --console-socket,
 * as conmon or containerd's shim would be: listen on a unix socket, accept
 * one connection, receive exactly one message carrying exactly one fd (the
 * pty master), type INPUT into it and copy what the container writes to
 * stdout until the pty closes (EIO) or TIMEOUT seconds pass.
 *
 * usage: console_receiver SOCKET INPUT [TIMEOUT]
 * stderr gets one line "fds=N name=PAYLOAD" describing the message. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int die(const char *what) {
    fprintf(stderr, "console_receiver: %s: %s\n", what, strerror(errno));
    return 2;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s SOCKET INPUT [TIMEOUT]\n", argv[0]);
        return 2;
    }
    int timeout = argc > 3 ? atoi(argv[3]) : 10;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
    int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ls, 1) < 0)
        return die("listen");
    struct pollfd p = {.fd = ls, .events = POLLIN};
    if (poll(&p, 1, timeout * 1000) != 1)
        return die("no connection");
    int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0)
        return die("accept");
    char name[256] = {0};
    char cbuf[CMSG_SPACE(sizeof(int) * 4)];
    struct iovec iov = {.iov_base = name, .iov_len = sizeof(name) - 1};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
    if (recvmsg(c, &msg, MSG_CMSG_CLOEXEC) < 0)
        return die("recvmsg");
    int nfds = 0, master = -1;
    for (struct cmsghdr *h = CMSG_FIRSTHDR(&msg); h; h = CMSG_NXTHDR(&msg, h))
        if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS) {
            nfds += (int)((h->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            memcpy(&master, CMSG_DATA(h), sizeof(int));
        }
    fprintf(stderr, "fds=%d name=%s\n", nfds, name);
    if (master < 0)
        return 3;
    const char *in = argv[2];
    if (write(master, in, strlen(in)) < 0)
        return die("write");
    time_t end = time(NULL) + timeout;
    char buf[4096];
    for (;;) {
        struct pollfd q = {.fd = master, .events = POLLIN};
        int left = (int)(end - time(NULL));
        if (left <= 0 || poll(&q, 1, left * 1000) <= 0) {
            fprintf(stderr, "console_receiver: timeout\n");
            break;
        }
        ssize_t r = read(master, buf, sizeof(buf));
        if (r <= 0)
            break; /* EIO: every slave fd is closed, the process is gone */
        fwrite(buf, 1, (size_t)r, stdout);
        fflush(stdout);
    }
    return 0;
}
