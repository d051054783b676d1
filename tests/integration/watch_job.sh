#!/bin/bash
# watch_job.sh: a long verb's progress reaches every watcher, whoever started
# it: a backup run from another process publishes state_dir/NAME/job, and
# `vmdeck watch --json` sends "job" lines with its verb, pid and actor and a
# rising percent, then "job": null at its end; the file is gone then. A watch
# started meanwhile carries the job in its full line. A backup killed with
# SIGKILL leaves its file behind, which readers ignore (its pid is dead).
# Restore and clone publish through the same hook. The runs are slowed by the
# test itself (SIGSTOP/SIGCONT), so no timing luck.
source "$(dirname "$0")/../lib.sh"
write_conf <<'EOF2'
heartbeat = 1.0;
ui = { refresh = 0.5; };
EOF2
# 160M of real data (random, so zstd cannot make it quick)
head -c 160M /dev/urandom > "$T/disks/g1.raw"
mkguest g1 <<EOF2
disks:
  - file: $T/disks/g1.raw
EOF2
mkguest g2 < /dev/null

watch_open() {
    mkfifo "$T/watch.$1.in"
    "$VMDECK" -c "$CONF" watch --json < "$T/watch.$1.in" > "$T/watch.$1" 2> "$T/watch.$1.err" 11>&- 12>&- &
    EXTRA_PIDS="$EXTRA_PIDS $!"
    eval "exec $((10 + $1))> \"$T/watch.$1.in\""
}
lines() { jq -c "select($2)" "$T/watch.$1" 2>/dev/null; }
has() { [ -n "$(lines "$1" "$2")" ]; }
# slow PID: lets it run 0.1 s of every second until it ends
slow() {
    while kill -STOP "$1" 2>/dev/null; do sleep 0.9; kill -CONT "$1" 2>/dev/null; sleep 0.1; done
}

watch_open 1
check "the first line is the full status" wait_until 5 has 1 '.type == "full"'
check_eq "its guests carry their job: none" "null null" \
    "$(head -1 "$T/watch.1" | jq -r '[.guests[].job] | map(tostring) | join(" ")')"

VMDECK_ACTOR="watch test" "$VMDECK" -c "$CONF" backup g1 > "$T/backup.out" 2>&1 &
BPID=$!
EXTRA_PIDS="$EXTRA_PIDS $BPID"
slow "$BPID" &
SLOW=$!
EXTRA_PIDS="$EXTRA_PIDS $SLOW"
check "a job line for g1 while the backup runs" wait_until 10 has 1 '.type == "job" and .name == "g1" and .job != null'
job=$(lines 1 '.type == "job" and .job != null' | head -1)
check_eq "it names the verb, the backup's pid and who started it" "backup $BPID watch test" \
    "$(jq -r '"\(.job.verb) \(.job.pid) \(.job.by)"' <<< "$job")"
check_match "and when it started, its phase and a text" '^[0-9]{10} [a-z]+ .+' \
    "$(jq -r '"\(.job.started) \(.job.phase) \(.job.text)"' <<< "$job")"
check "the stamp readers look at is in state_dir" [ -f "$T/state/jobs.stamp" ]
check "the job file is in the guest's runtime folder, 0600" \
    eval '[ "$(stat -c %a "$T/state/g1/job")" = 600 ]'
check "a job line for a percent before the end" wait_until 15 has 1 '.type == "job" and .job.percent != null and .job.percent < 100'

watch_open 2
check "a watch started meanwhile carries the job in its full line" \
    wait_until 5 has 2 '.type == "full" and ([.guests[] | select(.name == "g1") | .job.verb] == ["backup"])'

wait "$BPID"; rc=$?
kill "$SLOW" 2>/dev/null; wait "$SLOW" 2>/dev/null
check_eq "the backup succeeded" 0 "$rc"
check "a job line with null at its end" wait_until 3 has 1 '.type == "job" and .name == "g1" and .job == null'
pcts=$(lines 1 '.type == "job" and .name == "g1" and .job.percent != null' | jq -r .job.percent | tr '\n' ' ')
check_match "at least two progress lines (percents: $pcts)" '^[0-9]+ [0-9]+' "$pcts"
check "... rising" eval '[ "$(tr " " "\n" <<< "$pcts" | grep . | sort -n | tr "\n" " ")" = "$pcts" ]'
check_eq "the line for the end is the last job line" "null" \
    "$(lines 1 '.type == "job" and .name == "g1"' | tail -1 | jq -c .job)"
