/* tests/unit/test_rootfs.c — cove_rootfs_setup() for real, as root: a
 * busybox rootfs in a temp dir, a config built by hand, and a forked child
 * that enters a new mount namespace, sets the rootfs up and checks from the
 * inside. The child reports failures through a pipe; its mount namespace
 * (and every mount in it) dies with it, which the parent verifies. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/magic.h>

#ifndef MQUEUE_MAGIC
#define MQUEUE_MAGIC 0x19800202
#endif

#include "cgroups/cgroups.h"
#include "namespaces/rootfs.h"
#include "lib/cleanup.h"

static char bundle[] = "/tmp/cove-rootfs-XXXXXX";
static char rootfs[600];
static int report_fd = -1;   /* child: write end of the report pipe */
static int failures;

#define OUTSIDE "cove-test-outside-target"

static void sh(const char *fmt, ...) {
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
}

static int count_host_mounts(void) {
    FILE *f = fopen("/proc/self/mountinfo", "re");
    cr_assert_not_null(f);
    int n = 0, ch;
    while ((ch = fgetc(f)) != EOF)
        n += ch == '\n';
    fclose(f);
    return n;
}

static int host_mounts_before;

static void setup(void) {
    if (geteuid() != 0)
        cr_skip_test("needs root");
    strcpy(bundle, "/tmp/cove-rootfs-XXXXXX");
    cr_assert_not_null(mkdtemp(bundle));
    snprintf(rootfs, sizeof(rootfs), "%s/rootfs", bundle);
    sh("mkdir -p %s/bin %s/etc %s/masked-dir %s/ro-dir %s/data", rootfs, rootfs, rootfs, rootfs, bundle);
    sh("cp /bin/busybox %s/bin/busybox", rootfs);
    sh("for a in sh ls cat mount; do ln -s busybox %s/bin/$a; done", rootfs);
    sh("echo secret > %s/masked-dir/secret && echo secret > %s/masked-file", rootfs, rootfs);
    sh("echo ro > %s/ro-dir/file", rootfs);
    /* a destination through this link must land in the rootfs */
    sh("ln -s /../../" OUTSIDE " %s/escape", rootfs);
    sh("echo hello > %s/data/hello && echo myhost > %s/hostname-src", bundle, bundle);
    sh("echo host-only > %s/host-only", bundle);
    host_mounts_before = count_host_mounts();
}

static void teardown(void) {
    if (geteuid() != 0)
        return;
    cr_assert_eq(count_host_mounts(), host_mounts_before, "mounts leaked to the host");
    cr_assert_neq(access("/" OUTSIDE, F_OK), 0, "a mount destination escaped to the host");
    sh("rm -rf '%s'", bundle);
}

TestSuite(rootfs, .init = setup, .fini = teardown);

/* ---------------------------------------------------------------- config */

static struct cove_mount mnt(const char *dest, const char *type, const char *src, unsigned long flags,
                             const char *data) {
    struct cove_mount m = { .destination = (char *)dest, .type = (char *)type, .source = (char *)src };
    m.opts.flags = flags;
    m.opts.data = (char *)data;
    return m;
}

static struct cove_cgroup_host cg_host;
static char *cg_dirs[32];

static void detect_cgroup_host(void) {
    cg_host.root = "/sys/fs/cgroup";
    cg_host.mode = COVE_CG_HYBRID;
    cg_host.v1_dirs = cg_dirs;
    cg_host.n_v1_dirs = 0;
    DIR *d = opendir("/sys/fs/cgroup");
    cr_assert_not_null(d);
    struct dirent *de;
    while ((de = readdir(d)) && cg_host.n_v1_dirs < ARRAY_SIZE(cg_dirs) - 1)
        if (de->d_name[0] != '.' && strcmp(de->d_name, "unified") != 0)
            cg_dirs[cg_host.n_v1_dirs++] = strdup(de->d_name);
    closedir(d);
}

