#!/bin/bash
# next_start.sh: a running guest whose definition is edited keeps its old
# hardware until it restarts; the console marks the changed value in the
# table and says "applies at next start" in the detail pane, until then.
# The CD changes live and is never marked.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf <<'EOF2'
ui = { refresh = 0.5; };
EOF2
mkguest g1 < /dev/null
: > "$T/iso/a.iso"
"$VMDECK" -c "$CONF" start g1 > /dev/null 2>&1
"$VMDECK" -c "$CONF" pause g1 > /dev/null 2>&1   # no OS: spare the CPU
tui_start
tmux_ resize-window -x 80 -y 24
tui_select g1
check_screen "the running guest, nothing pending" '^ g1 +paused .* 32M ' 5
check_nomatch "no note in the pane" 'applies at next start' "$(tui_screen)"

sed -i 's/^memory: .*/memory: 48M/' "$T/vms.d/g1.yaml"
check_screen "an edited memory is marked in the table" '^ g1 +paused .* 48M\* ' 5
check_screen "and the pane says it waits for the next start" 'applies at next start: memory' 3
sed -i 's/^cpus: .*/cpus: 2/' "$T/vms.d/g1.yaml"
check_screen "a second change is named as well" 'applies at next start: memory, cpus' 5
sed -i 's/^memory: .*/memory: 32M/; s/^cpus: .*/cpus: 1/' "$T/vms.d/g1.yaml"
check "undone by hand: the note goes" wait_until 5 eval '! tui_has "applies at next start"'
echo "cdrom: $T/iso/a.iso" >> "$T/vms.d/g1.yaml"
sleep 2
check_nomatch "a CD in the definition is not a pending change (it changes live)" 'applies at next start' "$(tui_screen)"

sed -i 's/^memory: .*/memory: 48M/' "$T/vms.d/g1.yaml"
check_screen "marked again" 'applies at next start: memory' 5
"$VMDECK" -c "$CONF" kill g1 > /dev/null 2>&1
"$VMDECK" -c "$CONF" start g1 > /dev/null 2>&1
"$VMDECK" -c "$CONF" pause g1 > /dev/null 2>&1
check_screen "after the restart it runs with the new memory, unmarked" '^ g1 +paused .* 48M ' 8
check_nomatch "and the note is gone" 'applies at next start' "$(tui_screen)"
tui_stop
finish
