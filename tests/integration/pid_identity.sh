#!/bin/bash
# tests/integration/pid_identity.sh: a pidfile is trusted only for the guest's
# own QEMU (a stale or copied qemu.pid never gets another guest killed, nor
# lends it its numbers), and a kill that meets a start in progress leaves the
# guest off. Real QEMU guests with no disk (they sit in SeaBIOS).
source "$(dirname "$0")/../lib.sh"

write_conf
vd() { "$VMDECK" -c "$CONF" "$@"; }
pid_of() { cat "$T/state/$1/qemu.pid" 2>/dev/null; }
alive() { local s; s=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null); [ -n "$s" ] && [ "$s" != Z ]; }
gone() { ! alive "$1"; }
qstatus() { qmp_return "$1" query-status | jq -r .status; }
# How many QEMU processes serve guest NAME of this test.
qemu_count() { pgrep -c -f -- "$T/state/$1/qmp.sock" || true; }
no_qemu() { [ "$(qemu_count "$1")" = 0 ]; }

mkguest ga
mkguest gb

# ---- B1: a stale pidfile naming another guest's QEMU ----
vd start ga > /dev/null 2>&1
vd start gb > /dev/null 2>&1
pa=$(pid_of ga) pb=$(pid_of gb)
check "both guests run" test -n "$pa" -a -n "$pb"
# ga's QEMU dies without cleaning up (a crash, a host reboot), and its pidfile
# ends up naming gb's QEMU: copied here, as after a reboot that reused the pid
kill -9 "$pa"
wait_until 3 gone "$pa"
stale() { cp "$T/state/gb/qemu.pid" "$T/state/ga/qemu.pid"; }
stale

out=$(vd list --json)
check_eq "pid identity: list does not give ga gb's pid, cpu or rss" "null null null" \
    "$(jq -r '.[] | select(.name == "ga") | "\(.pid) \(.cpu_percent) \(.rss)"' <<< "$out")"
check_match "pid identity: list does not call ga running" '^(stopped|crashed)$' \
    "$(jq -r '.[] | select(.name == "ga") | .state' <<< "$out")"
check_eq "pid identity: list still shows gb with its own pid" "running $pb" \
    "$(jq -r '.[] | select(.name == "gb") | "\(.state) \(.pid)"' <<< "$out")"

out=$(vd kill ga 2>&1); rc=$?
check_eq "pid identity: kill ga over gb's pidfile: not running, exit 0" "0 ga: was not running" "$rc $out"
check "pid identity: kill ga leaves gb's QEMU alive" alive "$pb"
check_eq "pid identity: gb still runs after kill ga" "running running" "$(qstatus gb) $(vm_state gb)"
check "pid identity: kill ga removed the stale pidfile" test ! -e "$T/state/ga/qemu.pid"
check_nomatch "pid identity: nothing in gb's event log from kill ga" "forced off|killed" \
    "$(cat "$T/state/gb/events.log" 2>/dev/null)"

stale
out=$(vd stop ga --timeout 2 2>&1); rc=$?
check_eq "pid identity: stop ga over gb's pidfile: not running, exit 0" "0 ga: was not running" "$rc $out"
check "pid identity: stop ga leaves gb's QEMU alive" alive "$pb"
check_eq "pid identity: gb still runs after stop ga" "running running" "$(qstatus gb) $(vm_state gb)"

stale
out=$(vd show ga --json)
check_eq "pid identity: show ga has no pid, cpu or rss" "null null null" \
    "$(jq -r '"\(.pid) \(.cpu_percent) \(.rss)"' <<< "$out")"
out=$(vd start ga 2>&1); rc=$?
check_eq "pid identity: start ga over gb's pidfile works" 0 "$rc"
pa=$(pid_of ga)
check "pid identity: ga has its own QEMU now" test -n "$pa" -a "$pa" != "$pb"
check_eq "pid identity: ga and gb both run" "running running" "$(qstatus ga) $(qstatus gb)"
check_eq "pid identity: one QEMU each" "1 1" "$(qemu_count ga) $(qemu_count gb)"

# a pidfile naming gb while ga's own QEMU runs: ga's QEMU is found by its
# command line, so ga is neither started twice nor left running by stop or
# kill, and gb is left alone
stale
out=$(vd start ga 2>&1); rc=$?
check_eq "pid identity: start of a running ga with gb's pidfile: already running" \
    "1 vmdeck: ga: cannot start: already running (pid $pa)" "$rc $out"
