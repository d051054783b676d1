#!/bin/bash
# tests/bench/status.sh: the issue-2 figures, printed as a markdown table.
#  1. 50 guests (no disk, 32 MiB) started and paused: median wall time of
#     `vmdeck list --json` against asking each QMP socket in turn through socat
#     (greeting, qmp_capabilities, query-status; one socket after the other).
#  2. `vmdeck list` over 500 stopped definitions: median time and peak RSS.
#  3. `vmdeck start` against plain `qemu-system-x86_64 -daemonize` with the same argv.
# Not part of `make test` (it starts 50 QEMUs); `make bench` runs it. Every QEMU
# it starts is killed by pid on exit, also on failure (lib.sh's trap).
source "$(dirname "$0")/../lib.sh"

GUESTS=${BENCH_GUESTS:-50}
RUNS=${BENCH_RUNS:-11}
STOPPED=${BENCH_STOPPED:-500}

ms_since() { # START (an $EPOCHREALTIME): milliseconds since, with 2 decimals
    awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", (b - a) * 1000 }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
progress() { echo "# $*" >&2; }

# Each socket the way admins' scripts ask it: greeting, qmp_capabilities and
# query-status through socat, one after the other. The answers are checked
# afterwards, outside the timing: each must really hold a status.
baseline_once() {
    local s
    for s in "$T"/state/bench*/qmp.sock; do
        printf '{"execute": "qmp_capabilities"}\n{"execute": "query-status"}\n' | socat - "UNIX-CONNECT:$s"
    done > "$T/baseline.out"
}
baseline_answers() { grep -c '"return": {"status"' "$T/baseline.out"; }

load0=$(cut -d' ' -f1-3 /proc/loadavg)
write_conf < /dev/null
bench_guest() {
    printf 'description: bench %s\nmemory: 32M\ncpus: 1\n' "$1" > "$T/vms.d/$1.yaml"
    chmod 600 "$T/vms.d/$1.yaml"
}

# ---- 1. many paused guests ----
progress "starting $GUESTS guests"
for i in $(seq -w 1 "$GUESTS"); do
    bench_guest "bench$i"
    "$VMDECK" -c "$CONF" start "bench$i" > /dev/null || { echo "start bench$i failed"; exit 1; }
    "$VMDECK" -c "$CONF" pause "bench$i" > /dev/null || { echo "pause bench$i failed"; exit 1; }
done
n_paused=$("$VMDECK" -c "$CONF" list --json | jq '[.[] | select(.state == "paused")] | length')
[ "$n_paused" = "$GUESTS" ] || { echo "only $n_paused of $GUESTS guests paused"; exit 1; }

# CPU time all the QEMUs spent answering (utime + stime, clock ticks), to tell
# vmdeck's cost from the guests' when the figure is read on another machine.
qemu_ticks() {
    local f
    for f in "$T"/state/bench*/qemu.pid; do
        sed 's/.*) //' "/proc/$(cat "$f")/stat" | awk '{ print $12 + $13 }'
    done | awk '{ s += $1 } END { print s }'
}
progress "timing vmdeck list --json ($RUNS runs)"
ticks0=$(qemu_ticks)
list_all=$(for r in $(seq "$RUNS"); do
    t=$EPOCHREALTIME; "$VMDECK" -c "$CONF" list --json > /dev/null; ms_since "$t"; echo
done)
list_ms=$(median <<<"$list_all")
list_best=$(sort -n <<<"$list_all" | head -1)
qemu_cpu_ms=$(awk -v a="$ticks0" -v b="$(qemu_ticks)" -v hz="$(getconf CLK_TCK)" -v n="$RUNS" \
    'BEGIN { printf "%.0f", (b - a) * 1000 / hz / n }')
progress "timing the socat baseline ($((RUNS / 2 + 1)) runs)"
base_ms=$(for r in $(seq $((RUNS / 2 + 1))); do
    t=$EPOCHREALTIME; baseline_once; ms_since "$t"; echo
    [ "$(baseline_answers)" = "$GUESTS" ] || echo "baseline: only $(baseline_answers) answers" >&2
done | median)

# ---- 3. start against plain QEMU (one of the guests, stopped between runs) ----
stop_by_pid() { # NAME: SIGKILL the guest's QEMU and wait until it is gone
    local p
    p=$(cat "$T/state/$1/qemu.pid" 2>/dev/null) || return 0
    kill -9 "$p" 2>/dev/null
    while [ -e "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null; do sleep 0.01; done
    rm -f "$T/state/$1/qemu.pid" "$T/state/$1/stopping"
}
progress "stopping the $GUESTS guests"
for i in $(seq -w 1 "$GUESTS"); do stop_by_pid "bench$i"; done
bench_guest startme
mapfile -t qargv < <("$VMDECK" -c "$CONF" argv startme --json | jq -r '.[]')
START_RUNS=${BENCH_START_RUNS:-7}
progress "timing vmdeck start vs plain QEMU ($START_RUNS runs each)"
start_ms=() plain_ms=()
for r in $(seq "$START_RUNS"); do
    t=$EPOCHREALTIME; "$VMDECK" -c "$CONF" start startme > /dev/null || { echo "vmdeck start failed"; exit 1; }
    start_ms+=("$(ms_since "$t")")
    stop_by_pid startme
    mkdir -p -m 700 "$T/state/startme"
    t=$EPOCHREALTIME; "${qargv[@]}" > /dev/null 2>&1 || { echo "plain QEMU failed"; exit 1; }
    plain_ms+=("$(ms_since "$t")")
    stop_by_pid startme
done
start_med=$(printf '%s\n' "${start_ms[@]}" | median)
plain_med=$(printf '%s\n' "${plain_ms[@]}" | median)

# ---- 2. many stopped definitions ----
progress "writing $STOPPED stopped definitions"
rm -f "$T"/vms.d/*.yaml
for i in $(seq -w 1 "$STOPPED"); do
    cat > "$T/vms.d/stopped$i.yaml" <<EOF
description: stopped guest $i, a definition of typical size
memory: 1G
cpus: 2
cpu: qemu64
machine: pc
disks:
  - file: stopped$i.qcow2
    interface: virtio
    size: 20G
cdrom: /srv/iso/install.iso
boot: disk
nics:
  - bridge: br0
    model: virtio
    mac: 52:54:00:00:$(printf '%02x:%02x' $((10#$i / 256)) $((10#$i % 256)))
vnc:
  display: $((10#$i % 100))
  listen: 127.0.0.1
rtc: utc
usb_tablet: true
autostart: false
EOF
done
n_listed=$("$VMDECK" -c "$CONF" list --json | jq '[.[] | select(.state == "stopped")] | length')
[ "$n_listed" = "$STOPPED" ] || { echo "only $n_listed of $STOPPED listed as stopped"; exit 1; }
progress "timing vmdeck list over $STOPPED stopped definitions ($RUNS runs)"
many_all=$(for r in $(seq "$RUNS"); do
    t=$EPOCHREALTIME; "$VMDECK" -c "$CONF" list > /dev/null; ms_since "$t"; echo
done)
many_ms=$(median <<<"$many_all")
many_best=$(sort -n <<<"$many_all" | head -1)
many_kb=$(for r in 1 2 3; do
    /usr/bin/time -f '%M' "$VMDECK" -c "$CONF" list 2>&1 > /dev/null | tail -1
done | sort -n | tail -1)
many_mib=$(awk -v k="$many_kb" 'BEGIN { printf "%.1f", k / 1024 }')

verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { ok = (op == "<") ? v < t : v >= t; print ok ? "yes" : "NO" }'; }
speedup=$(ratio "$base_ms" "$list_ms")
start_ratio=$(awk -v a="$start_med" -v b="$plain_med" 'BEGIN { printf "%.2f", a / b }')
cat <<EOF

| figure | measured | target | met |
|---|---|---|---|
| \`vmdeck list --json\`, $GUESTS paused guests (median of $RUNS; best $list_best ms) | $list_ms ms | < 40 ms | $(verdict "$list_ms" 40 "<") |
| CPU time the $GUESTS QEMUs spent answering one \`list\` (sum) | $qemu_cpu_ms ms | | |
| baseline: \`socat\` per QMP socket in turn, greeting + qmp_capabilities + query-status (median of $((RUNS / 2 + 1))) | $base_ms ms | | |
| speed-up over the baseline | ${speedup}x | >= 10x | $(verdict "$speedup" 10 ">=") |
| \`vmdeck list\`, $STOPPED stopped definitions (median of $RUNS; best $many_best ms) | $many_ms ms | < 50 ms | $(verdict "$many_ms" 50 "<") |
| peak RSS of that \`vmdeck list\` | $many_mib MiB | < 10 MiB | $(verdict "$many_mib" 10 "<") |
| \`vmdeck start\` (median of $START_RUNS) | $start_med ms | | |
| plain \`qemu-system-x86_64 -daemonize\`, same argv (median of $START_RUNS) | $plain_med ms | | |
| start ratio | $start_ratio | < 1.3 | $(verdict "$start_ratio" 1.3 "<") |

Host: $(nproc) cores, load average at the start $load0, at the end $(cut -d' ' -f1-3 /proc/loadavg).
EOF
cleanup
