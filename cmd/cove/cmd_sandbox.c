/* cmd/cove/cmd_sandbox.c — `cove sandbox`: run a CI job in a throw-away,
 * hardened container (runtime/sandbox/sandbox.h has the plan and its defaults). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "runtime/sandbox/sandbox.h"

static const char sandbox_help[] =
    "Usage: cove [--root DIR] [--image-root DIR] sandbox (--image REF | --rootfs DIR) [options] -- CMD [ARGS...]\n\n"
    "Run CMD in a throw-away container: an overlay root (writes vanish), read-only binds unless :rw,\n"
    "no_new_privs, runc's three default capabilities, fresh namespaces, no network unless --network host.\n"
    "The job is root of a new user namespace: the caller's uid outside for an ordinary user, an\n"
    "unprivileged range (image layers and binds id-mapped to it) for root.\n"
    "Output is streamed; the exit code is the job's (124 on timeout, 125 when the sandbox could not start).\n\n"
    "   --image REF              image from the store (cove image import)\n"
    "   --rootfs DIR             a root filesystem directory (never written to)\n"
    "   --memory SIZE            memory limit, e.g. 512M\n"
    "   --cpus N                 CPU limit, e.g. 1.5\n"
    "   --pids N                 process limit\n"
    "   --timeout SECONDS        kill the whole job after SECONDS (SIGTERM, grace, SIGKILL); exit 124\n"
    "   --timeout-grace SECONDS  SIGTERM → SIGKILL delay (default 10)\n"
    "   --network none|host      default none (only lo)\n"
    "   --userns private|self|host  private (default): the job is root of its own user namespace,\n"
    "                            at an unprivileged id range (an ordinary user's: its uid and its\n"
    "                            /etc/subuid range); self: an ordinary user's uid alone, no sub-ids\n"
    "                            (as bubblewrap; faster); host: root's job runs as the host's root\n"
    "   --bind SRC:DST[:ro|rw]   bind mount (read-only unless :rw); repeatable\n"
    "   --workdir DIR            working directory in the container\n"
    "   --env K=V                environment variable; repeatable\n"
    "   --user UID:GID           run as this user\n"
    "   --cgroup-parent PATH     absolute cgroup parent (default /cove-sandbox; as a non-root user:\n"
    "                            one delegated to you, else no cgroup and no limits)\n"
    "   --id ID                  container id (default sandbox-<pid>-<random>)\n"
    "   --seccomp-profile PATH|none  containers.conf-style seccomp profile\n"
    "                            (default " COVE_SANDBOX_SECCOMP_PROFILE ")\n";

struct sandbox_args {
    struct cove_sandbox_opts o;
    struct cove_bind binds[64];
    char *env[256];
};

static int parse_uint(const char *s, unsigned long max, unsigned long *out) {
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

/* "host" or the option's other word (optarg) */
static int host_or(const char *opt, const char *other, bool *host, struct cove_err *err) {
    if (strcmp(optarg, "host") != 0 && strcmp(optarg, other) != 0)
        return cove_err_set(err, EINVAL, "%s \"%s\": %s or host", opt, optarg, other);
    *host = strcmp(optarg, "host") == 0;
    return 0;
}

static int sandbox_opt(int c, struct sandbox_args *a, struct cove_err *err) {
    struct cove_sandbox_opts *o = &a->o;
    unsigned long v;
    switch (c) {
    case 'i': o->image = optarg; return 0;
    case 'r': o->rootfs = optarg; return 0;
    case 'm': return cove_sandbox_parse_size(optarg, &o->memory, err);
    case 'c': return cove_sandbox_parse_cpus(optarg, &o->cpu_quota, &o->cpu_period, err);
    case 'p':
        if (parse_uint(optarg, 1u << 22, &v) < 0 || v == 0)
            return cove_err_set(err, EINVAL, "--pids \"%s\": expected a positive number", optarg);
        o->pids = (int64_t)v;
        return 0;
    case 't':
    case 'g':
        if (parse_uint(optarg, 1u << 30, &v) < 0)
            return cove_err_set(err, EINVAL, "--timeout \"%s\": expected seconds", optarg);
        *(c == 't' ? &o->timeout_s : &o->grace_s) = (unsigned)v;
        return 0;
    case 'n': return host_or("--network", "none", &o->network_host, err);
    case 'b':
        if (o->n_binds == sizeof(a->binds) / sizeof(a->binds[0]))
            return cove_err_set(err, E2BIG, "--bind: too many");
        if (cove_sandbox_parse_bind(optarg, &a->binds[o->n_binds], err) < 0)
            return -1;
        o->n_binds++;
        return 0;
    case 'U':
        o->userns_self = strcmp(optarg, "self") == 0;
        if (o->userns_self || host_or("--userns", "private", &o->userns_host, err) == 0)
            return 0;
        return cove_err_set(err, EINVAL, "--userns \"%s\": private, self or host", optarg);
    case 'w': o->workdir = optarg; return 0;
    case 'e':
        if (o->n_env == sizeof(a->env) / sizeof(a->env[0]))
            return cove_err_set(err, E2BIG, "--env: too many");
        a->env[o->n_env++] = optarg;
        return 0;
    case 'u':
        o->has_user = true;
        return cove_sandbox_parse_user(optarg, &o->uid, &o->gid, err);
    case 'P': o->cgroup_parent = optarg; return 0;
    case 'I': o->id = optarg; return 0;
    case 'S': o->seccomp_profile = strcmp(optarg, "none") == 0 ? "" : optarg; return 0;
    }
    return cove_err_set(err, EINVAL, "unknown option");
}

