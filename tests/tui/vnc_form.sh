#!/bin/bash
# vnc_form.sh: the new-guest form proposes VNC on loopback (the schema's
# default); picking another address proposes a random 8-character password,
# shown in clear this once; a form left with such an address and no password
# is refused, with what to do.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf < /dev/null
mkguest old < /dev/null
# Said explicitly in the file: an open screen its edits keep.
mkguest lab <<EOF
vnc:
  display: 42
  listen: 0.0.0.0
  allow_no_password: true
EOF

# Up from the name wraps round: RTC, password, listen.
tui_start
tui_keys n
check_screen "n opens the new-guest form" 'New guest'
check_screen "VNC listen proposed on loopback, not 0.0.0.0" 'listen +127\.0\.0\.1 +│'
check "no password is proposed for loopback" eval '! tui_has "password proposed"'
tui_keys o p e n l a n Up Up Up
check_screen "the cursor is on listen" 'address: 0.0.0.0 for all'
tui_keys C-u 0 . 0 . 0 . 0
check_screen "another address proposes a password, shown once" 'VNC password proposed: [A-Za-z0-9]{8} '
pw=$(tui_screen | sed -nE 's/.*VNC password proposed: ([A-Za-z0-9]{8}) .*/\1/p' | head -1)
check_match "8 characters" '^[A-Za-z0-9]{8}$' "$pw"
check_screen "the field itself shows stars" 'password +\*{8} +│'
tui_keys F2
check_screen "saving adds the guest" '^ openlan +stopped' 10
f="$T/vms.d/openlan.yaml"
check_match "the definition listens on 0.0.0.0" 'listen: 0\.0\.0\.0' "$(cat "$f")"
check_match "with the proposed password" "password: \"?$pw\"?" "$(cat "$f")"
check_eq "the file is 0600" 600 "$(stat -c %a "$f")"
out=$("$VMDECK" -c "$CONF" check 2>&1); rc=$?
check_eq "vmdeck check accepts it" 0 "$rc"
check "the password is no longer on the screen" eval "! tui_has '$pw'"
tui_select openlan
tui_keys e
check_screen "the edit form opens" 'Edit openlan'
check "it shows the password as stars only" eval "! tui_has '$pw' && ! tui_has 'password proposed'"
tui_keys Escape

# A second guest: the proposed password cleared leaves an open door, which is refused.
# (Every IPv6 address: an address must be this host's, and 192.0.2.10 is not.)
tui_keys n
check_screen "n again" 'New guest'
tui_keys s h u t Up Up Up C-u : :
check_screen "another address, another proposal" 'VNC password proposed: [A-Za-z0-9]{8} '
pw2=$(tui_screen | sed -nE 's/.*VNC password proposed: ([A-Za-z0-9]{8}) .*/\1/p' | head -1)
check "a fresh password, not the first one" test "$pw2" != "$pw"
tui_keys Down C-u
check_screen "without the password the form refuses, saying how to fix it" \
    'vnc.listen :: opens the guest.s screen to the network without a password'
tui_keys F2
sleep 0.5
check "and F2 does not save it" test ! -e "$T/vms.d/shut.yaml"
tui_keys Up C-u 1 2 7 . 0 . 0 . 1
check_screen "back on loopback the draft is valid without a password" 'valid: F2 saves'
check_screen "the untouched proposal is taken back" 'password +│'
tui_keys C-u 1 9 2 . 0 . 2 . 1 0 Down C-u s e c r e t
check_screen "an address this host does not have is refused, as new refuses it" \
    'vnc.listen 192.0.2.10 is not an address of this host'
tui_keys Escape

tui_select lab
tui_keys e
check_screen "a guest allowed an open screen: its edit form" 'Edit lab'
tui_keys Down C-u 4 8 M
check_screen "is valid without a password" 'valid: F2 saves'
check "and proposes none" eval '! tui_has "password proposed"'
tui_keys F2
check "its edit is saved" wait_until 3 grep -q '^memory: 48M' "$T/vms.d/lab.yaml"
check_match "keeping allow_no_password" 'allow_no_password: true' "$(cat "$T/vms.d/lab.yaml")"
tui_stop
finish
