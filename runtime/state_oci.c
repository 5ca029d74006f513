/* runtime/state_oci.c — the runtime-spec state document (plus runc's extra
 * fields rootfs, created, owner), as printed by `state` and `list` and
 * given to hooks on stdin. */
#include <string.h>
#include <stdlib.h>
#include <yajl/yajl_gen.h>

#include "runtime/state.h"
#include "runtime/state_oci.h"
#include "version.h"

#define GEN_STR(g, s) yajl_gen_string((g), (const unsigned char *)(s), strlen(s))

void cove_state_oci_gen(void *gen, const struct cove_state *s, enum cove_status status) {
    yajl_gen g = gen;
    yajl_gen_map_open(g);
    GEN_STR(g, "ociVersion");
    GEN_STR(g, COVE_SPEC_VERSION);
    GEN_STR(g, "id");
    GEN_STR(g, s->id);
    GEN_STR(g, "pid");
    yajl_gen_integer(g, status == COVE_STATUS_STOPPED ? 0 : s->pid);
    GEN_STR(g, "status");
    GEN_STR(g, cove_status_name(status));
    GEN_STR(g, "bundle");
    GEN_STR(g, s->bundle);
    GEN_STR(g, "rootfs");
    GEN_STR(g, s->rootfs);
    GEN_STR(g, "created");
    GEN_STR(g, s->created);
    if (s->has_exit) {
        GEN_STR(g, "exitCode");
        yajl_gen_integer(g, s->exit_code);
        if (s->finished) {
            GEN_STR(g, "finishedAt");
            GEN_STR(g, s->finished);
        }
    }
    GEN_STR(g, "owner");
    GEN_STR(g, s->owner ? s->owner : "");
    GEN_STR(g, "annotations");
    yajl_gen_map_open(g);
    for (size_t i = 0; i < s->n_annotations; i++) {
        GEN_STR(g, s->annotations[i].key);
        GEN_STR(g, s->annotations[i].value);
    }
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
}

int cove_state_oci_json(const struct cove_state *s, enum cove_status status, bool pretty, char **out,
                        struct cove_err *err) {
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        return cove_err_set(err, ENOMEM, "out of memory");
    if (pretty) {
        yajl_gen_config(g, yajl_gen_beautify, 1);
        yajl_gen_config(g, yajl_gen_indent_string, "  ");
    }
    cove_state_oci_gen(g, s, status);
    const unsigned char *buf;
    size_t len;
    int r = 0;
    yajl_gen_get_buf(g, &buf, &len);
    if (!(*out = strndup((const char *)buf, len)))
        r = cove_err_set(err, ENOMEM, "out of memory");
    yajl_gen_free(g);
    return r;
}
