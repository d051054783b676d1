#!/bin/bash
# iso_used_by.sh: the console's ISO picker has a USED BY column: the guests
# whose definition names an image as its CD; F7 there makes an image from a
# folder (`iso make` on the command line).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf < /dev/null
touch "$T/iso/alpha.iso" "$T/iso/beta.iso"
mkguest cd1 <<EOF2
cdrom: alpha.iso
EOF2
mkguest cd2 <<EOF2
cdrom: alpha.iso
EOF2
tui_start
tui_select cd1
tui_keys c
check_screen "the picker has a USED BY column" "IMAGE +SIZE +DATE +USED BY"
check_screen "alpha.iso is used by cd1 and cd2" "alpha\.iso .* cd1,cd2"
check_screen "beta.iso by nobody" "beta\.iso .* - "
tui_keys F7
check_screen "F7 opens the command line at iso make" ":iso make"
mkdir -p "$T/drv" && echo x > "$T/drv/setup.inf"
tui_keys "new-drivers.iso $T/drv" Enter
check "the image is made from the folder" wait_until 20 test -s "$T/iso/new-drivers.iso"
tui_stop
finish
