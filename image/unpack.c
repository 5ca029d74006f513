/* image/unpack.c — one layer tar → one layer directory, by fd.
 *
 * Two libarchive readers are chained so the blob is read exactly once: the
 * outer one ("raw" format + gzip/zstd/xz/bzip2 filters) turns the blob into
 * the uncompressed stream, hashing the compressed bytes (the descriptor
 * digest) on the way in; the inner one (tar) reads that stream, hashing it
 * (the diff-id) on the way. A digest checked after a separate pass over the
 * file would check bytes other than the ones unpacked.
 *
 * Every name is resolved below the layer directory with openat2
 * RESOLVE_BENEATH, so a "../x" component, an absolute symlink followed by a
 * write through it (CVE-2019-14271-style), or a hardlink to a host file
 * fails with EXDEV instead of touching the host. Names are also checked
 * lexically first for the clearer message. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>


#include "image/internal.h"
#include "image/libs.h"
#include "lib/cleanup.h"
#include "lib/fileio.h"
#include "lib/syscalls.h"

#define IO_BUF (1 << 17)
#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

struct dir_time {
    char *path;
    struct timespec ts[2];
};

struct unpack {
    int blob_fd;
    struct cove_unpack_limits lim;
    uint64_t out_bytes, next_free_check;
    struct cove_sha256 *blob_h, *diff_h;
    uint64_t blob_size;
    struct archive *outer, *inner;
    char *rbuf, *ibuf;
    int root;
    char *cached_parent;    /* "" for the root */
    int cached_fd;
    struct dir_time *dirs;
    size_t n_dirs, cap_dirs;
};

/* ---------------------------------------------------------------- streams */

static la_ssize_t outer_read(struct archive *a, void *data, const void **buf) {
    struct unpack *u = data;
    for (;;) {
        ssize_t n = read(u->blob_fd, u->rbuf, IO_BUF);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            archive_set_error(a, errno, "read layer blob");
            return -1;
        }
        cove_sha256_update(u->blob_h, u->rbuf, (size_t)n);
        u->blob_size += (uint64_t)n;
        *buf = u->rbuf;
        return n;
    }
}

/* The limits, checked as the uncompressed stream grows (struct
 * cove_unpack_limits): a message that names the limit and the option. */
static int check_growth(struct archive *a, struct unpack *u) {
    char msg[256]; /* archive_set_error's own formatter knows no %llu */
    if (u->out_bytes > u->lim.max_bytes) {
        snprintf(msg, sizeof(msg), "more than %llu bytes uncompressed (a decompression bomb?); "
                                   "raise with --max-layer-size", (unsigned long long)u->lim.max_bytes);
        archive_set_error(a, EFBIG, "%s", msg);
        return -1;
    }
    if (u->out_bytes < u->next_free_check)
        return 0;
    u->next_free_check = u->out_bytes + (16u << 20);
    struct statvfs sv;
    if (fstatvfs(u->root, &sv) < 0)
        return 0;
    uint64_t avail = (uint64_t)sv.f_bavail * sv.f_frsize, total = (uint64_t)sv.f_blocks * sv.f_frsize;
    uint64_t keep = total / 20 < u->lim.keep_free ? total / 20 : u->lim.keep_free;
    if (avail < keep) {
        snprintf(msg, sizeof(msg), "the image store's filesystem is down to %llu bytes free (keeps %llu); "
                                   "refusing to fill it", (unsigned long long)avail, (unsigned long long)keep);
        archive_set_error(a, ENOSPC, "%s", msg);
        return -1;
    }
    return 0;
}

static la_ssize_t inner_read(struct archive *a, void *data, const void **buf) {
    struct unpack *u = data;
    la_ssize_t n = archive_read_data(u->outer, u->ibuf, IO_BUF);
    if (n < 0) {
        archive_set_error(a, archive_errno(u->outer) ? archive_errno(u->outer) : EIO, "%s",
                          archive_error_string(u->outer) ? archive_error_string(u->outer) : "decompress");
        return -1;
    }
    u->out_bytes += (uint64_t)n;
    if (check_growth(a, u) < 0)
        return -1;
    cove_sha256_update(u->diff_h, u->ibuf, (size_t)n);
    *buf = u->ibuf;
    return n;
}

