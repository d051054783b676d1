#!/bin/bash
# job_status.sh: a backup the console did not start shows its progress in
# its guest's row, at 80 columns: one run from the command line next to the
# console (as a timer's would be), read from the guest's job file, and one
# run on another host, read from that host's `vmdeck watch` job lines. When
# it ends, the row shows its last backup again. The backups are slowed by
# the test itself (SIGSTOP/SIGCONT), so no timing luck.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"
source "$(dirname "$0")/../ssh-lib.sh"
source "$(dirname "$0")/../hosts-lib.sh"

write_conf <<'EOF2'
heartbeat = 1.0;
host_name = "alpha";
EOF2
head -c 128M /dev/urandom > "$T/disks/g1.raw"
mkguest g1 <<EOF2
disks:
  - file: $T/disks/g1.raw
EOF2
mkguest g2 < /dev/null
peer_start kvm2 <<< "heartbeat = 1.0;"
mkguest_on kvm2 far
cp "$T/disks/g1.raw" "$T/peer-kvm2/disks/far.raw"
printf 'disks:\n  - file: %s\n' "$T/peer-kvm2/disks/far.raw" >> "$T/peer-kvm2/vms.d/far.yaml"
echo "hosts = ( $PEER_HOSTS );" >> "$CONF"
# slow PID: lets it run 0.1 s of every second until it ends
slow() {
    while kill -STOP "$1" 2>/dev/null; do sleep 0.9; kill -CONT "$1" 2>/dev/null; sleep 0.1; done
}

tui_start
tmux_ resize-window -x 80 -y 24
check_screen "kvm2's guest is in the table" '^ far +kvm2 +stopped' 10
check_screen "g1 shows no job" '^ g1 +alpha +stopped .* - +- *$' 5

VMDECK_ACTOR="backup timer" "$VMDECK" -c "$CONF" backup g1 > /dev/null 2>&1 &
BPID=$!
EXTRA_PIDS="$EXTRA_PIDS $BPID"
slow "$BPID" &
SLOW=$!
EXTRA_PIDS="$EXTRA_PIDS $SLOW"
check_screen "a backup started outside the console: its row shows it with a percent" \
    '^ g1 +alpha +stopped .* backup +[0-9]+% \[[#.]+\]' 10
row=$(tui_row g1)
check_eq "once" 1 "$(grep -o backup <<< "$row" | wc -l)"
check_nomatch "g2's row shows no job" 'backup' "$(tui_row g2)"
tui_select g1
check_screen "the detail pane says what runs" 'Job +backup [0-9]+%' 5
check_screen "and who started it" ' by backup timer' 5
pct() { tui_row g1 | grep -oE 'backup +[0-9]+%' | grep -oE '[0-9]+'; }
p1=$(pct)
check "the percent moves on (from ${p1:-?}%)" wait_until 20 eval '[ "$(pct)" -gt "${p1:-100}" ] 2>/dev/null'
check_eq "the console runs no job of its own" "" "$(tui_screen | grep -E '[0-9]+ jobs? running')"
wait "$BPID"
kill "$SLOW" 2>/dev/null; wait "$SLOW" 2>/dev/null
check_screen "when it ends, the row shows its last backup again" "^ g1 .* $(date +%m-%d) [0-9]{2}:[0-9]{2} " 5
check_nomatch "... and no job" 'backup +[0-9]+%' "$(tui_row g1)"

# A backup the console runs itself shows once (its own job's figure, not the file's too).
tui_keys :
tui_wait '^:' 3
tui_keys 'backup g1' Enter
wait_until 5 pgrep -f -- "vmdeck -c $CONF backup g1" > /dev/null
CPID=$(pgrep -f -- "vmdeck -c $CONF backup g1" | head -1)
check "the console runs a backup of g1" [ -n "$CPID" ]
slow "$CPID" &
SLOW=$!
EXTRA_PIDS="$EXTRA_PIDS $SLOW"
check_screen "its row shows it" '^ g1 +alpha +stopped .* backup +[0-9]+% \[' 10
check "its job file is there too" [ -s "$T/state/g1/job" ]
check_eq "the row shows it once" 1 "$(tui_row g1 | grep -o backup | wc -l)"
wait_until 30 eval '! kill -0 $CPID 2>/dev/null'
kill "$SLOW" 2>/dev/null; wait "$SLOW" 2>/dev/null
check "when it ends its job file is gone" wait_until 3 eval '[ ! -e "$T/state/g1/job" ]'

# On another host: started there (by its timer or its admin), seen through its watch.
vd_on kvm2 backup far > /dev/null 2>&1 &
RSSH=$!
EXTRA_PIDS="$EXTRA_PIDS $RSSH"
# the vmdeck there, not the ssh client here, whose command line holds the same words
far_pid() { pgrep -f "^$VMDECK -c $T/peer-kvm2/vmdeck.conf backup far" | head -1; }
wait_until 5 far_pid > /dev/null
RPID=$(far_pid)
check "the backup runs on kvm2" [ -n "$RPID" ]
slow "$RPID" &
SLOW=$!
EXTRA_PIDS="$EXTRA_PIDS $SLOW"
check_screen "kvm2's guest's row shows its backup with a percent" \
    '^ far +kvm2 +stopped .* backup +[0-9]+% \[[#.]+\]' 10
check_nomatch "g1 (this host) does not take it for its own" 'backup +[0-9]+%' "$(tui_row g1)"
wait "$RSSH"
kill "$SLOW" 2>/dev/null; wait "$SLOW" 2>/dev/null
check_screen "when it ends there, the row drops it" '^ far +kvm2 +stopped +- ' 5
tui_stop
finish
