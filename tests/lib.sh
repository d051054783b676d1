# tests/lib.sh: shared helpers for the shell tests. Source it; it gives each
# test its own folder, config and state dir, TAP output, and a cleanup trap
# that kills every QEMU (and other process) the test started, even on failure.
set -u
VMDECK_ROOT="${VMDECK_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
BUILD="${BUILD:-build}"
VMDECK="$VMDECK_ROOT/$BUILD/vmdeck"
FIXTURES="${VMDECK_FIXTURES:-$VMDECK_ROOT/tests/fixtures/out}"
T=$(mktemp -d /tmp/vmdeck-test.XXXXXX)
chmod 755 "$T"
CONF="$T/vmdeck.conf"
TESTS_OK=0 TESTS_FAIL=0
EXTRA_PIDS=""

ok()   { TESTS_OK=$((TESTS_OK + 1)); echo "ok - $*"; }
fail() { TESTS_FAIL=$((TESTS_FAIL + 1)); echo "not ok - $*"; }
note() { echo "# $*"; }

# check DESC CMD...: passes when CMD exits 0.
check() { local d="$1"; shift; if "$@"; then ok "$d"; else fail "$d (exit $?)"; fi; }
# check_eq DESC EXPECTED ACTUAL
check_eq() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: expected '$2', got '$3'"; fi; }
# check_match DESC REGEX TEXT
check_match() { if printf '%s' "$3" | grep -qE -- "$2"; then ok "$1"; else fail "$1: '$2' not in: $(printf '%s' "$3" | head -c 600)"; fi; }
check_nomatch() { if printf '%s' "$3" | grep -qE -- "$2"; then fail "$1: '$2' found in: $(printf '%s' "$3" | head -c 600)"; else ok "$1"; fi; }

# wait_until SECONDS CMD...: polls CMD every 0.1 s.
wait_until() {
    local limit="$1"; shift
    local end=$(( $(date +%s%N) / 1000000 + ${limit%.*} * 1000 ))
    while :; do
        "$@" >/dev/null 2>&1 && return 0
        [ $(( $(date +%s%N) / 1000000 )) -ge $end ] && return 1
        sleep 0.1
    done
}

# The state of guest NAME from `vmdeck list --json`.
vm_state() { "$VMDECK" -c "$CONF" show "$1" --json 2>/dev/null | jq -r .state; }
state_is() { [ "$(vm_state "$1")" = "$2" ]; }

# A free VNC display on 127.0.0.1 (checked, not guaranteed), in the 10-99
# that definitions allow, tried in random order so parallel tests differ.
free_vnc_display() {
    local d
    for d in $(shuf -i 10-99); do
        ss -ltn "sport = :$((5900 + d))" | grep -q LISTEN || { echo "$d"; return; }
    done
}

write_conf() { # extra libconfig lines on stdin are appended
    mkdir -p "$T/vms.d" "$T/state" "$T/iso" "$T/disks" "$T/backup"
    chmod 755 "$T/state"  # vmdeck refuses a state_dir others may write in (a umask of 002)
    {
        echo "vms_dir = \"vms.d\";"
        echo "state_dir = \"state\";"
        echo "iso_dirs = [ \"iso\" ];"
        echo "qemu = { binary = \"qemu-system-x86_64\"; accel = \"auto\"; };"
        echo "storage = { vg = \"\"; file_dir = \"disks\"; };"
        echo "backup = { dir = \"backup\"; compress = \"zstd\"; level = 3; threads = 0; };"
        echo "shutdown_timeout = 30;"
        [ -t 0 ] || cat
    } > "$CONF"
}

# mkguest NAME [YAML lines on stdin]: a small guest with no disk (sits in SeaBIOS).
mkguest() {
    local f="$T/vms.d/$1.yaml"
    {
        echo "description: test guest $1"
        echo "memory: 32M"
        echo "cpus: 1"
        echo "nics:"
        echo "  - user: {}"
        echo "    model: e1000"
        echo "    mac: 52:54:00:12:34:$(printf %02x $((RANDOM % 256)))"
        [ -t 0 ] || cat
    } > "$f"
    chmod 600 "$f"
}

