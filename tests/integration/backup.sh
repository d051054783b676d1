#!/bin/bash
# Backup and restore, byte for byte, of file disks (raw and qcow2) and an LV
# (a loop-backed VG; /dev/VG/LV stands in for activation), in zstd and gzip;
# and the faults an admin meets: kill -9 half-way, a full destination, a
# damaged archive. None may leave an archive that looks complete.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../storage-lib.sh"

vg_setup 64M
write_conf </dev/null
conf_lvm_storage
V() { "$VMDECK" -c "$CONF" "$@"; }
TXT=/usr/share/common-licenses/GPL-3

# fill FILE_OR_DEV SIZE_MB: zeros, a text file, random bytes, more zeros.
fill() {
    local f="$1" mb="$2"
    [ -b "$f" ] || truncate -s "${mb}M" "$f"
    dd if=/dev/urandom of="$f" bs=1M seek=1 count=2 conv=notrunc status=none
    dd if="$TXT" of="$f" bs=1M seek=3 conv=notrunc status=none
    printf 'end marker' | dd of="$f" bs=1 seek=$((mb * 1048576 - 10)) conv=notrunc status=none
}
archives() { find "$T/backup" -mindepth 1 -maxdepth 1 -type d ! -name '.*' | sort; }
complete_archives() { local n=0 a; for a in $(archives); do [ -f "$a/manifest.yaml" ] && n=$((n + 1)); done; echo $n; }

fill "$T/disks/a.raw" 12
qemu-img create -q -f qcow2 "$T/disks/b.qcow2" 8M
qemu-io -c 'write -P 0x5a 2M 1M' "$T/disks/b.qcow2" >/dev/null
lvm_ lvcreate -q -n g1root -L 8M "$VG" >/dev/null
LVDEV=$(lv_link "$VG" g1root)
fill "$LVDEV" 8
cp "$T/disks/a.raw" "$T/a.orig"; cp "$T/disks/b.qcow2" "$T/b.orig"; cat "$LVDEV" > "$T/lv.orig"
mkguest g1 <<EOF2
disks:
  - lv: $VG/g1root
  - file: $T/disks/a.raw
  - file: $T/disks/b.qcow2
    interface: virtio
EOF2

out=$(V backup g1 2>&1); rc=$?
check_eq "backup of a stopped guest succeeds" "0" "$rc"
A=$(archives | head -1)
check_match "archive folder NAME-YYYYmmdd-HHMMSS" "/g1-[0-9]{8}-[0-9]{6}$" "$A"
check_eq "one file per disk plus the manifest" "a.raw.zst b.raw.zst g1root.raw.zst manifest.yaml" "$(ls "$A" | tr '\n' ' ' | sed 's/ $//')"
check_eq "no partial folder left" "" "$(ls -A "$T/backup" | grep '^\.' | grep -vx '.vmdeck-status' || true)"
check_eq "plain zstd: standard tools read the LV's image" "$(sha256sum < "$T/lv.orig")" "$(zstd -dc "$A/g1root.raw.zst" | sha256sum)"
check_eq "manifest sha256 is the raw content's" "$(sha256sum < "$T/a.orig" | cut -c1-64)" \
    "$(awk '/file: a.raw.zst/{f=1} f&&/sha256:/{print $2; exit}' "$A/manifest.yaml")"
check_match "manifest holds the definition" "definition: \|" "$(cat "$A/manifest.yaml")"
check_match "and the tool version" "tool: vmdeck [0-9]" "$(cat "$A/manifest.yaml")"
check "the zero-heavy LV compresses well" test "$(stat -c %s "$A/g1root.raw.zst")" -lt $((3 * 1048576))

