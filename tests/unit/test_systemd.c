/* The systemd cgroup driver's pure parts (cgroups/systemd.h): cgroupsPath's
 * "slice:prefix:name", slice cgroup paths, unit properties from resources
 * and annotations. The D-Bus side is tested in the VM tier with systemd as
 * the guest's init (tests/integration/test_systemd.sh). */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "cgroups/systemd.h"
#include "runtime/config/config.h"

static void parse_ok(const char *in, const char *id, const char *slice, const char *unit, const char *path) {
    struct cove_systemd_unit u;
    struct cove_err err = {0};
    cr_assert_eq(cove_systemd_parse_path(in, id, &u, &err), 0, "%s: %s", in ? in : "(null)", err.msg);
    cr_expect_str_eq(u.slice, slice);
    cr_expect_str_eq(u.unit, unit);
    cr_expect_str_eq(u.path, path);
    cove_systemd_unit_free(&u);
}

static void parse_fails(const char *in, const char *want) {
    struct cove_systemd_unit u;
    struct cove_err err = {0};
    cr_assert_lt(cove_systemd_parse_path(in, "id1", &u, &err), 0, "%s accepted", in);
    cr_expect(strstr(err.msg, want) != NULL, "%s: \"%s\" lacks \"%s\"", in, err.msg, want);
    cr_expect_null(u.unit);
}

Test(systemd, runc_forms) {
    parse_ok("system.slice:docker:abc", "x", "system.slice", "docker-abc.scope", "/system.slice/docker-abc.scope");
    parse_ok(":libpod:abc", "x", "system.slice", "libpod-abc.scope", "/system.slice/libpod-abc.scope");
    parse_ok("machine.slice::abc", "x", "machine.slice", "abc.scope", "/machine.slice/abc.scope");
    parse_ok("kubepods-besteffort-pod1a2b.slice:cri-containerd:c1", "x", "kubepods-besteffort-pod1a2b.slice",
             "cri-containerd-c1.scope",
             "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1a2b.slice/cri-containerd-c1.scope");
    parse_ok("-.slice:p:n", "x", "-.slice", "p-n.scope", "/p-n.scope");
}

Test(systemd, default_is_system_slice_cove_id) {
    parse_ok(NULL, "ctr1", "system.slice", "cove-ctr1.scope", "/system.slice/cove-ctr1.scope");
    parse_ok("", "ctr1", "system.slice", "cove-ctr1.scope", "/system.slice/cove-ctr1.scope");
}

Test(systemd, bad_paths_name_the_field) {
    parse_fails("/cove-test/abc", "linux.cgroupsPath: \"/cove-test/abc\": the systemd driver expects \"slice:prefix:name\"");
    parse_fails("a:b", "slice:prefix:name");
    parse_fails("a.slice:b:c:d", "slice:prefix:name");
    parse_fails("system.slice:docker:", "prefix and name");
    parse_fails("system.slice:do/cker:x", "prefix and name");
    parse_fails("system.slice:docker:a/b", "prefix and name");
    parse_fails("system:docker:x", "linux.cgroupsPath: slice \"system\": not a slice unit name");
    parse_fails("a--b.slice:p:x", "linux.cgroupsPath: slice \"a--b.slice\"");
    parse_fails("-a.slice:p:x", "linux.cgroupsPath: slice \"-a.slice\"");
    parse_fails("a-.slice:p:x", "linux.cgroupsPath: slice \"a-.slice\"");
    parse_fails("system.slice:p:x.slice", "a slice as the container's unit is not supported");
}

Test(systemd, slice_paths) {
    const char *cases[][2] = {
        {"system.slice", "/system.slice"},
        {"a-b-c.slice", "/a.slice/a-b.slice/a-b-c.slice"},
        {"-.slice", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *p;
        struct cove_err err = {0};
        cr_assert_eq(cove_systemd_slice_path(cases[i][0], &p, &err), 0, "%s", err.msg);
        cr_expect_str_eq(p, cases[i][1]);
        free(p);
    }
}

static const struct cove_systemd_prop *find(const struct cove_systemd_props *p, const char *name) {
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->v[i].name, name))
            return &p->v[i];
    return NULL;
}

static void expect_u64(const struct cove_systemd_props *p, const char *name, uint64_t v) {
    const struct cove_systemd_prop *x = find(p, name);
    cr_assert_not_null(x, "no %s", name);
    cr_expect_eq(x->sig, 't', "%s: type %c", name, x->sig);
    cr_expect_eq(x->u, v, "%s: %llu, want %llu", name, (unsigned long long)x->u, (unsigned long long)v);
}

Test(systemd, resources_become_unit_properties) {
    struct cove_resources res = {0};
    res.has_memory = true;
    res.memory.limit = (struct cove_opt_i64){true, 64 << 20};
    res.memory.reservation = (struct cove_opt_i64){true, 32 << 20};
    res.memory.swap = (struct cove_opt_i64){true, 96 << 20};
    res.has_cpu = true;
    res.cpu.shares = (struct cove_opt_u64){true, 1024};
    res.cpu.quota = (struct cove_opt_i64){true, 50000};
    res.cpu.period = (struct cove_opt_u64){true, 100000};
    res.cpu.cpus = "0-2,9";
    res.has_pids = true;
    res.pids_limit = (struct cove_opt_i64){true, 100};
    res.has_blkio = true;
    res.blkio.weight = (struct cove_opt_u64){true, 500};
    struct cove_systemd_props p;
    struct cove_err err = {0};
    cr_assert_eq(cove_systemd_props_from_config(&res, NULL, 0, &p, &err), 0, "%s", err.msg);
    expect_u64(&p, "MemoryMax", 64 << 20);
    expect_u64(&p, "MemoryLow", 32 << 20);
    expect_u64(&p, "MemorySwapMax", 32 << 20); /* memory+swap - memory */
    expect_u64(&p, "CPUWeight", 1 + (1022ULL * 9999) / 262142);
    expect_u64(&p, "CPUQuotaPerSecUSec", 500000);
    expect_u64(&p, "CPUQuotaPeriodUSec", 100000);
    expect_u64(&p, "TasksMax", 100);
    expect_u64(&p, "IOWeight", 1 + (490ULL * 9999) / 990);
    const struct cove_systemd_prop *c = find(&p, "AllowedCPUs");
    cr_assert_not_null(c);
    cr_assert_eq(c->n_bytes, 2);
    cr_expect_eq(c->bytes[0], 0x07);
    cr_expect_eq(c->bytes[1], 0x02);
    cove_systemd_props_free(&p);
}

