/* lib/proc.c — see proc.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/fileio.h"
#include "lib/proc.h"
#include "lib/syscalls.h"

uint64_t cove_proc_start_time(pid_t pid, bool *zombie) {
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    /* comm may contain spaces and ')': fields start after the last ')' */
    char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ')
        return 0;
    p += 2;
    if (zombie)
        *zombie = (*p == 'Z' || *p == 'X');
    /* p is field 3 (state); start time is field 22 */
    for (int field = 3; field < 22; field++) {
        p = strchr(p, ' ');
        if (!p)
            return 0;
        p++;
    }
    return strtoull(p, NULL, 10);
}

void cove_time_rfc3339(char buf[64]) {
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, 64, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, 64 - n, ".%09ldZ", ts.tv_nsec);
}

int cove_procfs_open(const char *rel, int flags, struct cove_err *err) {
    _cleanup_close_ int proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (proc < 0)
        return cove_err_sys(err, errno, "open /proc");
    struct statfs sf;
    /* refuse anything but a real procfs: a container could have mounted
     * something else there to redirect our writes (CVE-2019-16884 class) */
    if (fstatfs(proc, &sf) < 0)
        return cove_err_sys(err, errno, "statfs /proc");
    if (sf.f_type != PROC_SUPER_MAGIC)
        return cove_err_set(err, EPERM, "/proc is not procfs");
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC | O_NOFOLLOW),
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
    };
    int fd = cove_openat2(proc, rel, &how, sizeof(how));
    if (fd < 0)
        return cove_err_sys(err, errno, "open /proc/%s", rel);
    return fd;
}

bool cove_in_user_namespace(void) {
    static int cached = -1; /* a process does not change user namespace under cove */
    if (cached >= 0)
        return cached;
    struct cove_err ignored = {0};
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    if (cove_read_file(AT_FDCWD, "/proc/self/uid_map", 4096, &data, &len, &ignored) < 0)
        return false;
    unsigned a, b, c;
    /* the initial namespace maps every id to itself in one line */
    cached = !(sscanf(data, "%u %u %u", &a, &b, &c) == 3 && a == 0 && b == 0 && c == 4294967295u);
    return cached;
}

bool cove_uid_mapped_here(uid_t uid) {
    struct cove_err ignored = {0};
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    if (cove_read_file(AT_FDCWD, "/proc/self/uid_map", 1 << 16, &data, &len, &ignored) < 0)
        return true; /* unknown: assume the worst */
    unsigned long long in, out, n;
    for (const char *l = data; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (sscanf(l, "%llu %llu %llu", &in, &out, &n) == 3 && uid >= in && uid - in < n)
            return true;
    return false;
}
