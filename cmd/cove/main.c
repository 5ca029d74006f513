/* cmd/cove/main.c — global flags, logging and command dispatch. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "runtime/hooks.h"
#include "runtime/rootless.h"
#include "lib/selfexe.h"
#include "lib/trace.h"
#include "runtime/state.h"
#include "version.h"

struct cli_global g_cli;
static enum cove_rootless g_rootless = COVE_ROOTLESS_AUTO;

static void json_escape(FILE *f, const char *s) {
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
}

static void log_line(FILE *f, bool json, const char *level, const char *msg) {
    char ts[64];
    cove_time_rfc3339(ts);
    if (json) {
        fputs("{\"level\":\"", f);
        fputs(level, f);
        fputs("\",\"msg\":\"", f);
        json_escape(f, msg);
        fprintf(f, "\",\"time\":\"%s\"}\n", ts);
    } else {
        fprintf(f, "time=\"%s\" level=%s msg=\"", ts, level);
        json_escape(f, msg);
        fputs("\"\n", f);
    }
    fflush(f);
}

static void log_trace_point(const char *name, double step_ms, double total_ms, void *arg) {
    (void)arg;
    cli_log("debug", "timing: %8.3f ms  (at %8.3f)  %s", step_ms, total_ms, name);
}

void cli_log(const char *level, const char *fmt, ...) {
    bool is_err = strcmp(level, "error") == 0;
    if (!is_err && !(g_cli.debug && strcmp(level, "debug") == 0) && strcmp(level, "warning") != 0)
        return;
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (g_cli.log_path) {
        FILE *f = fopen(g_cli.log_path, "ae");
        if (f) {
            log_line(f, g_cli.log_json, level, msg);
            fclose(f);
        }
    } else if (g_cli.log_json) {
        log_line(stderr, true, level, msg);
        return;
    }
    /* stderr gets the plain message; orchestrators match on its words */
    if (is_err)
        fprintf(stderr, "cove: %s\n", msg);
    else if (!g_cli.log_path)
        fprintf(stderr, "cove: %s: %s\n", level, msg);
}

int cli_fail(const struct cove_err *err) {
    cli_log("error", "%s", err->msg[0] ? err->msg : "unknown error");
    return 1;
}

/* runtime/hooks.c reports poststart/poststop failures through this */
static void log_warning(const char *msg) {
    cli_log("warning", "%s", msg);
}

int cli_usage_error(const char *cmd, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    cli_log("error", "%s: %s (see 'cove %s --help')", cmd, msg, cmd);
    return 1;
}

static char **g_cmd_argv; /* the running command's argv (for cli_option_error) */

/* the global options, for cli_take_globals and for naming a misplaced one */
enum { O_ROOT = 256, O_IMAGE_ROOT, O_LOG, O_LOG_FORMAT, O_DEBUG, O_SYSTEMD, O_ROOTLESS, O_CRIU };
static const struct option global_opts[] = {
    {"root", required_argument, NULL, O_ROOT},
    {"image-root", required_argument, NULL, O_IMAGE_ROOT},
    {"log", required_argument, NULL, O_LOG},
    {"log-format", required_argument, NULL, O_LOG_FORMAT},
    {"debug", no_argument, NULL, O_DEBUG},
    {"systemd-cgroup", no_argument, NULL, O_SYSTEMD},
    {"rootless", required_argument, NULL, O_ROOTLESS},
    {"criu", required_argument, NULL, O_CRIU},
    {"version", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {0},
};

/* "--name[=v]" naming one of the global options (not help/version) */
static const struct option *global_named(const char *arg) {
    if (strncmp(arg, "--", 2) != 0)
        return NULL;
    size_t n = strcspn(arg + 2, "=");
    for (const struct option *o = global_opts; o->name; o++)
        if (o->val >= 256 && strlen(o->name) == n && strncmp(o->name, arg + 2, n) == 0)
            return o;
    return NULL;
}

void cli_sub_argv(char **argv) {
    g_cmd_argv = argv;
}

int cli_option_error(const char *cmd) {
    const char *arg = g_cmd_argv && optind > 0 ? g_cmd_argv[optind - 1] : NULL;
    if (!arg || arg[0] != '-')
        return cli_usage_error(cmd, "unknown option");
    const struct option *g = global_named(arg);
    if (g)
        return cli_usage_error(cmd, "--%s is a global option: put it before the command (cove --%s%s %s ...)",
                               g->name, g->name, g->has_arg ? " VALUE" : "", cmd);
    if (optopt && strncmp(arg, "--", 2) == 0)
        return cli_usage_error(cmd, "option %s needs a value", arg);
    return cli_usage_error(cmd, "unknown option %s", arg);
}

/* one global option: value in v (NULL when it takes none); 0 or exit code */
static int global_apply(int c, const char *v) {
    switch (c) {
    case O_ROOT: g_cli.root = v; break;
    case O_IMAGE_ROOT: g_cli.image_root = v; break;
    case O_LOG: g_cli.log_path = *v ? v : NULL; break;
    case O_LOG_FORMAT:
        if (strcmp(v, "json") == 0)
            g_cli.log_json = true;
        else if (strcmp(v, "text") == 0)
            g_cli.log_json = false;
        else {
            fprintf(stderr, "cove: invalid log-format: %s (text or json)\n", v);
            return 1;
        }
        break;
    case O_DEBUG: g_cli.debug = true; break;
    case O_SYSTEMD: g_cli.systemd_cgroup = true; break;
    case O_ROOTLESS:
        if (cove_rootless_parse(v, &g_rootless) < 0) {
            fprintf(stderr, "cove: invalid --rootless value: %s (auto, true or false)\n", v);
            return 1;
        }
        g_cli.rootless = cove_rootless_resolve(g_rootless);
        break;
    default: break; /* --criu: accepted for runc compatibility */
    }
    return 0;
}

int cli_take_globals(const char *cmd, int *argc, char **argv) {
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        const struct option *g = strcmp(argv[i], "--") == 0 ? NULL : global_named(argv[i]);
        if (strcmp(argv[i], "--") == 0) {
            while (i < *argc)
                argv[out++] = argv[i++];
            break;
        }
        if (!g) {
            argv[out++] = argv[i];
            continue;
        }
        const char *eq = strchr(argv[i], '=');
        const char *v = NULL;
        if (g->has_arg && eq)
            v = eq + 1;
        else if (g->has_arg && i + 1 < *argc)
            v = argv[++i];
        else if (g->has_arg)
            return cli_usage_error(cmd, "option --%s needs a value", g->name);
        else if (eq)
            return cli_usage_error(cmd, "option --%s takes no value", g->name);
        int r = global_apply(g->val, v);
        if (r)
            return r;
    }
    *argc = out;
    argv[out] = NULL;
    return 0;
}

