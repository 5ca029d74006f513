/* lib/selfexe.c — re-execute from a read-only image (see selfexe.h). */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/proc.h"
#include "lib/trace.h"
#include "lib/selfexe.h"
#include "lib/syscalls.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux 6.3: an executable memfd under vm.memfd_noexec=1 */
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

extern char **environ;

/* the original path, when this process runs from a clone cove made */
static char g_origin[PATH_MAX];
static bool g_origin_read;

static uid_t overflow_uid(void) {
    char buf[16] = {0};
    _cleanup_close_ int fd = open("/proc/sys/kernel/overflowuid", O_RDONLY | O_CLOEXEC);
    return fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0 ? (uid_t)strtoul(buf, NULL, 10) : (uid_t)65534;
}

static bool fd_is_protected(int fd) {
    /* a memfd sealed against writes: seals can be added, never removed */
    int seals = fcntl(fd, F_GET_SEALS);
    if (seals >= 0 && (seals & F_SEAL_WRITE))
        return true;
    /* a read-only mount: the container reaches the binary only through
     * /proc/self/exe, which carries this mount */
    struct statvfs sv;
    return fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY);
}

/* Nobody this caller can become may write the binary: the caller is not
 * root of the initial user namespace, and the file belongs to root (or to
 * an id not mapped in the caller's namespace, which stat shows as the
 * overflow uid) and is writable by its owner alone. Every id a container
 * of such a caller holds is an ordinary one on the host (its own uid, its
 * sub-ids), so no workload can open the file for writing through
 * /proc/self/exe, and the protecting copy (a memfd: an ordinary user may
 * not make read-only mounts) would only cost time. */
static bool fd_unwritable_by_caller(int fd) {
    if (geteuid() == 0 && !cove_in_user_namespace())
        return false;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & 022) || st.st_uid == geteuid())
        return false;
    /* the overflow uid counts only when it is not a real, mapped id here */
    return st.st_uid == 0 || (st.st_uid == overflow_uid() && !cove_uid_mapped_here(st.st_uid));
}

bool cove_selfexe_is_protected(void) {
    _cleanup_close_ int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    return fd >= 0 && fd_is_protected(fd);
}

/* Read (once) and remove COVE_SELFEXE_ENV. It is believed only when the
 * running image is a clone: a detached mount's path is "/", a memfd's
 * "/memfd:...". A binary started from its installed path has its own. */
