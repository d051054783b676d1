#!/bin/bash
# Schedules without systemd running: `vmdeck check` validates calendar
# expressions (systemd-analyze), `backup --scheduled` decides who is due
# from the status files (never backed up: due; backed up since the last
# elapse: not; a guest with its own times: by those), `schedule` shows it,
# and `schedule --generate` writes the timers' drop-ins and links.
source "$(dirname "$0")/../lib.sh"
command -v systemd-analyze >/dev/null || { echo "1..0 # SKIP no systemd-analyze"; exit 0; }

write_conf </dev/null
sed -i 's|^backup = {|backup = { schedule = "daily 02:00"; verify_schedule = "Sat 05:00"; keep = { last = 1; };|' "$CONF"
V() { "$VMDECK" -c "$CONF" "$@"; }
for g in g1 g2 g3 g4; do head -c 64K /dev/urandom > "$T/disks/$g.raw"; done
mkguest g1 <<EOF2
backup_schedule: true
disks:
  - file: $T/disks/g1.raw
EOF2
mkguest g2 <<EOF2
backup_schedule: ["Mon..Sun 03:00", "*-*-01 04:00"]
disks:
  - file: $T/disks/g2.raw
EOF2
mkguest g3 <<EOF2
disks:
  - file: $T/disks/g3.raw
EOF2

out=$(V check 2>&1); rc=$?
check_eq "check accepts the calendars (\"daily 02:00\" read as *-*-* 02:00)" "0" "$rc"
mkguest g4 <<EOF2
backup_schedule: ["Sun 03:00", "every tuesday"]
disks:
  - file: $T/disks/g4.raw
EOF2
out=$(V check 2>&1); rc=$?
check_eq "check fails on a calendar systemd does not know" "2" "$rc"
check_match "naming file, key and expression" "g4.yaml: backup_schedule: \"every tuesday\" is not a systemd calendar expression" "$out"
sed -i 's/, "every tuesday"//' "$T/vms.d/g4.yaml"
printf 'backup_schedule: maybe\n' >> "$T/vms.d/g3.yaml"
out=$(V check 2>&1)
check_match "backup_schedule must be a boolean or a list" "g3.yaml:[0-9]+:[0-9]+: backup_schedule: expected true, false or a list" "$out"
sed -i '/^backup_schedule: maybe/d' "$T/vms.d/g3.yaml"

# Nobody was ever backed up: every scheduled guest is due, g3 (no schedule) is not.
out=$(V backup --scheduled 2>&1); rc=$?
check_eq "backup --scheduled succeeds" "0" "$rc"
check_eq "the never backed up scheduled guests, in order, offline" "g1 g2 g4" \
    "$(printf '%s\n' "$out" | sed -nE 's/^(g[0-9]): backed up offline to .*/\1/p' | xargs)"
check_match "and a count" "scheduled backup: 3 done, 0 failed" "$out"
check "g3 has no archive" test -z "$(ls -d "$T"/backup/g3-* 2>/dev/null)"
check_match "its status file says scheduled" "scheduled=1" "$(cat "$T/backup/.vmdeck-status/g1")"

# Right after: nothing elapsed since, so nothing is due.
out=$(V backup --scheduled --json 2>&1); rc=$?
check_eq "a second run finds nobody due" "0 0" "$rc $(printf '%s' "$out" | jq length)"

# g1's last attempt two days ago: its 02:00 has elapsed since, g2's (own times) too, g4's Sunday maybe not.
sleep 1  # archive names are to the second: a new one must not meet the first run's
old=$(( $(date +%s) - 2 * 86400 ))
sed -i "s/^time=.*/time=$old/" "$T/backup/.vmdeck-status/g1" "$T/backup/.vmdeck-status/g2"
out=$(V backup --scheduled --json 2>&1)
check_eq "g1 and g2 are due again" "g1 g2" "$(printf '%s' "$out" | jq -r '[.[] | select(.ok) | .name] | join(" ")')"
check_eq "pruned to keep.last = 1 after each" "1 1" "$(ls -d "$T"/backup/g1-* | wc -l) $(ls -d "$T"/backup/g2-* | wc -l)"

out=$(V schedule 2>&1)
check_match "schedule: g1 follows backup.schedule" "^g1 +[0-9-]+ [0-9:]+ +ok +[0-9-]+ 02:00 +daily 02:00" "$out"
check_match "schedule: g2 its own times, the next first" "^g2 .* ok +[0-9-]+ 0[34]:00 +Mon\.\.Sun 03:00, \*-\*-01 04:00" "$out"
check_match "schedule: g3 none" "^g3 +- +- +- +-$" "$out"
check_eq "schedule --json: next_run is a time" "number" "$(V schedule --json | jq -r '.[0].next_run | type')"

# SIGTERM (systemctl stop) while the first due guest is written: that backup ends cleanly,
# the rest are skipped, and the alert says so.
cat > "$T/notify.sh" <<EOF2
#!/bin/sh
cat > "$T/notify.stdin"
EOF2
chmod +x "$T/notify.sh"
echo "notify = [ \"$T/notify.sh\" ];" >> "$CONF"
sleep 1
old=$(( $(date +%s) - 2 * 86400 ))
sed -i "s/^time=.*/time=$old/" "$T/backup/.vmdeck-status/g1" "$T/backup/.vmdeck-status/g2"
signal_at flush TERM "$VMDECK" -c "$CONF" backup --scheduled
check_eq "SIGTERM during a scheduled run: it reached the write and exits 1" "yes 1" "$SIGNAL_STOPPED $SIGNAL_RC"
check_eq "no partial archive is left" "" "$(ls -A "$T/backup" | grep '\.partial$')"
check_match "g1's backup says interrupted" "result=failed" "$(cat "$T/backup/.vmdeck-status/g1")"
check_match "g2 was not started" "^time=$old$" "$(grep '^time=' "$T/backup/.vmdeck-status/g2")"
check_match "the alert names the interruption" "interrupted: the guests after the last one listed were not backed up" \
    "$(cat "$T/notify.stdin" 2>/dev/null)"

V schedule --generate "$T/gen" --unit-dir /usr/lib/systemd/system
check_eq "--generate: the backup timer's OnCalendar, each once" \
    "OnCalendar= OnCalendar=*-*-* 02:00 OnCalendar=Mon..Sun 03:00 OnCalendar=*-*-01 04:00 OnCalendar=Sun 03:00" \
    "$(grep '^OnCalendar' "$T/gen/vmdeck-backup.timer.d/50-vmdeck-schedule.conf" | tr '\n' ' ' | sed 's/ $//')"
check_eq "--generate: the verify timer's" "OnCalendar= OnCalendar=Sat 05:00" \
    "$(grep '^OnCalendar' "$T/gen/vmdeck-verify.timer.d/50-vmdeck-schedule.conf" | tr '\n' ' ' | sed 's/ $//')"
check_eq "--generate: both enabled through timers.target" \
    "/usr/lib/systemd/system/vmdeck-backup.timer /usr/lib/systemd/system/vmdeck-verify.timer" \
    "$(readlink "$T/gen/timers.target.wants/"* | xargs)"
sed -i 's/schedule = "daily 02:00"; verify_schedule = "Sat 05:00";//' "$CONF"
sed -i '/^backup_schedule/,/^disks/{/^backup_schedule/d}' "$T/vms.d/g2.yaml" "$T/vms.d/g4.yaml"
V schedule --generate "$T/gen2" --unit-dir /x
check "--generate without any schedule writes nothing (the timers stay off)" test -z "$(ls -A "$T/gen2" 2>/dev/null)"
finish