void cli_print_gen(yajl_gen g) {
    const unsigned char *buf;
    size_t len;
    yajl_gen_get_buf(g, &buf, &len);
    fwrite(buf, 1, len, stdout);
    fputc('\n', stdout);
}

int cli_parse_signal(const char *s) {
    if (!s || !*s)
        return -1;
    char *end;
    long n = strtol(s, &end, 10);
    if (*end == '\0')
        return (n > 0 && n < NSIG) ? (int)n : -1;
    if (strncasecmp(s, "SIG", 3) == 0)
        s += 3;
    for (int i = 1; i < NSIG; i++) {
        const char *abbrev = sigabbrev_np(i);
        if (abbrev && strcasecmp(abbrev, s) == 0)
            return i;
    }
    if (strncasecmp(s, "RTMIN+", 6) == 0 || strncasecmp(s, "RTMAX-", 6) == 0) {
        long k = strtol(s + 6, &end, 10);
        int v = (s[2] == 'M' || s[2] == 'm') && (s[3] == 'I' || s[3] == 'i') ? SIGRTMIN + (int)k : SIGRTMAX - (int)k;
        return (*end == '\0' && k >= 0 && v >= SIGRTMIN && v <= SIGRTMAX) ? v : -1;
    }
    return -1;
}

static char **g_argv;

#ifndef COVE_WITH_IMAGE
/* image, bundle, sandbox live in cove-image (next to this binary) so that
 * cove itself does not load libarchive/libcrypto on every container start;
 * the whole command line is handed over, and cove-image starts from a
 * read-only clone of itself (lib/selfexe.h: sandbox enters containers). */
static int cmd_image_exec(int argc, char **argv) {
    (void)argc;
    struct cove_err err = {0};
    char bin[PATH_MAX];
    if (cove_selfexe_helper("cove-image", "COVE_IMAGE_BIN", bin, sizeof(bin), &err) < 0)
        return cli_fail(&err);
    cove_selfexe_exec(bin, g_argv, &err);
    cli_log("error", "%s: cannot run %s: %s", argv[0], bin, err.msg);
    return 1;
}
#define cmd_image cmd_image_exec
#define cmd_bundle cmd_image_exec
#define cmd_sandbox cmd_image_exec
#endif

