#!/bin/bash
# run: alone (it measures time against a bound: tests/run.sh)
# tests/integration/lifecycle.sh: start, pause, resume, reset, CD change and
# eject, stop, kill, stale state, the start race and the safety rules, all on
# real QEMU guests with no disk (they sit in SeaBIOS) and checked over QMP.
source "$(dirname "$0")/../lib.sh"

write_conf
vd() { "$VMDECK" -c "$CONF" "$@"; }
pid_of() { cat "$T/state/$1/qemu.pid" 2>/dev/null; }
# alive PID: exists and is not a zombie (a daemonized QEMU that exited waits for PID 1)
alive() { local s; s=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null); [ -n "$s" ] && [ "$s" != Z ]; }
gone() { ! alive "$1"; }
qmp() { qmp_return "$@"; }
qstatus() { qmp "$1" query-status | jq -r .status; }
cd_file() { qmp "$1" query-block | jq -r '.[] | select(.device == "cd0") | .inserted.file // "empty"'; }
# How many QEMU processes serve guest NAME of this test.
qemu_count() { pgrep -c -f -- "$T/state/$1/qmp.sock" || true; }

VNC_D=$(free_vnc_display)
VNC_PW=Zq7pW3xk
mkguest g1 <<EOF
vnc:
  display: $VNC_D
  listen: 127.0.0.1
  password: $VNC_PW
EOF
mkguest g2
printf 'one' > "$T/iso/one.iso"
printf 'two' > "$T/iso/two.iso"

# ---- start, and what start leaves behind ----
out=$(vd start g1 2>&1); rc=$?
check_eq "start exits 0" 0 "$rc"
check_match "start says it started" "g1: started \(pid [0-9]+" "$out"
check_eq "guest runs after start (cont was sent)" running "$(qstatus g1)"
check_eq "show --json says running" running "$(vm_state g1)"
check_eq "state folder is 0700" 700 "$(stat -c %a "$T/state/g1")"
pid=$(pid_of g1)
check "start wrote a pidfile of a live process" alive "${pid:-0}"
cmdline=$(tr '\0' ' ' < "/proc/$pid/cmdline")
check_match "QEMU asked for a VNC password" "password=on" "$cmdline"
check_nomatch "VNC password not on QEMU's command line" "$VNC_PW" "$cmdline"
check_nomatch "VNC password not in qemu.log" "$VNC_PW" "$(cat "$T/state/g1/qemu.log")"
check "VNC password in no file of the state folder" sh -c "! grep -rsl -D skip -- '$VNC_PW' '$T/state'"
check_match "QEMU's VNC server demands a password" '"auth":"vnc"' "$(qmp g1 query-vnc)"
out=$(vd vnc g1 --json)
check_eq "vnc --json: port and password flag" "$((5900 + VNC_D)) true 127.0.0.1" \
    "$(jq -r '"\(.vnc.port) \(.vnc.password) \(.vnc.listen)"' <<< "$out")"
check_nomatch "vnc never prints the password" "$VNC_PW" "$out$(vd vnc g1)"

out=$(vd start g1 2>&1); rc=$?
check_eq "second start of a running guest exits 1" 1 "$rc"
check_match "second start says already running" "^vmdeck: g1: cannot start: already running \(pid $pid\)$" "$out"

mkdir -m 755 "$T/state/g2"
vd start g2 --cdrom one.iso --boot cdrom > /dev/null 2>&1
check_eq "start --cdrom --boot cdrom runs" running "$(qstatus g2)"
check_eq "an existing state folder is fixed to 0700" 700 "$(stat -c %a "$T/state/g2")"
check_eq "--cdrom puts the ISO (from iso_dirs) in the drive" "$T/iso/one.iso" "$(cd_file g2)"

# ---- live actions ----
vd pause g1 > /dev/null
check_eq "pause stops the vCPUs" paused "$(qstatus g1)"
check_eq "show says paused" paused "$(vm_state g1)"
vd resume g1 > /dev/null
check_eq "resume" running "$(qstatus g1)"
out=$(vd reset g1 2>&1); rc=$?
check_eq "reset exits 0" "0 g1: reset" "$rc $out"
check_eq "still running after reset" running "$(qstatus g1)"

