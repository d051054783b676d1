#!/bin/bash
# run: alone (a namespaced systemd as PID 1: one at a time: tests/run.sh)
# Scheduled backups under a real systemd (PID 1 of a private namespace, see
# tests/systemd-lib.sh): `make install` into a folder shown over /usr/local
# there; its generator gives vmdeck-backup.timer the OnCalendar= of
# backup.schedule and enables it; the service is fired by `systemctl start`
# and then by the calendar a few seconds ahead. Due guests are backed up one
# at a time (a running one live, a stopped one offline), pruned, and a
# failure reaches notify (a script recording its argv and stdin) and the journal.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../systemd-lib.sh"
command -v unshare >/dev/null && [ -x /lib/systemd/systemd ] || { echo "1..0 # SKIP no systemd here"; exit 0; }
trap 'sd_cleanup; cleanup' EXIT INT TERM

make -s -C "$VMDECK_ROOT" BUILD="$BUILD" install DESTDIR="$T/inst" PREFIX=/usr/local >"$T/install.log" 2>&1 ||
    { echo "Bail out! make install: $(tail -3 "$T/install.log")"; exit 1; }
check "make install puts the generator where systemd looks" \
    test -x "$T/inst/usr/local/lib/systemd/system-generators/vmdeck-generator"
check_match "and the service runs the installed vmdeck" "^ExecStart=/usr/local/bin/vmdeck backup --scheduled$" \
    "$(cat "$T/inst/usr/local/lib/systemd/system/vmdeck-backup.service")"

cat > "$T/notify.sh" <<EOF2
#!/bin/sh
printf '%s\n' "\$@" > "$T/notify.argv"
cat > "$T/notify.stdin"
EOF2
chmod +x "$T/notify.sh"
# The calendar elapses ~25 s from now, well after the manual run below.
AT=$(date -d '+25 seconds' '+%H:%M:%S')
write_conf <<EOF2
notify = [ "$T/notify.sh", "-s", "vmdeck on %h: %s", "root" ];
EOF2
sed -i "s|^backup = {|backup = { schedule = \"*-*-* $AT\"; verify_schedule = \"Sat 05:00\"; keep = { last = 1; };|" "$CONF"
for g in g1 g2 g3; do head -c 1M /dev/urandom > "$T/disks/$g.raw"; truncate -s 4M "$T/disks/$g.raw"; done
mkguest g1 <<EOF2
backup_schedule: true
disks:
  - file: $T/disks/g1.raw
EOF2
mkguest g2 <<EOF2
disks:
  - file: $T/disks/g2.raw
EOF2
mkguest g3 <<EOF2
backup_schedule: true
disks:
  - file: $T/disks/g3.raw
EOF2
sed -i 's/accel = "[a-z]*"/accel = "tcg"/' "$CONF"

# The config path reaches the generator through the manager's environment,
# and the service through a drop-in (a real host uses /etc/vmdeck/vmdeck.conf).
export VMDECK_CONFIG="$CONF"
mkdir -p "$T/units/vmdeck-backup.service.d" "$T/units/vmdeck-backup.timer.d"
printf '[Service]\nEnvironment=VMDECK_CONFIG=%s\n' "$CONF" > "$T/units/vmdeck-backup.service.d/test.conf"
printf '[Timer]\nAccuracySec=1s\n' > "$T/units/vmdeck-backup.timer.d/test.conf"
sd_unit "$T/units/vmdeck-backup.service.d" "$T/units/vmdeck-backup.timer.d"
sd_overlay "$T/inst/usr/local" /usr/local
sd_boot timers.target || { finish; exit 1; }

check_eq "the generator enabled the timer (timers.target wants it)" "active" "$(sd_ctl is-active vmdeck-backup.timer)"
check_match "with backup.schedule as its OnCalendar" "OnCalendar=\*-\*-\* $AT" \
    "$(sd_ctl show -p TimersCalendar vmdeck-backup.timer)"