/* ---------------------------------------------------------------- names */

/* Lexical normalization: drop "." components, "//" and a leading "./";
 * refuse absolute names and ".." anywhere. out is "" for the root. */
static int clean_name(const char *in, char **out, struct cove_err *err) {
    if (in[0] == '/')
        return cove_err_set(err, EXDEV, "layer entry \"%s\": absolute name (escapes the layer)", in);
    _cleanup_free_ char *o = malloc(strlen(in) + 1);
    if (!o)
        return cove_err_set(err, ENOMEM, "out of memory");
    size_t len = 0;
    const char *p = in;
    while (*p) {
        const char *e = strchrnul(p, '/');
        size_t n = (size_t)(e - p);
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return cove_err_set(err, EXDEV, "layer entry \"%s\": \"..\" component (escapes the layer)", in);
        if (n > 0 && !(n == 1 && p[0] == '.')) {
            if (len)
                o[len++] = '/';
            memcpy(o + len, p, n);
            len += n;
        }
        p = *e ? e + 1 : e;
    }
    o[len] = '\0';
    *out = TAKE_PTR(o);
    return 0;
}

static int beneath(int root, const char *path, int flags) {
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC),
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
    };
    return cove_openat2(root, *path ? path : ".", &how, sizeof(how));
}

static void drop_cache(struct unpack *u) {
    if (u->cached_fd >= 0)
        close(u->cached_fd);
    u->cached_fd = -1;
    free(u->cached_parent);
    u->cached_parent = NULL;
}

/* fd (O_PATH) of the directory parent, creating missing components 0755. */
static int open_parent(struct unpack *u, const char *parent, struct cove_err *err) {
    if (u->cached_parent && strcmp(u->cached_parent, parent) == 0)
        return u->cached_fd;
    drop_cache(u);
    int fd = beneath(u->root, parent, O_PATH | O_DIRECTORY);
    if (fd < 0 && errno == ENOENT) {
        _cleanup_free_ char *buf = strdup(parent);
        if (!buf)
            return cove_err_set(err, ENOMEM, "out of memory");
        for (char *s = buf;; s++) {
            if (*s != '/' && *s != '\0')
                continue;
            char saved = *s;
            *s = '\0';
            char *slash = strrchr(buf, '/');
            _cleanup_close_ int pfd = -1;
            if (slash) {
                *slash = '\0';
                pfd = beneath(u->root, buf, O_PATH | O_DIRECTORY);
                *slash = '/';
            } else {
                pfd = beneath(u->root, "", O_PATH | O_DIRECTORY);
            }
            if (pfd < 0)
                return cove_err_sys(err, errno, "layer entry \"%s\": resolve parent", parent);
            const char *comp = slash ? slash + 1 : buf;
            if (mkdirat(pfd, comp, 0755) < 0 && errno != EEXIST)
                return cove_err_sys(err, errno, "layer entry \"%s\": mkdir", buf);
            *s = saved;
            if (!saved)
                break;
        }
        fd = beneath(u->root, parent, O_PATH | O_DIRECTORY);
    }
    if (fd < 0 && errno == EXDEV)
        return cove_err_set(err, EXDEV, "layer entry under \"%s/\": the path leaves the layer directory (through a "
                                        "symlink); refused", parent);
    if (fd < 0)
        return cove_err_sys(err, errno, "layer entry under \"%s/\": resolve below the layer directory", parent);
    u->cached_parent = strdup(parent);
    if (!u->cached_parent) {
        close(fd);
        return cove_err_set(err, ENOMEM, "out of memory");
    }
    u->cached_fd = fd;
    return fd;
}

/* Make room for a new entry: an existing entry of the same name in this
 * layer is replaced, except a directory by a directory (merged). */
static int make_room(int pfd, const char *base, bool new_is_dir, const char *name,
                     struct cove_err *err) {
    struct stat st;
    if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : cove_err_sys(err, errno, "layer entry \"%s\": stat", name);
    if (S_ISDIR(st.st_mode)) {
        if (new_is_dir)
            return 1;
        /* the one cached dir is this entry's parent, never the removed child */
        int q = cove_rm_tree_at(pfd, base);
        if (q < 0)
            return cove_err_sys(err, -q, "layer entry \"%s\": replace directory", name);
        return 0;
    }
    if (unlinkat(pfd, base, 0) < 0)
        return cove_err_sys(err, errno, "layer entry \"%s\": replace", name);
    return 0;
}

