#!/bin/bash
# selection.sh: the selected row can be seen in every list (the guest table,
# the action menu, the ISO picker, the jobs list) with every shipped theme,
# on 8-colour and 256-colour terminals and with NO_COLOR: its colours and
# attributes, read from tmux's capture with escapes, differ from another
# row's. Cancelling a job from the jobs list asks first and names the job.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf < /dev/null
mkguest box1 < /dev/null
mkguest box2 < /dev/null
touch "$T/iso/a.iso" "$T/iso/b.iso" "$T/iso/c.iso"
"$VMDECK" -c "$CONF" start box1 2>/dev/null
"$VMDECK" -c "$CONF" start box2 2>/dev/null

# attrs_of REGEX: "fg/bg/attributes" of the screen cell where REGEX (its
# group 1 when it has one) first matches, the SGR escapes of
# `capture-pane -e` replayed from the top of the screen.
attrs_of() {
    tui_screen -e | python3 -c '
import re, sys
pat, data = re.compile(sys.argv[1]), sys.stdin.read()
st = {"fg": "d", "bg": "d", "at": set()}
on = {1: "bold", 2: "dim", 3: "italic", 4: "underline", 5: "blink", 7: "reverse"}
off = {22: ("bold", "dim"), 23: ("italic",), 24: ("underline",), 25: ("blink",), 27: ("reverse",)}
def sgr(s):
    p = [int(x or 0) for x in s.split(";")]
    i = 0
    while i < len(p):
        c = p[i]
        if c == 0: st.update(fg="d", bg="d", at=set())
        elif c in on: st["at"].add(on[c])
        elif c in off: st["at"].difference_update(off[c])
        elif 30 <= c <= 37 or 90 <= c <= 97: st["fg"] = str(c)
        elif 40 <= c <= 47 or 100 <= c <= 107: st["bg"] = str(c)
        elif c in (39, 49): st["fg" if c == 39 else "bg"] = "d"
        elif c in (38, 48):
            n = 3 if p[i + 1] == 5 else 5
            st["fg" if c == 38 else "bg"] = ":".join(map(str, p[i:i + n])); i += n - 1
        i += 1
rows = [[]]
for m in re.finditer(r"\x1b\[([0-9;]*)m|\x1b[^m]*m|(\n)|(.)", data, re.S):
    if m.group(1) is not None: sgr(m.group(1))
    elif m.group(2): rows.append([])
    elif m.group(3) is not None:
        rows[-1].append((m.group(3), "%s/%s/%s" % (st["fg"], st["bg"], "+".join(sorted(st["at"])))))
for r in rows:
    m = pat.search("".join(c for c, _ in r))
    if m:
        print(r[m.start(1) if pat.groups else m.start()][1]); sys.exit(0)
sys.exit(1)' "$1"
}

# sel_differs DESC SELECTED-REGEX OTHER-REGEX: the two rows are drawn
# differently (and with MUST_REVERSE=1, the selected one in reverse video).
MUST_REVERSE=0
sel_differs() {
    local a b
    tui_wait "$2" 3
    a=$(attrs_of "$2") b=$(attrs_of "$3")
    if [ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ] && { [ "$MUST_REVERSE" = 0 ] || [[ "$a" == *reverse* ]]; }; then
        ok "$1 ($a vs $b)"
    else
        fail "$1: the selected row looks like the others ('$a' vs '$b')"
        tui_screen | sed 's/^/#   /'
    fi
}

# every_list LABEL: checks the table, the action menu, the ISO picker and the jobs list.
every_list() {
    sel_differs "$1: guest table" '^ (box1) ' '^ (box2) '
    tui_keys Enter Down
    sel_differs "$1: action menu" '│ b   (start from CD)' '│ s   (start the guest)'
    tui_keys Escape c Down
    sel_differs "$1: ISO picker" '│ (b\.iso) ' '│ (a\.iso) '
    tui_keys Escape p
    tui_wait '^ box1 +paused' 5
    tui_keys p
    tui_wait '^ box1 +running' 5
    tui_keys J
    sel_differs "$1: jobs list" '#[0-9]+ +done +[0-9]+s  (resume box1)' '#[0-9]+ +done +[0-9]+s  (pause box1)'
    tui_keys Escape
}

for theme in default high-contrast mono; do
    sed -i '/^ui = /d' "$CONF"
    echo "ui = { theme = \"$theme\"; };" >> "$CONF"
    MUST_REVERSE=0
    [ "$theme" = mono ] && MUST_REVERSE=1 # no colours: attributes alone, on PuTTY too
    for term in xterm putty-256color; do
        tui_start "TERM=$term"
        check "TERM=$term, theme $theme: loads without complaint" eval '! tui_has "using the default theme"'
        every_list "TERM=$term, theme $theme"
        tui_stop
    done
done
sed -i '/^ui = /d' "$CONF"
MUST_REVERSE=1
tui_start "TERM=xterm-256color NO_COLOR=1"
every_list "NO_COLOR"
tui_keys Enter Down
tui_wait 'Actions: box1' 3
check_eq "NO_COLOR: the menu's selection is reverse video" "d/d/reverse" "$(attrs_of '│ b   (start from CD)')"
tui_stop
MUST_REVERSE=0

# A theme that gives the dialog's selection the dialog's own colours still shows it.
mkdir -p "$T/themes"
printf 'roles = {\n  dialog_selection = { fg = "black"; bg = "white"; };\n};\n' > "$T/themes/flat.theme"
echo 'ui = { theme = "flat"; };' >> "$CONF"
tui_start "TERM=xterm"
tui_keys Enter Down
sel_differs "a theme with an invisible selection: reverse video instead" '│ b   (start from CD)' '│ s   (start the guest)'
tui_stop
sed -i '/^ui = /d' "$CONF"

# Cancelling a job asks first, naming it; n keeps it running, y stops it
# (`stop` on a guest without an OS waits for its timeout: a job that runs).
tui_start "TERM=xterm"
tui_keys : 'stop box2 --timeout 60' Enter
tui_wait 'stop box2 \.\.\.' 5
tui_keys J
check_screen "the jobs list shows the running stop" '#[0-9]+ +running +[0-9]+s  stop box2'
tui_keys c
check_screen "c asks before cancelling, naming the job" 'Cancel job #[0-9]+ "stop box2 --timeout 60"\?'
tui_keys n
check_screen "n: not cancelled" 'Cancel job: cancelled'
sleep 0.5
check "n: the job still runs" tui_has '#[0-9]+ +running +[0-9]+s  stop box2'
tui_keys c
tui_wait 'Cancel job #[0-9]+ "stop box2' 3
tui_keys y
check_screen "y: the job is stopped" 'box2: stop failed: (asked to stop|killed by signal 15)'
check_screen "and it has ended" '#[0-9]+ +failed +[0-9]+s  stop box2' 5
tui_stop
finish
