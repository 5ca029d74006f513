#!/bin/bash
# Images: import (OCI layout, oci-archive, docker-archive, index platform
# selection), hostile layers refused with nothing left, layer contents in a
# container, archives written by `podman save` (when podman is installed),
# image ls/inspect/rm/gc, `cove bundle --image` + run (the overlay exists
# only in the container's mount namespace: host users cannot reach its
# setuid files), image labels and config annotations cannot choose the
# root, `run --overlay`.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip "python3 not installed (scripts/setup)"
IMGS="$TEST_TMP/imgs"
python3 "$(dirname "$0")/make_oci_image.py" "$IMGS" >/dev/null || { echo "FAIL: make_oci_image.py" >&2; exit 1; }

# img ARGS... — cove with this case's image store
img() { cove --image-root "$TEST_TMP/store" "$@"; }
layers_in_store() { ls -A "$TEST_TMP/store/layers" 2>/dev/null | wc -l; }

t_imports_oci_layout_oci_archive_and_docker_archive() {
    assert_ok img image import "$IMGS/layout"
    assert_eq test:latest "$OUT" "name from the index's ref annotation"
    assert_ok img image import --name from-archive "$IMGS/oci-archive.tar"
    assert_eq from-archive "$OUT"
    assert_ok img image import "$IMGS/docker-archive.tar"
    assert_eq docker-test:latest "$OUT" "name from RepoTags"
    assert_ok img image ls
    assert_contains "$OUT" test:latest
    assert_contains "$OUT" from-archive
    assert_contains "$OUT" docker-test:latest
    assert_eq 3 "$(layers_in_store)" "layers are shared by content (diff-id)"
    assert_eq "" "$(ls -A "$TEST_TMP/store/tmp")" "no import work dirs left"
}

t_imports_archives_written_by_podman_save() {
    # real archives from a private podman (own storage, vfs): docker-archive
    # (podman save's default) and oci-archive, then a container from one
    command -v podman >/dev/null || { echo "    (podman not installed: case not run)"; return 0; }
    # podman refuses a runroot longer than 50 characters: a short one of ours
    local rr; rr=$(mktemp -d /tmp/cove-pm.XXXXXX)
    local p=(podman --root "$TEST_TMP/pm/storage" --runroot "$rr" --storage-driver vfs)
    mkdir -p "$TEST_TMP/pm/r/bin"
    cp "$(command -v busybox)" "$TEST_TMP/pm/r/bin/busybox"
    ln -s busybox "$TEST_TMP/pm/r/bin/sh"
    ln -s busybox "$TEST_TMP/pm/r/bin/cat"
    echo from-podman > "$TEST_TMP/pm/r/marker"
    tar -C "$TEST_TMP/pm/r" -cf "$TEST_TMP/pm/rootfs.tar" .
    "${p[@]}" import -q "$TEST_TMP/pm/rootfs.tar" localhost/cove-pm:1 >/dev/null 2>"$TEST_TMP/pm/err" || fail "podman import: $(cat "$TEST_TMP/pm/err")"
    "${p[@]}" save -q -o "$TEST_TMP/pm/docker.tar" localhost/cove-pm:1 || fail "podman save"
    "${p[@]}" save -q --format oci-archive -o "$TEST_TMP/pm/oci.tar" localhost/cove-pm:1 || fail "podman save oci"
    "${p[@]}" rmi -a -f >/dev/null 2>&1
    rm -rf "$rr"
    assert_ok img image import --name pm-docker "$TEST_TMP/pm/docker.tar"
    assert_ok img image import --name pm-oci "$TEST_TMP/pm/oci.tar"
    assert_ok img bundle --image pm-oci "$TEST_TMP/b" -- cat /marker
    cfg_set b ".linux.cgroupsPath = \"$CG_PARENT/pm\""
    ctr_run pm b
    assert_eq 0 "$RC" "run (stderr: $ERR)"
    assert_eq from-podman "$OUT" "file from the podman-saved layer"
}

