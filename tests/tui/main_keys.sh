#!/bin/bash
# main_keys.sh: keys on the main screen at 80x24 with TERM=xterm (PuTTY's
# default). Esc has nothing to close there: it clears the status line and
# never says "no such key"; a key that does nothing still says so. An event
# too long for its two rows in the detail pane ends after a word with "...",
# never mid-word.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf < /dev/null
mkguest g1 < /dev/null
mkdir -p "$T/state/g1" && chmod 700 "$T/state/g1"
printf '%s\tstop failed: the guest did not power off within 120 s and the admin was not there to take the question, so it is still running now\n' \
    "$(date +%s)" > "$T/state/g1/events.log"
chmod 600 "$T/state/g1/events.log"
tui_start
tmux_ resize-window -x 80 -y 24
tui_keys '~'
check_screen "an unbound key says so" 'no such key'
tui_keys Escape
sleep 1
check_nomatch "Esc is not 'no such key'" 'Esc: no such key' "$(tui_screen)"
check_nomatch "Esc clears the status line" 'no such key' "$(tui_screen)"
check_screen "the hint line is back" 'Enter: actions'

second=$(tui_screen | grep -A1 'stop failed:' | tail -1 | cut -c41- | sed 's/ *$//')
check_match "a long event's second row ends with ..." '\.\.\.$' "$second"
last=$(printf '%s' "$second" | sed 's/\.\.\.$//' | awk '{print $NF}')
long="the guest did not power off within 120 s and the admin was not there to take the question, so it is still running now"
check_match "after a whole word ('$last')" "(^| )$last " "$long"
tui_stop
finish
