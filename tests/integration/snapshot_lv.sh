#!/bin/bash
# snapshot_lv.sh: snapshots of a guest on a raw LV (a loop VG with activation
# off, /dev/VG/LV a symlink to a loop device): external qcow2 overlays in
# file_dir made live (blockdev-snapshot-sync), a chain the definition records
# so a restart runs on it, live commits (an intermediate and an active one),
# a revert once the guest is off, a backup that stores what the guest sees,
# and QEMU killed in the middle of a commit: the chain stays valid and the
# delete works afterwards, leaving the newest data in the LV.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../storage-lib.sh"
write_conf
for f in vmlinuz initramfs.gz cmdline; do
    [ -s "$FIXTURES/$f" ] || { fail "fixture $FIXTURES/$f missing (run tests/fixtures/build-guest.sh)"; finish; exit; }
done
vg_setup 64M
conf_lvm_storage
vd() { "$VMDECK" -c "$CONF" "$@"; }
lvm_ lvcreate -q -n data -L 16M "$VG" >/dev/null
DEV=$(lv_link "$VG" data)
mkfs.ext4 -q -F "$DEV"
mklinux lin <<EOF2
disks:
  - lv: $VG/data
    interface: virtio
EOF2
DEF="$T/vms.d/lin.yaml"

boot() {
    check "start the guest" vd start lin
    console_open lin
    console_wait vmdeck-guest-ready 60 || fail "no ready marker: $(head -c 300 "$T/console.lin")"
    console_wait "vmdeck-disk-mounted /dev/vda" 5 || fail "the LV is not mounted"
}
ask() { console_send "$1"; console_wait "$2" 20; }
overlay() { grep -E '^ +overlay: /' "$DEF" | awk '{print $2}'; }
# chain_marker: the marker file as the guest sees it through the chain (a
# checked copy: the guest's journal is replayed as a mount would).
chain_marker() {
    local top; top=$(overlay); top=${top:-$DEV}
    qemu-img convert -U -O raw "$top" "$T/view.raw" && e2fsck -fy "$T/view.raw" >/dev/null 2>&1
    debugfs -R 'cat /marker' "$T/view.raw" 2>/dev/null
}

boot
ask 'echo one > /mnt/marker; sync; echo done-$((1+1))' done-2
out=$(vd snapshot lin create s1 2>&1)
check_match "a disk-only snapshot of the running LV guest" "snapshot s1 created \(disks only\) \(the guest was paused" "$out"
OV1="$T/disks/lin-disk0-s1.qcow2"
check_eq "its overlay is in file_dir, mode 0600" 600 "$(stat -c %a "$OV1" 2>/dev/null)"
check_eq "the definition records the overlay" "$OV1" "$(overlay)"
check_eq "QEMU runs on it" "$OV1" "$(qmp_return lin query-block | jq -r '.[] | select(.device=="disk0") | .inserted.file')"
ask 'echo two > /mnt/marker; sync; echo done-$((2+2))' done-4
out=$(vd snapshot lin revert s1 2>&1)
check_match "revert under a running guest asks to power it off" "vmdeck: lin: s1 is a disk-only snapshot: power the guest off first" "$out"
out=$(vd snapshot lin create r1 --with-ram 2>&1)
check_match "--with-ram on an LV is refused with a reason" "vmdeck: lin: --with-ram needs qcow2 disks" "$out"
check "a second snapshot on top" vd snapshot lin create s2
check_eq "complete tag offers the tags, oldest first" "s1 s2" "$(vd complete tag lin | xargs)"
ask 'echo three > /mnt/marker; sync; echo done-$((3+3))' done-6
check "delete the older one live (an intermediate block-commit)" vd snapshot lin delete s1
check "its overlay is gone" test ! -e "$OV1"
check_eq "the guest's top is still s2's overlay" "$T/disks/lin-disk0-s2.qcow2" "$(overlay)"
check "a third snapshot" vd snapshot lin create s3
ask 'echo four > /mnt/marker; sync; echo done-$((4+4))' done-8
out=$(vd snapshot lin delete s3 2>&1)
check_eq "delete the newest live (an active commit, with progress)" 0 $?
check_match "the commit reported progress" "commit disk 1: [0-9]+%" "$out"
check_eq "the definition's top is s2's overlay again" "$T/disks/lin-disk0-s2.qcow2" "$(overlay)"
check_eq "only s2 is left" "s2" "$(vd snapshot lin list --json | jq -r 'map(.tag) | join(" ")')"
console_close
check "stop the guest" vd stop lin --timeout 20

