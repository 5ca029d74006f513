/* runtime/rootless.h — cove run by an ordinary user: whether this
 * invocation is "rootless" (runc's --rootless auto|true|false), and the
 * per-user default directories. What rootless changes elsewhere: the id
 * maps are written by the user or by newuidmap/newgidmap
 * (namespaces/userns.c), a cgroup that is not delegated to the user is
 * skipped or refused (runtime/create.c), the device cgroup is left alone.
 * Design notes: docs/rootless.md. */
#ifndef COVE_RUNTIME_ROOTLESS_H
#define COVE_RUNTIME_ROOTLESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "lib/err.h"
#include "lib/proc.h" /* cove_in_user_namespace */

enum cove_rootless { COVE_ROOTLESS_AUTO, COVE_ROOTLESS_TRUE, COVE_ROOTLESS_FALSE };

/* "auto", "true", "false" (runc also takes 1/0/t/f); -EINVAL otherwise. Pure. */
int cove_rootless_parse(const char *s, enum cove_rootless *out);

/* auto: the effective uid is not 0, or it is 0 inside a user namespace
 * other than the initial one (root in a rootless podman, say), where the
 * host's cgroups are not ours either. */
bool cove_rootless_resolve(enum cove_rootless mode);


/* Whether the defaults below are the user's own: the effective uid is not
 * 0, or it is root of a user namespace with XDG_RUNTIME_DIR set and USER
 * not "root" (rootless podman runs its runtime so), as runc decides. */
bool cove_rootless_per_user_dirs(uid_t euid, const char *xdg_runtime_dir, const char *user);
/* The default --root: "/run/cove", or "$XDG_RUNTIME_DIR/cove" per user
 * (NULL when XDG_RUNTIME_DIR is unset or relative: then --root must be
 * given). *out is malloc'd. Pure. */
int cove_rootless_state_root(bool per_user, const char *xdg_runtime_dir, char **out);
/* The default --image-root: "/var/lib/cove", or per user
 * "$XDG_DATA_HOME/cove" or "$HOME/.local/share/cove" (NULL when neither is
 * set). *out is malloc'd. Pure. */
int cove_rootless_image_root(bool per_user, const char *xdg_data_home, const char *home, char **out);

#endif
