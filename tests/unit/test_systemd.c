/* The systemd cgroup driver's pure parts (cgroups/systemd.h): cgroupsPath's
 * "slice:prefix:name", slice cgroup paths, unit properties from resources
 * and annotations. The D-Bus side is tested in the VM tier with systemd as
 * the guest's init (tests/integration/test_systemd.sh). */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* c: {key, value, words the error must hold}; nothing is left in p */
static void props_fail(const struct cove_resources *res, const struct cove_kv *ann, size_t n_ann, const char *const c[3]) {
    struct cove_systemd_props p;
    struct cove_err err = {0};
    cr_expect_lt(cove_systemd_props_from_config(res, ann, n_ann, &p, &err), 0, "%s=%s accepted", c[0], c[1]);
    cr_expect(strstr(err.msg, c[2]) != NULL, "\"%s\" lacks \"%s\"", err.msg, c[2]);
    cr_expect_eq(p.n, 0);
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
        props_fail(&res, &ann, 1, cases[i]);
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

static void expect_none(const struct cove_systemd_props *p, const char *name) {
    cr_expect_null(find(p, name), "%s was sent", name);
}

/* unified keys systemd has a property for become it (a daemon-reload would
 * otherwise rewrite the file from the unit), after the structured fields */
Test(systemd, unified_keys_become_properties) {
    struct cove_resources res = {0};
    res.has_memory = true;
    res.memory.limit = (struct cove_opt_i64){true, 64 << 20};
    res.has_pids = true;
    res.pids_limit = (struct cove_opt_i64){true, 100};
    struct cove_kv uni[] = {
        {"memory.max", "33554432"}, {"memory.high", "max"}, {"memory.low", "1048576"}, {"memory.min", "4096"},
        {"memory.swap.max", "0"}, {"pids.max", "max"}, {"cpu.weight", "250"}, {"cpu.max", "25000 50000"},
        {"cpuset.cpus", "1"}, {"cpuset.mems", "0"}, {"io.weight", "default 100"}, {"memory.oom.group", "1"},
    };
    res.unified = uni;
    res.n_unified = sizeof(uni) / sizeof(uni[0]);
    struct cove_systemd_props p;
    struct cove_err err = {0};
    cr_assert_eq(cove_systemd_props_from_config(&res, NULL, 0, &p, &err), 0, "%s", err.msg);
    expect_u64(&p, "MemoryMax", 33554432); /* the unified value wins */
    expect_u64(&p, "MemoryHigh", UINT64_MAX);
    expect_u64(&p, "MemoryLow", 1048576);
    expect_u64(&p, "MemoryMin", 4096);
    expect_u64(&p, "MemorySwapMax", 0);
    expect_u64(&p, "TasksMax", UINT64_MAX);
    expect_u64(&p, "CPUWeight", 250);
    expect_u64(&p, "CPUQuotaPerSecUSec", 500000);
    expect_u64(&p, "CPUQuotaPeriodUSec", 50000);
    const struct cove_systemd_prop *c = find(&p, "AllowedCPUs");
    cr_assert_not_null(c);
    cr_expect_eq(c->n_bytes, 1);
    cr_expect_eq(c->bytes[0], 0x02);
    cr_expect_not_null(find(&p, "AllowedMemoryNodes"));
    expect_none(&p, "IOWeight"); /* files only */
    cr_expect_eq(p.n, 11);
    cove_systemd_props_free(&p);
}

Test(systemd, unified_cpu_max_forms) {
    const char *cases[][3] = {
        {"max", "18446744073709551615", NULL}, /* infinity, no period */
        {"max 100000", "18446744073709551615", "100000"},
        {"12345", "130000", NULL}, /* default period 100000; 1 % steps rounded up */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct cove_kv uni = {"cpu.max", (char *)cases[i][0]};
        struct cove_resources res = {.unified = &uni, .n_unified = 1};
        struct cove_systemd_props p;
        struct cove_err err = {0};
        cr_assert_eq(cove_systemd_props_from_config(&res, NULL, 0, &p, &err), 0, "%s: %s", cases[i][0], err.msg);
        expect_u64(&p, "CPUQuotaPerSecUSec", strtoull(cases[i][1], NULL, 10));
        if (cases[i][2])
            expect_u64(&p, "CPUQuotaPeriodUSec", strtoull(cases[i][2], NULL, 10));
        else
            expect_none(&p, "CPUQuotaPeriodUSec");
        cove_systemd_props_free(&p);
    }
}

Test(systemd, bad_unified_values_name_the_key) {
    const char *cases[][3] = {
        {"memory.max", "64M", "linux.resources.unified.memory.max: \"64M\" is not a number or \"max\""},
        {"pids.max", "-1", "linux.resources.unified.pids.max"},
        {"cpu.weight", "0", "linux.resources.unified.cpu.weight: \"0\" is not in 1..10000"},
        {"cpu.max", "50000 0", "linux.resources.unified.cpu.max: \"50000 0\" is not \"QUOTA [PERIOD]\""},
        {"cpu.max", "", "linux.resources.unified.cpu.max"},
        {"cpu.max", "99999999999999999 100000", "linux.resources.unified.cpu.max"},
        {"cpuset.cpus", "a", "linux.resources.unified.cpuset.cpus: \"a\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct cove_kv uni = {(char *)cases[i][0], (char *)cases[i][1]};
        struct cove_resources res = {.unified = &uni, .n_unified = 1};
        props_fail(&res, NULL, 0, cases[i]);
    }
}

/* pids.limit 0 is "max" (docs/cgroups.md): TasksMax=infinity, as the file */
Test(systemd, pids_limit_zero_is_infinity) {
    struct cove_resources res = {.has_pids = true, .pids_limit = {true, 0}};
    struct cove_systemd_props p;
    struct cove_err err = {0};
    cr_assert_eq(cove_systemd_props_from_config(&res, NULL, 0, &p, &err), 0, "%s", err.msg);
    expect_u64(&p, "TasksMax", UINT64_MAX);
    cove_systemd_props_free(&p);
    res.pids_limit.set = false; /* "pids": {} — nothing */
    cr_assert_eq(cove_systemd_props_from_config(&res, NULL, 0, &p, &err), 0, "%s", err.msg);
    expect_none(&p, "TasksMax");
    cove_systemd_props_free(&p);
}
