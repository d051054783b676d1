#!/bin/bash
# clone_lv.sh: `vmdeck clone` of a guest on an LV (a loop-backed VG): a full
# clone is a new LV of the same size in the same VG holding the same bytes; a
# linked clone is a qcow2 file over the LV; a copy that fails (a target too
# small, a file_dir that fills up) leaves neither a disk nor a definition;
# a template's LV is not resized, deleted or restored over under its clone.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../storage-lib.sh"
write_conf
vg_setup 64M
conf_lvm_storage
vd() { "$VMDECK" -c "$CONF" "$@"; }

SRC_DEV=$(lv_with_random "$VG" src 8 3)
mkguest src <<EOF2
disks:
  - lv: $VG/src
EOF2

# ---- full clone: a new LV, byte for byte ----
NEW_DEV=$(lv_prelink "$VG" lvc 8)   # where activation would put /dev/VG/lvc
out=$(vd clone src lvc 2>&1); rc=$?
check_eq "clone of an LV guest: exit 0" 0 "$rc"
check "the clone's LV exists in the same VG" lv_exists "$VG" lvc
check_eq "of the same size" 8388608 "$(lvm_ lvs --noheadings --units b --nosuffix -o lv_size "$VG/lvc" | tr -d ' ')"
check "it holds the source's bytes, every one" cmp "$SRC_DEV" "$NEW_DEV"
check_eq "the definition names it" "$VG/lvc" "$(vd show lvc --json | jq -r '.disks[0].lv')"

# ---- linked clone: a qcow2 file over the LV ----
out=$(vd clone src lk --linked 2>&1); rc=$?
check_eq "linked clone of an LV guest: exit 0" 0 "$rc"
info=$(qemu-img info -U --output=json "$T/disks/lk.qcow2")
check_eq "its disk is a qcow2 in file_dir backed by the LV (raw)" "/dev/$VG/src raw" \
    "$(jq -r '."backing-filename" + " " + ."backing-filename-format"' <<< "$info")"
check_eq "the clone reads the LV's bytes through it" "$(sha256sum < "$SRC_DEV")" \
    "$(qemu-img convert -U -O raw "$T/disks/lk.qcow2" "$T/lk.raw" && sha256sum < "$T/lk.raw")"
out=$(vd start src 2>&1); rc=$?
check_eq "the LV template refuses to start" 1 "$rc"
check_match "naming the linked clone" "template with linked clones: lk" "$out"

# the template's LV stays as its linked clone sees it
out=$(vd disk resize "$VG/src" 16M 2>&1); rc=$?
check_eq "disk resize of a template's LV is refused (exit 1)" 1 "$rc"
check_match "naming the linked clone" "$VG/src is the base of linked clones lk" "$out"
out=$(vd disk delete "$VG/src" --yes 2>&1); rc=$?
check_eq "disk delete of it is refused (exit 1)" 1 "$rc"
check "the LV is still there" lv_exists "$VG" src
check "a backup of the template works" vd backup src
out=$(vd restore "$(ls -d "$T"/backup/src-* | head -1)" --force 2>&1); rc=$?
check_eq "a restore over the template is refused (exit 1)" 1 "$rc"
check_match "saying why" "is the base of linked clones lk" "$out"

# ---- a guest with a snapshot (an overlay over its LV): a full clone copies what it sees ----
SNAP_DEV=$(lv_with_random "$VG" snapd 8 1)
mkguest snapd <<EOF2
disks:
  - lv: $VG/snapd
EOF2
check "a snapshot of the stopped LV guest" vd snapshot snapd create t1
ov=$(sed -n 's/^ *overlay: *\([^ ]*\).*/\1/p' "$T/vms.d/snapd.yaml")
check "the guest now runs on an overlay" test -f "$ov"
qemu-io -f qcow2 -c "write -P 0xab 2M 1M" "$ov" >/dev/null   # what the guest wrote since
qemu-img convert -U -f qcow2 -O raw "$ov" "$T/snapd-sees.raw"
SNAPC_DEV=$(lv_prelink "$VG" snapc 8)
check "a full clone of it" vd clone snapd snapc
check "holds what the guest sees (the chain's top), not the bare LV" cmp "$T/snapd-sees.raw" "$SNAPC_DEV"
check_nomatch "and no overlay of its own" 'overlay:' "$(cat "$T/vms.d/snapc.yaml")"
out=$(vd clone snapd snapl --linked 2>&1); rc=$?
check_eq "a linked clone of a guest with snapshots is refused (exit 1)" 1 "$rc"
check_match "saying why" "snapd: cannot clone: it has 1 snapshot: a linked clone needs a base that never changes" "$out"
check "and leaves no overlay" test ! -e "$T/disks/snapl.qcow2"

# ---- a copy that fails: the LV made for it goes again ----
lv_prelink "$VG" small 1 >/dev/null    # /dev/VG/small: a device too small for the copy
out=$(vd clone src small 2>&1); rc=$?
check_eq "a copy that cannot be written fails (exit 1)" 1 "$rc"
check_match "with one line naming the copy" "src: cannot clone: .*small" "$out"
check_eq "one line" 1 "$(printf '%s\n' "$out" | wc -l)"
check "the LV it made is removed" lv_absent "$VG" small
check "no definition is written" test ! -e "$T/vms.d/small.yaml"

# ---- file_dir fills up during the copy (a 4M tmpfs, in a private mount namespace) ----
head -c 12M /dev/urandom > "$T/big.img"; chmod 600 "$T/big.img"
mkguest big <<EOF2
disks:
  - file: $T/big.img
EOF2
out=$(unshare -m sh -c 'mount -t tmpfs -o size=4M tmpfs "$1/disks" &&
    "$2" -c "$1/vmdeck.conf" clone big bigc; echo "rc=$?"; echo "left: $(ls -A "$1/disks")"' sh "$T" "$VMDECK" 2>&1)
check_match "a full file_dir fails the clone (exit 1)" "rc=1" "$out"
check_match "saying what failed" "big: cannot clone: .*bigc.raw" "$out"
check_match "and leaves no disk file in file_dir" "left: $" "$out"
check "nor a definition" test ! -e "$T/vms.d/bigc.yaml"
finish
