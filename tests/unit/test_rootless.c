/* Unit tests: the rootless decisions (runtime/rootless.c), which maps an
 * ordinary user may write itself (namespaces/userns.c), and which
 * resources need a cgroup (cgroups/cgroups.c). Pure; no root needed. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroups/cgroups.h"
#include "namespaces/rootfs.h"
#include "namespaces/userns.h"
#include "runtime/rootless.h"
#include "runtime/sandbox/sandbox.h"

Test(rootless, parses_runc_values) {
    enum cove_rootless m;
    cr_assert_eq(cove_rootless_parse("auto", &m), 0);
    cr_expect_eq(m, COVE_ROOTLESS_AUTO);
    cr_assert_eq(cove_rootless_parse("true", &m), 0);
    cr_expect_eq(m, COVE_ROOTLESS_TRUE);
    cr_assert_eq(cove_rootless_parse("FALSE", &m), 0);
    cr_expect_eq(m, COVE_ROOTLESS_FALSE);
    cr_expect_eq(cove_rootless_parse("yes", &m), -EINVAL);
    cr_expect_eq(cove_rootless_parse("", &m), -EINVAL);
    cr_expect_eq(cove_rootless_parse(NULL, &m), -EINVAL);
}

Test(rootless, explicit_values_win_over_detection) {
    cr_expect(cove_rootless_resolve(COVE_ROOTLESS_TRUE));
    cr_expect(!cove_rootless_resolve(COVE_ROOTLESS_FALSE));
}

Test(rootless, state_root_is_per_user_under_xdg_runtime_dir) {
    char *r;
    cr_assert_eq(cove_rootless_state_root(false, "/run/user/0", &r), 0);
    cr_expect_str_eq(r, "/run/cove");
    free(r);
    cr_assert_eq(cove_rootless_state_root(true, "/run/user/1000", &r), 0);
    cr_expect_str_eq(r, "/run/user/1000/cove");
    free(r);
    /* unset or relative: no default, --root must be given */
    cr_assert_eq(cove_rootless_state_root(true, NULL, &r), 0);
    cr_expect_null(r);
    cr_assert_eq(cove_rootless_state_root(true, "run/user", &r), 0);
    cr_expect_null(r);
}

Test(rootless, an_ordinary_user_always_gets_per_user_dirs) {
    cr_expect(cove_rootless_per_user_dirs(1000, NULL, "u"));
    cr_expect(cove_rootless_per_user_dirs(1000, "/run/user/1000", "u"));
    /* root: only inside a user namespace (not the case where tests run) */
    cr_expect(!cove_rootless_per_user_dirs(0, NULL, "u"));
    cr_expect(!cove_rootless_per_user_dirs(0, "/run/user/0", "root"));
}

Test(rootless, image_root_follows_xdg_data_home_then_home) {
    char *r;
    cr_assert_eq(cove_rootless_image_root(false, "/x", "/root", &r), 0);
    cr_expect_str_eq(r, "/var/lib/cove");
    free(r);
    cr_assert_eq(cove_rootless_image_root(true, "/data", "/home/u", &r), 0);
    cr_expect_str_eq(r, "/data/cove");
    free(r);
    cr_assert_eq(cove_rootless_image_root(true, NULL, "/home/u", &r), 0);
    cr_expect_str_eq(r, "/home/u/.local/share/cove");
    free(r);
    cr_assert_eq(cove_rootless_image_root(true, NULL, NULL, &r), 0);
    cr_expect_null(r);
}

Test(rootless, only_a_map_of_the_own_id_alone_is_written_without_helpers) {
    struct cove_idmap self[] = {{0, 1000, 1}};
    struct cove_idmap other[] = {{0, 1001, 1}};
    struct cove_idmap wide[] = {{0, 1000, 2}};
    struct cove_idmap two[] = {{0, 1000, 1}, {1, 100000, 65536}};
    cr_expect(cove_userns_map_is_self(self, 1, 1000));
    cr_expect(!cove_userns_map_is_self(other, 1, 1000));
    cr_expect(!cove_userns_map_is_self(wide, 1, 1000));
    cr_expect(!cove_userns_map_is_self(two, 2, 1000));
    cr_expect(!cove_userns_map_is_self(self, 0, 1000));
}

