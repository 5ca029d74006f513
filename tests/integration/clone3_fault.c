/* tests/integration/clone3_fault.c — LD_PRELOAD helper for
 * test_cgroups_basic.sh: makes a clone3 with CLONE_INTO_CGROUP fail with
 * the errno in COVE_TEST_CLONE3_INTO_CGROUP_ERRNO, once per process, the
 * way the kernel does when it finds the target cgroup offline. Every other
 * syscall() passes through unchanged. */
#include <dlfcn.h>
#include <errno.h>
#include <linux/sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

long syscall(long n, ...) {
    static long (*real)(long, ...);
    static int failed;
    va_list ap;
    va_start(ap, n);
    long a[6];
    for (int i = 0; i < 6; i++)
        a[i] = va_arg(ap, long);
    va_end(ap);
    if (!real)
        real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
    const char *e = getenv("COVE_TEST_CLONE3_INTO_CGROUP_ERRNO");
    if (n == SYS_clone3 && e && !failed && (((struct clone_args *)a[0])->flags & CLONE_INTO_CGROUP)) {
        failed = 1;
        errno = atoi(e);
        return -1;
    }
    return real(n, a[0], a[1], a[2], a[3], a[4], a[5]);
}
