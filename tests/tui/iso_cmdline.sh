#!/bin/bash
# iso_cmdline.sh: the ISO picker (size, date, type-ahead filter) swaps the CD
# of a running guest at once (checked with query-block); on a stopped guest it
# sets the definition's CD, and E empties it. The `:` command line runs a
# verb as a job, Tab completes verbs and guest names, and history survives a
# restart.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf < /dev/null
truncate -s 3M "$T/iso/alpha-install.iso"
truncate -s 5M "$T/iso/beta-drivers.iso"
truncate -s 7M "$T/iso/gamma-tools.iso"
VNC_D=$(free_vnc_display)
mkguest web <<EOF
cdrom: $T/iso/alpha-install.iso
vnc:
  display: $VNC_D
  listen: 127.0.0.1
  password: s3cr3t
EOF
mkguest db < /dev/null
"$VMDECK" -c "$CONF" start web 2>/dev/null
export HOME="$T" # the command line keeps its history in $HOME/.vmdeck_console_history

cd_of() { # the medium in NAME's CD drive, from QEMU itself
    qmp_return "$1" query-block | jq -r '.[] | select(.inserted != null and .inserted.ro == true) | .inserted.file'
}
check_eq "web starts with the install CD" "$T/iso/alpha-install.iso" "$(cd_of web)"

tui_start
tui_select web
tui_keys c
check_screen "c opens the ISO picker" 'Insert CD: web'
check_screen "it lists images with size and date" 'beta-drivers.iso +5(\.0)?M +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}'
tui_keys d r i v
check_screen "type-ahead filters the list" 'Filter: driv'
check "only the match is left" eval '! tui_has "gamma-tools.iso"'
tui_keys Enter
check "Enter swaps the CD of the running guest (query-block)" \
    wait_until 5 eval '[ "$(cd_of web)" = "$T/iso/beta-drivers.iso" ]'
check_screen "the table shows the new medium" '^ web +running .* beta-drivers.iso' 5
# The event's text is longer than the pane's half: it goes on under itself, indented past the time.
# (the right half starts at column 51 of 100; the time takes 9 columns)
check_screen "a long event's first row" '[0-9]{2}:[0-9]{2}  CD changed to /' 5
check_screen "goes on in a second row under its text, nothing lost" '^.{51} {9}[^ ]+beta-drivers\.iso( \(by [^)]*\))? *$' 5

# E ejects the CD of the running guest.
tui_keys E
check "E ejects it (query-block shows no medium)" wait_until 5 eval '[ -z "$(cd_of web)" ]'
check_screen "the guest's event log says so" '[0-9]{2}:[0-9]{2}  CD ejected( \(by [^)]*\))?$' 5
tui_keys c b e t a Enter
check "and c puts one back" wait_until 5 eval '[ "$(cd_of web)" = "$T/iso/beta-drivers.iso" ]'
# v: VNC details from the definition.
tui_keys v
check_screen "v shows the VNC port, listen address and password state" "Port: +$((5900 + VNC_D))"
check_screen "without showing the password" 'Password: +set \(from the definition\)'
check "the password itself is not on screen" eval '! tui_has s3cr3t'
P=$((5900 + VNC_D))
check_screen "a display on loopback comes with the SSH tunnel to reach it" "ssh -L $P:127.0.0.1:$P $(hostname -s)"
check_screen "and the same for PuTTY, wrapped inside the box" "destination 127.0.0.1:$P;"
tui_keys Escape

tui_select db
tui_keys c g a m Enter
check "on a stopped guest it sets the definition's CD" \
    wait_until 3 grep -q "^cdrom: $T/iso/gamma-tools.iso" "$T/vms.d/db.yaml"
check_screen "and says it applies at the next start" 'db: CD set to .*applies at next start' 5
# E on a stopped guest: the same rule as c and `vmdeck cdrom`: the definition loses its CD.
tui_keys E
check "E on a stopped guest empties the definition's CD" \
    wait_until 3 eval '! grep -q "^cdrom: /" "$T/vms.d/db.yaml"'
check_screen "and says so, not \"not running\"" 'db: CD removed from the definition \(applies at next start\)' 5
tui_keys c g a m Enter
check "c puts it back for the next start" wait_until 3 grep -q "^cdrom: $T/iso/gamma-tools.iso" "$T/vms.d/db.yaml"

# b: start from CD (install mode) with an image picked the same way.
tui_keys b
check_screen "b opens the picker to start from a CD" 'Start from CD: db'
tui_keys a l p h Enter
check "db starts" wait_until 10 state_is db running
check_eq "with the picked image in its drive" "$T/iso/alpha-install.iso" "$(cd_of db)"
tui_keys J
check_screen "the job list shows it was started to boot from the CD" 'start db --cdrom .*alpha-install.iso --boot c'
tui_keys Escape
"$VMDECK" -c "$CONF" kill db > /dev/null 2>&1

# : runs a verb as a job; Tab completes the verb and the guest's name.
tui_keys : p a u
check_screen "the command line opens on :" '^:pau'
tui_keys Tab
check_screen "Tab completes the verb" '^:pause *$'
tui_keys w Tab
check_screen "Tab completes the guest name" '^:pause web *$'
tui_keys Enter
check "the verb ran: web is paused" wait_until 5 state_is web paused
check_screen "its output shows in the status line" '^web: paused' 5
tui_keys : r e s u m e Space Tab
check_screen "with several names Tab lists them" 'db  web'
tui_keys w Tab Enter
check "resume web ran" wait_until 5 state_is web running
# the job's own line comes after QEMU's state changes; wait for it so it cannot overwrite the next message
check_screen "its output shows in the status line" '^web: running' 5
tui_keys : b o g u s Enter
check_screen "an unknown verb says so" 'bogus: no such verb'
tui_stop
check_match "history is kept in a file" 'pause web' "$(cat "$T/.vmdeck_console_history" 2>/dev/null)"

tui_start
tui_keys : Up
check_screen "history survives a restart (Up recalls the last line)" '^:bogus'
tui_keys Up
check_screen "and the one before" '^:resume web'
tui_keys Escape
tui_stop
finish