check_eq "drive starts empty" empty "$(cd_file g1)"
vd cdrom g1 one.iso > /dev/null
check_eq "cdrom NAME ISO inserts it" "$T/iso/one.iso" "$(cd_file g1)"
vd cdrom g1 "$T/iso/two.iso" > /dev/null
check_eq "cdrom swaps a loaded CD" "$T/iso/two.iso" "$(cd_file g1)"
vd cdrom g1 --eject > /dev/null
check_eq "cdrom --eject empties the drive" empty "$(cd_file g1)"
check_eq "cdrom --json on a running guest: it applies now" now "$(vd cdrom g1 one.iso --json | jq -r .applies)"
vd cdrom g1 --eject > /dev/null
out=$(vd cdrom g1 "$T/iso/nope.iso" 2>&1); rc=$?
check_eq "cdrom with a missing ISO: one line, exit 1" \
    "1 vmdeck: g1: cannot change the CD: ISO not found: $T/iso/nope.iso" "$rc $out"

# ---- kill ----
pid2=$(pid_of g2)
out=$(vd kill g2 2>&1); rc=$?
check_eq "kill exits 0" "0 g2: killed" "$rc $out"
check "killed QEMU is gone" gone "$pid2"
check "kill removes pidfile and sockets" test ! -e "$T/state/g2/qemu.pid" -a ! -e "$T/state/g2/qmp.sock"
check_eq "kill of a stopped guest" "g2: was not running" "$(vd kill g2 2>&1)"
check_match "reset of a stopped guest fails" "^vmdeck: g2: cannot reset: not running$" "$(vd reset g2 2>&1)"
# One rule for the CD: a stopped guest's definition takes it, for the next start.
out=$(vd cdrom g2 two.iso 2>&1); rc=$?
check_eq "cdrom on a stopped guest sets the definition, and says when it applies" \
    "0 g2: CD set to two.iso in the definition (applies at next start)" "$rc $out"
check_eq "the definition names the ISO found in iso_dirs" "cdrom: $T/iso/two.iso" "$(grep '^cdrom:' "$T/vms.d/g2.yaml")"
check_eq "cdrom --json says it applies at the next start" "next start" "$(vd cdrom g2 two.iso --json | jq -r .applies)"
out=$(vd cdrom g2 --eject 2>&1); rc=$?
check_eq "cdrom --eject on a stopped guest empties the definition's CD" \
    "0 g2: CD removed from the definition (applies at next start)" "$rc $out"
check_eq "the definition has no CD" "" "$(vd show g2 --json | jq -r '.cdrom // ""')"
out=$(vd cdrom g2 nope.iso 2>&1); rc=$?
check_match "a missing ISO is refused for a stopped guest too" "^vmdeck: g2: cannot change the CD: ISO not found: nope.iso" "$out"

vd start g2 > /dev/null 2>&1
pid2=$(pid_of g2)
kill -STOP "$pid2"
t0=$(date +%s%N)
vd kill g2 > /dev/null 2>&1; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check_eq "kill of a SIGSTOPped QEMU exits 0" 0 "$rc"
check "SIGSTOPped QEMU is killed" wait_until 3 gone "$pid2"
check "kill of a hung QEMU takes under 4 s (${ms} ms)" test "$ms" -lt 4000

# ---- stop: a guest with no OS ignores the power button ----
t0=$(date +%s%N)
vd stop g1 --timeout 2 > "$T/stop.out" 2>&1 & sp=$!
check "show says shutting-down while stop waits" wait_until 2 state_is g1 shutting-down
wait "$sp"; rc=$?
out=$(cat "$T/stop.out")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check_eq "stop exits 0" 0 "$rc"
check_eq "stop of a no-OS guest goes on to quit" "g1: did not power off in 2 s; quit QEMU" "$out"
check "stop waited for the timeout, no more (${ms} ms)" test "$ms" -ge 2000 -a "$ms" -lt 6000
check "stopped QEMU is gone" gone "$pid"
check "stop cleans pidfile, sockets and the stopping marker" \
    test ! -e "$T/state/g1/qemu.pid" -a ! -e "$T/state/g1/qmp.sock" -a ! -e "$T/state/g1/stopping"
check_eq "show says stopped after stop" stopped "$(vm_state g1)"
check_eq "stop of a stopped guest" "g1: was not running" "$(vd stop g1 2>&1)"
out=$(vd stop g1 --timeout x 2>&1); rc=$?
check_eq "stop --timeout takes seconds (exit 2)" 2 "$rc"

# ---- JSON numbers: times and CPU % with one decimal, as the README shows ("seconds": 4.1) ----
# jansson's default prints 2.1 as 2.1000000000000001; a few rounds, so a value
# that happens to print cleanly (2.0, 2.5) cannot hide that
json_nums=""
for i in 1 2 3; do
    vd start g2 > /dev/null 2>&1
    wait_until 2 state_is g2 running
    sleep 0.3
    json_nums="$json_nums $(vd list --json | grep -oE '"(cpu_percent|seconds|uptime)": [^,}]+' | tr -d ' ')"
    json_nums="$json_nums $(vd stop g2 --timeout 1 --json | grep -oE '"seconds":[^,}]+')"