check "no job file left" [ ! -e "$T/state/g1/job" ]
check_eq "no temporary file left" "" "$(ls -A "$T/state/g1" | grep job)"
check_eq "no job for g2 was ever sent" "" "$(lines 1 '.type == "job" and .name == "g2"')"
check "guest lines carry the job as it is" eval '[ -z "$(lines 1 ".type == \"guest\" and (.guest | has(\"job\") | not)")" ]'

# run_slowed VERB ARGS...: vmdeck VERB ARGS, slowed, in the background; its pid in $RUN_PID
run_slowed() {
    "$VMDECK" -c "$CONF" "$@" > "$T/$1.out" 2>&1 &
    RUN_PID=$!
    EXTRA_PIDS="$EXTRA_PIDS $RUN_PID"
    slow "$RUN_PID" &
    SLOW=$!
    EXTRA_PIDS="$EXTRA_PIDS $SLOW"
}
job_lines() { lines 1 ".type == \"job\" and .name == \"$1\" and .job.verb == \"$2\""; }
# The same hook serves restore (under the name it restores as) and clone (under the source's name).
archive=$(ls -d "$T"/backup/g1-* | head -1)
run_slowed restore "$archive" --force
check "a restore over g1: job lines with verb restore" wait_until 15 eval '[ -n "$(job_lines g1 restore)" ]'
wait "$RUN_PID"; rc=$?; kill "$SLOW" 2>/dev/null; wait "$SLOW" 2>/dev/null
check_eq "the restore succeeded" 0 "$rc"
check "... and its end" wait_until 3 eval '[ "$(lines 1 ".type == \"job\" and .name == \"g1\"" | tail -1 | jq -c .job)" = null ]'
run_slowed clone g1 g1c
check "a clone of g1: job lines with verb clone on g1" wait_until 15 eval '[ -n "$(job_lines g1 clone)" ]'
wait "$RUN_PID"; rc=$?; kill "$SLOW" 2>/dev/null; wait "$SLOW" 2>/dev/null
check_eq "the clone succeeded" 0 "$rc"
check "... and its end" wait_until 3 eval '[ "$(lines 1 ".type == \"job\" and .name == \"g1\"" | tail -1 | jq -c .job)" = null ]'
check "no job file left by either" [ ! -e "$T/state/g1/job" ]

# A backup killed outright leaves its file: a reader takes it for no job.
n_before=$(lines 1 '.type == "job" and .name == "g1"' | wc -l)
"$VMDECK" -c "$CONF" backup g1 > /dev/null 2>&1 &
KPID=$!
EXTRA_PIDS="$EXTRA_PIDS $KPID"
slow "$KPID" &
SLOW=$!
EXTRA_PIDS="$EXTRA_PIDS $SLOW"
check "the second backup published its job" wait_until 5 eval '[ -s "$T/state/g1/job" ]'
check "the watch sent it" wait_until 3 eval '[ "$(lines 1 ".type == \"job\" and .name == \"g1\" and .job.pid == $KPID" | wc -l)" -ge 1 ]'
kill "$SLOW"; wait "$SLOW" 2>/dev/null
kill -9 "$KPID"; kill -CONT "$KPID" 2>/dev/null; wait "$KPID" 2>/dev/null
check "SIGKILL left the file behind" [ -e "$T/state/g1/job" ]
check "the watch sends null: its pid is dead" \
    wait_until 3 eval '[ "$(lines 1 ".type == \"job\" and .name == \"g1\"" | tail -1 | jq -c .job)" = null ]'
watch_open 3
check "a new watch ignores the leftover" wait_until 5 has 3 '.type == "full"'
check_eq "... g1's job is null in its full line" null \
    "$(head -1 "$T/watch.3" | jq -c '.guests[] | select(.name == "g1") | .job')"
sleep 1.2
check_eq "and it sends no job line for it" "" "$(lines 3 '.type == "job"')"
# a leftover whose pid is a live process of another program (a reused pid) is ignored too
# (the stamp touched, as a writer does, so the watch looks at the file)
jq -c ".pid = $$ | .pid_start = 1" "$T/state/g1/job" > "$T/state/g1/job.new" && mv "$T/state/g1/job.new" "$T/state/g1/job"
touch "$T/state/jobs.stamp"
sleep 1.2
check_eq "a live pid with another start time is no job" "" "$(lines 3 '.type == "job"')"
ln -sf /etc/passwd "$T/state/g1/job"
touch "$T/state/jobs.stamp"
sleep 1.2
check_eq "a symbolic link is no job file" "" "$(lines 3 '.type == "job"')"
exec 11>&- 12>&- 13>&-
finish
