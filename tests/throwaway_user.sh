# tests/throwaway_user.sh — a throw-away ordinary user for the rootless
# tests (integration/test_rootless.sh, clients/podman_rootless.sh). Sourced
# after the suite's own lib.sh, whose skip() it uses.
#
# tu_add PREFIX — useradd PREFIX$$ (no home, no login shell; useradd gives
# it its own /etc/subuid and /etc/subgid ranges) and set TU_USER, TU_UID,
# TU_GID, TU_SUBUID, TU_SUBGID. Skips the suite when it cannot.
# tu_del — end the user's processes (only this throw-away user's, by pid)
# and userdel it, which also removes its sub-id ranges.
# tu_run CMD... — CMD as the user, with its supplementary groups.
# shellcheck shell=bash
tu_add() {
    command -v setpriv >/dev/null || skip "setpriv not installed (util-linux)"
    command -v useradd >/dev/null || skip "useradd not installed (passwd)"
    TU_USER="$1$$"
    useradd -M -d /nonexistent -s /usr/sbin/nologin "$TU_USER" || skip "useradd $TU_USER failed"
    TU_UID=$(id -u "$TU_USER")
    TU_GID=$(id -g "$TU_USER")
    TU_SUBUID=$(awk -F: -v u="$TU_USER" '$1 == u { print $2; exit }' /etc/subuid)
    TU_SUBGID=$(awk -F: -v u="$TU_USER" '$1 == u { print $2; exit }' /etc/subgid)
}
tu_del() {
    local p left
    left=$(pgrep -u "$TU_UID" 2>/dev/null || true)
    for p in $left; do kill -9 "$p" 2>/dev/null || true; done
    for _ in 1 2 3 4 5 6 7 8 9 10; do pgrep -u "$TU_UID" >/dev/null 2>&1 || break; sleep 0.1; done
    userdel "$TU_USER" 2>/dev/null || echo "cleanup: userdel $TU_USER failed" >&2
}
tu_run() { setpriv --reuid="$TU_UID" --regid="$TU_GID" --init-groups "$@"; }
