/* cmd/cove/cmd_pause.c — pause and resume (runc's flags and words). */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "runtime/container.h"

static int freeze_cmd(const char *cmd, int argc, char **argv, bool pause) {
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            printf("Usage: cove %s <container-id>\n\n%s\n", cmd,
                   pause ? "Suspend all processes of the container (cgroup freezer)."
                         : "Resume all processes of a paused container.");
            return 0;
        }
        return cli_option_error(cmd);
    }
    if (argc - optind != 1)
        return cli_usage_error(cmd, "\"%s\" requires exactly 1 argument(s)", cmd);
    struct cove_err err = {0};
    int r = pause ? cove_container_pause(g_cli.root, argv[optind], &err)
                  : cove_container_resume(g_cli.root, argv[optind], &err);
    return r < 0 ? cli_fail(&err) : 0;
}

int cmd_pause(int argc, char **argv) { return freeze_cmd("pause", argc, argv, true); }
int cmd_resume(int argc, char **argv) { return freeze_cmd("resume", argc, argv, false); }
