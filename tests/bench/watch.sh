#!/bin/bash
# tests/bench/watch.sh: the idle cost of `vmdeck watch --json` (issue 9 item
# 6's figure, for the remote side of the console) with this tree's build
# against a baseline build, in the same run over the same guests: 20 guests
# (no disk, 32 MiB), half stopped and half started and paused, ui.refresh = 1.
# Each binary's watch runs alone for IDLE/2 seconds, twice, alternating
# (A B A B), with its stdin held open; its CPU time and that of the QEMUs
# over each window (/proc/PID/schedstat, in ns) are summed. The baseline is BENCH_BASE (a vmdeck binary),
# else main built from `git archive BENCH_REV` (default main) in a temporary
# folder. Prints a markdown table. Not part of `make test`.
source "$(dirname "$0")/../lib.sh"

GUESTS=${BENCH_GUESTS:-20}
IDLE=${BENCH_IDLE:-60}
REV=${BENCH_REV:-main}
progress() { echo "# $*" >&2; }

BASE=${BENCH_BASE:-}
if [ -z "$BASE" ]; then
    progress "building the baseline ($REV)"
    mkdir "$T/base"
    git -C "$VMDECK_ROOT" archive "$REV" | tar -x -C "$T/base" || { echo "git archive $REV failed"; exit 1; }
    make -C "$T/base" -j2 BUILD=build build/vmdeck > "$T/base.log" 2>&1 || { echo "baseline build failed"; tail "$T/base.log"; exit 1; }
    BASE="$T/base/build/vmdeck"
fi

write_conf <<'EOF'
ui = { refresh = 1.0; };
heartbeat = 2.0;
EOF
progress "$GUESTS guests: half stopped, half paused"
for i in $(seq 1 "$GUESTS"); do
    g=$(printf 'bench%02d' "$i")
    printf 'description: bench %s\nmemory: 32M\ncpus: 1\n' "$g" > "$T/vms.d/$g.yaml"
    chmod 600 "$T/vms.d/$g.yaml"
    [ $((i % 2)) = 0 ] || continue
    "$VMDECK" -c "$CONF" start "$g" > /dev/null 2>&1 || { echo "start $g failed"; exit 1; }
    "$VMDECK" -c "$CONF" pause "$g" > /dev/null || { echo "pause $g failed"; exit 1; }
done
# CPU time in ns from /proc/PID/schedstat (ticks of 10 ms are too coarse for an idle watch)
ns_of() { awk '{ s += $1 } END { printf "%.0f\n", s }' "$@" 2>/dev/null; }  # %d stops at 2^31 in mawk
# every thread's (vCPUs, I/O), not only the main thread's
qemu_stats() { for f in "$T"/state/*/qemu.pid; do echo /proc/"$(cat "$f")"/task/*/schedstat; done; }

# window BIN SECONDS: "WATCH_NS QEMU_NS" (CPU time) over SECONDS of an idle watch run by BIN
window() {
    local pid t0 t1 q0 q1
    mkfifo "$T/in"
    "$1" -c "$CONF" watch --json < "$T/in" > "$T/out" 2>&1 &
    pid=$!
    EXTRA_PIDS="$EXTRA_PIDS $pid"
    exec 9> "$T/in"
    wait_until 10 eval '[ -s "$T/out" ]' || { echo "no full line from $1" >&2; }
    sleep 3  # the first rounds (every monitor taken) are not idle
    t0=$(ns_of /proc/"$pid"/task/*/schedstat); q0=$(ns_of $(qemu_stats))
    sleep "$2"
    t1=$(ns_of /proc/"$pid"/task/*/schedstat); q1=$(ns_of $(qemu_stats))
    exec 9>&-
    wait "$pid" 2>/dev/null
    rm -f "$T/in" "$T/out"
    echo "$((t1 - t0)) $((q1 - q0))"
}

half=$((IDLE / 2))
bw=0 bq=0 nw=0 nq=0
for round in 1 2; do
    progress "round $round: baseline watch idle for $half s"
    read -r w q < <(window "$BASE" "$half"); bw=$((bw + w)); bq=$((bq + q))
    progress "round $round: this tree's watch idle for $half s"
    read -r w q < <(window "$VMDECK" "$half"); nw=$((nw + w)); nq=$((nq + q))
done
pct() { awk -v t="$1" -v s="$IDLE" 'BEGIN { printf "%.3f", t / 1e9 / s * 100 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print (a == 0 ? "1.00 (both 0)" : "inf"); else printf "%.2f", a / b }'; }

echo "| $GUESTS guests (half stopped, half paused), ui.refresh 1, $IDLE s idle each | baseline ($REV) | this tree | ratio |"
echo "|---|---|---|---|"
echo "| watch process, % of a core | $(pct "$bw") | $(pct "$nw") | $(ratio "$nw" "$bw") |"
echo "| the QEMUs, % of a core | $(pct "$bq") | $(pct "$nq") | $(ratio "$nq" "$bq") |"
echo "| total, % of a core | $(pct $((bw + bq))) | $(pct $((nw + nq))) | $(ratio $((nw + nq)) $((bw + bq))) |"
echo "| watch CPU time, ms | $((bw / 1000000)) | $((nw / 1000000)) | |"
finish > /dev/null
