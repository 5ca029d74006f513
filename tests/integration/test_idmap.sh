#!/bin/bash
# id-mapped mounts: mounts[].uidMappings/gidMappings and the idmap/ridmap
# options. The mapping is written as given into the user namespace of the
# mount, as runc does: an id k on disk shows as the hostID that containerID
# k maps to.
. "$(dirname "$0")/lib.sh"

chmod 711 "$TEST_TMP"

add_mount() {
    cfg_set "$1" --argjson m "$2" '.mounts += [$m]'
    mkdir -p "$TEST_TMP/$1/rootfs$(jq -r .destination <<<"$2")"
}

# idmount DEST SOURCE UIDMAP-TRIPLE [OPTIONS-JSON]
idmount() {
    local c h s; read -r c h s <<<"$(tr : ' ' <<<"$3")"
    jq -cn --arg d "$1" --arg src "$2" --argjson c "$c" --argjson h "$h" --argjson s "$s" \
        --argjson o "${4:-[\"bind\"]}" \
        '{destination:$d, type:"bind", source:$src, options:$o,
          uidMappings:[{containerID:$c,hostID:$h,size:$s}], gidMappings:[{containerID:$c,hostID:$h,size:$s}]}'
}

setup_source() {
    mkdir -p "$TEST_TMP/src"; chmod 755 "$TEST_TMP/src"
    echo a > "$TEST_TMP/src/by-root"
    echo b > "$TEST_TMP/src/by-1000"; chown 1000:1000 "$TEST_TMP/src/by-1000"
    case $(stat -f -c %T "$TEST_TMP/src") in
        ext2/ext3|xfs|btrfs|tmpfs|overlayfs) ;;
        *) skip_case "filesystem $(stat -f -c %T "$TEST_TMP/src") may not support id-mapped mounts" ;;
    esac
}

t_file_of_host_uid_1000_shows_as_root_with_mapping_1000_to_0() {
    setup_source
    make_bundle b stat -c '%n %u %g' /m/by-1000 /m/by-root
    add_mount b "$(idmount /m "$TEST_TMP/src" 1000:0:1)"
    ctr_run i b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "$(printf '/m/by-1000 0 0\n/m/by-root 65534 65534')" "$OUT" "owners through the id-mapped mount"
    assert_eq 1000 "$(stat -c %u "$TEST_TMP/src/by-1000")" "owner on the host (unchanged)"
}

t_mapping_0_to_1000_shows_host_root_files_as_1000() {
    setup_source
    make_bundle b stat -c '%u' /m/by-root
    add_mount b "$(idmount /m "$TEST_TMP/src" 0:1000:1)"
    ctr_run i b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq 1000 "$OUT" "owner of a host-root file"
}

t_idmap_with_ro_is_read_only() {
    setup_source
    make_bundle b sh -c 'cat /m/by-1000; touch /m/x 2>/dev/null && echo WRITABLE; true'
    add_mount b "$(idmount /m "$TEST_TMP/src" 1000:0:1 '["bind","idmap","ro"]')"
    ctr_run r b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq b "$OUT" "read-only id-mapped mount"
}

t_idmap_option_uses_the_container_user_namespace_mapping() {
    setup_source
    local m='[{"containerID":0,"hostID":100000,"size":65536}]'
    make_bundle b stat -c '%u %g' /m/by-root
    cfg_set b --argjson m "$m" '.linux.namespaces += [{"type":"user"}] | .linux.uidMappings = $m | .linux.gidMappings = $m'
    add_mount b "{\"destination\":\"/m\",\"type\":\"bind\",\"source\":\"$TEST_TMP/src\",\"options\":[\"bind\",\"idmap\"]}"
    ctr_run u b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "0 0" "$OUT" "host root's file seen by the container's root"
}

t_idmap_on_a_non_bind_mount_is_refused() {
    make_bundle b true
    cfg_set b '.mounts += [{"destination":"/t","type":"tmpfs","source":"tmpfs","options":["idmap"],
        "uidMappings":[{"containerID":0,"hostID":1000,"size":1}],"gidMappings":[{"containerID":0,"hostID":1000,"size":1}]}]'
    ctr_run n b
    assert_ne 0 "$RC" "exit code"
    assert_contains "$ERR" "mounts[$(( $(cfg_get b '.mounts | length') - 1 ))]: id-mapped mounts are only supported for bind mounts"
    assert_nothing_left n
}

t_filesystem_without_idmap_support_gets_a_clear_error() {
    make_bundle b true
    add_mount b "$(idmount /p /proc 0:1000:1)"
    ctr_run e b
    assert_ne 0 "$RC" "exit code"
    assert_contains "$ERR" "does not support id-mapped mounts"
    assert_contains "$ERR" "mounts["
    assert_nothing_left e
}

run_cases