static struct cove_mount full_mounts[16];
static char *masked[] = { "/proc/kcore", "/proc/version", "/masked-dir", "/masked-file", "/does-not-exist" };
static char *readonly[] = { "/proc/sys", "/ro-dir", "/missing" };
static struct cove_device devices[] = {
    { .path = "/dev/custom/mydev", .type = 'c', .major = 1, .minor = 3, .has_file_mode = true,
      .file_mode = 0640, .has_uid = true, .uid = 1000, .has_gid = true, .gid = 1001 },
};

static void full_config(struct cove_config *c) {
    size_t n = 0;
    unsigned long nse = MS_NOSUID | MS_NODEV | MS_NOEXEC;
    full_mounts[n++] = mnt("/proc", "proc", "proc", 0, NULL);
    full_mounts[n++] = mnt("/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
    full_mounts[n++] = mnt("/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
    full_mounts[n++] = mnt("/dev/shm", "tmpfs", "shm", nse, "mode=1777,size=65536k");
    full_mounts[n++] = mnt("/dev/mqueue", "mqueue", "mqueue", nse, NULL);
    full_mounts[n++] = mnt("/sys", "sysfs", "sysfs", nse | MS_RDONLY, NULL);
    full_mounts[n++] = mnt("/sys/fs/cgroup", "cgroup", "cgroup", nse | MS_RELATIME | MS_RDONLY, NULL);
    full_mounts[n++] = mnt("/escape/data", "bind", "data", MS_BIND | MS_REC | MS_RDONLY, NULL);
    full_mounts[n++] = mnt("/etc/hostname", "bind", "hostname-src", MS_BIND, NULL);
    memset(c, 0, sizeof(*c));
    c->mounts = full_mounts;
    c->n_mounts = n;
    c->root_readonly = true;
    c->linux.masked_paths = masked;
    c->linux.n_masked_paths = ARRAY_SIZE(masked);
    c->linux.readonly_paths = readonly;
    c->linux.n_readonly_paths = ARRAY_SIZE(readonly);
    c->linux.devices = devices;
    c->linux.n_devices = ARRAY_SIZE(devices);
    detect_cgroup_host();
}

/* ---------------------------------------------------------------- child */

static void fail(const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof(buf) - 2)
        n = sizeof(buf) - 2;
    buf[n++] = '\n';
    if (write(report_fd, buf, (size_t)n) < 0) { /* nothing to do */ }
    failures++;
}

#define CHECK(cond, ...) do { if (!(cond)) fail(__VA_ARGS__); } while (0)

static long fs_type(const char *p) {
    struct statfs s;
    return statfs(p, &s) == 0 ? (long)s.f_type : -1;
}

static bool is_rofs(const char *p) {
    struct statfs s;
    return statfs(p, &s) == 0 && (s.f_flags & ST_RDONLY);
}

static void read_file(const char *p, char *buf, size_t n) {
    memset(buf, 0, n);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (read(fd, buf, n - 1) < 0) { /* stays empty */ }
        close(fd);
    } else {
        snprintf(buf, n, "<open: %s>", strerror(errno));
    }
}

