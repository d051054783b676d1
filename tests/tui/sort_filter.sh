#!/bin/bash
# sort_filter.sh: what an htop or mc user reaches for, at 80x24 with
# TERM=xterm (PuTTY's default): / filters the table by name or description,
# < > and I sort it by a column, and the mouse (SGR reports, as PuTTY and
# xterm send them) selects a row, presses an F-key label and sorts by a head.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf < /dev/null
guest() { printf 'memory: %s\n' "$2" | mkguest "$1"; sed -i "s/^description: .*/description: $3/" "$T/vms.d/$1.yaml"; sed -i '0,/^memory: 32M$/{/^memory: 32M$/d}' "$T/vms.d/$1.yaml"; }
guest alpha 64M "domain controller"
guest beta 32M "web server"
guest gamma 128M "Web shop"
guest delta 48M "file server"
rows() { tui_screen | sed -n '3,12p' | awk '/^ [a-z]/ {print $1}' | tr '\n' ' '; }

tui_start
tmux_ resize-window -x 80 -y 24
check_screen "four guests, in name order" '4 guests'
check_eq "the table in name order" "alpha beta delta gamma " "$(rows)"

tui_keys /
check_screen "/ opens the filter prompt" 'Filter \(name or description\):'
tui_keys w e b
check_screen "the table narrows while typing" '2 of 4 guests, filter "web"'
check_eq "web: the two guests whose description holds it, any case" "beta gamma " "$(rows)"
tui_keys Enter
check_screen "Enter keeps the filter" 'filter "web": 2 of 4 guests'
tui_keys e
check_screen "an action acts on a guest shown (beta)" 'Edit beta'
tui_keys Escape
tui_keys / BSpace BSpace BSpace d o m
check_screen "a name or description: dom finds alpha" '1 of 4 guests, filter "dom"'
tui_keys Escape
check_screen "Esc in the prompt puts the filter back as it was" '2 of 4 guests, filter "web"'
tui_keys / C-u Enter
check_screen "Ctrl-U clears it" ' 4 guests, 0 running'
check_eq "all four again" "alpha beta delta gamma " "$(rows)"

tui_keys '>' '>' '>'
check_screen "> three times: sorted by memory" 'sorted by memory'
check_eq "biggest first" "gamma alpha delta beta " "$(rows)"
tui_keys I
check_eq "I reverses it" "beta delta alpha gamma " "$(rows)"
tui_keys '<' '<' '<'
check_eq "< back to name order" "alpha beta delta gamma " "$(rows)"

# The mouse: SGR reports, 1-based columns and rows.
tui_keys -H 1b 5b 3c 30 3b 33 3b 35 4d 1b 5b 3c 30 3b 33 3b 35 6d     # press and release at column 3, row 5
check_screen "a click on the third row selects delta" '── delta ──' 3
tui_keys -H 1b 5b 3c 36 35 3b 33 3b 35 4d                            # wheel down
check_screen "the wheel moves the selection" '── gamma ──' 3
tui_keys -H 1b 5b 3c 30 3b 34 34 3b 32 4d 1b 5b 3c 30 3b 34 34 3b 32 6d # the MEM head (column 44, row 2)
check_screen "a click on a column head sorts by it" 'sorted by memory' 3
check_eq "memory order, biggest first" "gamma alpha delta beta " "$(rows)"
tui_keys -H 1b 5b 3c 30 3b 32 3b 32 34 4d 1b 5b 3c 30 3b 32 3b 32 34 6d # "1Help" on the F-key bar
check_screen "a click on 1Help opens the help" 'Help: keys' 3
tui_keys Escape
tui_stop
finish
