#!/bin/bash
# password_tty.sh: `--vnc-password-file -` typed at a terminal (`set`, `new`)
# asks for the password without echoing it (a screen seen over a shoulder,
# a terminal's scrollback or a tmux log keep what is echoed) and takes the
# line Enter ends, as passwd does; on a pipe it reads stdin as before.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"
write_conf < /dev/null
mkguest g < /dev/null
VNC_D=$(free_vnc_display)

# the CLI verb in the tmux terminal, then a shell line that says it ended
tmux_ -f /dev/null new-session -d -x 100 -y 30 \
    "env LANG=C.UTF-8 TERM=xterm '$VMDECK' -c '$CONF' set g vnc.display=$VNC_D vnc.listen=127.0.0.1 --vnc-password-file -; echo set-exited-\$?; sleep 60"
TMUX_PID=$(tmux_ display-message -p '#{pid}')
check_screen "set asks for the password on the terminal" 'VNC password:' 5
tui_keys 'Tty7pw9x' Enter
check_screen "Enter ends it" 'set-exited-0' 5
check_nomatch "the password typed is not on the screen" 'Tty7pw9x' "$(tui_screen)"
check "it is in the file" grep -qE '^  password: Tty7pw9x( |$)' "$T/vms.d/g.yaml"
tui_stop

out=$(printf 'Pipe3pw\n' | "$VMDECK" -c "$CONF" set g vnc.display="$VNC_D" vnc.listen=127.0.0.1 --vnc-password-file - 2>&1); rc=$?
check_eq "from a pipe: no question, as before" 0 "$rc"
check "... the password from the pipe" grep -qE '^  password: Pipe3pw( |$)' "$T/vms.d/g.yaml"
finish
