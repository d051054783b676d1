#!/bin/bash
# screen.sh: `vmdeck screen` on a real SeaBIOS guest (no disk, no NIC). Its
# display is 720x400 text mode: the raw image (--ppm) has the BIOS's light
# grey text on black in the first text row and nothing in the last; drawn in a
# terminal (a pty from script(1)), the last row's cells are black and the first
# row's carry the text colour, at 24-bit and at 16 colours. A stdout that is
# no terminal is refused with a pointer to --ppm; the dump file is removed.
source "$(dirname "$0")/../lib.sh"
write_conf
cat > "$T/vms.d/g.yaml" <<EOF
description: SeaBIOS only
memory: 32M
cpus: 1
EOF
vd() { "$VMDECK" -c "$CONF" "$@"; }

out=$(vd screen g --ppm "$T/x.ppm" 2>&1); rc=$?
check_eq "a stopped guest has no screen: exit 1" 1 "$rc"
check_match "and says so" "g: cannot take the screen: not running" "$out"
check "start the guest" vd start g

# SeaBIOS clears the screen and prints its banner once the VGA BIOS has set text mode
text_mode() { vd screen g --ppm "$T/s.ppm" && [ "$(head -c 15 "$T/s.ppm")" = "$(printf 'P6\n720 400\n255\n')" ] &&
    [ "$(tail -c +16 "$T/s.ppm" | head -c $((720 * 16 * 3)) | tr -d '\0' | wc -c)" -gt 0 ]; }
check "the screen reaches 720x400 text mode with text in the first row" wait_until 60 text_mode
check_eq "the saved image is 0600" 600 "$(stat -c %a "$T/s.ppm")"
colours() { tail -c +16 "$T/s.ppm" | tail -c +$(($1 * 720 * 3 + 1)) | head -c $((720 * 16 * 3)) |
    od -An -v -tu1 -w3 | sort -u | tr -s ' ' | tr '\n' '|'; }
# the VGA DAC has 6 bits a channel: light grey is 42/63, 168 in 8 bits
check_eq "the first text row: black and BIOS light grey only" " 0 0 0| 168 168 168|" "$(colours 0)"
check_eq "the last text row: black only" " 0 0 0|" "$(colours 384)"
check_eq "QEMU's dump file is gone from the guest's folder" "" "$(ls "$T/state/g" | grep -E '^screen-')"

out=$(vd screen g 2>&1 > /dev/null); rc=$?
check_eq "stdout not a terminal: refused with exit 2" 2 "$rc"
check_match "and pointed at --ppm" "not a terminal; to save the image use --ppm FILE" "$out"

B=$(printf '\xe2\x96\x80')  # the upper half block every cell is drawn with
# 720x400 is shown 4:3: 90 columns make 67.5 pixel rows, 34 text rows
draw() { env COLORTERM="$1" TERM="$2" script -qec "$VMDECK -c $CONF screen g --width 90 --height 40" "$T/pty" \
    > /dev/null 2>&1 && grep -a "$B" "$T/pty" | tr -d '\r' > "$T/cells"; }
row90() { local s="" i; for i in $(seq 90); do s="$s$B"; done; printf '%s' "$s"; }
check "drawn at 24-bit in a terminal" draw truecolor xterm
check_eq "34 text rows for a 4:3 picture 90 columns wide" 34 "$(grep -c . "$T/cells")"
check_eq "the last row: every cell black on black, one colour sequence" \
    "$(printf '\e[38;2;0;0;0;48;2;0;0;0m%s\e[0m' "$(row90)")" "$(tail -1 "$T/cells")"
check_match "the first row has cells in the text's grey (r = g = b > 0)" \
    $'\e\\[38;2;([1-9][0-9]*);\\1;\\1' "$(head -1 "$T/cells")"
check "drawn at 16 colours (TERM=vt100)" draw "" vt100
check_eq "16 colours: the last row black on black" "$(printf '\e[30;40m%s\e[0m' "$(row90)")" "$(tail -1 "$T/cells")"
check_match "16 colours: the banner in light or dark grey" $'\e\\[(37|90)' "$(head -1 "$T/cells")"
check "drawn at 256 colours (putty-256color)" draw "" putty-256color
check_match "256 colours: the banner in a grey of the ramp or the cube" $'\e\\[38;5;(23[2-9]|24[0-9]|25[0-5]|59|102|145|188)[;m]' "$(head -1 "$T/cells")"

vd kill g > /dev/null
finish
