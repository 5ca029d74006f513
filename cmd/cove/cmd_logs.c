/* cmd/cove/cmd_logs.c — `cove logs [-f] [-t] ID`: the output of a detached
 * container (run -d, create --shim) as captured by cove-shim in
 * <state dir>/ctr.log (docs/shim.md). stdout records go to stdout, stderr
 * records to stderr. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "runtime/supervise.h"

struct logs_out {
    bool timestamps;
    bool line_start[2];      /* per stream: the next text starts a line */
};

static int logs_emit(const struct cove_log_record *rec, void *userdata) {
    struct logs_out *lo = userdata;
    bool is_err = rec->stream_len == 6 && rec->stream[3] == 'e'; /* "stderr" */
    FILE *f = is_err ? stderr : stdout;
    if (lo->timestamps && lo->line_start[is_err])
        fprintf(f, "%.*s ", (int)rec->time_len, rec->time);
    fwrite(rec->text, 1, rec->text_len, f);
    if (!rec->partial)
        fputc('\n', f);
    lo->line_start[is_err] = !rec->partial;
    return ferror(f) ? -EIO : 0;
}

int cmd_logs(int argc, char **argv) {
    int g = cli_take_globals("logs", &argc, argv);
    if (g)
        return g;
    static const struct option opts[] = {
        {"follow", no_argument, NULL, 'f'},
        {"timestamps", no_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct logs_out lo = {.line_start = {true, true}};
    bool follow = false;
    int c;
    while ((c = getopt_long(argc, argv, "fth", opts, NULL)) != -1) {
        switch (c) {
        case 'f': follow = true; continue;
        case 't': lo.timestamps = true; continue;
        case 'h':
            printf("Usage: cove logs [command options] <container-id>\n\n"
                   "Print the output of a detached container (run -d, create --shim).\n"
                   "   --follow, -f       keep printing new output until the container stops\n"
                   "   --timestamps, -t   prefix each line with the time it was written\n");
            return 0;
        }
        return cli_option_error("logs");
    }
    if (argc - optind != 1)
        return cli_usage_error("logs", "\"logs\" requires exactly 1 argument(s)");
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct cove_err err = {0};
    if (cove_container_logs(g_cli.root, argv[optind], follow, logs_emit, &lo, &err) < 0)
        return cli_fail(&err);
    return 0;
}