/* ---------------------------------------------------------------- metadata */

/* An ordinary user's store (rootless, docs/rootless.md): every file stays
 * the user's — root of the user namespace the container gets — as a
 * rootless podman with ignore_chown_errors; device nodes other than
 * whiteouts cannot be made and are left out (/dev is a tmpfs in every
 * container); opaque dirs are marked user.overlay.opaque, which overlayfs
 * reads with userxattr when the init mounts it in its user namespace. */
static bool unpack_rootless(void) {
    return geteuid() != 0;
}

static int entry_chown(int pfd, const char *base, struct archive_entry *e) {
    if (unpack_rootless())
        return 0;
    return fchownat(pfd, base, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e),
                    *base ? AT_SYMLINK_NOFOLLOW : AT_EMPTY_PATH);
}

static int set_xattrs(struct archive_entry *e, int fd, const char *proc_path, const char *name, struct cove_err *err) {
    const char *key;
    const void *val;
    size_t size;
    archive_entry_xattr_reset(e);
    while (archive_entry_xattr_next(e, &key, &val, &size) == ARCHIVE_OK) {
        /* overlayfs reads these from lower layers (opaque, redirect,
         * metacopy...): only this file may write them, from whiteouts */
        if (strncmp(key, "trusted.overlay.", 16) == 0)
            continue;
        int r = fd >= 0 ? fsetxattr(fd, key, val, size, 0) : setxattr(proc_path, key, val, size, 0);
        /* an ordinary user may not set trusted.* or security.* ones */
        if (r < 0 && errno != ENOTSUP && !(errno == EPERM && unpack_rootless()))
            return cove_err_sys(err, errno, "layer entry \"%s\": set xattr %s", name, key);
    }
    return 0;
}

static void entry_times(struct archive_entry *e, struct timespec ts[2]) {
    ts[0].tv_sec = archive_entry_atime_is_set(e) ? archive_entry_atime(e) : archive_entry_mtime(e);
    ts[0].tv_nsec = archive_entry_atime_is_set(e) ? archive_entry_atime_nsec(e) : archive_entry_mtime_nsec(e);
    ts[1].tv_sec = archive_entry_mtime(e);
    ts[1].tv_nsec = archive_entry_mtime_nsec(e);
}

/* Owner, then mode (chown clears set-id bits), then xattrs, then times. */
static int set_meta_at(struct archive_entry *e, int pfd, const char *base, const char *name, bool is_link,
                       struct cove_err *err) {
    if (entry_chown(pfd, base, e) < 0)
        return cove_err_sys(err, errno, "layer entry \"%s\": chown", name);
    if (!is_link) {
        _cleanup_close_ int fd = openat(pfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return cove_err_sys(err, errno, "layer entry \"%s\": open", name);
        char proc[64];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        if (fchmodat(pfd, base, archive_entry_perm(e) & 07777, 0) < 0)
            return cove_err_sys(err, errno, "layer entry \"%s\": chmod", name);
        int r = set_xattrs(e, -1, proc, name, err);
        if (r < 0)
            return r;
    }
    struct timespec ts[2];
    entry_times(e, ts);
    if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
        return cove_err_sys(err, errno, "layer entry \"%s\": set times", name);
    return 0;
}

/* ---------------------------------------------------------------- entries */

static int write_regular(struct unpack *u, struct archive_entry *e, int pfd, const char *base, const char *name,
                         struct cove_err *err) {
    _cleanup_close_ int fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return cove_err_sys(err, errno, "layer entry \"%s\": create", name);
    const void *buf;
    size_t size;
    la_int64_t off;
    int ar;
    while ((ar = archive_read_data_block(u->inner, &buf, &size, &off)) == ARCHIVE_OK) {
        const char *p = buf;
        while (size > 0) {
            ssize_t n = pwrite(fd, p, size, off);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                return cove_err_sys(err, errno, "layer entry \"%s\": write", name);
            }
            p += n;
            size -= (size_t)n;
            off += n;
        }
    }
    if (ar != ARCHIVE_EOF)
        return cove_err_set(err, archive_errno(u->inner) > 0 ? archive_errno(u->inner) : EIO,
                            "layer entry \"%s\": %s", name, archive_error_string(u->inner));
    /* sparse files end in a hole the data blocks do not cover */
    if (archive_entry_size_is_set(e) && ftruncate(fd, archive_entry_size(e)) < 0)
        return cove_err_sys(err, errno, "layer entry \"%s\": truncate", name);
    if (entry_chown(fd, "", e) < 0 || fchmod(fd, archive_entry_perm(e) & 07777) < 0)
        return cove_err_sys(err, errno, "layer entry \"%s\": owner/mode", name);
    int r = set_xattrs(e, fd, NULL, name, err);
    if (r < 0)
        return r;
    struct timespec ts[2];
    entry_times(e, ts);
    if (futimens(fd, ts) < 0)
        return cove_err_sys(err, errno, "layer entry \"%s\": set times", name);
    return 0;
}

