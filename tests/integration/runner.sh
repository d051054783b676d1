#!/bin/bash
# runner.sh: tests/run.sh itself, on a tree of small test files of its own
# (a copy of the runner in $T/repo): two files of one name in integration/
# and tui/ run side by side and each keeps its own log and result; a failing
# file makes the run fail; a hanging one is ended at TEST_TIMEOUT, with what
# it started, and reported; SIGTERM to the runner ends the files running
# (and what they started) and starts no other; a "# run: alone" file runs
# first. No QEMU.
source "$(dirname "$0")/../lib.sh"

R="$T/repo"
mkdir -p "$R/tests/integration" "$R/tests/tui" "$R/tests/fixtures"
cp "$VMDECK_ROOT/tests/run.sh" "$R/tests/run.sh"
printf '#!/bin/sh\nexit 0\n' > "$R/tests/fixtures/build-guest.sh"
chmod 755 "$R/tests/run.sh" "$R/tests/fixtures/build-guest.sh"
export OUT="$T"
# tfile PATH LINES...: a test file of those lines
tfile() { local f="$R/tests/$1"; shift; printf '%s\n' "$@" > "$f"; }
runner() { (cd "$R" && env BUILD=b "$@" tests/run.sh "${FILTER:-}"); }
# block NAME OUTPUT: the lines the runner printed for that file
block() { printf '%s\n' "$2" | awk -v n="== $1" '$0 == n { p = 1; next } /^== / { p = 0 } p'; }
gone() { ! kill -0 "$1" 2>/dev/null; }

# ---- one name in integration/ and tui/, side by side ----
tfile integration/same.sh 'sleep 1' 'echo "ok - integration side"'
tfile tui/same.sh 'sleep 1' 'echo "ok - tui side"'
out=$(FILTER=same.sh runner TEST_JOBS=2); rc=$?
check_eq "two files named same.sh: both pass (exit 0)" 0 "$rc"
check_match "... 2 passed" "2 passed, 0 failed" "$out"
check_eq "... integration/same.sh's block holds its own line only" "   ok - integration side" \
    "$(block tests/integration/same.sh "$out" | grep '^   ok')"
check_eq "... tui/same.sh's block its own" "   ok - tui side" "$(block tests/tui/same.sh "$out" | grep '^   ok')"
rm -f "$R"/tests/*/same.sh

# ---- a failing file ----
tfile integration/bad.sh 'echo "ok - first"' 'echo "not ok - second"' 'exit 1'
out=$(FILTER=bad runner); rc=$?
check_eq "a failing file: the run exits 1" 1 "$rc"
check_match "... and names it" "failing: tests/integration/bad.sh" "$out"
rm -f "$R/tests/integration/bad.sh"

# ---- a hanging file: ended at TEST_TIMEOUT, with its children ----
tfile integration/hang.sh 'echo "ok - started"' 'sleep 300 & echo $! > "$OUT/hang.pid"' 'wait'
start=$SECONDS
out=$(FILTER=hang runner TEST_TIMEOUT=3); rc=$?
EXTRA_PIDS="$EXTRA_PIDS $(cat "$T/hang.pid" 2>/dev/null)"
check "a hanging file: the run ends (within 20 s)" test $((SECONDS - start)) -lt 20
check_eq "... exits 1" 1 "$rc"
check_match "... reporting it timed out" "not ok - .*timed out after 3 s" "$out"
check "... what it started is ended too" wait_until 5 gone "$(cat "$T/hang.pid")"
rm -f "$R/tests/integration/hang.sh"

# ---- SIGTERM to the runner ----
for n in a b; do
    tfile "integration/t$n.sh" 'echo "ok - up"' "sleep 300 & echo \$! > \"\$OUT/t$n.pid\"" 'wait'
done
tfile integration/tc.sh 'touch "$OUT/tc.ran"' 'echo "ok - c"'
(cd "$R" && exec env BUILD=b TEST_JOBS=2 tests/run.sh integration/t > "$T/term.out" 2>&1) &
rpid=$!
wait_until 10 eval '[ -s "$T/ta.pid" ] && [ -s "$T/tb.pid" ]'
EXTRA_PIDS="$EXTRA_PIDS $rpid $(cat "$T/ta.pid" "$T/tb.pid" 2>/dev/null)"
kill -TERM "$rpid"
check "SIGTERM: the runner ends (within 15 s)" wait_until 15 gone "$rpid"
wait "$rpid"; rc=$?
check_eq "... failing: exit 130 (stopped)" 130 "$rc"
check "... the files running are ended, with what they started" \
    wait_until 5 eval 'gone "$(cat "$T/ta.pid")" && gone "$(cat "$T/tb.pid")"'
check "... and no other file was started" test ! -e "$T/tc.ran"
rm -f "$R"/tests/integration/t?.sh

# ---- "# run: alone" first ----
tfile integration/aa.sh 'echo "ok - aa"'
tfile integration/zz.sh '#!/bin/bash' '# run: alone' 'echo "ok - zz"'
out=$(FILTER=integration runner)
check_eq "a '# run: alone' file runs first" "== tests/integration/zz.sh" "$(printf '%s\n' "$out" | grep -m1 '^== ')"

finish
