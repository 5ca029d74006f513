/* tests/integration/syscall_probe.c — a tiny static helper the hardening
 * tests copy into a container rootfs: busybox cannot make arbitrary system
 * calls, this can. Built by the tests with `cc -static`.
 *
 * Usage: syscall_probe NAME...
 * For each NAME, makes that system call with harmless arguments (all-zero
 * or invalid pointers/fds, so an allowed call fails with EFAULT/EINVAL/
 * EBADF instead of doing anything) and prints "NAME ERRNO" (0 on success).
 * A seccomp rule returns its configured errno before the kernel looks at
 * the arguments, which is what the tests compare.
 *
 * Also: "open-w PATH" (open O_WRONLY), "mount-tmpfs PATH", "mknod-b PATH MAJ MIN" (block
 * device node, then open it O_RDONLY) print "NAME ERRNO" the same way. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

struct probe { const char *name; long nr; long a0, a1, a2; };

static const struct probe probes[] = {
    {"kexec_load", SYS_kexec_load, 0, 0, 0},
    {"kexec_file_load", SYS_kexec_file_load, -1, -1, 0},
    {"sysfs", SYS_sysfs, 99, 0, 0},               /* invalid option: EINVAL */
    {"swapon", SYS_swapon, 0, 0, 0},              /* NULL path: EFAULT */
    {"swapoff", SYS_swapoff, 0, 0, 0},
    {"bpf", SYS_bpf, -1, 0, 0},                   /* invalid command */
    {"perf_event_open", SYS_perf_event_open, 0, 0, -1},
    {"init_module", SYS_init_module, 0, 0, 0},
    {"finit_module", SYS_finit_module, -1, 0, 0},
    {"delete_module", SYS_delete_module, 0, 0, 0},
    {"settimeofday", SYS_settimeofday, 0, 0, 0},  /* both NULL: a no-op if allowed */
    {"reboot", SYS_reboot, 0, 0, 0},              /* bad magic: EINVAL */
    {"acct", SYS_acct, 0, 0, 0},
    {"mount", SYS_mount, 0, 0, 0},
    {"umount2", SYS_umount2, 0, 0, 0},
    {"unshare", SYS_unshare, 0, 0, 0},            /* flags 0: a no-op */
    {"keyctl", SYS_keyctl, -1, 0, 0},
    {"ptrace", SYS_ptrace, -1, 0, 0},
    {"open_by_handle_at", SYS_open_by_handle_at, -1, 0, 0},
    {"getpid", SYS_getpid, 0, 0, 0},
    {"sethostname", SYS_sethostname, 0, 0, 0},    /* length 0: a no-op if allowed */
    {"clock_settime", SYS_clock_settime, 0, 0, 0},
    /* 451 on every architecture (the unified numbering); newer than most
     * profiles, so it is in no rule and gets the default action */
    {"cachestat", 451, -1, 0, 0},
    /* newer than the runtime-tools generator's profile (2017): openat2
     * (437, bad pointers: EFAULT) and clone3 (435, size 0: EINVAL) */
    {"openat2", 437, -1, 0, 0},
    {"clone3", 435, 0, 0, 0},
};

static void report(const char *name, long rc) {
    printf("%s %d\n", name, rc < 0 ? errno : 0);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 1; i < argc; i++) {
        const char *n = argv[i];
        if (!strcmp(n, "open-w") && i + 1 < argc) {
            errno = 0;
            int fd = open(argv[++i], O_WRONLY | O_CLOEXEC);
            report(n, fd);
            continue;
        }
        if (!strcmp(n, "mount-tmpfs") && i + 1 < argc) {
            errno = 0;
            report(n, mount("none", argv[++i], "tmpfs", 0, NULL));
            continue;
        }
        if (!strcmp(n, "mknod-b") && i + 3 < argc) {
            const char *path = argv[i + 1];
            dev_t dev = makedev(strtoul(argv[i + 2], NULL, 0), strtoul(argv[i + 3], NULL, 0));
            i += 3;
            errno = 0;
            long rc = mknod(path, S_IFBLK | 0600, dev);
            if (rc == 0 || errno == EEXIST)
                rc = open(path, O_RDONLY | O_CLOEXEC);
            report(n, rc);
            continue;
        }
        size_t k;
        for (k = 0; k < sizeof(probes) / sizeof(probes[0]); k++)
            if (!strcmp(probes[k].name, n))
                break;
        if (k == sizeof(probes) / sizeof(probes[0])) {
            printf("%s unknown\n", n);
            continue;
        }
        errno = 0;
        long rc = syscall(probes[k].nr, probes[k].a0, probes[k].a1, probes[k].a2, 0L, 0L, 0L);
        report(n, rc);
    }
    return 0;
}
