/* runtime/support.h — what cove can apply today. A config that asks for
 * something cove does not implement yet is refused with an error naming
 * the field, never silently ignored. `cove features` reports the same
 * facts. */
#ifndef COVE_SUPPORT_H
#define COVE_SUPPORT_H

#include "runtime/config/config.h"
#include "runtime/container.h"
#include "lib/err.h"

int cove_support_check(const struct cove_config *c, const struct cove_create_opts *o, struct cove_err *err);

#endif