static const struct {
    const char *name;
    cli_cmd_fn fn;
    const char *help;
    bool enters; /* puts a process into a container: runs from a read-only image */
} commands[] = {
    {"create", cmd_create, "create a container", true},
    {"start", cmd_start, "execute the user-defined process in a created container", false},
    {"run", cmd_run, "create and run a container", true},
    {"exec", cmd_exec, "execute new process inside the container", true},
    {"state", cmd_state, "output the state of a container", false},
    {"list", cmd_list, "lists containers started by cove with the given root", false},
    {"kill", cmd_kill, "kill sends the specified signal (default: SIGTERM) to the container's init process", false},
    {"delete", cmd_delete, "delete any resources held by the container", false},
    {"spec", cmd_spec, "create a new specification file", false},
    {"features", cmd_features, "show the enabled features", false},
    {"image", cmd_image, "manage OCI images: import, ls, inspect, rm, gc", false},
    {"bundle", cmd_bundle, "write a bundle (config.json + overlay root) from an image", false},
#ifdef COVE_WITH_IMAGE
    {"sandbox", cmd_sandbox, "run a command in a throw-away hardened container (CI jobs)", true},
#else
    {"sandbox", cmd_sandbox, "run a command in a throw-away hardened container (CI jobs)", false},
#endif
    {"wait", cmd_wait, "wait until a container stops; print and exit with its exit code", false},
    {"logs", cmd_logs, "print the output of a detached container (-f: follow)", false},
    {"pause", cmd_pause, "pause suspends all processes inside the container", false},
    {"resume", cmd_resume, "resumes all processes that have been previously paused", false},
    {"ps", cmd_ps, "ps displays the processes running inside a container", false},
    {"update", cmd_update, "update container resource constraints", false},
    {"events", cmd_events, "display container events such as OOM notifications, cpu, memory, and IO usage statistics", false},
};

static void usage(FILE *f) {
    fprintf(f,
            "cove — an OCI container runtime (runc-compatible CLI)\n\n"
            "Usage: cove [global options] command [command options] [arguments...]\n\n"
            "Commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "   %-10s %s\n", commands[i].name, commands[i].help);
    fprintf(f,
            "\nGlobal options:\n"
            "   --root DIR           root directory for container state (default: %s;\n"
            "                        $XDG_RUNTIME_DIR/cove when not root)\n"
            "   --image-root DIR     image store (default: /var/lib/cove; ~/.local/share/cove when not root)\n"
            "   --log FILE           write log lines to FILE (default: stderr)\n"
            "   --log-format FORMAT  text or json (default: text)\n"
            "   --debug              log debug lines\n"
            "   --systemd-cgroup     use the systemd cgroup driver (a transient scope per container)\n"
            "   --rootless VALUE     auto|true|false: tolerate a cgroup not delegated to the user\n"
            "                        (default auto: when not root, or root in a user namespace)\n"
            "   --version, -v        print the version\n"
            "   --help, -h           show help\n",
            COVE_DEFAULT_ROOT);
}

static void version(void) {
    printf("cove version %s\nspec: %s\n", COVE_VERSION, COVE_SPEC_VERSION);
}

/* The per-user defaults (runtime/rootless.h); --root/--image-root and
 * --rootless given later replace them. */
static void cli_defaults(void) {
    static char *root, *image_root; /* for the process's lifetime */
    bool per_user = cove_rootless_per_user_dirs(geteuid(), getenv("XDG_RUNTIME_DIR"), getenv("USER"));
    cove_rootless_state_root(per_user, getenv("XDG_RUNTIME_DIR"), &root);
    cove_rootless_image_root(per_user, getenv("XDG_DATA_HOME"), getenv("HOME"), &image_root);
    g_cli.root = root;
    g_cli.image_root = image_root;
    g_cli.rootless = cove_rootless_resolve(COVE_ROOTLESS_AUTO);
}

int main(int argc, char **argv) {
    cove_selfexe_init();
    g_argv = argv;
    cli_defaults();
    cove_hooks_set_warn_fn(log_warning);
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+vh", global_opts, NULL)) != -1) {
        switch (c) {
        case 'v': version(); return 0;
        case 'h': usage(stdout); return 0;
        case '?':
        case ':':
            fprintf(stderr, "cove: global option %s: unknown, or missing its value\n", argv[optind - 1]);
            usage(stderr);
            return 1;
        default:
            if (global_apply(c, optarg))
                return 1;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 1;
    }
    const char *name = argv[optind];
    if (strcmp(name, "help") == 0) {
        usage(stdout);
        return 0;
    }
    cove_trace_on = g_cli.debug;
    cove_trace("cli: exec, dynamic loading, arguments parsed");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(commands[i].name, name) == 0) {
            struct cove_err err = {0};
            if (commands[i].enters && cove_selfexe_protect(g_argv, &err) < 0)
                return cli_fail(&err);
            int sub_argc = argc - optind;
            char **sub_argv = argv + optind;
            g_cmd_argv = sub_argv;
            optind = 0; /* reset getopt for the command's own flags */
            int rc = commands[i].fn(sub_argc, sub_argv);
            cove_trace("cli: done");
            cove_trace_each(log_trace_point, NULL);
            return rc;
        }
    }
    cli_log("error", "unknown command \"%s\" (see 'cove --help')", name);
    return 1;
}
