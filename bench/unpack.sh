#!/bin/bash
# bench/unpack.sh — layer unpack time of one big image with cove vs
# `umoci unpack` vs `tar -x`, same run, interleaved; and the overlay's
# cost per container (create+delete of an image bundle vs a plain bundle).
#
# Usage: sudo bench/unpack.sh [-r ROUNDS] [-n CONTAINERS] [DIR...]
#   DIR...  trees packed into the image (default: /usr/share/doc
#           /usr/share/man /usr/share/locale — a few hundred MB, many files)
# Env: COVE (default build/cove). Results: docs/image.md.
set -euo pipefail

ROUNDS=3
N=50
while getopts r:n: o; do
    case $o in r) ROUNDS=$OPTARG ;; n) N=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
DIRS=("$@")
[ ${#DIRS[@]} -gt 0 ] || DIRS=(/usr/share/doc /usr/share/man /usr/share/locale)
HERE=$(cd "$(dirname "$0")/.." && pwd)
COVE=${COVE:-$HERE/build/cove}
[ "$(id -u)" = 0 ] || { echo "bench/unpack.sh: needs root" >&2; exit 1; }
command -v umoci >/dev/null || echo "umoci not installed (scripts/setup): skipped" >&2

W=$(mktemp -d /var/tmp/cove-bench-unpack.XXXXXX)
CG=/bench-unpack-$$
cleanup() {
    set +e
    for id in $(ls -A "$W/root" 2>/dev/null); do "$COVE" --root "$W/root" delete -f "$id" >/dev/null 2>&1; done
    for d in /sys/fs/cgroup/*/"${CG#/}"; do [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; ; done
    awk -v t="$W" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l
    rm -rf "$W"
}
trap cleanup EXIT

echo "# building the image from ${DIRS[*]}"
tar -C / -cf "$W/layer.tar" "${DIRS[@]#/}"
python3 "$HERE/tests/integration/make_oci_image.py" "$W/img" --big-tar "$W/layer.tar"
files=$(tar -tf "$W/layer.tar" | wc -l)
echo "# layer: $(du -m "$W/layer.tar" | cut -f1) MB uncompressed, $(du -sm "$W/img/big" | cut -f1) MB gzip, $files entries"
blob=$(jq -r '.layers[0].digest' "$W/img/big/blobs/sha256/$(jq -r '.manifests[0].digest' "$W/img/big/index.json" | cut -c8-)" | cut -c8-)

# each timing ends with sync: the data is on disk for all three alike
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1; sync; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000)); }
fresh() { rm -rf "$@"; sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true; }
declare -A T
for ((r = 1; r <= ROUNDS; r++)); do
    fresh "$W/store"
    T[cove]+=" $(ms "$COVE" --image-root "$W/store" image import "$W/img/big")"
    fresh "$W/tarx"; mkdir "$W/tarx"
    T[tar]+=" $(ms tar --numeric-owner -xzf "$W/img/big/blobs/sha256/$blob" -C "$W/tarx")"
    if command -v umoci >/dev/null; then
        fresh "$W/umoci"
        T[umoci]+=" $(ms umoci unpack --image "$W/img/big:latest" "$W/umoci")"
    fi
    echo "# round $r (ms): cove $(echo "${T[cove]}" | awk '{print $NF}')," \
         "tar $(echo "${T[tar]}" | awk '{print $NF}'), umoci $(echo "${T[umoci]:-" -"}" | awk '{print $NF}')"
done
stats() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {printf "median %d ms (min %d, max %d, n=%d)", a[int((NR+1)/2)], a[1], a[NR], NR}'; }
echo "unpack (gzip, $files entries):"
for k in cove umoci tar; do [ -n "${T[$k]:-}" ] && echo "  $k: $(echo "${T[$k]}" | stats)"; done
echo "  (cove = image import: sha256 of blob + diff-id verified, BENEATH-checked writes; tar = tar -xzf, no checks;"
echo "   each includes the final sync)"
fresh "$W/tarx" "$W/umoci"

# ---- overlay cost per container: create+delete, image bundle vs plain bundle
python3 "$HERE/tests/integration/make_oci_image.py" "$W/small" >/dev/null
"$COVE" --image-root "$W/store" image import "$W/small/layout" >/dev/null
"$COVE" --image-root "$W/store" bundle --image test:latest "$W/bimg" -- /bin/true
mkdir -p "$W/bplain/rootfs" "$W/root"
cp -a "$W/store/layers/"*/. "$W/bplain/rootfs/" 2>/dev/null || true
jq --arg cg "$CG/x" '.linux.cgroupsPath = $cg | .process.user = {uid: 0, gid: 0}' "$W/bimg/config.json" > "$W/c.json"
mv "$W/c.json" "$W/bimg/config.json"
jq 'del(.annotations["dev.cove.overlay.lowers"])' "$W/bimg/config.json" > "$W/bplain/config.json"
for kind in bimg bplain; do
    t0=$(date +%s%N)
    for ((i = 0; i < N; i++)); do
        "$COVE" --root "$W/root" create --bundle "$W/$kind" "c$i" >/dev/null
        "$COVE" --root "$W/root" delete -f "c$i" >/dev/null
    done
    t1=$(date +%s%N)
    T[$kind]=$(((t1 - t0) / N / 1000))
done
echo "create+delete per container: overlay (3 layers) ${T[bimg]} µs, plain rootfs ${T[bplain]} µs," \
     "overlay cost $((T[bimg] - T[bplain])) µs"