static void sandbox_warn(const char *msg) {
    cli_log("warning", "%s", msg);
}

int cmd_sandbox(int argc, char **argv) {
    static const struct option opts[] = {
        {"image", required_argument, NULL, 'i'},     {"rootfs", required_argument, NULL, 'r'},
        {"memory", required_argument, NULL, 'm'},    {"cpus", required_argument, NULL, 'c'},
        {"pids", required_argument, NULL, 'p'},      {"timeout", required_argument, NULL, 't'},
        {"timeout-grace", required_argument, NULL, 'g'}, {"network", required_argument, NULL, 'n'},
        {"bind", required_argument, NULL, 'b'},      {"workdir", required_argument, NULL, 'w'},
        {"env", required_argument, NULL, 'e'},       {"user", required_argument, NULL, 'u'},
        {"cgroup-parent", required_argument, NULL, 'P'}, {"id", required_argument, NULL, 'I'},
        {"seccomp-profile", required_argument, NULL, 'S'}, {"userns", required_argument, NULL, 'U'},
        {"help", no_argument, NULL, 'h'},            {0},
    };
    int g = cli_take_globals("sandbox", &argc, argv);
    if (g)
        return g;
    static struct sandbox_args a;
    memset(&a, 0, sizeof(a));
    a.o.state_root = g_cli.root;
    a.o.image_root = g_cli.image_root;
    a.o.binds = a.binds;
    a.o.warn = sandbox_warn;
    a.o.env = a.env;
    struct cove_err err = {0};
    int c, rc = 0;
    /* '+': stop at the first non-option — the job's own arguments */
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(sandbox_help, stdout);
            goto out;
        }
        if (c == '?') {
            rc = cli_option_error("sandbox");
            goto out;
        }
        if (sandbox_opt(c, &a, &err) < 0) {
            cli_usage_error("sandbox", "%s", err.msg);
            rc = COVE_SANDBOX_CREATE_FAILED;
            goto out;
        }
    }
    a.o.args = argv + optind;
    /* an ordinary user has a cgroup only where one is delegated to it */
    if (geteuid() != 0 && !a.o.cgroup_parent) {
        if (a.o.memory || a.o.cpu_quota || a.o.pids) {
            rc = cli_usage_error("sandbox", "--memory, --cpus and --pids need a cgroup: as a non-root user pass "
                                            "--cgroup-parent DIR, a cgroup delegated to you (docs/rootless.md)");
            rc = COVE_SANDBOX_CREATE_FAILED;
            goto out;
        }
        cli_log("warning", "sandbox: no --cgroup-parent delegated to uid %u: the job runs without a cgroup "
                           "(no memory, cpu or pids limits); the timeout still ends it",
                (unsigned)geteuid());
        a.o.no_cgroup = true;
    }
    if (!a.o.seccomp_profile) {
        if (access(COVE_SANDBOX_SECCOMP_PROFILE, R_OK) == 0)
            a.o.seccomp_profile = COVE_SANDBOX_SECCOMP_PROFILE;
        else
            cli_log("warning", "sandbox: no seccomp profile (%s missing; install golang-github-containers-common "
                               "or pass --seccomp-profile PATH): running without seccomp",
                    COVE_SANDBOX_SECCOMP_PROFILE);
    } else if (!*a.o.seccomp_profile) {
        a.o.seccomp_profile = NULL; /* --seccomp-profile none */
    }
    int code = 0;
    if (cove_sandbox_run(&a.o, &code, &err) < 0) {
        cli_fail(&err);
        rc = code ? code : COVE_SANDBOX_CREATE_FAILED;
    } else {
        rc = code;
    }
out:
    for (size_t i = 0; i < a.o.n_binds; i++) {
        free(a.binds[i].src);
        free(a.binds[i].dst);
    }
    return rc;
}
