/* cgroups/fsutil.c — cgroupfs file helpers: one open+write per value and
 * errors that name the file. Used by every backend; works the same on a
 * real cgroupfs and on the plain-file fake tree of the unit tests. */
#include "cgroups/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/fileio.h"

int cgfs_write(const char *dir, const char *file, const char *value, struct cove_err *err) {
    _cleanup_free_ char *path = NULL;
    if (asprintf(&path, "%s/%s", dir, file) < 0)
        return cove_err_set(err, ENOMEM, "%s/%s: out of memory", dir, file);
    /* O_TRUNC: runc does the same; cgroupfs accepts it and the fake tree
     * needs it so the file holds exactly the last value. */
    _cleanup_close_ int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0)
        return cove_err_sys(err, errno, "%s: write \"%s\"", path, value);
    size_t len = strlen(value);
    ssize_t w = write(fd, value, len);
    if (w < 0)
        return cove_err_sys(err, errno, "%s: write \"%s\"", path, value);
    if ((size_t)w != len)
        return cove_err_set(err, EIO, "%s: write \"%s\": short write", path, value);
    return 0;
}

int cgfs_writef(struct cove_err *err, const char *dir, const char *file, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (len < 0 || (size_t)len >= sizeof(buf))
        return cove_err_set(err, EINVAL, "%s/%s: value too long", dir, file);
    return cgfs_write(dir, file, buf, err);
}

int cgfs_read(const char *dir, const char *file, char **out, struct cove_err *err) {
    _cleanup_free_ char *path = NULL;
    if (asprintf(&path, "%s/%s", dir, file) < 0)
        return cove_err_set(err, ENOMEM, "%s/%s: out of memory", dir, file);
    size_t len;
    /* cgroup.procs of a big cgroup is the largest file read here */
    return cove_read_file(AT_FDCWD, path, 64u << 20, out, &len, err);
}

bool cgfs_exists(const char *dir, const char *file) {
    char path[4096];
    int len = snprintf(path, sizeof(path), "%s/%s", dir, file);
    if (len < 0 || (size_t)len >= sizeof(path))
        return false;
    return access(path, F_OK) == 0;
}

int cgfs_parse_pids(const char *buf, pid_t **pids, size_t *n, struct cove_err *err) {
    size_t cap = 0, cnt = 0;
    _cleanup_free_ pid_t *arr = NULL;
    const char *p = buf;
    while (*p) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p) { /* skip anything that is not a number */
            p++;
            continue;
        }
        if (errno == 0 && v > 0) {
            if (cnt == cap) {
                size_t nc = cap ? cap * 2 : 16;
                pid_t *na = realloc(arr, nc * sizeof(*na));
                if (!na)
                    return cove_err_set(err, ENOMEM, "cgroup.procs: out of memory");
                arr = na;
                cap = nc;
            }
            arr[cnt++] = (pid_t)v;
        }
        p = end;
    }
    *pids = TAKE_PTR(arr);
    *n = cnt;
    return 0;
}

int cgfs_read_pids(const char *dir, pid_t **pids, size_t *n, struct cove_err *err) {
    _cleanup_free_ char *buf = NULL;
    int r = cgfs_read(dir, "cgroup.procs", &buf, err);
    if (r < 0)
        return r;
    return cgfs_parse_pids(buf, pids, n, err);
}

void cgfs_sleep_ms(unsigned ms) {
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

int cgfs_write_cpuset(const char *dir, const struct cove_cpu *c, struct cove_err *err) {
    int r;
    if (c->cpus && (r = cgfs_write(dir, "cpuset.cpus", c->cpus, err)) < 0)
        return r;
    if (c->mems && (r = cgfs_write(dir, "cpuset.mems", c->mems, err)) < 0)
        return r;
    return 0;
}

int cgfs_write_rdma(const char *dir, const struct cove_rdma *x, struct cove_err *err) {
    char h[40] = "", o[40] = "";
    if (x->hca_handles.set)
        snprintf(h, sizeof(h), " hca_handle=%" PRIu64, x->hca_handles.v);
    if (x->hca_objects.set)
        snprintf(o, sizeof(o), " hca_object=%" PRIu64, x->hca_objects.v);
    return cgfs_writef(err, dir, "rdma.max", "%s%s%s", x->device, h, o);
}
