/* cmd/cove/cmd_info.c — state, list, spec, features. */
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <limits.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "cli.h"
#include "lib/cleanup.h"
#include "runtime/container.h"
#include "runtime/features.h"
#include "runtime/spec.h"
#include "runtime/state.h"
#include "runtime/state_oci.h"

enum { O_HELP = 'h', O_FORMAT = 'f', O_QUIET = 'q', O_BUNDLE = 'b', O_ROOTLESS = 256 };

static int only_help(const char *cmd, int argc, char **argv, const char *usage) {
    static const struct option opts[] = {{"help", no_argument, NULL, O_HELP}, {0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == O_HELP) {
            fputs(usage, stdout);
            return 0;
        }
        return cli_option_error(cmd);
    }
    return -1;
}

int cmd_state(int argc, char **argv) {
    int h = only_help("state", argc, argv, "Usage: cove state <container-id>\n\nPrint the container's state as JSON.\n");
    if (h >= 0)
        return h;
    if (argc - optind != 1)
        return cli_usage_error("state", "\"state\" requires exactly 1 argument(s)");
    struct cove_err err = {0};
    struct cove_state s;
    enum cove_status status;
    if (cove_container_state(g_cli.root, argv[optind], &s, &status, &err) < 0)
        return cli_fail(&err);
    _cleanup_free_ char *json = NULL;
    int r = cove_state_oci_json(&s, status, true, &json, &err);
    cove_state_free(&s);
    if (r < 0)
        return cli_fail(&err);
    printf("%s\n", json);
    return 0;
}

struct list_row {
    struct cove_state s;
    enum cove_status status;
};