static int write_hardlink(struct unpack *u, const char *target, int pfd, const char *base, const char *name,
                          struct cove_err *err) {
    _cleanup_free_ char *t = NULL;
    int r = clean_name(target, &t, err);
    if (r < 0)
        return cove_err_prefix(err, "layer entry \"%s\": hardlink", name);
    char *slash = strrchr(t, '/');
    const char *tbase = slash ? slash + 1 : t;
    if (slash)
        *slash = '\0';
    _cleanup_close_ int tfd = beneath(u->root, slash ? t : "", O_PATH | O_DIRECTORY);
    if (tfd < 0)
        return cove_err_sys(err, errno, "layer entry \"%s\": hardlink target \"%s\"", name, target);
    if (!*tbase || linkat(tfd, tbase, pfd, base, 0) < 0)
        return cove_err_sys(err, errno, "layer entry \"%s\": hardlink to \"%s\"", name, target);
    return 0;
}

static int remember_dir(struct unpack *u, const char *name, struct archive_entry *e) {
    if (u->n_dirs == u->cap_dirs) {
        size_t cap = u->cap_dirs ? 2 * u->cap_dirs : 256;
        struct dir_time *d = realloc(u->dirs, cap * sizeof(*d));
        if (!d)
            return -ENOMEM;
        u->dirs = d;
        u->cap_dirs = cap;
    }
    struct dir_time *d = &u->dirs[u->n_dirs];
    if (!(d->path = strdup(name)))
        return -ENOMEM;
    entry_times(e, d->ts);
    u->n_dirs++;
    return 0;
}

static int whiteout(struct unpack *u, int pfd, const char *parent, const char *base, const char *name,
                    struct cove_err *err) {
    if (strcmp(base, WH_OPAQUE) == 0) {
        char proc[64];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
        const char *key = unpack_rootless() ? "user.overlay.opaque" : "trusted.overlay.opaque";
        if (setxattr(proc, key, "y", 1, 0) < 0)
            return cove_err_sys(err, errno, "layer entry \"%s\": set %s on \"%s/\"%s", name, key, parent,
                                errno == ENOTSUP && unpack_rootless()
                                    ? " (an ordinary user's image store needs a filesystem with user.* xattrs: "
                                      "ext4, xfs, btrfs, tmpfs since Linux 6.6)"
                                    : "");
        return 0;
    }
    const char *victim = base + strlen(WH_PREFIX);
    if (!*victim || strcmp(victim, ".") == 0 || strcmp(victim, "..") == 0)
        return cove_err_set(err, EINVAL, "layer entry \"%s\": invalid whiteout", name);
    int r = make_room(pfd, victim, false, name, err);
    if (r < 0)
        return r;
    if (mknodat(pfd, victim, S_IFCHR | 0, makedev(0, 0)) < 0)
        return cove_err_sys(err, errno, "layer entry \"%s\": whiteout device", name);
    return 0;
}

