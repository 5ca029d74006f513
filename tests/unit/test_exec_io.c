/* tests/unit/test_exec_io.c — the pure parts of exec, terminals and fd
 * passing: process.json parsing, runc's terminal rules, env edits,
 * LISTEN_FDS detection, SCM_RIGHTS hand-off, fd reservation. No root. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime/config/config.h"
#include "runtime/fds.h"
#include "runtime/terminal.h"

static int parse(const char *json, struct cove_process *p, struct cove_err *e) {
    return cove_config_parse_process(json, strlen(json), p, e);
}

Test(exec_io, parses_a_process_json) {
    struct cove_process p = {0};
    struct cove_err e = {0};
    cr_assert_eq(parse("{\"args\":[\"sh\",\"-c\",\"x\"],\"cwd\":\"/tmp\",\"env\":[\"A=1\"],"
                       "\"user\":{\"uid\":5,\"gid\":6},\"terminal\":true,"
                       "\"consoleSize\":{\"height\":10,\"width\":20}}", &p, &e), 0, "%s", e.msg);
    cr_expect_eq(p.n_args, 3);
    cr_expect_str_eq(p.args[2], "x");
    cr_expect_null(p.args[3]);
    cr_expect_str_eq(p.cwd, "/tmp");
    cr_expect_eq(p.user.uid, 5);
    cr_expect(p.terminal);
    cr_expect_eq(p.console_width, 20);
    cove_process_free(&p);
}

Test(exec_io, process_json_errors_name_the_field) {
    struct cove_process p = {0};
    struct cove_err e = {0};
    cr_expect_lt(parse("{\"args\":[],\"cwd\":\"/\"}", &p, &e), 0);
    cr_expect(strstr(e.msg, "process.args") != NULL, "%s", e.msg);
    cove_err_clear(&e);
    cr_expect_lt(parse("{\"args\":[\"a\"],\"cwd\":\"rel\"}", &p, &e), 0);
    cr_expect(strstr(e.msg, "process.cwd") != NULL, "%s", e.msg);
    cove_err_clear(&e);
    cr_expect_lt(parse("[1]", &p, &e), 0);
    cr_expect(strstr(e.msg, "process") != NULL, "%s", e.msg);
    cove_err_clear(&e);
    cr_expect_lt(parse("{\"args\":[\"a\"],\"cwd\":\"/\",\"env\":[\"NOEQ\"]}", &p, &e), 0);
    cr_expect(strstr(e.msg, "process.env[0]") != NULL, "%s", e.msg);
}

Test(exec_io, terminal_rules_follow_runc) {
    struct cove_process tty = {.terminal = true}, plain = {0};
    struct cove_err e = {0};
    cr_expect_eq(cove_terminal_check(&tty, NULL, false, &e), 0);
    cr_expect_eq(cove_terminal_check(&tty, "/s", true, &e), 0);
    cr_expect_eq(cove_terminal_check(&plain, NULL, true, &e), 0);
    cr_expect_lt(cove_terminal_check(&tty, NULL, true, &e), 0);
    cr_expect(strstr(e.msg, "cannot allocate tty") != NULL);
    cr_expect_lt(cove_terminal_check(&plain, "/s", true, &e), 0);
    cr_expect(strstr(e.msg, "cannot use console socket") != NULL);
    cr_expect_lt(cove_terminal_check(&tty, "/s", false, &e), 0);
}

Test(exec_io, env_set_replaces_or_appends) {
    struct cove_process p = {0};
    struct cove_err e = {0};
    cr_assert_eq(cove_fds_env_set(&p, "A", "1", &e), 0);
    cr_assert_eq(cove_fds_env_set(&p, "AB", "2", &e), 0);
    cr_assert_eq(cove_fds_env_set(&p, "A", "3", &e), 0);
    cr_expect_eq(p.n_env, 2);
    cr_expect_str_eq(p.env[0], "A=3");
    cr_expect_str_eq(p.env[1], "AB=2");
    cr_expect_null(p.env[2]);
    cr_assert_eq(cove_fds_apply_listen(&p, 0, &e), 0);
    cr_expect_eq(p.n_env, 2);
    cr_assert_eq(cove_fds_apply_listen(&p, 2, &e), 0);
    cr_expect_str_eq(p.env[2], "LISTEN_FDS=2");
    cr_expect_str_eq(p.env[3], "LISTEN_PID=1");
    cove_process_free(&p);
}

Test(exec_io, listen_fds_only_for_our_own_pid) {
    char pid[32];
    snprintf(pid, sizeof(pid), "%d", (int)getpid());
    unsetenv("LISTEN_PID");
    setenv("LISTEN_FDS", "2", 1);
    cr_expect_eq(cove_fds_listen_count(), 0);
    setenv("LISTEN_PID", "1", 1);
    cr_expect_eq(cove_fds_listen_count(), 0);
    setenv("LISTEN_PID", pid, 1);
    cr_expect_eq(cove_fds_listen_count(), 2);
    setenv("LISTEN_FDS", "x", 1);
    cr_expect_eq(cove_fds_listen_count(), 0);
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_PID");
}

Test(exec_io, one_fd_crosses_a_socket_in_one_message) {
    int sp[2], pp[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
    cr_assert_eq(pipe2(pp, O_CLOEXEC), 0);
    cr_assert_eq(cove_fd_send(sp[0], pp[1], "/dev/ptmx"), 0);
    int got = -1;
    cr_assert_eq(cove_fd_recv(sp[1], &got), 0);
    cr_assert_geq(got, 0);
    cr_expect(fcntl(got, F_GETFD) & FD_CLOEXEC, "received fd is close-on-exec");
    cr_assert_eq(write(got, "x", 1), 1);
    char c = 0;
    cr_expect_eq(read(pp[0], &c, 1), 1);
    cr_expect_eq(c, 'x');
    close(sp[0]);
    cr_expect_lt(cove_fd_recv(sp[1], &got), 0, "EOF is an error, not an fd");
    close(sp[1]);
    close(pp[0]);
    close(pp[1]);
}

Test(exec_io, reserve_fills_holes_and_move_above_relocates) {
    /* make a hole at the lowest free fd and one above it */
    int a = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int b = open("/dev/null", O_RDONLY | O_CLOEXEC);
    cr_assert_eq(b, a + 1);
    close(a);
    struct cove_err e = {0};
    cr_assert_eq(cove_fds_reserve((unsigned)(b - 3 + 1), &e), 0, "%s", e.msg);
    cr_expect_geq(fcntl(a, F_GETFD), 0, "hole filled");
    int moved = a;
    cr_assert_eq(cove_fds_move_above(&moved, (unsigned)b + 10, &e), 0);
    cr_expect_geq(moved, b + 10);
    cr_expect_lt(fcntl(a, F_GETFD), 0, "old fd closed");
    close(moved);
    close(b);
}
