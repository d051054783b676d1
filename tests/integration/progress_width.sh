#!/bin/bash
# progress_width.sh: the backup's progress bar on a terminal is one row that
# never wraps: in an 80-column PuTTY (and a 50-column one) every update
# overwrites the same row, the figures whole and the bar fitted to the width.
source "$(dirname "$0")/../lib.sh"
write_conf < /dev/null
sed -i 's/level = 3/level = 19/' "$CONF"   # slow enough for many updates
head -c 4M /dev/urandom > "$T/disks/big.raw"
mkguest big <<EOF2
disks:
  - file: $T/disks/big.raw
EOF2
SOCK="vmdeck-progress-$$"
tm() { tmux -L "$SOCK-$cols" "$@"; }
trap 'for cols in 80 50; do tm kill-server 2>/dev/null; done; cleanup' EXIT

for cols in 80 50; do
    tm -f /dev/null new-session -d -x "$cols" -y 24 \
        "'$VMDECK' -c '$CONF' backup big --to '$T/b$cols'; echo backup-exited-\$?; sleep 30"
    wait_until 120 eval "tm capture-pane -p | grep -q backup-exited-"
    screen=$(tm capture-pane -p)
    check_match "$cols columns: the backup ended" 'backup-exited-0' "$screen"
    bars=$(printf '%s\n' "$screen" | grep -c '%')
    check_eq "$cols columns: every update on one row (no wrapped or repeated rows)" 1 "$bars"
    row=$(printf '%s\n' "$screen" | grep '%' | sed 's/ *$//')
    check "$cols columns: the row fits (${#row} columns)" test "${#row}" -gt 20 -a "${#row}" -lt "$cols"
    check_match "$cols columns: its figures whole" '100% [0-9.]+[KMG]?/[0-9.]+[KMG]? [0-9.]+[KMG]?/s ETA' "$row"
    note "$row"
    tm kill-server
done
finish
