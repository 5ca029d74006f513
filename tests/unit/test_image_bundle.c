/* tests/unit/test_image_bundle.c — image config → bundle plan → config.json
 * (checked by the runtime's own config parser), user lookup in layers,
 * sandbox option parsing and plan, image names. No root needed. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fileio.h"
#include "image/image.h"
#include "image/internal.h"
#include "runtime/sandbox/sandbox.h"
#include "lib/cleanup.h"
#include "runtime/config/config.h"

static const char image_cfg[] =
    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{"
    "\"Entrypoint\":[\"/bin/sh\",\"-c\"],\"Cmd\":[\"echo hi\"],\"Env\":[\"FOO=bar\"],"
    "\"WorkingDir\":\"/work\",\"User\":\"builder:staff\","
    "\"Labels\":{\"a.b\":\"c\",\"dev.cove.overlay.lowers\":\"/\",\"dev.cove.overlay\":\"true\"},"
    "\"ExposedPorts\":{\"80/tcp\":{}}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";

static char tmp[256];

static void mkfile(const char *rel, const char *data) {
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", tmp, rel);
    FILE *f = fopen(p, "we");
    cr_assert_not_null(f);
    fputs(data, f);
    fclose(f);
}

static void setup(void) {
    snprintf(tmp, sizeof(tmp), "/tmp/cove-unit-bundle.XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    char p[512];
    snprintf(p, sizeof(p), "%s/etc", tmp);
    mkdir(p, 0755);
    mkfile("etc/passwd", "root:x:0:0::/:/bin/sh\nbuilder:x:1234:1000::/:/bin/sh\n");
    mkfile("etc/group", "root:x:0:\nstaff:x:50:\n");
}

static void teardown(void) { cove_rm_tree_at(AT_FDCWD, tmp); }

TestSuite(image_bundle, .init = setup, .fini = teardown);

Test(image_bundle, plan_takes_entrypoint_cmd_env_workdir_user_labels) {
    struct cove_bundle_plan p = {0};
    struct cove_err err = {0};
    const char *dirs[] = {tmp};
    cr_assert_eq(cove_bundle_plan_from_image_config(image_cfg, strlen(image_cfg), dirs, 1, &p, &err), 0, "%s",
                 err.msg);
    cr_expect_str_eq(p.args[0], "/bin/sh");
    cr_expect_str_eq(p.args[1], "-c");
    cr_expect_str_eq(p.args[2], "echo hi");
    cr_expect_null(p.args[3]);
    cr_expect_str_eq(p.env[0], "FOO=bar");
    cr_expect_eq(strncmp(p.env[1], "PATH=", 5), 0, "a default PATH is added");
    cr_expect_str_eq(p.cwd, "/work");
    cr_expect_eq(p.uid, 1234);
    cr_expect_eq(p.gid, 50);
    /* an image cannot set cove's own annotations (docs/security.md) */
    cr_assert_eq(p.n_annotations, 1, "dev.cove.* labels are dropped");
    cr_expect_str_eq(p.annotations[0].key, "a.b");
    cove_bundle_plan_free(&p);
}

Test(image_bundle, resolves_numeric_and_named_users) {
    const char *dirs[] = {tmp};
    uid_t u;
    gid_t g;
    struct cove_err err = {0};
    cr_expect_eq(cove_bundle_resolve_user("42:7", dirs, 1, &u, &g, &err), 0);
    cr_expect(u == 42 && g == 7);
    cr_expect_eq(cove_bundle_resolve_user("builder", dirs, 1, &u, &g, &err), 0);
    cr_expect(u == 1234 && g == 1000, "primary group from passwd");
    cr_expect_eq(cove_bundle_resolve_user("nobody", dirs, 1, &u, &g, &err), -ENOENT);
    cr_expect(strstr(err.msg, "nobody") != NULL);
}

Test(image_bundle, config_json_is_accepted_by_the_runtime_parser) {
    struct cove_bundle_plan p = {0};
    struct cove_err err = {0};
    const char *dirs[] = {tmp};
    cr_assert_eq(cove_bundle_plan_from_image_config(image_cfg, strlen(image_cfg), dirs, 1, &p, &err), 0);
    p.memory = 64 << 20;
    p.cpu_quota = 150000;
    p.cpu_period = 100000;
    p.pids = 100;
    p.cgroups_path = strdup("/cove-sandbox/x");
    p.binds = calloc(1, sizeof(*p.binds));
    p.binds[0].src = strdup("/tmp");
    p.binds[0].dst = strdup("/data");
    p.n_binds = 1;
    char **lowers = cove_strv_dup((char *[]){"/l/top", "/l/base", NULL});
    cove_bundle_plan_overlay(&p, &lowers);
    cr_expect_null(lowers, "the plan owns the lowers");
    char *json = NULL;
    size_t len = 0;
    cr_assert_eq(cove_bundle_config_json(&p, &json, &len, &err), 0, "%s", err.msg);
    struct cove_config *c = NULL;
    cr_assert_eq(cove_config_parse(json, len, &c, &err), 0, "%s\n%s", err.msg, json);
    cr_expect(strstr(json, "dev.cove.overlay") == NULL, "the layers are not in the config: %s", json);
    /* they go to <bundle>/cove-lowers, one per line, top first, 0600 */
    int dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cr_assert_eq(cove_bundle_write_lowers(dfd, &p, &err), 0, "%s", err.msg);
    char buf[64] = "";
    int fd = openat(dfd, COVE_BUNDLE_LOWERS_FILE, O_RDONLY | O_CLOEXEC);
    cr_assert_geq(fd, 0);
    cr_expect_gt(read(fd, buf, sizeof(buf) - 1), 0);
    cr_expect_str_eq(buf, "/l/top\n/l/base\n");
    struct stat st;
    cr_expect_eq(fstat(fd, &st), 0);
    cr_expect_eq(st.st_mode & 07777, 0600);
    close(fd);
    close(dfd);
    cr_expect(strstr(json, "\"noNewPrivileges\": true") != NULL);
    cr_expect(strstr(json, "\"ro\"") != NULL, "binds are read-only by default");
    cr_expect(strstr(json, "CAP_SYS_ADMIN") == NULL);
    cove_config_free(c);
    free(json);
    cove_bundle_plan_free(&p);
}

