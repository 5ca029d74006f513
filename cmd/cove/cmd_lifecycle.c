/* cmd/cove/cmd_lifecycle.c — create, start, run, kill, delete. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lib/cleanup.h"
#include "runtime/container.h"
#include "runtime/supervise.h"

enum {
    O_BUNDLE = 'b', O_DETACH = 'd', O_HELP = 'h', O_FORCE = 'f', O_ALL = 'a',
    O_PID_FILE = 256, O_CONSOLE_SOCKET, O_NO_PIVOT, O_NO_NEW_KEYRING, O_PRESERVE_FDS, O_KEEP, O_NO_SUBREAPER,
    O_PIDFD_SOCKET, O_OVERLAY, O_TTY, O_SHIM, O_RM, O_TIMEOUT, O_TIMEOUT_GRACE,
};

#define CREATE_OPTIONS                                                   \
    {"bundle", required_argument, NULL, O_BUNDLE},                       \
    {"pid-file", required_argument, NULL, O_PID_FILE},                   \
    {"console-socket", required_argument, NULL, O_CONSOLE_SOCKET},       \
    {"pidfd-socket", required_argument, NULL, O_PIDFD_SOCKET},           \
    {"no-pivot", no_argument, NULL, O_NO_PIVOT},                         \
    {"no-new-keyring", no_argument, NULL, O_NO_NEW_KEYRING},             \
    {"overlay", no_argument, NULL, O_OVERLAY},                           \
    {"preserve-fds", required_argument, NULL, O_PRESERVE_FDS},           \
    {"help", no_argument, NULL, O_HELP}

static const char create_help[] =
    "   --bundle, -b DIR        path to the root of the bundle directory (default: current directory)\n"
    "   --pid-file FILE         write the container init's pid to FILE\n"
    "   --console-socket PATH   unix socket receiving the pty master (needs process.terminal)\n"
    "   --no-pivot              do not use pivot_root (for a rootfs on a ramdisk)\n"
    "   --no-new-keyring        do not create a new session keyring\n"
    "   --preserve-fds N        pass N additional fds (3..3+N-1) to the container\n"
    "   --overlay               copy-on-write overlay over root.path (writes vanish on delete)\n";

static int one_id(const char *cmd, int argc, char **argv, const char **id) {
    if (argc - optind != 1)
        return cli_usage_error(cmd, "\"%s\" requires exactly 1 argument(s)", cmd);
    *id = argv[optind];
    return 0;
}

/* Parses the flags create and run share; returns 1 if the option was not one of them. */
static int create_flag(int c, struct cove_create_opts *o) {
    char *end;
    switch (c) {
    case O_BUNDLE: o->bundle = optarg; return 0;
    case O_PID_FILE: o->pid_file = optarg; return 0;
    case O_CONSOLE_SOCKET: o->console_socket = optarg; return 0;
    case O_PIDFD_SOCKET: return 0;
    case O_NO_PIVOT: o->no_pivot = true; return 0;
    case O_NO_NEW_KEYRING: o->no_new_keyring = true; return 0;
    case O_OVERLAY: o->overlay = true; return 0;
    case O_PRESERVE_FDS: {
        unsigned long n = strtoul(optarg, &end, 10);
        if (*end || n > 65536)
            return -1;
        o->preserve_fds = (unsigned)n;
        return 0;
    }
    }
    return 1;
}

static void create_defaults(struct cove_create_opts *o) {
    memset(o, 0, sizeof(*o));
    o->root = g_cli.root;
    o->systemd_cgroup = g_cli.systemd_cgroup;
    o->rootless = g_cli.rootless;
}

/* --timeout SECONDS, --timeout-grace SECONDS */
static int parse_seconds(const char *s, unsigned *out) {
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || errno || v > 31536000)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int cmd_create_shim(const struct cove_create_opts *o) {
    struct cove_err err = {0};
    _cleanup_free_ char *path = NULL;
    struct cove_shim_opts so = {.create = *o, .grace_s = COVE_TIMEOUT_GRACE_DEFAULT};
    if (cove_shim_default_path(&path, &err) < 0 || cove_shim_spawn(path, &so, &err) < 0)
        return cli_fail(&err);
    return 0;
}

int cmd_create(int argc, char **argv) {
    static const struct option opts[] = {CREATE_OPTIONS, {"shim", no_argument, NULL, O_SHIM}, {0}};
    struct cove_create_opts o;
    create_defaults(&o);
    bool shim = false;
    int c;
    while ((c = getopt_long(argc, argv, "b:h", opts, NULL)) != -1) {
        if (c == O_HELP) {
            printf("Usage: cove create [command options] <container-id>\n\n%s"
                   "   --shim                  a cove-shim is the init's parent: records the exit code, logs output\n",
                   create_help);
            return 0;
        }
        if (c == O_SHIM) {
            shim = true;
            continue;
        }
        int r = create_flag(c, &o);
        if (r != 0)
            return r < 0 ? cli_usage_error("create", "invalid --preserve-fds value") : cli_option_error("create");
    }
    if (one_id("create", argc, argv, &o.id))
        return 1;
    struct cove_err err = {0};
    if (shim)
        return cmd_create_shim(&o);
    if (cove_container_create(&o, &err) < 0)
        return cli_fail(&err);
    return 0;
}

