/* Unit tests for cgroups/stats.c (stats, frozen, OOM counter) and for
 * runtime/config/config_update.c (a bare linux.resources document), on a fake
 * cgroupfs tree in a temp dir: directories and the files the kernel would
 * show, with the contents a real kernel prints. No root needed. */
#include <criterion/criterion.h>

#include <ftw.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroups/cgroups.h"
#include "runtime/config/config.h"

#define CGF_TMP_TEMPLATE "/tmp/cove-cgstats-XXXXXX"
#include "cgroup_fixture.h"

static void open_cg(struct cove_cgroup_host *h, struct cove_cgroup *cg, const char *root, enum cove_cgroup_mode mode) {
    struct cove_err err = { 0 };
    put(P("self"), "0::/\n");
    cr_assert_eq(cove_cgroup_host_init(h, P("%s", root), mode, P("self"), &err), 0, "%s", err.msg);
    cr_assert_eq(cove_cgroup_open(h, "/c", cg, &err), 0, "%s", err.msg);
}

static void close_cg(struct cove_cgroup_host *h, struct cove_cgroup *cg) {
    cove_cgroup_free(cg);
    cove_cgroup_host_free(h);
}

/* ---------------------------------------------------------------- v1 */

static void fake_v1(void) {
    static const char *hiers[] = { "cpu,cpuacct", "memory", "pids", "blkio", "hugetlb", "freezer" };
    for (size_t i = 0; i < sizeof(hiers) / sizeof(hiers[0]); i++)
        mkdirs(P("cg/%s/c", hiers[i]));
    put(P("cg/cpu,cpuacct/c/cpuacct.usage"), "3000000000\n");
    put(P("cg/cpu,cpuacct/c/cpuacct.usage_percpu"), "1000000000 2000000000 \n");
    put(P("cg/cpu,cpuacct/c/cpuacct.stat"), "user 150\nsystem 50\n");
    put(P("cg/cpu,cpuacct/c/cpu.stat"), "nr_periods 20\nnr_throttled 7\nthrottled_time 123456\n");
    put(P("cg/memory/c/memory.usage_in_bytes"), "1048576\n");
    put(P("cg/memory/c/memory.max_usage_in_bytes"), "2097152\n");
    put(P("cg/memory/c/memory.limit_in_bytes"), "33554432\n");
    put(P("cg/memory/c/memory.failcnt"), "4\n");
    put(P("cg/memory/c/memory.memsw.usage_in_bytes"), "1048576\n");
    put(P("cg/memory/c/memory.memsw.limit_in_bytes"), "9223372036854771712\n");
    put(P("cg/memory/c/memory.stat"), "cache 8192\nrss 4096\ntotal_cache 8192\n");
    put(P("cg/memory/c/memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
    put(P("cg/pids/c/pids.current"), "3\n");
    put(P("cg/pids/c/pids.max"), "max\n");
    put(P("cg/blkio/c/blkio.io_service_bytes_recursive"), "Total 0\n");
    put(P("cg/blkio/c/blkio.throttle.io_service_bytes"), "8:0 Read 4096\n8:0 Write 8192\n8:0 Total 12288\nTotal 12288\n");
    put(P("cg/blkio/c/blkio.throttle.io_serviced"), "8:0 Read 1\n8:0 Write 2\n");
    put(P("cg/hugetlb/c/hugetlb.2MB.usage_in_bytes"), "2097152\n");
    put(P("cg/hugetlb/c/hugetlb.2MB.max_usage_in_bytes"), "4194304\n");
    put(P("cg/hugetlb/c/hugetlb.2MB.failcnt"), "1\n");
    put(P("cg/hugetlb/c/hugetlb.2MB.limit_in_bytes"), "max\n");
    put(P("cg/freezer/c/freezer.state"), "THAWED\n");
}

Test(cgroups_stats, v1_counters_in_runc_units, .init = setup, .fini = teardown) {
    fake_v1();
    struct cove_cgroup_host h;
    struct cove_cgroup cg;
    open_cg(&h, &cg, "cg", COVE_CG_LEGACY);
    struct cove_cgroup_stats st;
    struct cove_err err = { 0 };
    cr_assert_eq(cove_cgroup_stats(&cg, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.cpu.total, 3000000000ULL);
    cr_assert_eq(st.cpu.n_percpu, 2);
    cr_assert_eq(st.cpu.percpu[1], 2000000000ULL);
    cr_assert_eq(st.cpu.user, 1500000000ULL, "USER_HZ ticks to ns");
    cr_assert_eq(st.cpu.kernel, 500000000ULL);
    cr_assert_eq(st.cpu.periods, 20);
    cr_assert_eq(st.cpu.throttled_periods, 7);
    cr_assert_eq(st.cpu.throttled_time, 123456);
    cr_assert_eq(st.memory.usage.usage, 1048576);
    cr_assert_eq(st.memory.usage.max, 2097152);
    cr_assert_eq(st.memory.usage.limit, 33554432);
    cr_assert_eq(st.memory.usage.failcnt, 4);
    cr_assert_eq(st.memory.swap.limit, 9223372036854771712ULL);
    cr_assert_eq(st.memory.cache, 8192);
    cr_assert_eq(st.memory.n_raw, 3);
    cr_assert_str_eq(st.memory.raw[1].key, "rss");
    cr_assert_eq(st.memory.raw[1].value, 4096);
    cr_assert_eq(st.memory.oom_kill, 2);
    cr_assert_eq(st.pids.current, 3);
    cr_assert_eq(st.pids.limit, 0, "pids.max \"max\" reads as 0, as runc");
    cr_assert_eq(st.blkio.n_service_bytes, 3, "falls back to the throttle counters");
    cr_assert_str_eq(st.blkio.service_bytes[1].op, "Write");
    cr_assert_eq(st.blkio.service_bytes[1].value, 8192);
    cr_assert_eq(st.blkio.service_bytes[1].major, 8);
    cr_assert_eq(st.blkio.n_serviced, 2);
    cr_assert_eq(st.n_hugetlb, 1);
    cr_assert_str_eq(st.hugetlb[0].page_size, "2MB");
    cr_assert_eq(st.hugetlb[0].usage, 2097152);
    cr_assert_eq(st.hugetlb[0].max, 4194304);
    cr_assert_eq(st.hugetlb[0].failcnt, 1);
    cove_cgroup_stats_free(&st);
    close_cg(&h, &cg);
}

Test(cgroups_stats, v1_frozen_reads_freezer_state, .init = setup, .fini = teardown) {
    fake_v1();
    struct cove_cgroup_host h;
    struct cove_cgroup cg;
    open_cg(&h, &cg, "cg", COVE_CG_LEGACY);
    bool frozen = true;
    struct cove_err err = { 0 };
    cr_assert_eq(cove_cgroup_frozen(&cg, &frozen, &err), 0, "%s", err.msg);
    cr_assert(!frozen);
    put(P("cg/freezer/c/freezer.state"), "FROZEN\n");
    cr_assert_eq(cove_cgroup_frozen(&cg, &frozen, &err), 0, "%s", err.msg);
    cr_assert(frozen);
    put(P("cg/freezer/c/freezer.state"), "FREEZING\n");
    cr_assert_eq(cove_cgroup_frozen(&cg, &frozen, &err), 0, "%s", err.msg);
    cr_assert(!frozen, "FREEZING is not (yet) paused");
    uint64_t n = 0;
    cr_assert_eq(cove_cgroup_oom_count(&cg, &n, &err), 0, "%s", err.msg);
    cr_assert_eq(n, 2);
    close_cg(&h, &cg);
}

Test(cgroups_stats, unparsable_counter_names_the_file, .init = setup, .fini = teardown) {
    fake_v1();
    put(P("cg/pids/c/pids.current"), "lots\n");
    struct cove_cgroup_host h;
    struct cove_cgroup cg;
    open_cg(&h, &cg, "cg", COVE_CG_LEGACY);
    struct cove_cgroup_stats st;
    struct cove_err err = { 0 };
    cr_assert_eq(cove_cgroup_stats(&cg, &st, &err), -EINVAL);
    cr_assert(strstr(err.msg, "pids/c/pids.current") != NULL, "%s", err.msg);
    cove_cgroup_stats_free(&st);
    close_cg(&h, &cg);
}

Test(cgroups_stats, missing_controllers_leave_zeros, .init = setup, .fini = teardown) {
    mkdirs(P("cg/pids/c"));
    put(P("cg/pids/c/pids.current"), "1\n");
    struct cove_cgroup_host h;
    struct cove_cgroup cg;
    open_cg(&h, &cg, "cg", COVE_CG_LEGACY);
    struct cove_cgroup_stats st;
    struct cove_err err = { 0 };
    cr_assert_eq(cove_cgroup_stats(&cg, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.pids.current, 1);
    cr_assert_eq(st.cpu.total, 0);
    cr_assert_eq(st.memory.usage.limit, 0);
    bool frozen = true;
    cr_assert_eq(cove_cgroup_frozen(&cg, &frozen, &err), 0);
    cr_assert(!frozen, "no freezer at all: not frozen");
    int fd = -1;
    cr_assert_eq(cove_cgroup_oom_watch(&cg, &fd, &err), -EOPNOTSUPP);
    cove_cgroup_stats_free(&st);
    close_cg(&h, &cg);
}

/* ---------------------------------------------------------------- v2 */

static void fake_v2(void) {
    mkdirs(P("cg2/c"));
    put(P("cg2/c/cgroup.freeze"), "0\n");
    put(P("cg2/c/cpu.stat"), "usage_usec 3000\nuser_usec 2000\nsystem_usec 1000\nnr_periods 10\n"
                             "nr_throttled 4\nthrottled_usec 500\nnr_bursts 0\nburst_usec 0\n");
    put(P("cg2/c/memory.current"), "1048576\n");
    put(P("cg2/c/memory.max"), "max\n");
    put(P("cg2/c/memory.peak"), "2097152\n");
    put(P("cg2/c/memory.events"), "low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\noom_group_kill 0\n");
    put(P("cg2/c/memory.swap.current"), "4096\n");
    put(P("cg2/c/memory.swap.max"), "0\n");
    put(P("cg2/c/memory.stat"), "anon 4096\nfile 8192\n");
    put(P("cg2/c/pids.current"), "2\n");
    put(P("cg2/c/pids.max"), "10\n");
    put(P("cg2/c/io.stat"), "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n");
    put(P("cg2/c/hugetlb.2MB.current"), "0\n");
    put(P("cg2/c/hugetlb.2MB.max"), "max\n");
    put(P("cg2/c/hugetlb.2MB.events"), "max 3\n");
}

Test(cgroups_stats, v2_counters_converted_like_runc, .init = setup, .fini = teardown) {
    fake_v2();
    struct cove_cgroup_host h;
    struct cove_cgroup cg;
    open_cg(&h, &cg, "cg2", COVE_CG_UNIFIED);
    struct cove_cgroup_stats st;
    struct cove_err err = { 0 };
    cr_assert_eq(cove_cgroup_stats(&cg, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.cpu.total, 3000000, "usec to ns");
    cr_assert_eq(st.cpu.user, 2000000);
    cr_assert_eq(st.cpu.kernel, 1000000);
    cr_assert_eq(st.cpu.throttled_periods, 4);
    cr_assert_eq(st.cpu.throttled_time, 500000);
    cr_assert_eq(st.memory.usage.usage, 1048576);
    cr_assert_eq(st.memory.usage.limit, UINT64_MAX, "\"max\"");
    cr_assert_eq(st.memory.usage.max, 2097152);
    cr_assert_eq(st.memory.usage.failcnt, 5, "memory.events max");
    cr_assert_eq(st.memory.swap.usage, 1048576 + 4096, "swap reported as memory+swap");
    cr_assert_eq(st.memory.swap.limit, UINT64_MAX, "saturates");
    cr_assert_eq(st.memory.cache, 8192, "file");
    cr_assert_eq(st.memory.oom_kill, 1);
    cr_assert_eq(st.pids.current, 2);
    cr_assert_eq(st.pids.limit, 10);
    cr_assert_eq(st.blkio.n_service_bytes, 2);
    cr_assert_str_eq(st.blkio.service_bytes[0].op, "Read");
    cr_assert_eq(st.blkio.service_bytes[0].value, 4096);
    cr_assert_eq(st.blkio.n_serviced, 2);
    cr_assert_eq(st.blkio.serviced[1].value, 2);
    cr_assert_eq(st.n_hugetlb, 1);
    cr_assert_eq(st.hugetlb[0].failcnt, 3);
    cove_cgroup_stats_free(&st);
    close_cg(&h, &cg);
}

Test(cgroups_stats, v2_frozen_and_oom_watch_on_memory_events, .init = setup, .fini = teardown) {
    fake_v2();
    struct cove_cgroup_host h;
    struct cove_cgroup cg;
    open_cg(&h, &cg, "cg2", COVE_CG_UNIFIED);
    struct cove_err err = { 0 };
    bool frozen = true;
    cr_assert_eq(cove_cgroup_frozen(&cg, &frozen, &err), 0, "%s", err.msg);
    cr_assert(!frozen);
    put(P("cg2/c/cgroup.freeze"), "1\n");
    cr_assert_eq(cove_cgroup_frozen(&cg, &frozen, &err), 0, "%s", err.msg);
    cr_assert(frozen);

    int fd = -1;
    cr_assert_eq(cove_cgroup_oom_watch(&cg, &fd, &err), 0, "%s", err.msg);
    uint64_t last = 1;
    bool fired = true;
    cr_assert_eq(cove_cgroup_oom_check(&cg, fd, &last, &fired, &err), 0, "%s", err.msg);
    cr_assert(!fired, "count unchanged");
    put(P("cg2/c/memory.events"), "low 0\nhigh 0\nmax 9\noom 2\noom_kill 2\n");
    cr_assert_eq(cove_cgroup_oom_check(&cg, fd, &last, &fired, &err), 0, "%s", err.msg);
    cr_assert(fired);
    cr_assert_eq(last, 2);
    close(fd);
    close_cg(&h, &cg);
}

/* ---------------------------------------------------------------- kill --all */

static char *slurp(const char *path) {
    static char buf[256];
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

Test(cgroups_stats, v1_kill_all_freezes_signals_every_pid_and_thaws, .init = setup, .fini = teardown) {
    fake_v1();
    pid_t a = fork(), b;
    cr_assert_geq(a, 0);
    if (a == 0) { pause(); _exit(0); }
    b = fork();
    cr_assert_geq(b, 0);
    if (b == 0) { pause(); _exit(0); }
    char procs[64];
    snprintf(procs, sizeof(procs), "%d\n%d\n", (int)a, (int)b);
    put(P("cg/pids/c/cgroup.procs"), procs);
    struct cove_cgroup_host h;
    struct cove_cgroup cg;
    open_cg(&h, &cg, "cg", COVE_CG_LEGACY);
    struct cove_err err = { 0 };
    cr_assert_eq(cove_cgroup_kill_all(&cg, SIGTERM, &err), 0, "%s", err.msg);
    int st;
    cr_assert_eq(waitpid(a, &st, 0), a);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    cr_assert_eq(waitpid(b, &st, 0), b);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    cr_assert_str_eq(slurp(P("cg/freezer/c/freezer.state")), "THAWED", "thawed again after signalling");
    close_cg(&h, &cg);
}

Test(cgroups_stats, v2_kill_all_with_sigkill_writes_cgroup_kill, .init = setup, .fini = teardown) {
    fake_v2();
    put(P("cg2/c/cgroup.kill"), "");
    put(P("cg2/c/cgroup.procs"), "");
    struct cove_cgroup_host h;
    struct cove_cgroup cg;
    open_cg(&h, &cg, "cg2", COVE_CG_UNIFIED);
    struct cove_err err = { 0 };
    cr_assert_eq(cove_cgroup_kill_all(&cg, SIGKILL, &err), 0, "%s", err.msg);
    cr_assert_str_eq(slurp(P("cg2/c/cgroup.kill")), "1");
    close_cg(&h, &cg);
}

/* ---------------------------------------------------------------- update */

Test(config_update, parses_a_bare_resources_object) {
    const char *json = "{\"memory\":{\"limit\":134217728,\"swap\":268435456},\"cpu\":{\"quota\":50000,"
                       "\"period\":100000,\"cpus\":\"0-1\"},\"pids\":{\"limit\":42},"
                       "\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}";
    struct cove_resources r;
    struct cove_err err = { 0 };
    cr_assert_eq(cove_config_parse_resources(json, strlen(json), &r, &err), 0, "%s", err.msg);
    cr_assert(r.set && r.has_memory && r.has_cpu && r.has_pids);
    cr_assert(r.memory.limit.set);
    cr_assert_eq(r.memory.limit.v, 134217728);
    cr_assert_eq(r.memory.swap.v, 268435456);
    cr_assert(!r.memory.reservation.set, "absent fields stay unset (left alone by update)");
    cr_assert_eq(r.cpu.quota.v, 50000);
    cr_assert_str_eq(r.cpu.cpus, "0-1");
    cr_assert_eq(r.pids_limit.v, 42);
    cr_assert_eq(r.n_devices, 1);
    cr_assert(!r.has_blkio);
    cove_config_free_resources(&r);
}

Test(config_update, errors_name_the_resources_field) {
    struct cove_resources r;
    struct cove_err err = { 0 };
    const char *bad = "{\"memory\":{\"limit\":\"lots\"}}";
    cr_assert_lt(cove_config_parse_resources(bad, strlen(bad), &r, &err), 0);
    cr_assert(strncmp(err.msg, "resources.memory.limit", 22) == 0, "%s", err.msg);
    cove_config_free_resources(&r);
    const char *arr = "[1]";
    cr_assert_lt(cove_config_parse_resources(arr, strlen(arr), &r, &err), 0);
    cr_assert(strstr(err.msg, "must be a JSON object") != NULL, "%s", err.msg);
    cove_config_free_resources(&r);
    const char *junk = "{\"memory\":";
    cr_assert_lt(cove_config_parse_resources(junk, strlen(junk), &r, &err), 0);
    cove_config_free_resources(&r);
}