static int unpack_entry(struct unpack *u, struct archive_entry *e, struct cove_err *err) {
    const char *raw = archive_entry_pathname(e);
    if (!raw)
        return cove_err_set(err, EINVAL, "layer entry without a name");
    _cleanup_free_ char *name = NULL;
    int r = clean_name(raw, &name, err);
    if (r < 0)
        return r;
    if (!*name)
        return 0; /* "./": the layer root itself */
    char *slash = strrchr(name, '/');
    _cleanup_free_ char *parent = slash ? strndup(name, (size_t)(slash - name)) : strdup("");
    const char *base = slash ? slash + 1 : name;
    if (!parent)
        return cove_err_set(err, ENOMEM, "out of memory");
    int pfd = open_parent(u, parent, err);
    if (pfd < 0)
        return pfd;
    if (strncmp(base, WH_PREFIX, strlen(WH_PREFIX)) == 0)
        return whiteout(u, pfd, parent, base, name, err);

    const char *hardlink = archive_entry_hardlink(e);
    mode_t type = archive_entry_filetype(e);
    bool is_dir = !hardlink && type == AE_IFDIR;
    r = make_room(pfd, base, is_dir, name, err);
    if (r < 0)
        return r;
    if (hardlink)
        return write_hardlink(u, hardlink, pfd, base, name, err);
    switch (type) {
    case AE_IFREG:
        return write_regular(u, e, pfd, base, name, err);
    case AE_IFDIR:
        if (r == 0 && mkdirat(pfd, base, 0700) < 0)
            return cove_err_sys(err, errno, "layer entry \"%s\": mkdir", name);
        if ((r = set_meta_at(e, pfd, base, name, false, err)) < 0)
            return r;
        return remember_dir(u, name, e) < 0 ? cove_err_set(err, ENOMEM, "out of memory") : 0;
    case AE_IFLNK: {
        const char *target = archive_entry_symlink(e);
        /* the target is only text here: it is resolved later, inside the
         * container's root, and writes below never follow it (BENEATH) */
        if (!target || symlinkat(target, pfd, base) < 0)
            return cove_err_sys(err, target ? errno : EINVAL, "layer entry \"%s\": symlink", name);
        return set_meta_at(e, pfd, base, name, true, err);
    }
    case AE_IFCHR:
    case AE_IFBLK:
        if (unpack_rootless())
            return 0;
        /* fall through */
    case AE_IFIFO:
        if (mknodat(pfd, base, type | (archive_entry_perm(e) & 07777), archive_entry_rdev(e)) < 0)
            return cove_err_sys(err, errno, "layer entry \"%s\": mknod", name);
        return set_meta_at(e, pfd, base, name, false, err);
    default:
        return 0; /* sockets and unknown types carry no content */
    }
}

/* Directory times last: creating entries inside changed them. Deepest
 * first is not needed — setting a dir's times does not touch its parent. */
