/* Smoke tests of cgroups/ on the real kernel (root only, skipped otherwise).
 * They create cgroups only below their own parents —
 * /sys/fs/cgroup/{pids,memory}/cove-unit-<pid>/ and
 * /sys/fs/cgroup/unified/cove-unit-<pid>/ — and remove them. */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroups/cgroups.h"
#include "lib/syscalls.h"

static bool usable(const char *dir) {
    return geteuid() == 0 && access(dir, W_OK) == 0;
}

/* .fini of every test: a failed assertion ends the test before its own
 * destroy, and would leave cove-unit-<pid> behind. Whatever is left below
 * the test's own parents is emptied (its processes are this worker's
 * children, SIGKILLed by pid) and removed, deepest first. */
static int rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw) {
    (void)sb;
    (void)ftw;
    if (type != FTW_DP)
        return 0;
    char procs[PATH_MAX];
    snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
    FILE *f = fopen(procs, "re");
    int pid;
    while (f && fscanf(f, "%d", &pid) == 1)
        if (pid > 0 && pid != getpid())
            kill(pid, SIGKILL);
    if (f)
        fclose(f);
    for (int i = 0; i < 50 && rmdir(path) < 0 && errno == EBUSY; i++)
        usleep(10000);
    return 0;
}

static void cleanup_unit_cgroups(void) {
    static const char *const roots[] = {"/sys/fs/cgroup/pids", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/unified",
                                        "/sys/fs/cgroup"};
    for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
        char dir[PATH_MAX];
        snprintf(dir, sizeof(dir), "%s/cove-unit-%d", roots[i], (int)getpid());
        if (access(dir, F_OK) == 0)
            nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
    }
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
}

static char *xstrdup(const char *s) {
    char *d = strdup(s);
    cr_assert_not_null(d);
    return d;
}

Test(cgroups_kernel, v1_pids_and_memory_create_apply_kill_destroy, .fini = cleanup_unit_cgroups) {
    if (!usable("/sys/fs/cgroup/pids") || !usable("/sys/fs/cgroup/memory"))
        cr_skip_test("needs root and v1 pids/memory hierarchies");
    char **dirs = calloc(2, sizeof(char *)), **own = calloc(2, sizeof(char *));
    cr_assert(dirs && own);
    dirs[0] = xstrdup("memory");
    dirs[1] = xstrdup("pids");
    own[0] = xstrdup("/");
    own[1] = xstrdup("/");
    struct cove_cgroup_host h = { .root = xstrdup("/sys/fs/cgroup"), .mode = COVE_CG_LEGACY, .v1_dirs = dirs,
                                  .n_v1_dirs = 2, .v1_own = own, .v2_own = xstrdup("/") };
    char path[64];
    snprintf(path, sizeof(path), "/cove-unit-%d/c1", (int)getpid());
    struct cove_cgroup cg;
    struct cove_err err = { 0 };
    cr_assert_eq(cove_cgroup_create(&h, path, &cg, &err), 0, "%s", err.msg);
    cr_assert_eq(cg.n_dirs, 4);
    struct cove_resources res = { .set = true, .has_pids = true, .pids_limit = { true, 10 }, .has_memory = true,
                                  .memory = { .limit = { true, 64 << 20 } } };
    cr_assert_eq(cove_cgroup_validate(&h, &res, &err), 0, "%s", err.msg);
    cr_assert_eq(cove_cgroup_apply(&cg, &res, &err), 0, "%s", err.msg);

    pid_t child = fork();
    if (child == 0) {
        pause();
        _exit(0);
    }
    cr_assert_eq(cove_cgroup_add_pid(&cg, child, &err), 0, "%s", err.msg);
    pid_t *pids = NULL;
    size_t n = 0;
    cr_assert_eq(cove_cgroup_pids(&cg, &pids, &n, &err), 0, "%s", err.msg);
    cr_assert_eq(n, 1);
    cr_assert_eq(pids[0], child);
    free(pids);
    /* no freezer hierarchy in this host view: signal the list directly */
    cr_assert_eq(cove_cgroup_kill_all(&cg, SIGKILL, &err), 0, "%s", err.msg);
    int st;
    cr_assert_eq(waitpid(child, &st, 0), child);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    cr_assert_eq(cove_cgroup_destroy(&cg, &err), 0, "%s", err.msg);
    char p[128];
    snprintf(p, sizeof(p), "/sys/fs/cgroup/pids/cove-unit-%d", (int)getpid());
    cr_assert_neq(access(p, F_OK), 0, "parent we created is removed");
    cove_cgroup_free(&cg);
    cove_cgroup_host_free(&h);
}