# Overwrite every disk with noise (so zero blocks must really be written back
# as zeros on the block device), restore over the guest, compare byte for byte.
head -c 8M /dev/urandom > "$LVDEV"
head -c 12M /dev/urandom | dd of="$T/disks/a.raw" bs=1M conv=notrunc status=none
qemu-img create -q -f qcow2 "$T/disks/b.qcow2" 8M
out=$(V restore "$A" 2>&1)
check_match "restore over an existing guest needs --force" "exists \(--force" "$out"
out=$(V restore "$A" --force 2>&1); rc=$?
check_eq "restore --force succeeds" "0" "$rc"
check_match "and says the checksums were verified" "every checksum verified" "$out"
check_nomatch "its progress (a verify pass, then the restore) never passes 100%" "(10[1-9]|1[1-9][0-9]|[2-9][0-9]{2})%" "$out"
check "LV content byte-exact" cmp -s "$LVDEV" "$T/lv.orig"
check "raw file byte-exact" cmp -s "$T/disks/a.raw" "$T/a.orig"
check "qcow2 content identical" qemu-img compare -q "$T/disks/b.qcow2" "$T/b.orig"
check_eq "qcow2 stays qcow2" "qcow2" "$(qemu-img info --output=json "$T/disks/b.qcow2" | jq -r .format)"
check "zero blocks stay holes in the restored file" test "$(du -k "$T/disks/a.raw" | cut -f1)" -lt 9000

# A copy under a new name: new disks beside the old, definition rewritten.
# (Its LV's /dev path is prepared as activation would make it.)
lv_prelink "$VG" g1copy 8 >/dev/null
lv_prelink "$VG" g1bad 8 >/dev/null
lv_prelink "$VG" g1bad2 8 >/dev/null
out=$(V restore "$A" --as g1copy 2>&1); rc=$?
check_eq "restore --as makes a copy" "0" "$rc"
check "its LV was created" lv_exists "$VG" g1copy
check_match "definition points at the new disks" "lv: $VG/g1copy" "$(cat "$T/vms.d/g1copy.yaml")"
check_match "and at the new files" "file: $T/disks/g1copy-1.raw" "$(cat "$T/vms.d/g1copy.yaml")"
check "copy of the raw file byte-exact" cmp -s "$T/disks/g1copy-1.raw" "$T/a.orig"
check_nomatch "the copy gets fresh MAC addresses" "mac:|^$" "$(cat "$T/vms.d/g1copy.yaml" 2>/dev/null)"

# An existing LV is overwritten only with --force, and never when it is another guest's disk.
lvm_ lvcreate -q -n g1x -L 8M "$VG" >/dev/null
G1X=$(lv_link "$VG" g1x)
printf 'keep me' | dd of="$G1X" bs=1 seek=4096 conv=notrunc status=none
cp "$G1X" "$T/g1x.orig" 2>/dev/null || cat "$G1X" > "$T/g1x.orig"
out=$(V restore "$A" --as g1x 2>&1); rc=$?
check_eq "an existing LV is not overwritten without --force" "1" "$rc"
check_match "saying so" "$VG/g1x already exists \(--force replaces it\)" "$out"
check "the LV is untouched" cmp -s "$G1X" "$T/g1x.orig"
mkguest owner <<EOF2
disks:
  - lv: $VG/g1x
EOF2
out=$(V restore "$A" --as g1x --force 2>&1); rc=$?
check_eq "nor, even with --force, a stopped guest's LV the archive names" "1" "$rc"
check_match "naming that guest" "$VG/g1x is a disk of guest owner" "$out"
check "the LV is untouched" cmp -s "$G1X" "$T/g1x.orig"
rm -f "$T/vms.d/owner.yaml"

# gzip for old tools.
sed -i 's/compress = "zstd"/compress = "gzip"/' "$CONF"
mkguest g2 <<EOF2
disks:
  - file: $T/disks/a.raw
EOF2
out=$(V backup g2 --to "$T/gz" 2>&1)
G=$(ls -d "$T"/gz/g2-*)
check "gzip archive" test -f "$G/a.raw.gz"
check_eq "gzip -dc gives the disk back" "$(sha256sum < "$T/a.orig")" "$(gzip -dc "$G/a.raw.gz" | sha256sum)"
out=$(V restore "$G" --as g2b 2>&1)
check "restore from gzip byte-exact" cmp -s "$T/disks/g2b.raw" "$T/a.orig"
sed -i 's/compress = "gzip"/compress = "zstd"/' "$CONF"

