#!/bin/bash
# serial_clear.sh: the serial console opened from the console starts on a
# cleared terminal: nothing of another guest's earlier session (its banner,
# its output) is left on screen to be taken for this guest's.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf < /dev/null
mkguest ga < /dev/null
mkguest gb < /dev/null
for g in ga gb; do
    "$VMDECK" -c "$CONF" start "$g" > /dev/null 2>&1
    "$VMDECK" -c "$CONF" pause "$g" > /dev/null 2>&1
done
tui_start
tmux_ resize-window -x 80 -y 24
tui_select ga
tui_keys o
check_screen "o opens ga's serial console" 'serial console of ga' 5
tui_keys C-]
check_screen "Ctrl-] comes back to the console" 'back from the serial console' 5
tui_select gb
tui_keys o
check_screen "o opens gb's serial console" 'serial console of gb' 5
check_nomatch "nothing of ga's session is left on screen" 'serial console of ga' "$(tui_screen)"
tui_keys C-]
check_screen "back again" 'back from the serial console' 5
tui_stop
finish
