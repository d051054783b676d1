#!/bin/bash
# A real Linux guest (the fixture kernel, an ext4 disk it mounts on /mnt):
# a live backup (--live, a QEMU backup job) while it writes, restored as a copy
# that boots and reads its files; then an offline round trip: the guest writes
# a known file, is stopped, backed up, its disk wiped, restored, booted, and
# the file read back over the serial console.
source "$(dirname "$0")/../lib.sh"
write_conf
set_accel tcg   # nested KVM stalls this kernel early in boot: TCG always
for f in vmlinuz initramfs.gz cmdline; do
    [ -s "$FIXTURES/$f" ] || { fail "fixture $FIXTURES/$f missing (run tests/fixtures/build-guest.sh)"; finish; exit; }
done
V() { "$VMDECK" -c "$CONF" "$@"; }

truncate -s 24M "$T/disks/lin.img"
mkfs.ext4 -q -F "$T/disks/lin.img"
mklinux lin <<EOF2
disks:
  - file: $T/disks/lin.img
    interface: virtio
guest_agent: true
EOF2

# boot NAME: start it, attach the serial console, wait until its disk is mounted.
boot() {
    V start "$1" >/dev/null 2>&1 || return 1
    console_open "$1"
    console_wait "vmdeck-disk-mounted /dev/vda" 90
}

check "the guest boots and mounts its disk" boot lin
console_send 'echo vmdeck-known-$((6 * 7)) > /mnt/known; sync; echo vmdeck-wrote-$((1 + 1))'
check "it writes a known file" console_wait vmdeck-wrote-2 20
# A stand-in guest agent on the agent's virtio port (found by its name; reads see end-of-file
# while no host side is connected, hence the retry): answers guest-sync with
# its id, says on the console when it freezes and thaws, and reports the thaw's status.
console_send 'for p in /sys/class/virtio-ports/*; do [ "$(cat $p/name)" = org.qemu.guest_agent.0 ] && port=/dev/${p##*/}; done; exec 3<>$port; (while :; do read -r l <&3 || { sleep 0.1; continue; }; case "$l" in *guest-sync*) id=${l##*\"id\":}; id=${id%%\}*}; echo "{\"return\": $id}" >&3;; *fsfreeze-freeze*) sync; echo vmdeck-agent-$((10 + 1)) >/dev/console; echo "{\"return\": 1}" >&3;; *fsfreeze-thaw*) echo vmdeck-agent-$((20 + 2)) >/dev/console; echo "{\"return\": 1}" >&3;; *fsfreeze-status*) echo "{\"return\": \"thawed\"}" >&3;; esac; done) &'
# It keeps writing while the live backup runs.
console_send 'while :; do date >> /mnt/log; sync; sleep 0.1; done &'
sleep 1
out=$(V backup lin --live 2>&1); rc=$?
check_eq "a live backup of the running guest succeeds" "0" "$rc"
check "its filesystems were frozen through the guest agent" console_wait "vmdeck-agent-11" 5
check "and thawed again" console_wait "vmdeck-agent-22" 5
L=$(ls -d "$T"/backup/lin-* 2>/dev/null | head -1)
check_match "its manifest says live" "live: true" "$(cat "$L/manifest.yaml" 2>/dev/null)"
check_eq "the guest kept running" "running" "$(vm_state lin)"
console_send 'echo vmdeck-still-$((2 + 3))'
check "and answering" console_wait vmdeck-still-5 20
check_eq "no temporary copy is left" "" "$(ls -A "$T/backup" | grep '^\.' | grep -vx '.vmdeck-status' || true)"

out=$(V restore "$L" --as lincopy 2>&1); rc=$?
check_eq "the live archive restores as a copy" "0" "$rc"
check "the copy boots and mounts its disk" boot lincopy
console_send 'cat /mnt/known; test -s /mnt/log && echo vmdeck-log-$((4 + 4))'
check "the copy holds the known file" console_wait "^vmdeck-known-42" 20
check "and what the guest was writing" console_wait vmdeck-log-8 10
V kill lincopy >/dev/null 2>&1; console_close

# Offline: stop, back up, wipe, restore, boot, read back.
CONSOLE_NAME=lin; console_close
V stop lin --timeout 30 >/dev/null 2>&1
check_eq "the guest is stopped" "stopped" "$(vm_state lin)"
rm -rf "$T/backup"/lin-*
out=$(V backup lin 2>&1); rc=$?
check_eq "offline backup succeeds" "0" "$rc"
A=$(ls -d "$T"/backup/lin-* | head -1)
dd if=/dev/zero of="$T/disks/lin.img" bs=1M count=24 conv=notrunc status=none
check "the disk is wiped" bash -c "! debugfs -R 'cat /known' '$T/disks/lin.img' 2>/dev/null | grep -q known"
out=$(V restore "$A" --force 2>&1); rc=$?
check_eq "restore succeeds" "0" "$rc"
check "the restored guest boots and mounts its disk" boot lin
console_send 'cat /mnt/known'
check "the known file reads back over the serial console" console_wait "^vmdeck-known-42" 20
V kill lin >/dev/null 2>&1; console_close
finish
