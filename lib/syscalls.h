/* lib/syscalls.h — thin wrappers for the syscalls libc lacks, in one
 * place. Each returns what the raw syscall returns (-1 + errno on error). */
#ifndef COVE_SYSCALLS_H
#define COVE_SYSCALLS_H

#include <linux/sched.h>
#include <linux/types.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/openat2.h>
#include <sys/mount.h>   /* glibc >= 2.36: struct mount_attr, MOUNT_ATTR_*, MOVE_MOUNT_* */

pid_t cove_clone3(struct clone_args *args, size_t size);
int cove_pidfd_open(pid_t pid, unsigned flags);
int cove_pidfd_send_signal(int pidfd, int sig, siginfo_t *info, unsigned flags);
int cove_openat2(int dirfd, const char *path, struct open_how *how, size_t size);
int cove_open_tree(int dirfd, const char *path, unsigned flags);
int cove_move_mount(int from_dirfd, const char *from_path, int to_dirfd, const char *to_path, unsigned flags);
int cove_fsopen(const char *fsname, unsigned flags);
int cove_fsconfig(int fd, unsigned cmd, const char *key, const void *value, int aux);
int cove_fsmount(int fd, unsigned flags, unsigned attr_flags);
int cove_mount_setattr(int dirfd, const char *path, unsigned flags, struct mount_attr *attr, size_t size);
int cove_pivot_root(const char *new_root, const char *put_old);
int cove_close_range(unsigned first, unsigned last, unsigned flags);

#endif