/* Child born in the cgroup: tries two devices, reports in the exit code. */
static int probe_devices(void) {
    int code = 0;
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        code |= 1;        /* default list must allow /dev/null */
    else
        close(fd);
    fd = open("/dev/kmsg", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        code |= 2;        /* deny-all must refuse c 1:11 */
        close(fd);
    } else if (errno != EPERM) {
        code |= 4;
    }
    return code;
}

static pid_t spawn_into(int cgfd, int (*fn)(void)) {
    struct clone_args ca = { .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)cgfd };
    pid_t pid = cove_clone3(&ca, sizeof(ca));
    if (pid == 0)
        _exit(fn());
    return pid;
}

static int sleeper(void) {
    for (;;)
        pause();
    return 0;
}

Test(cgroups_kernel, v2_clone_into_cgroup_devices_freeze_kill_destroy, .fini = cleanup_unit_cgroups) {
    if (!usable("/sys/fs/cgroup/unified"))
        cr_skip_test("needs root and a cgroup2 mount at /sys/fs/cgroup/unified");
    /* Our own parent is the backend's root: nothing above it is written. */
    char base[128];
    snprintf(base, sizeof(base), "/sys/fs/cgroup/unified/cove-unit-%d", (int)getpid());
    cr_assert_eq(mkdir(base, 0755), 0, "%s: %s", base, strerror(errno));
    struct cove_cgroup_host h = { .root = xstrdup(base), .mode = COVE_CG_UNIFIED, .v2_own = xstrdup("/") };
    struct cove_cgroup cg;
    struct cove_err err = { 0 };
    cr_assert_eq(cove_cgroup_create(&h, "/c1", &cg, &err), 0, "%s", err.msg);
    cr_assert_geq(cg.v2_fd, 0);

    struct cove_device_rule rules[] = { { .allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm" } };
    int r = cove_cgroup_set_devices(&cg, rules, 1, &err);
    if (r == 0) {
        /* an allow-all (podman --privileged) ends the program: the verifier
         * refused the rules it made unreachable */
        struct cove_device_rule all = { .allow = true, .type = 'a', .major = -1, .minor = -1, .access = "rwm" };
        cr_assert_eq(cove_cgroup_set_devices(&cg, &all, 1, &err), 0, "%s", err.msg);
        /* twice: the second program replaces the first */
        cr_assert_eq(cove_cgroup_set_devices(&cg, rules, 1, &err), 0, "%s", err.msg);
        pid_t p = spawn_into(cg.v2_fd, probe_devices);
        cr_assert_gt(p, 0, "clone3: %s", strerror(errno));
        int st;
        cr_assert_eq(waitpid(p, &st, 0), p);
        cr_assert(WIFEXITED(st));
        cr_assert_eq(WEXITSTATUS(st), 0, "device probe code %d", WEXITSTATUS(st));
    } else {
        cr_log_warn("eBPF device filter not testable here: %s", err.msg);
    }

    pid_t s = spawn_into(cg.v2_fd, sleeper);
    cr_assert_gt(s, 0);
    cg.v2_born_inside = true;
    cr_assert_eq(cove_cgroup_add_pid(&cg, s, &err), 0, "%s", err.msg);
    cr_assert_eq(cove_cgroup_freeze(&cg, true, &err), 0, "%s", err.msg);
    cr_assert_eq(cove_cgroup_freeze(&cg, false, &err), 0, "%s", err.msg);
    pid_t *pids = NULL;
    size_t n = 0;
    cr_assert_eq(cove_cgroup_pids(&cg, &pids, &n, &err), 0, "%s", err.msg);
    cr_assert_eq(n, 1);
    cr_assert_eq(pids[0], s);
    free(pids);
    /* destroy kills what is left (cgroup.kill) and waits for the rmdir */
    cr_assert_eq(cove_cgroup_destroy(&cg, &err), 0, "%s", err.msg);
    int st;
    cr_assert_eq(waitpid(s, &st, 0), s);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    cove_cgroup_free(&cg);
    cove_cgroup_host_free(&h);
    cr_assert_eq(rmdir(base), 0, "%s: %s", base, strerror(errno));
}