Test(systemd, unlimited_and_rounding) {
    struct cove_resources res = {0};
    res.has_memory = true;
    res.memory.limit = (struct cove_opt_i64){true, -1};
    res.memory.swap = (struct cove_opt_i64){true, -1};
    res.has_cpu = true;
    res.cpu.quota = (struct cove_opt_i64){true, 12345}; /* 12.345 % -> 13 % */
    res.has_pids = true;
    res.pids_limit = (struct cove_opt_i64){true, -1};
    struct cove_systemd_props p;
    struct cove_err err = {0};
    cr_assert_eq(cove_systemd_props_from_config(&res, NULL, 0, &p, &err), 0, "%s", err.msg);
    expect_u64(&p, "MemoryMax", UINT64_MAX);
    expect_u64(&p, "MemorySwapMax", UINT64_MAX);
    expect_u64(&p, "TasksMax", UINT64_MAX);
    expect_u64(&p, "CPUQuotaPerSecUSec", 130000);
    cove_systemd_props_free(&p);
}

Test(systemd, no_swap_when_swap_equals_memory) {
    struct cove_resources res = {0};
    res.has_memory = true;
    res.memory.limit = (struct cove_opt_i64){true, 1 << 25};
    res.memory.swap = (struct cove_opt_i64){true, 1 << 25};
    struct cove_systemd_props p;
    struct cove_err err = {0};
    cr_assert_eq(cove_systemd_props_from_config(&res, NULL, 0, &p, &err), 0, "%s", err.msg);
    expect_u64(&p, "MemorySwapMax", 0);
    cove_systemd_props_free(&p);
}

Test(systemd, annotations_pass_through_and_win) {
    struct cove_resources res = {0};
    res.has_pids = true;
    res.pids_limit = (struct cove_opt_i64){true, 100};
    struct cove_kv ann[] = {
        {"org.systemd.property.TasksMax", "uint64 7"},
        {"org.systemd.property.TimeoutStopUSec", "5000000"},
        {"org.systemd.property.CollectMode", "'inactive-or-failed'"},
        {"org.systemd.property.SendSIGKILL", "false"},
        {"org.systemd.property.CPUSchedulingPriority", "int32 -3"},
        {"other.annotation", "x"},
    };
    struct cove_systemd_props p;
    struct cove_err err = {0};
    cr_assert_eq(cove_systemd_props_from_config(&res, ann, sizeof(ann) / sizeof(ann[0]), &p, &err), 0, "%s", err.msg);
    cr_expect_eq(p.n, 5);
    expect_u64(&p, "TasksMax", 7);
    expect_u64(&p, "TimeoutStopUSec", 5000000);
    const struct cove_systemd_prop *x = find(&p, "CollectMode");
    cr_assert_not_null(x);
    cr_expect_eq(x->sig, 's');
    cr_expect_str_eq(x->s, "inactive-or-failed");
    x = find(&p, "SendSIGKILL");
    cr_assert_not_null(x);
    cr_expect_eq(x->sig, 'b');
    cr_expect_not(x->b);
    x = find(&p, "CPUSchedulingPriority");
    cr_assert_not_null(x);
    cr_expect_eq(x->sig, 'i');
    cr_expect_eq(x->i, -3);
    cove_systemd_props_free(&p);
}

Test(systemd, bad_annotations_name_it) {
    const char *cases[][3] = {
        {"org.systemd.property.TasksMax", "uint64 -1", "org.systemd.property.TasksMax: \"uint64 -1\" is not a uint64"},
        {"org.systemd.property.Foo", "bar", "org.systemd.property.Foo: \"bar\": expected true, false"},
        {"org.systemd.property.PIDs", "1", "set by cove itself"},
        {"org.systemd.property.", "1", "not a unit property name"},
        {"org.systemd.property.MemoryMax", "-5", "must not be negative"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct cove_kv ann = {(char *)cases[i][0], (char *)cases[i][1]};
        struct cove_resources res = {0};
        struct cove_systemd_props p;
        struct cove_err err = {0};
        cr_expect_lt(cove_systemd_props_from_config(&res, &ann, 1, &p, &err), 0, "%s=%s accepted", cases[i][0],
                     cases[i][1]);
        cr_expect(strstr(err.msg, cases[i][2]) != NULL, "\"%s\" lacks \"%s\"", err.msg, cases[i][2]);
        cr_expect_eq(p.n, 0);
    }
}

Test(systemd, bad_cpuset_names_the_field) {
    struct cove_resources res = {0};
    res.has_cpu = true;
    res.cpu.cpus = "0-x";
    struct cove_systemd_props p;
    struct cove_err err = {0};
    cr_assert_lt(cove_systemd_props_from_config(&res, NULL, 0, &p, &err), 0);
    cr_expect(strstr(err.msg, "linux.resources.cpu.cpus: \"0-x\"") != NULL, "%s", err.msg);
}
