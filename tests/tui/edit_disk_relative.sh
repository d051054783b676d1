#!/bin/bash
# edit_disk_relative.sh: an image file named without a folder in the edit
# form is created where the definition will find it (storage.file_dir), as a
# new guest's is, not in whatever folder the console was started from.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf < /dev/null
mkguest rel < /dev/null
mkdir -p "$T/cwd"
cd "$T/cwd" || exit 1
tui_start
tui_select rel
tui_keys e
check_screen "the edit form opens" 'Edit rel'
for _ in $(seq 1 20); do
    tui_has 'none, a new LV, an existing LV, or an image file' && break
    tui_keys Down; sleep 0.1
done
check_screen "the cursor is on Disk" 'none, a new LV, an existing LV, or an image file'
for _ in $(seq 1 6); do
    tui_has 'Disk +< image file >' && break
    tui_keys Right; sleep 0.1
done
check_screen "Disk: image file" 'Disk +< image file >'
tui_keys Down C-u e x t r a . q c o w 2 Down C-u 1 M
check_screen "the draft is valid" 'valid: F2 saves'
tui_keys F2
check "the definition names the new disk" wait_until 10 grep -q 'extra.qcow2' "$T/vms.d/rel.yaml"
sleep 0.5
check "it was created in storage.file_dir" test -f "$T/disks/extra.qcow2"
check "not in the console's working folder" test ! -e "$T/cwd/extra.qcow2"
out=$("$VMDECK" -c "$CONF" argv rel 2>&1)
check_match "and the guest's command line uses that file" "$T/disks/extra.qcow2" "$out"
tui_stop
finish
