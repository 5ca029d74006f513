/* cmd/cove-shim/main.c — the per-container shim started by `cove run -d`
 * and `cove create --shim` (docs/shim.md). All logic is in runtime/shim/shim.c
 * so it can be unit-tested; this binary prints nothing: create errors go
 * back to the cove client over --report-fd, and afterwards stdio is
 * /dev/null. */
#include "runtime/shim/shim.h"

int main(int argc, char **argv) {
    return cove_shim_main(argc, argv);
}