# A backup of a guest on a chain stores what the guest sees; the restore is a flat disk.
qemu-img convert -O raw "$(overlay)" "$T/expect.raw"
check "offline backup of the guest on a chain" vd backup lin
arch=$(ls -d "$T/backup"/lin-* | head -1)
check "restore it as a copy in a file" vd restore "$arch" --as lin2 --to-file "$T/disks/lin2.raw"
check "the restored disk is the chain's content byte for byte" cmp -s "$T/expect.raw" "$T/disks/lin2.raw"
check "the restored definition names no overlay" sh -c "! grep -q 'overlay: /' '$T/vms.d/lin2.yaml'"
out=$(vd move lin nohost 2>&1)
check_match "move refuses a guest with snapshots" "vmdeck: lin: .*snapshots, which do not travel" "$out"
out=$(vd disk resize "$VG/data" 32M 2>&1)
check_match "disk resize refuses a disk with snapshots" "has 1 snapshot of guest lin: delete them first" "$out"
out=$(vd disk delete "$VG/data" --yes 2>&1)
check_match "disk delete refuses it too" "has 1 snapshot of guest lin" "$out"

check "revert the stopped guest to s2" vd snapshot lin revert s2
check_eq "the overlay is fresh: the guest sees s2's moment" two "$(chain_marker)"

boot
ask 'echo marker-$(cat /mnt/marker)' 'marker-[a-z]+'
check "the restarted guest runs on the chain and reads s2's marker" console_wait marker-two 1
ask 'echo five > /mnt/marker; sync; echo done-$((5+5))' done-10
console_close
# QEMU killed while the commit runs: vmdeck stops itself once the job started.
QPID=$(cat "$T/state/lin/qemu.pid")
VMDECK_TEST_PAUSE_AT=snapshot-commit "$VMDECK" -c "$CONF" snapshot lin delete s2 > "$T/kill.out" 2>&1 &
p=$!; EXTRA_PIDS="$EXTRA_PIDS $p"
wait_until 30 grep -qE '^State:[[:space:]]+T' "/proc/$p/status"
kill -9 "$QPID"
wait_until 10 sh -c "! kill -0 $QPID 2>/dev/null || grep -q '^State:.*Z' /proc/$QPID/status"
kill -CONT "$p"; wait "$p"; rc=$?
check_eq "a commit whose QEMU was killed fails (exit 1)" 1 "$rc"
check_match "with one line saying the chain is as it was" \
    "^vmdeck: lin: the commit of disk 1 did not finish .*the snapshot chain is as it was" "$(cat "$T/kill.out")"
check_eq "the definition still names the overlay" "$T/disks/lin-disk0-s2.qcow2" "$(overlay)"
check "the overlay is a valid qcow2 image" qemu-img check -q "$(overlay)"
check_eq "the chain still shows the newest data" five "$(chain_marker)"
check_eq "the snapshot is still listed" "s2" "$(vd snapshot lin list --json | jq -r 'map(.tag) | join(" ")')"
vd kill lin > /dev/null 2>&1
check "delete again, with the guest off (qemu-img commit)" vd snapshot lin delete s2
check "the definition names no overlay now" sh -c "! grep -q 'overlay: /' '$DEF'"
check "the overlay file is gone" test ! -e "$T/disks/lin-disk0-s2.qcow2"
check_eq "the LV holds the newest data" five "$(chain_marker)"
finish
