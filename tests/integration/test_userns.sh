#!/bin/bash
# user namespaces: linux.uidMappings/gidMappings written by the runtime,
# the container's root confined to its host range, joining a user
# namespace by path, /dev and /sys in a user namespace.
. "$(dirname "$0")/lib.sh"

# The container's root (host uid 100000) must be able to reach the bundle:
# the per-file temp dir is 0700.
chmod 711 "$TEST_TMP"

HOST_ROOT=100000
MAP="[{\"containerID\":0,\"hostID\":$HOST_ROOT,\"size\":65536}]"

# userns_bundle DIR ARGS... — a bundle with a new user namespace 0 -> 100000
userns_bundle() {
    local d=$1; shift
    make_bundle "$d" "$@"
    cfg_set "$d" --argjson m "$MAP" '.linux.namespaces += [{"type":"user"}]
        | .linux.uidMappings = $m | .linux.gidMappings = $m'
}

# add_mount BUNDLE JSON — append one entry to .mounts; the mount point is
# made beforehand: the container's root cannot create it in a rootfs owned
# by the host's root
add_mount() {
    cfg_set "$1" --argjson m "$2" '.mounts += [$m]'
    mkdir -p "$TEST_TMP/$1/rootfs$(jq -r .destination <<<"$2")"
}

t_container_sees_its_mapping_and_is_root_in_it() {
    userns_bundle b sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g'
    ctr_run u b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    local maps
    maps=$(awk 'NR <= 2 { print $1, $2, $3 }' <<<"$OUT")
    assert_eq "$(printf '0 %s 65536\n0 %s 65536' $HOST_ROOT $HOST_ROOT)" "$maps" "uid_map/gid_map inside"
    assert_eq "$(printf '0\n0')" "$(tail -n 2 <<<"$OUT")" "id inside"
}

t_host_sees_the_mapping_of_the_init() {
    userns_bundle b sleep 100
    ctr_create c b
    local pid
    pid=$(ctr_state c .pid)
    assert_eq "0 $HOST_ROOT 65536" "$(awk '{ print $1, $2, $3 }' /proc/"$pid"/uid_map)" "host: /proc/$pid/uid_map"
    assert_eq "0 $HOST_ROOT 65536" "$(awk '{ print $1, $2, $3 }' /proc/"$pid"/gid_map)" "host: /proc/$pid/gid_map"
    assert_ne "$(readlink /proc/self/ns/user)" "$(readlink /proc/"$pid"/ns/user)" "user namespace of the init"
    assert_ok cove delete --force "$(cid c)"
}

t_container_root_cannot_write_host_owned_files() {
    mkdir -p "$TEST_TMP/host"
    echo original > "$TEST_TMP/host/owned"
    chmod 755 "$TEST_TMP/host"; chmod 644 "$TEST_TMP/host/owned"
    userns_bundle b sh -c 'echo changed >> /mnt/owned && echo WROTE; touch /mnt/new && echo CREATED; rm -f /mnt/owned && echo REMOVED; echo done'
    add_mount b "{\"destination\":\"/mnt\",\"type\":\"bind\",\"source\":\"$TEST_TMP/host\",\"options\":[\"rbind\",\"rw\"]}"
    ctr_run w b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq done "$OUT" "the container's root modified host-owned files"
    assert_eq original "$(cat "$TEST_TMP/host/owned")" "host file"
    [ ! -e "$TEST_TMP/host/new" ] || fail "container created a file in a host-owned directory"
}

t_files_created_by_container_root_are_owned_by_its_host_uid() {
    mkdir -p "$TEST_TMP/shared"; chmod 1777 "$TEST_TMP/shared"
    userns_bundle b sh -c 'echo hi > /mnt/created && ls -ln /mnt/created'
    add_mount b "{\"destination\":\"/mnt\",\"type\":\"bind\",\"source\":\"$TEST_TMP/shared\",\"options\":[\"rbind\",\"rw\"]}"
    ctr_run o b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "$HOST_ROOT:$HOST_ROOT" "$(stat -c %u:%g "$TEST_TMP/shared/created")" "owner on the host"
    assert_match "$OUT" "^-rw-r--r-- +1 0 +0 " "owner inside"
}

t_devices_are_bind_mounted_and_usable() {
    userns_bundle b sh -c 'echo x > /dev/null && echo null-ok; head -c 4 /dev/zero | wc -c; [ -c /dev/urandom ] && echo urandom'
    ctr_run d b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "$(printf 'null-ok\n4\nurandom')" "$OUT" "devices in a user namespace"
}

t_sysfs_without_network_namespace_falls_back_to_a_bind() {
    userns_bundle b sh -c 'test -d /sys/kernel && echo sys-ok; touch /sys/x 2>/dev/null && echo WRITABLE; true'
    cfg_set b '.linux.namespaces |= map(select(.type != "network"))'
    ctr_run s b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq sys-ok "$OUT" "/sys"
}

t_new_user_namespace_without_mappings_is_refused_before_anything_exists() {
    make_bundle b true
    cfg_set b '.linux.namespaces += [{"type":"user"}] | del(.linux.uidMappings, .linux.gidMappings)'
    ctr_run r b
    assert_ne 0 "$RC" "exit code"
    assert_contains "$ERR" "linux.uidMappings"
    assert_nothing_left r
}

t_joins_an_existing_user_namespace_by_path() {
    # a user namespace held by a process we start and kill by pid
    unshare -U sleep 100 &
    local holder=$!
    local i
    for ((i = 0; i < 50; i++)); do
        [ "$(readlink /proc/$holder/ns/user)" != "$(readlink /proc/self/ns/user)" ] && break
        sleep 0.05
    done
    echo "0 $HOST_ROOT 65536" > /proc/$holder/uid_map
    echo "0 $HOST_ROOT 65536" > /proc/$holder/gid_map
    local want; want=$(readlink /proc/$holder/ns/user)
    make_bundle b sh -c 'readlink /proc/self/ns/user; id -u; echo $$'
    cfg_set b --arg p "/proc/$holder/ns/user" '.linux.namespaces += [{"type":"user","path":$p}]'
    ctr_run j b
    kill "$holder"; wait "$holder" 2>/dev/null || true
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "$(printf '%s\n0\n1' "$want")" "$OUT" "user namespace, uid and pid inside"
}

t_unified_cgroup_is_not_chowned_on_hybrid_hosts_and_container_runs() {
    # on this host's hybrid layout only the v1 leaves exist for resources;
    # the container must still start and its cgroup dirs stay root-owned
    userns_bundle b sleep 100
    ctr_create g b
    local d
    for d in /sys/fs/cgroup/*/"${CG_PARENT#/}"/b; do
        [ -d "$d" ] || continue
        if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
            assert_eq "$HOST_ROOT" "$(stat -c %u "$d")" "owner of $d (unified host: delegated)"
        else
            assert_eq 0 "$(stat -c %u "$d")" "owner of $d"
        fi
    done
    assert_ok cove delete --force "$(cid g)"
}

run_cases
