/* Unit tests: state store (id validation, atomic save/load, corrupt files,
 * status derivation) and the lifecycle rules. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/lifecycle.h"
#include "runtime/state.h"

static char tmproot[64];

static void make_root(void) {
    strcpy(tmproot, "/tmp/cove-unit-state-XXXXXX");
    cr_assert_not_null(mkdtemp(tmproot));
}

static void remove_root(void) {
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmproot);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(state, .init = make_root, .fini = remove_root);

Test(state, accepts_runc_style_ids) {
    const char *ok[] = {"a", "abc-123", "x_y.z+1", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        cr_expect_eq(cove_state_validate_id(ok[i], NULL), 0, "%s", ok[i]);
}

Test(state, rejects_ids_that_could_escape_the_root) {
    const char *bad[] = {"", ".", "..", "a/b", "../x", "/abs", "a b", "a\nb", "ä"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct cove_err err = {0};
        cr_expect_eq(cove_state_validate_id(bad[i], &err), -EINVAL, "%s", bad[i]);
        cr_expect(err.msg[0] != '\0');
    }
    char longid[COVE_ID_MAX + 2];
    memset(longid, 'a', sizeof(longid) - 1);
    longid[sizeof(longid) - 1] = '\0';
    cr_expect_eq(cove_state_validate_id(longid, NULL), -EINVAL);
}

Test(state, save_then_load_round_trips) {
    struct cove_store st;
    struct cove_err err = {0};
    cr_assert_eq(cove_store_create(tmproot, "c1", &st, &err), 0, "%s", err.msg);
    struct cove_kv ann[] = {{"k", "v"}, {"q\"uote", "x\ny"}};
    struct cove_state s = {
        .id = "c1", .bundle = "/b", .rootfs = "/b/rootfs", .pid = 42, .pid_start = 1234,
        .created = "2026-11-25T09:00:00.000000001Z", .owner = "", .cgroup_path = "/cove/c1",
        .cgroup_owned = true, .annotations = ann, .n_annotations = 2,
    };
    cr_assert_eq(cove_state_save(&st, &s, &err), 0, "%s", err.msg);
    struct cove_state l;
    cr_assert_eq(cove_state_load(&st, "c1", &l, &err), 0, "%s", err.msg);
    cr_expect_str_eq(l.id, "c1");
    cr_expect_str_eq(l.bundle, "/b");
    cr_expect_str_eq(l.rootfs, "/b/rootfs");
    cr_expect_eq(l.pid, 42);
    cr_expect_eq(l.pid_start, 1234);
    cr_expect_str_eq(l.cgroup_path, "/cove/c1");
    cr_expect(l.cgroup_owned);
    cr_expect_not(l.has_exit);
    cr_assert_eq(l.n_annotations, 2);
    cr_expect_str_eq(l.annotations[1].key, "q\"uote");
    cr_expect_str_eq(l.annotations[1].value, "x\ny");
    cove_state_free(&l);
    /* no temp file left behind by the atomic write */
    char p[128];
    snprintf(p, sizeof(p), "%s/c1/.state.json.tmp.%d", tmproot, getpid());
    cr_expect_neq(access(p, F_OK), 0);
    cove_store_close(&st);
}

Test(state, create_refuses_an_existing_id) {
    struct cove_store a, b;
    struct cove_err err = {0};
    cr_assert_eq(cove_store_create(tmproot, "dup", &a, &err), 0);
    cr_expect_eq(cove_store_create(tmproot, "dup", &b, &err), -EEXIST);
    cr_expect(strstr(err.msg, "already exists") != NULL, "%s", err.msg);
    cove_store_close(&b);
    cove_store_close(&a);
}

Test(state, missing_container_says_does_not_exist) {
    struct cove_store st;
    struct cove_err err = {0};
    cr_expect_eq(cove_store_open(tmproot, "nope", &st, &err), -ENOENT);
    cr_expect_str_eq(err.msg, "container \"nope\" does not exist");
    cove_store_close(&st);
}

Test(state, corrupt_state_file_is_an_error_not_a_crash) {
    const char *bad[] = {"", "{", "null", "[]", "{\"id\":1}", "{\"id\":\"x\",\"bundle\":\"/b\",\"rootfs\":\"/r\",\"created\":\"t\",\"pid\":-5}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct cove_state s;
        struct cove_err err = {0};
        cr_expect_lt(cove_state_from_json(bad[i], strlen(bad[i]), &s, &err), 0, "%s", bad[i]);
        cr_expect(strstr(err.msg, "corrupt") != NULL, "%s", err.msg);
    }
    struct cove_state s;
    cr_expect_lt(cove_state_from_json("{\"id\":\"a\0b\"}", 12, &s, NULL), 0);
}

Test(state, remove_deletes_the_directory) {
    struct cove_store st;
    struct cove_err err = {0};
    cr_assert_eq(cove_store_create(tmproot, "gone", &st, &err), 0);
    cr_assert_eq(mkfifoat(st.dirfd, "exec.fifo", 0600), 0);
    cr_assert_eq(cove_store_remove(&st, &err), 0, "%s", err.msg);
    char p[128];
    snprintf(p, sizeof(p), "%s/gone", tmproot);
    cr_expect_neq(access(p, F_OK), 0);
}

Test(state, status_tracks_pid_and_start_time) {
    struct cove_state s = {.pid = getpid(), .pid_start = cove_proc_start_time(getpid(), NULL)};
    cr_assert_neq(s.pid_start, 0);
    cr_expect_eq(cove_state_status(NULL, &s), COVE_STATUS_RUNNING);
    /* the same pid with another start time is a recycled pid: stopped */
    s.pid_start += 1;
    cr_expect_eq(cove_state_status(NULL, &s), COVE_STATUS_STOPPED);
    s.pid = 0;
    cr_expect_eq(cove_state_status(NULL, &s), COVE_STATUS_STOPPED);
}

