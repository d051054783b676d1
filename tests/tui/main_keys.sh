#!/bin/bash
# main_keys.sh: keys on the main screen at 80x24 with TERM=xterm (PuTTY's
# default). Esc has nothing to close there: it clears the status line and
# never says "no such key"; a key that does nothing still says so.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf < /dev/null
mkguest g1 < /dev/null
tui_start
tmux_ resize-window -x 80 -y 24
tui_keys '~'
check_screen "an unbound key says so" 'no such key'
tui_keys Escape
sleep 1
check_nomatch "Esc is not 'no such key'" 'Esc: no such key' "$(tui_screen)"
check_nomatch "Esc clears the status line" 'no such key' "$(tui_screen)"
check_screen "the hint line is back" 'Enter: actions'
tui_stop
finish
