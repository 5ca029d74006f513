/* lib/fileio.c: atomic writes (durable or not), bounded reads, rm -r by fd. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/fileio.h"

/* fsync interposed: the library's calls land here (the executable's
 * definition wins over libc's), so a test can count them */
static int n_fsync;
int fsync(int fd) {
    n_fsync++;
    return (int)syscall(SYS_fsync, fd);
}

static char dir[] = "/tmp/cove-fileio.XXXXXX";
static int dfd = -1;

static void setup(void) {
    cr_assert_not_null(mkdtemp(dir));
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cr_assert_geq(dfd, 0);
    n_fsync = 0;
}

static void teardown(void) {
    cove_rm_contents_at(dfd);
    close(dfd);
    rmdir(dir);
}

static unsigned entries(void) {
    unsigned n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    return n;
}

static void assert_content(const char *name, const char *want) {
    struct cove_err err = {0};
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    cr_assert_eq(cove_read_file(dfd, name, 1 << 20, &data, &len, &err), 0, "%s", err.msg);
    cr_assert_eq(len, strlen(want));
    cr_assert_str_eq(data, want);
}

Test(fileio, durable_write_syncs_and_replaces, .init = setup, .fini = teardown) {
    struct cove_err err = {0};
    cr_assert_eq(cove_write_file_atomic(dfd, "f", "one", 3, 0600, &err), 0, "%s", err.msg);
    cr_assert_eq(cove_write_file_atomic(dfd, "f", "second", 6, 0600, &err), 0, "%s", err.msg);
    cr_assert_eq(n_fsync, 2);
    assert_content("f", "second");
    cr_assert_eq(entries(), 1, "a temp file was left");
}

Test(fileio, state_write_replaces_without_fsync, .init = setup, .fini = teardown) {
    struct cove_err err = {0};
    cr_assert_eq(cove_write_file_replace(dfd, "state.json", "{}", 2, 0600, &err), 0, "%s", err.msg);
    cr_assert_eq(cove_write_file_replace(dfd, "state.json", "{\"a\":1}", 7, 0600, &err), 0, "%s", err.msg);
    cr_assert_eq(n_fsync, 0, "the container state is not worth an fsync");
    assert_content("state.json", "{\"a\":1}");
    struct stat sb;
    cr_assert_eq(fstatat(dfd, "state.json", &sb, 0), 0);
    cr_assert_eq(sb.st_mode & 0777, 0600);
    cr_assert_eq(entries(), 1, "a temp file was left");
}

Test(fileio, rm_tree_removes_without_following_symlinks, .init = setup, .fini = teardown) {
    char outside[] = "/tmp/cove-fileio-out.XXXXXX";
    cr_assert_not_null(mkdtemp(outside));
    char keep[128];
    snprintf(keep, sizeof(keep), "%s/keep", outside);
    close(open(keep, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
    cr_assert_eq(mkdirat(dfd, "t", 0700), 0);
    cr_assert_eq(mkdirat(dfd, "t/sub", 0700), 0);
    close(openat(dfd, "t/sub/file", O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
    cr_assert_eq(symlinkat(outside, dfd, "t/link"), 0);
    cr_assert_eq(cove_rm_tree_at(dfd, "t"), 0);
    cr_assert_eq(faccessat(dfd, "t", F_OK, AT_SYMLINK_NOFOLLOW), -1);
    cr_assert_eq(access(keep, F_OK), 0, "rm -r followed a symlink out");
    cr_assert_eq(cove_rm_tree_at(dfd, "missing"), 0);
    unlink(keep);
    rmdir(outside);
}
