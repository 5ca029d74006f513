/* tests/unit/test_logfile.c — the container log writer (format, partial
 * lines, size cap + single rotation), its parser, and the cove-shim argv
 * round trip. No root needed: everything runs in a temp dir. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "runtime/supervise.h"

static char tmp[64];
static int dirfd_ = -1;

static void setup(void) {
    snprintf(tmp, sizeof(tmp), "/tmp/cove-logfile.XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    dirfd_ = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cr_assert_geq(dirfd_, 0);
}

static void teardown(void) {
    unlinkat(dirfd_, "ctr.log", 0);
    unlinkat(dirfd_, "ctr.log.1", 0);
    close(dirfd_);
    rmdir(tmp);
}

static char *slurp(const char *name) {
    char *data = NULL;
    size_t len = 0;
    struct cove_err err = {0};
    if (cove_read_file(dirfd_, name, 1 << 24, &data, &len, &err) < 0)
        return NULL;
    return data;
}

TestSuite(logfile, .init = setup, .fini = teardown);

Test(logfile, writes_one_record_per_line_with_stream_and_tag) {
    struct cove_logfile lf;
    struct cove_err err = {0};
    cr_assert_eq(cove_logfile_open(&lf, dirfd_, "ctr.log", 1 << 20, &err), 0, "%s", err.msg);
    cr_assert_eq(cove_logfile_write(&lf, "stdout", "a\nbb\nccc", 8, &err), 0, "%s", err.msg);
    cr_assert_eq(cove_logfile_write(&lf, "stderr", "\n", 1, &err), 0, "%s", err.msg);
    cove_logfile_close(&lf);
    _cleanup_free_ char *d = slurp("ctr.log");
    cr_assert_not_null(d);
    char *line = strtok(d, "\n");
    const char *want[][3] = {{"stdout", "F", "a"}, {"stdout", "F", "bb"}, {"stdout", "P", "ccc"}, {"stderr", "F", ""}};
    for (size_t i = 0; i < 4; i++, line = strtok(NULL, "\n")) {
        cr_assert_not_null(line, "record %zu missing", i);
        struct cove_log_record rec;
        cr_assert_eq(cove_log_parse_line(line, strlen(line), &rec), 0, "unparsable: %s", line);
        cr_expect_eq(rec.stream_len, strlen(want[i][0]));
        cr_expect_eq(strncmp(rec.stream, want[i][0], rec.stream_len), 0);
        cr_expect_eq(rec.partial, want[i][1][0] == 'P');
        cr_expect_eq(rec.text_len, strlen(want[i][2]));
        cr_expect_eq(strncmp(rec.text, want[i][2], rec.text_len), 0);
        cr_expect_eq(rec.time[rec.time_len - 1], 'Z', "time is RFC 3339 UTC");
    }
    cr_expect_null(line, "extra record: %s", line);
}

Test(logfile, rotates_once_at_the_size_cap) {
    struct cove_logfile lf;
    struct cove_err err = {0};
    cr_assert_eq(cove_logfile_open(&lf, dirfd_, "ctr.log", 200, &err), 0, "%s", err.msg);
    char line[64];
    for (int i = 0; i < 40; i++) {
        int n = snprintf(line, sizeof(line), "line-%02d\n", i);
        cr_assert_eq(cove_logfile_write(&lf, "stdout", line, (size_t)n, &err), 0, "%s", err.msg);
    }
    cove_logfile_close(&lf);
    struct stat a, b;
    cr_assert_eq(fstatat(dirfd_, "ctr.log", &a, 0), 0);
    cr_assert_eq(fstatat(dirfd_, "ctr.log.1", &b, 0), 0, "no rotated file");
    cr_expect_leq(a.st_size, 200);
    cr_expect_leq(b.st_size, 200);
    _cleanup_free_ char *cur = slurp("ctr.log");
    cr_expect_not_null(strstr(cur, "stdout F line-39"), "newest line in ctr.log");
    cr_expect_null(strstr(cur, "line-00"), "oldest line rotated away");
}

Test(logfile, appends_to_an_existing_log) {
    struct cove_logfile lf;
    struct cove_err err = {0};
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(cove_logfile_open(&lf, dirfd_, "ctr.log", 1 << 20, &err), 0, "%s", err.msg);
        cr_assert_eq(cove_logfile_write(&lf, "stdout", "x\n", 2, &err), 0, "%s", err.msg);
        cove_logfile_close(&lf);
    }
    _cleanup_free_ char *d = slurp("ctr.log");
    char *second = strchr(d, '\n');
    cr_assert_not_null(second);
    cr_expect_not_null(strstr(second + 1, "stdout F x\n"));
}

Test(logfile, parse_rejects_malformed_lines) {
    struct cove_log_record rec;
    const char *bad[] = {"", "nospace", "t stdout", "t stdout X text", "t stdout Ftext", " stdout F x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_expect_eq(cove_log_parse_line(bad[i], strlen(bad[i]), &rec), -EINVAL, "accepted \"%s\"", bad[i]);
    const char *ok = "2026-01-01T00:00:00.000000001Z stderr P text with  spaces ";
    cr_assert_eq(cove_log_parse_line(ok, strlen(ok), &rec), 0);
    cr_expect(rec.partial);
    cr_expect_eq(rec.text_len, strlen("text with  spaces "));
}

Test(shim_argv, round_trips_every_option) {
    struct cove_shim_opts o = {
        .create = {.root = "/run/x", .id = "abc", .bundle = "/b", .pid_file = "/p", .no_pivot = true,
                   .no_new_keyring = true, .rootless = true, .preserve_fds = 2},
        .start = true, .rm = true, .timeout_s = 30, .grace_s = 4,
    };
    char **argv = NULL;
    struct cove_err err = {0};
    cr_assert_eq(cove_shim_argv_build("/usr/bin/cove-shim", &o, 9, &argv, &err), 0, "%s", err.msg);
    int argc = 0;
    while (argv[argc])
        argc++;
    struct cove_shim_opts p;
    int fd = -1;
    cr_assert_eq(cove_shim_argv_parse(argc, argv, &p, &fd, &err), 0, "%s", err.msg);
    cr_expect_eq(fd, 9);
    cr_expect_str_eq(p.create.root, "/run/x");
    cr_expect_str_eq(p.create.id, "abc");
    cr_expect_str_eq(p.create.bundle, "/b");
    cr_expect_str_eq(p.create.pid_file, "/p");
    cr_expect(p.create.no_pivot && p.create.no_new_keyring && p.create.rootless && p.start && p.rm);
    cr_expect_eq(p.create.preserve_fds, 2);
    cr_expect_eq(p.timeout_s, 30);
    cr_expect_eq(p.grace_s, 4);
    strv_free(argv);
}

Test(shim_argv, rejects_unknown_options_and_missing_id) {
    struct cove_shim_opts p;
    int fd;
    struct cove_err err = {0};
    char *a1[] = {"cove-shim", "--report-fd", "3", "--root", "/r", "--bogus", "--", "id", NULL};
    cr_expect_lt(cove_shim_argv_parse(8, a1, &p, &fd, &err), 0);
    char *a2[] = {"cove-shim", "--report-fd", "3", "--root", "/r", NULL};
    cr_expect_lt(cove_shim_argv_parse(5, a2, &p, &fd, &err), 0);
    char *a3[] = {"cove-shim", "--report-fd", "x", "--root", "/r", "--", "id", NULL};
    cr_expect_lt(cove_shim_argv_parse(7, a3, &p, &fd, &err), 0);
}
