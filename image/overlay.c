/* image/overlay.c — overlay root filesystems: the mount itself and the
 * create/delete hook that puts one under a container's root.path.
 *
 * Why the new mount API: mount(2) takes all options in one page, so
 * "lowerdir=/var/lib/cove/layers/<64 hex>:..." stops at about 50 layers.
 * fsconfig(FSCONFIG_SET_STRING, "lowerdir+", dir) (Linux 6.8+) adds one
 * layer per call with no such bound. On older kernels we fall back to
 * mount(2) with the layers named relative to their common parent (chdir
 * there first), which roughly doubles the bound. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/internal.h"
#include "runtime/cleanup.h"
#include "runtime/state.h"
#include "runtime/syscalls.h"

#ifndef FSCONFIG_SET_STRING
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_CMD_CREATE 6
#endif
#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 1
#define FSMOUNT_CLOEXEC 1
#endif

static int overlay_new_api(const char *const *lowers, size_t n, const char *upper, const char *work,
                           const char *target, struct cove_err *err) {
    _cleanup_close_ int fs = cove_fsopen("overlay", FSOPEN_CLOEXEC);
    if (fs < 0)
        return -errno;
    for (size_t i = 0; i < n; i++)
        if (cove_fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", lowers[i], 0) < 0)
            return -errno; /* EINVAL: kernel before 6.8, caller falls back */
    if (upper && (cove_fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
                  cove_fsconfig(fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0))
        return cove_err_sys(err, errno, "overlay: upperdir %s / workdir %s", upper, work);
    if (cove_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return cove_err_sys(err, errno, "overlay: create (%zu layers)", n);
    _cleanup_close_ int mnt = cove_fsmount(fs, FSMOUNT_CLOEXEC, 0);
    if (mnt < 0)
        return cove_err_sys(err, errno, "overlay: fsmount");
    if (cove_move_mount(mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return cove_err_sys(err, errno, "overlay: move_mount to %s", target);
    return 0;
}

/* Longest common directory prefix of the lowers ("/" at worst). */
static size_t common_dir(const char *const *lowers, size_t n) {
    size_t len = strlen(lowers[0]);
    for (size_t i = 1; i < n; i++) {
        size_t j = 0;
        while (j < len && lowers[i][j] == lowers[0][j])
            j++;
        len = j;
    }
    while (len > 0 && lowers[0][len - 1] != '/')
        len--;
    return len;
}

static int overlay_old_api(const char *const *lowers, size_t n, const char *upper, const char *work,
                           const char *target, struct cove_err *err) {
    size_t base = common_dir(lowers, n);
    _cleanup_free_ char *dir = strndup(lowers[0], base ? base : 1);
    size_t cap = 64 + (upper ? strlen(upper) + strlen(work) : 0);
    for (size_t i = 0; i < n; i++)
        cap += strlen(lowers[i]) - base + 1;
    _cleanup_free_ char *opts = malloc(cap);
    if (!dir || !opts)
        return cove_err_set(err, ENOMEM, "out of memory");
    char *p = stpcpy(opts, "lowerdir=");
    for (size_t i = 0; i < n; i++) {
        if (i)
            *p++ = ':';
        p = stpcpy(p, lowers[i] + base);
    }
    if (upper)
        sprintf(p, ",upperdir=%s,workdir=%s", upper, work);
    if (strlen(opts) >= (size_t)sysconf(_SC_PAGESIZE) - 1)
        return cove_err_set(err, E2BIG, "overlay: %zu layers do not fit the mount option page on this kernel "
                                        "(needs Linux 6.8+ for lowerdir+)", n);
    /* relative lowerdirs resolve against the cwd of the mounting process */
    _cleanup_close_ int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (cwd < 0 || chdir(dir) < 0)
        return cove_err_sys(err, errno, "overlay: chdir %s", dir);
    int r = mount("overlay", target, "overlay", 0, opts);
    int e = errno;
    if (fchdir(cwd) < 0 && r == 0)
        e = errno, r = -1;
    if (r < 0)
        return cove_err_sys(err, e, "overlay: mount on %s", target);
    return 0;
}

int cove_overlay_mount(const char *const *lowers, size_t n, const char *upper, const char *work,
                       const char *target, struct cove_err *err) {
    if (n == 0 || (!upper && n < 2))
        return cove_err_set(err, EINVAL, "overlay on %s: needs an upper dir or at least two layers", target);
    int r = overlay_new_api(lowers, n, upper, work, target, err);
    if (r == -EINVAL || r == -ENOSYS || r == -EOPNOTSUPP)
        r = overlay_old_api(lowers, n, upper, work, target, err);
    else if (r < 0 && !err->msg[0])
        r = cove_err_sys(err, -r, "overlay: fsopen/fsconfig lowerdir+");
    return r;
}

/* ---------------------------------------------------------------- create hook */

static const char *ann_get(const struct cove_kv *ann, size_t n, const char *key) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(ann[i].key, key) == 0)
            return ann[i].value;
    return NULL;
}

/* "a:b:c" → vector; every entry must be an absolute existing directory. */
static int split_lowers(const char *s, char ***out, size_t *n, struct cove_err *err) {
    _cleanup_free_ char *copy = strdup(s);
    size_t cap = 1;
    for (const char *p = s; *p; p++)
        cap += *p == ':';
    _cleanup_strv_ char **v = calloc(cap + 1, sizeof(char *));
    if (!copy || !v)
        return cove_err_set(err, ENOMEM, "out of memory");
    size_t k = 0;
    char *save = NULL;
    for (char *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
        struct stat st;
        if (t[0] != '/' || stat(t, &st) < 0 || !S_ISDIR(st.st_mode))
            return cove_err_set(err, ENOENT, "annotations[\"" COVE_ANN_OVERLAY_LOWERS "\"]: %s is not a directory "
                                             "(image removed?)", t);
        if (!(v[k++] = strdup(t)))
            return cove_err_set(err, ENOMEM, "out of memory");
    }
    if (k == 0)
        return cove_err_set(err, EINVAL, "annotations[\"" COVE_ANN_OVERLAY_LOWERS "\"]: empty");
    *n = k;
    *out = TAKE_PTR(v);
    return 0;
}

int cove_overlay_setup(const char *rootfs, const char *state_dir, const struct cove_kv *ann, size_t n_ann,
                       bool force_overlay, char **mounted, struct cove_err *err) {
    *mounted = NULL;
    const char *lowers_ann = ann_get(ann, n_ann, COVE_ANN_OVERLAY_LOWERS);
    const char *flag = ann_get(ann, n_ann, COVE_ANN_OVERLAY);
    bool over_rootfs = force_overlay || (flag && strcmp(flag, "true") == 0);
    if (!lowers_ann && !over_rootfs)
        return 0;
    _cleanup_strv_ char **lowers = NULL;
    size_t n = 0;
    int r;
    if (lowers_ann) {
        if ((r = split_lowers(lowers_ann, &lowers, &n, err)) < 0)
            return r;
    } else {
        /* copy-on-write over an ordinary bundle: the rootfs is the lower */
        lowers = calloc(2, sizeof(char *));
        if (!lowers || !(lowers[0] = strdup(rootfs)))
            return cove_err_set(err, ENOMEM, "out of memory");
        n = 1;
    }
    _cleanup_free_ char *base = NULL, *upper = NULL, *work = NULL;
    if (asprintf(&base, "%s/overlay", state_dir) < 0 || asprintf(&upper, "%s/upper", base) < 0 ||
        asprintf(&work, "%s/work", base) < 0)
        return cove_err_set(err, ENOMEM, "out of memory");
    if ((mkdir(base, 0700) < 0 && errno != EEXIST) || (mkdir(upper, 0755) < 0 && errno != EEXIST) ||
        (mkdir(work, 0700) < 0 && errno != EEXIST))
        return cove_err_sys(err, errno, "mkdir %s", base);
    /* recorded before the mount: a crash right after it is still undone */
    _cleanup_close_ int bfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (bfd < 0 || (r = cove_write_file_atomic(bfd, "target", rootfs, strlen(rootfs), 0600, err)) < 0)
        return bfd < 0 ? cove_err_sys(err, errno, "open %s", base) : r;
    if ((r = cove_overlay_mount((const char *const *)lowers, n, upper, work, rootfs, err)) < 0)
        return cove_err_prefix(err, "root.path %s", rootfs);
    if (!(*mounted = strdup(rootfs))) {
        umount2(rootfs, MNT_DETACH);
        return cove_err_set(err, ENOMEM, "out of memory");
    }
    return 0;
}

int cove_overlay_teardown_recorded(int state_dirfd, struct cove_err *err) {
    _cleanup_free_ char *target = NULL;
    size_t len = 0;
    struct cove_err ignored = {0};
    if (cove_read_file(state_dirfd, "overlay/target", PATH_MAX, &target, &len, &ignored) < 0)
        return 0;
    /* only a path create itself wrote: absolute, one line */
    if (len == 0 || target[0] != '/' || memchr(target, '\0', len) || memchr(target, '\n', len))
        return 0;
    _cleanup_free_ char *t = strndup(target, len);
    if (!t)
        return cove_err_set(err, ENOMEM, "out of memory");
    return cove_overlay_teardown(t, err);
}

int cove_overlay_teardown(const char *target, struct cove_err *err) {
    if (!target || !*target)
        return 0;
    if (umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
        return cove_err_sys(err, errno, "unmount overlay %s", target);
    return 0;
}
