/* image/overlay.c — overlay root filesystems: the mount itself and the
 * create step that gives a container one as its root.
 *
 * Where the merged tree lives: nowhere on the host. The overlay is made as
 * a detached mount (fsmount, never attached in the host's mount
 * namespace) and handed to the container's init, which attaches it at
 * root.path inside its own mount namespace (namespaces/rootfs.c). Mounted
 * on the host, at <bundle>/rootfs (0755), every host user could run the
 * image's setuid-root files or open its device nodes (docs/security.md);
 * detached, only the container sees it, setuid works there, and a crash
 * leaves no mount behind: the mount dies with the last fd and namespace.
 *
 * Why the new mount API: mount(2) takes all options in one page, so
 * "lowerdir=/var/lib/cove/layers/<64 hex>:..." stops at about 50 layers.
 * fsconfig(FSCONFIG_SET_STRING, "lowerdir+", dir) (Linux 6.8+) adds one
 * layer per call with no such bound. On older kernels we fall back to
 * mount(2) with the layers named relative to their common parent (chdir
 * there first), which roughly doubles the bound. */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/internal.h"
#include "lib/cleanup.h"
#include "lib/fileio.h"
#include "lib/syscalls.h"

#ifndef FSCONFIG_SET_STRING
#define FSCONFIG_SET_FLAG 0
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_CMD_CREATE 6
#endif
#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 1
#define FSMOUNT_CLOEXEC 1
#endif

