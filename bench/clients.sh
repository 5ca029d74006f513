#!/bin/bash
# bench/clients.sh — `podman run --rm IMG /bin/true` and `docker run --rm`
# with cove vs runc vs crun, in the same run, interleaved (one of each per
# round, so drift hits all three alike). Private podman and dockerd as in
# tests/clients (lib.sh). Prints mean and median wall ms per runtime.
#
# Usage: COVE=build/cove bench/clients.sh [ROUNDS]   (default 20)
# shellcheck disable=SC1091
source "$(dirname "$0")/../tests/clients/lib.sh"
ROUNDS=${1:-20}
RUNTIMES=(cove runc crun)

cat >"$CL_TMP/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime_supports_json = ["crun", "runc", "cove"]
[engine.runtimes]
cove = ["$COVE"]
runc = ["$(command -v runc)"]
crun = ["$(command -v crun)"]
EOF
export CONTAINERS_CONF="$CL_TMP/containers.conf"
P=(podman --root "$CL_TMP/store" --runroot "$CL_TMP/run" --tmpdir "$CL_TMP/ptmp"
   --storage-driver vfs --cgroup-manager cgroupfs --events-backend file)
suite_cleanup() {
    "${P[@]}" rm -af >/dev/null 2>&1; "${P[@]}" system reset -f >/dev/null 2>&1
    dockerd_stop
}
dockerd_start 300 --add-runtime "cove=$COVE" --add-runtime "crun=$(command -v crun)" || { echo "bench/clients.sh: $DK_ERR" >&2; exit 1; }

make_rootfs_tar "$CL_TMP/rootfs.tar"
"${P[@]}" import -q "$CL_TMP/rootfs.tar" localhost/cove-bench >/dev/null
"${D[@]}" import "$CL_TMP/rootfs.tar" cove-bench >/dev/null

# crun 1.8 refuses hybrid hosts whose cgroup2 has controllers ("cgroups in
# hybrid mode not supported"): a runtime that cannot run here is dropped
ok_rts=()
for rt in "${RUNTIMES[@]}"; do
    if err=$("${P[@]}" run --rm --runtime "$rt" --cgroup-parent "$CG_PARENT" localhost/cove-bench /bin/true 2>&1); then
        ok_rts+=("$rt")
    else
        echo "# $rt skipped: $err"
    fi
done
RUNTIMES=("${ok_rts[@]}")

ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || echo "failed: $*" >&2; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
declare -A T
for ((r = 0; r < ROUNDS; r++)); do
    for rt in "${RUNTIMES[@]}"; do
        T[podman-$rt]+="$(ms "${P[@]}" run --rm --runtime "$rt" --cgroup-parent "$CG_PARENT" localhost/cove-bench /bin/true) "
        T[docker-$rt]+="$(ms "${D[@]}" run --rm --runtime "$rt" --network none --cgroup-parent "$CG_PARENT" cove-bench /bin/true) "
    done
done
printf '%-8s %-6s %8s %8s   (%d rounds, wall ms)\n' client runtime mean median "$ROUNDS"
for c in podman docker; do
    for rt in "${RUNTIMES[@]}"; do
        # shellcheck disable=SC2086
        printf '%s\n' ${T[$c-$rt]} | sort -n | awk -v c="$c" -v rt="$rt" \
            '{ a[NR] = $1; s += $1 } END { printf "%-8s %-6s %8.1f %8d\n", c, rt, s / NR, a[int((NR + 1) / 2)] }'
    done
done
