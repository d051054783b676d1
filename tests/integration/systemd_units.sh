#!/bin/bash
# run: alone (a namespaced systemd as PID 1: one at a time: tests/run.sh)
# Guests as systemd units (issue 8, items 1 and 2), with systemd as PID 1 of
# a private namespace (tests/systemd-lib.sh) and the units installed by
# `make install` into the namespace's view only. A start goes through
# vmdeck@NAME.service, so QEMU outlives the shell that started it; a start
# error reaches the admin as one line; a QEMU that dies fails its unit; at
# host shutdown every guest gets ACPI at once, each its own timeout, then
# quit, then SIGKILL, and its events.log says which ended it.
. "$(dirname "$0")/../lib.sh"
. "$VMDECK_ROOT/tests/systemd-lib.sh"
trap 'sd_cleanup; cleanup' EXIT INT TERM

# the alert program: records its argv and stdin
cat > "$T/notify.sh" <<'EOF2'
#!/bin/sh
{ echo "argv: $*"; cat; echo "--"; } >> "$(dirname "$0")/notify.log"
EOF2
chmod 755 "$T/notify.sh"
write_conf <<< "notify = [ \"$T/notify.sh\", \"%s\" ];"
mklinux lin1
mklinux lin2
mkguest bios <<< "shutdown_timeout: 3"     # SeaBIOS, no OS: ignores the power button
mkguest frozen <<< "shutdown_timeout: 3"   # will be SIGSTOPped: not even QMP answers
mkguest broken <<< "cdrom: nonesuch.iso"
make -s -C "$VMDECK_ROOT" BUILD="$BUILD" install DESTDIR="$T/inst" PREFIX=/usr/local > "$T/install.log" 2>&1
check "make install puts both units under PREFIX/lib/systemd/system" \
    test -f "$T/inst/usr/local/lib/systemd/system/vmdeck@.service" -a -f "$T/inst/usr/local/lib/systemd/system/vmdeck.service"
check_match "the template runs the installed vmdeck" '^ExecStart=/usr/local/bin/vmdeck unit start %i$' \
    "$(cat "$T/inst/usr/local/lib/systemd/system/vmdeck@.service")"
sd_overlay "$T/inst/usr/local" /usr/local
# bios's unit gets a stop timeout shorter than its own 3 s: the ladder must extend it (EXTEND_TIMEOUT_USEC)
mkdir -p "$SD_DIR/units/vmdeck@bios.service.d"
printf '[Service]\nTimeoutStopSec=1\n' > "$SD_DIR/units/vmdeck@bios.service.d/short.conf"
sd_boot || { finish; exit 1; }

V() { sd_sh /usr/local/bin/vmdeck -c "$CONF" "$@"; }
ev() { cat "$T/state/$1/events.log" 2>/dev/null; }
pid_in() { cat "$T/state/$1/qemu.pid" 2>/dev/null; }
# serial NAME: keep the guest's serial output in $T/serial.NAME (connect as soon as the socket exists)
serial() {
    wait_until 30 test -S "$T/state/$1/serial.sock"
    socat -u "UNIX-CONNECT:$T/state/$1/serial.sock" "CREATE:$T/serial.$1" 2>/dev/null &
    EXTRA_PIDS="$EXTRA_PIDS $!"
}

out=$(V check 2>&1)
check_match "check says guests run as units here" "start mode: systemd: each guest runs as vmdeck@NAME.service" "$out"

# A start from a login whose processes are all killed when it ends (as logind's KillUserProcesses would).
sd_sh systemd-run --quiet --unit=login-sim --service-type=exec -p KillMode=control-group \
    /bin/sh -c "/usr/local/bin/vmdeck -c $CONF start lin1 > $T/login.out 2>&1; sleep 600"
serial lin1
wait_until 30 grep -q started "$T/login.out"
check_match "start through the unit prints the usual line" "^lin1: started \(pid [0-9]+\)" "$(cat "$T/login.out")"
check_eq "QEMU is the unit's main process" "$(pid_in lin1)" "$(sd_ctl show -p MainPID --value vmdeck@lin1.service)"
sd_ctl stop login-sim.service
check_eq "the login's processes are gone" "inactive" "$(sd_ctl is-active login-sim.service)"
check_eq "the guest it started still runs" "active" "$(sd_ctl is-active vmdeck@lin1.service)"
check_eq "vmdeck sees it running" "running" "$(V show lin1 --json | jq -r .state)"

