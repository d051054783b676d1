#!/bin/bash
# orphans.sh: at 80x24, the disk a deleted guest left behind and one no guest
# ever had are listed by O (disks no guest uses); one is deleted after a
# question that names it, the other attached to a guest as its second disk.
# The deleted guest's events.log is archived, not left for a namesake.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf < /dev/null
qemu-img create -q -f raw "$T/disks/web.raw" 1M
qemu-img create -q -f raw "$T/disks/old.raw" 1M
qemu-img create -q -f qcow2 "$T/disks/spare.qcow2" 2M
mkguest web <<EOF2
disks:
  - file: web.raw   # system
EOF2
mkguest gone <<EOF2
disks:
  - file: $T/disks/old.raw
EOF2

tui_start
tmux_ resize-window -x 80 -y 24
tui_select gone
tui_keys D
check_screen "Delete says the disk is kept" "Disk $T/disks/old.raw is KEPT"
tui_keys g o n e Enter
check "the guest is gone" wait_until 5 eval '[ ! -e "$T/vms.d/gone.yaml" ]'
check "its events.log is set aside, so a new guest of that name starts with none" \
    test ! -e "$T/state/gone/events.log" -a -n "$(ls "$T/state/gone/" | grep -E '^events\.log\.deleted-[0-9]{8}-[0-9]{6}$')"
check_match "the archive ends with the deletion" "definition deleted \(disks kept\)$" "$(cat "$T"/state/gone/events.log.deleted-*)"

tui_keys O
check_screen "O lists the disks no guest uses, the kept one first" 'Disk +< old\.raw +1(\.0)?M >' 5
check_screen "the status line counts them" '2 disks no guest uses' 5
tui_keys Right
check_screen "Right shows the other orphan" 'Disk +< spare\.qcow2 +2(\.0)?M >'
check "the guest's own disk is not offered" eval '! tui_has "web\.raw"'
tui_keys Left Down Right Enter
check_screen "delete asks first, naming the disk" "Delete disk $T/disks/old\.raw\?"
check "nothing is deleted before the answer" test -e "$T/disks/old.raw"
tui_keys y
check "y deletes it" wait_until 5 eval '[ ! -e "$T/disks/old.raw" ]'
check "the other orphan stays" test -e "$T/disks/spare.qcow2"

tui_select web
tui_keys O
check_screen "O again: only the other orphan is left" 'Disk +< spare\.qcow2 +2(\.0)?M >' 5
check_screen "attaching is the first choice, to the selected guest" 'Guest +< web >'
tui_keys Enter
check "attach makes it web's second disk, comments kept" wait_until 5 grep -qxF "  - file: $T/disks/spare.qcow2" "$T/vms.d/web.yaml"
check_eq "the first disk's line is as it was" "  - file: web.raw   # system" "$(grep 'web.raw' "$T/vms.d/web.yaml")"
check_screen "the status line says so" "web: disk .*spare\.qcow2 attached" 5
tui_keys O
check_screen "no orphan left: O says so" 'belongs to a guest' 5
check "and opens no form" eval '! tui_has "Disks no guest uses"'
tui_stop
finish