# mklinux NAME [agent] [YAML lines on stdin]: like mkguest, but the guest
# boots the test Linux built by tests/fixtures/build-guest.sh (128M: the
# kernel needs about 80M). It prints "vmdeck-guest-ready" and gives a shell on
# its serial port; a disk (/dev/vda or /dev/sda) is mounted on /mnt. With
# "agent" it has guest_agent: true and runs qemu-ga (a larger initramfs, so a
# slower boot). It pins the host's accel to TCG: nested KVM stalls this
# kernel early in boot, and CI machines may or may not have a working
# /dev/kvm, so every test that boots it goes through here.
mklinux() {
    local name="$1" initrd="$FIXTURES/initramfs.gz"
    set_accel tcg
    grep -q 'accel = "tcg"' "$CONF" || fail "mklinux: could not set accel = tcg in $CONF"
    [ "${2:-}" = agent ] && initrd="$FIXTURES/initramfs-qga.gz"
    { [ -t 0 ] || cat
      [ "${2:-}" = agent ] && echo "guest_agent: true"
      echo "extra_args: [\"-kernel\", \"$FIXTURES/vmlinuz\", \"-initrd\", \"$initrd\", \"-append\", \"$(cat "$FIXTURES/cmdline")\"]"
    } | mkguest "$name"
    sed -i 's/^memory: .*/memory: 128M/' "$T/vms.d/$name.yaml"
}
# qmp_reply NAME COMMAND [ARGUMENTS-JSON]: QEMU's whole reply to one command
# ({"return": ...} or {"error": ...}), compact, from guest NAME's QMP socket.
qmp_reply() {
    local args=""
    [ $# -ge 3 ] && args=",\"arguments\":$3"
    printf '{"execute":"qmp_capabilities"}\n{"execute":"%s"%s}\n' "$2" "$args" |
        socat -t2 - "UNIX-CONNECT:$T/state/$1/qmp.sock" 2>/dev/null |
        jq -c 'select(has("return") or has("error"))' | tail -1
}
# qmp_return NAME COMMAND [ARGUMENTS-JSON]: just its "return" (nothing on an error).
qmp_return() { qmp_reply "$@" | jq -c 'select(has("return")) | .return'; }
# chardev_attached NAME FILE: a client is connected to guest NAME's socket FILE
# (serial.sock, hmp.sock), as QEMU itself reports it.
chardev_attached() {
    qmp_return "$1" query-chardev |
        jq -e --arg f "$T/state/$1/$2" 'any(.[]; (.filename | contains($f)) and (.filename | startswith("disconnected:") | not))' \
        > /dev/null
}
set_accel() { sed -i "s/accel = \"[a-z]*\"/accel = \"$1\"/" "$CONF"; }

# console_open NAME: `vmdeck console NAME` in the background, without a
# terminal: console_send writes lines to it (fd 7), its output collects in
# $T/console.NAME, console_wait REGEX SECONDS waits for the output to match.
# console_close ends it (end of input) and waits for it to leave.
console_open() {
    CONSOLE_NAME="$1"
    rm -f "$T/console.$1.in"
    mkfifo "$T/console.$1.in"
    "$VMDECK" -c "$CONF" console "$1" < "$T/console.$1.in" > "$T/console.$1" 2> "$T/console.$1.err" &
    CONSOLE_PID=$!
    EXTRA_PIDS="$EXTRA_PIDS $CONSOLE_PID"
    exec 7> "$T/console.$1.in"
}
console_send() { printf '%s\n' "$*" >&7; }
console_wait() { wait_until "$2" grep -qE -- "$1" "$T/console.$CONSOLE_NAME"; }
console_close() {
    exec 7>&-
    wait_until 5 sh -c "! kill -0 $CONSOLE_PID 2>/dev/null" || return 1
    wait "$CONSOLE_PID"
}

# signal_at POINT SIGNAL CMD...: runs CMD in the background with the test-only
# VMDECK_TEST_PAUSE_AT=POINT, so vmdeck stops itself (SIGSTOP) at that named
# point; sends SIGNAL there, then SIGCONT, and waits: no luck of timing. Sets
# SIGNAL_RC (CMD's exit status) and SIGNAL_STOPPED (whether it reached POINT);
# CMD's stderr goes to $T/signal.err.
signal_at() {
    local point="$1" sig="$2" p; shift 2
    VMDECK_TEST_PAUSE_AT="$point" "$@" >/dev/null 2>"$T/signal.err" &
    p=$!; EXTRA_PIDS="$EXTRA_PIDS $p"
    SIGNAL_STOPPED=no
    wait_until 60 bash -c "[ ! -e /proc/$p ] || grep -qE '^State:[[:space:]]+[TZ]' /proc/$p/status"
    grep -qE '^State:[[:space:]]+T' "/proc/$p/status" 2>/dev/null && SIGNAL_STOPPED=yes
    kill "-$sig" "$p" 2>/dev/null; kill -CONT "$p" 2>/dev/null
    wait "$p"; SIGNAL_RC=$?
}

cleanup() {
    local p
    for pf in "$T"/state/*/qemu.pid; do
        [ -f "$pf" ] || continue
        p=$(cat "$pf" 2>/dev/null)
        [ -n "$p" ] && kill -CONT "$p" 2>/dev/null; [ -n "$p" ] && kill -9 "$p" 2>/dev/null
    done
    for p in $EXTRA_PIDS; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$T"
}
finish() {
    cleanup
    echo "# $TESTS_OK passed, $TESTS_FAIL failed"
    [ "$TESTS_FAIL" = 0 ]
}
trap 'cleanup' EXIT INT TERM
