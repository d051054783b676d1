#!/bin/bash
# snapshot_bad.sh: snapshots when the disk fills up. file_dir on a tiny tmpfs
# refuses a new overlay (one line; no overlay left behind, the definition and
# the running guest unchanged); a base on a tiny tmpfs refuses a commit,
# offline (qemu-img) and live (the QEMU job's error), and the chain stays
# valid and in the definition; a --with-ram snapshot into a full qcow2 fails
# with one line and leaves the image sound; a revert where a disk lacks the tag
# is refused whole. Guests without an OS: no boot needed.
source "$(dirname "$0")/../lib.sh"
write_conf
vd() { "$VMDECK" -c "$CONF" "$@"; }
MNTS=""
small() { # DIR SIZE: a tmpfs of SIZE on DIR, unmounted at the end
    mkdir -p "$1" && mount -t tmpfs -o "size=$2" tmpfs "$1" && MNTS="$1 $MNTS"
}
eval "lib_cleanup() $(declare -f cleanup | tail -n +2)"
cleanup() {
    local m
    for pf in "$T"/state/*/qemu.pid; do [ -f "$pf" ] && kill -9 "$(cat "$pf")" 2>/dev/null; done
    sleep 0.2
    for m in $MNTS; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
    MNTS=""
    lib_cleanup
}
trap 'cleanup' EXIT INT TERM

# 1. file_dir full: no room for the overlay.
small "$T/full" 1M
head -c 1000K /dev/zero > "$T/full/filler" 2>/dev/null
sed -i "s|file_dir = \"disks\"|file_dir = \"$T/full\"|" "$CONF"
truncate -s 16M "$T/disks/base.raw"
mkguest a <<EOF2
disks:
  - file: $T/disks/base.raw
EOF2
check "start a guest on a raw file" vd start a
out=$(vd snapshot a create s1 2>&1)
check_eq "a snapshot into a full file_dir fails (exit 1)" 1 $?
check_match "with one line naming the cause" "^vmdeck: a: .*No space left on device$" "$out"
check_eq "just one line" 1 "$(printf '%s\n' "$out" | wc -l)"
check_eq "no overlay is left behind" "filler" "$(ls "$T/full")"
check "the definition names no overlay" sh -c "! grep -q overlay '$T/vms.d/a.yaml'"
check_eq "the guest still runs on its base" "$T/disks/base.raw" \
    "$(qmp_return a query-block | jq -r '.[] | select(.device=="disk0") | .inserted.file')"
check_eq "no snapshot is listed" "[]" "$(vd snapshot a list --json | jq -c .)"
vd kill a > /dev/null

# 2. the base full: a commit has nowhere to write (offline, then live).
rm -f "$T/full/filler"
sed -i "s|file_dir = \"$T/full\"|file_dir = \"disks\"|" "$CONF"
small "$T/tiny" 1M
truncate -s 16M "$T/tiny/base.raw"
mkguest b <<EOF2
disks:
  - file: $T/tiny/base.raw
EOF2
check "a snapshot of the stopped guest" vd snapshot b create s1
OV="$T/disks/b-disk0-s1.qcow2"
qemu-io -f qcow2 -c 'write -P 0xab 0 4M' "$OV" > /dev/null
out=$(vd snapshot b delete s1 2>&1)
check_eq "an offline commit into a full base fails (exit 1)" 1 $?
check_match "with one line" "^vmdeck: b: .*(No space left|ENOSPC)" "$out"
check_eq "the definition still names the overlay" 1 "$(grep -c "overlay: $OV" "$T/vms.d/b.yaml")"
check "the overlay is sound" qemu-img check -q "$OV"
check "the guest still sees its newest data through the chain" sh -c \
    "qemu-io -f qcow2 -c 'read -P 0xab 0 4M' '$OV' | grep -q 'read 4194304'"
check "start the guest on its chain" vd start b
out=$(vd snapshot b delete s1 2>&1)
check_eq "a live commit into a full base fails (exit 1)" 1 $?
check_match "with one line: the chain is as it was" "^vmdeck: b: the commit of disk 1 did not finish .*No space left" "$out"
check_eq "QEMU still runs on the overlay" "$OV" \
    "$(qmp_return b query-block | jq -r '.[] | select(.device=="disk0") | .inserted.file')"
check_eq "and the snapshot is still there" s1 "$(vd snapshot b list --json | jq -r '.[].tag')"
vd kill b > /dev/null

# 3. a qcow2 disk on a full filesystem: the RAM does not fit.
small "$T/q" 1M
qemu-img create -q -f qcow2 "$T/q/c.qcow2" 16M
mkguest c <<EOF2
disks:
  - file: $T/q/c.qcow2
EOF2
check "start a guest on a qcow2 file" vd start c
out=$(vd snapshot c create r1 --with-ram 2>&1)
check_eq "a --with-ram snapshot that does not fit fails (exit 1)" 1 $?
check_match "with one line naming the full filesystem" "^vmdeck: c: .*no room: .* free where .*c.qcow2 is\)$" "$out"
check_eq "no snapshot is listed" "[]" "$(vd snapshot c list --json | jq -c .)"
check_eq "the guest runs on" running "$(vm_state c)"
vd kill c > /dev/null
check "the image is sound" qemu-img check -q "$T/q/c.qcow2"

# 4. a qcow2 disk added after a snapshot: a revert would be half one, so none is made.
qemu-img create -q -f qcow2 "$T/disks/d1.qcow2" 16M
qemu-img create -q -f qcow2 "$T/disks/d2.qcow2" 16M
mkguest d <<EOF2
disks:
  - file: $T/disks/d1.qcow2
EOF2
check "a snapshot of a one-disk qcow2 guest" vd snapshot d create t1
printf '  - file: %s\n' "$T/disks/d2.qcow2" >> "$T/vms.d/d.yaml"
qemu-io -f qcow2 -c 'write -P 0x11 0 64k' "$T/disks/d1.qcow2" > /dev/null
out=$(vd snapshot d revert t1 2>&1)
check_match "a revert where a disk lacks the tag is refused, one line" \
    "^vmdeck: d: disk 2 \(.*d2.qcow2\) has no snapshot t1: nothing was reverted$" "$out"
check "and disk 1 was not reverted either" sh -c "qemu-io -f qcow2 -c 'read -P 0x11 0 64k' '$T/disks/d1.qcow2' | grep -q 'read 65536'"
check "a delete passes over the disk without it" vd snapshot d delete t1
check_eq "disk 1 no longer has it" "" "$(qemu-img snapshot -l "$T/disks/d1.qcow2")"
finish