int cmd_run(int argc, char **argv) {
    static const struct option opts[] = {
        CREATE_OPTIONS,
        {"detach", no_argument, NULL, O_DETACH},
        {"keep", no_argument, NULL, O_KEEP},
        {"no-subreaper", no_argument, NULL, O_NO_SUBREAPER},
        {"tty", no_argument, NULL, O_TTY},
        {"rm", no_argument, NULL, O_RM},
        {"timeout", required_argument, NULL, O_TIMEOUT},
        {"timeout-grace", required_argument, NULL, O_TIMEOUT_GRACE},
        {0},
    };
    struct cove_create_opts o;
    create_defaults(&o);
    bool detach = false, keep = false;
    struct cove_run_opts ro = {.grace_s = COVE_TIMEOUT_GRACE_DEFAULT};
    int c;
    while ((c = getopt_long(argc, argv, "b:dth", opts, NULL)) != -1) {
        switch (c) {
        case O_HELP:
            printf("Usage: cove run [command options] <container-id>\n\n%s"
                   "   --detach, -d            detach from the container's process\n"
                   "   --keep                  do not delete the container after it exits\n"
                   "   --tty, -t               allocate a pty (process.terminal = true); without -d cove relays it\n"
                   "   --rm                    delete the container after it exits (default without -d, unless --keep)\n"
                   "   --timeout SECONDS       then SIGTERM to the init, SIGKILL to all after the grace period; exit 124\n"
                   "   --timeout-grace SECONDS between SIGTERM and SIGKILL for --timeout (default 10)\n"
                   "With -d a cove-shim is the container's parent: `cove wait`, `cove logs`, exitCode in state.\n",
                   create_help);
            return 0;
        case O_DETACH: detach = true; continue;
        case O_KEEP: keep = true; continue;
        case O_NO_SUBREAPER: continue;
        case O_RM: ro.rm = true; continue;
        case O_TIMEOUT:
            if (parse_seconds(optarg, &ro.timeout_s) < 0)
                return cli_usage_error("run", "invalid --timeout value \"%s\"", optarg);
            continue;
        case O_TIMEOUT_GRACE:
            if (parse_seconds(optarg, &ro.grace_s) < 0)
                return cli_usage_error("run", "invalid --timeout-grace value \"%s\"", optarg);
            continue;
        case 't': case O_TTY: o.tty = true; continue;
        }
        int r = create_flag(c, &o);
        if (r != 0)
            return r < 0 ? cli_usage_error("run", "invalid --preserve-fds value") : cli_option_error("run");
    }
    if (one_id("run", argc, argv, &o.id))
        return 1;
    if (ro.rm && keep)
        return cli_usage_error("run", "--rm and --keep cannot be used together");
    struct cove_err err = {0};
    int code = 0;
    _cleanup_free_ char *shim = NULL;
    ro.detach = detach;
    ro.keep = keep;
    if (detach && cove_shim_default_path(&shim, &err) < 0)
        return cli_fail(&err);
    ro.shim_path = shim;
    if (cove_container_run_ex(&o, &ro, &code, &err) < 0) {
        cli_fail(&err);
        return code ? code : 1;
    }
    return code;
}

int cmd_start(int argc, char **argv) {
    static const struct option opts[] = {{"help", no_argument, NULL, O_HELP}, {0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == O_HELP) {
            printf("Usage: cove start <container-id>\n\nStart the user process of a created container.\n");
            return 0;
        }
        return cli_option_error("start");
    }
    const char *id = NULL;
    if (one_id("start", argc, argv, &id))
        return 1;
    struct cove_err err = {0};
    if (cove_container_start(g_cli.root, id, &err) < 0)
        return cli_fail(&err);
    return 0;
}

int cmd_kill(int argc, char **argv) {
    static const struct option opts[] = {
        {"all", no_argument, NULL, O_ALL},
        {"help", no_argument, NULL, O_HELP},
        {0},
    };
    bool all = false;
    int c;
    while ((c = getopt_long(argc, argv, "ah", opts, NULL)) != -1) {
        if (c == O_HELP) {
            printf("Usage: cove kill [command options] <container-id> [signal]\n\n"
                   "   --all, -a   send the signal to every process of the container\n"
                   "signal: a name (KILL, SIGKILL) or a number (9); default SIGTERM\n");
            return 0;
        }
        if (c == O_ALL) {
            all = true;
            continue;
        }
        return cli_option_error("kill");
    }
    int n = argc - optind;
    if (n < 1 || n > 2)
        return cli_usage_error("kill", "\"kill\" requires a minimum of 1 and a maximum of 2 arguments");
    const char *id = argv[optind];
    int sig = SIGTERM;
    if (n == 2 && (sig = cli_parse_signal(argv[optind + 1])) < 0)
        return cli_usage_error("kill", "unknown signal \"%s\"", argv[optind + 1]);
    struct cove_err err = {0};
    if (cove_container_kill(g_cli.root, id, sig, all, &err) < 0)
        return cli_fail(&err);
    return 0;
}

int cmd_delete(int argc, char **argv) {
    static const struct option opts[] = {
        {"force", no_argument, NULL, O_FORCE},
        {"help", no_argument, NULL, O_HELP},
        {0},
    };
    bool force = false;
    int c;
    while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
        if (c == O_HELP) {
            printf("Usage: cove delete [command options] <container-id>\n\n"
                   "   --force, -f   kill the container first if it is still running\n");
            return 0;
        }
        if (c == O_FORCE) {
            force = true;
            continue;
        }
        return cli_option_error("delete");
    }
    const char *id = NULL;
    if (one_id("delete", argc, argv, &id))
        return 1;
    struct cove_err err = {0};
    char salvaged[1024];
    if (cove_container_delete(g_cli.root, id, force, salvaged, sizeof(salvaged), &err) < 0)
        return cli_fail(&err);
    if (salvaged[0])
        cli_log("warning", "%s", salvaged);
    return 0;
}
