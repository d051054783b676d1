#!/bin/bash
# Volumes on a real volume group (a loop device; lvm2 tools with activation off,
# since there is no device-mapper here): create, resize, list, delete, name
# clashes, and the refusals that protect a running guest's disk.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../storage-lib.sh"

vg_setup 64M
write_conf </dev/null
conf_lvm_storage
V() { "$VMDECK" -c "$CONF" "$@"; }

out=$(V disk create "$VG/d1" 8M 2>&1)
check_eq "disk create makes an LV" "0" "$?"
check_eq "lvs sees it at 8M" "8388608" "$(lvm_ lvs --noheadings --units b --nosuffix -o lv_size "$VG/d1" | tr -d ' ')"
out=$(V disk create "$VG/d1" 4M 2>&1); rc=$?
check_eq "a name clash is an error" "1" "$rc"
check_match "and says so in one line" "^vmdeck: cannot create disk: $VG/d1 already exists" "$out"
check_eq "and the LV keeps its size" "8388608" "$(lvm_ lvs --noheadings --units b --nosuffix -o lv_size "$VG/d1" | tr -d ' ')"
out=$(V disk create d2 4M 2>&1)
check_eq "a bare name goes to storage.vg" "$VG/d2" "$(lvm_ lvs --noheadings -o vg_name,lv_name "$VG/d2" | awk '{print $1"/"$2}')"
out=$(V disk create "$VG/bad;name" 4M 2>&1)
check_eq "an invalid LV name is a usage error" "2" "$?"
for verb in create resize; do
    out=$(V disk "$verb" d1 lots 2>&1)
    check_eq "disk $verb: a word for a size is a usage error" "2" "$?"
    check_match "disk $verb: and says what a size looks like" "'lots' is not a size \(like 20G\)" "$out"
    out=$(V disk "$verb" d1 0 2>&1)
    check_eq "disk $verb: a zero size is a usage error" "2" "$?"
done
check_eq "and d1 is untouched" "8388608" "$(lvm_ lvs --noheadings --units b --nosuffix -o lv_size "$VG/d1" | tr -d ' ')"

mkguest g1 <<EOF2
disks:
  - lv: $VG/d1
    interface: virtio
EOF2
json=$(V disk list --json)
check_eq "list: d1 used by g1" "g1" "$(echo "$json" | jq -r ".disks[] | select(.name==\"$VG/d1\") | .guest")"
check_eq "list: d2 unused" "null" "$(echo "$json" | jq -r ".disks[] | select(.name==\"$VG/d2\") | .guest")"
check_eq "list: d1 size" "8388608" "$(echo "$json" | jq -r ".disks[] | select(.name==\"$VG/d1\") | .size")"
vgfree=$(lvm_ vgs --noheadings --units b --nosuffix -o vg_free "$VG" | tr -d ' ')
check_eq "list: VG free space as vgs says" "$vgfree" "$(echo "$json" | jq -r .vg_free)"
check_match "list table shows free space" "volume group $VG: .* free of" "$(V disk list)"

V disk resize "$VG/d1" 12M >/dev/null
check_eq "resize grows" "12582912" "$(lvm_ lvs --noheadings --units b --nosuffix -o lv_size "$VG/d1" | tr -d ' ')"
out=$(V disk resize "$VG/d1" 8M 2>&1)
check_match "shrinking needs --shrink" "confirm with --shrink" "$out"
V disk resize "$VG/d1" 8M --shrink >/dev/null
check_eq "resize --shrink shrinks a stopped guest's disk" "8388608" "$(lvm_ lvs --noheadings --units b --nosuffix -o lv_size "$VG/d1" | tr -d ' ')"

# A running guest on the LV: the path lvm reports stands in for activation.
lv_link "$VG" d1 >/dev/null
V start g1 >/dev/null 2>&1
check "g1 runs from the LV" state_is g1 running
out=$(V disk delete "$VG/d1" --yes 2>&1); rc=$?
check_eq "deleting a running guest's disk fails" "1" "$rc"
check_match "naming the guest" "in use by running guest g1" "$out"
out=$(V disk resize "$VG/d1" 4M --shrink 2>&1)
check_match "shrinking it is refused too" "in use by running guest g1" "$out"
V kill g1 >/dev/null 2>&1
wait_until 10 state_is g1 stopped
lv_unlink "$VG" d1

out=$(V disk delete "$VG/d2" 2>&1 </dev/null); rc=$?
check_eq "delete without --yes and no terminal is refused" "2" "$rc"
check_match "asking for --yes" "confirm with --yes" "$out"
check "and the LV is still there" lv_exists "$VG" d2
V disk delete "$VG/d2" --yes >/dev/null
check "delete --yes removes it" lv_absent "$VG" d2
out=$(V disk delete "$VG/nothere" --yes 2>&1)
check_match "deleting a missing LV says so" "does not exist" "$out"

# Files go through qemu-img.
out=$(V disk create "$T/disks/f.qcow2" 16M --json)
check_eq "disk create --json says what it did" "$T/disks/f.qcow2 created 16777216" "$(jq -r '"\(.disk) \(.action) \(.size)"' <<<"$out")"
check_eq "file disk: qcow2 of 16M" "qcow2 16777216" "$(qemu-img info --output=json "$T/disks/f.qcow2" | jq -r '.format + " " + (."virtual-size"|tostring)')"
out=$(V disk create "$T/disks/f.qcow2" 16M 2>&1)
check_match "an existing file is never overwritten" "already exists" "$out"
out=$(V disk resize "$T/disks/f.qcow2" 32M --json)
check_eq "disk resize --json gives the new size in bytes" "resized 33554432" "$(jq -r '"\(.action) \(.size)"' <<<"$out")"
check_eq "file disk grows" "33554432" "$(qemu-img info --output=json "$T/disks/f.qcow2" | jq -r '."virtual-size"')"
out=$(V disk delete "$T/disks/f.qcow2" --yes --json)
check_eq "disk delete --json" "deleted null" "$(jq -r '"\(.action) \(.size)"' <<<"$out")"
check "file disk deleted" test ! -e "$T/disks/f.qcow2"

finish
