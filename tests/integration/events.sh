#!/bin/bash
# tests/integration/events.sh: the persisted event log. CLI verbs on a real
# QEMU guest write state_dir/NAME/events.log (0600), `show` lists it with
# local times, a console opened later shows those lines, its own observations
# (a QEMU killed behind everyone's back) go to the same file, and a change a
# verb already logged is not logged twice.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf <<'EOF2'
ui = { refresh = 0.5; };
EOF2
vd() { "$VMDECK" -c "$CONF" "$@"; }
LOG="$T/state/g1/events.log"
# The texts of the log, one a line, oldest first (the text is a line's last field).
texts() { awk -F'\t' '{print $NF}' "$LOG"; }
count_of() { texts | grep -cxF -- "$1"; }
# The "Recent events" section of `show`.
show_events() { vd show "$1" | sed -n '/^Recent events:$/,$p' | tail -n +2; }
mkguest g1
mkguest g2
printf 'one' > "$T/iso/one.iso"
printf 'two' > "$T/iso/two.iso"

# ---- the CLI logs what it did ----
vd start g1 --cdrom one.iso > /dev/null 2>&1
vd pause g1 > /dev/null
vd resume g1 > /dev/null
vd cdrom g1 two.iso > /dev/null
vd cdrom g1 --eject > /dev/null
vd kill g1 > /dev/null
check_eq "events.log is 0600" 600 "$(stat -c %a "$LOG" 2>/dev/null)"
expected="started with CD one.iso
paused
resumed
CD changed to $T/iso/two.iso
CD ejected
forced off (QMP quit)"
check_eq "each verb wrote one line, in order" "$expected" "$(texts)"
check "every line is EPOCH TAB KIND TAB TEXT" awk -F'\t' 'NF != 3 || $1 !~ /^[0-9]+$/ { exit 1 }' "$LOG"
check_eq "each line says its kind" "start pause resume cdrom cdrom kill" "$(cut -f2 "$LOG" | paste -sd' ')"
out=$(show_events g1)
check_eq "show ends with the events, in order" "$expected" "$(sed -E 's/^  [^ ]+ [^ ]+  //' <<< "$out")"
epoch=$(head -1 "$LOG" | cut -f1)
check_eq "show gives each time as local YYYY-mm-dd HH:MM" "  $(date -d "@$epoch" '+%Y-%m-%d %H:%M')  started with CD one.iso" \
    "$(head -1 <<< "$out")"
check_eq "show --json keeps the list entries' shape (no events)" null "$(vd show g1 --json | jq -c '.events')"

vd start g1 > /dev/null 2>&1
out=$(vd stop g1 --timeout 1 2>&1)
check_eq "a stop that times out logs which step ended it" "did not power off in 1 s: ended with quit" "$(texts | tail -1)"
check_eq "and logged it was stopping first" "stopping: ACPI power button pressed, waiting up to 1 s" "$(texts | tail -2 | head -1)"
vd start g2 --cdrom nope.iso > /dev/null 2>&1
check_match "a failed start logs its cause" "^start failed: ISO not found: nope.iso" \
    "$(cut -f3- "$T/state/g2/events.log")"
check_match "show of a guest lists it" "^  [0-9-]+ [0-9:]+  start failed: ISO not found" "$(show_events g2)"
check_eq "of kind start.fail" "start.fail" "$(cut -f2 "$T/state/g2/events.log")"
# A line from before kinds (EPOCH TAB TEXT) is still read and shown as it was.
printf '%s\tpowered off by ACPI after 3.0 s\n' "$(date +%s)" >> "$T/state/g2/events.log"
check_match "show lists an old line as before" "^  [0-9-]+ [0-9:]+  powered off by ACPI after 3.0 s$" \
    "$(show_events g2 | tail -1)"
# A backup that finds the guest busy (a scheduled one, say) says so in the log.
exec 9> "$T/state/g2/lock"
flock -x 9
vd backup g2 > /dev/null 2>&1
check_eq "a backup of a busy guest fails" 1 "$?"
exec 9>&-
check_match "and logs why" $'\tbackup failed: g2 is busy' "$(cat "$T/state/g2/events.log")"

# ---- the console shows them, and logs what only it saw ----
vd start g1 > /dev/null 2>&1
tui_start
tui_select g1
check_screen "the console shows events from before it opened" '[0-9]{2}:[0-9]{2}  forced off \(QMP quit\)'
# the detail pane's right half, from its title down
pane() { tui_screen | cut -c52- | sed -n '/^Recent events/,$p'; }
check_eq "newest first" "started|did not power off in 1 s" \
    "$(pane | sed -n 2,3p | sed -E 's/^  [0-9:]+  //; s/: ended.*//; s/ +$//' | paste -sd'|')"
vd pause g1 > /dev/null
check_screen "a CLI pause shows up in the detail pane" '[0-9:]+  paused' 5
check "the console saw it paused" wait_until 5 eval 'tui_row g1 | grep -q paused'
vd resume g1 > /dev/null
check "the console saw it running again" wait_until 5 eval 'tui_row g1 | grep -q running'
pid=$(cat "$T/state/g1/qemu.pid")
kill -9 "$pid"
check "the console logs a QEMU killed behind its back" wait_until 10 grep -q $'\tseen.crashed\tcrashed' "$LOG"
check_screen "and shows it" '[0-9:]+  crashed: QEMU ended' 5
# the crash was judged last, so the pause and resume were judged before it
check_eq "the pause the CLI logged was not logged again" 2 "$(count_of paused)"
check_eq "nor the resume" 2 "$(count_of resumed)"
check_eq "nor the start" 2 "$(count_of started)"
check_match "show lists the console's line too" "  crashed" "$(show_events g1)"

# Ended behind everyone's back with SIGTERM (an admin's pkill): QEMU says so on
# its stderr, which -D keeps in qemu-run.log, and the console quotes it.
vd start g1 > /dev/null
check "started again" wait_until 5 eval 'tui_row g1 | grep -q running'
kill -TERM "$(cat "$T/state/g1/qemu.pid")"
check_match "QEMU's words while running are in qemu-run.log" "terminating on signal 15 from pid $$" \
    "$(wait_until 5 grep -q terminating "$T/state/g1/qemu-run.log"; cat "$T/state/g1/qemu-run.log" 2>/dev/null)"
check "the console logs the stop with them" wait_until 10 grep -q $'\tstopped: terminating on signal 15' "$LOG"
check_screen "and shows it" '[0-9:]+  stopped: terminating on signal 15' 5
vd start g1 > /dev/null
check "the next start keeps them as qemu-run.log.old" grep -q "terminating on signal 15" "$T/state/g1/qemu-run.log.old"

# A verb QEMU does not carry out is logged with its reason, as a success would be.
qpid=$(cat "$T/state/g1/qemu.pid")
kill -STOP "$qpid"
vd pause g1 > /dev/null 2>&1
check_eq "a pause QEMU did not answer fails" 1 "$?"
check_match "and the log says why" $'\tpause failed: [^\t]+$' "$(grep $'\tpause failed' "$LOG")"
kill -CONT "$qpid"
vd cdrom g1 nope.iso > /dev/null 2>&1
check_eq "a CD change refused before QEMU is asked (no such ISO) is not logged" 0 \
    "$(grep -c 'CD change to' "$LOG")"
vd kill g1 > /dev/null
tui_stop
finish
