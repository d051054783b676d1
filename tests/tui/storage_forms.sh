#!/bin/bash
# storage_forms.sh: the console's storage forms, each running a vmdeck verb as
# a background job: a backup (with a progress bar in the guest's row while it
# runs), a restore picked from backup.dir under a new name, one typed as
# HOST:/path onto a named disk file, a disk resize, a
# new disk, and a move to another server (a real sshd on 127.0.0.1) into a
# disk folder of its own; the rest of the console stays live meanwhile.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"
source "$(dirname "$0")/../ssh-lib.sh"

write_conf < /dev/null
sshd_start
cat >> "$CONF" <<EOF2
hosts = ( { name = "kvm2"; ssh = "peer"; ssh_config = "$SSH_DIR/config"; vms_dir = "$T/remote/vms.d"; } );
EOF2
head -c 4M /dev/urandom > "$T/disks/small.raw"; truncate -s 16M "$T/disks/small.raw"
mkguest small <<EOF2
disks:
  - file: $T/disks/small.raw
EOF2
# A slow one (the strongest compression of random data) to watch its progress.
head -c 32M /dev/urandom > "$T/disks/big.raw"
mkguest big <<EOF2
disks:
  - file: $T/disks/big.raw
EOF2
sed -i 's/level = 3/level = 19/' "$CONF"

tui_start
tui_select big
tui_keys B
check_screen "B opens the backup form" 'Back up'
check_screen "proposing backup.dir on this host" "Destination +< this host >"
tui_keys Enter
check_screen "the guest's row shows the backup's progress" '^ big .* backup +[0-9]+% \[[#.]{10}\]$' 20
tmux_ resize-window -x 80 -y 24
check_screen "at 80 columns: the verb and figure whole, a shorter bar" '^ big .* backup +[0-9]+% \[[#.]{4,}\]$' 3
tmux_ resize-window -x 100 -y 30
tui_keys Down
check_screen "the console stays live meanwhile (selection moves)" '^ small ' 3
wait_until 120 bash -c "ls -d $T/backup/big-* >/dev/null 2>&1"
check "the backup archive was written" bash -c "ls $T/backup/big-*/manifest.yaml >/dev/null 2>&1"
sed -i 's/level = 19/level = 3/' "$CONF"

tmux_ resize-window -x 80 -y 24
tui_select small
tui_keys B Enter
wait_until 30 bash -c "ls $T/backup/small-*/manifest.yaml >/dev/null 2>&1"
check "a second backup from the form" bash -c "ls $T/backup/small-*/manifest.yaml >/dev/null 2>&1"
check_screen "at 80 columns the status line leads with the outcome and keeps the archive's name" \
    '^small: backup done: .*/small-[0-9]{8}-[0-9]{6}' 5
tmux_ resize-window -x 100 -y 30

tui_keys U
check_screen "U opens the restore form with the newest archive" 'Archive \(newest first\) +< small-[0-9]{8}-[0-9]{6} >'
check_screen "proposing the archived guest's name" 'Restore as guest +small'
check_screen "what an archive opens to the network waits for a yes" 'Allow open VNC/bridge +< *no *>'
tui_keys Right
check_screen "Right picks the next archive, of another guest" 'Archive \(newest first\) +< big-[0-9]{8}-[0-9]{6} >'
check_screen "and the proposed name follows it" 'Restore as guest +big'
tui_keys Left Enter
check_screen "onto an existing guest the form stays open and names its own fields" \
    'small exists: change Restore as guest, or Replace it: yes' 3
check_screen "the form is still there" 'Restore as guest +small' 2
tui_keys C-u c o p y 1 Enter
check_screen "the restored copy appears in the table" '^ copy1 +stopped' 20
check "its disk is the original's content" cmp -s "$T/disks/copy1.raw" "$T/disks/small.raw"

# An archive typed rather than picked: on the backup server over ssh (the
# hosts entry), restored as another copy onto a disk file named in the form.
small_archive=$(cd "$T/backup" && ls -d small-*)
tui_keys U Down
tui_keys -l "kvm2:$T/backup/$small_archive"
check_screen "a typed archive takes the place of the picked one" "Or path, HOST:/path +kvm2:"
tui_keys Down C-u c o p y 2 Down
tui_keys -l "$T/disks/elsewhere.raw"
tui_keys Enter
check_screen "the copy from the backup server appears in the table" '^ copy2 +stopped' 20
check "onto the disk file the form named, byte for byte" cmp -s "$T/disks/elsewhere.raw" "$T/disks/small.raw"
check "and its definition names that file" grep -q "file: $T/disks/elsewhere.raw" "$T/vms.d/copy2.yaml"

tui_select small
tui_keys Z
check_screen "Z opens the resize form on the guest's disk" "Disk +< $T/disks/small.raw >"
tui_keys 3 2 M Enter
check "the disk grows to 32M" wait_until 10 bash -c "[ \$(stat -c %s $T/disks/small.raw) = 33554432 ]"

tui_keys N
check_screen "N opens the new-disk form" 'New disk'
tui_keys C-u
tui_keys -l "$T/disks/extra.qcow2"
tui_keys Down C-u 8 M Enter
# the file is made (0600) before qemu-img writes into it (and holds its lock):
# wait for the finished image, not the name
disk_is() { [ "$(qemu-img info -U --output=json "$T/disks/extra.qcow2" 2>/dev/null |
                jq -r '.format + " " + (."virtual-size"|tostring)')" = "$1" ]; }
check "the new disk is created, a qcow2 of 8M" wait_until 10 disk_is "qcow2 8388608"

tui_select small
tui_keys M
check_screen "M opens the move form with the configured host" 'To host +< kvm2 >'
tui_keys Down Down
tui_keys -l "$T/there"
tui_keys Enter
check "the disk lands in the folder given there" wait_until 20 test -f "$T/there/small.raw"
check "byte for byte" wait_until 5 cmp -s "$T/there/small.raw" "$T/disks/small.raw"
check "the definition there names it" wait_until 5 grep -q "file: $T/there/small.raw" "$T/remote/vms.d/small.yaml"
check_screen "the job reports the move" 'moved to kvm2 \(verified\), source kept' 10

tui_stop
sshd_stop
finish
