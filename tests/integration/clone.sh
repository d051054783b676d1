#!/bin/bash
# clone.sh: `vmdeck clone` of a stopped Linux fixture guest, full and linked:
# both clones boot, each on its own disk with its own MAC and VNC display
# (writing inside a clone leaves the source's disk as it was); the linked
# clone makes the source a template that refuses to start until the clone is
# gone; a running or busy source is refused; a cancelled clone leaves nothing.
source "$(dirname "$0")/../lib.sh"
write_conf
for f in vmlinuz initramfs.gz cmdline; do
    [ -s "$FIXTURES/$f" ] || { fail "fixture $FIXTURES/$f missing (run tests/fixtures/build-guest.sh)"; finish; exit; }
done
vd() { "$VMDECK" -c "$CONF" "$@"; }
truncate -s 16M "$T/disks/base.img"
mkfs.ext4 -q -F "$T/disks/base.img"
D=$(free_vnc_display)
mklinux src <<EOF2
disks:
  - file: $T/disks/base.img   # the golden image
    interface: virtio
vnc:
  display: $D
  password: s3cret
EOF2
sum_before=$(sha256sum < "$T/disks/base.img")

# boots NAME (started already) to its shell, writes MARK on its disk, syncs, kills it
boot_and_write() {
    console_open "$1"
    check "$1 boots to the ready marker" console_wait vmdeck-guest-ready 120
    check "$1 mounted its own disk" console_wait "vmdeck-disk-mounted /dev/vda" 10
    console_send "echo $2 > /mnt/who; sync; echo vmdeck-wrote-\$((40 + 2))"
    check "$1 wrote on its disk" console_wait vmdeck-wrote-42 30
    console_close
    vd kill "$1" >/dev/null 2>&1
}
# the file /who inside an ext4 image (qcow2 read through a raw copy)
who_in() {
    local img="$1"
    if [ "${img%.qcow2}" != "$img" ]; then qemu-img convert -U -O raw "$img" "$T/peek.raw"; img="$T/peek.raw"; fi
    debugfs -R "cat /who" "$img" 2>/dev/null
}

# ---- full clone, started at once ----
out=$(vd clone src full --start 2>&1); rc=$?
check_eq "clone --start: exit 0" 0 "$rc"
check_match "it says what it made" "full: a full clone of src" "$out"
check_eq "the source stays stopped" stopped "$(vm_state src)"
check_eq "the clone runs" running "$(vm_state full)"
js=$(vd show full --json); jsrc=$(vd show src --json)
check_eq "its disk is a file named after it in file_dir" "$T/disks/full.raw" "$(jq -r '.disks[0].file' <<< "$js")"
check_eq "the disk is 0600" 600 "$(stat -c %a "$T/disks/full.raw")"
check_match "it has a MAC of its own" '^52:54:00:' "$(jq -r '.nics[0].mac' <<< "$js")"
[ "$(jq -r '.nics[0].mac' <<< "$js")" != "$(jq -r '.nics[0].mac' <<< "$jsrc")" ]
check_eq "which differs from the source's" 0 $?
[ "$(jq -r .vnc.display <<< "$js")" != "$D" ]
check_eq "and a VNC display of its own" 0 $?
pw=$(sed -n 's/^ *password: *\([^ ]*\).*/\1/p' "$T/vms.d/full.yaml")
check_match "a new VNC password (8 characters), not the source's" '^[A-Za-z0-9]{8}$' "$pw"
[ "$pw" != s3cret ]; check_eq "the source's password is not copied" 0 $?
check_match "the event log says it was cloned" "cloned to full" "$(cat "$T/state/src/events.log" 2>/dev/null)"
boot_and_write full written-by-full
wait_until 20 state_is full stopped

# ---- linked clone ----
sed -i '1i # src: the golden Linux, kept by the test' "$T/vms.d/src.yaml"
out=$(vd clone src linked --linked 2>&1); rc=$?
check_eq "clone --linked: exit 0" 0 "$rc"
check_match "it says the source is now a template" "linked: a linked clone of src \(now a template" "$out"
info=$(qemu-img info -U --output=json "$T/disks/linked.qcow2")
check_eq "its disk is a qcow2 overlay backed by the source's disk" "$T/disks/base.img raw" \
    "$(jq -r '."full-backing-filename" + " " + ."backing-filename-format"' <<< "$info")"
