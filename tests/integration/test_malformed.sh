#!/bin/bash
# Malformed input: every broken config.json gives one clear error (naming
# the field where there is one), exit code 1, and leaves nothing behind: no
# state dir, cgroup, mount or process. Also the inputs where cove is
# stricter than runc (issue 7): each is a config error naming the field.
. "$(dirname "$0")/lib.sh"

# refused BUNDLE NAME [NEEDLE...] — create and run both exit 1, with every
# NEEDLE in the error, and nothing is left behind.
refused() {
    local b=$1 n=$2 needle; shift 2
    local sub
    for sub in create run; do
        RC=0
        cove "$sub" --bundle "$TEST_TMP/$b" "$(cid "$n")" > "$TEST_TMP/o" 2> "$TEST_TMP/e" || RC=$?
        ERR=$(cat "$TEST_TMP/e")
        assert_eq 1 "$RC" "exit code of $sub (stderr: $ERR)"
        [ -n "$ERR" ] || fail "$sub: no error message"
        [ -z "${VERBOSE:-}" ] || note "$sub: $ERR"
        [ "$(wc -l <<<"$ERR")" -le 2 ] || fail "$sub: error is not one clear line: $ERR"
        for needle in "$@"; do assert_contains "$ERR" "$needle" "error of $sub"; done
        assert_nothing_left
    done
}

# raw BUNDLE — a bundle whose config.json the case writes itself
raw() { make_bundle "$1" true; }
cfg() { printf '%s' "$2" > "$TEST_TMP/$1/config.json"; }

# ---------------------------------------------------------------- syntax
t_empty_config_is_refused() {
    raw b; : > "$TEST_TMP/b/config.json"
    refused b empty config
}

