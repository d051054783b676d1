#!/bin/bash
# new_lv.sh: `vmdeck new --disk SIZE` with storage.vg set creates the LV VG/NAME on a
# real (loop-backed) volume group, and a disk that cannot be made takes the definition with it.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../storage-lib.sh"

write_conf
vg_setup 64M
conf_lvm_storage
V() { "$VMDECK" -c "$CONF" "$@"; }

out=$(V new g1 --disk 16M 2>&1); rc=$?
check_eq "new --disk: exit 0" 0 "$rc"
check "new --disk: the LV VG/NAME exists" lv_exists "$VG" g1
check_eq "new --disk: of the given size" 16777216 \
    "$(lvm_ lvs --noheadings --units b --nosuffix -o lv_size "$VG/g1" | tr -d ' ')"
check_match "new --disk: the definition names it" "^  - lv: $VG/g1 " "$(cat "$T/vms.d/g1.yaml")"
check_match "new --disk: and says so" "created disk $VG/g1 \(16M\)" "$out"

out=$(V new g2 --lv "$VG/g1" --disk 16M 2>&1); rc=$?
check_eq "new: an existing LV is never reused for a new disk (exit 1)" 1 "$rc"
check_match "new: says why" "g2: cannot create: .*g1" "$out"
check "new: the definition went with the disk" test ! -e "$T/vms.d/g2.yaml"

out=$(V new g3 --disk 1T 2>&1); rc=$?
check_eq "new: a VG without room fails with exit 1" 1 "$rc"
check "new: no definition is left behind" test ! -e "$T/vms.d/g3.yaml"
check "new: no LV is left behind" lv_absent "$VG" g3

out=$(V new g4 --lv "$VG/g1" 2>&1); rc=$?
check_eq "new --lv without --disk uses the volume as it is" 0 "$rc"
check_nomatch "new --lv: nothing is created" "created disk" "$out"

finish
