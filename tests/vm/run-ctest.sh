#!/bin/bash
# tests/vm/run-ctest.sh BUILD_DIR LABEL [COVE-VM-OPTION...] — the VM tier:
# run `ctest -L LABEL` of BUILD_DIR inside a cove-vm guest (pure cgroup v2;
# --systemd: systemd as its init) and return its result. Registered as the
# ctest tests vm.cgroupv2 and vm.systemd (label vm); exits 77
# (skipped) only when qemu or the kernel is not installed (scripts/setup
# installs both).
set -euo pipefail
build=$(realpath -e "${1:?usage: run-ctest.sh BUILD_DIR LABEL}")
label=${2:?usage: run-ctest.sh BUILD_DIR LABEL}
shift 2
vmopts=("$@")
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
# 540 s: inside ctest's 600 s, so a hung guest is reported by us, not killed
exec "$vm" "${vmopts[@]}" "${shares[@]}" --timeout "${COVE_VM_TIMEOUT:-540}" -- \
    ctest --test-dir "$build" -L "$label" --output-on-failure --timeout 240 -j "${COVE_VM_JOBS:-3}"
