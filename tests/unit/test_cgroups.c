/* Unit tests for cgroups/: both backends on a fake cgroupfs in a temp dir
 * (directories plus the files the kernel would provide, as empty regular
 * files). No root needed. */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroups/cgroups.h"
#include "cgroups/internal.h"

#define CGF_TMP_TEMPLATE "/tmp/cove-cgtest-XXXXXX"
#include "cgroup_fixture.h"

/* Create empty files in dir, NULL-terminated list. */
static void touch(const char *dir, ...) {
    va_list ap;
    va_start(ap, dir);
    for (const char *f; (f = va_arg(ap, const char *));) {
        char p[600];
        snprintf(p, sizeof(p), "%s/%s", dir, f);
        put(p, "");
    }
    va_end(ap);
}

static char *slurp(const char *path) {
    static char buf[4096];
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static bool exists(const char *p) { return access(p, F_OK) == 0; }

/* The fake kernel: the library's mkdir() resolves to this one (the test
 * executable's symbol wins over libc's), which populates a new directory
 * with the files the kernel would create in it. */
int mkdir(const char *path, mode_t mode) {
    int r = (int)syscall(SYS_mkdirat, AT_FDCWD, path, mode);
    if (r == 0 && strstr(path, "/cg2/")) {
        touch(path, "cgroup.procs", "cgroup.subtree_control", "cgroup.freeze", "cgroup.kill", "memory.max",
              "memory.low", "memory.swap.max", "cpu.weight", "cpu.max", "cpu.max.burst", "cpu.idle", "cpuset.cpus",
              "cpuset.mems", "pids.max", "io.weight", "io.max", "hugetlb.1GB.max", "rdma.max", "memory.high", NULL);
        char ev[600];
        snprintf(ev, sizeof(ev), "%s/cgroup.events", path);
        put(ev, "populated 0\nfrozen 0\n");
    }
    if (r == 0 && strstr(path, "/cg/")) {
        touch(path, "cgroup.procs", NULL);
        if (strstr(path, "/cpuset/"))
            touch(path, "cpuset.cpus", "cpuset.mems", NULL);
    }
    return r;
}

/* Remove the regular files the kernel would remove with the directory. */
static int unlink_files_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)ftw;
    if (flag == FTW_F && S_ISREG(sb->st_mode))
        unlink(p);
    return 0;
}
static void drop_files(const char *dir) { nftw(dir, unlink_files_cb, 16, FTW_PHYS); }

static const char *v1_hiers[] = { "blkio", "cpu,cpuacct", "cpuset", "devices", "freezer", "hugetlb",
                                  "memory", "net_cls,net_prio", "pids", "rdma", "systemd" };

static void fake_v1(bool hybrid) {
    for (size_t i = 0; i < sizeof(v1_hiers) / sizeof(v1_hiers[0]); i++)
        mkdirs(P("cg/%s", v1_hiers[i]));
    symlink("cpu,cpuacct", P("cg/cpu"));
    symlink("cpu,cpuacct", P("cg/cpuacct"));
    put(P("cg/cpuset/cpuset.cpus"), "0-3\n");
    put(P("cg/cpuset/cpuset.mems"), "0\n");
    if (hybrid)
        mkdirs(P("cg/unified"));
    put(P("self"), "12:name=systemd:/user.slice/s1\n11:cpuacct,cpu:/\n5:memory:/own/mem\n0::/own2\n");
}

static void host_init(struct cove_cgroup_host *h, enum cove_cgroup_mode mode) {
    struct cove_err err = { 0 };
    int r = cove_cgroup_host_init(h, P("cg"), mode, P("self"), &err);
    cr_assert_eq(r, 0, "%s", err.msg);
}

/* ---------------------------------------------------------------- mode & host */

Test(cgroups, mode_from_statfs_magic) {
    enum cove_cgroup_mode m;
    cr_assert_eq(cove_cgroup_mode_from_magic(CGROUP2_SUPER_MAGIC, 0, &m), 0);
    cr_assert_eq(m, COVE_CG_UNIFIED);
    cr_assert_eq(cove_cgroup_mode_from_magic(TMPFS_MAGIC, CGROUP2_SUPER_MAGIC, &m), 0);
    cr_assert_eq(m, COVE_CG_HYBRID);
    cr_assert_eq(cove_cgroup_mode_from_magic(TMPFS_MAGIC, 0, &m), 0);
    cr_assert_eq(m, COVE_CG_LEGACY);
    cr_assert_eq(cove_cgroup_mode_from_magic(0xEF53 /* ext4 */, 0, &m), -EINVAL);
}

Test(cgroups, host_init_lists_hierarchies_and_own_cgroups, .init = setup, .fini = teardown) {
    fake_v1(true);
    struct cove_cgroup_host h;
    host_init(&h, COVE_CG_HYBRID);
    cr_assert_eq(h.n_v1_dirs, sizeof(v1_hiers) / sizeof(v1_hiers[0]), "symlinks and unified are skipped");
    for (size_t i = 0; i < h.n_v1_dirs; i++)
        cr_assert_str_eq(h.v1_dirs[i], v1_hiers[i]);
    cr_assert_str_eq(h.v1_own[1], "/");                 /* cpu,cpuacct matched as a set */
    cr_assert_str_eq(h.v1_own[6], "/own/mem");          /* memory */
    cr_assert_str_eq(h.v1_own[10], "/user.slice/s1");   /* name=systemd -> systemd */
    cr_assert_str_eq(h.v1_own[0], "/");                 /* not listed */
    cr_assert_str_eq(h.v2_own, "/own2");
    cove_cgroup_host_free(&h);
}

/* ---------------------------------------------------------------- paths */

static void check_resolve(const char *in, const char *id, const char *want) {
    struct cove_err err = { 0 };
    char *out = NULL;
    int r = cove_cgroup_resolve_path(in, id, &out, &err);
    cr_assert_eq(r, 0, "%s: %s", in ? in : "(null)", err.msg);
    cr_assert_str_eq(out, want);
    free(out);
}

