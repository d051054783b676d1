#!/bin/bash
# guest_linux.sh: a real Linux guest (the fixture kernel and busybox initramfs,
# passed through extra_args) started by vmdeck: its serial shell is reached
# through `vmdeck console` without a terminal (a fifo in, a file out) and with
# one (under script(1), where Ctrl-] detaches); it mounts a virtio disk and
# writes a file there; its guest agent freezes and thaws that disk; `vmdeck stop` powers it off through ACPI (the file is
# on the disk afterwards); a guest with no OS ignores the button and ends
# with quit.
source "$(dirname "$0")/../lib.sh"
write_conf
# Nested KVM stalls this kernel early in boot on the test machines: TCG always.
set_accel tcg
grep -q 'accel = "tcg"' "$CONF" || fail "could not set accel = tcg in $CONF"

for f in vmlinuz initramfs.gz initramfs-qga.gz kernel-version cmdline; do
    [ -s "$FIXTURES/$f" ] || { fail "fixture $FIXTURES/$f missing (run tests/fixtures/build-guest.sh)"; finish; exit; }
done

# A small ext4 disk: the guest mounts it on /mnt.
truncate -s 16M "$T/disks/data.img"
mkfs.ext4 -q -F "$T/disks/data.img"
mklinux lin agent <<EOF
disks:
  - file: $T/disks/data.img
    interface: virtio
EOF

vd() { "$VMDECK" -c "$CONF" "$@"; }

t0=$(date +%s%N)
check "start the Linux guest" vd start lin

# The console's stdin is a fifo the test holds open; its output goes to a file.
console_open lin
if console_wait vmdeck-guest-ready 60; then
    ok "the guest prints its ready marker on the serial console"
    note "fixture boot under TCG: start to ready marker $(( ($(date +%s%N) - t0) / 1000000 )) ms"
else
    fail "no ready marker within 60 s: $(head -c 400 "$T/console.lin")"
fi

# The answer, not the echo of the command: the shell must compute it.
console_send 'echo vmdeck-answer-$((6 * 7)); uname -r'
check "a command on the serial shell answers through the console" console_wait vmdeck-answer-42 15
check "the guest runs the fixture's kernel" console_wait "$(cat "$FIXTURES/kernel-version")" 5
check "the guest mounted its virtio disk" console_wait "vmdeck-disk-mounted /dev/vda" 1
console_send 'echo written-by-guest > /mnt/hello; echo vmdeck-wrote-$((1 + 1))'
check "the guest wrote a file on its disk" console_wait vmdeck-wrote-2 10

# The guest agent answers on qga.sock and freezes the mounted disk (what a live backup asks).
check "the guest agent started in the guest" console_wait vmdeck-guest-agent-started 1
# qga_ask JSON: sends one command to the agent and prints its reply (20 s at most).
coproc QGA { socat - "UNIX-CONNECT:$T/state/lin/qga.sock"; }
EXTRA_PIDS="$EXTRA_PIDS $QGA_PID"
qga_ask() {
    local reply=""
    printf '%s\n' "$1" >&"${QGA[1]}"
    read -r -t 20 reply <&"${QGA[0]}"
    printf '%s' "$reply" | jq -c .return
}
replies="$(qga_ask '{"execute":"guest-sync","arguments":{"id":4242}}')"
replies="$replies $(qga_ask '{"execute":"guest-fsfreeze-freeze"}')"
replies="$replies $(qga_ask '{"execute":"guest-fsfreeze-status"}')"
replies="$replies $(qga_ask '{"execute":"guest-fsfreeze-thaw"}')"
kill "$QGA_PID" 2>/dev/null
check_eq "the agent syncs, freezes the one disk filesystem, reports frozen, thaws it" '4242 1 "frozen" 1' "$replies"

out=$(vd console lin < /dev/null 2>&1)
check_eq "a second console while one is attached fails with exit 1" 1 $?
check_match "and says another console is attached" "vmdeck: lin: another serial console is attached" "$out"

# Without a terminal, the end of stdin ends the console (after a short linger), leaving the guest up.
if console_close; then
    ok "the console ends on its own at the end of its input, exit 0"
else
    fail "the console did not end (or failed) after its input closed"
fi
check_eq "the guest still runs after the console left" running "$(vm_state lin)"

# On a terminal (script gives it a pty), Ctrl-] detaches and says so.
# Keys wait for the banner (raw mode flushes what was typed before it) and for the answer.
: > "$T/tty.out"
(wait_until 10 grep -q 'Ctrl-] detaches' "$T/tty.out"; printf 'echo vmdeck-tty-$((5 + 5))\r'
 wait_until 10 grep -q 'vmdeck-tty-10' "$T/tty.out"; printf '\035'; sleep 1) |
    timeout 30 script -qfec "exec $VMDECK -c $CONF console lin" /dev/null > "$T/tty.out" 2>&1
check_eq "on a terminal, Ctrl-] detaches (exit 0)" 0 "${PIPESTATUS[1]}"
tty_out=$(cat "$T/tty.out")
check_match "on a terminal, the shell answers and the detach is reported" "vmdeck-tty-10.*Detached" \
    "$(printf '%s' "$tty_out" | tr -d '\r' | tr '\n' ' ')"

t1=$(date +%s%N)
out=$(vd stop lin --timeout 20 2>&1)
check_eq "stop exits 0" 0 $?
check_match "stop says the guest powered off through ACPI" "lin: powered off by ACPI" "$out"
note "ACPI power-off took $(( ($(date +%s%N) - t1) / 1000000 )) ms"
check_eq "the Linux guest is stopped" stopped "$(vm_state lin)"
check_eq "the file the guest wrote is on the disk after the ACPI power-off" "written-by-guest" \
    "$(debugfs -R 'cat /hello' "$T/disks/data.img" 2>/dev/null)"

# A guest with no OS sits in the BIOS: the button does nothing, so stop goes on to quit.
mkguest bare < /dev/null
check "start a guest with no OS" vd start bare
# A console attached while the guest goes away ends by itself.
mkfifo "$T/bare.in"
vd console bare < "$T/bare.in" > /dev/null 2>&1 &
BARECON=$!
EXTRA_PIDS="$EXTRA_PIDS $BARECON"
exec 4> "$T/bare.in"
out=$(vd stop bare --timeout 2 2>&1)
check_eq "stop of a guest with no OS exits 0" 0 $?
check_match "stop of a guest with no OS ends with quit" "bare: did not power off.*quit" "$out"
check_eq "the guest with no OS is stopped" stopped "$(vm_state bare)"
if wait_until 5 sh -c "! kill -0 $BARECON 2>/dev/null"; then
    wait "$BARECON"
    check_eq "a console whose guest ended leaves by itself, exit 0" 0 $?
else
    fail "the console stayed after its guest ended"
fi
exec 4>&-

out=$(vd console bare 2>&1)
check_eq "console of a stopped guest fails with exit 1" 1 $?
check_match "and says it is not running" "vmdeck: bare: not running" "$out"
finish
