/* cmd/cove/cmd_wait.c — `cove wait ID`: block until the container stops,
 * print its exit code and exit with it. The code is the one recorded by
 * its parent (cove-shim for run -d / create --shim, or a foreground
 * `cove run`); see docs/shim.md. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "runtime/supervise.h"

int cmd_wait(int argc, char **argv) {
    int g = cli_take_globals("wait", &argc, argv);
    if (g)
        return g;
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            printf("Usage: cove wait <container-id>\n\n"
                   "Wait until the container stops; print its exit code and exit with it\n"
                   "(128+N when killed by signal N, 124 when run --timeout fired).\n");
            return 0;
        }
        return cli_option_error("wait");
    }
    if (argc - optind != 1)
        return cli_usage_error("wait", "\"wait\" requires exactly 1 argument(s)");
    struct cove_err err = {0};
    int code = 0;
    if (cove_container_wait(g_cli.root, argv[optind], &code, &err) < 0)
        return cli_fail(&err);
    printf("%d\n", code);
    fflush(stdout);
    return code;
}
