/* Unit tests: linux.intelRdt on a fake resctrl root (a temp dir): the
 * group directories, the schemata lines and their order, tasks, the
 * monitoring group, joining a pre-configured closID group, removal. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/intelrdt.h"
#include "runtime/state.h"

static char root[64];

static void make_root(void) {
    strcpy(root, "/tmp/cove-unit-rdt-XXXXXX");
    cr_assert_not_null(mkdtemp(root));
}

static void remove_root(void) {
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(intelrdt, .init = make_root, .fini = remove_root);

/* rel: a path under the fake root */
static char *slurp(const char *rel) {
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void put(const char *rel, const char *text) {
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    FILE *f = fopen(path, "we");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

static bool is_dir(const char *rel) {
    char path[256];
    struct stat sb;
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* resctrl's virtual files would let rmdir through; a plain dir does not */
static void unlink_files(const char *dir) {
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "find '%s' -type f -delete", dir);
    cr_assert_eq(system(cmd), 0);
}

Test(intelrdt, schemata_joins_l3_membw_then_schemata_lines) {
    char *l[] = {"L2:0=f", "MB:1=50", NULL};
    struct cove_intel_rdt r = {.set = true, .l3_cache_schema = "L3:0=ff;1=f0", .mem_bw_schema = "MB:0=70",
                               .schemata = l, .n_schemata = 2};
    char *out = NULL;
    cr_assert_eq(cove_intelrdt_schemata(&r, &out, NULL), 0);
    cr_expect_str_eq(out, "L3:0=ff;1=f0\nMB:0=70\nL2:0=f\nMB:1=50");
    free(out);
    struct cove_intel_rdt none = {.set = true};
    cr_assert_eq(cove_intelrdt_schemata(&none, &out, NULL), 0);
    cr_expect_str_eq(out, "");
    free(out);
}

Test(intelrdt, creates_group_named_after_the_container_with_schemata_and_tasks) {
    struct cove_intel_rdt r = {.set = true, .l3_cache_schema = "L3:0=ff", .mem_bw_schema = "MB:0=70"};
    struct cove_rdt_group g;
    struct cove_err err = {0};
    cr_assert_eq(cove_intelrdt_create(root, "ctr1", &r, &g, &err), 0, "%s", err.msg);
    cr_expect(g.clos_owned);
    cr_expect_null(g.mon_dir);
    char want[128];
    snprintf(want, sizeof(want), "%s/ctr1", root);
    cr_expect_str_eq(g.clos_dir, want);
    cr_expect_str_eq(slurp("ctr1/schemata"), "L3:0=ff\nMB:0=70\n");
    cr_assert_eq(cove_intelrdt_add_pid(&g, 4242, &err), 0, "%s", err.msg);
    cr_expect_str_eq(slurp("ctr1/tasks"), "4242\n");
    unlink_files(g.clos_dir);
    cr_assert_eq(cove_intelrdt_remove(&g, &err), 0, "%s", err.msg);
    cr_expect(!is_dir("ctr1"));
    cove_rdt_group_free(&g);
}

Test(intelrdt, monitoring_group_gets_the_pid_after_the_clos_group) {
    struct cove_intel_rdt r = {.set = true, .clos_id = "gold", .l3_cache_schema = "L3:0=ff", .enable_monitoring = true};
    char dir[128];
    snprintf(dir, sizeof(dir), "%s/gold", root);
    /* a new group: the kernel makes mon_groups itself; the fake needs it
     * made by hand, so pre-create the group as an existing closID one */
    cr_assert_eq(mkdir(dir, 0755), 0);
    snprintf(dir, sizeof(dir), "%s/gold/mon_groups", root);
    cr_assert_eq(mkdir(dir, 0755), 0);
    put("gold/schemata", "    L3:0=ff\n    MB:0=100\n");
    struct cove_rdt_group g;
    struct cove_err err = {0};
    cr_assert_eq(cove_intelrdt_create(root, "ctr2", &r, &g, &err), 0, "%s", err.msg);
    cr_expect(!g.clos_owned, "an existing closID group is shared, not ours");
    cr_assert_not_null(g.mon_dir);
    cr_expect(is_dir("gold/mon_groups/ctr2"));
    cr_assert_eq(cove_intelrdt_add_pid(&g, 77, &err), 0, "%s", err.msg);
    cr_expect_str_eq(slurp("gold/tasks"), "77\n");
    cr_expect_str_eq(slurp("gold/mon_groups/ctr2/tasks"), "77\n");
    unlink_files(g.mon_dir);
    cr_assert_eq(cove_intelrdt_remove(&g, &err), 0, "%s", err.msg);
    cr_expect(!is_dir("gold/mon_groups/ctr2"));
    cr_expect(is_dir("gold"), "the shared group stays");
    cove_rdt_group_free(&g);
}

Test(intelrdt, existing_closid_group_with_other_schemata_is_refused) {
    char dir[128];
    snprintf(dir, sizeof(dir), "%s/silver", root);
    cr_assert_eq(mkdir(dir, 0755), 0);
    put("silver/schemata", "L3:0=0f\n");
    struct cove_intel_rdt r = {.set = true, .clos_id = "silver", .l3_cache_schema = "L3:0=ff"};
    struct cove_rdt_group g;
    struct cove_err err = {0};
    cr_expect_eq(cove_intelrdt_create(root, "ctr3", &r, &g, &err), -EEXIST);
    cr_expect(strstr(err.msg, "linux.intelRdt.closID") && strstr(err.msg, "L3:0=ff"), "%s", err.msg);
    cr_expect(is_dir("silver"), "not ours: left alone");
}

Test(intelrdt, closid_without_schema_must_name_an_existing_group) {
    struct cove_intel_rdt r = {.set = true, .clos_id = "bronze"};
    struct cove_rdt_group g;
    struct cove_err err = {0};
    cr_expect_eq(cove_intelrdt_create(root, "ctr4", &r, &g, &err), -ENOENT);
    cr_expect(strstr(err.msg, "linux.intelRdt.closID: no pre-configured group"), "%s", err.msg);
    char dir[128];
    snprintf(dir, sizeof(dir), "%s/bronze", root);
    cr_assert_eq(mkdir(dir, 0755), 0);
    cr_assert_eq(cove_intelrdt_create(root, "ctr4", &r, &g, &err), 0, "%s", err.msg);
    cr_expect(!g.clos_owned);
    cove_rdt_group_free(&g);
}

Test(intelrdt, leftover_group_of_the_same_id_is_refused) {
    char dir[128];
    snprintf(dir, sizeof(dir), "%s/ctr5", root);
    cr_assert_eq(mkdir(dir, 0755), 0);
    struct cove_intel_rdt r = {.set = true, .mem_bw_schema = "MB:0=50"};
    struct cove_rdt_group g;
    struct cove_err err = {0};
    cr_expect_eq(cove_intelrdt_create(root, "ctr5", &r, &g, &err), -EEXIST);
    cr_expect(strstr(err.msg, "already exists"), "%s", err.msg);
}

Test(intelrdt, failed_monitoring_group_undoes_the_clos_group) {
    /* no mon_groups dir in a new fake group: mkdir fails, and the group
     * just made must not stay behind */
    struct cove_intel_rdt r = {.set = true, .l3_cache_schema = "L3:0=ff", .enable_monitoring = true};
    struct cove_rdt_group g;
    struct cove_err err = {0};
    cr_expect_lt(cove_intelrdt_create(root, "ctr6", &r, &g, &err), 0);
    cr_expect(strstr(err.msg, "enableMonitoring"), "%s", err.msg);
    /* (on the fake root the group's rmdir fails on its schemata file;
     * resctrl's would succeed) g is released: nothing to record */
    cr_expect_null(g.clos_dir);
    cr_expect(!g.clos_owned);
}

Test(intelrdt, not_mounted_is_a_clear_error) {
    struct cove_err err = {0};
    cr_expect_eq(cove_intelrdt_check_mounted(root, &err), -ENOTSUP);
    cr_expect(strstr(err.msg, "linux.intelRdt: resctrl is not mounted"), "%s", err.msg);
}

/* state.json keeps what delete must undo: the groups and moved devices */
Test(intelrdt, state_round_trips_groups_and_net_devices) {
    struct cove_state_netdev nd[] = {{"cove-t1", "eth9"}, {"veth0", "eth1"}};
    struct cove_state s = {.id = "c", .bundle = "/b", .rootfs = "/b/rootfs", .created = "t", .pid = 1,
                           .rdt_clos_dir = "/sys/fs/resctrl/c", .rdt_clos_owned = true,
                           .rdt_mon_dir = "/sys/fs/resctrl/c/mon_groups/c", .net_devices = nd, .n_net_devices = 2};
    char *json = NULL;
    size_t len = 0;
    struct cove_err err = {0};
    cr_assert_eq(cove_state_to_json(&s, &json, &len, &err), 0, "%s", err.msg);
    struct cove_state back;
    cr_assert_eq(cove_state_from_json(json, len, &back, &err), 0, "%s", err.msg);
    cr_expect_str_eq(back.rdt_clos_dir, "/sys/fs/resctrl/c");
    cr_expect(back.rdt_clos_owned);
    cr_expect_str_eq(back.rdt_mon_dir, "/sys/fs/resctrl/c/mon_groups/c");
    cr_assert_eq(back.n_net_devices, 2);
    cr_expect_str_eq(back.net_devices[1].host_name, "veth0");
    cr_expect_str_eq(back.net_devices[1].name, "eth1");
    cove_state_free(&back);
    free(json);
}

Test(intelrdt, state_without_the_fields_still_loads) {
    const char *old = "{\"id\":\"c\",\"bundle\":\"/b\",\"rootfs\":\"/r\",\"pid\":1,\"pidStart\":2,"
                      "\"created\":\"t\",\"owner\":\"\",\"cgroupPath\":null,\"cgroupOwned\":false,\"annotations\":{}}";
    struct cove_state back;
    struct cove_err err = {0};
    cr_assert_eq(cove_state_from_json(old, strlen(old), &back, &err), 0, "%s", err.msg);
    cr_expect_null(back.rdt_clos_dir);
    cr_expect_eq(back.n_net_devices, 0);
    cove_state_free(&back);
}
