#!/bin/bash
# run: alone (it measures time against a bound: tests/run.sh)
# watch.sh: `vmdeck watch --json` prints the full status first (list's
# objects plus host facts), then one line per change (a raw QMP stop from
# outside within 1 s, with QEMU's event), heartbeats, definitions added and
# removed; a second watch at the same time still sees changes (it polls);
# both end when their stdin closes.
source "$(dirname "$0")/../lib.sh"
write_conf <<'EOF2'
heartbeat = 1.0;
host_name = "alpha";
ui = { refresh = 1.0; };
EOF2
mkguest w1 < /dev/null
mkguest w2 < /dev/null
for g in w1 w2; do check "start $g" "$VMDECK" -c "$CONF" start "$g"; done

# watch_open N: a watch whose stdin is a fifo held open on fd 10+N; its lines go to $T/watch.N
watch_open() {
    mkfifo "$T/watch.$1.in"
    "$VMDECK" -c "$CONF" watch --json < "$T/watch.$1.in" > "$T/watch.$1" 2> "$T/watch.$1.err" 11>&- 12>&- &
    eval "WATCH_PID_$1=$!"
    EXTRA_PIDS="$EXTRA_PIDS $!"
    eval "exec $((10 + $1))> \"$T/watch.$1.in\""
}
lines() { jq -c "select($2)" "$T/watch.$1" 2>/dev/null; }
has() { [ -n "$(lines "$1" "$2")" ]; }

watch_open 1
check "the first line is the full status" wait_until 5 has 1 '.type == "full"'
full=$(head -1 "$T/watch.1")
check_eq "it is protocol 1 with the version" "1 $("$VMDECK" version | cut -d' ' -f2)" "$(jq -r '"\(.protocol) \(.version)"' <<< "$full")"
check_eq "the host facts: name from host_name, load, free memory" "alpha true true" \
    "$(jq -r '"\(.host.name) \(.host.load >= 0) \(.host.mem_available > 0)"' <<< "$full")"
check_eq "the guests are list --json's objects (and their job)" \
    "$("$VMDECK" -c "$CONF" list --json | jq -c '[.[] | del(.uptime, .cpu_percent, .rss)]')" \
    "$(jq -c '[.guests[] | del(.uptime, .cpu_percent, .rss, .job)]' <<< "$full")"
check "heartbeats come every second" wait_until 4 eval '[ "$(lines 1 ".type == \"heartbeat\"" | wc -l)" -ge 2 ]'
check "the watcher holds w1's event monitor" wait_until 3 eval '! flock -n "$T/state/w1/events.sock.lock" true'

# A second watcher: the event monitors are taken, so it polls, and still sees changes.
watch_open 2
check "a second watch starts too" wait_until 5 has 2 '.type == "full"'

t0=$EPOCHREALTIME
qmp_reply w1 stop > /dev/null
check "a raw QMP stop: a guest line with paused" wait_until 3 has 1 '.type == "guest" and .guest.name == "w1" and .guest.state == "paused"'
ms=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
check "... within 1 s (took $ms ms, checks every 100 ms)" [ "$ms" -lt 1000 ]
check "QEMU's STOP event is a line of its own" has 1 '.type == "event" and .name == "w1" and .event == "STOP"'
check "the second watch sees paused too (by polling)" wait_until 3 has 2 '.type == "guest" and .guest.name == "w1" and .guest.state == "paused"'

"$VMDECK" -c "$CONF" pause w2 > /dev/null
check "a verb's event-log line is sent" wait_until 3 has 1 '.type == "log" and .name == "w2" and .text == "paused"'

mkguest w3 < /dev/null
check "a new definition gives a guest line" wait_until 4 has 1 '.type == "guest" and .guest.name == "w3" and .guest.state == "stopped"'
rm "$T/vms.d/w3.yaml"
check "a removed definition gives a removed line" wait_until 4 has 1 '.type == "removed" and .name == "w3"'
check "every line is one JSON object with a type and a time" \
    eval '[ "$(jq -c "select((.type | type) == \"string\" and (.time | type) == \"number\")" "$T/watch.1" | wc -l)" -eq "$(wc -l < "$T/watch.1")" ]'

exec 11>&-
check "closing stdin ends the first watch" wait_until 3 eval '! kill -0 $WATCH_PID_1 2>/dev/null'
check "the event monitor is free once it is gone" wait_until 3 flock -n "$T/state/w1/events.sock.lock" true
exec 12>&-
check "and the second" wait_until 3 eval '! kill -0 $WATCH_PID_2 2>/dev/null'
check_eq "nothing on stderr" "" "$(cat "$T/watch.1.err" "$T/watch.2.err")"
text=$(sleep 1.5 | "$VMDECK" -c "$CONF" watch 2>&1); rc=$?
check_eq "without --json: lines for a person, ended with stdin, exit 0" 0 "$rc"
check_match "... each guest's state with the time" "^[0-9]{2}:[0-9]{2}:[0-9]{2} w1 is paused" "$text"
check_nomatch "... and no JSON" '^\{' "$text"
for g in w1 w2; do "$VMDECK" -c "$CONF" kill "$g" > /dev/null 2>&1; done
finish
