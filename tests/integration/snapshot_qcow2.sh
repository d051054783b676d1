#!/bin/bash
# snapshot_qcow2.sh: snapshots of a guest whose disk is a qcow2 file, against
# the real Linux fixture: a marker written on its disk through the serial
# console, a --with-ram snapshot that brings back the disk and a shell
# variable while the guest runs, a disk-only snapshot (every disk at one
# instant, the guest paused for it and its filesystems frozen by its guest
# agent) reverted once the guest is off, and the
# bad cases: a tag that exists, a missing tag, a guest whose lock is held.
source "$(dirname "$0")/../lib.sh"
write_conf
for f in vmlinuz initramfs.gz cmdline; do
    [ -s "$FIXTURES/$f" ] || { fail "fixture $FIXTURES/$f missing (run tests/fixtures/build-guest.sh)"; finish; exit; }
done
vd() { "$VMDECK" -c "$CONF" "$@"; }

truncate -s 16M "$T/data.raw"
mkfs.ext4 -q -F "$T/data.raw"
qemu-img convert -f raw -O qcow2 "$T/data.raw" "$T/disks/data.qcow2"
qemu-img create -q -f qcow2 "$T/disks/second.qcow2" 8M
mklinux lin agent <<EOF2
disks:
  - file: $T/disks/data.qcow2
    interface: virtio
  - file: $T/disks/second.qcow2
    interface: virtio
EOF2

boot() {
    check "start the guest" vd start lin
    console_open lin
    console_wait vmdeck-guest-ready 60 || fail "no ready marker: $(head -c 300 "$T/console.lin")"
    check "its qcow2 disk is mounted on /mnt" console_wait "vmdeck-disk-mounted /dev/vda" 5
}
# ask CMD TOKEN: runs CMD on the serial shell and waits for TOKEN in the output.
ask() { console_send "$1"; console_wait "$2" 20; }

boot
ask 'echo before > /mnt/marker; sync; X=kept; echo done-$((1+1))' done-2
out=$(vd snapshot lin create ram1 --with-ram --description "before the upgrade" 2>&1)
check_eq "a --with-ram snapshot of the running guest succeeds" 0 $?
check_match "and says so" "lin: snapshot ram1 created \(with RAM\)" "$out"
ask 'echo after > /mnt/marker; sync; X=changed; echo done-$((2+2))' done-4

out=$(vd snapshot lin create ram1 2>&1)
check_eq "a tag that exists: exit 1" 1 $?
check_eq "a tag that exists: one line" "vmdeck: lin: snapshot ram1 already exists" "$out"
out=$(vd snapshot lin revert nosuch 2>&1)
check_eq "a missing tag: exit 1, one line" "1 vmdeck: lin: no snapshot nosuch (vmdeck snapshot lin list)" "1 $out"
out=$(vd snapshot lin create 'bad/tag' 2>&1)
check_match "a tag outside the name rule is refused" "vmdeck: lin: bad tag 'bad/tag'" "$out"

exec 8> "$T/state/lin/lock"; flock 8
out=$(vd snapshot lin create busy1 2>&1)
check_eq "a guest whose lock is held (mid-backup): exit 1" 1 $?
check_match "and a line saying it is busy" "^vmdeck: lin: .*busy" "$out"
exec 8>&-

out=$(vd snapshot lin revert ram1 2>&1)
check_eq "revert to the RAM snapshot while running: exit 0" 0 $?
check_match "says the running guest jumped back" "jumped back to ram1" "$out"
ask 'echo var-$X; echo marker-$(cat /mnt/marker)' 'marker-[a-z]+'
check "the shell variable set before the snapshot is back" console_wait "var-kept" 1
check "the marker on the disk is back" console_wait "marker-before" 1
check_eq "the guest runs after the revert" running "$(vm_state lin)"

# disk-only: both disks at one instant, the guest paused only for it
ask 'echo disk-only > /mnt/marker; sync; echo done-$((3+3))' done-6
out=$(vd snapshot lin create d1 2>&1)
check_match "a disk-only snapshot reports the pause, its filesystems frozen by the agent" \
    "snapshot d1 created \(disks only\) \(the guest was paused [0-9.]+ ms, its filesystems frozen by its agent\)" "$out"
note "$out"
check_eq "both disks hold the tag" "d1 d1" "$(for d in data second; do qemu-img snapshot -U -l "$T/disks/$d.qcow2" | awk '$2=="d1"{print $2}'; done | xargs)"
ask 'echo overwritten > /mnt/marker; sync; echo done-$((4+4))' done-8
out=$(vd snapshot lin revert d1 2>&1)
check_match "a disk-only snapshot is not reverted under a running guest" "vmdeck: lin: d1 is a disk-only snapshot: power the guest off first" "$out"

js=$(vd snapshot lin list --json)
check_eq "list --json: tags, kinds and the description" 'ram1 ram before the upgrade|d1 disk ' \
    "$(printf '%s' "$js" | jq -r 'map("\(.tag) \(.kind) \(.description)") | join("|")')"
check_match "the RAM snapshot has the size of its saved state" '^[1-9]' "$(printf '%s' "$js" | jq '.[0].size')"
out=$(vd snapshot lin list)
check_match "list shows a table" "ram1 .* ram .* before the upgrade" "$out"

check "delete the RAM snapshot while running (a QEMU job)" vd snapshot lin delete ram1
check_eq "only d1 is left" "d1" "$(vd snapshot lin list --json | jq -r 'map(.tag) | join(" ")')"

console_close
check "stop the guest" vd stop lin --timeout 20
out=$(vd snapshot lin revert d1 2>&1)
check_eq "revert of the stopped guest to d1: exit 0" 0 $?
boot
ask 'echo marker-$(cat /mnt/marker)' 'marker-[a-z-]+'
check "after the revert the guest reads the disk-only snapshot's marker" console_wait "marker-disk-only" 1
console_close
vd kill lin >/dev/null 2>&1
check "delete d1 offline (qemu-img)" vd snapshot lin delete d1
check_eq "no snapshots left in either disk" "" "$(qemu-img snapshot -l "$T/disks/data.qcow2"; qemu-img snapshot -l "$T/disks/second.qcow2")"
check "and the metadata file is gone" test ! -e "$T/vms.d/lin.snapshots.json"
finish
