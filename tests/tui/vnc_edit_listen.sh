#!/bin/bash
# vnc_edit_listen.sh: the edit form re-checks the VNC display when only the
# listen address changes. b shares a's display on another loopback address
# (no clash); moving b's listen onto a's address makes the pair clash, and the
# form must refuse it as it refuses a changed display.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf < /dev/null
D=$(free_vnc_display)
printf 'memory: 64M\nvnc:\n  display: %s\n  listen: 127.0.0.1\n' "$D" > "$T/vms.d/a.yaml"
printf 'memory: 64M\nvnc:\n  display: %s\n  listen: 127.0.0.2\n' "$D" > "$T/vms.d/b.yaml"
chmod 600 "$T"/vms.d/*.yaml
check "the two definitions do not clash" "$VMDECK" -c "$CONF" check

tui_start
tui_select b
tui_keys e
check_screen "the edit form opens" 'Edit b'
for _ in $(seq 1 20); do
    tui_has 'address: 0.0.0.0 for all' && break
    tui_keys Up; sleep 0.1
done
check_screen "the cursor is on listen" 'address: 0.0.0.0 for all'
tui_keys C-u 1 2 7 . 0 . 0 . 1
check_screen "listen moved onto a's address: the display is refused" "display $D is used by a"
tui_keys F2
sleep 0.5
check_match "and F2 does not save it" 'listen: 127\.0\.0\.2' "$(cat "$T/vms.d/b.yaml")"
tui_keys C-u 1 2 7 . 0 . 0 . 3
check_screen "another free loopback address is valid" 'valid: F2 saves'
tui_keys Escape
tui_stop
finish
