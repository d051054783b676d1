#!/bin/bash
# monitor.sh: `vmdeck monitor` speaks QEMU's human monitor. From a pipe it
# prints just the answers; `quit` is refused and the guest lives on; on a
# terminal it edits with readline and keeps the history in ~/.vmdeck_history.
source "$(dirname "$0")/../lib.sh"
write_conf
mkguest m1 < /dev/null
vd() { "$VMDECK" -c "$CONF" "$@"; }
check "start a guest" vd start m1

out=$(printf 'info status\ninfo name\n' | vd monitor m1 2>&1)
check_eq "from a pipe: info status and info name, answers only" "VM status: running
m1" "$out"

out=$(printf 'quit\n  q  \ninfo status\n' | vd monitor m1 2>"$T/err")
check_eq "quit is not sent to QEMU" "VM status: running" "$out"
check_match "quit is refused with a pointer to stop and kill" \
    "vmdeck: m1: quit in the monitor would end the guest; use .vmdeck stop m1. \(ACPI\) or .vmdeck kill m1." "$(head -1 "$T/err")"
check_eq "both spellings of quit are refused" 2 "$(grep -c 'would end the guest' "$T/err")"
check_eq "the guest still runs" running "$(vm_state m1)"

out=$(printf 'stop\ninfo status\n' | vd monitor m1 2>&1)
check_eq "a monitor command acts on the guest" "VM status: paused" "$out"
check_eq "vmdeck sees it paused" paused "$(vm_state m1)"
printf 'cont\n' | vd monitor m1 > /dev/null

out=$(printf 'no_such_command\n' | vd monitor m1 2>&1)
check_eq "QEMU's own error comes through" "unknown command: 'no_such_command'" "$out"

# QEMU serves one monitor client at a time: a second session is refused, not left hanging.
mkfifo "$T/mon.in"
vd monitor m1 < "$T/mon.in" > /dev/null 2>&1 &
EXTRA_PIDS="$EXTRA_PIDS $!"
exec 3> "$T/mon.in"
wait_until 10 chardev_attached m1 hmp.sock
out=$(printf 'info status\n' | timeout 10 "$VMDECK" -c "$CONF" monitor m1 2>&1)
check_eq "a second monitor session fails with exit 1" 1 $?
check_match "and says another session is attached" "vmdeck: m1: another monitor session is attached" "$out"
exec 3>&-
wait_until 5 sh -c "printf 'info status\n' | '$VMDECK' -c '$CONF' monitor m1 2>/dev/null | grep -q running"

# On a terminal: readline, Ctrl-C drops the line, history in $HOME, Ctrl-D leaves.
export HOME="$T/home"
mkdir -p "$HOME"
# Each key waits for what the screen should show first (a slow machine is
# not a failure); prompts N: at least N "(qemu) " prompts on the terminal.
# script runs its command through $SHELL -c; "exec" makes vmdeck the pty's
# only process, so the Ctrl-C reaches vmdeck alone (a dash in between, where
# SHELL is /bin/sh or unset, would die of it and script would report 130).
: > "$T/tty.out"
prompts() { [ "$(grep -o '(qemu) ' "$T/tty.out" | wc -l)" -ge "$1" ]; }
(wait_until 10 prompts 1; printf 'system_res'; wait_until 5 grep -q system_res "$T/tty.out"; printf '\003'
 wait_until 5 prompts 2; printf 'info status\r'; wait_until 5 grep -q 'VM status' "$T/tty.out"; printf '\004'
 sleep 0.5) |
    timeout 30 script -qfec "exec $VMDECK -c $CONF monitor m1" /dev/null > "$T/tty.out" 2>&1
check_eq "on a terminal, Ctrl-D leaves the monitor (exit 0)" 0 "${PIPESTATUS[1]}"
tty_out=$(tr -d '\r' < "$T/tty.out")
check_nomatch "on a terminal, Ctrl-C drops the line typed so far (nothing sent)" "system_resinfo|unknown command" "$tty_out"
check_match "on a terminal, the banner, the prompt and the answer" "QEMU .* monitor.*\(qemu\) info status.*VM status: running" \
    "$(printf '%s' "$tty_out" | tr '\n' ' ')"
check_eq "the command is in ~/.vmdeck_history" "info status" "$(tail -1 "$HOME/.vmdeck_history" 2>/dev/null)"

vd kill m1 > /dev/null
out=$(printf 'info status\n' | vd monitor m1 2>&1)
check_eq "monitor of a stopped guest exits 1" 1 $?
check_match "and says it is not running" "vmdeck: m1: not running" "$out"
finish