Test(image_bundle, parses_sandbox_sizes_cpus_binds_users) {
    int64_t b, q;
    uint64_t per;
    struct cove_err err = {0};
    cr_expect_eq(cove_sandbox_parse_size("512M", &b, &err), 0);
    cr_expect_eq(b, 512ll << 20);
    cr_expect_eq(cove_sandbox_parse_size("1.5G", &b, &err), 0);
    cr_expect_eq(b, 3ll << 29);
    cr_expect_lt(cove_sandbox_parse_size("lots", &b, &err), 0);
    cr_expect_lt(cove_sandbox_parse_size("12X", &b, &err), 0);
    cr_expect_eq(cove_sandbox_parse_cpus("1.5", &q, &per, &err), 0);
    cr_expect(q == 150000 && per == 100000);
    cr_expect_lt(cove_sandbox_parse_cpus("0", &q, &per, &err), 0);
    struct cove_bind bd;
    cr_expect_eq(cove_sandbox_parse_bind("/tmp:/data", &bd, &err), 0);
    cr_expect(!bd.rw);
    free(bd.src);
    free(bd.dst);
    cr_expect_eq(cove_sandbox_parse_bind("/tmp:/data:rw", &bd, &err), 0);
    cr_expect(bd.rw);
    free(bd.src);
    free(bd.dst);
    cr_expect_lt(cove_sandbox_parse_bind("/tmp:data", &bd, &err), 0);
    cr_expect_lt(cove_sandbox_parse_bind("/tmp:/a/../b", &bd, &err), 0);
    cr_expect_lt(cove_sandbox_parse_bind("/nonexistent-cove:/x", &bd, &err), 0);
    cr_expect_lt(cove_sandbox_parse_bind("/tmp:/x:rx", &bd, &err), 0);
    uid_t u;
    gid_t g;
    cr_expect_eq(cove_sandbox_parse_user("1000:100", &u, &g, &err), 0);
    cr_expect(u == 1000 && g == 100);
    cr_expect_lt(cove_sandbox_parse_user("root", &u, &g, &err), 0);
}

Test(image_bundle, sandbox_plan_is_hardened_and_never_nests_cgroups) {
    char *args[] = {"make", "test", NULL};
    char *env[] = {"CI=true", "PATH=/bin"};
    struct cove_sandbox_opts o = {.rootfs = tmp, .args = args, .env = env, .n_env = 2, .memory = 1 << 26};
    struct cove_bundle_plan p;
    struct cove_err err = {0};
    cr_assert_eq(cove_sandbox_plan(&o, "sb1", &p, &err), 0, "%s", err.msg);
    cr_expect_str_eq(p.cgroups_path, "/cove-sandbox/sb1");
    cr_expect_str_eq(p.env[0], "PATH=/bin", "--env overrides the default PATH");
    cr_expect_str_eq(p.env[1], "CI=true");
    cr_expect(!p.network_host);
    cr_expect_eq(p.memory, 1 << 26);
    cove_bundle_plan_free(&p);
    o.cgroup_parent = "relative/parent";
    cr_expect_lt(cove_sandbox_plan(&o, "sb1", &p, &err), 0);
    cove_bundle_plan_free(&p);
    o.cgroup_parent = NULL;
    o.image = "x";
    cr_expect_lt(cove_sandbox_plan(&o, "sb1", &p, &err), 0, "--image and --rootfs together");
    cove_bundle_plan_free(&p);
}

Test(image_bundle, validates_image_names) {
    cr_expect_eq(cove_image_validate_name("docker.io/library/busybox:1.36", NULL), 0);
    cr_expect_eq(cove_image_validate_name("a@sha256:00", NULL), 0);
    cr_expect_lt(cove_image_validate_name("../x", NULL), 0);
    cr_expect_lt(cove_image_validate_name(".hidden", NULL), 0);
    cr_expect_lt(cove_image_validate_name("a b", NULL), 0);
    cr_expect_lt(cove_image_validate_name("", NULL), 0);
}

Test(image_bundle, digest_validation) {
    cr_expect_eq(cove_digest_validate("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                                      NULL), 0);
    cr_expect_lt(cove_digest_validate("sha256:0123", NULL), 0);
    cr_expect_lt(cove_digest_validate("md5:0123456789abcdef0123456789abcdef", NULL), 0);
    cr_expect_lt(cove_digest_validate("sha256:../../../../etc/passwd000000000000000000000000000000000000000", NULL),
                 0);
}
