#!/bin/bash
# run: alone (it measures time against a bound: tests/run.sh)
# tests/integration/pid_identity.sh: a pidfile is trusted only for the guest's
# own QEMU (a stale or copied qemu.pid never gets another guest killed, nor
# lends it its numbers), and a kill that meets a start in progress leaves the
# guest off. Real QEMU guests with no disk (they sit in SeaBIOS).
source "$(dirname "$0")/../lib.sh"

write_conf
set_accel tcg  # the same with /dev/kvm usable or hidden
vd() { "$VMDECK" -c "$CONF" "$@"; }
pid_of() { cat "$T/state/$1/qemu.pid" 2>/dev/null; }
alive() { local s; s=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null); [ -n "$s" ] && [ "$s" != Z ]; }
gone() { ! alive "$1"; }
qstatus() { qmp_return "$1" query-status | jq -r .status; }
# How many QEMU processes serve guest NAME of this test.
qemu_count() { pgrep -c -f -- "$T/state/$1/qmp.sock" || true; }
no_qemu() { [ "$(qemu_count "$1")" = 0 ]; }

truncate -s 1M "$T/disks/ga.raw"
printf 'disks:\n  - file: %s\n' "$T/disks/ga.raw" | mkguest ga
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
# the checks that guard a write see the running ga as well (never "stopped")
out=$(vd backup ga 2>&1); rc=$?
check_eq "pid identity: an offline backup of a running ga with gb's pidfile is refused" \
    "1 vmdeck: ga: cannot back up: it is running (stop it first, or use --live)" "$rc $out"
: > "$T/iso/p.iso"
out=$(vd cdrom ga "$T/iso/p.iso" 2>&1); rc=$?
check_eq "pid identity: a CD for a running ga with gb's pidfile is not written into its file" \
    "0" "$(grep -c '^cdrom:' "$T/vms.d/ga.yaml")"
stale
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
vd start gr > /dev/null 2>&1  # makes its lock file, whose inode /proc/locks names
vd kill gr > /dev/null 2>&1
# the lock file as /proc/locks names it: MAJOR:MINOR:INODE, the device in hex
dev=$(stat -c %d "$T/state/gr/lock")
lock_id=$(printf '%02x:%02x:%s' $((dev >> 8 & 0xfff)) $(((dev & 0xff) | (dev >> 12 & 0xfff00))) \
    "$(stat -c %i "$T/state/gr/lock")")
# lock_held: some process holds the guest's flock (read from /proc/locks in one
# read, never taken), without a fork of grep, so the kill can come soon after a
# start takes it
lock_held() {
    local locks
    locks=$(< /proc/locks)
    [[ $locks =~ FLOCK\ +ADVISORY\ +WRITE\ +[0-9]+\ $lock_id\  ]]
}
# QEMU comes up 0.3 s into the start whatever the host's speed (a wrapper as
# the configured binary sleeps, then runs it), so the kill lands before QEMU
# exists in some rounds and after in others
printf '#!/bin/sh\nsleep 0.3\nexec qemu-system-x86_64 "$@"\n' > "$T/slow-qemu"
chmod 755 "$T/slow-qemu"
sed -i "s|binary = \"qemu-system-x86_64\"|binary = \"$T/slow-qemu\"|" "$CONF"
bad=0 met=0 gave_up=0 rounds=20
for i in $(seq "$rounds"); do
    vd start gr > "$T/race.start" 2>&1 & sp=$!
    # the kill comes while the start is under way (it holds the guest's lock),
    # at a different point of it each round: before, during, after QEMU's spawn;
    for ((n = 0; n < 2000; n++)); do lock_held && break; done
    # odd rounds early (before QEMU exists), even rounds anywhere up to 0.7 s
    sleep "0.$(printf %03d $(( i % 2 ? i * 7 % 100 : i * 67 % 700 )))"
    lock_held && met=$((met + 1))
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
sed -i "s|binary = \"$T/slow-qemu\"|binary = \"qemu-system-x86_64\"|" "$CONF"
note "kill met a start under way in $met of $rounds rounds; the start gave up in $gave_up"
check_eq "kill racing start: after every kill that exits 0 the guest is off ($rounds rounds)" 0 "$bad"
check "kill racing start: the race was really run (kill met a start under way)" test "$met" -ge 5
check "kill racing start: a start met by kill gives up saying so" test "$gave_up" -ge 1
vd start gr > /dev/null 2>&1; rc=$?
check_eq "kill racing start: no marker is left to spoil the next start" "0 running" "$rc $(qstatus gr)"
check "kill racing start: kill leaves no marker behind" test ! -e "$T/state/gr/kill-requested"
vd kill gr > /dev/null 2>&1

# A start that hangs inside QEMU's start-up: a wrapper (the configured binary)
# runs QEMU and SIGSTOPs the daemon before vmdeck's QMP set-up, so the monitor
# never answers. kill ends it at once and the start fails; kill exits 0.
cat > "$T/stopping-qemu" <<'EOF'
#!/bin/sh
qemu-system-x86_64 "$@" || exit $?
prev=""
for a in "$@"; do [ "$prev" = -pidfile ] && pf="$a"; prev="$a"; done
kill -STOP "$(cat "$pf")"
EOF
chmod 755 "$T/stopping-qemu"
sed -i "s|binary = \"qemu-system-x86_64\"|binary = \"$T/stopping-qemu\"|" "$CONF"
vd start gr > "$T/hang.start" 2>&1 & sp=$!
hung() { [ "$(awk '{print $3}' "/proc/$(pid_of gr)/stat" 2>/dev/null)" = T ]; }
check "kill of a hung start: the start hangs in QMP set-up" wait_until 10 hung
hp=$(pid_of gr)
t0=$(date +%s%N)
out=$(vd kill gr 2>&1); rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
wait "$sp"; src=$?
check_eq "kill of a hung start: exit 0, killed" "0 gr: killed" "$rc $out"
check "kill of a hung start: its QEMU is gone" wait_until 3 gone "$hp"
check_eq "kill of a hung start: the start fails, saying why" \
    "1 vmdeck: gr: cannot start: stopped by vmdeck kill while starting" "$src $(cat "$T/hang.start")"
check "kill of a hung start: takes under 3 s, not the start's QMP deadline (${ms} ms)" test "$ms" -lt 3000
check_eq "kill of a hung start: no QEMU left" 0 "$(qemu_count gr)"
sed -i "s|binary = \"$T/stopping-qemu\"|binary = \"qemu-system-x86_64\"|" "$CONF"

finish
