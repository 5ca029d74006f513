/* runtime/create_io.c — the stdio side of `create`/`run`: process.terminal
 * (console socket or cove's own relay, see terminal.h) and the fds the init
 * receives (LISTEN_FDS, --preserve-fds; see fds.h). */
#include <fcntl.h>
#include <unistd.h>

#include "runtime/create.h"
#include "runtime/fds.h"
#include "runtime/terminal.h"

int cove_create_io_plan(struct create_ctx *x, struct cove_err *err) {
    const struct cove_create_opts *o = x->opts;
    struct cove_process *p = &x->config->process;
    if (o->tty)
        p->terminal = true;
    int r = cove_terminal_check(p, o->console_socket, !o->foreground, err);
    if (r < 0)
        return r;
    if (o->foreground && !o->console_socket)
        cove_terminal_size_from_stdin(p);
    x->listen_fds = cove_fds_listen_count();
    return cove_fds_apply_listen(p, x->listen_fds, err);
}

int cove_create_io_setup(struct create_ctx *x, struct cove_err *err) {
    return cove_terminal_prepare(&x->config->process, x->opts->console_socket, &x->console_child,
                                 &x->console_parent, err);
}

/* Parent after clone: the child has its end. */
void cove_create_io_spawned(struct create_ctx *x) {
    if (x->console_child >= 0)
        close(x->console_child);
    x->console_child = -1;
}

void cove_create_io_free(struct create_ctx *x) {
    cove_create_io_spawned(x);
    if (x->console_parent >= 0)
        close(x->console_parent);
    x->console_parent = -1;
}
