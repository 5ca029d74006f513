#!/bin/bash
# bench/startup.sh — start-up benchmark of build/cove against runc and crun,
# using the shared harness ../shared/tools/bench/startup.sh (relative to the
# repository), which builds the bundles, handles hybrid cgroup hosts (a
# private mount namespace with a pure v1 view by default), runs every
# runtime interleaved with the kernel floor, and cleans up after itself.
#
# Usage: sudo bench/startup.sh [harness options]   e.g. -r 3 -n 50
#   COVE=path   cove binary (default: build/cove, built if missing)
#   RUNTIMES="runc crun"  the reference runtimes (those not installed are skipped)
# Harness options (see ../shared/tools/bench/startup.sh --help): -n N, -s N,
# -r R, -c C, -m M, --no-netns, --cgroup-view v1|host, --workdir D, --keep.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
harness="$repo/../shared/tools/bench/startup.sh"
[ -x "$harness" ] || { echo "bench: harness not found at $harness" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench: must run as root" >&2; exit 1; }

COVE=${COVE:-$repo/build/cove}
if [ ! -x "$COVE" ]; then
    cmake -S "$repo" -B "$repo/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$repo/build" -j"$(nproc)" --target cove
fi

rts=("$COVE")
for rt in ${RUNTIMES:-runc crun}; do
    if command -v "$rt" >/dev/null; then rts+=("$rt"); else echo "bench: $rt not installed, skipped" >&2; fi
done
exec "$harness" "$@" "${rts[@]}"
