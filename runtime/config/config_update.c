/* runtime/config/config_update.c — a bare linux.resources document, for `update
 * --resources FILE|-`. Same parser and rules as the bundle's
 * linux.resources (config_resources.c), so a value refused at create is
 * refused at update with the same words. */
#include <string.h>

#include "lib/cleanup.h"
#include "runtime/config/config.h"
#include "runtime/config/config_json.h"

int cove_config_parse_resources(const char *json, size_t len, struct cove_resources *out, struct cove_err *err) {
    memset(out, 0, sizeof(*out));
    _cleanup_(cj_freep) struct cj_node *doc = NULL;
    CJ_TRY(cj_parse(json, len, &doc, err));
    if (doc->type != CJ_OBJECT)
        return cove_err_set(err, EINVAL, "resources: must be a JSON object, got %s", cj_type_name(doc));
    int r = config_parse_resources(doc, out, err);
    if (r < 0)
        return cove_err_path(err, "resources");
    return 0;
}

void cove_config_free_resources(struct cove_resources *r) {
    config_free_resources(r);
    memset(r, 0, sizeof(*r));
}
