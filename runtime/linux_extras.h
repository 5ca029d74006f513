/* runtime/linux_extras.h — internal to runtime/: the parent-side steps of
 * create and delete for linux.intelRdt, linux.netDevices and the LSM
 * labels, so create.c and ops.c call one line per step.
 *
 * Order in create (create.c):
 *   plan      → cove_linux_extras_plan      (LSM present? host netdevs exist?
 *                                            resctrl mounted?) nothing created yet
 *   cgroup    → cove_linux_extras_setup     (resctrl groups)
 *   clone3, add pid to cgroups
 *             → cove_linux_extras_place     (pid into resctrl tasks; the
 *                                            child's netns bind-mounted on
 *                                            <state dir>/netns; netdevs
 *                                            moved into it)
 *   READY     → cove_linux_extras_record    (into state.json)
 *   failure   → cove_linux_extras_abort     BEFORE the init is killed (the
 *                                            netns must still exist to move
 *                                            devices back)
 * Order in delete (ops.c): cove_linux_extras_before_kill while the init
 * lives, cove_linux_extras_after_kill once it is gone. */
#ifndef COVE_LINUX_EXTRAS_H
#define COVE_LINUX_EXTRAS_H

#include "runtime/create.h"
#include "lib/err.h"
#include "runtime/state.h"

int cove_linux_extras_plan(struct create_ctx *x, struct cove_err *err);
int cove_linux_extras_setup(struct create_ctx *x, struct cove_err *err);
int cove_linux_extras_place(struct create_ctx *x, struct cove_err *err);
/* Borrows from x: s must not outlive it. */
void cove_linux_extras_record(const struct create_ctx *x, struct cove_state *s);
void cove_linux_extras_abort(struct create_ctx *x);
void cove_linux_extras_free(struct create_ctx *x);

/* Best effort: move recorded netDevices back to the host under their
 * original names, from the namespace pinned at <state dir>/netns (so this
 * works after the init exited), then unmount the pin. */
void cove_linux_extras_before_kill(const struct cove_store *st, const struct cove_state *s);
/* Unmount the netns pin, whatever the state says (a salvaged container). */
void cove_linux_extras_unpin(const struct cove_store *st);
/* Remove the recorded resctrl groups. */
int cove_linux_extras_after_kill(const struct cove_state *s, struct cove_err *err);

#endif
