/* tests/fuzz/fuzz_config.c — libFuzzer target for the bundle config parser
 * and validator (cove_config_parse): the one input of cove that comes from
 * whoever wrote the bundle. Any input must give either a config or an
 * error with a message, never a crash, leak, hang or UB (built with
 * -fsanitize=fuzzer,address,undefined; see tests/fuzz/run.sh). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "runtime/config/config.h"
#include "lib/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct cove_config *c = NULL;
    struct cove_err err = {0};
    int r = cove_config_parse((const char *)data, size, &c, &err);
    if (r == 0) {
        if (!c)
            abort();            /* success must give a config */
        cove_config_free(c);
    } else if (r > 0 || !err.msg[0] || c) {
        abort();                /* failure: -errno, a message, no config */
    }
    return 0;
}