check_eq "Persistent=true" "Persistent=yes" "$(sd_ctl show -p Persistent vmdeck-backup.timer)"
check_eq "the verify timer too, from backup.verify_schedule" "active" "$(sd_ctl is-active vmdeck-verify.timer)"
check_match "at its calendar" "OnCalendar=Sat \*-\*-\* 05:00:00" "$(sd_ctl show -p TimersCalendar vmdeck-verify.timer)"
check_eq "the service is niced" "Nice=10" "$(sd_ctl show -p Nice vmdeck-backup.service)"
check_eq "with idle I/O" "IOSchedulingClass=3" "$(sd_ctl show -p IOSchedulingClass vmdeck-backup.service)"

# g3 runs (inside the namespace, so the service sees it), g1 and g2 are stopped.
sd_sh "$VMDECK" -c "$CONF" start g3 >/dev/null 2>&1
check_eq "g3 runs" "running" "$(sd_sh "$VMDECK" -c "$CONF" show g3 --json | jq -r .state)"

check "systemctl start vmdeck-backup.service succeeds" sd_ctl start vmdeck-backup.service
n() { ls -d "$T"/backup/"$1"-* 2>/dev/null | wc -l; }
check_eq "it backed up g1 and g3, not g2 (no backup_schedule)" "1 0 1" "$(n g1) $(n g2) $(n g3)"
log=$(sd_sh journalctl -u vmdeck-backup.service -o cat --no-pager)
check_match "g3 live (it runs)" "g3: backed up live to $T/backup/g3-" "$log"
check_match "g1 offline" "g1: backed up offline to $T/backup/g1-" "$log"
check_eq "one at a time, in name order: g1's line, then g3's" "g1 g3" \
    "$(printf '%s\n' "$log" | sed -nE 's/^(g[0-9]): backed up.*/\1/p' | xargs)"
G3A=$(ls -d "$T"/backup/g3-*)
check "nothing failed, so notify (notify_on failure) was not run" test ! -e "$T/notify.argv"
check_match "the status file says so" "result=ok" "$(cat "$T/backup/.vmdeck-status/g1" 2>/dev/null)"
check_match "vmdeck schedule shows the last backup and next run" "^g1 +[0-9-]+ [0-9:]+ +ok +[0-9-]+ [0-9:]+ +\*-\*-\* $AT" \
    "$("$VMDECK" -c "$CONF" schedule)"
check_match "events.log names the backup" "backup done" "$(cat "$T"/state/g1/events.log 2>/dev/null)"

# The calendar run: g1's disk is gone by then, so it fails and alerts.
mv "$T/disks/g1.raw" "$T/g1.raw.away"
check "the timer fires at its OnCalendar" wait_until 60 test -e "$T/notify.argv"
wait_until 20 sh -c "[ \"\$(nsenter -t $SD_PID --all systemctl is-active vmdeck-backup.service)\" = inactive ] || [ \"\$(nsenter -t $SD_PID --all systemctl is-active vmdeck-backup.service)\" = failed ]"
check_eq "the service failed (one guest failed)" "failed" "$(sd_ctl is-active vmdeck-backup.service)"
check_eq "notify got host and subject" "-s|vmdeck on $(sd_sh uname -n): scheduled backup: 1 done, 1 failed|root" \
    "$(paste -sd'|' "$T/notify.argv")"
check_match "and the report on stdin names the failure" "g1: backup FAILED: .*g1.raw" "$(cat "$T/notify.stdin")"
check_match "which the journal has too" "vmdeck: scheduled backup: 1 done, 1 failed" \
    "$(sd_sh journalctl -u vmdeck-backup.service -o cat --no-pager)"
check_eq "g3 was backed up again and pruned to keep.last = 1" "1" "$(n g3)"
check "the one kept is the new one" test ! -e "$G3A"
check_match "the status file records g1's failure" "result=failed" "$(cat "$T/backup/.vmdeck-status/g1")"
check_match "vmdeck schedule marks it" "^g1 .* FAILED " "$("$VMDECK" -c "$CONF" schedule)"

check "the namespace powers off" sd_poweroff 60
check "the machine's /tmp was not touched" sd_marker_kept
finish
