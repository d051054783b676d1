#!/bin/bash
# tests/bench/screen.sh: the issue-11 figures, printed as a markdown table.
# The console's screen view open in a 100x30 tmux (TERM=xterm-256color);
# what it writes to the terminal is copied out by `tmux pipe-pane` and
# counted over BENCH_SECS seconds:
#  1. bytes/s on a static screen (a SeaBIOS guest that has given up booting),
#  2. bytes/s on a changing screen (the Linux fixture booted with
#     vmdeck.counter=1: a counter written into the VGA text buffer 4x a second),
#  3. time from the key (w) to the first frame (the title naming the mode),
#     median of BENCH_PRESSES.
# Baseline, in the same run: a full redraw a second, i.e. the bytes of one
# frame as `vmdeck screen` draws it at the same size and depth (what a viewer
# without curses' diffing would send). Not part of `make test`.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

SECS=${BENCH_SECS:-20}
PRESSES=${BENCH_PRESSES:-5}
progress() { echo "# $*" >&2; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

write_conf < /dev/null
printf 'description: SeaBIOS only\nmemory: 32M\ncpus: 1\n' > "$T/vms.d/bios.yaml"
mklinux lin < /dev/null
sed -i 's/"console=ttyS0/"vmdeck.counter=1 console=ttyS0/' "$T/vms.d/lin.yaml"
vd() { "$VMDECK" -c "$CONF" "$@"; }
vd start bios > /dev/null && vd start lin > /dev/null || { echo "cannot start the guests" >&2; exit 1; }
console_open lin
console_wait "vmdeck-guest-ready" 180 || progress "the Linux guest did not say it was ready"
# SeaBIOS gives up after trying every device; wait until its screen is still
wait_until 60 sh -c "'$VMDECK' -c '$CONF' screen bios --ppm '$T/a.ppm' && sleep 2 &&
    '$VMDECK' -c '$CONF' screen bios --ppm '$T/b.ppm' && cmp -s '$T/a.ppm' '$T/b.ppm'"

tui_start TERM=xterm-256color
# bytes the view sends in SECS seconds, the view open on guest $1
rate() {
    tui_select "$1"
    tui_keys w
    tui_wait "$1 +720x400" 15 || progress "no picture of $1"
    sleep 3
    : > "$T/pipe.$1"
    tmux_ pipe-pane -o "cat >> '$T/pipe.$1'"
    sleep "$SECS"
    tmux_ pipe-pane
    tui_keys C-]
    tui_wait 'NAME +STATE' 5
    echo $(( $(stat -c %s "$T/pipe.$1") / SECS ))
}
progress "static screen, $SECS s"
static=$(rate bios)
progress "changing screen, $SECS s"
changing=$(rate lin)

progress "key to first frame, $PRESSES presses"
tui_select bios
for _ in $(seq "$PRESSES"); do
    tui_latency w "bios +720x400"
    tui_keys C-]
    tui_wait 'NAME +STATE' 5
    sleep 1
done > "$T/lat"
first=$(median < "$T/lat")

full=$(env TERM=xterm-256color script -qec "'$VMDECK' -c '$CONF' screen bios --width 100 --height 29" "$T/full" \
    > /dev/null 2>&1; grep -a $'\xe2\x96\x80' "$T/full" | wc -c)
tui_stop
console_close
vd kill bios > /dev/null; vd kill lin > /dev/null

echo "| figure | value | baseline: full redraw each second |"
echo "|---|---|---|"
echo "| bytes/s, static screen (SeaBIOS) | $static | $full ($(awk "BEGIN { printf \"%.1f%%\", 100 * $static / $full }")) |"
echo "| bytes/s, changing screen (counter at 4 Hz) | $changing | $full ($(awk "BEGIN { printf \"%.1f%%\", 100 * $changing / $full }")) |"
echo "| key to first frame, median of $PRESSES (ms) | $first | |"
finish > /dev/null
