/* tests/unit/test_image_unpack.c — cove_layer_unpack on tars built in
 * memory with libarchive: content, metadata, whiteouts, and hostile
 * entries refused with nothing written outside the layer directory.
 * Needs root (chown, mknod, trusted.* xattrs); skips otherwise. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "lib/fileio.h"
#include "image/image.h"
#include "image/internal.h"

static char tmp[256];
static char layer[300], outside[300];

static void setup(void) {
    snprintf(tmp, sizeof(tmp), "/tmp/cove-unit-unpack.XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    snprintf(layer, sizeof(layer), "%s/layer", tmp);
    snprintf(outside, sizeof(outside), "%s/outside", tmp);
    cr_assert_eq(mkdir(layer, 0755), 0);
    cr_assert_eq(mkdir(outside, 0755), 0);
}

static void teardown(void) {
    cove_rm_tree_at(AT_FDCWD, tmp);
}

TestSuite(image_unpack, .init = setup, .fini = teardown);

struct tb {
    struct archive *a;
    int fd; /* memfd holding the blob */
};

static void tb_open(struct tb *t, bool gzip) {
    t->fd = memfd_create("layer", MFD_CLOEXEC);
    cr_assert_geq(t->fd, 0);
    t->a = archive_write_new();
    archive_write_set_format_pax_restricted(t->a);
    if (gzip)
        archive_write_add_filter_gzip(t->a);
    cr_assert_eq(archive_write_open_fd(t->a, t->fd), ARCHIVE_OK);
}

static void tb_add(struct tb *t, const char *name, mode_t type, mode_t perm, const char *data, const char *link,
                   bool hard) {
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, perm);
    archive_entry_set_uid(e, 1000);
    archive_entry_set_gid(e, 1001);
    archive_entry_set_mtime(e, 978307200, 0);
    if (link && hard)
        archive_entry_set_hardlink(e, link);
    else if (link)
        archive_entry_set_symlink(e, link);
    if (type == AE_IFCHR)
        archive_entry_set_rdev(e, makedev(1, 3));
    size_t n = data ? strlen(data) : 0;
    archive_entry_set_size(e, (la_int64_t)n);
    cr_assert_eq(archive_write_header(t->a, e), ARCHIVE_OK, "%s", archive_error_string(t->a));
    if (n)
        cr_assert_eq(archive_write_data(t->a, data, n), (la_ssize_t)n);
    archive_entry_free(e);
}

static void tb_file(struct tb *t, const char *name, const char *data) { tb_add(t, name, AE_IFREG, 0644, data, NULL, false); }

static int tb_unpack_limited(struct tb *t, const struct cove_unpack_limits *lim, struct cove_unpack_result *res,
                             struct cove_err *err) {
    archive_write_close(t->a);
    archive_write_free(t->a);
    lseek(t->fd, 0, SEEK_SET);
    int dfd = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cr_assert_geq(dfd, 0);
    int r = cove_layer_unpack(t->fd, dfd, lim, res, err);
    close(dfd);
    return r;
}

static int tb_unpack(struct tb *t, struct cove_unpack_result *res, struct cove_err *err) {
    return tb_unpack_limited(t, NULL, res, err);
}

static bool outside_empty(void) {
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A %s)\"", outside);
    return system(cmd) == 0;
}

static void at(char *buf, const char *rel) { snprintf(buf, 512, "%s/%s", layer, rel); }

Test(image_unpack, preserves_files_dirs_symlinks_hardlinks_devices_owners_times) {
    if (geteuid() != 0)
        cr_skip_test("needs root");
    struct tb t;
    tb_open(&t, true);
    tb_add(&t, "./etc/", AE_IFDIR, 0750, NULL, NULL, false);
    tb_file(&t, "etc/hosts", "127.0.0.1 localhost\n");
    tb_add(&t, "etc/link", AE_IFLNK, 0777, NULL, "hosts", false);
    tb_add(&t, "etc/hard", AE_IFREG, 0644, NULL, "etc/hosts", true);
    tb_add(&t, "dev/null", AE_IFCHR, 0666, NULL, NULL, false);
    tb_add(&t, "fifo", AE_IFIFO, 0600, NULL, NULL, false);
    tb_add(&t, "suid", AE_IFREG, 04755, "x", NULL, false);
    struct cove_unpack_result res;
    struct cove_err err = {0};
    cr_assert_eq(tb_unpack(&t, &res, &err), 0, "%s", err.msg);
    char p[512], q[512];
    struct stat st, st2;
    at(p, "etc");
    cr_assert_eq(stat(p, &st), 0);
    cr_expect_eq(st.st_mode & 07777, 0750);
    cr_expect_eq(st.st_uid, 1000);
    cr_expect_eq(st.st_gid, 1001);
    cr_expect_eq(st.st_mtime, 978307200, "directory mtime restored after its entries");
    at(p, "etc/link");
    char target[64] = "";
    cr_expect_eq(readlink(p, target, sizeof(target) - 1), 5);
    cr_expect_str_eq(target, "hosts");
    at(p, "etc/hosts");
    at(q, "etc/hard");
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(stat(q, &st2), 0);
    cr_expect_eq(st.st_ino, st2.st_ino, "hardlink shares the inode");
    cr_expect_eq(st.st_nlink, 2);
    at(p, "dev/null");
    cr_assert_eq(lstat(p, &st), 0);
    cr_expect(S_ISCHR(st.st_mode));
    cr_expect_eq(st.st_rdev, makedev(1, 3));
    at(p, "fifo");
    cr_assert_eq(lstat(p, &st), 0);
    cr_expect(S_ISFIFO(st.st_mode));
    at(p, "suid");
    cr_assert_eq(stat(p, &st), 0);
    cr_expect_eq(st.st_mode & 07777, 04755, "set-uid bit survives the chown");
    cr_expect_eq(res.entries, 7);
    cr_expect_eq(strncmp(res.diff_id, "sha256:", 7), 0);
    cr_expect_str_neq(res.diff_id, res.blob_digest, "gzip blob: compressed and uncompressed digests differ");
}