static int write_errno(const char *p) {
    int fd = open(p, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    return errno;
}

static void check_full(void) {
    char buf[256], link[256];
    struct stat st;
    CHECK(getcwd(buf, sizeof(buf)) && strcmp(buf, "/") == 0, "cwd is %s", buf);
    CHECK(access("/bin/busybox", X_OK) == 0, "busybox not at /bin/busybox: pivot not done");
    snprintf(buf, sizeof(buf), "%s/host-only", bundle);
    CHECK(access(buf, F_OK) != 0, "host file %s visible in the container", buf);
    CHECK(fs_type("/proc") == PROC_SUPER_MAGIC, "/proc not procfs");
    CHECK(fs_type("/dev") == TMPFS_MAGIC, "/dev not tmpfs");
    CHECK(fs_type("/dev/pts") == DEVPTS_SUPER_MAGIC, "/dev/pts not devpts");
    CHECK(fs_type("/dev/shm") == TMPFS_MAGIC, "/dev/shm not tmpfs");
    CHECK(fs_type("/dev/mqueue") == MQUEUE_MAGIC, "/dev/mqueue not mqueue");
    CHECK(fs_type("/sys") == SYSFS_MAGIC && is_rofs("/sys"), "/sys not a read-only sysfs");

    CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3) &&
          (st.st_mode & 07777) == 0666, "/dev/null not char 1:3 0666 (mode %o)", st.st_mode);
    static const char *devs[] = { "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty" };
    for (size_t i = 0; i < ARRAY_SIZE(devs); i++)
        CHECK(stat(devs[i], &st) == 0 && S_ISCHR(st.st_mode), "%s missing", devs[i]);
    CHECK(stat("/dev/custom/mydev", &st) == 0 && S_ISCHR(st.st_mode) && (st.st_mode & 07777) == 0640 &&
          st.st_uid == 1000 && st.st_gid == 1001, "linux.devices node wrong (mode %o uid %u)", st.st_mode, st.st_uid);
    ssize_t n = readlink("/dev/fd", link, sizeof(link) - 1);
    CHECK(n > 0 && (link[n] = 0, strcmp(link, "/proc/self/fd") == 0), "/dev/fd link wrong");
    n = readlink("/dev/stderr", link, sizeof(link) - 1);
    CHECK(n > 0 && (link[n] = 0, strcmp(link, "/proc/self/fd/2") == 0), "/dev/stderr link wrong");
    n = readlink("/dev/ptmx", link, sizeof(link) - 1);
    CHECK(n > 0 && (link[n] = 0, strcmp(link, "pts/ptmx") == 0), "/dev/ptmx link wrong");

    read_file("/" OUTSIDE "/data/hello", buf, sizeof(buf));
    CHECK(strcmp(buf, "hello\n") == 0, "bind through escaping symlink: got '%s'", buf);
    CHECK(write_errno("/" OUTSIDE "/data/hello") == EROFS, "ro bind is writable");
    read_file("/etc/hostname", buf, sizeof(buf));
    CHECK(strcmp(buf, "myhost\n") == 0, "file bind: got '%s'", buf);

    read_file("/masked-file", buf, sizeof(buf));
    CHECK(buf[0] == '\0', "masked file readable: '%s'", buf);
    CHECK(access("/masked-dir/secret", F_OK) != 0 && fs_type("/masked-dir") == TMPFS_MAGIC && is_rofs("/masked-dir"),
          "masked dir not an empty ro tmpfs");
    /* (/proc/kcore is in the list too but may not exist: skipped) */
    read_file("/proc/version", buf, sizeof(buf));
    CHECK(buf[0] == '\0', "/proc/version not masked: '%s'", buf);

    CHECK(write_errno("/ro-dir/file") == EROFS, "readonly path writable");
    CHECK(write_errno("/proc/sys/kernel/hostname") == EROFS, "/proc/sys writable");
    CHECK(mkdir("/newdir", 0755) < 0 && errno == EROFS, "root not read-only");
    int fd = open("/dev/shm/x", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    CHECK(fd >= 0, "/dev/shm not writable under a read-only root: %s", strerror(errno));
    if (fd >= 0)
        close(fd);

    CHECK(fs_type("/sys/fs/cgroup") == TMPFS_MAGIC, "/sys/fs/cgroup not a tmpfs");
    if (access("/sys/fs/cgroup/memory", F_OK) == 0 || stat("/sys/fs/cgroup/memory", &st) == 0) {
        CHECK(access("/sys/fs/cgroup/memory/cgroup.procs", F_OK) == 0, "memory hierarchy not bound");
        CHECK(is_rofs("/sys/fs/cgroup/memory"), "cgroup bind writable");
    } else {
        fail("/sys/fs/cgroup/memory missing");
    }
    CHECK(access("/sys/fs/cgroup/unified/cgroup.procs", F_OK) == 0, "unified hierarchy not bound");
}

typedef void (*check_fn)(void);

