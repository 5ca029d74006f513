/* runtime/ops.h — internal to runtime/: helpers shared by ops.c and run.c. */
#ifndef COVE_OPS_H
#define COVE_OPS_H

#include "runtime/state.h"

/* Open+lock the store, load state, derive the status. */
int cove_ops_open(const char *root, const char *id, struct cove_store *st, struct cove_state *s,
                  enum cove_status *status, struct cove_err *err);
int cove_ops_init_pidfd(const struct cove_state *s, struct cove_err *err);
/* Kill what is left, remove the cgroup and the state directory. */
int cove_ops_destroy(struct cove_store *st, const struct cove_state *s, struct cove_err *err);

#endif
