#!/bin/bash
# run: alone (it measures time against a bound: tests/run.sh)
# status.sh: `vmdeck list` / `show` against real QEMU guests: running, paused,
# a CD swapped live, a SIGSTOPped QEMU and a busy monitor (unresponsive, and
# the others still right and quick), kill -9 (crashed), stale pidfiles, the
# lock-holder states (starting, shutting-down) and an invalid definition.
source "$(dirname "$0")/../lib.sh"

write_conf < /dev/null
truncate -s 1M "$T/iso/one.iso" "$T/iso/two.iso"
for g in g1 g2; do mkguest $g < /dev/null; done
vnc_display=$(for d in $(seq $((50 + RANDOM % 40)) 99); do ss -ltn "sport = :$((5900 + d))" | grep -q LISTEN || { echo $d; break; }; done)
mkguest g3 <<EOF
cdrom: $T/iso/one.iso
vnc:
  display: $vnc_display
  listen: 127.0.0.1
EOF
printf 'memory: lots\ncpus: 1\n' > "$T/vms.d/broken.yaml"

list_json() { "$VMDECK" -c "$CONF" list --json; }
field() { list_json | jq -r --arg n "$1" ".[] | select(.name == \$n) | $2"; }
ms_now() { echo $(( $(date +%s%N) / 1000000 )); }

# The guests are launched the way `vmdeck start` does (argv from `vmdeck argv`, paused).
qemu_up() {
    local args
    mkdir -p -m 700 "$T/state/$1"
    mapfile -t args < <("$VMDECK" -c "$CONF" argv "$1" --json | jq -r '.[]')
    "${args[@]}" > "$T/state/$1/qemu.log" 2>&1
}
qmp() { # NAME JSON...: capabilities, then each command; prints the replies
    local name="$1"; shift
    { echo '{"execute": "qmp_capabilities"}'; printf '%s\n' "$@"; } |
        socat -t 1 - "UNIX-CONNECT:$T/state/$name/qmp.sock"
}
pid_of() { cat "$T/state/$1/qemu.pid"; }
hold_lock() { # NAME: holds state_dir/NAME/lock like a vmdeck operation would, until killed
    ( exec 9> "$T/state/$1/lock"; flock 9; exec sleep 30 ) &
    EXTRA_PIDS="$EXTRA_PIDS $!"
    LOCK_PID=$!
}

# ---- nothing running ----
out=$("$VMDECK" -c "$CONF" list); rc=$?
check_eq "list exits 0 even with an invalid definition" 0 "$rc"
check_match "list has a header" '^NAME +STATE +CPU% +MEM +RSS +UPTIME +VNC +CD' "$out"
check_match "a stopped guest is listed as stopped" '^g1 +stopped' "$out"
check_match "the invalid definition is listed with its reason" 'broken: invalid: .*broken.yaml:1:.*memory' "$out"
check_eq "invalid in JSON" "invalid" "$(field broken .state)"
check_match "JSON error names file and line" 'broken.yaml:1:[0-9]+' "$(field broken .error)"
check_eq "stopped guest: pid, rss, uptime null" "null null null" "$(field g1 '"\(.pid) \(.rss) \(.uptime)"')"
check_eq "stopped guest shows its defined CD" "$T/iso/one.iso" "$(field g3 .cdrom)"

# ---- three guests: running, paused, running with a CD ----
for g in g1 g2 g3; do check "QEMU $g starts" qemu_up $g; done
qmp g1 '{"execute": "cont"}' > /dev/null
qmp g3 '{"execute": "cont"}' > /dev/null
check_eq "g1 running" running "$(vm_state g1)"
check_eq "g2 (never continued, no start in progress) paused" paused "$(vm_state g2)"
check_eq "g3 running" running "$(vm_state g3)"
check_eq "pid from the pidfile" "$(pid_of g1)" "$(field g1 .pid)"
rss=$(field g1 .rss)
check "rss is a real byte count (> 10 MiB)" [ "$rss" -gt 10485760 ]
check_match "cpu_percent is a number" '^[0-9]+(\.[0-9]+)?$' "$(field g1 .cpu_percent)"
check_match "uptime in whole seconds" '^[0-9]+$' "$(field g1 .uptime)"
check_eq "memory in bytes" 33554432 "$(field g1 .memory)"
check_eq "JSON keys as DESIGN.md fixes them" \
    "cdrom cpu_percent cpus disks error ip memory name nics pid rss state uptime vnc" \
    "$(list_json | jq -r '.[0] | keys | join(" ")')"
check_eq "vnc object" "true 127.0.0.1 false" \
    "$(field g3 '"\(.vnc.port == 5900 + .vnc.display) \(.vnc.listen) \(.vnc.password)"')"
check_eq "live CD medium" "$T/iso/one.iso" "$(field g3 .cdrom)"
qmp g3 "{\"execute\": \"blockdev-change-medium\", \"arguments\": {\"id\": \"cd0\", \"filename\": \"$T/iso/two.iso\", \"format\": \"raw\"}}" > /dev/null
check_eq "a CD swapped over QMP is what list reports" "$T/iso/two.iso" "$(field g3 .cdrom)"
qmp g3 '{"execute": "eject", "arguments": {"id": "cd0", "force": true}}' > /dev/null
check_eq "an ejected CD is null while running" null "$(field g3 .cdrom)"
qmp g1 '{"execute": "stop"}' > /dev/null
check_eq "g1 paused over QMP shows paused" paused "$(vm_state g1)"
qmp g1 '{"execute": "cont"}' > /dev/null
out=$("$VMDECK" -c "$CONF" show g3)
check_match "show prints the state and pid" "state: +running" "$out"
check_match "show prints the vnc port" "vnc: +127.0.0.1:59[0-9]+" "$out"

