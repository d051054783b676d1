#!/bin/bash
# orphans.sh: `vmdeck disk list` marks the volumes in storage.vg and the image
# files in storage.file_dir that no definition names (a relative path or a
# symlink in a definition still counts as using the file), and `vmdeck disk
# attach` gives such a disk to a guest by editing its definition in place.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../storage-lib.sh"

vg_setup 64M
write_conf </dev/null
conf_lvm_storage
V() { "$VMDECK" -c "$CONF" "$@"; }
state_of() { printf '%s' "$json" | jq -r --arg n "$1" '.disks[] | select(.name == $n) | .state + " " + (.guest // "-")'; }

V disk create "$VG/used" 4M > /dev/null
V disk create "$VG/spare" 4M > /dev/null
qemu-img create -q -f qcow2 "$T/disks/used.qcow2" 1M
qemu-img create -q -f raw "$T/disks/kept.raw" 2M
qemu-img create -q -f raw "$T/disks/linked.raw" 1M
ln -s "$T/disks/linked.raw" "$T/link.raw"
touch "$T/disks/.restore-in-progress"
mkguest g1 <<EOF2
disks:            # system first
  - lv: $VG/used  # boot
    interface: virtio
  - file: used.qcow2
EOF2
mkguest g2 <<EOF2
disks: [{file: $T/link.raw}]
EOF2

json=$(V disk list --json)
check_eq "an LV a guest uses is not an orphan" "ok g1" "$(state_of "$VG/used")"
check_eq "an LV no guest uses is marked orphan" "orphan -" "$(state_of "$VG/spare")"
check_eq "a file named relative to file_dir is used" "ok g1" "$(state_of "$T/disks/used.qcow2")"
check_eq "a file no guest uses is marked orphan" "orphan -" "$(state_of "$T/disks/kept.raw")"
check_eq "with its virtual size" 2097152 "$(printf '%s' "$json" | jq --arg n "$T/disks/kept.raw" '.disks[] | select(.name == $n) | .size')"
check_eq "a file named through a symlink is used, not an orphan" "" "$(state_of "$T/disks/linked.raw")"
check_eq "hidden work files are not listed" "" "$(state_of "$T/disks/.restore-in-progress")"
out=$(V disk list)
check_match "the table marks the orphan file" "^$T/disks/kept.raw +2(\.0)?M +- +orphan$" "$out"
check_match "and the orphan LV" "^$VG/spare +4(\.0)?M +- +orphan$" "$out"

# attach: the orphan becomes g1's next disk; the file keeps its comments.
out=$(V disk attach spare g1 2>&1); rc=$?
check_eq "disk attach exits 0 and says what it did" "0 g1: disk $VG/spare attached" "$rc $out"
check_eq "the definition got a third item, comments kept" "disks:            # system first
  - lv: $VG/used  # boot
    interface: virtio
  - file: used.qcow2
  - lv: $VG/spare" "$(sed -n '/^disks:/,$p' "$T/vms.d/g1.yaml")"
json=$(V disk list --json)
check_eq "and the LV is g1's now" "ok g1" "$(state_of "$VG/spare")"
out=$(V disk attach "$T/disks/kept.raw" g2 --interface virtio 2>&1); rc=$?
check_eq "a file goes into a flow list too" "0 disks: [{file: $T/link.raw}, {file: $T/disks/kept.raw, interface: virtio}]" \
    "$rc $(grep '^disks:' "$T/vms.d/g2.yaml")"
check_eq "so no orphan is left" "0" "$(V disk list --json | jq '[.disks[] | select(.state == "orphan")] | length')"
out=$(V disk attach "$VG/spare" g2 2>&1); rc=$?
check_eq "a disk another guest uses is refused" "1 vmdeck: g2: cannot attach $VG/spare: $VG/spare is already a disk of guest g1" "$rc $out"
out=$(V disk attach "$VG/nope" g2 2>&1); rc=$?
check_match "a disk that does not exist is refused" "^vmdeck: g2: cannot attach $VG/nope: .*$VG/nope" "$out"
check_eq "and g2's disks stay as they were" "disks: [{file: $T/link.raw}, {file: $T/disks/kept.raw, interface: virtio}]" \
    "$(grep '^disks:' "$T/vms.d/g2.yaml")"
out=$(V disk attach "$T/disks/linked.raw" nosuch 2>&1)
check_eq "an unknown guest is refused" "vmdeck: nosuch: cannot attach $T/disks/linked.raw: no guest named nosuch" "$out"

# A definition that does not load: the disks it names are unknown, and list says so.
printf 'memory: lots\n' > "$T/vms.d/broken.yaml"
V disk list > /dev/null 2> "$T/err"
check_match "a broken definition: list warns that orphans may be its disks" \
    "warning: $T/vms.d/broken.yaml does not load: a disk it names may show as orphan" "$(cat "$T/err")"
finish
