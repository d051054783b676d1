#!/bin/bash
# clone_form.sh: the console's clone entry: C on a stopped guest opens a small
# form proposing NAME-clone (then the next free name), runs `vmdeck clone` as
# a background job, and the clone appears in the table with a copy of the
# disk; linked: yes makes an overlay and the source a template; a bad name
# keeps the form open; a running guest is refused with one line. The
# new-guest form lists templates and makes a guest from one the same way.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf < /dev/null
head -c 4M /dev/urandom > "$T/disks/src.raw"; truncate -s 32M "$T/disks/src.raw"
mkguest src <<EOF2
disks:
  - file: $T/disks/src.raw
EOF2
mkguest busy

tui_start
tui_select src
tui_keys C
check_screen "C opens the clone form" 'Clone'
check_screen "proposing NAME-clone" 'New guest name +src-clone'
check_screen "full copy by default" 'Linked \(overlays\) +< no >'
tui_keys Enter
check_screen "the clone appears in the table" '^ src-clone +stopped' 30
wait_until 20 test -e "$T/vms.d/src-clone.yaml"
check "its disk is a copy of the source's, byte for byte" cmp -s "$T/disks/src-clone.raw" "$T/disks/src.raw"

tui_select src
tui_keys C
check_screen "the next proposal is the next free name" 'New guest name +src-clone-2'
tui_keys Down Right
check_screen "linked: yes" 'Linked \(overlays\) +< yes >'
tui_keys Enter
check_screen "the linked clone appears in the table" '^ src-clone-2 +stopped' 30
wait_until 20 grep -q '^template: true' "$T/vms.d/src.yaml"
check "the source is marked a template" grep -q '^template: true' "$T/vms.d/src.yaml"
check_eq "the clone's disk is an overlay on the source's" "$T/disks/src.raw" \
    "$(qemu-img info -U --output=json "$T/disks/src-clone-2.qcow2" | jq -r '."backing-filename"')"

# the new-guest form starts from a template: the clone made by the same verb
tui_keys n
check_screen "the new-guest form offers the template" 'From template +< none >'
tui_keys -l 'fromtpl'
tui_keys Down Right
check_screen "Right picks the template" 'From template +< src >'
check_screen "the guest's own fields give way to linked yes/no" '  linked +< no >'
tui_keys F2
check_screen "the guest made from the template appears" '^ fromtpl +stopped' 30
wait_until 20 test -e "$T/vms.d/fromtpl.yaml"
check "a full copy of the template's disk" cmp -s "$T/disks/fromtpl.raw" "$T/disks/src.raw"

tui_select src
tui_keys C C-u
tui_keys -l 'bad/name'
tui_keys Enter
check_screen "a bad name keeps the form open, saying why" 'not a valid guest name'
tui_keys Escape

# a running guest: refused at once, with one line
"$VMDECK" -c "$CONF" start busy >/dev/null 2>&1
tui_select busy
wait_until 10 tui_has '^ busy +running'
tui_keys C
check_screen "a running guest is refused" 'clone: busy is running: stop it first'
"$VMDECK" -c "$CONF" kill busy >/dev/null 2>&1
tui_stop
finish