done
check_match "json numbers: stop --json gives seconds" '"seconds":[0-9]' "$json_nums"
check_match "json numbers: list --json gives cpu_percent" '"cpu_percent":[0-9]' "$json_nums"
check_nomatch "json numbers: no time or CPU % with more than one decimal" '":-?[0-9]+\.[0-9]{2,}' "$json_nums"
check_nomatch "json numbers: no exponent form" '":-?[0-9.]+[eE]' "$json_nums"

# ---- stale state after kill -9 of QEMU ----
vd start g2 > /dev/null 2>&1
pid2=$(pid_of g2)
kill -9 "$pid2"
wait_until 3 gone "$pid2"
check "the dead QEMU left its pidfile" test -e "$T/state/g2/qemu.pid"
check_match "show: a dead QEMU is not running" "^(stopped|crashed)$" "$(vm_state g2)"
out=$(vd start g2 2>&1); rc=$?
check_eq "start after kill -9 works" 0 "$rc"
check_eq "the new QEMU runs" running "$(vm_state g2)"
check "the pidfile names the new QEMU" test "$(pid_of g2)" != "$pid2"
vd kill g2 > /dev/null 2>&1

# After a host crash the pidfile may name an unrelated live process, and sockets remain.
sleep 30 & other=$!; EXTRA_PIDS="$EXTRA_PIDS $other"; disown
echo "$other" > "$T/state/g2/qemu.pid"
: > "$T/state/g2/qmp.sock"
check_match "show: a pidfile naming another program is not running" "^(stopped|crashed)$" "$(vm_state g2)"
vd start g2 > /dev/null 2>&1; rc=$?
check_eq "start over a pidfile of another program works" "0 running" "$rc $(qstatus g2)"
check "the other program was left alone" alive "$other"
vd kill g2 > /dev/null 2>&1

# ---- the start race: exactly one QEMU, one clear error ----
mkguest race
vd start race > "$T/r1" 2>&1 & p1=$!
vd start race > "$T/r2" 2>&1 & p2=$!
wait "$p1"; rc1=$?
wait "$p2"; rc2=$?
check_eq "one start wins, the other fails" "0 1" "$(printf '%s\n' "$rc1" "$rc2" | sort | tr '\n' ' ' | sed 's/ $//')"
check_eq "exactly one QEMU for the guest" 1 "$(qemu_count race)"
loser=$(cat "$T/r1" "$T/r2" | grep '^vmdeck: race: cannot')
check_match "the loser says why, in one line" \
    "^vmdeck: race: cannot start: (race is busy: another vmdeck is starting/stopping/backing it up|already running \(pid [0-9]+\))$" "$loser"
vd kill race > /dev/null 2>&1

# Another vmdeck holding the lock (a backup, say): start and stop refuse at once.
exec 9> "$T/state/race/lock"
flock -n 9
out=$(vd start race 2>&1); rc=$?
check_eq "start while the lock is held: busy, exit 1" \
    "1 vmdeck: race: cannot start: race is busy: another vmdeck is starting/stopping/backing it up" "$rc $out"
check_eq "and no QEMU started" 0 "$(qemu_count race)"
exec 9>&-

# ---- refused starts: one clear line each, nothing left running ----
start_err() { # NAME: the start's stderr without the TCG warning in $out, its exit code in $rc
    vd start "$1" > /dev/null 2> "$T/err"; rc=$?
    out=$(grep -v ': warning: ' "$T/err")
}
mkguest inj <<EOF
cdrom: "x; touch /tmp/pwned-$$"
EOF
start_err inj
check_eq "injection attempt: start fails (exit 1)" 1 "$rc"
check_match "injection attempt: the error names the missing file" \
    "^vmdeck: inj: cannot start: ISO not found: .*x; touch /tmp/pwned-$$$" "$out"
check "injection attempt: nothing ran through a shell" test ! -e "/tmp/pwned-$$"

mkguest noiso <<EOF
cdrom: /nonexistent/setup.iso
EOF
start_err noiso
check_eq "missing ISO: one line" "vmdeck: noiso: cannot start: ISO not found: /nonexistent/setup.iso" "$out"
out=$(vd start noiso --cdrom setup.iso 2>&1 | grep -v ': warning: ')
check_eq "a bare ISO name not found says where it looked" \
    "vmdeck: noiso: cannot start: ISO not found: setup.iso (looked in $T/iso, and the current folder)" "$out"