t_index_platform_selection() {
    assert_ok img image import --name amd "$IMGS/index-multi"
    assert_ok img image inspect amd
    assert_eq amd64 "$(jq -r .config.architecture <<<"$OUT")"
    assert_ok img image import --name arm --platform linux/arm64 "$IMGS/index-multi"
    assert_ok img image inspect arm
    assert_eq arm64 "$(jq -r .config.architecture <<<"$OUT")"
    assert_exit 1 img image import --name s390 --platform linux/s390x "$IMGS/index-multi"
    assert_contains "$ERR" "no manifest for platform linux/s390x"
}

t_hostile_layers_are_rejected_with_nothing_left() {
    local kind
    for kind in traversal absolute symlink hardlink baddigest truncated; do
        assert_exit 1 img image import "$IMGS/hostile-$kind"
        note "$kind: $ERR"
        assert_eq "" "$(ls -A "$IMGS/outside")" "$kind: nothing written outside"
        assert_eq 0 "$(layers_in_store)" "$kind: no layer left"
        assert_eq "" "$(find "$TEST_TMP/store/tmp" "$TEST_TMP/store/images" -mindepth 1)" "$kind: no temp dir or record left"
    done
    [ ! -e "$TEST_TMP/store/passwd" ] && [ ! -e /traversal ] || fail "hardlink/traversal target created"
}

t_layer_contents_whiteouts_opaque_hardlinks_devices_symlinks() {
    assert_ok img image import "$IMGS/layout"
    assert_ok img bundle --image test:latest "$TEST_TMP/b" -- sh -c '
        test ! -e /victim && echo whiteout-ok
        echo olddir: $(ls /olddir)
        echo links: $(stat -c %h /data/h1) $(readlink /data/link) $(cat /data/h2)
        echo dev: $(stat -c %F-%t-%T /dev-null-copy)
        test -p /a-fifo && echo fifo-ok
        echo suid: $(stat -c %a /suid)
        echo owner: $(stat -c %u:%g /data/h1)
        echo mtime: $(stat -c %Y /etc/layer3)
        echo user: $(id -u):$(id -g) cwd: $(pwd) foo: $FOO'
    cfg_set b ".linux.cgroupsPath = \"$CG_PARENT/contents\""
    ctr_run contents b
    assert_eq 0 "$RC" "run (stderr: $ERR)"
    assert_contains "$OUT" whiteout-ok
    assert_contains "$OUT" "olddir: c" "opaque dir hides the lower layer's a and b"
    assert_contains "$OUT" "links: 2 h1 hard"
    assert_contains "$OUT" "dev: character special file-1-3"
    assert_contains "$OUT" fifo-ok
    assert_contains "$OUT" "suid: 4755"
    assert_contains "$OUT" "owner: 1234:1234"
    assert_contains "$OUT" "mtime: 978307200"
    assert_contains "$OUT" "user: 1234:1234 cwd: /tmp foo: bar" "User/WorkingDir/Env from the image config"
}

