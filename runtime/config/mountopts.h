/* runtime/config/mountopts.h — mount option strings ("rbind", "ro", "nosuid",
 * "rprivate", "mode=755", "idmap"...) to flags. Pure; called by the config
 * validator so a bad option is found before anything is created. */
#ifndef COVE_MOUNTOPTS_H
#define COVE_MOUNTOPTS_H

#include <stddef.h>
#include "runtime/config/config.h"
#include "lib/err.h"

/* Fills *out (caller frees out->data). Unknown options that are not
 * "key=value" or known flags are passed through as fs data (the kernel
 * decides), as runc does. err names the option: "unknown propagation ..." */
int cove_mount_opts_parse(char *const *options, size_t n, struct cove_mount_opts *out, struct cove_err *err);

/* "shared", "rshared", "slave", "rslave", "private", "rprivate",
 * "unbindable", "runbindable" -> MS_* (with MS_REC for r*); 0 if unknown. */
unsigned long cove_propagation_from_name(const char *name);

#endif
