#!/bin/bash
# run: alone (it measures time against a bound: tests/run.sh)
# table.sh: the console's main screen against real QEMU guests: the table
# shows each guest's real state; start, pause, resume and force-off from keys
# change what the guest does; a SIGSTOPped QEMU shows unresponsive while keys
# still answer at once; resizing below 80x24 shows the too-small screen.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf <<'EOF'
ui = { refresh = 0.5; };
EOF
for g in g1 g2 g3; do mkguest $g < /dev/null; done
# Paths too long for the detail pane (the files need not exist to be shown).
mkguest g4 <<EOF
disks:
  - file: $T/disks/a-rather-long-folder-for-images/and-one-more-level/web-system.qcow2
    size: 20G
    interface: virtio
cdrom: $T/iso/installers/microsoft/server/2008/windows-2008r2-sp1.iso
EOF
printf 'memory: lots\ncpus: 1\n' > "$T/vms.d/broken.yaml"
"$VMDECK" -c "$CONF" start g1 2>/dev/null
"$VMDECK" -c "$CONF" start g2 2>/dev/null
"$VMDECK" -c "$CONF" pause g2

tui_start
check_screen "header names the host" "^ vmdeck  $(hostname -s)  load [0-9.]+  mem free"
check_screen "running guest shown running" '^ g1 +running +[0-9.]+ +32M'
check_screen "paused guest shown paused" '^ g2 +paused '
check_screen "stopped guest shown stopped" '^ g3 +stopped +- +32M'
check_screen "invalid definition listed, not hidden" '^ broken +invalid'
check_screen "function-key bar drawn from the key table" '^1Help 2Start 3Stop 4Edit 5CD 6Console 7New 8Delete 9Menu 10Quit'

# The detail pane follows the selection.
tui_select g3
check_screen "detail pane shows the selected guest" '── g3 ─'
check_screen "detail pane lists the NIC" 'NICs +user \(NAT\) +e1000 +52:54:00'
tui_select g4
check_screen "a long disk path keeps size, bus and the file's name" 'Disks +20G +virtio +\.\.\./web-system\.qcow2 '
check_screen "a long CD path keeps the image's name" 'CD +\.\.\./[a-z0-9/]*windows-2008r2-sp1\.iso *$'
tui_select g3

# s starts the selected guest: QEMU really runs it.
tui_keys s
check "s starts g3 (vmdeck list --json says running)" wait_until 10 state_is g3 running
check_screen "table follows: g3 running" '^ g3 +running' 5
check_screen "the event log says started" '[0-9]{2}:[0-9]{2}  started( \(by [^)]*\))?$' 5

# p pauses a running guest and resumes a paused one.
tui_select g1
tui_keys p
check "p pauses g1" wait_until 5 state_is g1 paused
tui_select g2
tui_keys p
check "p resumes g2" wait_until 5 state_is g2 running

# K asks first; n keeps the guest, K then y forces it off.
tui_select g3
tui_keys K
check_screen "force-off asks for confirmation" 'Force g3 off now\?'
tui_keys n
sleep 0.5
check_eq "n leaves g3 running" running "$(vm_state g3)"
tui_keys K
tui_wait 'Force g3 off now\?'
tui_keys y
check "K, y forces g3 off" wait_until 5 state_is g3 stopped
check_screen "table follows: g3 stopped" '^ g3 +stopped' 5

# Enter opens the action menu; its rows run the same actions as the keys.
tui_select g1
tui_keys Enter
check_screen "Enter opens the action menu for the guest" 'Actions: g1'
check_screen "it lists the actions from the key table" 'graceful stop: ACPI power button'
check_screen "each row whole, however long (the menu is as wide as its rows)" 'countdown, offer force-off +│'
tui_keys Down Down Down Down Down Down
check_screen "Down moves through it" 'Actions: g1'
tui_keys p
check "p in the menu resumes g1" wait_until 5 state_is g1 running
check "and the menu closed" eval '! tui_has "Actions: g1"'

# A hung QEMU: unresponsive in the table, and a key still answers at once.
kill -STOP "$(cat "$T/state/g2/qemu.pid")"
check_screen "SIGSTOPped guest shows unresponsive" '^ g2 +unresponsive' 5
# Five presses at different points of the refresh cycle (the pauses between
# them spread the presses over it). A console that waited on the hung guest
# would be late on most; the median is held to the 300 ms, so one slow tmux
# capture on a busy machine is no failure.
all=""
for i in 1 2 3 4 5; do
    all="$all $(tui_latency '?' 'Help: keys')"
    tui_keys Escape
    wait_until 2 eval '! tui_has "Help: keys"'
    sleep 0.$((i * 2 - 1))
done
median=$(printf '%s\n' $all | sort -n | sed -n 3p)
note "keypress-to-screen with a hung guest (ms):$all"
check "help opens within 300 ms of the key while a guest hangs (median ${median} ms)" [ "$median" -lt 300 ]
kill -CONT "$(cat "$T/state/g2/qemu.pid")"
check_screen "resumed QEMU is running again" '^ g2 +running' 5

# Resize: too small, then back.
tmux_ resize-window -x 60 -y 20
check_screen "60x20 shows the too-small screen" 'terminal too small'
check_screen "it says the size it needs" '60x20, need 80x24'
tmux_ resize-window -x 100 -y 30
check_screen "100x30 restores the table" '^ g1 +(running|paused)'
check_screen "and the key bar" '^1Help 2Start'
# 80x24, PuTTY's default: a detail line too long for its half of the pane
# puts its last part on the next line rather than cutting it.
tmux_ resize-window -x 80 -y 24
check_screen "80x24 draws the table" '^ g1 +(running|paused)'
sleep 0.3
tui_select g1
check_screen "80x24: the NIC line keeps bridge and model" '^ NICs +user \(NAT\) +e1000 '
check_screen "80x24: and the MAC address whole, on the line under it" '^ {9}52:54:00:12:34:[0-9a-f]{2}( |$)'
tui_keys '?'
check_screen "80x24: the help shows the longest key text whole" 'countdown, offer force-off +│'
tui_keys Escape
tmux_ resize-window -x 100 -y 30
check_screen "at 100 columns it fits on one line again" '^ NICs +user \(NAT\) +e1000 +52:54:00:12:34:[0-9a-f]{2}'

# q quits and leaves the guests running.
tui_keys q
check_screen "q quits the console with status 0" 'vmdeck-exited-0'
check_eq "guests keep running after the console quits" running "$(vm_state g2)"
finish
