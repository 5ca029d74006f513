/* runtime/create_hooks.c — the hooks of a `create` in progress (see
 * runtime/hooks.h for which hook runs where): the state they see, the
 * parent's answer to the init's HOOKS message, and poststart for `run`. */
#include <string.h>

#include "runtime/create.h"
#include "runtime/hooks.h"

void cove_create_hook_state(const struct create_ctx *x, struct cove_state *s) {
    memset(s, 0, sizeof(*s));
    s->id = (char *)x->opts->id;
    s->bundle = x->bundle;
    s->rootfs = x->rootfs;
    s->pid = x->pid;
    s->created = (char *)x->created;
    s->owner = "";
    s->annotations = x->config->annotations;
    s->n_annotations = x->config->n_annotations;
}

int cove_create_answer_hooks(struct create_ctx *x, struct cove_err *err) {
    struct cove_state s;
    cove_create_hook_state(x, &s);
    return cove_hooks_parent_create(x->sock, x->config, &s, err);
}

void cove_create_poststart(struct create_ctx *x) {
    struct cove_state s;
    cove_create_hook_state(x, &s);
    cove_hooks_run_state_warn(x->config, COVE_HOOK_POSTSTART, &s, COVE_STATUS_RUNNING);
}
