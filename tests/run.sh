#!/bin/bash
# Runs every test: cmocka unit binaries, then the integration and console
# scripts. Each prints TAP lines ("ok ..." / "not ok ..."); this counts them
# and ends with "N passed, N failed". An argument filters by file name.
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

run_one() { # name command...
    local name="$1"; shift
    case "$name" in *"$filter"*) ;; *) return ;; esac
    local log="$log_dir/$(basename "$name").log"
    echo "== $name"
    local start=$SECONDS
    "$@" > "$log" 2>&1 < /dev/null
    local rc=$?
    grep -E '^(not ok|ok|#)' "$log" | sed 's/^/   /'
    count "$name" "$log" "$rc"
    echo "   ($((SECONDS - start))s)"
}

# The guest kernel and initramfs the integration tests boot (built once, cached).
if ! tests/fixtures/build-guest.sh > "$log_dir/fixtures.log" 2>&1; then
    echo "fixtures failed to build; see $log_dir/fixtures.log"; tail -20 "$log_dir/fixtures.log"
    failed=$((failed + 1)); failures="$failures fixtures"
fi

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    CMOCKA_MESSAGE_OUTPUT=TAP run_one "$(basename "$t")" "$t"
done
for t in tests/integration/*.sh tests/tui/*.sh; do
    [ -f "$t" ] || continue
    run_one "$t" bash "$t"
done

[ -n "$failures" ] && echo "failing:$failures (logs in $log_dir/)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
