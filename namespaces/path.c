/* namespaces/path.c — resolve and create paths inside a rootfs, by fd.
 *
 * A rootfs is untrusted: any component may be a symlink written by the image
 * author ("/etc" -> "/", "x" -> "../../../host"). Every lookup therefore goes
 * through openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) from an fd of the
 * rootfs, which makes the kernel treat that fd as "/" for absolute symlinks
 * and "..", so a walk can never leave it (CVE-2021-30465 class). No code here
 * concatenates the rootfs path with a path inside it. */
#include "namespaces/path.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/syscalls.h"

/* openat2 returns EAGAIN with RESOLVE_IN_ROOT when a rename elsewhere in the
 * filesystem raced with the walk; the walk is safe to repeat. */
#define PATH_EAGAIN_RETRIES 32

static int path_openat2(int rootfd, const char *path, int flags) {
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC),
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    if (!path || !*path)
        path = ".";
    for (int i = 0; i < PATH_EAGAIN_RETRIES; i++) {
        int fd = cove_openat2(rootfd, path, &how, sizeof(how));
        if (fd >= 0)
            return fd;
        if (errno != EAGAIN)
            return -errno;
    }
    return -EAGAIN;
}

int cove_path_open_in_root(int rootfd, const char *path, int flags, struct cove_err *err) {
    if (flags & O_CREAT)  /* creation goes through mkdir_p, which checks each step */
        return cove_err_set(err, EINVAL, "%s: open in rootfs: O_CREAT not supported", path);
    int fd = path_openat2(rootfd, path, flags);
    if (fd < 0)
        return cove_err_sys(err, -fd, "%s: open in rootfs", path);
    return fd;
}

/* Create the last component `name` in the directory parentfd. An existing
 * entry is fine (another mount or a race created it); the caller re-resolves
 * it inside the root afterwards. */
