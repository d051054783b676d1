#!/bin/bash
# set_running.sh: `vmdeck set` on a running guest says truly when each change
# applies. A new VNC password is the one a viewer must give at once (set over
# QMP, as at a start): the old one is refused from then on. A changed CD in
# the definition is not in the drive until the next start, and says so.
source "$(dirname "$0")/../lib.sh"
write_conf
vd() { "$VMDECK" -c "$CONF" "$@"; }

OLD="Old7Kq2x" NEW="New5Zp8w"
vnc=$(free_vnc_display)
mkguest v <<EOF
vnc:
  display: $vnc
  listen: 127.0.0.1
  password: $OLD
EOF
: > "$T/iso/other.iso"
check "the guest starts with a VNC password" vd start v
printf '%s\n' "$OLD" | vncpasswd -f > "$T/old.pw"
printf '%s\n' "$NEW" | vncpasswd -f > "$T/new.pw"
chmod 600 "$T/old.pw" "$T/new.pw"
snap() { timeout 20 vncsnapshot -quiet -passwd "$1" "127.0.0.1:$vnc" "$2" > "$T/snap.log" 2>&1 && [ -s "$2" ]; }
check "the old password gets a picture" wait_until 20 snap "$T/old.pw" "$T/a.jpg"

out=$(printf '%s\n' "$NEW" | vd set v --vnc-password-file - 2>&1); rc=$?
check_eq "set a new password on the running guest" 0 "$rc"
check "the new password gets a picture at once" snap "$T/new.pw" "$T/b.jpg"
timeout 20 vncsnapshot -quiet -passwd "$T/old.pw" "127.0.0.1:$vnc" "$T/c.jpg" > "$T/old.log" 2>&1
check "the old one is refused from now on" test $? -ne 0
check_nomatch "no password in the answer or an event line" "$OLD|$NEW" "$out $(cat "$T/state/v/events.log")"

out=$(vd set v cdrom=other.iso 2>&1)
check_match "a CD in the definition of a running guest: at the next start" \
    '^v: 1 change saved; takes effect at the next start$' "$out"
vd kill v > /dev/null 2>&1
finish