Test(rootless, device_rules_alone_need_no_cgroup) {
    struct cove_resources r = {.set = true, .n_devices = 3};
    cr_expect(!cove_resources_has_limits(&r));
    r.has_pids = true;
    cr_expect(cove_resources_has_limits(&r));
    struct cove_resources u = {.n_unified = 1};
    cr_expect(cove_resources_has_limits(&u));
    struct cove_resources m = {.has_memory = true};
    cr_expect(cove_resources_has_limits(&m));
}

Test(rootless, a_refused_mount_names_the_kernels_rule) {
    cr_expect(strstr(cove_userns_mount_rule("proc"), "pid namespace"));
    cr_expect(strstr(cove_userns_mount_rule("mqueue"), "ipc namespace"));
    cr_expect(strstr(cove_userns_mount_rule("overlay"), "5.11"));
    cr_expect(strstr(cove_userns_mount_rule("ext4"), "FS_USERNS_MOUNT"));
    cr_expect_null(cove_userns_mount_rule("tmpfs"));
}

/* cove sandbox's user namespaces (runtime/sandbox/sandbox.c) */
static char *subid_file(const char *text) {
    char *path = strdup("/tmp/cove-subid-XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

Test(rootless, a_users_sandbox_maps_its_uid_and_up_to_65535_sub_ids) {
    /* uid 4242 has no passwd entry: the lines naming the uid itself count */
    char *u = subid_file("other:200000:65536\n4242:100000:131072\n");
    char *g = subid_file("4242:300000:1000\n");
    struct cove_bundle_plan p = {0};
    struct cove_err err = {0};
    cr_assert_eq(cove_sandbox_user_maps(4242, 4242, u, g, true, &p, &err), 0, "%s", err.msg);
    cr_assert_eq(p.n_uid_maps, 2);
    cr_expect_eq(p.uid_maps[1].host_id, 100000);
    cr_expect_eq(p.uid_maps[1].size, 65535, "ids 1..65535 at most");
    cr_assert_eq(p.n_gid_maps, 2);
    cr_expect_eq(p.gid_maps[1].host_id, 300000);
    cr_expect_eq(p.gid_maps[1].size, 1000);
    cove_bundle_plan_free(&p);
    struct cove_bundle_plan q = {0};
    cr_assert_eq(cove_sandbox_user_maps(4242, 4242, u, g, false, &q, &err), 0, "%s", err.msg);
    cr_expect_eq(q.n_uid_maps, 1, "without the helpers only the caller's own id");
    cr_expect_eq(q.uid_maps[0].host_id, 4242);
    cr_expect_eq(q.uid_maps[0].size, 1);
    cove_bundle_plan_free(&q);
    unlink(u);
    unlink(g);
    free(u);
    free(g);
}

Test(rootless, roots_sandbox_takes_roots_sub_ids_or_the_default_range) {
    char *u = subid_file("root:500000:65536\n");
    char *g = subid_file("root:600000:100\n");
    struct cove_bundle_plan p = {0};
    struct cove_err err = {0};
    cr_assert_eq(cove_sandbox_root_maps(u, g, &p, &err), 0, "%s", err.msg);
    cr_expect_eq(p.uid_maps[0].host_id, 500000);
    cr_expect_eq(p.uid_maps[0].size, 65536);
    cr_expect_eq(p.gid_maps[0].host_id, COVE_SANDBOX_ROOT_IDS, "a range under 65536 ids is not used");
    cr_expect(p.idmap_binds);
    cove_bundle_plan_free(&p);
    unlink(u);
    unlink(g);
    free(u);
    free(g);
}
