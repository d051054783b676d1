#!/bin/bash
# resize.sh: every dialog redraws whole after the window shrinks below 80x24
# and comes back (100x30 -> 60x20 -> 80x24): its four borders are there, and
# it leaves the status line and the F-key bar in view. Ctrl-L repaints
# whatever is open, even after something scribbled over the terminal.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf < /dev/null
mkguest box1 < /dev/null
mkguest box2 < /dev/null
touch "$T/iso/a.iso"
"$VMDECK" -c "$CONF" start box1 2>/dev/null

# box_whole: the screen holds one dialog box with all four borders, whose
# bottom border is above the status line; the F-key bar is the last line.
box_whole() {
    tui_screen | python3 -c '
import sys
rows = sys.stdin.read().rstrip("\n").split("\n")
def bad(why):
    print(why); sys.exit(1)
top = next((i for i, r in enumerate(rows) if "┌" in r), None)
if top is None: bad("no top-left corner")
l, r = rows[top].index("┌"), rows[top].rfind("┐")
if r < 0: bad("no top-right corner on row %d" % top)
for i in range(top + 1, len(rows)):
    row = rows[i].ljust(r + 1)
    if row[l] == "└":
        if row[r] != "┘": bad("no bottom-right corner on row %d" % i)
        if i > len(rows) - 3: bad("the box covers the status line (bottom on row %d of %d)" % (i, len(rows)))
        if any(c in rows[-2] for c in "│┌┐└┘"): bad("the status line is drawn over")
        if not rows[-1].startswith("1Help 2Start"): bad("the F-key bar is not the last line")
        sys.exit(0)
    if row[l] != "│" or row[r] != "│": bad("border broken on row %d" % i)
bad("no bottom border")'
}

# check_box DESC: box_whole, with the screen shown when it fails.
check_box() {
    local why
    if why=$(box_whole); then ok "$1"; else fail "$1: $why"; tui_screen | sed 's/^/#   /'; fi
}

# shrink_and_back TITLE-REGEX [COLSxROWS]: the resize sequence with a dialog
# open, from 100x30 or the size given.
shrink_and_back() {
    local from="${2:-100x30}"
    tmux_ resize-window -x "${from%x*}" -y "${from#*x}"
    tui_wait "$1" 3
    tmux_ resize-window -x 60 -y 20
    tui_wait 'terminal too small' 3
    tmux_ resize-window -x 80 -y 24
    tui_wait "$1" 3
    sleep 0.3
}

tui_start "TERM=xterm"
for from in 100x30 80x24; do
    for d in "e:Edit box1" "?:Help: keys" "c:Insert CD: box1" "Enter:Actions: box1" "J:Jobs" "n:New guest"; do
        key=${d%%:*} title=${d#*:}
        tmux_ resize-window -x "${from%x*}" -y "${from#*x}"
        tui_keys "$key"
        check_screen "$key opens '$title'" "$title" 3
        shrink_and_back "$title" "$from"
        check_box "$key ($title): whole after $from -> 60x20 -> 80x24"
        tui_keys Escape
        check_screen "$key ($title): Esc closes it" '^ NAME +STATE' 3
    done
done

# The typed confirmation (Delete on a stopped guest) too.
tui_select box2
tui_keys D
shrink_and_back 'Delete guest'
check_box "D (Delete guest): whole after the resizes"
tui_keys Escape

# A Delete question taller than the screen keeps its input line and its hint.
{ echo "disks:"; for i in $(seq 1 20); do echo "  - file: $T/disks/d$i.raw"; done; } | mkguest many
tui_wait '^ many ' 5
tui_select many
tui_keys D
tui_wait 'Delete guest' 3
check_box "a Delete question naming 20 disks fits the screen"
check_screen "and keeps the line to type the name in and its hint" 'Enter confirms when the name matches' 2
tui_keys Escape
tui_wait 'Delete guest: cancelled' 3

# Ctrl-L repairs a screen that something else wrote over, with a dialog open.
tui_select box2
tui_keys e
tui_wait 'Edit box2' 3
printf '\033[5;10HSCRIBBLED-OVER\033[24;70HXXXXXXXX' > "$(tmux_ display-message -p '#{pane_tty}')"
check_screen "something wrote over the screen" 'SCRIBBLED-OVER' 3
tui_keys C-l
sleep 0.5
check "Ctrl-L in the form repaints it" eval '! tui_has "SCRIBBLED-OVER|XXXXXXXX"'
check_box "and the form is whole"
check_screen "and the form still works" 'Edit box2'
tui_keys Escape
tui_stop
finish
