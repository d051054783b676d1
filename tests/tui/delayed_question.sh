#!/bin/bash
# run: alone (it measures time against a bound: tests/run.sh)
# delayed_question.sh: a question that no key asked for (the stop
# countdown's "Force it off now?") never takes keys meant for something
# else. While a form is open it waits, and the typing goes on into the form;
# it is asked once the main screen is back, and keys in its first half
# second are no answer. A question that no longer applies is dropped.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf <<'EOF2'
ui = { refresh = 0.5; };
EOF2
sed -i 's/^shutdown_timeout = .*/shutdown_timeout = 4;/' "$CONF"
mkguest bios < /dev/null
"$VMDECK" -c "$CONF" start bios 2>/dev/null

tui_start "TERM=xterm"
tmux_ resize-window -x 80 -y 24
tui_keys h
check_screen "h on a guest without an OS: the countdown runs" '^ bios +stopping [0-9]+s' 3
tui_keys n
check_screen "n opens the new-guest form" 'New guest' 3
# A name full of y, typed without a pause until a second after the countdown ran out.
typed=0 after=0
while [ "$after" -lt 8 ] && [ "$typed" -lt 50 ]; do
    tui_keys y
    typed=$((typed + 1))
    tui_has 'did not power off within' && after=$((after + 1))
    sleep 0.12
done
check "the countdown ran out while typing went on ($typed keys)" [ "$after" -ge 8 ]
check_eq "typing y into the form did not force the guest off" running "$(vm_state bios)"
check "the question did not open over the form" eval '! tui_has "Stop timed out|y: yes   n or Esc: no"'
check_screen "the form holds every y typed" "│ Name +y{$typed} " 2
check_screen "the status line says a question waits" 'bios did not power off within 4 s\. Force it off now\? \(asked on the main' 2
check "events.log: the timeout, no force-off" eval 'grep -q "did not power off within 4 s" "$T/state/bios/events.log" && ! grep -q "forced off" "$T/state/bios/events.log"'

# The y goes with the Escape, so it is typed before the question appears or
# within its first half second whatever the machine's load: no answer either way.
tui_keys Escape y
check_screen "back on the main screen, the question is asked" 'Stop timed out' 3
sleep 1
check_eq "a y typed with the Escape is no answer" running "$(vm_state bios)"
check_screen "and the question is still open" 'Force it off now\?' 1
tui_keys y
check "a y after that forces it off" wait_until 5 state_is bios stopped
check_screen "and the question has closed" '^ bios +stopped' 5

# A question whose guest stopped meanwhile is not asked at all.
# (the console's stop job may still hold the guest's lock for a moment after
# the force-off: start says "busy" then, so it is tried until it is taken)
wait_until 10 "$VMDECK" -c "$CONF" start bios
check_screen "bios runs again" '^ bios +running' 5
tui_keys h
tui_wait '^ bios +stopping [0-9]+s' 3
tui_keys n
tui_wait 'New guest' 3
check_screen "the countdown runs out behind the form" 'bios did not power off within 4 s' 8
"$VMDECK" -c "$CONF" kill bios > /dev/null 2>&1
sleep 1.5 # a status round or two
tui_keys Escape
check_screen "back on the main screen" '^ bios +stopped' 3
sleep 1
check "the stale question is dropped" eval '! tui_has "Stop timed out"'

# Nor when the guest was stopped and started again meanwhile: the new run is not the one that hung.
wait_until 10 "$VMDECK" -c "$CONF" start bios
check_screen "bios runs once more" '^ bios +running' 5
tui_keys h
tui_wait '^ bios +stopping [0-9]+s' 3
tui_keys n
tui_wait 'New guest' 3
check_screen "its countdown runs out behind the form" 'bios did not power off within 4 s' 8
"$VMDECK" -c "$CONF" kill bios > /dev/null 2>&1
"$VMDECK" -c "$CONF" start bios 2>/dev/null
sleep 1.5 # a status round or two: a new QEMU
tui_keys Escape
check_screen "back on the main screen, bios running (a new run)" '^ bios +running' 3
sleep 1
check "the question about the old run is dropped" eval '! tui_has "Stop timed out"'
check_eq "and the new run is left running" running "$(vm_state bios)"
tui_stop
finish
