/* runtime/lsm.h — AppArmor and SELinux: process.apparmorProfile,
 * process.selinuxLabel and linux.mountLabel. Each is applied only when
 * its LSM is active on the host; requesting one that is not is an error
 * at plan time (before anything is created), naming the field. */
#ifndef COVE_LSM_H
#define COVE_LSM_H

#include <stdbool.h>

#include "runtime/config/config.h"
#include "lib/err.h"

bool cove_lsm_apparmor_enabled(void);
bool cove_lsm_selinux_enabled(void);

/* Plan step (parent, before anything exists): refuse a requested label
 * whose LSM is not active; with SELinux, add context="<mountLabel>" to the
 * data of the config's tmpfs, devpts and mqueue mounts. */
int cove_lsm_plan(struct cove_config *c, struct cove_err *err);

/* Pure: data + ",context=\"label\"" (or just the context when data is
 * NULL/empty); NULL label copies data. *out is malloc'd (NULL when both
 * are empty). */
int cove_lsm_mount_data(const char *data, const char *label, char **out, struct cove_err *err);

/* Child, before capabilities are dropped: write the exec labels so that
 * the next execve (the workload's) enters them. */
int cove_lsm_set_exec_labels(const struct cove_process *p, struct cove_err *err);

#endif