Test(image_unpack, digests_cover_the_whole_blob) {
    struct tb t;
    tb_open(&t, false);
    tb_file(&t, "a", "a");
    struct cove_unpack_result res;
    struct cove_err err = {0};
    cr_assert_eq(tb_unpack(&t, &res, &err), 0, "%s", err.msg);
    /* uncompressed: the blob is the tar, so both digests agree */
    cr_expect_str_eq(res.diff_id, res.blob_digest);
    char want[80];
    uint64_t size = 0;
    struct cove_sha256 *h = cove_sha256_new();
    char buf[4096];
    ssize_t n;
    lseek(t.fd, 0, SEEK_SET);
    while ((n = read(t.fd, buf, sizeof(buf))) > 0) {
        cove_sha256_update(h, buf, (size_t)n);
        size += (uint64_t)n;
    }
    cove_sha256_final(h, want);
    cr_expect_str_eq(res.blob_digest, want);
    cr_expect_eq(res.blob_size, size);
}

Test(image_unpack, converts_whiteouts_to_overlay_format) {
    if (geteuid() != 0)
        cr_skip_test("needs root");
    struct tb t;
    tb_open(&t, false);
    tb_file(&t, ".wh.gone", "");
    tb_add(&t, "dir/", AE_IFDIR, 0755, NULL, NULL, false);
    tb_file(&t, "dir/.wh..wh..opq", "");
    tb_file(&t, "dir/kept", "k");
    struct cove_unpack_result res;
    struct cove_err err = {0};
    cr_assert_eq(tb_unpack(&t, &res, &err), 0, "%s", err.msg);
    char p[512];
    struct stat st;
    at(p, "gone");
    cr_assert_eq(lstat(p, &st), 0);
    cr_expect(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0), "whiteout is a 0:0 char device");
    at(p, ".wh.gone");
    cr_expect_neq(lstat(p, &st), 0, "the .wh. file itself is not kept");
    at(p, "dir");
    char v[8] = "";
    cr_expect_eq(getxattr(p, "trusted.overlay.opaque", v, sizeof(v)), 1);
    cr_expect_eq(v[0], 'y');
    at(p, "dir/kept");
    cr_expect_eq(lstat(p, &st), 0, "entries of the opaque dir in the same layer stay");
}

Test(image_unpack, drops_trusted_overlay_xattrs_from_the_tar) {
    if (geteuid() != 0)
        cr_skip_test("needs root");
    struct tb t;
    tb_open(&t, false);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, "d");
    archive_entry_set_filetype(e, AE_IFDIR);
    archive_entry_set_perm(e, 0755);
    archive_entry_xattr_add_entry(e, "trusted.overlay.redirect", "/etc", 4);
    archive_entry_xattr_add_entry(e, "user.ok", "1", 1);
    cr_assert_eq(archive_write_header(t.a, e), ARCHIVE_OK);
    archive_entry_free(e);
    struct cove_unpack_result res;
    struct cove_err err = {0};
    cr_assert_eq(tb_unpack(&t, &res, &err), 0, "%s", err.msg);
    char p[512], v[16];
    at(p, "d");
    cr_expect_lt(getxattr(p, "trusted.overlay.redirect", v, sizeof(v)), 0);
    cr_expect_eq(getxattr(p, "user.ok", v, sizeof(v)), 1);
}

static void expect_refused(const char *what, void (*build)(struct tb *)) {
    struct tb t;
    tb_open(&t, false);
    build(&t);
    struct cove_unpack_result res;
    struct cove_err err = {0};
    cr_expect_lt(tb_unpack(&t, &res, &err), 0, "%s must be refused", what);
    cr_expect_neq(err.msg[0], '\0');
    cr_expect(outside_empty(), "%s wrote outside the layer", what);
}