static void origin_read(void) {
    if (g_origin_read)
        return;
    g_origin_read = true;
    const char *env = getenv(COVE_SELFEXE_ENV);
    char link[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", link, sizeof(link) - 1);
    if (n > 0) {
        link[n] = '\0';
        bool clone = strcmp(link, "/") == 0 || strncmp(link, "/memfd:", 7) == 0;
        const char *src = clone && env && env[0] == '/' ? env : link;
        if (strlen(src) < sizeof(g_origin))
            strcpy(g_origin, src);
    }
    unsetenv(COVE_SELFEXE_ENV);
    cove_trace_inherit(getenv(COVE_TRACE_ENV));
    unsetenv(COVE_TRACE_ENV);
}

void cove_selfexe_init(void) {
    origin_read();
}

/* PR_SET_NAME: execveat(fd, "") names the task after the fd number on
 * kernels before 6.14; ps, pgrep and our tests expect the binary's name. */
static void restore_comm(void) {
    const char *base = strrchr(g_origin, '/');
    if (base && base[1])
        prctl(PR_SET_NAME, base + 1, 0, 0, 0);
}

/* A detached bind mount of the file, made read-only; -errno */
static int ro_clone_open(const char *path) {
    _cleanup_close_ int fd = cove_open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};
    if (cove_mount_setattr(fd, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0)
        return -errno;
    return TAKE_FD(fd);
}

/* A sealed memfd holding a copy of the file; -errno */
static int memfd_clone_open(const char *path) {
    _cleanup_close_ int src = open(path, O_RDONLY | O_CLOEXEC);
    if (src < 0)
        return -errno;
    struct stat sb;
    if (fstat(src, &sb) < 0)
        return -errno;
    _cleanup_close_ int fd = memfd_create("cove", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (fd < 0 && errno == EINVAL) /* before 6.3: no MFD_EXEC, memfds are executable */
        fd = memfd_create("cove", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return -errno;
    for (off_t done = 0; done < sb.st_size;) {
        ssize_t n = sendfile(fd, src, NULL, (size_t)(sb.st_size - done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        done += n;
    }
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
        return -errno;
    return TAKE_FD(fd);
}

/* execveat a protected clone of path; returns -errno on failure */
static int exec_clone(const char *path, const char *origin, char **argv, struct cove_err *err) {
    if (setenv(COVE_SELFEXE_ENV, origin, 1) < 0)
        return cove_err_sys(err, errno, "setenv");
    if (cove_trace_on) {
        char t0[32];
        snprintf(t0, sizeof(t0), "%lld", cove_trace_t0());
        setenv(COVE_TRACE_ENV, t0, 1);
    }
    int fd = ro_clone_open(path);
    if (fd >= 0) {
        execveat(fd, "", argv, environ, AT_EMPTY_PATH);
        int e = errno;
        close(fd);
        unsetenv(COVE_SELFEXE_ENV);
        return cove_err_sys(err, e, "exec read-only clone of %s", origin);
    }
    /* EPERM: no CAP_SYS_ADMIN over our mount namespace (rootless, nested);
     * ENOSYS: a kernel before 5.12 */
    int why = -fd;
    fd = memfd_clone_open(path);
    if (fd < 0) {
        unsetenv(COVE_SELFEXE_ENV);
        return cove_err_set(err, -fd,
                            "cannot run %s from a protected copy (read-only clone: %s; sealed memfd: %s): "
                            "refusing to let a container reach the binary",
                            origin, strerror(why), strerror(-fd));
    }
    execveat(fd, "", argv, environ, AT_EMPTY_PATH);
    int e = errno;
    close(fd);
    unsetenv(COVE_SELFEXE_ENV);
    return cove_err_sys(err, e, "exec sealed copy of %s", origin);
}

int cove_selfexe_protect(char **argv, struct cove_err *err) {
    origin_read();
    _cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (self < 0)
        return cove_err_sys(err, errno, "open /proc/self/exe");
    if (fd_is_protected(self) || fd_unwritable_by_caller(self)) {
        restore_comm();
        return 0;
    }
    if (!g_origin[0])
        return cove_err_set(err, ENOENT, "readlink /proc/self/exe: no path");
    return exec_clone("/proc/self/exe", g_origin, argv, err);
}

int cove_selfexe_exec(const char *path, char **argv, struct cove_err *err) {
    char real[PATH_MAX];
    if (!realpath(path, real))
        return cove_err_sys(err, errno, "%s", path);
    _cleanup_close_ int fd = open(real, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && fd_unwritable_by_caller(fd)) {
        /* the new program finds itself unwritable too and stays as it is */
        execveat(fd, "", argv, environ, AT_EMPTY_PATH);
        return cove_err_sys(err, errno, "exec %s", real);
    }
    return exec_clone(real, real, argv, err);
}

int cove_selfexe_sibling(const char *name, char *buf, size_t len, struct cove_err *err) {
    origin_read();
    if (!g_origin[0])
        return cove_err_set(err, ENOENT, "cannot find %s: readlink /proc/self/exe failed", name);
    const char *slash = strrchr(g_origin, '/');
    int dirlen = slash ? (int)(slash - g_origin) : 0;
    int n = snprintf(buf, len, "%.*s/%s", dirlen, g_origin, name);
    if (n < 0 || (size_t)n >= len)
        return cove_err_set(err, ENAMETOOLONG, "cannot find %s: path too long", name);
    return 0;
}

int cove_selfexe_helper(const char *name, const char *dev_env, char *buf, size_t len, struct cove_err *err) {
#ifdef COVE_DEV_ENV
    const char *env = getenv(dev_env); /* a test build's override; never in a release */
    if (env && *env) {
        if ((size_t)snprintf(buf, len, "%s", env) >= len)
            return cove_err_set(err, ENAMETOOLONG, "%s: path too long", dev_env);
        return 0;
    }
#else
    (void)dev_env;
#endif
    return cove_selfexe_sibling(name, buf, len, err);
}
