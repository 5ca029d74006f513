/* namespaces/hostmounts.c — see hostmounts.h. */
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "namespaces/hostmounts.h"
#include "lib/cleanup.h"
#include "lib/fileio.h"
#include "lib/syscalls.h"

#define HOSTMOUNTS_FILE "hostmounts"

struct hm_entry {
    int id;
    char *path;
};

static void hm_free(struct hm_entry *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        free(v[i].path);
    free(v);
}

/* mountinfo escapes space, tab, newline and backslash as \ooo */
static void unescape(char *s) {
    char *o = s;
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
            *o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 3;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
}

static bool below(const char *path, const char *root) {
    size_t n = strlen(root);
    return strncmp(path, root, n) == 0 && path[n] == '/';
}

/* The mounts of our namespace strictly below root, in mountinfo order
 * (parents before children). */
static int hm_list(const char *root, struct hm_entry **out, size_t *n_out, struct cove_err *err) {
    _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return cove_err_sys(err, errno, "open /proc/self/mountinfo");
    struct hm_entry *v = NULL;
    size_t n = 0, cap = 0;
    char line[PATH_MAX * 2 + 512];
    while (fgets(line, sizeof(line), f)) {
        int id, parent;
        char mp[PATH_MAX * 2];
        if (sscanf(line, "%d %d %*s %*s %8191s", &id, &parent, mp) != 3)
            continue;
        unescape(mp);
        if (!below(mp, root))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            struct hm_entry *nv = realloc(v, cap * sizeof(*v));
            if (!nv) {
                hm_free(v, n);
                return cove_err_set(err, ENOMEM, "out of memory");
            }
            v = nv;
        }
        if (!(v[n].path = strdup(mp))) {
            hm_free(v, n);
            return cove_err_set(err, ENOMEM, "out of memory");
        }
        v[n++].id = id;
    }
    *out = v;
    *n_out = n;
    return 0;
}

int cove_hostmounts_record(int state_dirfd, const char *rootfs, struct cove_err *err) {
    struct hm_entry *v = NULL;
    size_t n = 0;
    int r = hm_list(rootfs, &v, &n, err);
    if (r < 0)
        return r;
    size_t cap = strlen(rootfs) + 2 + n * 12;
    _cleanup_free_ char *text = malloc(cap);
    if (!text) {
        hm_free(v, n);
        return cove_err_set(err, ENOMEM, "out of memory");
    }
    size_t len = (size_t)snprintf(text, cap, "%s\n", rootfs);
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, cap - len, "%d\n", v[i].id);
    hm_free(v, n);
    return cove_write_file_replace(state_dirfd, HOSTMOUNTS_FILE, text, len, 0600, err);
}

/* umount the mount whose root path names, if it still is mount id:
 * resolved without symlinks and checked by mount id, so a container that
 * rearranged directories below its root cannot aim this elsewhere */
static int hm_umount_one(const struct hm_entry *e, struct cove_err *err) {
    struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
    _cleanup_close_ int fd = cove_openat2(AT_FDCWD, e->path, &how, sizeof(how));
    if (fd < 0)
        return 0; /* gone, or reached through a symlink now: not ours to touch */
    struct statx sx;
    if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) < 0 || !(sx.stx_mask & STATX_MNT_ID) ||
        sx.stx_mnt_id != (uint64_t)e->id)
        return 0;
    char p[64];
    snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
    if (umount2(p, MNT_DETACH) < 0 && errno != EINVAL)
        return cove_err_sys(err, errno, "unmount %s", e->path);
    return 0;
}

int cove_hostmounts_remove(int state_dirfd, struct cove_err *err) {
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    struct cove_err ignored = {0};
    if (cove_read_file(state_dirfd, HOSTMOUNTS_FILE, 1 << 20, &data, &len, &ignored) < 0)
        return 0; /* the container had its own mount namespace */
    const char *nl = memchr(data, '\n', len);
    if (!nl || data[0] != '/')
        return 0;
    _cleanup_free_ char *rootfs = strndup(data, (size_t)(nl - data));
    if (!rootfs)
        return cove_err_set(err, ENOMEM, "out of memory");
    struct hm_entry *now = NULL;
    size_t n = 0;
    int r = hm_list(rootfs, &now, &n, err);
    if (r < 0)
        return r;
    /* children come after their parents in mountinfo: undo from the end;
     * the ids recorded after the first line are the ones that were there */
    for (size_t i = n; i-- > 0 && r == 0;) {
        char key[24];
        snprintf(key, sizeof(key), "\n%d\n", now[i].id);
        if (!strstr(nl, key))
            r = hm_umount_one(&now[i], err);
    }
    hm_free(now, n);
    return r;
}