t_truncated_config_is_refused() {
    raw b
    local full; full=$(cat "$TEST_TMP/b/config.json")
    local n
    for n in 1 17 200 $((${#full} / 2)) $((${#full} - 2)); do
        printf '%s' "${full:0:$n}" > "$TEST_TMP/b/config.json"
        refused b "t$n" config
    done
}

t_non_object_documents_are_refused() {
    raw b
    local d
    for d in '[]' '"config"' '42' 'null' 'true' '[{"ociVersion":"1.0.2"}]'; do
        cfg b "$d"
        refused b nonobj config
    done
}

t_trailing_bytes_after_the_object_are_refused() {
    raw b
    local full; full=$(cat "$TEST_TMP/b/config.json")
    cfg b "$full{}"
    refused b trail1 config
    cfg b "$full garbage"
    refused b trail2 config
}

t_deep_nesting_does_not_overflow() {
    # 100k levels, in an ignored-looking place and at the top
    raw b
    python3 - "$TEST_TMP/b/config.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
s = json.dumps(c)
deep = "[" * 100000 + "]" * 100000
open(p, "w").write(s[:-1] + ', "annotations": {"x": ' + deep + '}}')
PY
    refused b deep1 nested
    printf '%s' "$(printf '{"a":%.0s' $(seq 1 2000))" > "$TEST_TMP/b/config.json"
    refused b deep2 config
}

t_ten_megabyte_config_is_handled() {
    # 10 MB: under the 16 MiB limit, so it parses (and is refused for its
    # content, quickly), and over the limit, refused before it is read
    raw b
    python3 - "$TEST_TMP/b/config.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["env"] = ["X%d=%s" % (i, "y" * 1000) for i in range(10000)]
c["process"]["args"] = 42   # wrong type, found after reading all 10 MB
open(p, "w").write(json.dumps(c))
PY
    [ "$(stat -c %s "$TEST_TMP/b/config.json")" -gt 10000000 ] || fail "test config is not 10 MB"
    refused b big1 process.args
    python3 -c "import sys; sys.stdout.write('{\"a\":\"' + 'x' * (17 << 20) + '\"}')" > "$TEST_TMP/b/config.json"
    refused b big2 "larger than"
}

t_non_utf8_is_refused() {
    raw b
    local full; full=$(cat "$TEST_TMP/b/config.json")
    local host; host=$(printf 'ho\xffst')
    jq -c . "$TEST_TMP/b/config.json" | sed "s/\"cove-test\"/\"ho\xc3\x28st\"/" > "$TEST_TMP/b/c2"
    mv "$TEST_TMP/b/c2" "$TEST_TMP/b/config.json"
    refused b utf8 "UTF-8"
    : "$full" "$host"
}

t_nul_bytes_are_refused() {
    raw b
    # a literal NUL byte in the document
    jq -c . "$TEST_TMP/b/config.json" | sed 's/"cove-test"/"cove\x00test"/' > "$TEST_TMP/b/c2"
    mv "$TEST_TMP/b/c2" "$TEST_TMP/b/config.json"
    refused b nul1 config
    # an escaped NUL in a path: would truncate it in C
    raw c
    cfg_set c '.linux.cgroupsPath = "/cove-test-x\u0000/../../escape"'
    refused c nul2 linux.cgroupsPath
    raw d
    cfg_set d '.process.args = ["sh\u0000-c"]'
    refused d nul3 process.args
}

# ---------------------------------------------------------------- types
t_wrong_types_name_the_field() {
    local f
    while IFS='|' read -r f want; do
        [ -n "$f" ] || continue
        raw b
        cfg_set b "$f"
        refused b types "$want"
    done <<'CASES'
.ociVersion = 1|ociVersion
.process = []|process
.process.args = "true"|process.args
.process.args = [1]|process.args
.process.env = {"A":"b"}|process.env
.process.cwd = false|process.cwd
.process.user.uid = "0"|process.user.uid
.process.user.uid = -1|process.user.uid
.process.user.uid = 1.5|process.user.uid
.process.user.uid = 99999999999|process.user.uid
.process.terminal = "false"|process.terminal
.process.rlimits = [{"type":"RLIMIT_NOFILE","hard":"1","soft":1}]|process.rlimits[0].hard
.process.capabilities.bounding = "CAP_KILL"|process.capabilities.bounding
.root = "rootfs"|root
.root.path = null|root.path
.hostname = []|hostname
.mounts = {}|mounts
.mounts = [{"destination": 5}]|mounts[0].destination
.linux = []|linux
.linux.namespaces = [{"type":"pid","path":7}]|linux.namespaces[0].path
.linux.namespaces = [{"type":"nosuch"}]|linux.namespaces[0].type
.linux.resources.memory.limit = "1G"|linux.resources.memory.limit
.linux.resources.cpu.shares = -5|linux.resources.cpu.shares
.linux.maskedPaths = "/proc/kcore"|linux.maskedPaths
.linux.seccomp = {"defaultAction":"SCMP_ACT_NOPE"}|linux.seccomp.defaultAction
.linux.seccomp = {"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_NOPE"}]}]}|linux.seccomp.syscalls[0].args[0].op
.linux.seccomp = {"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_NOPE"]}|linux.seccomp.architectures[0]
.annotations = {"a": 1}|annotations
.process.oomScoreAdj = 5000|process.oomScoreAdj
CASES
}

t_duplicate_keys_are_refused() {
    raw b
    jq -c . "$TEST_TMP/b/config.json" | sed 's/^{/{"hostname":"a",/' > "$TEST_TMP/b/c2"
    mv "$TEST_TMP/b/c2" "$TEST_TMP/b/config.json"
    refused b dup hostname
}

# ---------------------------------------------------------------- stricter than runc
t_stricter_than_runc() {
    local f
    while IFS='|' read -r f want; do
        [ -n "$f" ] || continue
        raw b
        cfg_set b "$f"
        refused b strict "$want"
    done <<'CASES'
.ociVersion = "0.1.0"|ociVersion
.ociVersion = "2.0.0"|ociVersion
.process.capabilities.bounding += ["CAP_NOT_A_CAP"]|process.capabilities.bounding
.mounts += [{"destination":"relative/dir","type":"tmpfs","source":"tmpfs"}]|destination
.hooks = {"prestart":[{"path":"relative/hook"}]}|hooks.prestart[0].path
.hooks = {"createRuntime":[{"path":"bin/hook"}]}|hooks.createRuntime[0].path
.linux.uidMappings = [{"containerID":0,"hostID":1000,"size":1}]|linux.uidMappings
.linux.gidMappings = [{"containerID":0,"hostID":1000,"size":1}]|linux.gidMappings
.linux.cgroupsPath = "/cove-test/../../escape"|linux.cgroupsPath
.linux.cgroupsPath = "/a/./../b"|linux.cgroupsPath
CASES
}

t_null_document_is_refused() {
    raw b; cfg b 'null'
    refused b null config
}

run_cases