check_eq "the overlay is 0600" 600 "$(stat -c %a "$T/disks/linked.qcow2")"
check_match "the source is marked template: true" '^template: true' "$(cat "$T/vms.d/src.yaml")"
check_match "its comments are kept" '^# src: the golden Linux' "$(cat "$T/vms.d/src.yaml")"
check_match "and its own disk comment" 'base.img   # the golden image' "$(cat "$T/vms.d/src.yaml")"
check_nomatch "the clone is no template" '^template:' "$(cat "$T/vms.d/linked.yaml")"
out=$(vd check 2>&1)
check_match "check names the template's linked clones" "template src: linked clones linked" "$out"
check_eq "check --json too" '["linked"]' "$(vd check --json | jq -c .templates.src)"
out=$(vd start src 2>&1); rc=$?
check_eq "the template refuses to start (exit 1)" 1 "$rc"
check_match "naming its linked clone" "src: cannot start: it is a template with linked clones: linked" "$out"
check_eq "it stays stopped" stopped "$(vm_state src)"
out=$(vd snapshot src create pre-change 2>&1); rc=$?
check_eq "a snapshot of the template is refused while it has linked clones (exit 1)" 1 "$rc"
check_match "naming them" "template with linked clones: linked" "$out"
check_eq "and its disk is unchanged" "$sum_before" "$(sha256sum < "$T/disks/base.img")"
check "the linked clone starts" vd start linked
boot_and_write linked written-by-linked
wait_until 20 state_is linked stopped

check_eq "the source's disk is unchanged by both clones" "$sum_before" "$(sha256sum < "$T/disks/base.img")"
check_eq "the full clone's disk holds what it wrote" written-by-full "$(who_in "$T/disks/full.raw")"
check_eq "the linked clone's disk holds what it wrote" written-by-linked "$(who_in "$T/disks/linked.qcow2")"
check_eq "the source's disk has neither" "" "$(who_in "$T/disks/base.img")"

# ---- refusals ----
out=$(vd clone src full 2>&1); rc=$?
check_eq "a NEW that exists is refused (exit 1)" 1 "$rc"
check_match "saying so" "a guest of that name exists" "$out"
out=$(vd clone src 'no/good' 2>&1)
check_match "a NEW against the name rule is refused" "not a valid guest name" "$out"
mkdir -p "$T/state/src"; chmod 700 "$T/state/src"
exec 8> "$T/state/src/lock"; flock -n 8   # this shell holds the guest's lock, as a backup would
out=$(vd clone src c2 2>&1); rc=$?
check_eq "a source whose lock is held (a backup, a start) is refused (exit 1)" 1 "$rc"
check_match "saying it is busy" "src: cannot clone: .*busy" "$out"
exec 8>&-
check "and leaves no definition" test ! -e "$T/vms.d/c2.yaml"

# a Ctrl-C at the commit point: the copy made is removed, no definition written
signal_at commit INT "$VMDECK" -c "$CONF" clone src c3
check_eq "an interrupted clone exits 1" 1 "$SIGNAL_RC"
check_match "saying it was interrupted" "interrupted" "$(cat "$T/signal.err")"
check "no definition left" test ! -e "$T/vms.d/c3.yaml"
check "no disk left" test ! -e "$T/disks/c3.raw"

# the linked clone goes: the template starts again
rm -f "$T/vms.d/linked.yaml"
check "with its linked clone deleted, the template starts" vd start src
check_eq "it runs" running "$(vm_state src)"
out=$(vd clone src c4 2>&1); rc=$?
check_eq "a running source is refused (exit 1)" 1 "$rc"
check_match "saying to stop it first" "src: cannot clone: it is running: stop it first" "$out"
check "and leaves no disk" test ! -e "$T/disks/c4.raw"
vd kill src >/dev/null 2>&1
finish
