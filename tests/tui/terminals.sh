#!/bin/bash
# terminals.sh: the console renders readable screens on the terminals admins
# use (xterm, xterm-256color, putty, putty-256color, screen, linux, vt100),
# honours NO_COLOR and ui.ascii, takes F-keys, and a broken theme gives a
# FILE:LINE message and the default theme instead.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf < /dev/null
mkguest box1 < /dev/null
mkguest box2 < /dev/null
"$VMDECK" -c "$CONF" start box1 2>/dev/null

# SGR colour codes (30-37, 40-47, 90-97, 38;5;N ...) in the screen with its escapes.
has_colour() { tui_screen -e | grep -qE $'\e\\[([0-9;]*;)?(3[0-8]|4[0-8]|9[0-7]|10[0-7])(;[0-9]+)*m'; }

for term in xterm xterm-256color putty putty-256color screen linux vt100; do
    tui_start "TERM=$term"
    check_screen "TERM=$term: the table is readable" '^ box1 +running .*32M'
    check_screen "TERM=$term: the key bar is there" '^1Help 2Start 3Stop'
    check "TERM=$term: no raw line-drawing letters (qqqq)" eval '! tui_has "qqqqqq"'
    tui_keys '?'
    check_screen "TERM=$term: ? opens the help" 'Help: keys'
    tui_stop
done

tui_start "TERM=vt100"
check_screen "vt100: the detail pane has a drawn separator" '── box1 ──'
tui_stop

tui_start "TERM=xterm-256color"
check "colours are used by default" has_colour
tui_keys F1
check_screen "F1 opens the help too" 'Help: keys'
check_screen "help lists keys with their F-key and text from the key table" 'K +force off now \(asks first\)'
tui_keys Escape F10
check_screen "F10 quits" 'vmdeck-exited-0'
tui_stop

tui_start "TERM=xterm-256color NO_COLOR=1"
check_screen "NO_COLOR: the table is readable" '^ box1 +running'
check "NO_COLOR: no colour codes on the screen" eval '! has_colour'
check "NO_COLOR: the selection still shows (reverse video)" eval 'tui_screen -e | grep -qE $'"'"'\e\[([0-9;]*;)?7m'"'"''
tui_stop

echo 'ui = { ascii = true; };' >> "$CONF"
tui_start "TERM=xterm"
check_screen "ui.ascii: lines drawn with - instead" '^-- box1 ---'
tui_keys '?'
check_screen "ui.ascii: dialogs boxed with + and |" '\+- Help: keys -+'
tui_stop
sed -i '/^ui = /d' "$CONF"

mkdir -p "$T/themes"
cat > "$T/themes/broken.theme" <<'EOF'
roles = {
  header = { fg = "white"; bg = "blue"; };
  bogus = { fg = "red"; };
};
EOF
echo 'ui = { theme = "broken"; };' >> "$CONF"
tui_start "TERM=xterm-256color"
check_screen "an unknown role gives FILE:LINE and the default theme" \
    "broken.theme:3: unknown role 'bogus'; using the default theme"
check_screen "and the console works" '^ box1 +running'
tui_stop
sed -i 's/bogus = { fg = "red"; }/running = { fg = "purple"; }/' "$T/themes/broken.theme"
tui_start "TERM=xterm-256color"
check_screen "an unknown colour gives FILE:LINE" "broken.theme:3: unknown colour 'purple'"
tui_stop

sed -i 's/theme = "broken"/theme = "high-contrast"/' "$CONF"
tui_start "TERM=xterm-256color"
check "the shipped high-contrast theme loads without complaint" eval '! tui_has "using the default theme"'
check "and it has colours" has_colour
tui_stop
sed -i 's/theme = "high-contrast"/theme = "mono"/' "$CONF"
tui_start "TERM=xterm-256color"
check "the shipped mono theme loads without complaint" eval '! tui_has "using the default theme"'
check "and it has no colours" eval '! has_colour'
tui_stop
finish
