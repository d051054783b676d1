#!/bin/bash
# tests/bench/hosts.sh: the issue-9 figures, one run, printed as markdown tables.
#  1. 3 hosts x 20 paused guests (this one and two others: real sshd on
#     127.0.0.1, each in its own mount namespace with its own configuration
#     and QEMUs), ui.refresh = 1, heartbeat = 2: total host CPU over $IDLE s
#     of the idle console following all three (console + its ssh + the ssh
#     masters + the remote sshd sessions and `vmdeck watch` + the 60 QEMUs),
#     against today's console (main's binary, $BASE_VMDECK) run once per
#     host over the same guests, as an admin does today with three sessions.
#  2. 50 local guests, paused: the console before (main) and after (this
#     branch, event-driven status), total console + QEMUs over $IDLE s.
#  3. key to screen (tmux send-keys until capture-pane shows the help) with
#     one host's link frozen (its sshd sessions SIGSTOPped): median and max
#     of $PRESSES.
# Not part of `make test`. Every process it starts is ended by pid on exit.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"
source "$(dirname "$0")/../ssh-lib.sh"
source "$(dirname "$0")/../hosts-lib.sh"

PER_HOST=${BENCH_PER_HOST:-20}
LOCAL=${BENCH_LOCAL:-50}
IDLE=${BENCH_IDLE:-60}
PRESSES=${BENCH_PRESSES:-21}
BASE_VMDECK=${BASE_VMDECK:-}
progress() { echo "# $*" >&2; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
[ -x "$BASE_VMDECK" ] || { echo "Bail out! BASE_VMDECK must name main's vmdeck binary (the baseline)"; exit 1; }
hz=$(getconf CLK_TCK)

write_conf <<'EOF2'
ui = { refresh = 1.0; };
heartbeat = 2.0;
host_name = "alpha";
EOF2
bench_guest() { # DIR NAME
    printf 'description: bench %s\nmemory: 32M\ncpus: 1\n' "$2" > "$1/$2.yaml"
    chmod 600 "$1/$2.yaml"
}
start_paused() { # VMDECK CONF NAME
    "$1" -c "$2" start "$3" > /dev/null 2>&1 && "$1" -c "$2" pause "$3" > /dev/null 2>&1
}
peer_start kvm2 <<< $'ui = { refresh = 1.0; };\nheartbeat = 2.0;'
peer_start kvm3 <<< $'ui = { refresh = 1.0; };\nheartbeat = 2.0;'
progress "starting 3 x $PER_HOST guests, paused"
for i in $(seq 1 "$PER_HOST"); do
    g=$(printf 'b%02d' "$i")
    bench_guest "$T/vms.d" "$g"; start_paused "$VMDECK" "$CONF" "$g" || { echo "start $g failed"; exit 1; }
    for h in kvm2 kvm3; do
        bench_guest "$T/peer-$h/vms.d" "$h$g"
        start_paused "$VMDECK" "$T/peer-$h/vmdeck.conf" "$h$g" || { echo "start $h$g failed"; exit 1; }
    done
done

# ticks PIDS...: utime + stime summed (a pid that is gone counts 0)
ticks() { local p t=0 v; for p in "$@"; do v=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null); t=$((t + ${v:-0})); done; echo "$t"; }
# tree ROOT: ROOT and all its descendants
tree() { local c; echo "$1"; for c in $(pgrep -P "$1"); do tree "$c"; done; }
qemus() { cat "$T"/state/*/qemu.pid "$T"/peer-*/state/*/qemu.pid 2>/dev/null; }
# share T0 T1 SECONDS: % of one core
share() { awk -v t="$(($2 - $1))" -v hz="$hz" -v s="$3" 'BEGIN { printf "%.2f", t / hz / s * 100 }'; }
console_pid() { pgrep -f -x "$1 -c $2" | head -1; }
# base_conf CONF: CONF without the keys main does not know yet (CONF.base)
base_conf() { grep -vE '^(host_name|heartbeat|hosts) ' "$1" > "$1.base"; echo "$1.base"; }

# ---- 1. three hosts in one console, against three of today's consoles ----
echo "hosts = ( $PEER_HOSTS );" >> "$CONF"
progress "figure 1: this branch's console over 3 hosts, idle $IDLE s"
tui_start
tui_wait "$((3 * PER_HOST)) guests, 0 running" 30 || { echo "the console did not show every host's guests"; tui_screen; exit 1; }
cpid=$(console_pid "$VMDECK" "$CONF")
side=$(for p in $(tree "$cpid") $(pgrep -f "^ssh: $T/state/") $(tree "$PEER_SSHD_kvm2") $(tree "$PEER_SSHD_kvm3"); do
    case " $(qemus | tr '\n' ' ') " in *" $p "*) ;; *) echo "$p" ;; esac; done | sort -u)
q=$(qemus)
t_side0=$(ticks $side); t_q0=$(ticks $q); s0=$EPOCHREALTIME
sleep "$IDLE"
t_side1=$(ticks $side); t_q1=$(ticks $q); s1=$EPOCHREALTIME
secs=$(awk -v a="$s0" -v b="$s1" 'BEGIN { print b - a }')
m_side=$(share "$t_side0" "$t_side1" "$secs"); m_q=$(share "$t_q0" "$t_q1" "$secs")
m_tot=$(awk -v a="$m_side" -v b="$m_q" 'BEGIN { printf "%.2f", a + b }')

progress "figure 3: key to screen with kvm2's link frozen ($PRESSES presses)"
sessions=$(pgrep -P "$PEER_SSHD_kvm2" | tr '\n' ' ')
kill -STOP $sessions
tui_wait '^ kvm2 UNREACHABLE' 10 || { echo "kvm2 never showed unreachable"; kill -CONT $sessions; exit 1; }
lat=()
for r in $(seq "$PRESSES"); do
    lat+=("$(tui_latency '?' 'Help: keys')")
    tui_keys Escape
    wait_until 3 eval '! tui_has "Help: keys"'
    sleep 0.$((RANDOM % 5 + 1))
done
kill -CONT $sessions
lat_med=$(printf '%s\n' "${lat[@]}" | median)
lat_max=$(printf '%s\n' "${lat[@]}" | sort -n | tail -1)
tui_stop
for p in $(pgrep -f "^ssh: $T/"); do kill "$p" 2>/dev/null; done

progress "figure 1 baseline: main's console once per host, idle $IDLE s"
for h in self kvm2 kvm3; do
    c="$CONF"; [ "$h" = self ] || c="$T/peer-$h/vmdeck.conf"
    c=$(base_conf "$c")
    tmux_ -f /dev/null new-session -d -s "$h" -x 100 -y 30 "env LANG=C.UTF-8 TERM=xterm '$BASE_VMDECK' -c '$c'; sleep 60"
done
TMUX_PID=$(tmux_ display-message -p '#{pid}')
sleep 2
base_pids=$(for h in self kvm2 kvm3; do c="$CONF"; [ "$h" = self ] || c="$T/peer-$h/vmdeck.conf"; console_pid "$BASE_VMDECK" "$c.base"; done)
[ "$(echo $base_pids | wc -w)" = 3 ] || { echo "baseline consoles not found"; exit 1; }
t_b0=$(ticks $base_pids); t_q0=$(ticks $q); s0=$EPOCHREALTIME
sleep "$IDLE"
t_b1=$(ticks $base_pids); t_q1=$(ticks $q); s1=$EPOCHREALTIME
secs=$(awk -v a="$s0" -v b="$s1" 'BEGIN { print b - a }')
b_side=$(share "$t_b0" "$t_b1" "$secs"); b_q=$(share "$t_q0" "$t_q1" "$secs")
b_tot=$(awk -v a="$b_side" -v b="$b_q" 'BEGIN { printf "%.2f", a + b }')
tui_stop

# ---- 2. 50 local guests: before and after ----
progress "figure 2: $LOCAL local guests (the other hosts' guests end)"
for h in kvm2 kvm3; do for pf in "$T/peer-$h"/state/*/qemu.pid; do kill -9 "$(cat "$pf")" 2>/dev/null; done; done
sed -i '/^hosts = /d' "$CONF"
for i in $(seq $((PER_HOST + 1)) "$LOCAL"); do
    g=$(printf 'b%02d' "$i")
    bench_guest "$T/vms.d" "$g"; start_paused "$VMDECK" "$CONF" "$g" || { echo "start $g failed"; exit 1; }
done
q=$(cat "$T"/state/*/qemu.pid)
declare -A f2
for which in before after; do
    bin="$VMDECK" c="$CONF"
    [ "$which" = before ] && bin="$BASE_VMDECK" c=$(base_conf "$CONF")
    tmux_ -f /dev/null new-session -d -x 100 -y 30 "env LANG=C.UTF-8 TERM=xterm '$bin' -c '$c'; sleep 60"
    TMUX_PID=$(tmux_ display-message -p '#{pid}')
    tui_wait "$LOCAL guests, 0 running" 20 || { echo "the $which console did not show the guests"; exit 1; }
    cpid=$(console_pid "$bin" "$c")
    sleep 3
    t_c0=$(ticks "$cpid"); t_q0=$(ticks $q); s0=$EPOCHREALTIME
    sleep "$IDLE"
    t_c1=$(ticks "$cpid"); t_q1=$(ticks $q); s1=$EPOCHREALTIME
    secs=$(awk -v a="$s0" -v b="$s1" 'BEGIN { print b - a }')
    f2[$which-c]=$(share "$t_c0" "$t_c1" "$secs"); f2[$which-q]=$(share "$t_q0" "$t_q1" "$secs")
    f2[$which-t]=$(awk -v a="${f2[$which-c]}" -v b="${f2[$which-q]}" 'BEGIN { printf "%.2f", a + b }')
    tui_stop
done

cat <<EOF2

| 3 hosts x $PER_HOST paused guests, idle $IDLE s, % of one core | console side | $((3 * PER_HOST)) QEMUs | total | target |
|---|---|---|---|---|
| this branch: one console, all three hosts ($(echo $side | wc -w) processes: console, ssh, masters, remote sshd + watch) | $m_side | $m_q | **$m_tot** | < 1 |
| main: one console per host (3 consoles, polling) | $b_side | $b_q | $b_tot | |

| $LOCAL local paused guests, ui.refresh = 1, idle $IDLE s, % of one core | console | QEMUs | total | target |
|---|---|---|---|---|
| before (main, polling) | ${f2[before-c]} | ${f2[before-q]} | ${f2[before-t]} | |
| after (events.sock watcher) | ${f2[after-c]} | ${f2[after-q]} | **${f2[after-t]}** | < 1 |

| key to screen, kvm2's link frozen, tmux ($PRESSES presses) | median | max | target |
|---|---|---|---|
| \`?\` until the help shows | ${lat_med} ms | ${lat_max} ms | median < 100 ms |
EOF2
