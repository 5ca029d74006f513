/* runtime/config/config_exec.c — a standalone "process" object (runc exec's
 * --process FILE), parsed by the same code as config.json's process. */
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "runtime/config/config.h"
#include "runtime/config/config_json.h"

int cove_config_parse_process(const char *json, size_t len, struct cove_process *out, struct cove_err *err) {
    _cleanup_(cj_freep) struct cj_node *doc = NULL;
    CJ_TRY(cj_parse(json, len, &doc, err));
    if (doc->type != CJ_OBJECT)
        return cove_err_set(err, EINVAL, "process: must be a JSON object, got %s", cj_type_name(doc));
    struct cove_process p = {0};
    if (config_parse_process(doc, &p, err) < 0) {
        config_free_process(&p);
        return cove_err_path(err, "process");
    }
    *out = p;
    return 0;
}

void cove_process_free(struct cove_process *p) {
    config_free_process(p);
    memset(p, 0, sizeof(*p));
}