/* Run setup (+ checks) in a child in a new mount namespace; return its
 * report (empty on success) in out. Returns the setup's return value. */
static int run_child(const struct cove_config *c, const struct cove_rootfs_opts *o, check_fn check,
                     char *out, size_t outlen) {
    int p[2];
    cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(p[0]);
        report_fd = p[1];
        if (unshare(CLONE_NEWNS) < 0 || chdir(bundle) < 0) {
            fail("unshare/chdir: %s", strerror(errno));
            _exit(200);
        }
        struct cove_err err = { 0 };
        int r = cove_rootfs_setup(c, o, &err);
        if (r < 0) {
            fail("setup: %s", err.msg);
            _exit((-r) & 0x7f);
        }
        if (check)
            check();
        _exit(failures ? 150 : 0);
    }
    close(p[1]);
    size_t len = 0;
    ssize_t n;
    while (len < outlen - 1 && (n = read(p[0], out + len, outlen - 1 - len)) > 0)
        len += (size_t)n;
    out[len] = '\0';
    close(p[0]);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status), "child died: %s", out);
    int code = WEXITSTATUS(status);
    if (code == 0 || code == 150 || code == 200)
        return code == 0 ? 0 : -1000;
    return -code;
}

Test(rootfs, full_runc_like_config_inside_view) {
    struct cove_config c;
    full_config(&c);
    struct cove_rootfs_opts o = { .rootfs = rootfs, .cg_host = &cg_host, .cgroup_path = "/" };
    char out[8192];
    int r = run_child(&c, &o, check_full, out, sizeof(out));
    cr_assert_eq(r, 0, "%s", out);
    for (size_t i = 0; i < cg_host.n_v1_dirs; i++)
        free(cg_dirs[i]);
}

static void check_minimal(void) {
    char buf[256];
    CHECK(access("/bin/busybox", X_OK) == 0, "not in the rootfs");
    snprintf(buf, sizeof(buf), "%s/host-only", bundle);
    CHECK(access(buf, F_OK) != 0, "host file visible");
    CHECK(fs_type("/proc") == PROC_SUPER_MAGIC, "/proc not procfs");
    /* linux.devices without a /dev tmpfs: only those are created */
    struct stat st;
    CHECK(stat("/dev/custom/mydev", &st) == 0 && S_ISCHR(st.st_mode), "device missing");
    CHECK(access("/dev/zero", F_OK) != 0, "default devices created without a /dev tmpfs");
    CHECK(mkdir("/newdir", 0755) == 0, "root not writable");
}

Test(rootfs, no_pivot_moves_and_chroots) {
    struct cove_mount m[] = { mnt("/proc", "proc", "proc", 0, NULL) };
    struct cove_config c = { .mounts = m, .n_mounts = 1 };
    c.linux.devices = devices;
    c.linux.n_devices = 1;
    struct cove_rootfs_opts o = { .rootfs = rootfs, .no_pivot = true };
    char out[4096];
    cr_assert_eq(run_child(&c, &o, check_minimal, out, sizeof(out)), 0, "%s", out);
}

Test(rootfs, pivot_without_dev_tmpfs) {
    struct cove_mount m[] = { mnt("/proc", "proc", "proc", 0, NULL) };
    struct cove_config c = { .mounts = m, .n_mounts = 1 };
    c.linux.devices = devices;
    c.linux.n_devices = 1;
    struct cove_rootfs_opts o = { .rootfs = rootfs };
    char out[4096];
    cr_assert_eq(run_child(&c, &o, check_minimal, out, sizeof(out)), 0, "%s", out);
}

Test(rootfs, missing_bind_source_names_the_field) {
    struct cove_mount m[] = {
        mnt("/proc", "proc", "proc", 0, NULL),
        mnt("/data", "bind", "no-such-dir", MS_BIND, NULL),
    };
    struct cove_config c = { .mounts = m, .n_mounts = 2 };
    struct cove_rootfs_opts o = { .rootfs = rootfs };
    char out[4096];
    int r = run_child(&c, &o, NULL, out, sizeof(out));
    cr_assert_eq(r, -ENOENT, "%d %s", r, out);
    cr_assert_not_null(strstr(out, "mounts[1].source (no-such-dir)"), "%s", out);
}

