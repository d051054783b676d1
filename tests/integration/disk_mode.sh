#!/bin/bash
# Every disk image vmdeck creates is 0600 whatever the umask: `disk create`,
# `new --disk`, and the disk made at first start; never through a planted link.
# (A moved disk is checked on the other host in remote.sh.)
source "$(dirname "$0")/../lib.sh"
write_conf
V() { "$VMDECK" -c "$CONF" "$@"; }
umask 022
cd "$T"

out=$(V disk create ./disks/x.qcow2 16M 2>&1); rc=$?
check_eq "disk create ./disks/x.qcow2 succeeds" "0" "$rc"
check_eq "a qcow2 image" "qcow2" "$(qemu-img info --output=json "$T/disks/x.qcow2" 2>/dev/null | jq -r .format)"
check_eq "made 0600" "600" "$(stat -c %a "$T/disks/x.qcow2" 2>/dev/null)"
V disk create "$T/disks/y.raw" 16M >/dev/null 2>&1
check_eq "a raw image too, at its size" "600 16777216" "$(stat -c '%a %s' "$T/disks/y.raw" 2>/dev/null)"

out=$(V new g --disk 16M 2>&1); rc=$?
check_eq "new g --disk 16M succeeds" "0" "$rc"
img=$(ls "$T"/disks/g.* 2>/dev/null | head -1)
check_eq "its disk is made 0600" "600" "$(stat -c %a "$img" 2>/dev/null)"

mkguest s <<EOF2
disks:
  - file: $T/disks/s.qcow2
    size: 16M
EOF2
V start s >/dev/null 2>&1; V kill s >/dev/null 2>&1
check_eq "the disk made at first start is 0600" "600" "$(stat -c %a "$T/disks/s.qcow2" 2>/dev/null)"

ln -s "$T/victim.raw" "$T/disks/z.raw"
out=$(V disk create "$T/disks/z.raw" 16M 2>&1); rc=$?
check_eq "a link planted at the name is refused" "1" "$rc"
check "and its target is not created" test ! -e "$T/victim.raw"
out=$(V disk create "$T/disks/y.raw" 16M 2>&1)
check_match "an existing image is never overwritten" "already exists|File exists" "$out"
finish
