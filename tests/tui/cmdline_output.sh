#!/bin/bash
# cmdline_output.sh: at 80x24, a verb typed at the `:` command line that
# answers with many lines shows them in a text box opened at the end (the
# last guest in view, the first scrolled off), and a job's output in the
# jobs list opens at its end too.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf < /dev/null
for i in $(seq -w 1 30); do mkguest "g$i" < /dev/null; done
tui_start
tmux_ resize-window -x 80 -y 24
tui_keys : l i s t Enter
check_screen ":list opens its answer in a text box" 'any other key closes' 5
check_match "at its end: the last guest is in view" ' g30 ' "$(tui_screen)"
check_nomatch "the first guest is scrolled off" ' g01 ' "$(tui_screen | grep '│')"
tui_keys Escape
check "Esc closes it" wait_until 3 eval '! tui_has "any other key closes"'
tui_keys J
check_screen "J lists the jobs" 'Enter: output'
tui_keys Enter
check_screen "a job's output opens at its end" '│ *g30 ' 3
tui_keys Escape Escape
tui_stop
finish
