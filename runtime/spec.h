/* runtime/spec.h — the default config.json written by `cove spec`, the
 * same document `runc spec` writes (runtime-spec example config). */
#ifndef COVE_SPEC_H
#define COVE_SPEC_H

#include <stdbool.h>
#include <sys/types.h>
#include "lib/err.h"

/* rootless: user namespace mapping uid/gid to root, no network namespace,
 * /sys bind-mounted, no cgroup mount or device rules. */
int cove_spec_default(bool rootless, uid_t uid, gid_t gid, char **json, struct cove_err *err);

#endif
