# tests/tui-lib.sh: drives the real console in a detached tmux of fixed
# size on a private socket. Source after lib.sh. The tmux server is killed by
# its pid on exit, with everything lib.sh cleans up.
TMUX_SOCK="vmdeck-test-$$"
TMUX_PID=""

# Gone, or a zombie that init has not reaped yet.
pid_gone() { [ ! -e "/proc/$1" ] || grep -q ') Z ' "/proc/$1/stat" 2>/dev/null; }

tmux_() { tmux -L "$TMUX_SOCK" "$@"; }

tui_cleanup() {
    [ -n "$TMUX_PID" ] && kill "$TMUX_PID" 2>/dev/null
    TMUX_PID=""
    rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$TMUX_SOCK" # a killed server leaves its socket
    cleanup
}
trap 'tui_cleanup' EXIT INT TERM

# tui_start [VAR=VALUE...]: the console in a 100x30 window, with that environment.
tui_start() {
    tmux_ -f /dev/null new-session -d -x 100 -y 30 \
        "env LANG=C.UTF-8 TERM=xterm $* '$VMDECK' -c '$CONF'; echo vmdeck-exited-\$?; sleep 60"
    TMUX_PID=$(tmux_ display-message -p '#{pid}')
    tmux_ set-option -g status off > /dev/null
    tui_wait 'NAME +STATE' 10
}

# tui_stop: quits the console and ends the tmux server.
tui_stop() {
    tmux_ send-keys q 2>/dev/null
    wait_until 2 tui_has 'vmdeck-exited-'
    if [ -n "$TMUX_PID" ]; then
        kill "$TMUX_PID" 2>/dev/null
        wait_until 3 pid_gone "$TMUX_PID"
    fi
    TMUX_PID=""
}

tui_screen() { tmux_ capture-pane -p "$@"; }
tui_keys() { tmux_ send-keys "$@"; }
# tui_has REGEX: the screen shows REGEX now.
tui_has() { tui_screen | grep -qE -- "$1"; }
# tui_wait REGEX [SECONDS]: waits until the screen shows REGEX.
tui_wait() { wait_until "${2:-5}" tui_has "$1"; }
# tui_latency KEY REGEX: milliseconds from sending KEY until the screen shows REGEX
# (checked every 10 ms; 9999 if it never does within 3 s).
tui_latency() {
    local t0 t1
    t0=$(date +%s%N)
    tui_keys "$1"
    while ! tui_has "$2"; do
        t1=$(date +%s%N)
        [ $(( (t1 - t0) / 1000000 )) -gt 3000 ] && { echo 9999; return; }
        sleep 0.01
    done
    t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000000 ))
}
# tui_row NAME: the table row of guest NAME.
tui_row() { tui_screen | grep -E "^ $1 " | head -1; }
# tui_select NAME: moves the selection to guest NAME (to the top, then down).
tui_select() {
    local i keys=()
    # the row must be on screen first: a dialog just closed may not be redrawn yet
    tui_wait "^ $1 " 3 || echo "# tui_select: no row for $1 on screen"
    # rows start under the column heads (other hosts' lines may come first)
    i=$(tui_screen | sed -n '/^ NAME  /,$p' | tail -n +2 | grep -nE "^ [^ ]" | grep -E "^[0-9]+: $1 " | cut -d: -f1)
    for _ in $(seq 1 20); do keys+=(Up); done
    for _ in $(seq 2 "${i:-1}"); do keys+=(Down); done
    tui_keys "${keys[@]}"
    sleep 0.2
}
# check_screen DESC REGEX [SECONDS]
check_screen() {
    if tui_wait "$2" "${3:-5}"; then ok "$1"; else fail "$1: '$2' not on screen:"; tui_screen | sed 's/^/#   /'; fi
}
