#!/bin/bash
# clone.sh: `vmdeck clone`: a full clone and a linked clone of a stopped Linux
# guest both boot the fixture and read the source's file from disks of their
# own, with MACs and VNC displays of their own; the linked clone's disk is a
# qcow2 overlay (0600) backed by the source's disk; the source becomes a
# template that refuses to start while the linked clone exists (and `vmdeck
# check` names it); a full clone of an LV guest is a new LV of the same size
# in the same VG with the same bytes; a running source is refused.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../storage-lib.sh"
write_conf
for f in vmlinuz initramfs.gz cmdline; do
    [ -s "$FIXTURES/$f" ] || { fail "fixture $FIXTURES/$f missing (run tests/fixtures/build-guest.sh)"; finish; exit; }
done
vg_setup 64M
conf_lvm_storage
vd() { "$VMDECK" -c "$CONF" "$@"; }
disk_of() { qmp_return "$1" query-block | jq -r '.[] | select(.device=="disk0") | .inserted.file'; }

mkdir -p "$T/seed" && echo from-the-source > "$T/seed/marker"
truncate -s 16M "$T/disks/src.raw"
mkfs.ext4 -q -F -d "$T/seed" "$T/disks/src.raw"
mklinux src <<EOF2
disks:
  - file: $T/disks/src.raw
    interface: virtio
vnc:
  display: $(free_vnc_display)
EOF2

check "start the source" vd start src
out=$(vd clone src c1 2>&1)
check_match "a running source is refused" "vmdeck: c1: cannot clone src: src is running: stop it first" "$out"
vd kill src > /dev/null

out=$(vd clone src full 2>&1)
check_eq "a full clone: exit 0" 0 $?
check_match "says so" "full: full clone of src created" "$out"
check "its disk is a file in file_dir named after it" test -f "$T/disks/full.raw"
check "holding the same bytes" cmp -s "$T/disks/src.raw" "$T/disks/full.raw"
check_eq "mode 0600" 600 "$(stat -c %a "$T/disks/full.raw")"
out=$(vd clone src linked --linked 2>&1)
check_eq "a linked clone: exit 0" 0 $?
check_match "says the source is now a template" "linked: linked clone of src created; it is now a template" "$out"
LD="$T/disks/linked.qcow2"
check_eq "its disk is a qcow2 overlay backed by the source's disk" "$T/disks/src.raw" \
    "$(qemu-img info --output=json "$LD" | jq -r '."backing-filename"')"
check_eq "mode 0600" 600 "$(stat -c %a "$LD")"
check_eq "the source is marked template: true" 1 "$(grep -c '^template: true' "$T/vms.d/src.yaml")"
macs=$(for g in src full linked; do grep -o 'mac: .*' "$T/vms.d/$g.yaml"; done | sort -u | wc -l)
check_eq "three guests, three MACs" 3 "$macs"
vncs=$(for g in src full linked; do "$VMDECK" -c "$CONF" show "$g" --json | jq -r .vnc.display; done | sort -u | wc -l)
check_eq "three guests, three VNC displays" 3 "$vncs"

out=$(vd start src 2>&1)
check_eq "the template refuses to start" 1 $?
check_match "naming its linked clone" "src is a template: linked clone linked uses its disks" "$out"
out=$(vd check 2>&1)
check_match "vmdeck check names the linked clone" "src.yaml: src is a template: linked clone linked uses its disks" "$out"

for g in full linked; do
    check "start the $g clone" vd start "$g"
    console_open "$g"
    console_wait vmdeck-guest-ready 60 || fail "$g did not boot: $(head -c 300 "$T/console.$g")"
    console_send 'echo got-$(cat /mnt/marker)'
    check "the $g clone boots and reads the source's file from its own disk" console_wait got-from-the-source 20
    console_close
done
check_eq "the full clone runs on its own disk" "$T/disks/full.raw" "$(disk_of full)"
check_eq "the linked clone runs on its overlay" "$LD" "$(disk_of linked)"
vd kill full > /dev/null; vd kill linked > /dev/null
rm -f "$T/vms.d/linked.yaml" "$LD"
check "with the linked clone gone, the template starts" vd start src
vd kill src > /dev/null

# An LV guest: the full clone is an LV of the same size in the same VG.
lvm_ lvcreate -q -n lvsrc -L 8M "$VG" >/dev/null
D=$(lv_link "$VG" lvsrc)
head -c 1M /dev/urandom | dd of="$D" bs=1M seek=3 status=none
mkguest lvg <<EOF2
disks:
  - lv: $VG/lvsrc
EOF2
N=$(lv_prelink "$VG" lvcopy 8)
check "a full clone of the LV guest" vd clone lvg lvcopy
check_eq "a new LV of the same size in the same VG" "$(lvm_ lvs --noheadings --units b --nosuffix -o lv_size "$VG/lvsrc")" \
    "$(lvm_ lvs --noheadings --units b --nosuffix -o lv_size "$VG/lvcopy")"
check "with the same bytes" cmp -s "$D" "$N"
check_eq "the clone's definition names it" "lv: $VG/lvcopy" "$(grep -o 'lv: [^ ]*' "$T/vms.d/lvcopy.yaml")"
finish