static void print_table(const struct list_row *rows, size_t n) {
    /* columns at least 12 wide, 3 spaces of padding, as runc's tabwriter */
    const char *head[] = {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"};
    size_t w[6];
    for (int k = 0; k < 6; k++)
        w[k] = strlen(head[k]);
    char (*pid)[16] = calloc(n ? n : 1, sizeof(*pid));
    if (!pid)
        return;
    for (size_t i = 0; i < n; i++) {
        snprintf(pid[i], sizeof(pid[i]), "%d", rows[i].status == COVE_STATUS_STOPPED ? 0 : rows[i].s.pid);
        const char *f[] = {rows[i].s.id, pid[i], cove_status_name(rows[i].status), rows[i].s.bundle,
                           rows[i].s.created, rows[i].s.owner ? rows[i].s.owner : ""};
        for (int k = 0; k < 6; k++)
            if (strlen(f[k]) > w[k])
                w[k] = strlen(f[k]);
    }
    for (int k = 0; k < 6; k++)
        w[k] = w[k] + 3 < 12 ? 12 : w[k] + 3;
    printf("%-*s%-*s%-*s%-*s%-*s%s\n", (int)w[0], head[0], (int)w[1], head[1], (int)w[2], head[2], (int)w[3],
           head[3], (int)w[4], head[4], head[5]);
    for (size_t i = 0; i < n; i++)
        printf("%-*s%-*s%-*s%-*s%-*s%s\n", (int)w[0], rows[i].s.id, (int)w[1], pid[i], (int)w[2],
               cove_status_name(rows[i].status), (int)w[3], rows[i].s.bundle, (int)w[4], rows[i].s.created,
               rows[i].s.owner ? rows[i].s.owner : "");
    free(pid);
}

static void print_json(const struct list_row *rows, size_t n) {
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        return;
    yajl_gen_array_open(g);
    for (size_t i = 0; i < n; i++)
        cove_state_oci_gen(g, &rows[i].s, rows[i].status);
    yajl_gen_array_close(g);
    cli_print_gen(g);
    yajl_gen_free(g);
}

/* OWNER, as runc prints it: the user owning the container's state dir. */
static void list_fill_owner(struct cove_state *s) {
    char path[PATH_MAX];
    struct stat sb;
    if ((s->owner && *s->owner) || snprintf(path, sizeof(path), "%s/%s", g_cli.root, s->id) >= (int)sizeof(path) ||
        stat(path, &sb) < 0)
        return;
    struct passwd pw, *res = NULL;
    char buf[1024], num[16];
    const char *name = num;
    if (getpwuid_r(sb.st_uid, &pw, buf, sizeof(buf), &res) == 0 && res)
        name = res->pw_name;
    else
        snprintf(num, sizeof(num), "#%u", (unsigned)sb.st_uid);
    char *dup = strdup(name);
    if (dup) {
        free(s->owner);
        s->owner = dup;
    }
}

int cmd_list(int argc, char **argv) {
    static const struct option opts[] = {
        {"format", required_argument, NULL, O_FORMAT},
        {"quiet", no_argument, NULL, O_QUIET},
        {"help", no_argument, NULL, O_HELP},
        {0},
    };
    bool json = false, quiet = false;
    int c;
    while ((c = getopt_long(argc, argv, "f:qh", opts, NULL)) != -1) {
        switch (c) {
        case O_FORMAT:
            if (strcmp(optarg, "json") == 0)
                json = true;
            else if (strcmp(optarg, "table") != 0)
                return cli_usage_error("list", "invalid format option \"%s\" (table or json)", optarg);
            break;
        case O_QUIET: quiet = true; break;
        case O_HELP:
            printf("Usage: cove list [--format table|json] [--quiet]\n");
            return 0;
        default: return cli_option_error("list");
        }
    }
    struct cove_err err = {0};
    char **ids = NULL;
    size_t n = 0;
    if (cove_store_list(g_cli.root, &ids, &n, &err) < 0)
        return cli_fail(&err);
    struct list_row *rows = calloc(n ? n : 1, sizeof(*rows));
    size_t k = 0;
    for (size_t i = 0; rows && i < n; i++) {
        struct cove_err e2 = {0};
        /* a container deleted or half-created meanwhile is simply not listed */
        if (cove_container_state(g_cli.root, ids[i], &rows[k].s, &rows[k].status, &e2) == 0)
            list_fill_owner(&rows[k++].s);
    }
    strv_free(ids);
    if (!rows) {
        cove_err_set(&err, ENOMEM, "out of memory");
        return cli_fail(&err);
    }
    if (quiet)
        for (size_t i = 0; i < k; i++)
            printf("%s\n", rows[i].s.id);
    else if (json)
        print_json(rows, k);
    else
        print_table(rows, k);
    for (size_t i = 0; i < k; i++)
        cove_state_free(&rows[i].s);
    free(rows);
    return 0;
}

int cmd_spec(int argc, char **argv) {
    static const struct option opts[] = {
        {"bundle", required_argument, NULL, O_BUNDLE},
        {"rootless", no_argument, NULL, O_ROOTLESS},
        {"help", no_argument, NULL, O_HELP},
        {0},
    };
    const char *bundle = ".";
    bool rootless = false;
    int c;
    while ((c = getopt_long(argc, argv, "b:h", opts, NULL)) != -1) {
        switch (c) {
        case O_BUNDLE: bundle = optarg; break;
        case O_ROOTLESS: rootless = true; break;
        case O_HELP:
            printf("Usage: cove spec [--bundle DIR] [--rootless]\n\nWrite a default config.json into the bundle.\n");
            return 0;
        default: return cli_option_error("spec");
        }
    }
    struct cove_err err = {0};
    _cleanup_free_ char *json = NULL;
    if (cove_spec_default(rootless, getuid(), getgid(), &json, &err) < 0)
        return cli_fail(&err);
    _cleanup_close_ int dfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        cove_err_sys(&err, errno, "--bundle %s", bundle);
        return cli_fail(&err);
    }
    if (faccessat(dfd, "config.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
        cove_err_set(&err, EEXIST, "File %s/config.json exists. Remove it first", bundle);
        return cli_fail(&err);
    }
    if (cove_write_file_atomic(dfd, "config.json", json, strlen(json), 0644, &err) < 0)
        return cli_fail(&err);
    return 0;
}

int cmd_features(int argc, char **argv) {
    int h = only_help("features", argc, argv, "Usage: cove features\n\nPrint the runtime-spec features document.\n");
    if (h >= 0)
        return h;
    struct cove_err err = {0};
    _cleanup_free_ char *json = NULL;
    if (cove_features_json(&json, &err) < 0)
        return cli_fail(&err);
    printf("%s\n", json);
    return 0;
}
