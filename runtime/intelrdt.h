/* runtime/intelrdt.h — linux.intelRdt through the resctrl filesystem.
 *
 * One CLOS (control) group per container: <resctrl>/<closID or container
 * id>, its "schemata" file written from l3CacheSchema, memBwSchema and
 * schemata[] (in that order, one line per write so the kernel's complaint
 * in info/last_cmd_status names the line), the init pid in its "tasks".
 * With enableMonitoring, a monitoring group <clos>/mon_groups/<id> too.
 * A closID group that already exists is joined, not owned: delete leaves
 * it alone (other containers may share it). Every function takes the
 * resctrl root so the unit tests run on a plain temp dir. */
#ifndef COVE_INTELRDT_H
#define COVE_INTELRDT_H

#include <stdbool.h>
#include <sys/types.h>

#include "runtime/config/config.h"
#include "lib/err.h"

#define COVE_RESCTRL_ROOT "/sys/fs/resctrl"

struct cove_rdt_group {
    char *clos_dir;      /* absolute; NULL: none */
    bool clos_owned;     /* created by us: removed on delete */
    char *mon_dir;       /* absolute; NULL: no monitoring group */
};

/* Plan step: resctrl must be mounted at root (checked by filesystem
 * magic): "linux.intelRdt: resctrl is not mounted at <root>". */
int cove_intelrdt_check_mounted(const char *root, struct cove_err *err);

/* The schemata lines, in write order, as one '\n'-joined string ("" when
 * none); *out is malloc'd. */
int cove_intelrdt_schemata(const struct cove_intel_rdt *r, char **out, struct cove_err *err);

/* Create (or join) the groups; on failure nothing this call made is left.
 * g is filled on success and must be released with cove_rdt_group_free. */
int cove_intelrdt_create(const char *root, const char *id, const struct cove_intel_rdt *r, struct cove_rdt_group *g,
                         struct cove_err *err);
/* Put pid (host pid namespace) in the CLOS group, then in the monitoring
 * group (resctrl requires the task to be in the parent CLOS first). */
int cove_intelrdt_add_pid(const struct cove_rdt_group *g, pid_t pid, struct cove_err *err);
/* Remove the monitoring group and, when owned, the CLOS group; a group
 * that is already gone is not an error. */
int cove_intelrdt_remove(const struct cove_rdt_group *g, struct cove_err *err);
void cove_rdt_group_free(struct cove_rdt_group *g);

#endif
