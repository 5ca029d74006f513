/* tests/fuzz/fuzz_state.c — libFuzzer target for the state-file loader
 * (cove_state_from_json). state.json is written by cove, but a crash, a
 * full disk or an edit by hand can leave anything there, and `delete
 * --force` must still get an error rather than a crash. Whatever parses
 * must also survive a round trip through cove_state_to_json. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "runtime/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_str(const char *a, const char *b) {
    return (!a && !b) || (a && b && !strcmp(a, b));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct cove_state s, back;
    struct cove_err err = {0};
    if (cove_state_from_json((const char *)data, size, &s, &err) < 0) {
        if (!err.msg[0])
            abort();
        return 0;
    }
    char *json = NULL;
    size_t len = 0;
    if (cove_state_to_json(&s, &json, &len, &err) == 0) {
        if (cove_state_from_json(json, len, &back, &err) < 0)
            abort();            /* what we write, we must read back */
        if (!same_str(s.id, back.id) || !same_str(s.bundle, back.bundle) || s.pid != back.pid)
            abort();
        cove_state_free(&back);
        free(json);
    }
    cove_state_free(&s);
    return 0;
}