mkguest nodisk <<EOF
disks:
  - file: $T/disks/missing.raw
EOF
start_err nodisk
check_match "missing disk file: one line naming it" \
    "^vmdeck: nodisk: cannot start: disk file $T/disks/missing.raw does not exist" "$out"

cat > "$T/vms.d/nobr.yaml" <<EOF
memory: 32M
nics:
  - bridge: vmdkno$$
    model: e1000
    mac: 52:54:00:12:34:99
EOF
start_err nobr
check_eq "missing bridge: one line" "vmdeck: nobr: cannot start: bridge vmdkno$$ not present" "$out"

busy_d=$(free_vnc_display)
socat "TCP-LISTEN:$((5900 + busy_d)),bind=127.0.0.1,reuseaddr,fork" /dev/null & socat_pid=$!
EXTRA_PIDS="$EXTRA_PIDS $socat_pid"; disown
listening() { ss -ltn "sport = :$1" | grep -q LISTEN; }
wait_until 3 listening $((5900 + busy_d))
mkguest vncbusy <<EOF
vnc:
  display: $busy_d
  listen: 127.0.0.1
EOF
start_err vncbusy
check_eq "VNC port taken: one line naming the process that holds it" \
    "vmdeck: vncbusy: cannot start: VNC port $((5900 + busy_d)) (display $busy_d) on 127.0.0.1 is taken by process $socat_pid (socat)" "$out"
# Held by another guest's QEMU: the guest is named, not its process.
held_d=$(free_vnc_display)
for g in vncholder vncclash; do mkguest $g <<EOF
vnc:
  display: $held_d
EOF
done
vd start vncholder > /dev/null 2>&1
start_err vncclash
check_eq "VNC port taken by a guest: the guest is named" \
    "vmdeck: vncclash: cannot start: VNC port $((5900 + held_d)) (display $held_d) on 127.0.0.1 is taken by guest vncholder" "$out"
vd kill vncholder > /dev/null 2>&1

# An error only QEMU itself finds: its line, tidied, not the log.
mkguest qfail <<EOF
extra_args: ["-drive", "file=/nonexistent-$$.img,format=raw,if=none,id=x0"]
EOF
start_err qfail
check_eq "QEMU's own error as one line" \
    "vmdeck: qfail: cannot start: could not open /nonexistent-$$.img: No such file or directory" "$out"
check_match "the full QEMU message stays in qemu.log" \
    "qemu-system-x86_64: -drive file=/nonexistent-$$.img.*Could not open" "$(cat "$T/state/qfail/qemu.log")"
check "a refused start leaves no pidfile" test ! -e "$T/state/qfail/qemu.pid"

sed "s/binary = \"qemu-system-x86_64\"/binary = \"qemu-nosuch-$$\"/" "$CONF" > "$T/nobin.conf"
out=$("$VMDECK" -c "$T/nobin.conf" start g1 2>&1 | grep -v ': warning: ')
check_eq "a missing QEMU binary: one line" "vmdeck: g1: cannot start: cannot run qemu-nosuch-$$: No such file or directory" "$out"

# A file disk with a size is created on demand.
mkguest ondemand <<EOF
disks:
  - file: $T/disks/sub/new.qcow2
    size: 64M
EOF
vd start ondemand > /dev/null 2>&1; rc=$?
check_eq "start creates a missing file disk" 0 "$rc"
check_eq "created as qcow2 of the defined size" "qcow2 67108864" \
    "$(qemu-img info --force-share --output=json "$T/disks/sub/new.qcow2" | jq -r '"\(.format) \(.["virtual-size"])"')"
check_eq "the new disk file is 0600" 600 "$(stat -c %a "$T/disks/sub/new.qcow2")"
vd kill ondemand > /dev/null 2>&1

# A password in a file others can read is refused (exit 2) before anything runs.
mkguest openpw <<EOF
vnc:
  display: $(free_vnc_display)
  password: abc12345
EOF
chmod 644 "$T/vms.d/openpw.yaml"
out=$(vd start openpw 2>&1); rc=$?
check_eq "definition with a readable password: exit 2" 2 "$rc"
check_match "and says chmod 600" "chmod 600" "$out"
check "and no QEMU was started" test ! -e "$T/state/openpw/qemu.pid"

out=$(vd start 2>&1); rc=$?
check_eq "start without a name is a usage error" 2 "$rc"
out=$(vd start nosuchguest 2>&1); rc=$?
check_eq "start of an unknown guest exits 2" 2 "$rc"

finish
