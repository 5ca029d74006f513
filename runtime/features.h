/* runtime/features.h — the runtime-spec "features" document: what this
 * build of cove really applies. Keep it in step with runtime/support.c. */
#ifndef COVE_FEATURES_H
#define COVE_FEATURES_H

#include "lib/err.h"

int cove_features_json(char **json, struct cove_err *err);

#endif