static void check_resolve_fails(const char *in, const char *id, const char *want_in_msg) {
    struct cove_err err = { 0 };
    char *out = NULL;
    cr_assert_eq(cove_cgroup_resolve_path(in, id, &out, &err), -EINVAL, "%s", in ? in : "(null)");
    cr_assert_null(out);
    cr_assert(strstr(err.msg, "linux.cgroupsPath") && strstr(err.msg, want_in_msg), "%s", err.msg);
}

Test(cgroups, resolve_path_follows_cgroupfs_driver_rules) {
    check_resolve("/cove/abc", "x", "/cove/abc");
    check_resolve("//cove/./abc/", "x", "/cove/abc");
    check_resolve("cove/abc", "x", "cove/abc");          /* relative stays relative */
    check_resolve("./a//b", "x", "a/b");
    check_resolve(NULL, "myid", "myid");                /* absent: <id> under own cgroup */
    check_resolve("", "myid", "myid");
}

Test(cgroups, resolve_path_rejects_dotdot_root_and_bad_id) {
    check_resolve_fails("/a/../../etc", "x", "..");
    check_resolve_fails("..", "x", "..");
    check_resolve_fails("/", "x", "below the root");
    check_resolve_fails("/./", "x", "below the root");
    check_resolve_fails(NULL, "a/b", "a/b");
    check_resolve_fails(NULL, "..", "..");
}

/* ---------------------------------------------------------------- v1 create/destroy */

Test(cgroups, v1_create_records_only_new_dirs_and_destroy_removes_them, .init = setup, .fini = teardown) {
    fake_v1(true);
    mkdirs(P("cg/memory/pre"));
    struct cove_cgroup_host h;
    host_init(&h, COVE_CG_HYBRID);
    struct cove_cgroup cg;
    struct cove_err err = { 0 };
    int r = cove_cgroup_create(&h, "/pre/c1", &cg, &err);
    cr_assert_eq(r, 0, "%s", err.msg);
    cr_assert_eq(cg.n_leaves, h.n_v1_dirs + 1);
    cr_assert_str_eq(cg.leaves[6].dir, P("cg/memory/pre/c1"));
    cr_assert_null(cg.leaves[h.n_v1_dirs].hierarchy);
    cr_assert_str_eq(cg.leaves[h.n_v1_dirs].dir, P("cg/unified/pre/c1"));
    cr_assert_geq(cg.v2_fd, 0, "hybrid has a cgroup2 leaf for CLONE_INTO_CGROUP");
    /* memory had "pre": 1 new dir there; 2 in the 10 other v1 + unified */
    cr_assert_eq(cg.n_dirs, 1 + 2 * (h.n_v1_dirs - 1) + 2);
    for (size_t i = 0; i < cg.n_dirs; i++)
        cr_assert_str_neq(cg.dirs[i], P("cg/memory/pre"), "pre-existing parent recorded");
    /* a new cpuset cgroup is seeded from its parent, every level */
    cr_assert_str_eq(slurp(P("cg/cpuset/pre/cpuset.cpus")), "0-3");
    cr_assert_str_eq(slurp(P("cg/cpuset/pre/c1/cpuset.mems")), "0");

    drop_files(P("cg"));
    r = cove_cgroup_destroy(&cg, &err);
    cr_assert_eq(r, 0, "%s", err.msg);
    cr_assert_eq(cg.n_dirs, 0);
    cr_assert(!exists(P("cg/memory/pre/c1")));
    cr_assert(exists(P("cg/memory/pre")), "pre-existing parent kept");
    cr_assert(!exists(P("cg/pids/pre")));
    cr_assert(!exists(P("cg/unified/pre")));
    cove_cgroup_free(&cg);
    cove_cgroup_host_free(&h);
}

Test(cgroups, v1_relative_path_nests_under_own_cgroup_per_hierarchy, .init = setup, .fini = teardown) {
    fake_v1(false);
    mkdirs(P("cg/memory/own/mem"));
    mkdirs(P("cg/systemd/user.slice/s1"));
    struct cove_cgroup_host h;
    host_init(&h, COVE_CG_LEGACY);
    struct cove_cgroup cg;
    struct cove_err err = { 0 };
    cr_assert_eq(cove_cgroup_create(&h, "ctr", &cg, &err), 0, "%s", err.msg);
    cr_assert_eq(cg.v2_fd, -1, "legacy has no cgroup2 leaf");
    cr_assert(exists(P("cg/memory/own/mem/ctr")));
    cr_assert(exists(P("cg/systemd/user.slice/s1/ctr")));
    cr_assert(exists(P("cg/pids/ctr")));
    cr_assert_eq(cg.n_dirs, h.n_v1_dirs, "one new dir per hierarchy");

    /* open finds the existing dirs again (delete after a crash) */
    struct cove_cgroup cg2;
    cr_assert_eq(cove_cgroup_open(&h, "ctr", &cg2, &err), 0, "%s", err.msg);
    cr_assert_eq(cg2.n_leaves, h.n_v1_dirs);
    drop_files(P("cg"));
    cr_assert_eq(cove_cgroup_destroy(&cg2, &err), 0, "%s", err.msg);
    cr_assert(!exists(P("cg/memory/own/mem/ctr")));
    cr_assert(exists(P("cg/memory/own/mem")));
    cove_cgroup_free(&cg2);
    cr_assert_eq(cove_cgroup_open(&h, "ctr", &cg2, &err), -ENOENT);
    cr_assert(strstr(err.msg, "does not exist"), "%s", err.msg);
    cove_cgroup_free(&cg);
    cove_cgroup_host_free(&h);
}

/* ---------------------------------------------------------------- v1 apply */

