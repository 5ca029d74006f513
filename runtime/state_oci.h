/* runtime/state_oci.h — the state document shown to users and hooks. */
#ifndef COVE_STATE_OCI_H
#define COVE_STATE_OCI_H

#include <stdbool.h>
#include "runtime/state.h"

/* Append one state object to a yajl_gen (passed as void * so callers need
 * not include yajl). */
void cove_state_oci_gen(void *yajl_gen, const struct cove_state *s, enum cove_status status);
int cove_state_oci_json(const struct cove_state *s, enum cove_status status, bool pretty, char **out,
                        struct cove_err *err);

#endif