# A one-disk archive into a chosen LV, or a chosen file.
G2LV=$(lv_prelink "$VG" g2lv 12)
out=$(V restore "$G" --as g2lv --to-lv "$VG/g2lv" 2>&1); rc=$?
check_eq "restore --to-lv succeeds" "0" "$rc"
check "into that LV, created at the disk's size" lv_exists "$VG" g2lv
check "byte-exact" bash -c "head -c 12582912 '$G2LV' | cmp -s - '$T/a.orig'"
check_match "the definition names the LV" "lv: $VG/g2lv" "$(cat "$T/vms.d/g2lv.yaml" 2>/dev/null)"
lv_prelink "$VG" g2lvb 12 >/dev/null
out=$(V restore "$G" --as g2lvb --to-lv g2lvb 2>&1); rc=$?
check_eq "restore --to-lv LV (in storage.vg) succeeds" "0" "$rc"
check_match "and the definition names VG/LV, as it must" "lv: $VG/g2lvb" "$(cat "$T/vms.d/g2lvb.yaml" 2>/dev/null)"
out=$(V restore "$G" --as g2f --to-file "$T/elsewhere/g2.raw" 2>&1)
check "restore --to-file writes that file" cmp -s "$T/elsewhere/g2.raw" "$T/a.orig"
check_match "and the definition names it" "file: $T/elsewhere/g2.raw" "$(cat "$T/vms.d/g2f.yaml" 2>/dev/null)"
out=$(V restore "$A" --as multi --to-lv "$VG/x" 2>&1)
check_match "--to-lv takes one-disk archives only" "one disk; this one has 3" "$out"

# Faults. A planted checksum mismatch: nothing is restored, one clear line.
cp -r "$A" "$T/bad"
sed -i '0,/sha256: [0-9a-f]/s/sha256: \([0-9a-f]\)/sha256: X\1/; s/sha256: X0/sha256: 1/; s/sha256: X[1-9a-f]/sha256: 0/' "$T/bad/manifest.yaml"
out=$(V restore "$T/bad" --as g1bad 2>&1); rc=$?
check_eq "a checksum mismatch fails the restore" "1" "$rc"
check_match "naming the damaged disk" "^vmdeck: .*: cannot restore: g1root.raw.zst: checksum mismatch" "$out"
check_eq "one error line (the rest is progress)" "1" "$(printf '%s\n' "$out" | grep -vcE '^(restore|verify): ')"
check "no definition written" test ! -e "$T/vms.d/g1bad.yaml"
check "the LV it created is removed again" lv_absent "$VG" g1bad
rm -rf "$T/bad"; cp -r "$A" "$T/bad"
damaged_restore_checks "a damaged stream" "$T/bad" "$T/bad/a.raw.zst" g1bad2

# The destination fills up.
mkdir -p "$T/small"
mount -t tmpfs -o size=1M tmpfs "$T/small"
out=$(V backup g2 --to "$T/small" 2>&1); rc=$?
check_eq "a full destination fails the backup" "1" "$rc"
check_match "with one clear line" "^vmdeck: g2: cannot back up: .*No space left on device$" "$out"
check_eq "and leaves nothing behind" "" "$(ls -A "$T/small")"
umount "$T/small"

# kill -9 half-way: slow it down with the strongest compression on random data.
head -c 24M /dev/urandom > "$T/disks/r.raw"
mkguest g3 <<EOF2
disks:
  - file: $T/disks/r.raw
EOF2
sed -i 's/level = 3/level = 19/' "$CONF"
"$VMDECK" -c "$CONF" backup g3 --to "$T/k" >/dev/null 2>&1 &
bp=$!; EXTRA_PIDS="$EXTRA_PIDS $bp"
wait_until 20 bash -c "ls $T/k/.g3-*.partial/r.raw.zst >/dev/null 2>&1"
kill -9 $bp; wait $bp 2>/dev/null
check "killed while writing: only a dot-named partial folder" test -n "$(ls -A "$T/k" | grep '^\.g3-.*\.partial$')"
check_eq "nothing that looks complete" "" "$(ls "$T/k")"
P=$(ls -d "$T"/k/.g3-*)
out=$(V restore "$P" --as g3x 2>&1)
check_match "restore refuses it, saying why" "incomplete backup" "$out"
# SIGTERM (Ctrl-C, a shutdown) cleans up and says so.
"$VMDECK" -c "$CONF" backup g3 --to "$T/t" >/dev/null 2>"$T/term.err" &
bp=$!; EXTRA_PIDS="$EXTRA_PIDS $bp"
wait_until 20 bash -c "ls $T/t/.g3-*.partial/r.raw.zst >/dev/null 2>&1"
kill -TERM $bp; wait $bp; rc=$?
check_eq "a terminated backup exits 1" "1" "$rc"
check_match "saying it was interrupted" "^vmdeck: g3: cannot back up: interrupted$" "$(cat "$T/term.err")"
check_eq "and removes its partial folder" "" "$(ls -A "$T/t")"
sed -i 's/level = 19/level = 3/' "$CONF"
rm -f "$T/disks/r.raw"

