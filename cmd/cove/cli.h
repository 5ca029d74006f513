/* cmd/cove/cli.h — the CLI: argument parsing, logging, exit codes. Only
 * code under cmd/ prints or exits. */
#ifndef COVE_CLI_H
#define COVE_CLI_H

#include <stdbool.h>
#include <yajl/yajl_gen.h>

#include "lib/err.h"

struct cli_global {
    const char *root;
    const char *log_path;
    bool log_json;
    bool debug;
    bool systemd_cgroup;
    bool rootless;            /* --rootless auto|true|false, resolved (runtime/rootless.h) */
    const char *image_root;   /* --image-root (image store, default /var/lib/cove; per user when not root) */
};

extern struct cli_global g_cli;

/* One log line (runc-compatible): to --log FILE when given, in the chosen
 * format; errors also go to stderr as plain text. */
void cli_log(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Report err (as level "error") and return exit code 1. */
int cli_fail(const struct cove_err *err);
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* After getopt_long returned '?' (or ':') for cmd: one error line naming
 * the option (argv[optind - 1] of the command's argv), saying when it is a
 * global option given after the command, exit code 1. */
int cli_option_error(const char *cmd);
/* A sub-command parsing its own argv (image import): cli_option_error
 * reads the offending option from this one. */
void cli_sub_argv(char **argv);
/* cove's own commands (image, bundle, sandbox, wait, logs) also take the
 * global options after the command: this removes them from argv (up to a
 * "--") and applies them; 0, or an exit code after an error. */
int cli_take_globals(const char *cmd, int *argc, char **argv);

/* Write the JSON generated so far in g to stdout, and a newline. */
void cli_print_gen(yajl_gen g);

/* Parse a signal: "KILL", "SIGKILL", "9". Returns the number or -1. */
int cli_parse_signal(const char *s);

typedef int (*cli_cmd_fn)(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_kill(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_state(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_spec(int argc, char **argv);
int cmd_features(int argc, char **argv);
int cmd_wait(int argc, char **argv);
int cmd_logs(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_pause(int argc, char **argv);
int cmd_resume(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_update(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_image(int argc, char **argv);    /* cmd_image.c */
int cmd_bundle(int argc, char **argv);   /* cmd_bundle.c */
int cmd_sandbox(int argc, char **argv);  /* cmd_sandbox.c */

#endif