static int restore_dir_times(struct unpack *u, struct cove_err *err) {
    for (size_t i = 0; i < u->n_dirs; i++) {
        _cleanup_close_ int fd = beneath(u->root, u->dirs[i].path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        if (fd < 0)
            continue; /* replaced by a later entry */
        if (futimens(fd, u->dirs[i].ts) < 0)
            return cove_err_sys(err, errno, "layer entry \"%s\": set times", u->dirs[i].path);
    }
    return 0;
}

static void unpack_free(struct unpack *u) {
    if (u->inner)
        archive_read_free(u->inner);
    if (u->outer)
        archive_read_free(u->outer);
    cove_sha256_freep(&u->blob_h);
    cove_sha256_freep(&u->diff_h);
    free(u->rbuf);
    free(u->ibuf);
    drop_cache(u);
    for (size_t i = 0; i < u->n_dirs; i++)
        free(u->dirs[i].path);
    free(u->dirs);
}

static int archive_fail(struct archive *a, const char *what, struct cove_err *err) {
    int e = archive_errno(a);
    const char *s = archive_error_string(a);
    return cove_err_set(err, e > 0 ? e : EINVAL, "%s: %s", what, s ? s : "archive error");
}

static int open_streams(struct unpack *u, struct cove_err *err) {
    u->rbuf = malloc(IO_BUF);
    u->ibuf = malloc(IO_BUF);
    u->blob_h = cove_sha256_new();
    u->diff_h = cove_sha256_new();
    u->outer = archive_read_new();
    u->inner = archive_read_new();
    if (!u->rbuf || !u->ibuf || !u->blob_h || !u->diff_h || !u->outer || !u->inner)
        return cove_err_set(err, ENOMEM, "out of memory");
    archive_read_support_filter_gzip(u->outer);
    archive_read_support_filter_zstd(u->outer);
    archive_read_support_filter_xz(u->outer);
    archive_read_support_filter_bzip2(u->outer);
    archive_read_support_format_raw(u->outer);
    if (archive_read_open(u->outer, u, NULL, outer_read, NULL) != ARCHIVE_OK)
        return archive_fail(u->outer, "layer blob", err);
    struct archive_entry *raw;
    int ar = archive_read_next_header(u->outer, &raw);
    if (ar == ARCHIVE_EOF)
        return cove_err_set(err, EINVAL, "layer blob: empty");
    if (ar != ARCHIVE_OK)
        return archive_fail(u->outer, "layer blob", err);
    archive_read_support_format_tar(u->inner);
    if (archive_read_open(u->inner, u, NULL, inner_read, NULL) != ARCHIVE_OK)
        return archive_fail(u->inner, "layer tar", err);
    return 0;
}

/* Hash what neither reader consumed (tar padding after the end blocks,
 * compressed trailers) so the digests cover the whole blob. */
static int drain(struct unpack *u, struct cove_err *err) {
    la_ssize_t n;
    while ((n = archive_read_data(u->outer, u->ibuf, IO_BUF)) > 0)
        cove_sha256_update(u->diff_h, u->ibuf, (size_t)n);
    if (n < 0)
        return archive_fail(u->outer, "layer blob", err);
    ssize_t m;
    while ((m = read(u->blob_fd, u->rbuf, IO_BUF)) > 0) {
        cove_sha256_update(u->blob_h, u->rbuf, (size_t)m);
        u->blob_size += (uint64_t)m;
    }
    if (m < 0)
        return cove_err_sys(err, errno, "read layer blob");
    return 0;
}

int cove_layer_unpack(int blob_fd, int layer_dirfd, const struct cove_unpack_limits *lim,
                      struct cove_unpack_result *res, struct cove_err *err) {
    struct unpack u = {.blob_fd = blob_fd, .root = layer_dirfd, .cached_fd = -1};
    u.lim.max_bytes = lim && lim->max_bytes ? lim->max_bytes : COVE_UNPACK_MAX_BYTES;
    u.lim.max_entries = lim && lim->max_entries ? lim->max_entries : COVE_UNPACK_MAX_ENTRIES;
    u.lim.keep_free = lim && lim->keep_free ? lim->keep_free : COVE_UNPACK_KEEP_FREE;
    memset(res, 0, sizeof(*res));
    int r = cove_libarchive_load(err);
    if (r < 0 || (r = cove_libcrypto_load(err)) < 0)
        return r;
    r = open_streams(&u, err);
    struct archive_entry *e;
    while (r == 0) {
        int ar = archive_read_next_header(u.inner, &e);
        if (ar == ARCHIVE_EOF)
            break;
        if (ar == ARCHIVE_WARN) {
            /* e.g. unknown pax keys: the entry itself is usable */
        } else if (ar != ARCHIVE_OK) {
            r = archive_fail(u.inner, "layer tar", err);
            break;
        }
        if (res->entries >= u.lim.max_entries) {
            r = cove_err_set(err, EFBIG, "layer tar: more than %llu entries; raise with --max-layer-entries",
                             (unsigned long long)u.lim.max_entries);
            break;
        }
        r = unpack_entry(&u, e, err);
        res->entries++;
    }
    if (r == 0)
        r = restore_dir_times(&u, err);
    if (r == 0)
        r = drain(&u, err);
    if (r == 0) {
        cove_sha256_final(TAKE_PTR(u.blob_h), res->blob_digest);
        cove_sha256_final(TAKE_PTR(u.diff_h), res->diff_id);
        res->blob_size = u.blob_size;
    }
    unpack_free(&u);
    return r;
}
