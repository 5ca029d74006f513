/* lib/syscalls.c — see syscalls.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include "lib/syscalls.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Under load on Linux 6.1 (the VM tier) clone3 has failed with ENOENT, a
 * value it documents nowhere, three times in a day (each time the test's
 * next create went through); not understood yet (docs/testing.md). A
 * failure that stays (CLONE_INTO_CGROUP of a removed cgroup is ENOENT too)
 * still comes back after the third try. */
pid_t cove_clone3(struct clone_args *args, size_t size) {
    for (int i = 0;; i++) {
        pid_t pid = (pid_t)syscall(SYS_clone3, args, size);
        if (pid != -1 || errno != ENOENT || i == 2)
            return pid;
    }
}
int cove_pidfd_open(pid_t pid, unsigned flags) { return (int)syscall(SYS_pidfd_open, pid, flags); }
int cove_pidfd_send_signal(int pidfd, int sig, siginfo_t *info, unsigned flags) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, info, flags);
}
int cove_openat2(int dirfd, const char *path, struct open_how *how, size_t size) {
    return (int)syscall(SYS_openat2, dirfd, path, how, size);
}
int cove_open_tree(int dirfd, const char *path, unsigned flags) { return (int)syscall(SYS_open_tree, dirfd, path, flags); }
int cove_move_mount(int from_dirfd, const char *from_path, int to_dirfd, const char *to_path, unsigned flags) {
    return (int)syscall(SYS_move_mount, from_dirfd, from_path, to_dirfd, to_path, flags);
}
int cove_fsopen(const char *fsname, unsigned flags) { return (int)syscall(SYS_fsopen, fsname, flags); }
int cove_fsconfig(int fd, unsigned cmd, const char *key, const void *value, int aux) {
    return (int)syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}
int cove_fsmount(int fd, unsigned flags, unsigned attr_flags) { return (int)syscall(SYS_fsmount, fd, flags, attr_flags); }
int cove_mount_setattr(int dirfd, const char *path, unsigned flags, struct mount_attr *attr, size_t size) {
    return (int)syscall(SYS_mount_setattr, dirfd, path, flags, attr, size);
}
int cove_pivot_root(const char *new_root, const char *put_old) { return (int)syscall(SYS_pivot_root, new_root, put_old); }
int cove_close_range(unsigned first, unsigned last, unsigned flags) { return (int)syscall(SYS_close_range, first, last, flags); }
