/* cmd/cove/cmd_exec.c — `cove exec`: runc's flags, parsed into
 * struct cove_exec_opts (runtime/exec.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lib/cleanup.h"
#include "runtime/container.h"

enum {
    X_CONSOLE = 256, X_CWD, X_NNP, X_APPARMOR, X_LABEL, X_PIDFILE, X_PRESERVE, X_IGNORE_PAUSED, X_CGROUP, X_PROCESS,
};

static const char exec_help[] =
    "Usage: cove exec [command options] <container-id> <command> [command options]\n"
    "   or: cove exec [command options] -p process.json <container-id>\n\n"
    "   --process, -p FILE        path to a process.json (runtime-spec \"process\" object)\n"
    "   --tty, -t                 allocate a pseudo-TTY\n"
    "   --console-socket PATH     unix socket receiving the pty master (with -t -d)\n"
    "   --cwd DIR                 working directory inside the container\n"
    "   --env, -e KEY=VALUE       set an environment variable (repeatable)\n"
    "   --user, -u UID[:GID]      numeric user (and group) to run as\n"
    "   --additional-gids, -g N   additional group (repeatable)\n"
    "   --cap, -c CAP_X           add a capability (repeatable)\n"
    "   --no-new-privs            set no_new_privs\n"
    "   --apparmor, --process-label   refused: cove has no LSM support\n"
    "   --detach, -d              detach from the process\n"
    "   --pid-file FILE           write the process's pid to FILE\n"
    "   --preserve-fds N          pass N additional fds (3..3+N-1)\n"
    "   --ignore-paused           allow exec in a paused container\n"
    "   --cgroup PATH             run in this sub-cgroup of the container's cgroup\n";

static int push(char ***v, size_t *n, char *s) {
    char **nv = realloc(*v, (*n + 1) * sizeof(*nv));
    if (!nv)
        return -1;
    nv[(*n)++] = s;
    *v = nv;
    return 0;
}

static int push_gids(struct cove_exec_opts *o, const char *arg) {
    _cleanup_free_ char *copy = strdup(arg);
    if (!copy)
        return -1;
    char *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *end;
        unsigned long g = strtoul(t, &end, 10);
        if (*end || end == t || g >= UINT32_MAX || *t == '-')
            return -1;
        uint32_t *nv = realloc(o->additional_gids, (o->n_additional_gids + 1) * sizeof(*nv));
        if (!nv)
            return -1;
        nv[o->n_additional_gids++] = (uint32_t)g;
        o->additional_gids = nv;
    }
    return 0;
}

static int exec_flag(int c, struct cove_exec_opts *o) {
    char *end;
    switch (c) {
    case 'p': case X_PROCESS: o->process_file = optarg; return 0;
    case 't': o->tty = true; return 0;
    case 'd': o->detach = true; return 0;
    case X_CONSOLE: o->console_socket = optarg; return 0;
    case X_CWD: o->cwd = optarg; return 0;
    case 'e': return push(&o->env, &o->n_env, optarg) < 0 ? cli_usage_error("exec", "out of memory") : 0;
    case 'u': o->user = optarg; return 0;
    case 'g': return push_gids(o, optarg) < 0 ? cli_usage_error("exec", "invalid --additional-gids \"%s\"", optarg) : 0;
    case 'c': return push(&o->caps, &o->n_caps, optarg) < 0 ? cli_usage_error("exec", "out of memory") : 0;
    case X_NNP: o->no_new_privs = true; return 0;
    case X_APPARMOR: o->apparmor = optarg; return 0;
    case X_LABEL: o->process_label = optarg; return 0;
    case X_PIDFILE: o->pid_file = optarg; return 0;
    case X_PRESERVE: {
        unsigned long n = strtoul(optarg, &end, 10);
        if (*end || end == optarg || n > 65536)
            return cli_usage_error("exec", "invalid --preserve-fds value \"%s\"", optarg);
        o->preserve_fds = (unsigned)n;
        return 0;
    }
    case X_IGNORE_PAUSED: o->ignore_paused = true; return 0;
    case X_CGROUP: o->cgroup = optarg; return 0;
    }
    return cli_option_error("exec");
}

int cmd_exec(int argc, char **argv) {
    static const struct option opts[] = {
        {"process", required_argument, NULL, 'p'},
        {"tty", no_argument, NULL, 't'},
        {"console-socket", required_argument, NULL, X_CONSOLE},
        {"cwd", required_argument, NULL, X_CWD},
        {"env", required_argument, NULL, 'e'},
        {"user", required_argument, NULL, 'u'},
        {"additional-gids", required_argument, NULL, 'g'},
        {"cap", required_argument, NULL, 'c'},
        {"no-new-privs", no_argument, NULL, X_NNP},
        {"apparmor", required_argument, NULL, X_APPARMOR},
        {"process-label", required_argument, NULL, X_LABEL},
        {"detach", no_argument, NULL, 'd'},
        {"pid-file", required_argument, NULL, X_PIDFILE},
        {"preserve-fds", required_argument, NULL, X_PRESERVE},
        {"ignore-paused", no_argument, NULL, X_IGNORE_PAUSED},
        {"cgroup", required_argument, NULL, X_CGROUP},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct cove_exec_opts o = {.root = g_cli.root};
    int c, rc = 1;
    /* "+": options stop at the container id; what follows is the command */
    while ((c = getopt_long(argc, argv, "+p:tde:u:g:c:h", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(exec_help, stdout);
            rc = 0;
            goto out;
        }
        if (exec_flag(c, &o) != 0)
            goto out;
    }
    if (optind >= argc) {
        cli_usage_error("exec", "\"exec\" requires a minimum of 1 argument(s)");
        goto out;
    }
    o.id = argv[optind];
    o.args = argv + optind + 1;
    o.n_args = (size_t)(argc - optind - 1);
    if (!o.process_file && o.n_args == 0) {
        cli_usage_error("exec", "\"exec\" requires a command (or --process)");
        goto out;
    }
    struct cove_err err = {0};
    int code = 0;
    if (cove_container_exec(&o, &code, &err) < 0)
        rc = cli_fail(&err);
    else
        rc = code;
out:
    free(o.env);
    free(o.caps);
    free(o.additional_gids);
    return rc;
}
