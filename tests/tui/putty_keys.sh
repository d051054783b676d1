#!/bin/bash
# putty_keys.sh: a PuTTY as it comes out of the box says TERM=xterm but sends
# F1-F4 as ESC[11~..ESC[14~, Home as ESC[1~ and End as ESC[4~; xterm itself
# sends ESC O P..S, ESC O H and ESC O F. Every F-key, Home and End must work
# in both forms under TERM=xterm and xterm-256color. The bytes are sent raw
# (send-keys -H), so tmux's own idea of the keys does not enter into it.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf < /dev/null
mkguest a1 < /dev/null
mkguest b-broken <<< 'boot: floppy'
mkguest z9 < /dev/null
touch "$T/iso/install.iso"

# raw HEX...: those bytes as the terminal would send them.
raw() { tui_keys -H "$@"; }
# A sequence's name and its bytes: ESC [ n ~ or ESC O x.
csi() { local h; h=$(printf '%s' "$1" | od -An -tx1); raw 1b 5b $h 7e; }
ss3() { raw 1b 4f "$(printf '%s' "$1" | od -An -tx1 | tr -d ' ')"; }
# closed TITLE: Esc, then waits until the dialog TITLE is gone.
closed() { tui_keys Escape; wait_until 3 eval "! tui_has '$1'"; }

for term in xterm xterm-256color; do
    tui_start "TERM=$term"
    # Home and End: the detail pane names the selected guest.
    csi 4;  check_screen "$term: End as ESC[4~ (PuTTY) selects the last guest" '── z9 ─'
    csi 1;  check_screen "$term: Home as ESC[1~ (PuTTY) selects the first" '── a1 ─'
    ss3 F;  check_screen "$term: End as ESC O F (xterm)" '── z9 ─'
    ss3 H;  check_screen "$term: Home as ESC O H (xterm)" '── a1 ─'
    raw 1b 5b 46; check_screen "$term: End as ESC[F" '── z9 ─'
    raw 1b 5b 48; check_screen "$term: Home as ESC[H" '── a1 ─'

    # F1 (help), both forms.
    csi 11; check_screen "$term: F1 as ESC[11~ opens the help" 'Help: keys'
    closed 'Help: keys'
    ss3 P;  check_screen "$term: F1 as ESC O P opens the help" 'Help: keys'
    closed 'Help: keys'

    # F2-F4 on the broken guest: each answers with its own line, so the
    # checks alternate and a key that did nothing leaves the other's line.
    tui_select b-broken
    csi 12; check_screen "$term: F2 as ESC[12~ is Start" 'b-broken: invalid definition:'
    csi 13; check_screen "$term: F3 as ESC[13~ is Stop" 'b-broken: not running, cannot stop'
    ss3 Q;  check_screen "$term: F2 as ESC O Q is Start" 'b-broken: invalid definition:'
    ss3 R;  check_screen "$term: F3 as ESC O R is Stop" 'b-broken: not running, cannot stop'
    csi 14; check_screen "$term: F4 as ESC[14~ is Edit" 'b-broken: fix the file first'
    csi 13; check_screen "$term: (F3 again)" 'b-broken: not running, cannot stop'
    ss3 S;  check_screen "$term: F4 as ESC O S is Edit" 'b-broken: fix the file first'

    # F5-F10 send ESC[15~..ESC[21~ in both PuTTY and xterm.
    tui_select a1
    csi 15; check_screen "$term: F5 as ESC[15~ opens the CD picker" 'Insert CD: a1'
    closed 'Insert CD: a1'
    csi 17; check_screen "$term: F6 as ESC[17~ is the serial console" 'a1: not running, cannot serial console'
    csi 18; check_screen "$term: F7 as ESC[18~ opens the new-guest form" 'New guest'
    closed 'New guest'
    csi 19; check_screen "$term: F8 as ESC[19~ asks to delete" 'Delete guest a1\?'
    closed 'Delete guest a1\?'
    csi 20; check_screen "$term: F9 as ESC[20~ opens the action menu" 'Actions: a1'
    closed 'Actions: a1'
    csi 21; check_screen "$term: F10 as ESC[21~ quits" 'vmdeck-exited-0'
    tui_stop
done
check "the guests' definitions are untouched" test -f "$T/vms.d/a1.yaml"
finish
