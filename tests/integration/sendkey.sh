#!/bin/bash
# sendkey.sh: keys reach the guest's keyboard. The Linux fixture booted with
# vmdeck.tty1sh=1 runs a shell that reads the VGA console's keyboard (tty1)
# and writes to the serial port: `vmdeck type` a command with shifted
# characters, `vmdeck sendkey ... ret`, and its output shows on the serial
# console. Unknown keys and untypable text are refused before a key is sent.
source "$(dirname "$0")/../lib.sh"
write_conf
mklinux lin
# the kernel's VGA console too (tty0 first: /dev/console stays the serial port)
sed -i 's/"console=ttyS0/"console=tty0 console=ttyS0 vmdeck.tty1sh=1/' "$T/vms.d/lin.yaml"
vd() { "$VMDECK" -c "$CONF" "$@"; }

out=$(vd sendkey lin ctrl-alt-bogus 2>&1); rc=$?
check_eq "an unknown key name: exit 2" 2 "$rc"
check_match "naming the key" "lin: unknown key 'bogus' in 'ctrl-alt-bogus'" "$out"
out=$(vd type lin "$(printf 'caf\xc3\xa9')" 2>&1); rc=$?
check_eq "text a US keyboard cannot type: exit 2" 2 "$rc"
check_match "naming the byte" "cannot type a non-ASCII character \(byte 4\)" "$out"
out=$(vd sendkey lin ret 2>&1); rc=$?
check_eq "a stopped guest: exit 1" 1 "$rc"
check_match "not running" "lin: cannot send keys: not running" "$out"

check "start the Linux guest" vd start lin
console_open lin
check "it boots to its shell" console_wait "vmdeck-guest-ready" 120
sleep 1  # the tty1 shell starts just before the ready line

check "type a command with shifted characters" vd type lin 'echo vmdeck-$((6*7))'
check "press Return" vd sendkey lin ret
check "the shell on tty1 ran it: vmdeck-42 on the serial port" console_wait "vmdeck-42" 30
out=$(vd sendkey lin shift-a Escape ctrl-u --json)  # (not alt-f4: Linux would switch to tty4)
check_eq "several combinations in one call, as JSON" '{"name":"lin","keys":3}' "$out"
check "type a newline as Return" vd type lin $'echo vmdeck-$((7*8))\n'
check "the second command ran too" console_wait "vmdeck-56" 30
# TEXT "-": from stdin, so a password never shows in ps or the shell's history
check "type - reads the text from stdin" eval "printf 'echo vmdeck-\$((9*9))\\n' | vd type lin -"
check "press Return after it" vd sendkey lin ret
check "the third command ran: vmdeck-81" console_wait "vmdeck-81" 30

console_close
vd kill lin > /dev/null
finish