static struct cove_cgroup make_v1(struct cove_cgroup_host *h) {
    fake_v1(true);
    host_init(h, COVE_CG_HYBRID);
    struct cove_cgroup cg;
    struct cove_err err = { 0 };
    cr_assert_eq(cove_cgroup_create(h, "/c", &cg, &err), 0, "%s", err.msg);
    touch(P("cg/memory/c"), "memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.soft_limit_in_bytes",
          "memory.swappiness", "memory.oom_control", "cgroup.procs", NULL);
    touch(P("cg/cpu,cpuacct/c"), "cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.cfs_burst_us",
          "cpu.rt_runtime_us", "cpu.rt_period_us", "cpu.idle", NULL);
    touch(P("cg/pids/c"), "pids.max", NULL);
    touch(P("cg/blkio/c"), "blkio.weight", "blkio.leaf_weight", "blkio.weight_device", "blkio.throttle.read_bps_device",
          "blkio.throttle.write_iops_device", NULL);
    touch(P("cg/hugetlb/c"), "hugetlb.2MB.limit_in_bytes", NULL);
    touch(P("cg/net_cls,net_prio/c"), "net_cls.classid", "net_prio.ifpriomap", NULL);
    touch(P("cg/devices/c"), "devices.allow", "devices.deny", NULL);
    touch(P("cg/rdma/c"), "rdma.max", NULL);
    touch(P("cg/freezer/c"), "freezer.state", NULL);
    return cg;
}

static void destroy_fake(struct cove_cgroup *cg, struct cove_cgroup_host *h) {
    struct cove_err err = { 0 };
    drop_files(P("cg"));
    cr_assert_eq(cove_cgroup_destroy(cg, &err), 0, "%s", err.msg);
    cove_cgroup_free(cg);
    cove_cgroup_host_free(h);
}

Test(cgroups, v1_apply_writes_runc_files_and_values, .init = setup, .fini = teardown) {
    struct cove_cgroup_host h;
    struct cove_cgroup cg = make_v1(&h);
    struct cove_throttle_device rbps = { .major = 8, .minor = 0, .rate = 1048576 };
    struct cove_throttle_device wiops = { .major = 8, .minor = 16, .rate = 300 };
    struct cove_weight_device wd = { .major = 8, .minor = 0, .weight = { true, 500 } };
    struct cove_hugepage_limit hp = { .page_size = "2MB", .limit = 4194304 };
    struct cove_net_priority np = { .name = "eth0", .priority = 5 };
    struct cove_rdma rd = { .device = "mlx4_0", .hca_handles = { true, 3 }, .hca_objects = { false, 0 } };
    struct cove_resources res = {
        .set = true,
        .has_memory = true,
        .memory = { .limit = { true, 1 << 28 }, .swap = { true, 1 << 29 }, .reservation = { true, 1 << 27 },
                    .swappiness = { true, 10 }, .has_disable_oom_killer = true, .disable_oom_killer = true },
        .has_cpu = true,
        .cpu = { .shares = { true, 512 }, .quota = { true, 50000 }, .period = { true, 100000 }, .burst = { true, 1000 },
                 .realtime_runtime = { true, 950 }, .realtime_period = { true, 1000 }, .idle = { true, 0 },
                 .cpus = "1", .mems = "0" },
        .has_pids = true, .pids_limit = { true, 100 },
        .has_blkio = true,
        .blkio = { .weight = { true, 300 }, .leaf_weight = { true, 200 }, .weight_device = &wd, .n_weight_device = 1,
                   .throttle_read_bps = &rbps, .n_throttle_read_bps = 1, .throttle_write_iops = &wiops,
                   .n_throttle_write_iops = 1 },
        .hugepages = &hp, .n_hugepages = 1,
        .has_network = true, .net_class_id = { true, 0x100001 },
        .net_priorities = &np, .n_net_priorities = 1,
        .rdma = &rd, .n_rdma = 1,
    };
    struct cove_err err = { 0 };
    cr_assert_eq(cove_cgroup_validate(&h, &res, &err), 0, "%s", err.msg);
    cr_assert_eq(cove_cgroup_apply(&cg, &res, &err), 0, "%s", err.msg);
    cr_assert_str_eq(slurp(P("cg/memory/c/memory.limit_in_bytes")), "268435456");
    cr_assert_str_eq(slurp(P("cg/memory/c/memory.memsw.limit_in_bytes")), "536870912", "v1 swap is memory+swap as is");
    cr_assert_str_eq(slurp(P("cg/memory/c/memory.soft_limit_in_bytes")), "134217728");
    cr_assert_str_eq(slurp(P("cg/memory/c/memory.swappiness")), "10");
    cr_assert_str_eq(slurp(P("cg/memory/c/memory.oom_control")), "1");
    cr_assert_str_eq(slurp(P("cg/cpu,cpuacct/c/cpu.shares")), "512");
    cr_assert_str_eq(slurp(P("cg/cpu,cpuacct/c/cpu.cfs_quota_us")), "50000");
    cr_assert_str_eq(slurp(P("cg/cpu,cpuacct/c/cpu.cfs_period_us")), "100000");
    cr_assert_str_eq(slurp(P("cg/cpu,cpuacct/c/cpu.cfs_burst_us")), "1000");
    cr_assert_str_eq(slurp(P("cg/cpu,cpuacct/c/cpu.rt_runtime_us")), "950");
    cr_assert_str_eq(slurp(P("cg/cpu,cpuacct/c/cpu.rt_period_us")), "1000");
    cr_assert_str_eq(slurp(P("cg/cpu,cpuacct/c/cpu.idle")), "0");
    cr_assert_str_eq(slurp(P("cg/cpuset/c/cpuset.cpus")), "1", "resources override the seeded value");
    cr_assert_str_eq(slurp(P("cg/pids/c/pids.max")), "100");
    cr_assert_str_eq(slurp(P("cg/blkio/c/blkio.weight")), "300");
    cr_assert_str_eq(slurp(P("cg/blkio/c/blkio.leaf_weight")), "200");
    cr_assert_str_eq(slurp(P("cg/blkio/c/blkio.weight_device")), "8:0 500");
    cr_assert_str_eq(slurp(P("cg/blkio/c/blkio.throttle.read_bps_device")), "8:0 1048576");
    cr_assert_str_eq(slurp(P("cg/blkio/c/blkio.throttle.write_iops_device")), "8:16 300");
    cr_assert_str_eq(slurp(P("cg/hugetlb/c/hugetlb.2MB.limit_in_bytes")), "4194304");
    cr_assert_str_eq(slurp(P("cg/net_cls,net_prio/c/net_cls.classid")), "1048577");
    cr_assert_str_eq(slurp(P("cg/net_cls,net_prio/c/net_prio.ifpriomap")), "eth0 5");
    cr_assert_str_eq(slurp(P("cg/rdma/c/rdma.max")), "mlx4_0 hca_handle=3");
    cr_assert(!exists(P("cg/devices/c/devices.list")));
    cr_assert_str_eq(slurp(P("cg/devices/c/devices.allow")), "", "no rules: devices untouched");
    destroy_fake(&cg, &h);
}

