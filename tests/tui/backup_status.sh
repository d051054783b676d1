#!/bin/bash
# backup_status.sh: the console shows each guest's last backup (time and
# result) in the table and its next scheduled run in the detail pane, read
# from the small status file every backup writes; a failed or overdue one is
# marked in its row and counted in the header. A backup run while the
# console is open shows up within seconds. 80 columns, as PuTTY opens.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf < /dev/null
sed -i 's|^backup = {|backup = { schedule = "*-*-* 02:00";|' "$CONF"
for g in g1 g2 g3; do head -c 64K /dev/urandom > "$T/disks/$g.raw"; done
mkguest g1 <<EOF2
backup_schedule: true
disks:
  - file: $T/disks/g1.raw
EOF2
mkguest g2 <<EOF2
backup_schedule: ["Sun 03:00"]
disks:
  - file: $T/disks/g2.raw
EOF2
mkguest g3 <<EOF2
backup_schedule: true
disks:
  - file: $T/disks/g3.raw
EOF2
mkguest g4 < /dev/null
V() { "$VMDECK" -c "$CONF" "$@"; }

# g1: a real backup now. g2: its last one failed. g3: last good one three days ago (missed two nights).
V backup g1 > /dev/null 2>&1 || fail "backup g1"
mkdir -p "$T/backup/.vmdeck-status"
now=$(date +%s) old=$(( $(date +%s) - 3 * 86400 ))
printf 'time=%s\nresult=failed\nscheduled=1\nlast_ok=0\ntext=g2.raw: cannot read: Input/output error\n' "$now" \
    > "$T/backup/.vmdeck-status/g2"
printf 'time=%s\nresult=ok\nscheduled=1\nlast_ok=%s\ntext=%s/backup/g3-x\n' "$old" "$old" "$T" \
    > "$T/backup/.vmdeck-status/g3"

tui_start
tmux_ resize-window -x 80 -y 24
check_screen "the table has a BACKUP column" 'NAME +STATE .* BACKUP'
check_match "g1: the time of its last backup" "^ g1 .* $(date +%m-%d) [0-9]{2}:[0-9]{2} " "$(tui_row g1)"
check_match "g2: failed, marked" "^ g2 .* failed $(date +%m-%d) " "$(tui_row g2)"
check_match "g3: overdue, marked" "^ g3 .* late $(date -d @"$old" +%m-%d) " "$(tui_row g3)"
check_match "g4: no schedule, no backup" "^ g4 .* - " "$(tui_row g4)"
check_screen "the header counts what needs looking at" 'backups: 1 failed, 1 overdue'
tui_select g2
check_screen "the detail pane: the last result" 'Backup +[0-9-]+ [0-9:]+ FAILED'
check_screen "its next run (g2's own calendar)" ' next [0-9-]+ 03:00'
check_screen "and why it failed" 'g2.raw: cannot read:'
check_screen "on as many rows as it takes" ' {2,}Input/output error *$'
tui_select g1
check_screen "g1's next run is backup.schedule's" ' next [0-9-]+ 02:00'
tmux_ resize-window -x 100 -y 30
check_screen "at 100 columns last and next share a row" 'Backup +[0-9-]+ [0-9:]+ ok +next [0-9-]+ 02:00'

# A backup made while the console is open reaches the table without a key.
V backup g2 > /dev/null 2>&1 || fail "backup g2"
check_screen "g2's good backup replaces the failure within seconds" 'backups: 1 overdue' 10
check_match "its row is no longer marked failed" "^ g2 .* $(date +%m-%d) [0-9]{2}:[0-9]{2} " "$(tui_row g2)"
tui_stop
finish