# A signal at an exact point (the test-only pause hook, see signal_at): during
# the final flush, where zstd's workers do most of the work, and just before
# the rename, the backup ends "interrupted" with nothing left; just after the
# rename, it is done. The same for a restore just before it puts a disk in place.
head -c 6M /dev/urandom > "$T/disks/s.raw"
mkguest g5 <<EOF2
disks:
  - file: $T/disks/s.raw
EOF2
for point in flush commit; do
    signal_at $point TERM "$VMDECK" -c "$CONF" backup g5 --to "$T/s-$point"
    check_eq "SIGTERM during the $point: the backup exits 1" "1 yes" "$SIGNAL_RC $SIGNAL_STOPPED"
    check_match "saying it was interrupted ($point)" "^vmdeck: g5: cannot back up: interrupted$" "$(cat "$T/signal.err")"
    check_eq "and leaves nothing behind ($point)" "" "$(ls -A "$T/s-$point")"
done
signal_at committed TERM "$VMDECK" -c "$CONF" backup g5 --to "$T/s-after"
check_eq "SIGTERM just after the rename: the backup is done" "0 yes" "$SIGNAL_RC $SIGNAL_STOPPED"
S=$(ls -d "$T"/s-after/g5-* 2>/dev/null)
check "and its archive is complete" test -f "$S/manifest.yaml"
signal_at commit INT "$VMDECK" -c "$CONF" restore "$S" --as g5r
check_eq "SIGINT before a restore puts its disk in place: exit 1" "1 yes" "$SIGNAL_RC $SIGNAL_STOPPED"
check_match "interrupted" "cannot restore: interrupted$" "$(cat "$T/signal.err")"
check_eq "no definition and no disk left" "" "$(ls "$T/vms.d/g5r.yaml" "$T"/disks/g5r* 2>/dev/null)"

# Two disks: one commit places both and the definition. A signal just after
# it finds the restore done; none can leave the first disk in place alone.
head -c 1M /dev/urandom > "$T/disks/s2.raw"
mkguest g6 <<EOF2
disks:
  - file: $T/disks/s.raw
  - file: $T/disks/s2.raw
EOF2
V backup g6 --to "$T/s6" > /dev/null 2>&1
S6=$(ls -d "$T"/s6/g6-* 2>/dev/null)
signal_at commit TERM "$VMDECK" -c "$CONF" restore "$S6" --as g6r
check_eq "two disks, SIGTERM before the commit: exit 1" "1 yes" "$SIGNAL_RC $SIGNAL_STOPPED"
check_eq "neither disk nor the definition is left" "" "$(ls "$T/vms.d/g6r.yaml" "$T"/disks/g6r* 2>/dev/null)"
signal_at committed TERM "$VMDECK" -c "$CONF" restore "$S6" --as g6r
check_eq "two disks, SIGTERM just after the commit: the restore is done" "0 yes" "$SIGNAL_RC $SIGNAL_STOPPED"
check_eq "both disks and the definition are there" "3" \
    "$(ls "$T/vms.d/g6r.yaml" "$T"/disks/g6r* 2>/dev/null | wc -l)"
check "the second disk (as its definition names it) is the archived one" \
    cmp -s "$T/disks/s2.raw" "$(V show g6r --json | jq -r '.disks[1].file')"

# A running guest: no offline backup, and restore never overwrites its disk.
mkguest g4 <<EOF2
disks:
  - file: $T/disks/a.raw
EOF2
V start g4 >/dev/null 2>&1
wait_until 10 state_is g4 running
out=$(V backup g4 2>&1)
check_match "backing up a running guest needs --live" "cannot back up: it is running \(stop it first, or use --live\)" "$out"
out=$(V restore "$G" --as g4 --force 2>&1)
check_match "restore refuses a running guest's disk" "running" "$out"
check "and leaves it alone" cmp -s "$T/disks/a.raw" "$T/a.orig"
V kill g4 >/dev/null 2>&1

lv_unlink "$VG" g1root
finish
