/* Unit tests: id map and time offset formatting (runtime/userns.c) and
 * running hooks (runtime/hooks.c: state on stdin, exit status, timeout,
 * the error naming the hook). Hooks run /bin/sh; no root needed. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runtime/hooks.h"
#include "namespaces/userns.h"

Test(userns, formats_one_line_per_mapping) {
    struct cove_idmap m[] = {{0, 100000, 65536}, {65536, 5000, 1}};
    char buf[128];
    int n = cove_userns_format_map(m, 2, buf, sizeof(buf));
    cr_assert_str_eq(buf, "0 100000 65536\n65536 5000 1\n");
    cr_assert_eq(n, (int)strlen(buf));
}

Test(userns, refuses_empty_and_too_long_maps) {
    struct cove_idmap m[] = {{0, 100000, 65536}};
    char buf[8];
    cr_assert_eq(cove_userns_format_map(m, 0, buf, sizeof(buf)), -EINVAL);
    cr_assert_eq(cove_userns_format_map(m, 1, buf, sizeof(buf)), -ENOSPC);
}

Test(userns, host_root_is_the_host_id_of_container_zero) {
    struct cove_idmap m[] = {{1, 200001, 10}, {0, 100000, 1}};
    cr_assert_eq(cove_userns_host_root(m, 2), 100000);
    cr_assert_eq(cove_userns_host_root(m, 1), (uid_t)-1);
}

Test(userns, formats_only_the_configured_clocks) {
    struct cove_config c;
    memset(&c, 0, sizeof(c));
    char buf[128];
    c.linux.time_boottime = (struct cove_time_offset){.set = true, .secs = -5, .nanosecs = 7};
    cr_assert_gt(cove_timens_format_offsets(&c, buf, sizeof(buf)), 0);
    cr_assert_str_eq(buf, "boottime -5 7\n");
    c.linux.time_monotonic = (struct cove_time_offset){.set = true, .secs = 86400, .nanosecs = 0};
    cove_timens_format_offsets(&c, buf, sizeof(buf));
    cr_assert_str_eq(buf, "monotonic 86400 0\nboottime -5 7\n");
}

static char *sh_args[] = {"sh", "-c", NULL, NULL};

static struct cove_hook sh_hook(char *script, int timeout) {
    sh_args[2] = script;
    return (struct cove_hook){.path = "/bin/sh", .args = sh_args, .n_args = 3, .has_timeout = timeout > 0,
                              .timeout = timeout};
}

Test(hooks, passes_the_state_on_stdin) {
    char path[] = "/tmp/cove-unit-hook-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    char script[128];
    snprintf(script, sizeof(script), "cat > %s", path);
    struct cove_hook h = sh_hook(script, 0);
    struct cove_err err = {0};
    cr_assert_eq(cove_hook_run(&h, COVE_HOOK_CREATE_RUNTIME, 0, "{\"id\":\"x\"}", &err), 0, "%s", err.msg);
    char got[64] = {0};
    FILE *f = fopen(path, "re");
    cr_assert_not_null(f);
    cr_assert_not_null(fgets(got, sizeof(got), f));
    fclose(f);
    unlink(path);
    cr_assert_str_eq(got, "{\"id\":\"x\"}");
}

Test(hooks, names_the_hook_and_its_exit_status) {
    struct cove_hook h = sh_hook("exit 4", 0);
    struct cove_err err = {0};
    cr_assert_lt(cove_hook_run(&h, COVE_HOOK_POSTSTOP, 2, "{}", &err), 0);
    cr_assert_str_eq(err.msg, "hooks.poststop[2] (/bin/sh): exited with status 4");
}

Test(hooks, kills_a_hook_past_its_timeout) {
    struct cove_hook h = sh_hook("exec sleep 100", 1);
    struct cove_err err = {0};
    time_t t0 = time(NULL);
    cr_assert_eq(cove_hook_run(&h, COVE_HOOK_PRESTART, 0, "{}", &err), -ETIMEDOUT);
    cr_assert_leq(time(NULL) - t0, 3);
    cr_assert_str_eq(err.msg, "hooks.prestart[0] (/bin/sh): timed out after 1s");
}

Test(hooks, kind_names_match_the_spec) {
    cr_assert_str_eq(cove_hook_kind_name(COVE_HOOK_CREATE_CONTAINER), "createContainer");
    cr_assert_str_eq(cove_hook_kind_name(COVE_HOOK_START_CONTAINER), "startContainer");
}
