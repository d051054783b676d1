#!/bin/bash
# edit_atomic.sh: an edit from the console is saved whole or not at all. A
# CD image and a VNC password set together on a guest whose file is 0644 (a
# password needs 0600): the file is left byte for byte as it was, the form
# shows the whole complaint with its fix at 80x24, and Esc's "nothing saved"
# is true. After chmod 600 the same edit is written in one piece.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf < /dev/null
mkguest av <<'EOF2'
vnc:
  display: 41
  listen: 127.0.0.1
EOF2
chmod 644 "$T/vms.d/av.yaml"
: > "$T/iso/test.iso"
: > "$T/iso/other.iso"
before=$(sha256sum < "$T/vms.d/av.yaml")

tui_start
tmux_ resize-window -x 80 -y 24
tui_select av
tui_keys e
check_screen "e opens the edit form" 'Edit av'
# From Description: Up to Name, RTC, then the VNC password.
tui_keys Up Up Up
check_screen "the cursor is on the VNC password" '  password +' 2
tui_keys a b c Up Up Up Up
tui_keys C-u t e s t . i s o
check_screen "the CD field holds test.iso" 'CD image +test\.iso'
tui_keys F2
check_screen "the refusal is shown whole, with its fix" 'chmod 600' 3
# The complaint wraps over several rows: joined without spaces and borders, the fix is there whole.
joined=$(tui_screen | tr -d '\n │')
if printf '%s' "$joined" | grep -qF "run:chmod600$T/vms.d/av.yaml"; then ok "the whole fix is on screen, wrapped, not cut"
else fail "the whole fix is on screen, wrapped, not cut: $joined"; fi
check_eq "nothing of the edit reached the file" "$before" "$(sha256sum < "$T/vms.d/av.yaml")"
tui_keys Escape
check_screen "Esc says nothing was saved" 'av: nothing saved'
check_eq "and indeed nothing was" "$before" "$(sha256sum < "$T/vms.d/av.yaml")"
check_nomatch "no CD in the file" '^cdrom:' "$(cat "$T/vms.d/av.yaml")"

chmod 600 "$T/vms.d/av.yaml"
tui_keys e
check_screen "the form opens again" 'Edit av'
tui_keys Up Up Up a b c Up Up Up Up C-u t e s t . i s o F2
check "after chmod 600 the edit is written" wait_until 3 grep -q '^cdrom: ' "$T/vms.d/av.yaml"
check_match "both changes, in one piece" 'password: "?abc' "$(cat "$T/vms.d/av.yaml")"
check_eq "the file keeps its mode" 600 "$(stat -c %a "$T/vms.d/av.yaml")"
ls "$T/vms.d" | grep -v '\.yaml$' > "$T/stray"
check_eq "no temporary file left in vms.d" "" "$(cat "$T/stray")"

# The CD field is checked as the picker and a start would look it up.
before=$(sha256sum < "$T/vms.d/av.yaml")
tui_keys e
check_screen "the form opens once more" 'Edit av'
tui_keys Up Up Up Up Up Up Up C-u t e
check_screen "a CD that is no ISO in iso_dirs is refused at once" 'ISO not found: te' 3
tui_keys F2
sleep 0.5
check_eq "F2 writes nothing" "$before" "$(sha256sum < "$T/vms.d/av.yaml")"
tui_keys BSpace BSpace o t h e r . i s o
check_screen "a bare name found in iso_dirs is accepted" 'valid: F2 saves' 3
tui_keys Escape
tui_stop
finish
