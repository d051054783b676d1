#!/bin/bash
# snapshot_backup.sh: a live backup of a guest running on a snapshot chain
# (its raw disk under a qcow2 overlay holding newer data) stores what the
# guest sees, and its restore is a flat raw disk with no overlay: byte for
# byte the chain's content, not the stale base. A disk added later is refused
# (or noticed). The guest has no OS.
source "$(dirname "$0")/../lib.sh"
write_conf
vd() { "$VMDECK" -c "$CONF" "$@"; }
truncate -s 16M "$T/disks/base.raw"
head -c 1M /dev/urandom | dd of="$T/disks/base.raw" bs=1M seek=2 conv=notrunc status=none
mkguest g <<EOF2
disks:
  - file: $T/disks/base.raw
EOF2
check "a snapshot of the stopped guest" vd snapshot g create s1
OV="$T/disks/g-disk0-s1.qcow2"
qemu-io -f qcow2 -c 'write -P 0x77 4M 1M' -c 'write -P 0x55 2M 64k' "$OV" > /dev/null
check "start the guest on its chain" vd start g
check "pause it, so what it sees holds still" vd pause g
qemu-img convert -U -O raw "$OV" "$T/expect.raw"
check "the chain differs from its base" sh -c "! cmp -s '$T/expect.raw' '$T/disks/base.raw'"
check "a live backup of the guest on the chain" vd backup g --live
vd kill g > /dev/null
arch=$(ls -d "$T/backup"/g-* | head -1)
check "restore it as a copy" vd restore "$arch" --as g2 --to-file "$T/disks/g2.raw"
check "the restored disk is what the guest saw, byte for byte" cmp -s "$T/expect.raw" "$T/disks/g2.raw"
check "the restored definition names no overlay" sh -c "! grep -q 'overlay: /' '$T/vms.d/g2.yaml'"
check_eq "the restored copy has no snapshots" "[]" "$(vd snapshot g2 list --json | jq -c .)"

# Its snapshots cover one disk: a second one is refused, or noticed if written in by hand.
truncate -s 8M "$T/disks/extra.raw"
out=$(vd disk attach "$T/disks/extra.raw" g 2>&1)
check_match "attaching a disk to a guest with snapshots is refused" "vmdeck: g: cannot attach .*g has snapshots: delete them first" "$out"
printf '  - file: %s\n' "$T/disks/extra.raw" >> "$T/vms.d/g.yaml"
out=$(vd snapshot g create s2 2>&1)
check_eq "a disk written in by hand: the snapshots are not guessed at" \
    "vmdeck: g: snapshot s1 covers 1 disks, the guest has 2: its disks changed since" "$out"
finish
