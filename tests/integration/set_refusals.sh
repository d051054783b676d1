#!/bin/bash
# set_refusals.sh: what `vmdeck set` (and the console's plan through
# `--changes -`) must refuse, leaving everything as it was: a VNC screen
# opened to the network without a password (start would refuse the guest,
# e.g. at the next boot, as `new` and the form refuse it now), and then no
# new disk of the plan stays behind. A malformed plan's error never quotes
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

out=$(printf '%s' '{"keys": [["vnc.password", "Zq9\u0000wx"]]}' | vd set g --changes - 2>&1); rc=$?
check_eq "a malformed plan: exit 2" 2 "$rc"
check_nomatch "... its error quotes none of it" 'Zq9' "$out"

out=$(vd set g vnc.display=7 vnc.listen=0.0.0.0 vnc.allow_no_password=true 2>&1); rc=$?
check_eq "an open screen asked for outright is written" 0 "$rc"
finish
