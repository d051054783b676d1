#!/bin/bash
# set_refusals.sh: what `vmdeck set` (and the console's plan through
# `--changes -`) must refuse, leaving everything as it was: a VNC screen
# opened to the network without a password (start would refuse the guest,
# e.g. at the next boot, as `new` and the form refuse it now), and then no
# new disk of the plan stays behind; a disk another guest's definition names
# (two guests writing one disk), as `disk attach` refuses it. A malformed plan's error never quotes
# the plan (it may hold the VNC password).
source "$(dirname "$0")/../lib.sh"
write_conf
vd() { "$VMDECK" -c "$CONF" "$@"; }
mkguest g < /dev/null
F="$T/vms.d/g.yaml"
before=$(sha256sum "$F")

out=$(vd set g vnc.display=7 vnc.listen=0.0.0.0 2>&1); rc=$?
check_eq "VNC on every address without a password: refused (exit 2)" 2 "$rc"
check_match "... saying why" 'without a password' "$out"
check_eq "... the file untouched" "$before" "$(sha256sum "$F")"
check "... and the guest still passes check" vd check

plan='{"keys": [["vnc.listen", "0.0.0.0"], ["vnc.display", "7"]],
       "disk": {"kind": "file", "value": "new.qcow2", "interface": "virtio", "size": "10M"}}'
out=$(printf '%s' "$plan" | vd set g --changes - 2>&1); rc=$?
check_eq "the same in a plan with a new disk: refused (exit 2)" 2 "$rc"
check_eq "... the file untouched" "$before" "$(sha256sum "$F")"
check "... no new disk left behind" test ! -e "$T/disks/new.qcow2"

qemu-img create -q -f qcow2 "$T/disks/a.qcow2" 10M
qemu-img create -q -f qcow2 "$T/disks/c.qcow2" 10M
printf 'disks:\n  - file: %s\n' "$T/disks/a.qcow2" | mkguest a
printf 'disks:\n  - file: %s\n' "$T/disks/c.qcow2" | mkguest c
before_c=$(sha256sum "$T/vms.d/c.yaml")
out=$(printf '{"disk": {"kind": "file", "value": "%s", "interface": "virtio"}}' "$T/disks/a.qcow2" |
    vd set g --changes - 2>&1); rc=$?
check_eq "a's disk as g's first disk: refused (exit 2)" 2 "$rc"
check_match "... naming its guest" 'a\.qcow2 is already a disk of guest a' "$out"
check_eq "... g's file untouched" "$before" "$(sha256sum "$F")"
out=$(vd set c "disks.0.file=a.qcow2" 2>&1); rc=$?
check_eq "the same as KEY=VALUE (a bare name in file_dir): refused (exit 2)" 2 "$rc"
check_eq "... c's file untouched" "$before_c" "$(sha256sum "$T/vms.d/c.yaml")"
out=$(vd set c "disks.0.interface=virtio" 2>&1); rc=$?
check_eq "c's own disk is c's: other keys of it are fine" 0 "$rc"

out=$(printf '%s' '{"keys": [["vnc.password", "Zq9\u0000wx"]]}' | vd set g --changes - 2>&1); rc=$?
check_eq "a malformed plan: exit 2" 2 "$rc"
check_nomatch "... its error quotes none of it" 'Zq9' "$out"

out=$(vd set g vnc.display=7 vnc.listen=0.0.0.0 vnc.allow_no_password=true 2>&1); rc=$?
check_eq "an open screen asked for outright is written" 0 "$rc"
finish