Test(rootfs, bad_fs_mount_names_index_and_destination) {
    struct cove_mount m[] = { mnt("/x", "no-such-fs", "none", 0, NULL) };
    struct cove_config c = { .mounts = m, .n_mounts = 1 };
    struct cove_rootfs_opts o = { .rootfs = rootfs };
    char out[4096];
    int r = run_child(&c, &o, NULL, out, sizeof(out));
    cr_assert_lt(r, 0);
    cr_assert_not_null(strstr(out, "mounts[0] (/x)"), "%s", out);
}

Test(rootfs, refuses_to_mask_with_fake_dev_null) {
    /* the image ships /dev/null as a regular file: masking with it would
     * expose that file instead of hiding anything */
    sh("mkdir -p %s/dev && echo fake > %s/dev/null", rootfs, rootfs);
    char *mp[] = { "/masked-file" };
    struct cove_config c = { 0 };
    c.linux.masked_paths = mp;
    c.linux.n_masked_paths = 1;
    struct cove_rootfs_opts o = { .rootfs = rootfs };
    char out[4096];
    int r = run_child(&c, &o, NULL, out, sizeof(out));
    cr_assert_eq(r, -EPERM, "%d %s", r, out);
    cr_assert_not_null(strstr(out, "linux.maskedPaths[0] (/masked-file): /dev/null"), "%s", out);
}

Test(rootfs, relative_rootfs_refused) {
    struct cove_config c = { 0 };
    struct cove_rootfs_opts o = { .rootfs = "rootfs" };
    struct cove_err err = { 0 };
    cr_assert_eq(cove_rootfs_setup(&c, &o, &err), -EINVAL);
    cr_assert_not_null(strstr(err.msg, "root.path"));
}

static void check_userns_devices(void) {
    struct stat st;
    CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3),
          "/dev/null not bound from the host");
    int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
    char b = 1;
    CHECK(fd >= 0 && read(fd, &b, 1) == 1 && b == 0, "/dev/zero unusable");
    if (fd >= 0)
        close(fd);
}

Test(rootfs, in_userns_binds_devices_from_host) {
    struct cove_mount m[] = {
        mnt("/proc", "proc", "proc", 0, NULL),
        mnt("/dev", "tmpfs", "tmpfs", MS_NOSUID, "mode=755"),
    };
    struct cove_config c = { .mounts = m, .n_mounts = 2 };
    struct cove_rootfs_opts o = { .rootfs = rootfs, .in_userns = true };
    char out[4096];
    cr_assert_eq(run_child(&c, &o, check_userns_devices, out, sizeof(out)), 0, "%s", out);
}

static void check_shared(void) {
    FILE *f = fopen("/proc/self/mountinfo", "re");
    CHECK(f != NULL, "no mountinfo");
    if (!f)
        return;
    char line[1024];
    bool ok = false;
    while (fgets(line, sizeof(line), f)) {
        /* "id parent maj:min root mountpoint opts [optional fields] - ..." */
        char mp[512];
        if (sscanf(line, "%*s %*s %*s %*s %511s", mp) == 1 && strcmp(mp, "/") == 0 && strstr(line, " shared:"))
            ok = true;
    }
    fclose(f);
    CHECK(ok, "/ is not shared");
}

Test(rootfs, shared_rootfs_propagation_applied_after_pivot) {
    struct cove_mount m[] = { mnt("/proc", "proc", "proc", 0, NULL) };
    struct cove_config c = { .mounts = m, .n_mounts = 1 };
    c.linux.rootfs_propagation = MS_SHARED | MS_REC;
    struct cove_rootfs_opts o = { .rootfs = rootfs };
    char out[4096];
    cr_assert_eq(run_child(&c, &o, check_shared, out, sizeof(out)), 0, "%s", out);
}