t_bundle_then_run_and_overlay_gone_after_delete() {
    assert_ok img image import "$IMGS/layout"
    assert_ok img bundle --image test:latest "$TEST_TMP/b"
    assert_eq yes "$(cfg_get b '.annotations["org.example.label"]')" "Labels become annotations"
    assert_eq "/bin/sh" "$(cfg_get b '.process.args[0]')"
    assert_eq 3 "$(wc -l < "$TEST_TMP/b/cove-lowers")" "cove-lowers names the 3 layers"
    cfg_set b ".linux.cgroupsPath = \"$CG_PARENT/ovl\" | .process.user = {uid: 0, gid: 0}
               | .process.args = [\"sh\", \"-c\", \"echo scratch > /tmp/new; cat /tmp/new\"]"
    local id; id=$(cid ovl)
    run_capture cove create --bundle "$TEST_TMP/b" "$id"
    assert_eq 0 "$RC" "create (stderr: $ERR)"
    # the merged tree exists only in the container's mount namespace
    assert_eq "" "$(_mounts_in_tmp)" "no overlay mounted on the host"
    assert_eq "" "$(ls -A "$TEST_TMP/b/rootfs")" "bundle rootfs stays empty on the host"
    local pid; pid=$(ctr_state ovl .pid)
    [ -x "/proc/$pid/root/bin/busybox" ] || fail "the container's root has no image files"
    assert_ok cove start "$id"
    wait_status ovl stopped
    assert_ok cove delete "$id"
    assert_eq "" "$(ls -A "$TEST_TMP/b/rootfs")" "bundle rootfs is empty after delete"
    [ -z "$(find "$TEST_TMP/store/layers" -name new)" ] || fail "a container write reached a layer"
    # run (create+start+wait+delete) in one go
    ctr_run ovl2 b
    assert_eq 0 "$RC" "run (stderr: $ERR)"
    assert_eq scratch "$OUT"
    assert_nothing_left
}

# suid_image — import suid:latest: busybox plus a setuid-root /bin/euid
# (prints its effective uid), labelled to take $TEST_TMP/hostdir as root
suid_image() {
    mkdir -p "$TEST_TMP/hostdir"
    echo host-secret > "$TEST_TMP/hostdir/marker"
    printf '#include <stdio.h>\n#include <unistd.h>\nint main(void){printf("euid=%%d\\n",(int)geteuid());return 0;}\n' > "$TEST_TMP/euid.c"
    cc -static -O1 -o "$TEST_TMP/euid" "$TEST_TMP/euid.c" || fail "cannot build euid"
    python3 "$(dirname "$0")/make_oci_image.py" "$TEST_TMP/imgs" --suid "$TEST_TMP/euid" "$TEST_TMP/hostdir" >/dev/null ||
        fail "make_oci_image.py --suid"
    assert_ok img image import "$TEST_TMP/imgs/suid"
}

t_host_users_cannot_reach_the_setuid_files_of_a_running_image() {
    # the attack: an unprivileged host user runs the image's setuid-root
    # binary from the merged tree of a running container (was euid=0)
    command -v setpriv >/dev/null || skip_case "no setpriv"
    suid_image
    assert_ok img bundle --image suid:latest "$TEST_TMP/b" -- sleep 60
    cfg_set b ".linux.cgroupsPath = \"$CG_PARENT/suid\""
    chmod 755 "$TEST_TMP" "$(dirname "$TEST_TMP")"
    ctr_create s b
    assert_ok cove start "$(cid s)"
    local out rc=0
    out=$(setpriv --reuid 65534 --regid 65534 --clear-groups "$TEST_TMP/b/rootfs/bin/euid" 2>&1) || rc=$?
    assert_ne 0 "$rc" "a host user ran the image's setuid binary: $out"
    assert_not_contains "$out" "euid=0"
    out=$(setpriv --reuid 65534 --regid 65534 --clear-groups ls -A "$TEST_TMP/b/rootfs" 2>&1) || true
    assert_eq "" "$out" "what a host user sees of the container's root"
    assert_eq "" "$(_mounts_in_tmp)" "no overlay on the host"
    # inside the container setuid still works (noNewPrivileges off)
    assert_ok cove exec --user 1000:1000 "$(cid s)" /bin/euid
    assert_eq "euid=1000" "$OUT" "with noNewPrivileges (cove bundle's default) setuid does not raise"
    cove delete --force "$(cid s)" >/dev/null
    cfg_set b '.process.noNewPrivileges = false'
    ctr_create s2 b
    assert_ok cove start "$(cid s2)"
    assert_ok cove exec --user 1000:1000 "$(cid s2)" /bin/euid
    assert_eq "euid=0" "$OUT" "setuid inside the container (noNewPrivileges off)"
}

t_an_image_label_cannot_choose_the_root() {
    suid_image
    assert_ok img bundle --image suid:latest "$TEST_TMP/b" -- sh -c 'cat /marker 2>&1; ls /bin/euid'
    assert_eq null "$(cfg_get b '.annotations["dev.cove.overlay.lowers"]')" "the label is not copied"
    cfg_set b ".linux.cgroupsPath = \"$CG_PARENT/label\""
    ctr_run l b
    assert_eq 0 "$RC" "run (stderr: $ERR)"
    assert_not_contains "$OUT" host-secret "the host directory as root"
    assert_contains "$OUT" /bin/euid "the image's own layers"
}

t_a_config_annotation_cannot_choose_the_root() {
    # what podman --annotation or any orchestrator passing annotations
    # through could put into a config: refused before anything exists
    mkdir -p "$TEST_TMP/hostdir"
    echo host-secret > "$TEST_TMP/hostdir/marker"
    make_bundle b cat /marker
    cfg_set b --arg h "$TEST_TMP/hostdir" '.annotations["dev.cove.overlay.lowers"] = $h'
    ctr_run a b
    assert_eq 1 "$RC" "run with a dev.cove.overlay.lowers annotation"
    assert_not_contains "$OUT" host-secret
    assert_contains "$ERR" 'annotations["dev.cove.overlay.lowers"]: not accepted from a config'
    assert_nothing_left
}

t_a_lowers_file_someone_else_could_write_is_refused() {
    assert_ok img image import "$IMGS/layout"
    assert_ok img bundle --image test:latest "$TEST_TMP/b" -- true
    cfg_set b ".linux.cgroupsPath = \"$CG_PARENT/perm\""
    chmod 0660 "$TEST_TMP/b/cove-lowers"
    ctr_run p1 b
    assert_eq 1 "$RC" "group-writable cove-lowers"
    assert_contains "$ERR" "cove-lowers: must be owned by uid 0 and writable by nobody else"
    chmod 0600 "$TEST_TMP/b/cove-lowers"
    chown 1000 "$TEST_TMP/b/cove-lowers"
    ctr_run p2 b
    assert_eq 1 "$RC" "cove-lowers owned by another user"
    chown 0 "$TEST_TMP/b/cove-lowers"
    chown 1000 "$TEST_TMP/b"
    ctr_run p3 b
    assert_eq 1 "$RC" "bundle directory owned by another user"
    assert_contains "$ERR" "$TEST_TMP/b: must be owned by uid 0"
    chown 0 "$TEST_TMP/b"
    ctr_run p4 b
    assert_eq 0 "$RC" "the same bundle, ours again (stderr: $ERR)"
    assert_nothing_left
}

t_failed_create_leaves_no_overlay() {
    assert_ok img image import "$IMGS/layout"
    assert_ok img bundle --image test:latest "$TEST_TMP/b" -- /no/such/binary
    cfg_set b ".linux.cgroupsPath = \"$CG_PARENT/fail\""
    ctr_run fail b
    assert_ne 0 "$RC" "run of a missing binary"
    assert_nothing_left
}

t_image_removed_then_bundle_fails_cleanly() {
    assert_ok img image import "$IMGS/layout"
    assert_ok img bundle --image test:latest "$TEST_TMP/b"
    cfg_set b ".linux.cgroupsPath = \"$CG_PARENT/gone\""
    assert_ok img image rm test:latest
    assert_ok img image gc
    ctr_run gone b
    assert_ne 0 "$RC"
    assert_contains "$ERR" "image removed?"
    assert_nothing_left
}

t_a_decompression_bomb_stops_at_the_limits_with_nothing_left() {
    python3 "$(dirname "$0")/make_oci_image.py" "$TEST_TMP/imgs" --bomb 96 >/dev/null || fail "make_oci_image.py --bomb"
    note "bomb: $(du -sk "$TEST_TMP/imgs/bomb" | cut -f1) KB compressed, 96 MiB unpacked"
    assert_exit 1 img image import --max-layer-size 8M "$TEST_TMP/imgs/bomb"
    assert_contains "$ERR" "more than 8388608 bytes uncompressed (a decompression bomb?); raise with --max-layer-size"
    assert_eq 0 "$(layers_in_store)" "no layer left"
    assert_eq "" "$(ls -A "$TEST_TMP/store/tmp")" "no work dir left"
    assert_exit 1 img image import --max-layer-entries 0 "$TEST_TMP/imgs/bomb"
    assert_contains "$ERR" "--max-layer-entries 0: a positive number"
    # the default guard: a store on a 48 MiB filesystem is not filled
    mkdir -p "$TEST_TMP/small"
    mount -t tmpfs -o size=48m tmpfs "$TEST_TMP/small"
    RC=0
    timeout 60 "$COVE" --image-root "$TEST_TMP/small/store" image import "$TEST_TMP/imgs/bomb" \
        > "$TEST_TMP/o" 2> "$TEST_TMP/e" || RC=$?
    local free; free=$(df -k --output=avail "$TEST_TMP/small" | tail -1)
    local left; left=$(find "$TEST_TMP/small/store/layers" "$TEST_TMP/small/store/tmp" -mindepth 1 2>/dev/null | wc -l)
    umount "$TEST_TMP/small"
    assert_eq 1 "$RC" "import of a 96 MiB layer into a 48 MiB store"
    assert_contains "$(cat "$TEST_TMP/e")" "refusing to fill it"
    [ "$free" -gt 1024 ] || fail "the store's filesystem was filled (${free} KB free)"
    assert_eq 0 "$left" "nothing left in the small store"
}

t_image_ls_inspect_rm_gc() {
    assert_ok img image import "$IMGS/layout"
    assert_ok img image import "$IMGS/docker-archive.tar"
    assert_ok img image inspect test:latest
    assert_eq test:latest "$(jq -r .name <<<"$OUT")"
    assert_eq 3 "$(jq '.layers | length' <<<"$OUT")"
    assert_eq '["/bin/sh","-c"]' "$(jq -c .config.config.Entrypoint <<<"$OUT")"
    local id; id=$(jq -r .config_digest <<<"$OUT" | cut -c8-19)
    assert_ok img image inspect "$id"
    assert_exit 1 img image inspect nosuch:image
    assert_contains "$ERR" 'image "nosuch:image" does not exist'
    assert_ok img image rm test:latest
    assert_ok img image gc
    assert_contains "$OUT" "removed 0 layer(s)" "docker-test still uses the layers"
    assert_ok img image rm docker-test:latest
    assert_ok img image gc
    assert_contains "$OUT" "removed 3 layer(s)"
    assert_eq 0 "$(layers_in_store)"
    assert_eq "" "$(ls -A "$TEST_TMP/store/blobs/sha256")" "blobs collected too"
}

t_concurrent_imports_are_serialized() {
    local p1 p2 rc1=0 rc2=0
    img image import --name c1 "$IMGS/layout" >/dev/null 2>&1 & p1=$!
    img image import --name c2 "$IMGS/oci-archive.tar" >/dev/null 2>&1 & p2=$!
    wait $p1 || rc1=$?
    wait $p2 || rc2=$?
    assert_eq "0 0" "$rc1 $rc2" "both imports succeed"
    assert_eq 3 "$(layers_in_store)"
}

t_run_overlay_keeps_the_bundle_pristine() {
    make_bundle b sh -c 'echo hi > /written; rm /bin/true; ls /written'
    cfg_set b '.root.readonly = false'
    ctr_run ro b --overlay
    assert_eq 0 "$RC" "run --overlay (stderr: $ERR)"
    assert_eq /written "$OUT"
    [ ! -e "$TEST_TMP/b/rootfs/written" ] || fail "write reached the bundle"
    [ -L "$TEST_TMP/b/rootfs/bin/true" ] || fail "delete reached the bundle"
    assert_nothing_left
}

run_cases