sd_sh env SSH_CONNECTION="192.0.2.7 50022 192.0.2.1 22" /usr/local/bin/vmdeck -c "$CONF" start lin2 > /dev/null 2>&1
serial lin2
check_eq "a start through the unit names who asked, not systemd" "by=root from 192.0.2.7" \
    "$(grep -F $'\tstart\t' "$T/state/lin2/events.log" | tail -1 | cut -f3)"

# A refused start: the unit's own reason, one line, exit 1 (not "see journalctl").
err=$(V start broken 2>&1 >/dev/null); rc=$?
check_eq "a refused start exits 1" 1 "$rc"
check_match "and says why in one line" "^vmdeck: broken: cannot start: ISO not found: nonesuch.iso" "$err"
check_eq "one line only" 1 "$(printf '%s\n' "$err" | wc -l)"

# A QEMU that dies on its own fails its unit and leaves an event; vmdeck's own kill does not.
V start bios > /dev/null 2>&1
sd_sh kill -9 "$(pid_in bios)"
wait_until 15 sh -c "[ \"\$(nsenter -t $SD_PID --all systemctl is-failed vmdeck@bios.service)\" = failed ]"
check_eq "a QEMU killed behind vmdeck's back fails the unit" "failed" "$(sd_ctl is-failed vmdeck@bios.service)"
check_match "its events say QEMU ended on its own" "QEMU ended on its own: killed KILL" "$(ev bios)"
check_match "and the notify program was told, subject as its argument" "argv: bios: QEMU ended on its own" \
    "$(wait_until 10 test -s "$T/notify.log"; cat "$T/notify.log" 2>/dev/null)"
check_match "with a report on its stdin" "guest bios: QEMU ended on its own \(killed KILL\)" "$(cat "$T/notify.log" 2>/dev/null)"
V start bios > /dev/null 2>&1
V kill bios > /dev/null 2>&1
wait_until 10 sh -c "! nsenter -t $SD_PID --all systemctl is-active -q vmdeck@bios.service"
check_eq "vmdeck kill is no crash: one 'ended on its own' line, from before" 1 "$(ev bios | grep -c 'ended on its own')"
check_eq "and no second alert" 1 "$(grep -c '^argv:' "$T/notify.log")"

# systemctl stop runs the ladder: this one ignores ACPI, so quit after its own 3 s.
V start bios > /dev/null 2>&1
t0=$(date +%s)
sd_ctl stop vmdeck@bios.service
check_match "systemctl stop: ACPI, then quit after the guest's own 3 s (the unit's 1 s extended)" \
    "did not power off in 3 s at systemctl stop: ended with quit" "$(ev bios)"
check "and it took about that long" test $(( $(date +%s) - t0 )) -lt 15

# Host shutdown: two Linux guests that power off by ACPI, one that ignores it, one frozen.
V start bios > /dev/null 2>&1
V start frozen > /dev/null 2>&1
sd_sh kill -STOP "$(pid_in frozen)"
for g in lin1 lin2; do
    wait_until 120 grep -q vmdeck-guest-ready "$T/serial.$g" || fail "$g: no ready marker in 120 s"
done
t0=$(date +%s%N)
sd_poweroff 120
check "the namespace powered off" test $? = 0
secs=$(( ($(date +%s%N) - t0) / 1000000000 ))
note "poweroff with 4 guests took $secs s"
for g in lin1 lin2; do
    check_match "$g: powered off by ACPI at host shutdown" "powered off by ACPI at host shutdown after [0-9.]+ s" "$(ev $g)"
done
check_eq "who stopped them: host shutdown" "by=host shutdown" \
    "$(grep -hF 'at host shutdown after' "$T"/state/lin*/events.log | cut -f3 | sort -u)"
check_match "bios: quit after its 3 s at host shutdown" "did not power off in 3 s at host shutdown: ended with quit" "$(ev bios)"
check_match "frozen: killed at host shutdown" "at host shutdown: ended with SIGKILL" "$(ev frozen)"
check "the ACPI waits ran in parallel, not one after another" test "$secs" -lt 60
check "nothing outside the namespace changed (marker in /tmp kept)" sd_marker_kept
finish