static int path_create_last(int parentfd, const char *name, bool is_dir) {
    if (is_dir) {
        if (mkdirat(parentfd, name, 0755) < 0 && errno != EEXIST)
            return -errno;
        return 0;
    }
    /* O_NOFOLLOW|O_EXCL: never create through a (dangling) symlink, whose
     * target the kernel would resolve outside the root. */
    int fd = openat(parentfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return errno == EEXIST ? 0 : -errno;
    close(fd);
    return 0;
}

/* A component that is still missing after we created it is a dangling
 * symlink. Creating its target is what the user asked for (runc does the
 * same: a mount destination "/escape/data" with escape -> "/../../x" becomes
 * "/x/data" inside the root). Build the redirected path: the link target
 * (relative targets are relative to the link's directory) followed by the
 * rest of the original path. */
static int path_redirect(int parentfd, const char *name, const char *prefix, const char *rest, char **out) {
    char target[PATH_MAX];
    ssize_t n = readlinkat(parentfd, name, target, sizeof(target) - 1);
    if (n < 0)
        return errno == EINVAL ? -EEXIST : -errno;   /* not a symlink: something raced us */
    target[n] = '\0';
    /* prefix ends with "/name"; its directory part */
    size_t dirlen = strlen(prefix) - strlen(name);
    int r = target[0] == '/'
        ? asprintf(out, "%s/%s", target, rest ? rest : "")
        : asprintf(out, "%.*s/%s/%s", (int)dirlen, prefix, target, rest ? rest : "");
    return r < 0 ? -ENOMEM : 0;
}

/* One walk of the prefixes "/a", "/a/b", ... of clean. Each prefix is
 * resolved from rootfd (a symlink component is followed, but only inside
 * the root) and a missing component is created relative to the fd of the
 * resolved parent — never by a path string. Returns 0 with an O_PATH fd in
 * *out, or 0 with *redirect set (and *out = -1) when a dangling symlink sent
 * the walk elsewhere, or -errno. */
static int path_walk_create(int rootfd, char *clean, bool is_dir, char **redirect, int *out,
                            struct cove_err *err, const char *path) {
    *out = -1;
    _cleanup_close_ int parentfd = path_openat2(rootfd, "/", O_PATH | O_DIRECTORY);
    if (parentfd < 0)
        return cove_err_sys(err, -parentfd, "%s: open rootfs", path);
    char *p = clean;
    while (*p == '/')
        p++;
    while (*p) {
        char *slash = strchr(p, '/');
        bool last = slash == NULL;
        if (slash)
            *slash = '\0';
        int oflags = last ? O_PATH : O_PATH | O_DIRECTORY;
        _cleanup_close_ int next = path_openat2(rootfd, clean, oflags);
        if (next == -ENOENT) {
            int r = path_create_last(parentfd, p, last ? is_dir : true);
            if (r < 0)
                return cove_err_sys(err, -r, "%s: create %s in rootfs", path, clean);
            next = path_openat2(rootfd, clean, oflags);
            if (next == -ENOENT) {
                r = path_redirect(parentfd, p, clean, last ? NULL : slash + 1, redirect);
                if (r < 0)
                    return cove_err_sys(err, -r, "%s: follow %s in rootfs", path, clean);
                return 0;
            }
        }
        if (next < 0)
            return cove_err_sys(err, -next, "%s: open %s in rootfs", path, clean);
        if (last) {
            *out = TAKE_FD(next);
            return 0;
        }
        closep(&parentfd);
        parentfd = TAKE_FD(next);
        *slash = '/';
        p = slash + 1;
    }
    /* only slashes: the root itself */
    *out = TAKE_FD(parentfd);
    return 0;
}

/* as many symlinks as the kernel follows in one lookup (MAXSYMLINKS) */
#define PATH_MAX_REDIRECTS 40

int cove_path_mkdir_p_in_root(int rootfd, const char *path, bool is_dir, struct cove_err *err) {
    _cleanup_free_ char *clean = cove_path_clean(path ? path : "/");
    if (!clean)
        return cove_err_set(err, ENOMEM, "%s: out of memory", path);
    /* Fast path: it already exists (resolved inside the root). */
    int fd = path_openat2(rootfd, clean, O_PATH);
    if (fd >= 0)
        return fd;
    if (fd != -ENOENT)
        return cove_err_sys(err, -fd, "%s: open in rootfs", path);
    for (int hops = 0; hops <= PATH_MAX_REDIRECTS; hops++) {
        _cleanup_free_ char *redirect = NULL;
        int r = path_walk_create(rootfd, clean, is_dir, &redirect, &fd, err, path);
        if (r < 0)
            return r;
        if (!redirect)
            return fd;
        free(clean);
        /* lexical ".." after a redirect cannot leave the root either: every
         * lookup is still RESOLVE_IN_ROOT */
        clean = cove_path_clean(redirect);
        if (!clean)
            return cove_err_set(err, ENOMEM, "%s: out of memory", path);
    }
    return cove_err_set(err, ELOOP, "%s: too many levels of symbolic links in rootfs", path);
}

char *cove_path_clean(const char *path) {
    if (!path)
        return NULL;
    size_t n = strlen(path);
    bool rooted = n > 0 && path[0] == '/';
    char *out = malloc(n + 2);
    if (!out)
        return NULL;
    size_t w = 0;          /* write index */
    size_t dotdot = 0;     /* index in out below which ".." cannot backtrack */
    if (rooted) {
        out[w++] = '/';
        dotdot = 1;
    }
    size_t r = rooted ? 1 : 0;
    while (r < n) {
        if (path[r] == '/') {
            r++;
        } else if (path[r] == '.' && (r + 1 == n || path[r + 1] == '/')) {
            r++;
        } else if (path[r] == '.' && path[r + 1] == '.' && (r + 2 == n || path[r + 2] == '/')) {
            r += 2;
            if (w > dotdot) {
                /* drop the last element */
                w--;
                while (w > dotdot && out[w] != '/')
                    w--;
            } else if (!rooted) {
                /* a relative path keeps leading ".." (nothing to cancel) */
                if (w > 0)
                    out[w++] = '/';
                out[w++] = '.';
                out[w++] = '.';
                dotdot = w;
            }
            /* rooted: ".." at "/" stays at "/" */
        } else {
            if ((rooted && w != 1) || (!rooted && w != 0))
                out[w++] = '/';
            while (r < n && path[r] != '/')
                out[w++] = path[r++];
        }
    }
    if (w == 0)
        out[w++] = '.';
    out[w] = '\0';
    return out;
}
