#!/bin/bash
# run: alone (it measures time against a bound: tests/run.sh)
# Autostart at boot (issue 8, item 3): vmdeck.service, installed by
# `make install` and wanted by the boot target, starts the guests marked
# autostart: true through their units, group by group in autostart_order
# (equal values together), waiting each group's autostart_delay; checked
# from systemd's own timestamps. Also the plan (--dry-run, --json) and show.
. "$(dirname "$0")/../lib.sh"
. "$VMDECK_ROOT/tests/systemd-lib.sh"
trap 'sd_cleanup; cleanup' EXIT INT TERM

cat > "$T/notify.sh" <<'EOF2'
#!/bin/sh
{ echo "argv: $*"; cat; echo "--"; } >> "$(dirname "$0")/notify.log"
EOF2
chmod 755 "$T/notify.sh"
write_conf <<< "notify = [ \"$T/notify.sh\", \"%s\" ];"
printf 'autostart: true\nautostart_delay: 3\n' | mkguest dc
printf 'autostart: true\nautostart_order: 10\n' | mkguest app1
printf 'autostart: true\nautostart_order: 10\nautostart_delay: 1\n' | mkguest app2
mkguest legacy <<< "autostart: false"
printf 'autostart: true\nautostart_order: 20\ncdrom: nonesuch.iso\n' | mkguest bad

# The plan, here where systemd is not PID 1 (direct starts).
out=$("$VMDECK" -c "$CONF" autostart --dry-run 2>&1)
check_eq "the plan: the domain controller first, then the servers together" \
    "autostart plan (direct starts):
  group 0: dc; then wait 3 s
  group 10: app1 app2; then wait 1 s
  group 20: bad" "$out"
out=$("$VMDECK" -c "$CONF" autostart --dry-run --json)
check_eq "the plan as JSON: orders, delays, guests" "0:3:dc 10:1:app1,app2 20:0:bad" \
    "$(printf '%s' "$out" | jq -r '[.groups[] | "\(.order):\(.delay):\([.guests[].name] | join(","))"] | join(" ")')"
check_eq "a dry run starts nothing" "stopped" "$(vm_state dc)"
out=$("$VMDECK" -c "$CONF" show app2)
check_match "show says whether and in which group it autostarts" "^autostart: +yes, group 10, then 1 s$" "$out"
check_match "and for one that does not" "^autostart: +no$" "$("$VMDECK" -c "$CONF" show legacy)"

# Carried out without systemd (a boot script could): direct starts, the same groups and delays.
t0=$(date +%s)
out=$("$VMDECK" -c "$CONF" autostart 2>"$T/as.err"); rc=$?
check_eq "direct autostart: exit 1, one guest failed" 1 "$rc"
check_eq "the others started, group by group" "dc: started (group 0)|app1: started (group 10)|app2: started (group 10)" \
    "$(printf '%s\n' "$out" | paste -sd'|')"
check_match "the failure is one line naming it" "^vmdeck: bad: cannot start: ISO not found: nonesuch.iso" "$(cat "$T/as.err")"
check "the delays were waited (3 s after dc, 1 s after group 10)" test $(( $(date +%s) - t0 )) -ge 4
for g in dc app1 app2; do "$VMDECK" -c "$CONF" kill "$g" > /dev/null 2>&1; done
check_eq "all off again before the namespace" "stopped stopped stopped" "$(vm_state dc) $(vm_state app1) $(vm_state app2)"
rm -f "$T/notify.log"

make -s -C "$VMDECK_ROOT" BUILD="$BUILD" install DESTDIR="$T/inst" PREFIX=/usr/local > "$T/install.log" 2>&1
sd_overlay "$T/inst/usr/local" /usr/local
mkdir -p "$SD_DIR/units/vmdeck-test.target.d" "$SD_DIR/units/vmdeck.service.d"
printf '[Unit]\nWants=vmdeck.service\n' > "$SD_DIR/units/vmdeck-test.target.d/boot.conf"
printf '[Service]\nEnvironment=VMDECK_CONFIG=%s\n' "$CONF" > "$SD_DIR/units/vmdeck.service.d/config.conf"
sd_boot || { finish; exit 1; }
wait_until 60 sh -c "[ \"\$(nsenter -t $SD_PID --all systemctl show -p ActiveState --value vmdeck.service)\" = failed ]"
check_eq "vmdeck.service ran at boot; one guest did not start, so it failed" "failed" \
    "$(sd_ctl show -p ActiveState --value vmdeck.service)"
check_match "the notify program was told which guest and why" "argv: bad: autostart failed" "$(cat "$T/notify.log" 2>/dev/null)"
check_match "with the reason on its stdin" "guest bad did not start \(autostart, by boot\): ISO not found: nonesuch.iso" \
    "$(cat "$T/notify.log" 2>/dev/null)"
for g in dc app1 app2; do
    check_eq "$g: started at boot, as its unit" active "$(sd_ctl is-active vmdeck@$g.service)"
done
check_eq "legacy (autostart: false) was not started" inactive "$(sd_ctl is-active vmdeck@legacy.service)"
ts() { sd_ctl show -p ActiveEnterTimestampMonotonic --value "vmdeck@$1.service"; }
dc=$(ts dc) a1=$(ts app1) a2=$(ts app2)
note "became active (ms after dc): app1 $(( (a1 - dc) / 1000 )), app2 $(( (a2 - dc) / 1000 ))"
check "group 10 started after dc's 3 s delay" test $(( a1 - dc )) -ge 3000000 -a $(( a2 - dc )) -ge 3000000
check "and not much later" test $(( a1 - dc )) -lt 15000000
d=$(( a1 > a2 ? a1 - a2 : a2 - a1 ))
check "app1 and app2 started together (within 2 s)" test "$d" -lt 2000000
check_eq "their events say boot started them" "by=boot" \
    "$(for g in dc app1 app2; do grep -F $'\tstart\t' "$T/state/$g/events.log" | tail -1 | cut -f3; done | sort -u)"
check_match "the journal has what autostart said" "dc: started \(group 0\)" \
    "$(sd_sh journalctl -u vmdeck.service --no-pager -o cat 2>/dev/null)"

sd_poweroff 60
check "the namespace powered off" test $? = 0
check "nothing outside the namespace changed (marker in /tmp kept)" sd_marker_kept
finish
