#!/bin/bash
# run: alone (it measures time against a bound: tests/run.sh)
# events_status.sh: the console is told of changes by QEMU's events, not by
# polling. With ui.refresh = 5, a guest paused and resumed by a raw QMP
# command from outside vmdeck shows its new state within 1 s, and a CD tray
# opened shows an empty CD column within 1 s. The console holds each guest's
# events.sock (its lock is taken); a guest without one (started before it
# existed: the socket file is gone) is polled at the refresh as before.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf <<'EOF2'
ui = { refresh = 5.0; };
EOF2
head -c 1048576 /dev/zero > "$T/iso/one.iso"
echo "cdrom: $T/iso/one.iso" | mkguest ev
mkguest old < /dev/null
for g in ev old; do check "start $g" "$VMDECK" -c "$CONF" start "$g"; done
rm -f "$T/state/old/events.sock"  # QEMU still listens, but nobody can reach it: as for an older guest

tui_start
check_screen "both guests run" '^ old +running' 8
check_screen "ev shows its CD" '^ ev +running.*one\.iso' 8
held() { ! flock -n "$T/state/ev/events.sock.lock" true; }
check "the console holds ev's event monitor" wait_until 5 held

# ms until the screen shows REGEX (checked every 10 ms), 9999 after 4 s
shows_within() {
    local t0=$EPOCHREALTIME ms
    while ! tui_has "$1"; do
        ms=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
        [ "$ms" -gt 4000 ] && { echo 9999; return; }
        sleep 0.01
    done
    awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }'
}
sleep 1
for round in 1 2; do
    qmp_reply ev stop > /dev/null
    ms=$(shows_within '^ ev +paused')
    check "round $round: a raw QMP stop shows paused within 1 s (took $ms ms, refresh 5 s)" [ "$ms" -lt 1000 ]
    sleep 0.$((RANDOM % 9 + 1))
    qmp_reply ev cont > /dev/null
    ms=$(shows_within '^ ev +running')
    check "round $round: a raw QMP cont shows running within 1 s (took $ms ms)" [ "$ms" -lt 1000 ]
    sleep 0.$((RANDOM % 9 + 1))
done

# The tray opened as a guest's own eject leaves it: the medium stays in QEMU, the tray is open.
check_eq "the tray opens" '{"return":{}}' "$(qmp_reply ev blockdev-open-tray '{"id":"cd0"}')"
t0=$EPOCHREALTIME
wait_until 4 eval '! tui_row ev | grep -q one.iso'
ms=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
check_nomatch "the CD column no longer shows one.iso once the tray is open" 'one\.iso' "$(tui_row ev)"
check "... and within 1 s (took $ms ms)" [ "$ms" -lt 1000 ]
check_eq "list --json agrees: no readable CD" null "$("$VMDECK" -c "$CONF" show ev --json | jq -r .cdrom)"

# The guest without events.sock is polled: a raw stop shows at the next refresh.
qmp_reply old stop > /dev/null
check_screen "a guest without events.sock still shows paused (polled)" '^ old +paused' 7

tui_stop
check "after the console quits, the event monitor is free again" wait_until 3 eval '! held'
for g in ev old; do "$VMDECK" -c "$CONF" kill "$g" > /dev/null 2>&1; done
finish
