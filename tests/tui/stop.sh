#!/bin/bash
# stop.sh: graceful stop from the console. A real Linux guest (acpid) powers
# off on the ACPI button within the countdown and its event log says so; a
# guest with no OS ignores the button, the countdown runs out, and the
# console offers force-off, which really ends it.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

"$VMDECK_ROOT/tests/fixtures/build-guest.sh" > /dev/null 2>&1 || { echo "Bail out! no guest fixture"; exit 1; }
write_conf <<'EOF'
ui = { refresh = 0.5; };
EOF
sed -i 's/^shutdown_timeout = .*/shutdown_timeout = 4;/' "$CONF"
mklinux linux < /dev/null
mkguest bios < /dev/null

"$VMDECK" -c "$CONF" start linux 2>/dev/null
# The serial console, read from the start, tells when acpid is up.
socat -u "UNIX-CONNECT:$T/state/linux/serial.sock" "OPEN:$T/serial.out,creat" &
SOCAT_PID=$!
EXTRA_PIDS="$EXTRA_PIDS $SOCAT_PID"
"$VMDECK" -c "$CONF" start bios 2>/dev/null

tui_start
tui_select bios
tui_keys h
check_screen "h on a guest without an OS: countdown in the table" '^ bios +stopping [0-9]+s' 3
check_screen "the power button was pressed" 'ACPI power button pressed' 3
check_screen "when the countdown runs out, force-off is offered" 'bios did not power off within 4 s' 10
check_eq "the guest still runs while the question is open" running "$(vm_state bios)"
sleep 0.6 # keys in the first half second of a question no key asked for are no answer
tui_keys y
check "y forces it off" wait_until 5 state_is bios stopped

check "the Linux guest booted (acpid up)" wait_until 60 grep -q vmdeck-guest-ready "$T/serial.out"
kill "$SOCAT_PID" 2>/dev/null # the serial socket takes one client: the console's turn next
wait "$SOCAT_PID" 2>/dev/null
# The shutdown_timeout is short for the BIOS guest; the Linux one gets the default again.
sed -i 's/^shutdown_timeout = .*/shutdown_timeout = 60;/' "$CONF"
tui_stop
tui_start
tui_select linux
before=$(tui_screen | sed -n '1,14p' | cut -c1-34 | grep -v '^ vmdeck')

# The serial console and the monitor inside the console, and back.
tui_keys o
check_screen "o hands the terminal to the serial console" 'serial console of linux; Ctrl-\] comes back'
tui_keys 'echo vmdeck-$((40+2))' Enter
check_screen "the guest's shell answers through it" '^vmdeck-42' 10
tui_keys 'C-]'
check_screen "Ctrl-] comes back to the list" '^1Help 2Start'
check_eq "the list is as it was" "$before" "$(tui_screen | sed -n '1,14p' | cut -c1-34 | grep -v '^ vmdeck')"
tui_keys m
check_screen "m opens the monitor shell" 'Ctrl-D leaves'
tui_keys 'info status' Enter
check_screen "the monitor answers" 'VM status: running' 5
tui_keys C-d
check_screen "Ctrl-D comes back to the list" '^1Help 2Start'
check_screen "and says where it came back from" 'linux: back from the monitor'

tui_keys h
# The fixture powers off within a fraction of a second: the countdown row may be
# gone before a capture sees it (bios's countdown above is the one watched), so
# the row or the button press in its recent events will do.
check_screen "h on the Linux guest starts the countdown (or it is already over)" \
    '^ linux +stopping [0-9]+s|ACPI power button pressed \(by ' 3
check "the Linux guest powers itself off on the ACPI button" wait_until 40 state_is linux stopped
check_screen "the event log says so" '[0-9]{2}:[0-9]{2}  powered off by ACPI( \(by [^)]*\))?$' 5
check "no force-off question for a guest that stopped" eval '! tui_has "did not power off"'
tui_stop
finish