Test(state, exec_fifo_means_created) {
    struct cove_store st;
    struct cove_err err = {0};
    cr_assert_eq(cove_store_create(tmproot, "f", &st, &err), 0);
    struct cove_state s = {.pid = getpid(), .pid_start = cove_proc_start_time(getpid(), NULL)};
    cr_assert_eq(mkfifoat(st.dirfd, "exec.fifo", 0600), 0);
    cr_expect_eq(cove_state_status(&st, &s), COVE_STATUS_CREATED);
    unlinkat(st.dirfd, "exec.fifo", 0);
    cr_expect_eq(cove_state_status(&st, &s), COVE_STATUS_RUNNING);
    cove_store_close(&st);
}

Test(state, list_is_sorted_and_skips_junk) {
    struct cove_store a, b;
    struct cove_err err = {0};
    cr_assert_eq(cove_store_create(tmproot, "zeta", &a, &err), 0);
    cr_assert_eq(cove_store_create(tmproot, "alpha", &b, &err), 0);
    char p[128];
    snprintf(p, sizeof(p), "%s/.hidden", tmproot);
    mkdir(p, 0700);
    char **ids;
    size_t n;
    cr_assert_eq(cove_store_list(tmproot, &ids, &n, &err), 0);
    cr_assert_eq(n, 2);
    cr_expect_str_eq(ids[0], "alpha");
    cr_expect_str_eq(ids[1], "zeta");
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
    cove_store_close(&a);
    cove_store_close(&b);
}

Test(lifecycle, transitions_follow_the_spec) {
    cr_expect(cove_can_start(COVE_STATUS_CREATED));
    cr_expect_not(cove_can_start(COVE_STATUS_RUNNING));
    cr_expect_not(cove_can_start(COVE_STATUS_STOPPED));
    cr_expect(cove_can_kill(COVE_STATUS_CREATED));
    cr_expect(cove_can_kill(COVE_STATUS_RUNNING));
    cr_expect_not(cove_can_kill(COVE_STATUS_STOPPED));
    cr_expect(cove_can_delete(COVE_STATUS_STOPPED, false));
    cr_expect_not(cove_can_delete(COVE_STATUS_RUNNING, false));
    cr_expect(cove_can_delete(COVE_STATUS_CREATED, false));
    cr_expect(cove_can_delete(COVE_STATUS_RUNNING, true));
    cr_expect(cove_can_resume(COVE_STATUS_PAUSED));
    cr_expect_not(cove_can_resume(COVE_STATUS_RUNNING));
    cr_expect_not(cove_can_exec(COVE_STATUS_STOPPED));
}

Test(lifecycle, errors_keep_runc_words) {
    struct cove_err err = {0};
    cr_expect_lt(cove_check_kill("x", COVE_STATUS_STOPPED, &err), 0);
    cr_expect_str_eq(err.msg, "container not running");
    cr_expect_lt(cove_check_delete("x", COVE_STATUS_RUNNING, false, &err), 0);
    cr_expect(strstr(err.msg, "not stopped") != NULL);
    cr_expect_lt(cove_check_exec("x", COVE_STATUS_STOPPED, &err), 0);
    cr_expect_str_eq(err.msg, "cannot exec in a stopped container");
    cr_expect_lt(cove_check_start("x", COVE_STATUS_STOPPED, &err), 0);
    cr_expect(strstr(err.msg, "stopped") != NULL);
}

/* owns: the first save makes the file, the later ones rewrite it in place
 * (same inode: no rename over it, docs/benchmark.md "discard"), longer or
 * shorter, and load reads back the last one with its unit */
Test(state, owns_saves_rewrite_in_place_and_load_the_last) {
    struct cove_store st;
    struct cove_err err = {0};
    cr_assert_eq(cove_store_create(tmproot, "ow", &st, &err), 0, "%s", err.msg);
    struct cove_owns o = {.cgroup_path = "/cove-test/ow"};
    cr_assert_eq(cove_owns_save(&st, &o, &err), 0, "%s", err.msg);
    struct stat a, b;
    cr_assert_eq(fstatat(st.dirfd, "owns", &a, 0), 0);
    o = (struct cove_owns){.cgroup_path = "/cove-test/ow", .systemd_unit = "cove-ow.scope", .pid = 123456,
                           .pid_start = 987654321ULL};
    cr_assert_eq(cove_owns_save(&st, &o, &err), 0, "%s", err.msg);
    cr_assert_eq(fstatat(st.dirfd, "owns", &b, 0), 0);
    cr_expect_eq(a.st_ino, b.st_ino, "owns was replaced, not rewritten");
    struct cove_owns l;
    cr_assert_eq(cove_owns_load(&st, &l, &err), 0, "%s", err.msg);
    cr_expect_str_eq(l.cgroup_path, "/cove-test/ow");
    cr_expect_str_eq(l.systemd_unit, "cove-ow.scope");
    cr_expect_eq(l.pid, 123456);
    cr_expect_eq(l.pid_start, 987654321ULL);
    cove_owns_free(&l);
    o = (struct cove_owns){.cgroup_path = "/c", .pid = 7, .pid_start = 8};
    cr_assert_eq(cove_owns_save(&st, &o, &err), 0, "%s", err.msg);
    cr_assert_eq(cove_owns_load(&st, &l, &err), 0, "%s", err.msg);
    cr_expect_str_eq(l.cgroup_path, "/c");
    cr_expect_null(l.systemd_unit, "a stale unit line survived a shorter rewrite");
    cr_expect_eq(l.pid, 7);
    cove_owns_free(&l);
    cove_store_remove(&st, &err);
}