# ---- a SIGSTOPped QEMU: unresponsive, the others unaffected and quick ----
kill -STOP "$(pid_of g2)"
t0=$(ms_now); json=$(list_json); t1=$(ms_now)
check_eq "SIGSTOPped guest is unresponsive" unresponsive "$(jq -r '.[] | select(.name=="g2") | .state' <<<"$json")"
check_eq "the others are right" "running running" "$(jq -r '[.[] | select(.name=="g1" or .name=="g3") | .state] | join(" ")' <<<"$json")"
check "list returned within 600 ms with a stopped QEMU ($((t1 - t0)) ms)" [ $((t1 - t0)) -lt 600 ]
kill -CONT "$(pid_of g2)"

# ---- a client that is not vmdeck on the operations monitor: list asks its own ----
sleep 3 | socat -d -d - "UNIX-CONNECT:$T/state/g1/qmp.sock" > /dev/null 2> "$T/busy.ops" &
EXTRA_PIDS="$EXTRA_PIDS $!"
check "another client holds qmp.sock" wait_until 5 grep -q "successfully connected" "$T/busy.ops"
check_eq "qmp.sock held by another client: list still answers from status.sock" running "$(vm_state g1)"
check "g1 running once that client has gone" wait_until 5 state_is g1 running

# ---- status monitors that never greet (each busy with another client): one deadline for all ----
for g in g1 g3; do
    sleep 3 | socat -d -d - "UNIX-CONNECT:$T/state/$g/status.sock" > /dev/null 2> "$T/busy.$g" &
    EXTRA_PIDS="$EXTRA_PIDS $!"
done
# Connected first, they are served first: QEMU accepts in order.
for g in g1 g3; do check "another client holds $g's status.sock" wait_until 5 grep -q "successfully connected" "$T/busy.$g"; done
t0=$(ms_now); json=$(list_json); t1=$(ms_now)
check_eq "guests whose monitor does not answer are unresponsive" "unresponsive unresponsive" \
    "$(jq -r '[.[] | select(.name=="g1" or .name=="g3") | .state] | join(" ")' <<<"$json")"
check_match "with the reason" "did not answer within 500 ms" "$(jq -r '.[] | select(.name=="g1") | .error' <<<"$json")"
check_eq "the other is right meanwhile" paused "$(jq -r '.[] | select(.name=="g2") | .state' <<<"$json")"
check "two hung monitors cost one deadline, not two ($((t1 - t0)) ms)" [ $((t1 - t0)) -ge 450 -a $((t1 - t0)) -lt 990 ]
wait_until 5 state_is g1 running || true
wait_until 5 state_is g3 running || true

# ---- states while a vmdeck operation holds the lock ----
hold_lock g2
check "prelaunch while the lock is held is starting" wait_until 3 state_is g2 starting
kill "$LOCK_PID"
check "and paused again once the lock is released" wait_until 3 state_is g2 paused
touch "$T/state/g1/stopping"
check_eq "a stale stopping marker alone changes nothing" running "$(vm_state g1)"
hold_lock g1
check "stopping marker with the lock held is shutting-down" wait_until 3 state_is g1 shutting-down
rm -f "$T/state/g1/stopping"
check_eq "lock alone (e.g. a backup) keeps running" running "$(vm_state g1)"
kill "$LOCK_PID"

# ---- QEMU killed: crashed; cleaned up: stopped ----
p3=$(pid_of g3)
kill -9 "$p3"
check "kill -9 leaves the pidfile: crashed" wait_until 3 state_is g3 crashed
check_match "crash reason" "without a clean shutdown" "$(field g3 .error)"
touch -d '@1000000000' "$T/state/g3/qemu.pid"
check_eq "a pidfile from before the host booted: stopped" stopped "$(vm_state g3)"
touch "$T/state/g3/qemu.pid" "$T/state/g3/stopping"
check_eq "died during vmdeck stop (marker present): stopped" stopped "$(vm_state g3)"
rm -f "$T/state/g3/stopping" "$T/state/g3/qemu.pid"
check_eq "no pidfile: stopped" stopped "$(vm_state g3)"
echo $$ > "$T/state/g3/qemu.pid"
check_eq "a pidfile naming a non-QEMU process is not trusted" crashed "$(vm_state g3)"
rm -f "$T/state/g3/qemu.pid"

# ---- show ----
"$VMDECK" -c "$CONF" show nosuch > /dev/null 2>&1
check_eq "show of an unknown guest exits 2" 2 "$?"
"$VMDECK" -c "$CONF" show broken --json > "$T/out.json" 2>/dev/null
check_eq "show of an invalid definition exits 2" 2 "$?"
check_eq "and still prints it" invalid "$(jq -r .state "$T/out.json")"
check_eq "show --json is one object like a list entry, plus its definition's other keys" \
    "$(list_json | jq -c '.[] | select(.name=="g2") | del(.cpu_percent, .rss, .uptime)')" \
    "$("$VMDECK" -c "$CONF" show g2 --json | jq -c 'del(.cpu_percent, .rss, .uptime, .definition)')"
check_eq "... which never hold a VNC password" "test guest g2 false" \
    "$("$VMDECK" -c "$CONF" show g2 --json | jq -r '"\(.definition.description) \(.definition | has("vnc_password"))"')"

finish
