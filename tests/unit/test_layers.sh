#!/bin/bash
# scripts/layers on copies of the tree: the real one passes; each kind of
# breach (an include upwards, a sibling include, an unknown folder, a
# header loop) fails the check and is named.
set -euo pipefail
src=${1:?usage: test_layers.sh SRC_DIR}
tmp=$(mktemp -d /tmp/cove-layers.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0

fresh() {   # a copy of the sources in $tmp/t
    rm -rf "$tmp/t"; mkdir -p "$tmp/t/scripts"
    cp "$src/scripts/layers" "$tmp/t/scripts/"
    (cd "$src" && find lib runtime namespaces cgroups image cmd -name '*.[ch]' |
        tar -cf - -T -) | tar -xf - -C "$tmp/t"
}
check() {   # NAME WANT(0|1) PATTERN — run the check on $tmp/t
    local out rc=0
    out=$(LAYERS_ROOT="$tmp/t" "$tmp/t/scripts/layers" --check 2>&1) || rc=$?
    if [ "$rc" != "$2" ]; then
        echo "FAIL $1: exit $rc, want $2: $out"; fails=$((fails + 1)); return
    fi
    if [ -n "$3" ] && ! grep -q -- "$3" <<<"$out"; then
        echo "FAIL $1: no \"$3\" in: $out"; fails=$((fails + 1)); return
    fi
    echo "ok   $1"
}

fresh
check "the tree as it is" 0 ""

fresh
echo '#include "runtime/container.h"' >> "$tmp/t/cgroups/cgroups.c"
check "cgroups including runtime" 1 "cgroups/cgroups.c (layer 2, cgroups) includes runtime/container.h (layer 5, runtime)"

fresh
echo '#include "cgroups/cgroups.h"' >> "$tmp/t/runtime/seccomp/seccomp.c"
check "a sibling layer" 1 "runtime/seccomp/seccomp.c (layer 2, runtime/seccomp) includes cgroups/cgroups.h (layer 2, cgroups)"

fresh
mkdir -p "$tmp/t/runtime/newroom"
echo '#include "lib/err.h"' > "$tmp/t/runtime/newroom/x.c"
check "a folder without a layer" 1 "folder runtime/newroom has no layer"

fresh
printf '#include "lib/b.h"\n' > "$tmp/t/lib/a.h"
printf '#include "lib/a.h"\n' > "$tmp/t/lib/b.h"
check "a header loop" 1 "headers on an include loop"

[ "$fails" = 0 ] || { echo "test_layers: $fails failed"; exit 1; }
echo "test_layers: all passed"
