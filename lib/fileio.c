/* lib/fileio.c — see fileio.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/fileio.h"

/* A fresh temp file next to name: a random suffix and O_EXCL, so in a
 * directory others can write (a --pid-file in /tmp) no planted file, link
 * or symlink is opened, truncated or written in its place. */
static int open_temp(int dirfd, const char *name, mode_t mode, char *tmp, size_t size, struct cove_err *err) {
    for (int tries = 0; tries < 16; tries++) {
        uint64_t rnd = 0;
        if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
            return cove_err_sys(err, errno, "getrandom");
        if (snprintf(tmp, size, ".%s.tmp.%016llx", name, (unsigned long long)rnd) >= (int)size)
            return cove_err_set(err, ENAMETOOLONG, "%s: name too long", name);
        int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd >= 0 || errno != EEXIST)
            return fd >= 0 ? fd : cove_err_sys(err, errno, "create %s", tmp);
    }
    return cove_err_set(err, EEXIST, "create a temp file for %s: every name taken", name);
}

static int write_file(int dirfd, const char *name, const void *data, size_t len, mode_t mode, bool durable,
                      struct cove_err *err) {
    char tmp[PATH_MAX];
    _cleanup_close_ int fd = open_temp(dirfd, name, mode, tmp, sizeof(tmp), err);
    if (fd < 0)
        return fd;
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            unlinkat(dirfd, tmp, 0);
            return cove_err_sys(err, e, "write %s", tmp);
        }
        p += w;
        left -= (size_t)w;
    }
    /* durable: fsync so a crash never leaves a renamed but empty file */
    if ((durable && fsync(fd) < 0) || renameat(dirfd, tmp, dirfd, name) < 0) {
        int e = errno;
        unlinkat(dirfd, tmp, 0);
        return cove_err_sys(err, e, "write %s", name);
    }
    return 0;
}

int cove_write_file_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode, struct cove_err *err) {
    return write_file(dirfd, name, data, len, mode, true, err);
}

int cove_write_file_replace(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                            struct cove_err *err) {
    return write_file(dirfd, name, data, len, mode, false, err);
}

int cove_read_fd(int fd, const char *path, size_t max, char **data, size_t *len, struct cove_err *err) {
    size_t cap = 4096, n = 0;
    _cleanup_free_ char *buf = malloc(cap + 1);
    if (!buf)
        return cove_err_set(err, ENOMEM, "read %s: out of memory", path);
    for (;;) {
        if (n == cap) {
            if (cap >= max)
                return cove_err_set(err, EFBIG, "%s: larger than %zu bytes", path, max);
            cap = cap * 2 > max ? max : cap * 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb)
                return cove_err_set(err, ENOMEM, "read %s: out of memory", path);
            buf = nb;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return cove_err_sys(err, errno, "read %s", path);
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    *len = n;
    *data = TAKE_PTR(buf);
    return 0;
}

int cove_read_file(int dirfd, const char *path, size_t max, char **data, size_t *len, struct cove_err *err) {
    _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return cove_err_sys(err, errno, "open %s", path);
    return cove_read_fd(fd, path, max, data, len, err);
}

int cove_mkdir_p(const char *path, mode_t mode) {
    _cleanup_free_ char *p = strdup(path);
    if (!p)
        return -ENOMEM;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, mode) < 0 && errno != EEXIST)
            return -errno;
        *s = '/';
    }
    if (mkdir(p, mode) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}

int cove_rm_contents_at(int dirfd) {
    int dup_fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
    if (dup_fd < 0)
        return -errno;
    _cleanup_closedir_ DIR *d = fdopendir(dup_fd);
    if (!d) {
        int e = errno;
        close(dup_fd);
        return -e;
    }
    struct dirent *de;
    int r = 0;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        int q = cove_rm_tree_at(dirfd, de->d_name);
        if (q < 0)
            r = q;
    }
    return r;
}

int cove_rm_tree_at(int dirfd, const char *name) {
    if (unlinkat(dirfd, name, 0) == 0)
        return 0;
    if (errno == ENOENT)
        return 0;
    int why = errno;
    if (why != EISDIR && why != EPERM)   /* EPERM: POSIX's answer for a directory */
        return -why;
    _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    /* a directory of ours we may not read: overlayfs leaves its work/work
     * at mode 0, which only root could list; the owner may chmod it */
    if (fd < 0 && errno == EACCES && fchmodat(dirfd, name, 0700, AT_SYMLINK_NOFOLLOW) == 0)
        fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)  /* not a directory after all: the unlink's own error */
        return errno == ENOENT ? 0 : errno == ENOTDIR ? -why : -errno;
    int r = cove_rm_contents_at(fd);
    if (r < 0)
        return r;
    return unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT ? -errno : 0;
}
