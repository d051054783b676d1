#!/bin/bash
# autostart_form.sh: the detail pane says whether a guest autostarts and in
# which group; the edit form turns autostart on and sets its group and delay,
# written into the definition (issue 8, item 3).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf < /dev/null
mkguest web
printf 'autostart: true\nautostart_order: 5\nautostart_delay: 20\n' | mkguest dc

tui_start
tui_select dc
check_screen "the detail pane shows dc's group and delay" 'Autostart yes, group 5, then 20 s'
tui_select web
check_screen "and that web does not autostart" 'Autostart no'
tui_keys e
check_screen "e opens the edit form" 'Edit web'
# From Description down to Autostart: the help line names it when the cursor is there.
for _ in $(seq 1 12); do
    tui_has 'start with the host \(vmdeck.service' && break
    tui_keys Down; sleep 0.1
done
check_screen "the form has an Autostart field" 'Autostart +< false >'
tui_keys Right
check_screen "turned on, it shows the group and the delay" '  group +0'
tui_keys Down C-u 1 0 Down C-u 3 0
check_screen "still valid" 'valid: F2 saves'
tui_keys F2
check "the edit is written" wait_until 5 grep -q '^autostart: true' "$T/vms.d/web.yaml"
check_match "with its group" '^autostart_order: 10$' "$(cat "$T/vms.d/web.yaml")"
check_match "and its delay" '^autostart_delay: 30$' "$(cat "$T/vms.d/web.yaml")"
check_screen "the pane follows" 'Autostart yes, group 10, then 30 s'
check_screen "at 100 columns the pane's events name who did it" "[0-9]{2}:[0-9]{2}  .*\\(by $(id -un)\\)"
out=$("$VMDECK" -c "$CONF" autostart --dry-run)
check_eq "autostart's plan has it after dc" "  group 5: dc; then wait 20 s|  group 10: web" \
    "$(printf '%s\n' "$out" | tail -2 | paste -sd'|')"
tui_stop
finish
