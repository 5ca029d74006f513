#!/bin/bash
# linux.netDevices: a host interface (a dummy made by the test) is moved
# into the container's network namespace under its configured name, and
# back to the host under its original name on delete or when create fails.
. "$(dirname "$0")/lib.sh"

command -v ip >/dev/null || skip "ip (iproute2) not installed"
DUMMY="cove-t$$"   # < 16 characters, also with the veth peer's "p"
# a dummy, or where the kernel has no dummy driver, one end of a veth pair:
# both are virtual, so they would die with the container's netns if cove
# did not move them back
ip link add "$DUMMY" type dummy 2>/dev/null ||
    ip link add "$DUMMY" type veth peer name "${DUMMY}p" 2>/dev/null ||
    skip "cannot create a dummy or veth interface"
# the interface is ours: remove it whatever happens (deleting one veth end
# removes its peer); lib.sh's EXIT trap runs _cleanup, chain ours before it
# and hand _cleanup the script's exit status (it reads $?; set +e so that
# the (exit N) does not end the trap under set -e)
trap '_nd_rc=$?; set +e; ip link del "$DUMMY" 2>/dev/null; (exit $_nd_rc); _cleanup' EXIT

host_has() { ip link show "$1" >/dev/null 2>&1; }

netdev_bundle() {   # BUNDLE ARGS... — a network namespace and the dummy as eth9
    local b=$1; shift
    make_bundle "$b" "$@"
    cfg_set "$b" --arg d "$DUMMY" '.linux.netDevices = {($d): {name: "eth9"}}
        | .linux.namespaces |= (map(select(.type != "network")) + [{type: "network"}])'
}

t_device_is_moved_in_renamed_and_back_on_delete() {
    host_has "$DUMMY" || fail "dummy $DUMMY missing before the test"
    netdev_bundle b sh -c 'ip -o link show eth9 | cut -d: -f2 | cut -d@ -f1 | tr -d " "; exec sleep 600'
    ctr_create nd b
    assert_ok cove start "$(cid nd)"
    wait_file "$TEST_TMP/nd.out"
    assert_eq eth9 "$(ctr_output nd)" "interface inside"
    host_has "$DUMMY" && fail "$DUMMY still on the host while the container runs"
    assert_eq 1 "$(jq '.netDevices | length' "$ROOT/$(cid nd)/state.json")" "moves recorded in state"
    assert_ok cove delete --force "$(cid nd)"
    host_has "$DUMMY" || fail "$DUMMY not back on the host after delete"
    host_has eth9 && fail "eth9 appeared on the host"
    assert_nothing_left
}

t_permanent_addresses_move_with_the_device() {
    # 198.51.100.0/24 is TEST-NET-2 (documentation only); the link stays
    # down, so nothing is ever sent. Never a range the host itself uses.
    ip -4 addr | grep -q "inet 198\.51\.100\." && skip_case "the host uses 198.51.100.0/24"
    ip addr add 198.51.100.7/24 dev "$DUMMY" || fail "cannot add an address to $DUMMY"
    netdev_bundle b sh -c 'ip -o -4 addr show eth9 | grep -o "inet [0-9./]*"; exec sleep 600'
    ctr_create addr b
    assert_ok cove start "$(cid addr)"
    wait_file "$TEST_TMP/addr.out"
    assert_eq "inet 198.51.100.7/24" "$(ctr_output addr)" "address inside"
    assert_ok cove delete --force "$(cid addr)"
    local back; back=$(ip -o -4 addr show "$DUMMY" | grep -o "inet [0-9./]*")
    ip addr flush dev "$DUMMY"
    assert_eq "inet 198.51.100.7/24" "$back" "address on the host after delete"
    assert_nothing_left
}

t_device_keeps_its_name_when_no_name_is_given() {
    make_bundle b sh -c "ip -o link show $DUMMY >/dev/null && echo found"
    cfg_set b --arg d "$DUMMY" '.linux.netDevices = {($d): {}}
        | .linux.namespaces |= (map(select(.type != "network")) + [{type: "network"}])'
    ctr_run same b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq found "$OUT" "interface inside"
    # run deletes after the init exited: the pinned netns kept the device
    host_has "$DUMMY" || fail "$DUMMY not back on the host after run"
    assert_nothing_left
}

t_device_comes_back_after_the_container_exited() {
    netdev_bundle b true
    ctr_create ex b
    assert_ok cove start "$(cid ex)"
    wait_status ex stopped
    host_has "$DUMMY" && fail "$DUMMY back on the host before delete"
    assert_ok cove delete "$(cid ex)"
    host_has "$DUMMY" || fail "$DUMMY not back on the host after delete"
    assert_nothing_left
}

t_device_comes_back_when_create_fails_after_the_move() {
    # the executable is looked up after the move: create fails and must
    # undo the move before it kills the init (the netns dies with it)
    netdev_bundle b /no/such/binary
    ctr_run fail b
    assert_ne 0 "$RC" "exit code"
    assert_contains "$ERR" "/no/such/binary"
    host_has "$DUMMY" || fail "$DUMMY lost after a failed create"
    assert_nothing_left
}

t_missing_host_device_fails_before_anything_is_created() {
    make_bundle b true
    cfg_set b '.linux.netDevices = {"cove-nosuch0": {name: "eth9"}}'
    ctr_run miss b
    assert_ne 0 "$RC" "exit code"
    assert_contains "$ERR" 'linux.netDevices["cove-nosuch0"]: no such network interface on the host'
    assert_nothing_left
}

t_net_devices_without_network_namespace_are_refused() {
    make_bundle b true
    cfg_set b --arg d "$DUMMY" '.linux.netDevices = {($d): {name: "eth9"}}
        | .linux.namespaces |= map(select(.type != "network"))'
    ctr_run nons b
    assert_ne 0 "$RC" "exit code"
    assert_contains "$ERR" "netDevices"
    host_has "$DUMMY" || fail "$DUMMY lost"
    assert_nothing_left
}

run_cases
