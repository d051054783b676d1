#!/bin/bash
# Runs every test: cmocka unit binaries, then the integration and console
# scripts. Each prints TAP lines ("ok ..." / "not ok ..."); this counts them
# and ends with "N passed, N failed". An argument filters by file name.
#
# Scripts run TEST_JOBS at a time (default 2): each keeps to its own folder,
# sockets, ports, VG and tmux server. A script that measures time against a
# bound (a reply within 1 s, a heartbeat deadline) says "# run: alone" in its
# first lines; those run one by one, first, with nothing beside them.
# A script still running after TEST_TIMEOUT seconds (default 600) is ended,
# with what it started in its process group, and fails. SIGINT/SIGTERM end
# the scripts running and start no other.
set -u
cd "$(dirname "$0")/.."
export BUILD="${BUILD:-build}"
export VMDECK_ROOT="$PWD"
filter="${1:-}"
log_dir="$BUILD/test-logs"
mkdir -p "$log_dir"
passed=0 failed=0 failures=""

count() { # name logfile exit-code
    local p f
    p=$(grep -cE '^ok ' "$2")
    f=$(grep -cE '^not ok ' "$2")
    if [ "$3" != 0 ] && [ "$f" = 0 ]; then
        echo "not ok - $1 exited with status $3" | tee -a "$2"
        f=1
    fi
    passed=$((passed + p)); failed=$((failed + f))
    [ "$f" != 0 ] && failures="$failures $1"
}

# NAME.log; a name both integration/ and tui/ have gets its folder's: tui-NAME.log
declare -A names_seen=() names_twice=()
log_of() {
    local b
    b=$(basename "$1")
    [ -n "${names_twice[$b]:-}" ] && b="$(basename "$(dirname "$1")")-$b"
    echo "$log_dir/$b.log"
}
wanted() { case "$1" in *"$filter"*) return 0 ;; esac; return 1; }

# Runs one test in the background; its exit code and seconds go to LOG.rc.
launch() { # name command...
    local name="$1" log; shift
    log=$(log_of "$name")
    rm -f "$log.rc"
    (
        # timeout runs the script in a process group of its own and ends all of it
        start=$SECONDS
        timeout -k 15 "$timeout_s" "$@" > "$log" 2>&1 < /dev/null &
        child=$!
        trap 'kill -TERM "$child" 2>/dev/null' TERM
        wait "$child"
        rc=$?
        while kill -0 "$child" 2>/dev/null; do wait "$child"; rc=$?; done
        [ "$rc" = 124 ] && echo "not ok - $name: timed out after $timeout_s s (TEST_TIMEOUT), ended" >> "$log"
        echo "$rc $((SECONDS - start))" > "$log.rc"
    ) &
    running[$!]="$name"
}

# Prints a finished test's block (its lines, whole, never interleaved) and counts it.
report() { # name
    local log rc secs
    log=$(log_of "$1")
    read -r rc secs < "$log.rc" 2>/dev/null || { rc=125; secs=0; }
    echo "== $1"
    grep -E '^(not ok|ok|#)' "$log" | sed 's/^/   /'
    count "$1" "$log" "$rc"
    echo "   (${secs}s)"
}

# Waits for one running test to end and reports it.
reap_one() {
    local done_pid=""
    wait -n -p done_pid "${!running[@]}"
    [ -n "${done_pid:-}" ] || return 0  # a signal came first (wait unset it)
    report "${running[$done_pid]}"
    unset "running[$done_pid]"
}

declare -A running=()
stopping=""
stop_all() {
    stopping=1
    for p in "${!running[@]}"; do kill -TERM "$p" 2>/dev/null; done
}
trap stop_all INT TERM

# Runs the tests given, `jobs` at a time.
run_set() { # jobs name...
    local jobs="$1" name; shift
    for name in "$@"; do
        while [ "${#running[@]}" -ge "$jobs" ]; do reap_one; done
        [ -n "$stopping" ] && break
        case "$name" in
        */test_*) launch "$(basename "$name")" env CMOCKA_MESSAGE_OUTPUT=TAP "$name" ;;
        *) launch "$name" bash "$name" ;;
        esac
    done
    while [ "${#running[@]}" -gt 0 ]; do reap_one; done
}

alone() { head -n 20 "$1" | grep -q '^# run: alone'; }

# The guest kernel and initramfs the integration tests boot (built once, cached).
if ! tests/fixtures/build-guest.sh > "$log_dir/fixtures.log" 2>&1; then
    echo "fixtures failed to build; see $log_dir/fixtures.log"; tail -20 "$log_dir/fixtures.log"
    failed=$((failed + 1)); failures="$failures fixtures"
fi

jobs="${TEST_JOBS:-2}"
case "$jobs" in '' | *[!0-9]* | 0) echo "TEST_JOBS: a number of 1 or more"; exit 2 ;; esac
timeout_s="${TEST_TIMEOUT:-600}"
case "$timeout_s" in '' | *[!0-9]* | 0) echo "TEST_TIMEOUT: seconds, 1 or more"; exit 2 ;; esac
for t in tests/integration/*.sh tests/tui/*.sh; do
    b=$(basename "$t")
    [ -n "${names_seen[$b]:-}" ] && names_twice[$b]=1
    names_seen[$b]=1
done
units=() solo=() rest=()
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] && wanted "$(basename "$t")" && units+=("$t")
done
for t in tests/integration/*.sh tests/tui/*.sh; do
    [ -f "$t" ] && wanted "$t" || continue
    if alone "$t"; then solo+=("$t"); else rest+=("$t"); fi
done
run_set 1 "${units[@]}"
run_set 1 "${solo[@]}"
run_set "$jobs" "${rest[@]}"

[ -n "$failures" ] && echo "failing:$failures (logs in $log_dir/)"
echo "$passed passed, $failed failed"
[ -n "$stopping" ] && { echo "stopped by a signal: not every test ran"; exit 130; }
[ "$failed" = 0 ]