static void b_dotdot(struct tb *t) { tb_file(t, "../outside/x", "pwned"); }
static void b_deep_dotdot(struct tb *t) { tb_file(t, "a/../../outside/x", "pwned"); }
static void b_absolute(struct tb *t) {
    char n[400];
    snprintf(n, sizeof(n), "%s/x", outside);
    tb_file(t, n, "pwned");
}
static void b_symlink_write(struct tb *t) {
    tb_add(t, "a", AE_IFLNK, 0777, NULL, outside, false);
    tb_file(t, "a/x", "pwned");
}
static void b_relative_symlink_write(struct tb *t) {
    tb_add(t, "a", AE_IFLNK, 0777, NULL, "../outside", false);
    tb_file(t, "a/x", "pwned");
}
static void b_hardlink_out(struct tb *t) { tb_add(t, "h", AE_IFREG, 0644, NULL, "../outside/y", true); }
static void b_hardlink_via_symlink(struct tb *t) {
    tb_add(t, "a", AE_IFLNK, 0777, NULL, outside, false);
    tb_add(t, "h", AE_IFREG, 0644, NULL, "a/y", true);
}

Test(image_unpack, rejects_dotdot_components) {
    expect_refused("../x", b_dotdot);
    expect_refused("a/../../x", b_deep_dotdot);
}
Test(image_unpack, rejects_absolute_names) { expect_refused("/abs", b_absolute); }
Test(image_unpack, rejects_write_through_absolute_symlink) { expect_refused("a -> /outside; a/x", b_symlink_write); }
Test(image_unpack, rejects_write_through_relative_symlink_leaving_layer) {
    expect_refused("a -> ../outside; a/x", b_relative_symlink_write);
}
Test(image_unpack, rejects_hardlink_to_outside) {
    char y[400];
    snprintf(y, sizeof(y), "%s/y", outside);
    FILE *f = fopen(y, "we");
    cr_assert_not_null(f);
    fclose(f);
    struct tb t;
    tb_open(&t, false);
    b_hardlink_out(&t);
    struct cove_unpack_result res;
    struct cove_err err = {0};
    cr_expect_lt(tb_unpack(&t, &res, &err), 0);
    tb_open(&t, false);
    b_hardlink_via_symlink(&t);
    cr_expect_lt(tb_unpack(&t, &res, &err), 0);
    struct stat st;
    cr_assert_eq(stat(y, &st), 0);
    cr_expect_eq(st.st_nlink, 1, "no new link to the outside file");
}

Test(image_unpack, rejects_garbage_and_truncated_streams) {
    int fd = memfd_create("junk", MFD_CLOEXEC);
    cr_assert_eq(write(fd, "\x1f\x8b\x08\x00garbage", 12), 12);
    lseek(fd, 0, SEEK_SET);
    int dfd = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct cove_unpack_result res;
    struct cove_err err = {0};
    cr_expect_lt(cove_layer_unpack(fd, dfd, NULL, &res, &err), 0);
    close(fd);
    close(dfd);
}

/* a decompression bomb: 8 MiB of zeros gzip to a few KB */
static void tb_zeros(struct tb *t, const char *name, size_t n) {
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)n);
    cr_assert_eq(archive_write_header(t->a, e), ARCHIVE_OK);
    static char zero[1 << 16];
    for (size_t done = 0; done < n; done += sizeof(zero))
        cr_assert_eq(archive_write_data(t->a, zero, sizeof(zero)), (la_ssize_t)sizeof(zero));
    archive_entry_free(e);
}

Test(image_unpack, stops_a_decompression_bomb_at_the_size_limit) {
    struct tb t;
    tb_open(&t, true);
    tb_zeros(&t, "bomb", 8 << 20);
    struct cove_unpack_limits lim = {.max_bytes = 1 << 20};
    struct cove_unpack_result res;
    struct cove_err err = {0};
    cr_assert_eq(tb_unpack_limited(&t, &lim, &res, &err), -EFBIG, "%s", err.msg);
    cr_expect(strstr(err.msg, "more than 1048576 bytes uncompressed") && strstr(err.msg, "--max-layer-size"), "%s",
              err.msg);
    char p[512];
    at(p, "bomb");
    struct stat st;
    cr_expect(stat(p, &st) != 0 || st.st_size <= (2 << 20), "stopped near the limit");
    /* the same layer under the default limits unpacks */
    tb_open(&t, true);
    tb_zeros(&t, "ok", 8 << 20);
    cr_assert_eq(tb_unpack(&t, &res, &err), 0, "%s", err.msg);
}

Test(image_unpack, stops_at_the_entry_limit) {
    struct tb t;
    tb_open(&t, false);
    char name[32];
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof(name), "f%d", i);
        tb_file(&t, name, "x");
    }
    struct cove_unpack_limits lim = {.max_entries = 10};
    struct cove_unpack_result res;
    struct cove_err err = {0};
    cr_assert_eq(tb_unpack_limited(&t, &lim, &res, &err), -EFBIG, "%s", err.msg);
    cr_expect(strstr(err.msg, "more than 10 entries") && strstr(err.msg, "--max-layer-entries"), "%s", err.msg);
    cr_expect_eq(res.entries, 10);
}