Test(cgroups, v1_pids_limit_zero_or_negative_is_max, .init = setup, .fini = teardown) {
    struct cove_cgroup_host h;
    struct cove_cgroup cg = make_v1(&h);
    struct cove_resources res = { .set = true, .has_pids = true, .pids_limit = { true, -1 } };
    struct cove_err err = { 0 };
    cr_assert_eq(cove_cgroup_apply(&cg, &res, &err), 0, "%s", err.msg);
    cr_assert_str_eq(slurp(P("cg/pids/c/pids.max")), "max");
    put(P("cg/pids/c/pids.max"), "7");
    res.pids_limit.v = 0;
    cr_assert_eq(cove_cgroup_apply(&cg, &res, &err), 0, "%s", err.msg);
    cr_assert_str_eq(slurp(P("cg/pids/c/pids.max")), "max", "0 is max (docs/cgroups.md)");
    put(P("cg/pids/c/pids.max"), "7");
    res.pids_limit.set = false; /* "pids": {}: untouched (runtime-spec v1.3) */
    cr_assert_eq(cove_cgroup_apply(&cg, &res, &err), 0, "%s", err.msg);
    cr_assert_str_eq(slurp(P("cg/pids/c/pids.max")), "7");
    destroy_fake(&cg, &h);
}

Test(cgroups, v1_cpuset_fills_a_parent_another_create_left_empty, .init = setup, .fini = teardown) {
    /* two sandboxes at once: one made the shared parent and has not filled
     * its cpuset yet when the other puts its leaf under it */
    fake_v1(false);
    mkdirs(P("cg/cpuset/shared"));
    put(P("cg/cpuset/shared/cpuset.cpus"), "");
    put(P("cg/cpuset/shared/cpuset.mems"), "");
    struct cove_cgroup_host h;
    host_init(&h, COVE_CG_LEGACY);
    struct cove_cgroup cg;
    struct cove_err err = { 0 };
    cr_assert_eq(cove_cgroup_create(&h, "/shared/c1", &cg, &err), 0, "%s", err.msg);
    cr_assert_str_eq(slurp(P("cg/cpuset/shared/cpuset.cpus")), "0-3", "the empty parent is filled");
    cr_assert_str_eq(slurp(P("cg/cpuset/shared/c1/cpuset.cpus")), "0-3");
    cr_assert_str_eq(slurp(P("cg/cpuset/shared/c1/cpuset.mems")), "0");
    /* a parent with its own value keeps it, and passes it down */
    put(P("cg/cpuset/shared/cpuset.cpus"), "2\n");
    struct cove_cgroup cg2;
    cr_assert_eq(cove_cgroup_create(&h, "/shared/c2", &cg2, &err), 0, "%s", err.msg);
    cr_assert_str_eq(slurp(P("cg/cpuset/shared/c2/cpuset.cpus")), "2");
    drop_files(P("cg"));
    cove_cgroup_destroy(&cg, &err);
    cove_cgroup_destroy(&cg2, &err);
    cove_cgroup_free(&cg);
    cove_cgroup_free(&cg2);
    cove_cgroup_host_free(&h);
}