/* the overlay as a detached mount fd; -EINVAL etc. for the caller's fallback */
static int overlay_new_api(const char *const *lowers, size_t n, const char *upper, const char *work, bool userxattr,
                           int *out, struct cove_err *err) {
    _cleanup_close_ int fs = cove_fsopen("overlay", FSOPEN_CLOEXEC);
    if (fs < 0)
        return -errno;
    if (userxattr && cove_fsconfig(fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0)
        return cove_err_sys(err, errno, "overlay: userxattr (Linux 5.11+)");
    for (size_t i = 0; i < n; i++)
        if (cove_fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", lowers[i], 0) < 0)
            return -errno; /* EINVAL: kernel before 6.8, caller falls back */
    if (upper && (cove_fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
                  cove_fsconfig(fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0))
        return cove_err_sys(err, errno, "overlay: upperdir %s / workdir %s", upper, work);
    if (cove_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return cove_err_sys(err, errno, "overlay: create (%zu layers)", n);
    int mnt = cove_fsmount(fs, FSMOUNT_CLOEXEC, 0);
    if (mnt < 0)
        return cove_err_sys(err, errno, "overlay: fsmount");
    *out = mnt;
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

/* Before Linux 6.8: mount(2) on scratch (a directory only root can reach),
 * then a detached copy of that mount, and the original goes at once. */
static int overlay_old_api(const char *const *lowers, size_t n, const char *upper, const char *work,
                           bool userxattr, const char *scratch, int *out, struct cove_err *err) {
    size_t base = common_dir(lowers, n);
    _cleanup_free_ char *dir = strndup(lowers[0], base ? base : 1);
    size_t cap = 80 + (upper ? strlen(upper) + strlen(work) : 0);
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
        p += sprintf(p, ",upperdir=%s,workdir=%s", upper, work);
    if (userxattr)
        strcpy(p, ",userxattr");
    if (strlen(opts) >= (size_t)sysconf(_SC_PAGESIZE) - 1)
        return cove_err_set(err, E2BIG, "overlay: %zu layers do not fit the mount option page on this kernel "
                                        "(needs Linux 6.8+ for lowerdir+)", n);
    if (mkdir(scratch, 0700) < 0 && errno != EEXIST)
        return cove_err_sys(err, errno, "overlay: mkdir %s", scratch);
    /* relative lowerdirs resolve against the cwd of the mounting process */
    _cleanup_close_ int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (cwd < 0 || chdir(dir) < 0)
        return cove_err_sys(err, errno, "overlay: chdir %s", dir);
    int r = mount("overlay", scratch, "overlay", MS_NOSUID | MS_NODEV, opts);
    int e = errno;
    if (fchdir(cwd) < 0 && r == 0)
        e = errno, r = -1;
    if (r < 0) {
        umount2(scratch, MNT_DETACH);
        return cove_err_sys(err, e, "overlay: mount on %s", scratch);
    }
    int mnt = cove_open_tree(AT_FDCWD, scratch, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    e = errno;
    umount2(scratch, MNT_DETACH);
    if (mnt < 0)
        return cove_err_sys(err, e, "overlay: open_tree %s", scratch);
    /* the copy keeps setuid working inside the container */
    struct mount_attr a = {.attr_clr = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};
    if (cove_mount_setattr(mnt, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0) {
        e = errno;
        close(mnt);
        return cove_err_sys(err, e, "overlay: mount_setattr");
    }
    *out = mnt;
    return 0;
}

int cove_overlay_mount_fd(const char *const *lowers, size_t n, const char *upper, const char *work, bool userxattr,
                          const char *scratch, int *out, struct cove_err *err) {
    *out = -1;
    if (n == 0 || (!upper && n < 2))
        return cove_err_set(err, EINVAL, "overlay: needs an upper dir or at least two layers");
    int r = overlay_new_api(lowers, n, upper, work, userxattr, out, err);
    if (r == -EINVAL || r == -ENOSYS || r == -EOPNOTSUPP)
        r = overlay_old_api(lowers, n, upper, work, userxattr, scratch, out, err);
    else if (r < 0 && !err->msg[0])
        r = cove_err_sys(err, -r, "overlay: fsopen/fsconfig lowerdir+");
    return r;
}

/* ---------------------------------------------------------------- create step */

static const char *ann_get(const struct cove_kv *ann, size_t n, const char *key) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(ann[i].key, key) == 0)
            return ann[i].value;
    return NULL;
}

/* The lowers file is believed only when nobody but us can have written it:
 * it and the bundle directory are ours and writable by no one else. A
 * caller that passes annotations through (podman --annotation), or an
 * image label, must not be able to name a host directory as the root. */
static int lowers_file_check(int fd, const char *what, struct cove_err *err) {
    struct stat st;
    if (fstat(fd, &st) < 0)
        return cove_err_sys(err, errno, "%s", what);
    if (st.st_uid != geteuid() || (st.st_mode & 022))
        return cove_err_set(err, EPERM, "%s: must be owned by uid %u and writable by nobody else (is uid %u, "
                                        "mode %04o)", what, (unsigned)geteuid(), (unsigned)st.st_uid,
                            (unsigned)(st.st_mode & 07777));
    return 0;
}

/* "dir\n..." → vector; every entry an absolute existing directory. */
static int lowers_parse(const char *s, size_t len, const char *what, char ***out, size_t *n, struct cove_err *err) {
    size_t cap = 1;
    for (size_t i = 0; i < len; i++)
        cap += s[i] == '\n';
    _cleanup_strv_ char **v = calloc(cap + 1, sizeof(char *));
    if (!v)
        return cove_err_set(err, ENOMEM, "out of memory");
    size_t k = 0;
    for (const char *p = s, *end = s + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (l) {
            _cleanup_free_ char *t = strndup(p, l);
            struct stat st;
            if (!t)
                return cove_err_set(err, ENOMEM, "out of memory");
            if (t[0] != '/' || memchr(p, '\0', l) || stat(t, &st) < 0 || !S_ISDIR(st.st_mode))
                return cove_err_set(err, ENOENT, "%s: %s is not a directory (image removed?)", what, t);
            v[k++] = TAKE_PTR(t);
        }
        p += l + 1;
    }
    if (k == 0)
        return cove_err_set(err, EINVAL, "%s: no layers", what);
    *n = k;
    *out = TAKE_PTR(v);
    return 0;
}

static int lowers_read(const char *bundle, char ***out, size_t *n, struct cove_err *err) {
    _cleanup_close_ int bfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (bfd < 0)
        return cove_err_sys(err, errno, "bundle %s", bundle);
    _cleanup_close_ int fd = openat(bfd, COVE_BUNDLE_LOWERS_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : cove_err_sys(err, errno, "%s/" COVE_BUNDLE_LOWERS_FILE, bundle);
    char what[PATH_MAX + 32];
    snprintf(what, sizeof(what), "%s/" COVE_BUNDLE_LOWERS_FILE, bundle);
    int r;
    if ((r = lowers_file_check(bfd, bundle, err)) < 0 || (r = lowers_file_check(fd, what, err)) < 0)
        return r;
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    if ((r = cove_read_fd(fd, what, 1 << 20, &data, &len, err)) < 0)
        return r;
    return lowers_parse(data, len, what, out, n, err);
}

int cove_overlay_plan(const char *bundle, const char *rootfs, const struct cove_kv *ann, size_t n_ann,
                      bool force_overlay, struct cove_overlay_plan *p, struct cove_err *err) {
    memset(p, 0, sizeof(*p));
    if (ann_get(ann, n_ann, COVE_ANN_OVERLAY_LOWERS))
        return cove_err_set(err, EPERM, "annotations[\"" COVE_ANN_OVERLAY_LOWERS "\"]: not accepted from a config "
                                        "(an image's layers come from <bundle>/" COVE_BUNDLE_LOWERS_FILE
                                        ", written by cove bundle)");
    int r = lowers_read(bundle, &p->lowers, &p->n_lowers, err);
    if (r < 0)
        return r;
    const char *idm = ann_get(ann, n_ann, COVE_ANN_OVERLAY_IDMAP);
    p->want_idmap = idm && strcmp(idm, "true") == 0;
    p->idmap_userns = -1;
    if (p->lowers)
        return 0;
    const char *flag = ann_get(ann, n_ann, COVE_ANN_OVERLAY);
    if (!force_overlay && !(flag && strcmp(flag, "true") == 0))
        return 0;
    /* copy-on-write over an ordinary bundle: the rootfs is the lower */
    p->lowers = calloc(2, sizeof(char *));
    if (!p->lowers || !(p->lowers[0] = strdup(rootfs)))
        return cove_err_set(err, ENOMEM, "out of memory");
    p->n_lowers = 1;
    return 0;
}

void cove_overlay_plan_free(struct cove_overlay_plan *p) {
    if (p->idmap_userns >= 0 && p->want_idmap)
        close(p->idmap_userns);
    strv_free(p->lowers);
    free(p->upper);
    free(p->work);
    free(p->scratch);
    *p = (struct cove_overlay_plan){0};
}

/* Id-mapped layers. overlayfs takes a layer only from a mount attached in
 * the caller's mount namespace, and an id-mapped mount is made detached:
 * so for the moment of the overlay's creation cove enters a private mount
 * namespace of its own, attaches an id-mapped clone of each layer there
 * (<base>/l<i>), makes the overlay (which keeps private clones of its
 * layers), and returns to its own namespace; the private one, and the
 * attached clones with it, go away with the last reference. */
static int overlay_mount_idmapped(const struct cove_overlay_plan *p, const char *base, int *out,
                                  struct cove_err *err) {
    _cleanup_close_ int own = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
    if (own < 0)
        return cove_err_sys(err, errno, "root.path: open /proc/self/ns/mnt");
    char **paths = calloc(p->n_lowers + 1, sizeof(char *));
    if (!paths)
        return cove_err_set(err, ENOMEM, "out of memory");
    int r = 0;
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        r = cove_err_sys(err, errno, "root.path: a private mount namespace for id-mapped layers");
    for (size_t i = 0; r == 0 && i < p->n_lowers; i++) {
        if (asprintf(&paths[i], "%s/l%zu", base, i) < 0) {
            paths[i] = NULL;
            r = cove_err_set(err, ENOMEM, "out of memory");
            break;
        }
        if (mkdir(paths[i], 0700) < 0 && errno != EEXIST) {
            r = cove_err_sys(err, errno, "root.path: mkdir %s", paths[i]);
            break;
        }
        _cleanup_close_ int fd = cove_open_tree(AT_FDCWD, p->lowers[i], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        struct mount_attr a = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)p->idmap_userns};
        if (fd < 0 || cove_mount_setattr(fd, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0)
            r = cove_err_sys(err, errno, "root.path: id-mapped mount of the layer %s (needs Linux 5.19+ and a "
                                         "filesystem that supports id-mapped mounts)",
                             p->lowers[i]);
        else if (cove_move_mount(fd, "", AT_FDCWD, paths[i], MOVE_MOUNT_F_EMPTY_PATH) < 0)
            r = cove_err_sys(err, errno, "root.path: attach %s", paths[i]);
    }
    if (r == 0)
        r = cove_overlay_mount_fd((const char *const *)paths, p->n_lowers, p->upper, p->work, false, p->scratch, out,
                                  err);
    /* back home whatever happened: cove must not stay in the private one */
    if (setns(own, CLONE_NEWNS) < 0) {
        int e = errno;
        if (*out >= 0)
            close(*out);
        *out = -1;
        r = cove_err_sys(err, e, "root.path: setns back into cove's mount namespace");
    }
    for (size_t i = 0; i < p->n_lowers && paths[i]; i++) {
        rmdir(paths[i]);
        free(paths[i]);
    }
    free(paths);
    return r;
}

int cove_overlay_setup(struct cove_overlay_plan *p, const char *state_dir, bool defer, int *out,
                       struct cove_err *err) {
    *out = -1;
    if (!p->lowers)
        return 0;
    _cleanup_free_ char *base = NULL;
    if (asprintf(&base, "%s/overlay", state_dir) < 0 || asprintf(&p->upper, "%s/upper", base) < 0 ||
        asprintf(&p->work, "%s/work", base) < 0 || asprintf(&p->scratch, "%s/merged", base) < 0)
        return cove_err_set(err, ENOMEM, "out of memory");
    if ((mkdir(base, 0700) < 0 && errno != EEXIST) || (mkdir(p->upper, 0755) < 0 && errno != EEXIST) ||
        (mkdir(p->work, 0700) < 0 && errno != EEXIST))
        return cove_err_sys(err, errno, "mkdir %s", base);
    p->deferred = defer;
    if (defer)
        return 0;
    if (p->idmap_userns >= 0) {
        /* the container's root owns its / (the upper dir's root) */
        if (chown(p->upper, p->upper_uid, p->upper_gid) < 0)
            return cove_err_sys(err, errno, "root.path: chown %s", p->upper);
        return overlay_mount_idmapped(p, base, out, err);
    }
    return cove_overlay_mount_planned(p, out, err);
}

int cove_overlay_mount_planned(const struct cove_overlay_plan *p, int *out, struct cove_err *err) {
    /* in a user namespace overlayfs may not use trusted.* xattrs: the
     * layers an ordinary user unpacked mark opaque dirs with user.* */
    int r = cove_overlay_mount_fd((const char *const *)p->lowers, p->n_lowers, p->upper, p->work, p->deferred,
                                  p->scratch, out, err);
    return r < 0 ? cove_err_prefix(err, "root.path") : 0;
}
