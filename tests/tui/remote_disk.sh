#!/bin/bash
# remote_disk.sh: delete, new disk and resize for another host from the
# console. kvm2 is a real sshd on 127.0.0.1 in its own mount namespace, with
# its own configuration, vms.d and disk folder (hosts-lib.sh). D on kvm2's
# guest asks the question `vmdeck delete` asks, from kvm2's answer, and
# deletes it there (its disk stays); N while the table shows kvm2 offers
# kvm2's disk folder and makes the disk there; Z on kvm2's guest lists its
# disks and resizes the image file there; O lists kvm2's orphans, deletes one
# and attaches the other to kvm2's guest. Each is checked with kvm2's own
# vmdeck and qemu-img, and nothing happens here.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"
source "$(dirname "$0")/../ssh-lib.sh"
source "$(dirname "$0")/../hosts-lib.sh"

write_conf <<'EOF2'
heartbeat = 1.0;
host_name = "alpha";
EOF2
mkguest here < /dev/null
peer_start kvm2 <<< "heartbeat = 1.0;"
P="$T/peer-kvm2"
mkguest_on kvm2 old; mkguest_on kvm2 grow
qemu-img create -q -f raw "$P/disks/old.raw" 1M
qemu-img create -q -f qcow2 "$P/disks/grow.qcow2" 1M
printf 'disks:\n  - file: old.raw\n' >> "$P/vms.d/old.yaml"
printf 'disks:\n  - file: grow.qcow2\n    interface: virtio\n' >> "$P/vms.d/grow.yaml"
echo "hosts = ( $PEER_HOSTS );" >> "$CONF"
names_on() { vd_on "$1" list --json 2>/dev/null | jq -r '[.[].name] | join(" ")'; }
vsize_on() { on_host "$1" qemu-img info --output=json "$2" 2>/dev/null | jq '.["virtual-size"]'; }

tui_start
check_screen "kvm2's guests are in the table" '^ old +kvm2 +stopped' 10
check_screen "... both" '^ grow +kvm2 +stopped' 5

# D on kvm2's old: kvm2's own definition, the same question as here, the name typed.
tui_select old
tui_keys D
check_screen "D on kvm2's old asks the delete question for kvm2" 'Delete guest old on kvm2\? Its definition there is removed' 10
check_screen "... naming the disk kvm2 keeps" "Disk $P/disks/old.raw is KEPT \(remove" 3
check_screen "... and how to remove it there" "it with: vmdeck --host kvm2 disk delete" 3
tui_keys o l d Enter
check "the name typed deletes it on kvm2 (kvm2's own list)" wait_until 15 eval '[ "$(names_on kvm2)" = grow ]'
check "... its disk stays there" on_host kvm2 test -f "$P/disks/old.raw"
check_screen "... the table follows" '^ grow +kvm2' 5
check "... and old's row is gone" wait_until 10 eval '! tui_has "^ old +kvm2"'
check_eq "nothing was deleted here" "here" "$("$VMDECK" -c "$CONF" list --json | jq -r '[.[].name] | join(" ")')"

# Z on kvm2's grow: its disk as kvm2 has it, the new size, resized there.
tui_select grow
tui_keys Z
check_screen "Z on kvm2's grow: the resize form says where" 'Resize a disk of grow on kvm2' 10
check_screen "... offering grow's disk on kvm2" "< \.\.\./peer-kvm2/disks/grow\.qcow2 >" 3
tui_keys 3 M Enter
check "Enter resizes it on kvm2 (qemu-img info there: 3 MiB)" wait_until 15 eval '[ "$(vsize_on kvm2 "$P/disks/grow.qcow2")" = 3145728 ]'
check_screen "... and says so" 'resized .*grow\.qcow2 to 3M' 5

# N while the table shows kvm2 only: kvm2's disk folder, the disk made there.
tui_keys : 'host kvm2' Enter
check_screen ":host kvm2" 'only kvm2.s guests' 3
tui_keys N
check_screen "N: the new-disk form for kvm2" 'New disk on kvm2' 10
check_screen "... offering kvm2's disk folder" "$P/disks/ " 3
tui_keys n e w . r a w Tab C-u 2 M Enter
check "Enter makes the disk on kvm2 (its disk list: an orphan of 2 MiB)" wait_until 15 eval \
    '[ "$(vd_on kvm2 disk list --json | jq -r --arg n "$P/disks/new.raw" ".disks[] | select(.name == \$n) | \"\(.state) \(.size)\"")" = "orphan 2097152" ]'
check "... not here" test ! -e "$T/disks/new.raw"

# O while the table shows kvm2: kvm2's orphans (old.raw that D kept, new.raw that N made).
tui_keys O
check_screen "O: the orphans form for kvm2" 'Disks no guest uses on kvm2' 10
for _ in 1 2; do tui_has '< \.\.\..*old\.raw' && break; tui_keys Right; sleep 0.2; done
check_screen "... offering the disk D kept there" '< .*old\.raw +1(\.0)?M' 3
tui_keys Tab Right Enter
check_screen "delete asks, naming the host" "Delete disk .*old\.raw on kvm2\?" 5
tui_keys y
check "y deletes it on kvm2" wait_until 15 on_host kvm2 test ! -e "$P/disks/old.raw"
tui_keys O
check_screen "O again: the one orphan left" '< .*new\.raw +2(\.0)?M' 10
check_screen "... to be attached to kvm2's guest (grow, not this host's here)" '< grow >' 3
tui_keys Enter
check "Enter attaches it to grow on kvm2 (kvm2's own show)" wait_until 15 eval \
    '[ "$(vd_on kvm2 show grow --json | jq -r ".disks[1].file")" = "$P/disks/new.raw" ]'
check "... and here has no such disk" eval '! grep -q new.raw "$T/vms.d/here.yaml"'
tui_keys : 'host all' Enter

# With every host shown, N follows the selection: this host's guest, this host.
tui_select here
tui_keys N
check_screen "N on this host's guest: the form for this host" 'New disk on alpha' 5
check_screen "... offering this host's disk folder" "$T/disks/ " 3
tui_keys Escape
tui_select grow
tui_keys N
check_screen "N on kvm2's guest: the form for kvm2" 'New disk on kvm2' 10
tui_keys Escape

tui_stop
finish