Test(cgroups, device_rule_strings) {
    char buf[64];
    struct cove_device_rule r1 = { .allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm" };
    cg_device_rule_string(&r1, buf, sizeof(buf));
    cr_assert_str_eq(buf, "c 1:3 rwm");
    struct cove_device_rule r2 = { .allow = true, .type = 'c', .major = 136, .minor = -1, .access = "rw" };
    cg_device_rule_string(&r2, buf, sizeof(buf));
    cr_assert_str_eq(buf, "c 136:* rw");
    struct cove_device_rule r3 = { .allow = false, .type = 'b', .major = -1, .minor = -1, .access = "m" };
    cg_device_rule_string(&r3, buf, sizeof(buf));
    cr_assert_str_eq(buf, "b *:* m");
    struct cove_device_rule r4 = { .allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm" };
    cg_device_rule_string(&r4, buf, sizeof(buf));
    cr_assert_str_eq(buf, "a");
    /* the implicit list the runtime's /dev needs */
    cr_assert_eq(cg_n_default_device_rules, 11);
    cg_device_rule_string(&cg_default_device_rules[cg_n_default_device_rules - 1], buf, sizeof(buf));
    cr_assert_str_eq(buf, "c 5:2 rwm");
}

Test(cgroups, v1_devices_deny_all_first_then_rules_then_defaults, .init = setup, .fini = teardown) {
    struct cove_cgroup_host h;
    struct cove_cgroup cg = make_v1(&h);
    struct cove_device_rule rules[] = {
        { .allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm" },
        { .allow = true, .type = 'c', .major = 10, .minor = 200, .access = "rwm" },
    };
    struct cove_err err = { 0 };
    cr_assert_eq(cove_cgroup_set_devices(&cg, rules, 2, &err), 0, "%s", err.msg);
    cr_assert_str_eq(slurp(P("cg/devices/c/devices.deny")), "a");
    /* each rule is its own write; the file keeps the last one */
    cr_assert_str_eq(slurp(P("cg/devices/c/devices.allow")), "c 5:2 rwm");
    destroy_fake(&cg, &h);
}

Test(cgroups, v1_devices_without_rules_still_deny_all_then_defaults, .init = setup, .fini = teardown) {
    /* a config without linux.resources.devices: not "a *:* rwm" */
    struct cove_cgroup_host h;
    struct cove_cgroup cg = make_v1(&h);
    struct cove_err err = { 0 };
    cr_assert_eq(cove_cgroup_set_devices(&cg, NULL, 0, &err), 0, "%s", err.msg);
    cr_assert_str_eq(slurp(P("cg/devices/c/devices.deny")), "a");
    cr_assert_str_eq(slurp(P("cg/devices/c/devices.allow")), "c 5:2 rwm");
    destroy_fake(&cg, &h);
}

Test(cgroups, v1_refuses_unified_naming_the_field, .init = setup, .fini = teardown) {
    fake_v1(true);
    struct cove_cgroup_host h;
    host_init(&h, COVE_CG_HYBRID);
    struct cove_kv kv = { .key = "memory.high", .value = "1G" };
    struct cove_resources res = { .set = true, .unified = &kv, .n_unified = 1 };
    struct cove_err err = { 0 };
    cr_assert_eq(cove_cgroup_validate(&h, &res, &err), -EINVAL);
    cr_assert(strstr(err.msg, "linux.resources.unified"), "%s", err.msg);
    struct cove_resources sw = { .set = true, .has_memory = true, .memory = { .swappiness = { true, 101 } } };
    cr_assert_eq(cove_cgroup_validate(&h, &sw, &err), -EINVAL);
    cr_assert(strstr(err.msg, "linux.resources.memory.swappiness"), "%s", err.msg);
    cove_cgroup_host_free(&h);
}

Test(cgroups, v1_validate_names_missing_hierarchy, .init = setup, .fini = teardown) {
    mkdirs(P("cg/memory"));
    put(P("self"), "");
    struct cove_cgroup_host h;
    host_init(&h, COVE_CG_LEGACY);
    struct cove_resources res = { .set = true, .has_pids = true, .pids_limit = { true, 5 } };
    struct cove_err err = { 0 };
    cr_assert_eq(cove_cgroup_validate(&h, &res, &err), -EOPNOTSUPP);
    cr_assert(strstr(err.msg, "linux.resources.pids") && strstr(err.msg, "no pids cgroup hierarchy"), "%s", err.msg);
    cove_cgroup_host_free(&h);
}

Test(cgroups, write_errors_name_the_file_and_value, .init = setup, .fini = teardown) {
    struct cove_cgroup_host h;
    struct cove_cgroup cg = make_v1(&h);
    unlink(P("cg/memory/c/memory.limit_in_bytes"));
    struct cove_resources res = { .set = true, .has_memory = true, .memory = { .limit = { true, 1234 } } };
    struct cove_err err = { 0 };
    cr_assert_eq(cove_cgroup_apply(&cg, &res, &err), -ENOENT);
    char want[600];
    snprintf(want, sizeof(want), "%s: write \"1234\": No such file or directory", P("cg/memory/c/memory.limit_in_bytes"));
    cr_assert_str_eq(err.msg, want);
    destroy_fake(&cg, &h);
}

Test(cgroups, v1_freeze_add_pid_and_pids, .init = setup, .fini = teardown) {
    struct cove_cgroup_host h;
    struct cove_cgroup cg = make_v1(&h);
    struct cove_err err = { 0 };
    cr_assert_eq(cove_cgroup_freeze(&cg, true, &err), 0, "%s", err.msg);
    cr_assert_str_eq(slurp(P("cg/freezer/c/freezer.state")), "FROZEN");
    cr_assert_eq(cove_cgroup_freeze(&cg, false, &err), 0, "%s", err.msg);
    cr_assert_str_eq(slurp(P("cg/freezer/c/freezer.state")), "THAWED");
    touch(P("cg/pids/c"), "cgroup.procs", NULL);
    touch(P("cg/unified/c"), "cgroup.procs", NULL);
    for (size_t i = 0; i < h.n_v1_dirs; i++)
        touch(cg.leaves[i].dir, "cgroup.procs", NULL);
    cr_assert_eq(cove_cgroup_add_pid(&cg, 4242, &err), 0, "%s", err.msg);
    cr_assert_str_eq(slurp(P("cg/systemd/c/cgroup.procs")), "4242");
    cr_assert_str_eq(slurp(P("cg/unified/c/cgroup.procs")), "4242");
    put(P("cg/pids/c/cgroup.procs"), "12\n345\n");
    pid_t *pids = NULL;
    size_t n = 0;
    cr_assert_eq(cove_cgroup_pids(&cg, &pids, &n, &err), 0, "%s", err.msg);
    cr_assert_eq(n, 2);
    cr_assert_eq(pids[0], 12);
    cr_assert_eq(pids[1], 345);
    free(pids);
    put(P("cg/pids/c/cgroup.procs"), "");
    destroy_fake(&cg, &h);
}

/* v1: the child moves itself ("0" into tasks, no global lock); add_pid then
 * writes only the cgroup2 leaf of a hybrid host */
Test(cgroups, v1_self_join_writes_zero_to_tasks_and_add_pid_skips_v1, .init = setup, .fini = teardown) {
    struct cove_cgroup_host h;
    struct cove_cgroup cg = make_v1(&h);
    struct cove_err err = { 0 };
    for (size_t i = 0; i < cg.n_leaves; i++)
        touch(cg.leaves[i].dir, "tasks", "cgroup.procs", NULL);
    struct cove_cgroup_self_join j;
    cr_assert_eq(cove_cgroup_self_join_open(&cg, &j, &err), 0, "%s", err.msg);
    cr_assert_eq(cove_cgroup_self_join(&j, &err), 0, "%s", err.msg);
    cove_cgroup_self_join_close(&j);
    size_t v1 = 0;
    for (size_t i = 0; i < cg.n_leaves; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/tasks", cg.leaves[i].dir);
        cr_assert_str_eq(slurp(path), cg.leaves[i].hierarchy ? "0" : "", "%s", path);
        v1 += cg.leaves[i].hierarchy != NULL;
    }
    cr_assert_geq(v1, 2);
    cg.v1_self_joined = true;
    cr_assert_eq(cove_cgroup_add_pid(&cg, 4242, &err), 0, "%s", err.msg);
    cr_assert_str_eq(slurp(P("cg/systemd/c/cgroup.procs")), "");
    cr_assert_str_eq(slurp(P("cg/unified/c/cgroup.procs")), "4242");
    /* a leaf without tasks: the open fails naming it, nothing stays open */
    unlink(P("cg/pids/c/tasks"));
    cr_assert_lt(cove_cgroup_self_join_open(&cg, &j, &err), 0);
    cr_assert_not_null(strstr(err.msg, "pids/c/tasks"), "%s", err.msg);
    cr_assert_null(j.fds);
    destroy_fake(&cg, &h);
}

/* ---------------------------------------------------------------- v2 */

static void fake_v2(struct cove_cgroup_host *h) {
    mkdirs(P("cg2"));
    put(P("cg2/cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma\n");
    put(P("cg2/cgroup.subtree_control"), "");
    mkdirs(P("cg2/own"));
    touch(P("cg2/own"), "cgroup.subtree_control", NULL);
    put(P("self"), "0::/own\n");
    struct cove_err err = { 0 };
    cr_assert_eq(cove_cgroup_host_init(h, P("cg2"), COVE_CG_UNIFIED, P("self"), &err), 0, "%s", err.msg);
    cr_assert_eq(h->n_v1_dirs, 0);
}

static void destroy_v2(struct cove_cgroup *cg, struct cove_cgroup_host *h) {
    struct cove_err err = { 0 };
    drop_files(P("cg2/own"));
    cr_assert_eq(cove_cgroup_destroy(cg, &err), 0, "%s", err.msg);
    cove_cgroup_free(cg);
    cove_cgroup_host_free(h);
}

Test(cgroups, v2_create_enables_available_controllers_down_to_parent, .init = setup, .fini = teardown) {
    struct cove_cgroup_host h;
    fake_v2(&h);
    struct cove_cgroup cg;
    struct cove_err err = { 0 };
    cr_assert_eq(cove_cgroup_create(&h, "a/ctr", &cg, &err), 0, "%s", err.msg);
    cr_assert_eq(cg.n_leaves, 1);
    cr_assert_str_eq(cg.leaves[0].dir, P("cg2/own/a/ctr"));
    cr_assert_geq(cg.v2_fd, 0);
    struct stat st;
    cr_assert_eq(fstat(cg.v2_fd, &st), 0);
    cr_assert(S_ISDIR(st.st_mode));
    cr_assert_eq(cg.n_dirs, 2);
    const char *want = "+cpuset +cpu +io +memory +hugetlb +pids +rdma";
    cr_assert_str_eq(slurp(P("cg2/cgroup.subtree_control")), want);
    cr_assert_str_eq(slurp(P("cg2/own/cgroup.subtree_control")), want);
    cr_assert_str_eq(slurp(P("cg2/own/a/cgroup.subtree_control")), want);
    cr_assert_str_eq(slurp(P("cg2/own/a/ctr/cgroup.subtree_control")), "", "not in the leaf");
    destroy_v2(&cg, &h);
    cr_assert(!exists(P("cg2/own/a")));
    cr_assert(exists(P("cg2/own")));
}

static struct cove_cgroup make_v2(struct cove_cgroup_host *h) {
    fake_v2(h);
    struct cove_cgroup cg;
    struct cove_err err = { 0 };
    cr_assert_eq(cove_cgroup_create(h, "/own/c", &cg, &err), 0, "%s", err.msg);
    return cg;
}

Test(cgroups, v2_apply_converts_like_runc, .init = setup, .fini = teardown) {
    struct cove_cgroup_host h;
    struct cove_cgroup cg = make_v2(&h);
    struct cove_throttle_device rbps = { .major = 8, .minor = 0, .rate = 1048576 };
    struct cove_throttle_device wiops = { .major = 8, .minor = 16, .rate = 300 };
    struct cove_hugepage_limit hp = { .page_size = "1GB", .limit = 1073741824 };
    struct cove_rdma rd = { .device = "mlx4_0", .hca_handles = { true, 3 }, .hca_objects = { true, 9 } };
    struct cove_kv kv = { .key = "memory.high", .value = "300000000" };
    struct cove_resources res = {
        .set = true,
        .has_memory = true,
        .memory = { .limit = { true, 1 << 28 }, .swap = { true, 3 << 27 }, .reservation = { true, 1 << 27 } },
        .has_cpu = true,
        .cpu = { .shares = { true, 1024 }, .quota = { true, 50000 }, .period = { true, 100000 }, .burst = { true, 7 },
                 .idle = { true, 1 }, .cpus = "0-1", .mems = "0" },
        .has_pids = true, .pids_limit = { true, 0 },
        .has_blkio = true,
        .blkio = { .weight = { true, 500 }, .throttle_read_bps = &rbps, .n_throttle_read_bps = 1,
                   .throttle_write_iops = &wiops, .n_throttle_write_iops = 1 },
        .hugepages = &hp, .n_hugepages = 1,
        .rdma = &rd, .n_rdma = 1,
        .unified = &kv, .n_unified = 1,
    };
    struct cove_err err = { 0 };
    cr_assert_eq(cove_cgroup_validate(&h, &res, &err), 0, "%s", err.msg);
    cr_assert_eq(cove_cgroup_apply(&cg, &res, &err), 0, "%s", err.msg);
    cr_assert_str_eq(slurp(P("cg2/own/c/memory.max")), "268435456");
    cr_assert_str_eq(slurp(P("cg2/own/c/memory.swap.max")), "134217728", "swap.max = swap - limit");
    cr_assert_str_eq(slurp(P("cg2/own/c/memory.low")), "134217728");
    cr_assert_str_eq(slurp(P("cg2/own/c/cpu.weight")), "39", "1 + ((1024-2)*9999)/262142");
    cr_assert_str_eq(slurp(P("cg2/own/c/cpu.max")), "50000 100000");
    cr_assert_str_eq(slurp(P("cg2/own/c/cpu.max.burst")), "7");
    cr_assert_str_eq(slurp(P("cg2/own/c/cpu.idle")), "1");
    cr_assert_str_eq(slurp(P("cg2/own/c/cpuset.cpus")), "0-1");
    cr_assert_str_eq(slurp(P("cg2/own/c/pids.max")), "max");
    cr_assert_str_eq(slurp(P("cg2/own/c/io.weight")), "4950", "1 + (500-10)*9999/990");
    cr_assert_str_eq(slurp(P("cg2/own/c/io.max")), "8:16 wiops=300", "one write per throttle, last kept");
    cr_assert_str_eq(slurp(P("cg2/own/c/hugetlb.1GB.max")), "1073741824");
    cr_assert_str_eq(slurp(P("cg2/own/c/rdma.max")), "mlx4_0 hca_handle=3 hca_object=9");
    cr_assert_str_eq(slurp(P("cg2/own/c/memory.high")), "300000000", "unified written verbatim");
    destroy_v2(&cg, &h);
}

Test(cgroups, v2_quota_max_and_unlimited_memory, .init = setup, .fini = teardown) {
    struct cove_cgroup_host h;
    struct cove_cgroup cg = make_v2(&h);
    struct cove_resources res = {
        .set = true,
        .has_memory = true, .memory = { .limit = { true, -1 } },
        .has_cpu = true, .cpu = { .quota = { true, -1 }, .period = { true, 250000 }, .shares = { true, 2 } },
    };
    struct cove_err err = { 0 };
    cr_assert_eq(cove_cgroup_apply(&cg, &res, &err), 0, "%s", err.msg);
    cr_assert_str_eq(slurp(P("cg2/own/c/cpu.max")), "max 250000");
    cr_assert_str_eq(slurp(P("cg2/own/c/cpu.weight")), "1");
    cr_assert_str_eq(slurp(P("cg2/own/c/memory.max")), "max");
    cr_assert_str_eq(slurp(P("cg2/own/c/memory.swap.max")), "max", "unlimited memory, swap unset: unlimited swap");
    /* swap == limit: no swap */
    struct cove_resources r2 = { .set = true, .has_memory = true,
                                 .memory = { .limit = { true, 4096 }, .swap = { true, 4096 } } };
    cr_assert_eq(cove_cgroup_apply(&cg, &r2, &err), 0, "%s", err.msg);
    cr_assert_str_eq(slurp(P("cg2/own/c/memory.swap.max")), "0");
    struct cove_resources r3 = { .set = true, .has_memory = true,
                                 .memory = { .limit = { true, 4096 }, .swap = { true, -1 } } };
    cr_assert_eq(cove_cgroup_apply(&cg, &r3, &err), 0, "%s", err.msg);
    cr_assert_str_eq(slurp(P("cg2/own/c/memory.swap.max")), "max");
    destroy_v2(&cg, &h);
}

Test(cgroups, v2_validate_refuses_what_v2_cannot_do, .init = setup, .fini = teardown) {
    struct cove_cgroup_host h;
    fake_v2(&h);
    struct cove_err err = { 0 };
    struct cove_resources net = { .set = true, .has_network = true, .net_class_id = { true, 1 } };
    cr_assert_eq(cove_cgroup_validate(&h, &net, &err), -EOPNOTSUPP);
    cr_assert(strstr(err.msg, "linux.resources.network"), "%s", err.msg);
    struct cove_resources sw = { .set = true, .has_memory = true,
                                 .memory = { .limit = { true, 8192 }, .swap = { true, 4096 } } };
    cr_assert_eq(cove_cgroup_validate(&h, &sw, &err), -EINVAL);
    cr_assert(strstr(err.msg, "linux.resources.memory.swap"), "%s", err.msg);
    struct cove_resources sw2 = { .set = true, .has_memory = true, .memory = { .swap = { true, 4096 } } };
    cr_assert_eq(cove_cgroup_validate(&h, &sw2, &err), -EINVAL);
    cr_assert(strstr(err.msg, "without a memory limit"), "%s", err.msg);
    struct cove_resources rt = { .set = true, .has_cpu = true, .cpu = { .realtime_runtime = { true, 10 } } };
    cr_assert_eq(cove_cgroup_validate(&h, &rt, &err), -EOPNOTSUPP);
    const char *bad_keys[] = { "../cgroup.subtree_control", "a/memory.max", "..", ".", "" };
    for (size_t i = 0; i < sizeof(bad_keys) / sizeof(bad_keys[0]); i++) {
        struct cove_kv kv = { .key = (char *)bad_keys[i], .value = "1" };
        struct cove_resources u = { .set = true, .unified = &kv, .n_unified = 1 };
        cr_assert_eq(cove_cgroup_validate(&h, &u, &err), -EINVAL, "%s", bad_keys[i]);
        cr_assert(strstr(err.msg, "linux.resources.unified"), "%s", err.msg);
    }
    cove_cgroup_host_free(&h);
}

Test(cgroups, v2_unified_write_error_names_key_and_file, .init = setup, .fini = teardown) {
    struct cove_cgroup_host h;
    struct cove_cgroup cg = make_v2(&h);
    struct cove_kv kv = { .key = "memory.nonexistent", .value = "1" };
    struct cove_resources res = { .set = true, .unified = &kv, .n_unified = 1 };
    struct cove_err err = { 0 };
    cr_assert_eq(cove_cgroup_apply(&cg, &res, &err), -ENOENT);
    cr_assert(strstr(err.msg, "linux.resources.unified[\"memory.nonexistent\"]"), "%s", err.msg);
    cr_assert(strstr(err.msg, P("cg2/own/c/memory.nonexistent")), "%s", err.msg);
    destroy_v2(&cg, &h);
}

Test(cgroups, v2_freeze_waits_for_events_and_add_pid_skips_born_inside, .init = setup, .fini = teardown) {
    struct cove_cgroup_host h;
    struct cove_cgroup cg = make_v2(&h);
    struct cove_err err = { 0 };
    put(P("cg2/own/c/cgroup.events"), "populated 1\nfrozen 1\n");
    cr_assert_eq(cove_cgroup_freeze(&cg, true, &err), 0, "%s", err.msg);
    cr_assert_str_eq(slurp(P("cg2/own/c/cgroup.freeze")), "1");
    put(P("cg2/own/c/cgroup.events"), "populated 1\nfrozen 0\n");
    cr_assert_eq(cove_cgroup_freeze(&cg, false, &err), 0, "%s", err.msg);
    cr_assert_str_eq(slurp(P("cg2/own/c/cgroup.freeze")), "0");
    cr_assert_eq(cove_cgroup_add_pid(&cg, 77, &err), 0, "%s", err.msg);
    cr_assert_str_eq(slurp(P("cg2/own/c/cgroup.procs")), "77");
    put(P("cg2/own/c/cgroup.procs"), "");
    cg.v2_born_inside = true;
    cr_assert_eq(cove_cgroup_add_pid(&cg, 78, &err), 0, "%s", err.msg);
    cr_assert_str_eq(slurp(P("cg2/own/c/cgroup.procs")), "");
    destroy_v2(&cg, &h);
}

/* ---------------------------------------------------------------- eBPF program */

#include <linux/bpf.h>

Test(cgroups, v2_device_program_tests_rules_last_first_and_defaults_to_deny_after_deny_all) {
    struct cove_device_rule rules[] = {
        { .allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm" },
        { .allow = true, .type = 'c', .major = 10, .minor = 200, .access = "rw" },
    };
    struct bpf_insn *prog = NULL;
    size_t len = 0;
    struct cove_err err = { 0 };
    cr_assert_eq(cgv2_devices_build(rules, 2, &prog, &len, &err), 0, "%s", err.msg);
    /* last two insns: r0 = 0 (deny default); exit */
    cr_assert_eq(prog[len - 2].code, BPF_ALU64 | BPF_MOV | BPF_K);
    cr_assert_eq(prog[len - 2].imm, 0);
    cr_assert_eq(prog[len - 1].code, BPF_JMP | BPF_EXIT);
    /* the first rule tested after the 6-insn prologue is the last default
     * (c 5:2 rwm): type, major, minor checks then r0 = 1; exit */
    cr_assert_eq(prog[6].code, BPF_JMP32 | BPF_JNE | BPF_K);
    cr_assert_eq(prog[6].imm, BPF_DEVCG_DEV_CHAR);
    cr_assert_eq(prog[6].off, 4);
    cr_assert_eq(prog[7].imm, 5);
    cr_assert_eq(prog[8].imm, 2);
    cr_assert_eq(prog[9].imm, 1);
    /* every jump lands inside the program */
    for (size_t i = 0; i < len; i++)
        if (BPF_CLASS(prog[i].code) == BPF_JMP32)
            cr_assert_lt(i + 1 + (size_t)prog[i].off, len);
    free(prog);
    /* no rules at all: the defaults, then deny */
    cr_assert_eq(cgv2_devices_build(NULL, 0, &prog, &len, &err), 0, "%s", err.msg);
    cr_assert_eq(prog[len - 2].imm, 0, "no rules: deny by default");
    free(prog);
    /* an explicit allow-all (a privileged container) is the last word */
    struct cove_device_rule all = { .allow = true, .type = 'a', .major = -1, .minor = -1, .access = "rwm" };
    cr_assert_eq(cgv2_devices_build(&all, 1, &prog, &len, &err), 0, "%s", err.msg);
    /* tested last (it comes first): no condition, r0 = 1; exit, and the
     * program ends there (the verifier refuses unreachable insns) */
    cr_assert_eq(prog[len - 2].code, BPF_ALU64 | BPF_MOV | BPF_K);
    cr_assert_eq(prog[len - 2].imm, 1, "allow-all matches everything");
    cr_assert_eq(prog[len - 1].code, BPF_JMP | BPF_EXIT);
    free(prog);
    size_t len_all = len;
    /* an allow-all in the middle: the rules before it are never reached */
    struct cove_device_rule mid[] = {
        { .allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm" },
        { .allow = true, .type = 'a', .major = -1, .minor = -1, .access = "rwm" },
    };
    cr_assert_eq(cgv2_devices_build(mid, 2, &prog, &len, &err), 0, "%s", err.msg);
    cr_assert_eq(prog[len - 2].imm, 1);
    cr_assert_eq(prog[len - 1].code, BPF_JMP | BPF_EXIT);
    cr_assert_eq(len, len_all, "c 1:3 before the allow-all is not emitted");
    free(prog);
    struct cove_device_rule bad = { .allow = true, .type = 'c', .major = 1, .minor = 1, .access = "rx" };
    cr_assert_eq(cgv2_devices_build(&bad, 1, &prog, &len, &err), -EINVAL);
    cr_assert(strstr(err.msg, "linux.resources.devices[0].access"), "%s", err.msg);
}
