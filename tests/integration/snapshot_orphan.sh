#!/bin/bash
# snapshot_orphan.sh: the overlay files of a guest's disk-only snapshots (the
# active one its definition names and the older layers below it) belong to
# that guest: `disk list` never calls them orphans and `disk delete` refuses
# them, so no snapshot chain loses a layer to a cleanup.
source "$(dirname "$0")/../lib.sh"
write_conf
V() { "$VMDECK" -c "$CONF" "$@"; }

head -c 1M /dev/urandom > "$T/disks/g.raw"; truncate -s 4M "$T/disks/g.raw"
mkguest g <<EOF2
disks:
  - file: $T/disks/g.raw
EOF2
check "a first disk-only snapshot" V snapshot g create s1
check "a second one" V snapshot g create s2
s1="$T/disks/g-disk0-s1.qcow2"; s2="$T/disks/g-disk0-s2.qcow2"
check "both overlays exist" test -f "$s1" -a -f "$s2"
out=$(V disk list 2>&1)
check_nomatch "disk list calls neither an orphan" "g-disk0-s[12]\.qcow2.*orphan" "$out"
for f in "$s2" "$s1"; do
    V disk delete "$f" --yes > /dev/null 2>&1; rc=$?
    check_eq "disk delete refuses $(basename "$f") (exit 1)" 1 "$rc"
    check "... and it is still there" test -f "$f"
done
check "the guest's snapshots still delete cleanly" V snapshot g delete s1
check "... both" V snapshot g delete s2
finish
