#!/bin/bash
# tests/bench/console.sh: the issue-3 figures, printed as a markdown table.
# 50 guests (no disk, 32 MiB) started and paused, one more left running; the
# console open in a 100x30 tmux at ui.refresh = 1:
#  1. its CPU time over 60 s idle (target: under 1% of one core),
#  2. its resident memory (target: under 16 MiB),
#  3. keypress-to-screen time with one guest's QEMU SIGSTOPped (target: median
#     under 100 ms), two ways: on a pty of our own (a key written to the
#     master, the time until the help screen's bytes come back: the console's
#     own latency), and through tmux (send-keys until capture-pane shows it,
#     polled every 10 ms, tmux's own time included; the same loop against
#     `cat` gives tmux's share).
# Not part of `make test`. Every QEMU it starts is killed by pid on exit.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

GUESTS=${BENCH_GUESTS:-50}
IDLE=${BENCH_IDLE:-60}
PRESSES=${BENCH_PRESSES:-21}
progress() { echo "# $*" >&2; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

write_conf <<'EOF'
ui = { refresh = 1.0; };
EOF
bench_guest() {
    printf 'description: bench %s\nmemory: 32M\ncpus: 1\n' "$1" > "$T/vms.d/$1.yaml"
    chmod 600 "$T/vms.d/$1.yaml"
}
progress "starting $GUESTS guests (paused) and one running"
for i in $(seq 1 "$GUESTS"); do
    g=$(printf 'bench%02d' "$i")
    bench_guest "$g"
    "$VMDECK" -c "$CONF" start "$g" > /dev/null 2>&1 || { echo "start $g failed"; exit 1; }
    "$VMDECK" -c "$CONF" pause "$g" > /dev/null || { echo "pause $g failed"; exit 1; }
done
bench_guest live
"$VMDECK" -c "$CONF" start live > /dev/null 2>&1 || { echo "start live failed"; exit 1; }

tui_start
tui_wait "$((GUESTS + 1)) guests, 1 running" 10 || { echo "the console did not show the guests"; tui_screen; exit 1; }
pid=$(pgrep -fx "$VMDECK -c $CONF")
[ -n "$pid" ] || { echo "console process not found"; exit 1; }
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)

progress "console idle for $IDLE s"
sleep 2
t0=$(ticks); s0=$EPOCHREALTIME
sleep "$IDLE"
t1=$(ticks); s1=$EPOCHREALTIME
cpu=$(awk -v t="$((t1 - t0))" -v hz="$hz" -v a="$s0" -v b="$s1" 'BEGIN { printf "%.2f", t / hz / (b - a) * 100 }')
cpu_s=$(awk -v t="$((t1 - t0))" -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }')
rss_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
hwm_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
paused_shown=$(tui_screen | grep -cE '^ bench[0-9]+ +paused')

progress "keypress latency with bench01 SIGSTOPped ($PRESSES presses)"
kill -STOP "$(cat "$T/state/bench01/qemu.pid")"
tui_wait '^ bench01 +unresponsive' 10 || { echo "bench01 never showed unresponsive"; exit 1; }
lat=()
for r in $(seq "$PRESSES"); do
    lat+=("$(tui_latency '?' 'Help: keys')")
    tui_keys Escape
    wait_until 3 eval '! tui_has "Help: keys"'
    sleep 0.$((RANDOM % 5 + 1)) # land at different points of the refresh cycle
done
# The console on a pty of our own: key in, bytes of the changed screen out.
pty_lat=$(python3 - "$VMDECK" "$CONF" "$PRESSES" <<'PY'
import fcntl, os, pty, select, struct, sys, termios, time
vmdeck, conf, presses = sys.argv[1], sys.argv[2], int(sys.argv[3])
pid, fd = pty.fork()
if pid == 0:
    os.environ.update(TERM="xterm", LANG="C.UTF-8")
    os.execv(vmdeck, [vmdeck, "-c", conf])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
def chunk():
    try:
        return os.read(fd, 65536)
    except OSError:  # the console has exited
        return b""
def read_until(marker, limit):
    buf, end = b"", time.monotonic() + limit
    while marker not in buf and time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            buf += chunk()
    return marker in buf
def drain(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.02)
        if r and not chunk():
            return
read_until(b"unresponsive", 10)
drain(0.5)
out = []
for i in range(presses):
    t = time.monotonic()
    os.write(fd, b"?")
    ok = read_until(b"Help: keys", 3)
    out.append((time.monotonic() - t) * 1000 if ok else 9999)
    os.write(fd, b"\x1b")
    drain(0.2 + (i % 5) * 0.1)
os.write(fd, b"q")
drain(0.5)
out.sort()
print("%.1f %.1f" % (out[len(out) // 2], out[-1]))
PY
)
kill -CONT "$(cat "$T/state/bench01/qemu.pid")"
lat_med=$(printf '%s\n' "${lat[@]}" | median)
lat_max=$(printf '%s\n' "${lat[@]}" | sort -n | tail -1)
# The harness alone: the same send/capture loop against a plain shell prompt in tmux.
tmux_ -f /dev/null new-window -d -n echo "cat"
base=()
for r in $(seq "$PRESSES"); do
    t=$(date +%s%N)
    tmux_ send-keys -t echo "x$r" Enter
    while ! tmux_ capture-pane -p -t echo | grep -q "^x$r\$"; do sleep 0.01; done
    base+=("$(( ($(date +%s%N) - t) / 1000000 ))")
done
base_med=$(printf '%s\n' "${base[@]}" | median)
tui_stop

cat <<EOF

| console, $GUESTS paused + 1 running guests, ui.refresh = 1 | measured | target |
|---|---|---|
| CPU over ${IDLE} s idle | ${cpu_s} s = ${cpu}% of one core | < 1% |
| resident memory (VmRSS / peak VmHWM) | $((rss_kb / 1024)).$(( (rss_kb % 1024) * 10 / 1024 )) MiB / $((hwm_kb / 1024)).$(( (hwm_kb % 1024) * 10 / 1024 )) MiB | < 16 MiB |
| keypress to screen, one QEMU SIGSTOPped, own pty (median / max of $PRESSES) | ${pty_lat% *} ms / ${pty_lat#* } ms | median < 100 ms |
| the same through tmux send-keys/capture-pane (median / max) | ${lat_med} ms / ${lat_max} ms | |
| that tmux loop against \`cat\` (tmux's share, median) | ${base_med} ms | |
| paused guests on screen (table rows visible) | $paused_shown | |
EOF
cleanup
