#!/bin/bash
# tests/fuzz/run.sh — build the libFuzzer targets with clang and run each
# for a bounded time on its seed corpus (docs/fuzzing.md).
#
# Usage: tests/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
#   SECONDS_PER_TARGET  default $FUZZ_SECONDS or 60 (CI: 2 targets = 2 min)
#   TARGET              config, state (default: both)
# Env: FUZZ_BUILD_DIR (default <src>/build-fuzz), FUZZ_JOBS (cmake -j, 2).
# Exit: 0 no finding, 1 a crash/leak/timeout (the input is kept under
# $FUZZ_BUILD_DIR/artifacts/ and printed: make it a unit-test regression),
# 77 skipped (no clang with libFuzzer).
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-${FUZZ_SECONDS:-60}}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(config state)
build=${FUZZ_BUILD_DIR:-$src/build-fuzz}

skip() { echo "SKIP: fuzz: $*"; exit 77; }
command -v clang >/dev/null || skip "clang not installed (apt-get install clang)"
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' > "$probe/p.c"
clang -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" 2>"$probe/err" ||
    skip "clang cannot link -fsanitize=fuzzer (libclang-rt-dev missing?): $(head -n1 "$probe/err")"

echo "fuzz: building in $build"
cmake -S "$src" -B "$build" -DCMAKE_C_COMPILER=clang -DCOVE_FUZZ=ON -DCOVE_TESTS=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$build.log" 2>&1 || { cat "$build.log"; exit 1; }
cmake --build "$build" -j"${FUZZ_JOBS:-2}" --target $(printf 'fuzz_%s ' "${targets[@]}") >> "$build.log" 2>&1 ||
    { tail -n 50 "$build.log"; exit 1; }
rm -f "$build.log"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
failed=()
for t in "${targets[@]}"; do
    seeds="$src/tests/fuzz/corpus/$t"
    [ -d "$seeds" ] || { echo "fuzz: no corpus $seeds" >&2; exit 1; }
    # new inputs go to a scratch dir (first corpus argument), the seed
    # corpus in the repo stays as committed
    work=$(mktemp -d "${TMPDIR:-/tmp}/cove-fuzz-$t.XXXXXX")
    mkdir -p "$build/artifacts"
    echo "fuzz: $t for ${secs}s"
    rc=0
    "$build/tests/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" \
        "$work" "$seeds" > "$build/fuzz_$t.log" 2>&1 || rc=$?
    grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::new_units_added)' "$build/fuzz_$t.log" || true
    rm -rf "$work"
    if [ "$rc" != 0 ]; then
        echo "fuzz: $t FAILED (exit $rc); log $build/fuzz_$t.log; artifacts:"
        ls "$build/artifacts/$t-"* 2>/dev/null || true
        grep -E 'ERROR|SUMMARY|runtime error' "$build/fuzz_$t.log" | head -n 20
        failed+=("$t")
    fi
done
echo "fuzz: $(( ${#targets[@]} - ${#failed[@]} )) passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
