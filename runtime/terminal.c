/* runtime/terminal.c — see terminal.h. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "namespaces/rootfs.h"
#include "lib/syscalls.h"
#include "runtime/terminal.h"

int cove_terminal_check(const struct cove_process *p, const char *console_socket, bool detach, struct cove_err *err) {
    /* runc's words (utils_linux.go checkTerminal), with cove's name */
    if (detach && p->terminal && !console_socket)
        return cove_err_set(err, EINVAL, "cannot allocate tty if cove will detach without setting console socket");
    if ((!detach || !p->terminal) && console_socket)
        return cove_err_set(err, EINVAL, "cannot use console socket if cove will not detach or allocate tty");
    return 0;
}

void cove_terminal_size_from_stdin(struct cove_process *p) {
    struct winsize ws;
    if (!p->terminal || !isatty(STDIN_FILENO) || ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 || !ws.ws_row || !ws.ws_col)
        return;
    p->has_console_size = true;
    p->console_height = ws.ws_row;
    p->console_width = ws.ws_col;
}

int cove_terminal_prepare(const struct cove_process *p, const char *console_socket, int *child_fd, int *parent_fd,
                          struct cove_err *err) {
    *child_fd = *parent_fd = -1;
    if (!p->terminal)
        return 0;
    if (!console_socket) {
        int sp[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
            return cove_err_sys(err, errno, "process.terminal: socketpair");
        *parent_fd = sp[0];
        *child_fd = sp[1];
        return 0;
    }
    /* connected here, on the host: after pivot_root the child cannot reach
     * the path any more */
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(console_socket) >= sizeof(sa.sun_path))
        return cove_err_set(err, ENAMETOOLONG, "--console-socket %s: path too long", console_socket);
    strcpy(sa.sun_path, console_socket);
    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return cove_err_sys(err, errno, "--console-socket: socket");
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return cove_err_sys(err, errno, "--console-socket: connect %s", console_socket);
    *child_fd = TAKE_FD(fd);
    return 0;
}

int cove_fd_send(int sock, int fd, const char *name) {
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof(u));
    struct iovec iov = {.iov_base = (void *)name, .iov_len = strlen(name)};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    ssize_t w;
    do
        w = sendmsg(sock, &msg, MSG_NOSIGNAL);
    while (w < 0 && errno == EINTR);
    return w < 0 ? -errno : 0;
}

int cove_fd_recv(int sock, int *fd) {
    char name[256];
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct iovec iov = {.iov_base = name, .iov_len = sizeof(name)};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
    ssize_t r;
    do
        r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return -errno;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (r == 0 || !c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
        c->cmsg_len != CMSG_LEN(sizeof(int)))
        return -EPROTO;
    memcpy(fd, CMSG_DATA(c), sizeof(int));
    return 0;
}

int cove_terminal_recv_master(int parent_fd, int *master, struct cove_err *err) {
    int r = cove_fd_recv(parent_fd, master);
    if (r < 0)
        return cove_err_sys(err, -r, "process.terminal: receive the pty master");
    return 0;
}

int cove_terminal_setup(int console_fd, const struct cove_process *p, bool mount_con, struct cove_err *err) {
    if (console_fd < 0)
        return 0;
    _cleanup_close_ int sock = console_fd;
    /* /dev/ptmx of the container: its own devpts instance (pts/ptmx) */
    _cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0)
        return cove_err_sys(err, errno, "process.terminal: open /dev/ptmx");
    int unlock = 0;
    if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
        return cove_err_sys(err, errno, "process.terminal: unlockpt");
    /* the slave by fd, not by a path the container could swap */
    _cleanup_close_ int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0)
        return cove_err_sys(err, errno, "process.terminal: open the pty slave");
    if (p->has_console_size) {
        struct winsize ws = {.ws_row = (unsigned short)p->console_height, .ws_col = (unsigned short)p->console_width};
        if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
            return cove_err_sys(err, errno, "process.consoleSize: TIOCSWINSZ");
    }
    int r;
    if (mount_con && (r = cove_dev_mount_console(slave, err)) < 0)
        return r;
    if ((r = cove_fd_send(sock, master, "/dev/ptmx")) < 0)
        return cove_err_sys(err, -r, "process.terminal: send the pty master");
    if (setsid() < 0)
        return cove_err_sys(err, errno, "process.terminal: setsid");
    if (ioctl(slave, TIOCSCTTY, 0) < 0)
        return cove_err_sys(err, errno, "process.terminal: TIOCSCTTY");
    for (int fd = 0; fd < 3; fd++)
        if (dup2(slave, fd) < 0)
            return cove_err_sys(err, errno, "process.terminal: dup2 to fd %d", fd);
    return 0;
}

