/* namespaces/tmpcopyup.c — the "tmpcopyup" mount option (runtime-spec
 * config-linux, used by podman for --read-only's /tmp, /var/tmp, /run and
 * for tmpfs volumes): a tmpfs mounted over a directory of the image starts
 * with a copy of that directory's content, so the image's files stay
 * visible on a writable tmpfs.
 *
 * The copy runs in the container's mount namespace before pivot_root, from
 * the destination directory (inside the rootfs, already resolved safely by
 * namespaces/path.c) into the still-detached tmpfs. Everything is opened
 * relative to directory fds with O_NOFOLLOW: a symlink in the image is
 * copied as a symlink, never followed out of the rootfs. */
#include "namespaces/rootfs_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "lib/cleanup.h"

/* Image trees are shallow; the bound keeps a hostile image from exhausting
 * the stack or fds of the container's init. */
#define TMPCOPYUP_MAX_DEPTH 64

static int copy_dir(int src, int dst, int depth, struct cove_err *err);

static int copy_file(int src, int dst, const char *name, const struct stat *st, struct cove_err *err) {
    _cleanup_close_ int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (in < 0)
        return cove_err_sys(err, errno, "open %s", name);
    _cleanup_close_ int out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                     st->st_mode & 07777);
    if (out < 0)
        return cove_err_sys(err, errno, "create %s", name);
    for (off_t left = st->st_size; left > 0;) {
        ssize_t n = sendfile(out, in, NULL, left > (1 << 30) ? (1 << 30) : (size_t)left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return cove_err_sys(err, errno, "copy %s", name);
        if (n == 0)
            break; /* the file shrank while we copied: keep what was read */
        left -= n;
    }
    /* fchown clears set-id bits: restore the mode afterwards */
    if (fchown(out, st->st_uid, st->st_gid) < 0 || fchmod(out, st->st_mode & 07777) < 0)
        return cove_err_sys(err, errno, "chown/chmod %s", name);
    return 0;
}

static int copy_entry(int src, int dst, const char *name, int depth, struct cove_err *err) {
    struct stat st;
    if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return cove_err_sys(err, errno, "stat %s", name);
    switch (st.st_mode & S_IFMT) {
    case S_IFREG:
        return copy_file(src, dst, name, &st, err);
    case S_IFDIR: {
        if (mkdirat(dst, name, st.st_mode & 07777) < 0)
            return cove_err_sys(err, errno, "mkdir %s", name);
        _cleanup_close_ int s = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_close_ int d = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (s < 0 || d < 0)
            return cove_err_sys(err, errno, "open directory %s", name);
        int r = copy_dir(s, d, depth + 1, err);
        if (r < 0)
            return cove_err_prefix(err, "%s", name);
        if (fchown(d, st.st_uid, st.st_gid) < 0 || fchmod(d, st.st_mode & 07777) < 0)
            return cove_err_sys(err, errno, "chown/chmod %s", name);
        return 0;
    }
    case S_IFLNK: {
        char target[PATH_MAX];
        ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);
        if (n < 0)
            return cove_err_sys(err, errno, "readlink %s", name);
        target[n] = '\0';
        if (symlinkat(target, dst, name) < 0)
            return cove_err_sys(err, errno, "symlink %s", name);
        if (fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
            return cove_err_sys(err, errno, "chown %s", name);
        return 0;
    }
    default: /* fifo, socket, device node */
        if (mknodat(dst, name, st.st_mode, st.st_rdev) < 0)
            return cove_err_sys(err, errno, "mknod %s", name);
        if (fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
            return cove_err_sys(err, errno, "chown %s", name);
        return 0;
    }
}

static int copy_dir(int src, int dst, int depth, struct cove_err *err) {
    if (depth > TMPCOPYUP_MAX_DEPTH)
        return cove_err_set(err, ELOOP, "directory tree deeper than %d levels", TMPCOPYUP_MAX_DEPTH);
    /* fdopendir takes ownership: give it its own fd */
    int dupfd = fcntl(src, F_DUPFD_CLOEXEC, 0);
    if (dupfd < 0)
        return cove_err_sys(err, errno, "dup");
    DIR *d = fdopendir(dupfd);
    if (!d) {
        int e = errno;
        close(dupfd);
        return cove_err_sys(err, e, "opendir");
    }
    int r = 0;
    struct dirent *de;
    while (r == 0 && (errno = 0, de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        r = copy_entry(src, dst, de->d_name, depth, err);
    }
    if (r == 0 && errno != 0)
        r = cove_err_sys(err, errno, "readdir");
    closedir(d);
    return r;
}

int cove_tmpcopyup(int srcdir, int dstmnt, struct cove_err *err) {
    /* srcdir may be an O_PATH fd: reopen it for reading */
    _cleanup_close_ int s = openat(srcdir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    _cleanup_close_ int d = openat(dstmnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s < 0 || d < 0)
        return cove_err_sys(err, errno, "tmpcopyup: open");
    struct stat st;
    if (fstat(s, &st) < 0)
        return cove_err_sys(err, errno, "tmpcopyup: stat");
    int r = copy_dir(s, d, 0, err);
    /* the tmpfs root takes the directory's owner and mode, as runc does */
    if (r == 0 && (fchown(d, st.st_uid, st.st_gid) < 0 || fchmod(d, st.st_mode & 07777) < 0))
        r = cove_err_sys(err, errno, "chown/chmod");
    if (r < 0)
        return cove_err_prefix(err, "tmpcopyup");
    return 0;
}
