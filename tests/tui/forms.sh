#!/bin/bash
# forms.sh: the new-guest form checks fields as they are typed and writes a
# definition that `vmdeck check` accepts and that starts (with its image file
# created); the edit form changes a key in place and keeps the file's
# comments; delete wants the name typed, refuses a running guest, and says
# which disk it keeps (and keeps it).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf < /dev/null
mkguest old <<'EOF'
# the old box: keep this comment
cpus: 1   # one is plenty
EOF
sed -i 's/^cpus: 1$//' "$T/vms.d/old.yaml" # mkguest's own cpus line; ours (with its comment) stays
n_bridges=$(ls -d /sys/class/net/*/bridge 2>/dev/null | wc -l)

tui_start
tui_keys n
check_screen "n opens the new-guest form" 'New guest'
check_screen "a free VNC display is proposed" 'VNC display +[0-9]+'
tui_keys f r e s h
# Memory: two fields down; a bad size is flagged as it is typed.
tui_keys Down Down C-u 6 4 X
check_screen "a bad memory size is refused as it is typed" 'memory: expected a size'
tui_keys BSpace M
check_screen "fixing it makes the draft valid" 'valid: F2 saves'
# Disk: an image file (none -> new LV -> existing LV -> image file), its path derived from the name.
tui_keys Down Down Down Down Right Right Right
check_screen "an image file disk gets a path from the name" "volume/file +$T/disks/fresh.qcow2"
tui_keys Down Down Down Down
[ "$n_bridges" -gt 0 ] && tui_keys Left # the first bridge is proposed; user NAT for the test
check_screen "user networking chosen" 'Network +< user \(NAT\) >'
# VNC listen only on loopback in the test (past NIC model, Autostart, CD, Boot, display).
tui_keys Down Down Down Down Down Down C-u 1 2 7 . 0 . 0 . 1
check_screen "still valid" 'valid: F2 saves'
tui_keys F2
check_screen "saving adds the guest to the table" '^ fresh +stopped' 10
check "the definition file was written" test -f "$T/vms.d/fresh.yaml"
check "its image file was created" test -f "$T/disks/fresh.qcow2"
out=$("$VMDECK" -c "$CONF" check 2>&1); rc=$?
check_eq "vmdeck check accepts it" 0 "$rc"
check_match "with the memory typed" '^memory: 64M' "$(cat "$T/vms.d/fresh.yaml")"
check_match "and the disk" "file: $T/disks/fresh.qcow2" "$(cat "$T/vms.d/fresh.yaml")"
check_match "and a MAC address of its own" "mac: 52:54:00:[0-9a-f:]{8}" "$(cat "$T/vms.d/fresh.yaml")"
tui_select fresh
tui_keys s
check "the new guest starts from the console" wait_until 10 state_is fresh running

# Edit: memory of "old" changes in place; comments stay.
tui_select old
tui_keys e
check_screen "e opens the edit form" 'Edit old'
tui_keys Down C-u 4 8 M Down Down Down Down Down Down
check_screen "the edit form reaches the NIC model" 'NIC model +< e1000 >'
tui_keys Right F2
check "the edit is written" wait_until 3 grep -q '^memory: 48M' "$T/vms.d/old.yaml"
check_match "the NIC's model is changed inside its list item" '^    model: rtl8139' "$(cat "$T/vms.d/old.yaml")"
check_match "the file's comments survive the edit" '# the old box: keep this comment' "$(cat "$T/vms.d/old.yaml")"
check_match "including the one after a value" 'cpus: 1 +# one is plenty' "$(cat "$T/vms.d/old.yaml")"
check_screen "the table shows the new memory" '^ old +stopped +- +48M'

# Delete: a running guest is refused; then the name must be typed; the disk stays.
tui_select fresh
tui_keys D
check_screen "deleting a running guest is refused" 'fresh is running: stop it before deleting'
"$VMDECK" -c "$CONF" kill fresh > /dev/null 2>&1
check_screen "fresh stopped" '^ fresh +stopped' 5
tui_keys D
check_screen "delete names the disk it keeps" "Disk $T/disks/fresh.qcow2 is KEPT"
tui_keys f r e s Enter
sleep 0.5
check "a wrong name does not delete" test -f "$T/vms.d/fresh.yaml"
tui_keys h Enter
check "the right name deletes the definition" wait_until 3 test ! -f "$T/vms.d/fresh.yaml"
check "the disk is still there" test -f "$T/disks/fresh.qcow2"
check_screen "and the guest leaves the table" 'definition deleted'
check "gone from the table" wait_until 3 eval '! tui_has "^ fresh "'
tui_stop
finish