/* ---------------------------------------------------------------- relay */

static void write_all(int fd, const char *b, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        b += w;
        n -= (size_t)w;
    }
}

/* returns false at EOF/error */
static bool pump(int from, int to) {
    char buf[8192];
    ssize_t r = read(from, buf, sizeof(buf));
    if (r < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (r <= 0)
        return false;
    write_all(to, buf, (size_t)r);
    return true;
}

static void copy_winsize(int master) {
    struct winsize ws;
    if (isatty(STDIN_FILENO) && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
        ioctl(master, TIOCSWINSZ, &ws);
}

struct relay {
    int ep, master, pidfd, sigfd;
    bool stdin_open;
};

static void relay_signal(struct relay *x) {
    struct signalfd_siginfo si;
    if (read(x->sigfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
        return;
    /* with a pty the kernel signals the foreground group on resize itself */
    if (si.ssi_signo == SIGWINCH && x->master >= 0) {
        copy_winsize(x->master);
        return;
    }
    cove_pidfd_send_signal(x->pidfd, (int)si.ssi_signo, NULL, 0);
}

static void relay_stdin(struct relay *x) {
    if (pump(STDIN_FILENO, x->master))
        return;
    /* stdin ended: the container sees end-of-file (VEOF, canonical mode) */
    write_all(x->master, "\x04", 1);
    epoll_ctl(x->ep, EPOLL_CTL_DEL, STDIN_FILENO, NULL);
    x->stdin_open = false;
}

/* stdin that epoll refuses (a regular file, /dev/null) is always ready:
 * hand it over at once, then end-of-file */
static void feed_unpollable_stdin(int master) {
    while (pump(STDIN_FILENO, master)) {
    }
    write_all(master, "\x04", 1);
}

static int reap(pid_t pid) {
    siginfo_t si = {0};
    int r;
    do
        r = waitid(P_PID, (id_t)pid, &si, WEXITED);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return 255;
    return si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
}

static int ep_add(int ep, int fd) {
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

int cove_io_wait(pid_t pid, int pidfd, int sigfd, int master) {
    struct termios saved;
    bool raw = false;
    _cleanup_close_ int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        return 255;
    struct relay x = {.ep = ep, .master = master, .pidfd = pidfd, .sigfd = sigfd};
    ep_add(ep, pidfd);
    if (sigfd >= 0)
        ep_add(ep, sigfd);
    if (master >= 0) {
        ep_add(ep, master);
        /* a regular file or /dev/null cannot be polled (EPERM): then the
         * container gets no input, as with `-d` */
        x.stdin_open = ep_add(ep, STDIN_FILENO) == 0;
        if (!x.stdin_open && errno == EPERM)
            feed_unpollable_stdin(master);
        if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
            struct termios t = saved;
            cfmakeraw(&t);
            raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
        }
        copy_winsize(master);
    }
    bool master_open = master >= 0;
    for (;;) {
        struct epoll_event ev[4];
        int n = epoll_wait(ep, ev, 4, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        bool exited = false;
        for (int i = 0; i < n; i++) {
            int fd = ev[i].data.fd;
            if (fd == pidfd)
                exited = true;
            else if (fd == sigfd)
                relay_signal(&x);
            else if (fd == master && master_open && !pump(master, STDOUT_FILENO)) {
                epoll_ctl(ep, EPOLL_CTL_DEL, master, NULL);
                master_open = false;
            } else if (fd == STDIN_FILENO && x.stdin_open)
                relay_stdin(&x);
        }
        if (exited)
            break;
    }
    /* what the process wrote before exiting is still in the pty */
    if (master_open) {
        fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
        char buf[8192];
        ssize_t r;
        while ((r = read(master, buf, sizeof(buf))) > 0)
            write_all(STDOUT_FILENO, buf, (size_t)r);
    }
    if (raw)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    return reap(pid);
}
