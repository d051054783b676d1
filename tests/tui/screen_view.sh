#!/bin/bash
# screen_view.sh: the console's screen view on the Linux fixture booted with a
# shell on tty1 (vmdeck.tty1sh=1). `w` opens the guest's display (720x400
# text mode, drawn in half blocks); typed keys reach the tty1 shell, whose
# output shows on the serial port; the F9 menu's Alt-F4 switches the guest
# to tty4 (what is typed then reaches no shell) and Ctrl-Alt-F1 back (typed
# commands run again); Ctrl-] goes back to the guest list.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf < /dev/null
mklinux lin < /dev/null
sed -i 's/"console=ttyS0/"console=tty0 console=ttyS0 vmdeck.tty1sh=1/' "$T/vms.d/lin.yaml"
vd() { "$VMDECK" -c "$CONF" "$@"; }
check "start the Linux guest" vd start lin
console_open lin
check "it boots" console_wait "vmdeck-guest-ready" 120


tui_start TERM=xterm-256color
tui_select lin
check_screen "the detail pane shows the address (user networking)" "IP +10\.0\.2\.15"
t0=$(date +%s%N)
tui_keys w
check_screen "w opens the screen view: the guest's name and its 720x400 text mode" "lin +720x400 +keys go to the guest" 15
note "key to first frame: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
check_screen "the picture is drawn in upper half blocks" "▀▀▀▀▀▀▀▀▀▀"

tui_keys 'echo vmdeck-$((5*9))' Enter
check "typed keys reach the guest's tty1 shell: vmdeck-45 on the serial port" console_wait "vmdeck-45" 30

tui_keys F9
check_screen "F9 opens the key menu" "Send to the guest"
check_screen "with Ctrl-Alt-Del, Alt-Tab, Alt-F4, the Windows key" "Ctrl-Alt-Del"
# Linux only switches to a console that exists: opening tty4 makes it
console_send ': < /dev/tty4'
sleep 1
# Alt-F4 is the menu's third row
tui_keys Down Down Enter
check_screen "the menu's Alt-F4 is sent, the title says so" "sent Alt-F4"
tui_keys 'echo vmdeck-tty-$((3*37))' Enter
sleep 5
check_nomatch "on tty4 typed commands reach no shell" "vmdeck-tty-111" "$(cat "$T/console.lin")"
tui_keys F9
for _ in $(seq 7); do tui_keys Down; done
check_screen "Ctrl-Alt-F1 is in the menu" "Ctrl-Alt-F1"
tui_keys Enter
check_screen "the menu's Ctrl-Alt-F1 is sent" "sent Ctrl-Alt-F1"
tui_keys 'echo vmdeck-back-$((2*50))' Enter
check "back on tty1 they run again" console_wait "vmdeck-back-100" 30

tui_keys C-]
check_screen "Ctrl-] leaves the view for the guest list" "NAME +STATE"
check_nomatch "at 100 columns the table has no IP column" "BACKUP +IP +CD" "$(tui_screen)"
tmux_ resize-window -x 130 -y 30
check_screen "at 130 columns it has one" "BACKUP +IP +CD"
check_screen "with the guest's address in its row" "^ lin .* 10\.0\.2\.15 "
tui_stop
console_close
vd kill lin > /dev/null
finish