check_eq "pid identity: still one QEMU each" "1 1" "$(qemu_count ga) $(qemu_count gb)"
out=$(vd stop ga --timeout 1 2>&1); rc=$?
check_eq "pid identity: stop of a running ga with gb's pidfile stops ga" \
    "0 ga: did not power off in 1 s; quit QEMU" "$rc $out"
check "pid identity: ga's QEMU is gone after that stop" gone "$pa"
check "pid identity: gb's QEMU is alive after that stop" alive "$pb"
vd start ga > /dev/null 2>&1
pa=$(pid_of ga)
stale
out=$(vd kill ga 2>&1); rc=$?
check_eq "pid identity: kill of a running ga with gb's pidfile kills ga" "0 ga: killed" "$rc $out"
check "pid identity: ga's QEMU is gone after that kill" wait_until 3 gone "$pa"
check "pid identity: a tampered pidfile of a running ga never kills gb" alive "$pb"
check_eq "pid identity: gb runs on" running "$(qstatus gb)"
vd kill gb > /dev/null 2>&1
check "pid identity: kill gb (its own pidfile) ends gb" wait_until 3 gone "$pb"

# ---- B18: kill racing start: when kill exits 0, the guest is off ----
mkguest gr
# lock_held FILE: some process holds an flock on FILE (read from /proc/locks, never taken)
lock_held() {
    local ino
    ino=$(stat -c %i "$1" 2>/dev/null) || return 1
    grep -qE "FLOCK +ADVISORY +WRITE +[0-9]+ [0-9a-f]+:[0-9a-f]+:$ino " /proc/locks
}
bad=0 met=0 gave_up=0 rounds=20
for i in $(seq "$rounds"); do
    vd start gr > "$T/race.start" 2>&1 & sp=$!
    # the kill comes while the start is under way (it holds the guest's lock),
    # at a different point of it each round: before, during, after QEMU's spawn
    wait_until 5 lock_held "$T/state/gr/lock"
    sleep "0.$(printf %03d $(( (i - 1) * 23 % 300 )))"
    lock_held "$T/state/gr/lock" && met=$((met + 1))
    vd kill gr > "$T/race.kill" 2>&1; krc=$?
    running_after_kill=$(qemu_count gr)
    wait "$sp"; src=$?
    grep -q "stopped by vmdeck kill while starting" "$T/race.start" && gave_up=$((gave_up + 1))
    if [ "$krc" = 0 ] && { [ "$running_after_kill" != 0 ] || [ "$(qemu_count gr)" != 0 ]; }; then
        bad=$((bad + 1))
        note "round $i: kill exited 0 ($(cat "$T/race.kill")), start exited $src ($(cat "$T/race.start")), $(qemu_count gr) QEMU left"
    fi
    [ "$krc" = 0 ] || note "round $i: kill exited $krc: $(cat "$T/race.kill")"
    vd kill gr > /dev/null 2>&1
    wait_until 3 no_qemu gr
done
note "kill met a start under way in $met of $rounds rounds; the start gave up in $gave_up"
check_eq "kill racing start: after every kill that exits 0 the guest is off ($rounds rounds)" 0 "$bad"
check "kill racing start: the race was really run (kill met a start under way)" test "$met" -ge 5
check "kill racing start: a start met by kill gives up saying so" test "$gave_up" -ge 1
out=$(cat "$T/race.start")
vd start gr > /dev/null 2>&1; rc=$?
check_eq "kill racing start: no marker is left to spoil the next start" "0 running" "$rc $(qstatus gr)"
check "kill racing start: kill leaves no marker behind" test ! -e "$T/state/gr/kill-requested"
vd kill gr > /dev/null 2>&1

# A start that hangs inside QEMU's start-up (the monitor never answers):
# kill ends it at once and the start fails; kill exits 0 with the guest off.
vd start gr > "$T/hang.start" 2>&1 & sp=$!
wait_until 5 test -s "$T/state/gr/qemu.pid"
hp=$(pid_of gr)
kill -STOP "$hp" 2>/dev/null
t0=$(date +%s%N)
out=$(vd kill gr 2>&1); rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
wait "$sp"; src=$?
check_eq "kill of a hung start: exit 0, killed" "0 gr: killed" "$rc $out"
check "kill of a hung start: its QEMU is gone" wait_until 3 gone "$hp"
check_eq "kill of a hung start: the start fails" 1 "$src"
check "kill of a hung start: takes under 8 s (${ms} ms)" test "$ms" -lt 8000
check_eq "kill of a hung start: no QEMU left" 0 "$(qemu_count gr)"

finish
