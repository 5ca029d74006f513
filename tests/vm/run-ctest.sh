#!/bin/bash
# tests/vm/run-ctest.sh BUILD_DIR LABEL [COVE-VM-OPTION...] — the VM tier:
# run `ctest -L LABEL` of BUILD_DIR inside a cove-vm guest (pure cgroup v2;
# --systemd: systemd as its init) and return its result (run-in.sh).
# Registered as the ctest tests vm.cgroupv2 and vm.systemd (label vm).
set -euo pipefail
build=${1:?usage: run-ctest.sh BUILD_DIR LABEL}
label=${2:?usage: run-ctest.sh BUILD_DIR LABEL}
shift 2
exec bash "$(dirname "$0")/run-in.sh" "$build" "$@" -- \
    ctest --test-dir "$(realpath -e "$build")" -L "$label" --output-on-failure --timeout 240 -j "${COVE_VM_JOBS:-3}"
