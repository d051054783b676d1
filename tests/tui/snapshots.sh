#!/bin/bash
# snapshots.sh: the console's snapshot list (S): a guest on a qcow2 disk,
# running (no OS: it sits in the BIOS); a snapshot made from the form with its
# proposed pre-YYYYmmdd-HHMM tag and RAM, one typed disk-only with a
# description, the list showing tag, date, kind, size and description, the
# detail pane's count and newest; a revert that says the running guest jumps
# back; a delete that asks first; a guest with snapshots is not deleted.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf < /dev/null
qemu-img create -q -f qcow2 "$T/disks/q.qcow2" 16M
mkguest sq <<EOF2
disks:
  - file: $T/disks/q.qcow2
EOF2
"$VMDECK" -c "$CONF" start sq > /dev/null || fail "start sq"

tui_start
tui_select sq
check_nomatch "the detail pane has no snapshot line while there are none" 'Snaps ' "$(tui_screen)"
tui_keys S
check_screen "S opens the guest's snapshots" 'Snapshots: sq'
check_screen "an empty list says how to make one" 'none yet: c makes one'
tui_keys c
check_screen "c opens the form" 'New snapshot'
check_screen "with a proposed tag" "Tag +pre-$(date +%Y%m%d)-[0-9]{4}"
check_screen "and RAM proposed for a running qcow2 guest" 'With RAM .*< yes >'
tui_keys Enter
check_screen "the list shows the RAM snapshot when its job ends" "pre-$(date +%Y%m%d)-[0-9]{4} +$(date +%Y-%m-%d) [0-9:]+ +RAM +[0-9.]+[KM]" 20
tui_keys c
tui_keys C-u 'before-update' Down Left Down 'vendor upgrade'
tui_keys Enter
check_screen "a typed disk-only snapshot with its description" 'before-update +[0-9-]+ [0-9:]+ +disk +- +vendor upgrade' 20
tui_keys Escape
check_screen "the detail pane counts them and names the newest" 'Snaps +2, newest before-update'
tui_keys S
tui_keys Up Enter
check_screen "revert asks, saying the running guest jumps back" 'running guest jumps back'
tui_keys y
check_screen "the revert ran as a job" 'reverted to snapshot pre-' 20
tui_keys S Down d
check_screen "delete asks first" 'Delete snapshot before-update of sq'
tui_keys y
check_screen "the delete ran as a job" 'snapshot before-update deleted' 20
check_nomatch "and the list lost it" 'before-update +[0-9-]+ [0-9:]+ +disk' "$(tui_screen)"
tui_keys Escape
"$VMDECK" -c "$CONF" kill sq > /dev/null
check_screen "the console sees it stopped" '^ sq +stopped' 10
tui_keys D
check_screen "D asks to delete the guest" 'Delete guest sq'
tui_keys 'sq' Enter
check_screen "a guest with snapshots is not deleted (an overlay may hold its newest data)" \
    'sq: cannot delete: it has snapshots: delete them first'
check "its definition is still there" test -f "$T/vms.d/sq.yaml"
tui_stop
finish
