/* tests/unit/test_path.c — namespaces/path.c on a temp tree full of hostile
 * symlinks: every lookup and every creation must stay inside the root. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "namespaces/path.h"
#include "lib/cleanup.h"

static char tmp[] = "/tmp/cove-path-XXXXXX";
static int rootfd = -1;

static void put(const char *rel, const char *content) {
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", tmp, rel);
    FILE *f = fopen(p, "we");
    cr_assert_not_null(f, "create %s", p);
    fputs(content, f);
    fclose(f);
}

static void link_(const char *target, const char *rel) {
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", tmp, rel);
    cr_assert_eq(symlink(target, p), 0, "symlink %s", p);
}

static void mkd(const char *rel) {
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", tmp, rel);
    cr_assert_eq(mkdir(p, 0755), 0, "mkdir %s", p);
}

static void setup(void) {
    strcpy(tmp, "/tmp/cove-path-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    mkd("etc");
    put("etc/passwd", "inside");
    mkd("a");
    mkd("a/b");
    put("a/file", "x");
    link_("/", "link_root");
    link_("../../etc", "link_up");
    link_("/etc", "abs_etc");
    link_("../../../../..", "a/up");
    link_("/nonexistent-cove/x", "dangling");
    rootfd = open(tmp, O_PATH | O_DIRECTORY | O_CLOEXEC);
    cr_assert_geq(rootfd, 0);
}

static void teardown(void) {
    if (rootfd >= 0)
        close(rootfd);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(path, .init = setup, .fini = teardown);

static void expect_inside(const char *path) {
    struct cove_err err = { 0 };
    int fd = cove_path_open_in_root(rootfd, path, O_RDONLY, &err);
    cr_assert_geq(fd, 0, "%s: %s", path, err.msg);
    char buf[32] = { 0 };
    cr_assert_gt(read(fd, buf, sizeof(buf) - 1), 0);
    close(fd);
    cr_assert_str_eq(buf, "inside", "%s resolved outside the root", path);
}

Test(path, symlink_to_slash_stays_inside) { expect_inside("/link_root/etc/passwd"); }
Test(path, relative_symlink_climbing_out_stays_inside) { expect_inside("/link_up/passwd"); }
Test(path, absolute_symlink_stays_inside) { expect_inside("abs_etc/passwd"); }
Test(path, dotdot_components_stay_inside) { expect_inside("/a/b/../../../../../etc/passwd"); }
Test(path, nested_climbing_symlink_stays_inside) { expect_inside("/a/up/etc/passwd"); }
Test(path, relative_and_absolute_paths_are_the_same) { expect_inside("etc/passwd"); }

Test(path, open_reports_missing_path) {
    struct cove_err err = { 0 };
    int fd = cove_path_open_in_root(rootfd, "/no/such", O_PATH, &err);
    cr_assert_eq(fd, -ENOENT);
    cr_assert_not_null(strstr(err.msg, "/no/such"), "%s", err.msg);
}

static void assert_host_path(const char *rel, mode_t type) {
    char p[512];
    struct stat st;
    snprintf(p, sizeof(p), "%s/%s", tmp, rel);
    cr_assert_eq(lstat(p, &st), 0, "%s missing", p);
    cr_assert_eq(st.st_mode & S_IFMT, type, "%s has the wrong type", p);
}

Test(path, mkdir_p_creates_missing_dirs) {
    struct cove_err err = { 0 };
    int fd = cove_path_mkdir_p_in_root(rootfd, "/x/y/z", true, &err);
    cr_assert_geq(fd, 0, "%s", err.msg);
    struct stat st;
    cr_assert_eq(fstat(fd, &st), 0);
    cr_assert(S_ISDIR(st.st_mode));
    close(fd);
    assert_host_path("x/y/z", S_IFDIR);
}

Test(path, mkdir_p_creates_empty_file_last) {
    struct cove_err err = { 0 };
    int fd = cove_path_mkdir_p_in_root(rootfd, "/x/y/file", false, &err);
    cr_assert_geq(fd, 0, "%s", err.msg);
    close(fd);
    assert_host_path("x/y", S_IFDIR);
    assert_host_path("x/y/file", S_IFREG);
}

Test(path, mkdir_p_through_symlink_to_slash_stays_inside) {
    struct cove_err err = { 0 };
    int fd = cove_path_mkdir_p_in_root(rootfd, "/link_root/cove-made-here/d", true, &err);
    cr_assert_geq(fd, 0, "%s", err.msg);
    close(fd);
    assert_host_path("cove-made-here/d", S_IFDIR);
    cr_assert_neq(access("/cove-made-here", F_OK), 0, "created on the host");
}

Test(path, mkdir_p_through_climbing_symlink_stays_inside) {
    struct cove_err err = { 0 };
    int fd = cove_path_mkdir_p_in_root(rootfd, "/link_up/sub/f", false, &err);
    cr_assert_geq(fd, 0, "%s", err.msg);
    close(fd);
    assert_host_path("etc/sub/f", S_IFREG);
}

Test(path, mkdir_p_dotdot_cannot_climb) {
    struct cove_err err = { 0 };
    int fd = cove_path_mkdir_p_in_root(rootfd, "../../../cove-dotdot", true, &err);
    cr_assert_geq(fd, 0, "%s", err.msg);
    close(fd);
    assert_host_path("cove-dotdot", S_IFDIR);
}

Test(path, mkdir_p_existing_returns_it) {
    struct cove_err err = { 0 };
    int fd = cove_path_mkdir_p_in_root(rootfd, "/a/b", true, &err);
    cr_assert_geq(fd, 0, "%s", err.msg);
    struct stat a, b;
    cr_assert_eq(fstat(fd, &a), 0);
    char p[512];
    snprintf(p, sizeof(p), "%s/a/b", tmp);
    cr_assert_eq(stat(p, &b), 0);
    cr_assert(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
    close(fd);
}

Test(path, mkdir_p_follows_dangling_symlink_inside_root) {
    struct cove_err err = { 0 };
    int fd = cove_path_mkdir_p_in_root(rootfd, "/dangling/sub", true, &err);
    cr_assert_geq(fd, 0, "%s", err.msg);
    close(fd);
    assert_host_path("nonexistent-cove/x/sub", S_IFDIR);
    assert_host_path("dangling", S_IFLNK);
    cr_assert_neq(access("/nonexistent-cove", F_OK), 0, "created on the host");
}

Test(path, mkdir_p_follows_relative_dangling_symlink_inside_root) {
    link_("../../../../rel-target", "a/b/rel");
    struct cove_err err = { 0 };
    int fd = cove_path_mkdir_p_in_root(rootfd, "/a/b/rel/f", false, &err);
    cr_assert_geq(fd, 0, "%s", err.msg);
    close(fd);
    assert_host_path("rel-target/f", S_IFREG);
}

Test(path, mkdir_p_symlink_loop_fails) {
    link_("loop2", "loop1");
    link_("loop1", "loop2");
    struct cove_err err = { 0 };
    int fd = cove_path_mkdir_p_in_root(rootfd, "/loop1/x", true, &err);
    cr_assert_lt(fd, 0, "%s", err.msg);
}

Test(path, mkdir_p_through_file_fails_enotdir) {
    struct cove_err err = { 0 };
    int fd = cove_path_mkdir_p_in_root(rootfd, "/a/file/sub", true, &err);
    cr_assert_eq(fd, -ENOTDIR, "%d %s", fd, err.msg);
}

Test(path, mkdir_p_root_itself) {
    struct cove_err err = { 0 };
    int fd = cove_path_mkdir_p_in_root(rootfd, "/", true, &err);
    cr_assert_geq(fd, 0, "%s", err.msg);
    close(fd);
}

static void expect_clean(const char *in, const char *want) {
    _cleanup_free_ char *got = cove_path_clean(in);
    cr_assert_str_eq(got, want, "clean(\"%s\")", in);
}

Test(path_clean, cases) {
    expect_clean("", ".");
    expect_clean("/", "/");
    expect_clean("//", "/");
    expect_clean("/a//b/", "/a/b");
    expect_clean("/a/./b/.", "/a/b");
    expect_clean("/a/b/..", "/a");
    expect_clean("/a/../..", "/");
    expect_clean("/../../etc", "/etc");
    expect_clean("/..", "/");
    expect_clean("a/b/../c", "a/c");
    expect_clean("a/..", ".");
    expect_clean("../a", "../a");
    expect_clean("a/../../b", "../b");
    expect_clean("./", ".");
    expect_clean("/dev/pts/", "/dev/pts");
    expect_clean("abc/.../d", "abc/.../d");
    expect_clean("..a/b", "..a/b");
}
