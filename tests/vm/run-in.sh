#!/bin/bash
# tests/vm/run-in.sh BUILD_DIR [COVE-VM-OPTION...] -- COMMAND... — run
# COMMAND in a cove-vm guest that sees this checkout and BUILD_DIR (shared
# into it when they sit below a directory the guest replaces), and return
# its status. The guest gets the command, not the caller's environment
# (prefix it with env VAR=...). The guest has 540 s
# (COVE_VM_TIMEOUT): inside ctest's 600 s, so a hung guest is reported by
# cove-vm, not killed by ctest. Exits 77 (skipped) only when qemu or the
# kernel is not installed (scripts/setup installs both).
set -euo pipefail
build=$(realpath -e "${1:?usage: run-in.sh BUILD_DIR [COVE-VM-OPTION...] -- COMMAND...}")
shift
vmopts=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do vmopts+=("$1"); shift; done
[ "${1:-}" = -- ] && shift
[ $# -gt 0 ] || { echo "run-in.sh: no command" >&2; exit 125; }
vm=$(dirname "$(realpath -e "$0")")/cove-vm
src=$(realpath -e "$(dirname "$vm")/../..")
"$vm" --check || exit $?
# the guest's /tmp, /run and /var/tmp are fresh tmpfs: a checkout or build
# tree below them (CI clones anywhere) is shared into the guest explicitly
shares=()
for d in "$src" "$build"; do
    case "$d" in /tmp/*|/run/*|/var/tmp/*) shares+=(--share "$d") ;; esac
done
[ "${#shares[@]}" -eq 4 ] && case "$build" in "$src"/*) shares=(--share "$src") ;; esac
exec "$vm" "${vmopts[@]}" "${shares[@]}" --timeout "${COVE_VM_TIMEOUT:-540}" -- "$@"
