/* cmd/cove/cmd_ps.c — ps: the container's processes. `--format json` prints
 * the pid array; table mode runs ps(1) with the given ps options (default
 * -ef) and keeps the header and the lines whose PID column is one of the
 * container's pids, as runc does. */
#include <fcntl.h>
#include <getopt.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "runtime/container.h"
#include "lib/cleanup.h"

extern char **environ;

static bool has_pid(const pid_t *pids, size_t n, long pid) {
    for (size_t i = 0; i < n; i++)
        if (pids[i] == pid)
            return true;
    return false;
}

/* Index (0-based, whitespace-separated) of the "PID" column in the header. */
static int pid_column(const char *header) {
    int col = 0;
    const char *p = header;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        size_t len = strcspn(p, " \t");
        if (len == 3 && strncmp(p, "PID", 3) == 0)
            return col;
        p += len;
        col++;
    }
    return -1;
}

static long field_long(const char *line, int col) {
    const char *p = line;
    for (int i = 0;; i++) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            return -1;
        if (i == col)
            return strtol(p, NULL, 10);
        p += strcspn(p, " \t");
    }
}

/* Run ps with args (argv[0] = "ps"), its stdout into a FILE. */
static FILE *spawn_ps(char **args, pid_t *child) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
    int r = posix_spawnp(child, "ps", &fa, NULL, args, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (r != 0) {
        close(fds[0]);
        errno = r;
        return NULL;
    }
    return fdopen(fds[0], "re");
}

static int ps_table(const pid_t *pids, size_t n, int argc, char **argv) {
    size_t nargs = argc > 0 ? (size_t)argc : 1;
    _cleanup_free_ char **args = calloc(nargs + 2, sizeof(char *));
    if (!args)
        return 1;
    args[0] = "ps";
    if (argc > 0)
        memcpy(args + 1, argv, (size_t)argc * sizeof(char *));
    else
        args[1] = "-ef";
    pid_t child;
    FILE *f = spawn_ps(args, &child);
    if (!f) {
        cli_log("error", "exec ps: %m");
        return 1;
    }
    _cleanup_free_ char *line = NULL;
    size_t cap = 0;
    int col = -1, rc = 0;
    bool header = true;
    while (getline(&line, &cap, f) > 0) {
        if (header) {
            header = false;
            if ((col = pid_column(line)) < 0) {
                cli_log("error", "couldn't find PID field in ps output");
                rc = 1;
                break;
            }
            fputs(line, stdout);
            continue;
        }
        if (has_pid(pids, n, field_long(line, col)))
            fputs(line, stdout);
    }
    fclose(f);
    int status;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR)
        ;
    if (rc == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        cli_log("error", "ps exited with status %d", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        rc = 1;
    }
    return rc;
}

int cmd_ps(int argc, char **argv) {
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    const char *format = "table";
    int c;
    /* "+": options after the id belong to ps(1) */
    while ((c = getopt_long(argc, argv, "+f:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f': format = optarg; break;
        case 'h':
            printf("Usage: cove ps [command options] <container-id> [ps options]\n\n"
                   "   --format, -f FORMAT   table or json (default: table)\n"
                   "ps options (table only) are passed to ps(1); default -ef\n");
            return 0;
        default: return cli_option_error("ps");
        }
    }
    if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
        return cli_usage_error("ps", "invalid format option \"%s\" (table or json)", format);
    if (argc - optind < 1)
        return cli_usage_error("ps", "\"ps\" requires a minimum of 1 argument(s)");
    const char *id = argv[optind];
    struct cove_err err = {0};
    _cleanup_free_ pid_t *pids = NULL;
    size_t n = 0;
    if (cove_container_pids(g_cli.root, id, &pids, &n, &err) < 0)
        return cli_fail(&err);
    if (strcmp(format, "json") == 0) {
        if (argc - optind > 1)
            return cli_usage_error("ps", "ps options cannot be used with --format json");
        putchar('[');
        for (size_t i = 0; i < n; i++)
            printf("%s%d", i ? "," : "", (int)pids[i]);
        puts("]");
        return 0;
    }
    fflush(stdout);
    return ps_table(pids, n, argc - optind - 1, argv + optind + 1);
}
