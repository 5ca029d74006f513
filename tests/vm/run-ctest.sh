#!/bin/bash
# tests/vm/run-ctest.sh BUILD_DIR LABEL — the VM tier: run `ctest -L LABEL`
# of BUILD_DIR inside a cove-vm guest (pure cgroup v2) and return its
# result. Registered as the ctest test vm.cgroupv2 (label vm); exits 77
# (skipped) only when qemu or the kernel is not installed (scripts/setup
# installs both).
set -euo pipefail
build=$(realpath -e "${1:?usage: run-ctest.sh BUILD_DIR LABEL}")
label=${2:?usage: run-ctest.sh BUILD_DIR LABEL}
vm=$(dirname "$(realpath -e "$0")")/cove-vm
"$vm" --check || exit $?
# 540 s: inside ctest's 600 s, so a hung guest is reported by us, not killed
exec "$vm" --timeout "${COVE_VM_TIMEOUT:-540}" -- \
    ctest --test-dir "$build" -L "$label" --output-on-failure --timeout 240 -j "${COVE_VM_JOBS:-3}"
