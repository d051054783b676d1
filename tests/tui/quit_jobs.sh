#!/bin/bash
# quit_jobs.sh: quitting the console while a backup runs asks first and names
# the job; "n" keeps the console and the backup running; "y" ends the backup
# through its own cancel path (SIGTERM: it says "interrupted" and removes its
# partial archive), never SIGKILL first. A console ended by SIGTERM (its
# terminal closed) ends its jobs the same way.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf < /dev/null
# gzip -9 of random data runs at some 20 MB/s: the backup lasts several seconds.
sed -i 's/compress = "zstd"; level = 3;/compress = "gzip"; level = 9;/' "$CONF"
head -c 192M /dev/urandom > "$T/disks/big.raw"
mkguest big <<EOF
disks:
  - file: $T/disks/big.raw
EOF

backup_pid() { pgrep -f -- "vmdeck -c $CONF backup big" | head -1; }
partial_there() { compgen -G "$T/backup/.big-*.partial" > /dev/null; }
backup_empty() { [ -z "$(ls -A "$T/backup" | grep -vx '.vmdeck-status')" ]; }  # the backup's status file stays
start_backup() {
    tui_keys :
    tui_wait '^:' 3
    tui_keys 'backup big' Enter
    wait_until 10 partial_there
}

tui_start
start_backup
check "the backup is writing its partial archive" partial_there
pid=$(backup_pid)
check "the backup runs as a job of the console" test -n "$pid"

tui_keys q
check_screen "q while a backup runs asks first" 'Quit: a job is running'
check_screen "and names the job" 'Still running: backup big'
tui_keys n
check_screen "n answers no" 'cancelled'
check "n keeps the console" eval '! tui_has vmdeck-exited'
check "and the backup running" kill -0 "$pid"
tui_keys : ; tui_wait '^:' 3; tui_keys q Enter
check_screen ":q asks the same" 'Still running: backup big'
tui_keys Escape
check "Esc answers no too: the question goes" wait_until 3 eval '! tui_has "Still running: backup big"'
check "and the console stays" eval '! tui_has vmdeck-exited'
check "the backup still runs" kill -0 "$pid"
check "still writing its partial archive" partial_there

tui_keys q
tui_wait 'Still running: backup big' 3
tui_keys y
check_screen "y quits" 'vmdeck-exited-0' 40
check_screen "saying it ends the backup" 'vmdeck: ending backup big'
check_screen "which stops through its cancel path (SIGTERM)" 'vmdeck: backup big ended: .*interrupted'
check "it was not killed" eval '! tui_has "was killed"'
check "the backup process is gone" wait_until 3 eval "! kill -0 $pid 2>/dev/null"
check "no partial archive remains" backup_empty
tui_stop

# The console itself gets SIGTERM (its SSH session or terminal closed).
tui_start
start_backup
pid=$(backup_pid)
check "a second backup runs" test -n "$pid"
console=$(pgrep -f -- "$VMDECK -c $CONF\$" | head -1)
check "the console's process is found" test -n "$console"
kill -TERM "$console"
check_screen "SIGTERM to the console ends it" 'vmdeck-exited-' 40
check_screen "and its backup through the cancel path" 'vmdeck: backup big ended: .*interrupted'
check "the backup process is gone" wait_until 3 eval "! kill -0 $pid 2>/dev/null"
check "no partial archive remains" backup_empty
tui_stop
finish
