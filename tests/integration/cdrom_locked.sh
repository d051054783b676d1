#!/bin/bash
# cdrom_locked.sh: a real Linux guest opens its CD drive, which locks the tray
# (plain QMP eject is then refused); `vmdeck cdrom --eject` and a CD change
# still work because vmdeck ejects with force. Needs sr_mod in the fixture.
source "$(dirname "$0")/../lib.sh"
write_conf

for f in vmlinuz initramfs.gz; do
    [ -s "$FIXTURES/$f" ] || { fail "fixture $FIXTURES/$f missing (run tests/fixtures/build-guest.sh)"; finish; exit; }
done

vd() { "$VMDECK" -c "$CONF" "$@"; }
out_has() { grep -q -- "$1" "$T/console.out"; }
qmp() { qmp_reply "$@"; }
cd0() { qmp lin query-block | jq -r ".return[] | select(.device == \"cd0\") | $1"; }

head -c 1048576 /dev/zero > "$T/iso/one.iso"
head -c 1048576 /dev/zero > "$T/iso/two.iso"
echo "cdrom: $T/iso/one.iso" | mklinux lin

check "start the Linux guest with a CD" vd start lin
mkfifo "$T/console.in"
vd console lin < "$T/console.in" > "$T/console.out" 2>&1 &
EXTRA_PIDS="$EXTRA_PIDS $!"
exec 3> "$T/console.in"
check "the guest comes up" wait_until 60 out_has vmdeck-guest-ready

# Opening the drive makes Linux lock the tray; the fd stays open in the shell.
echo 'i=0; while [ ! -b /dev/sr0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; exec 4</dev/sr0 && echo vmdeck-cd-$((20 + 22))' >&3
check "the guest opened its CD drive" wait_until 20 out_has vmdeck-cd-42
check_eq "the guest locked the tray" true "$(cd0 .locked)"
check_match "a plain QMP eject is refused while locked" "locked" "$(qmp lin eject '{"device":"cd0"}' | jq -r '.error.desc // "no error"')"
check_eq "the CD is still in" "$T/iso/one.iso" "$(cd0 '.inserted.file // "empty"')"

out=$(vd cdrom lin --eject 2>&1); rc=$?
check_eq "vmdeck cdrom --eject on a locked tray exits 0" "0 lin: CD ejected" "$rc $out"
check_eq "the drive is empty" empty "$(cd0 '.inserted.file // "empty"')"
out=$(vd cdrom lin two.iso 2>&1); rc=$?
check_eq "vmdeck cdrom NAME ISO after that exits 0" 0 "$rc"
check_eq "the new CD is in" "$T/iso/two.iso" "$(cd0 '.inserted.file // "empty"')"

# Locked again, a straight change (no eject first) goes through too.
echo 'exec 4<&-; exec 4</dev/sr0 && echo vmdeck-cd-again-$((40 + 2))' >&3
check "the guest opened the new CD" wait_until 20 out_has vmdeck-cd-again-42
check_eq "the tray is locked again" true "$(cd0 .locked)"
out=$(vd cdrom lin one.iso 2>&1); rc=$?
check_eq "vmdeck cdrom NAME ISO on a locked tray exits 0" 0 "$rc"
check_eq "the CD was swapped" "$T/iso/one.iso" "$(cd0 '.inserted.file // "empty"')"

exec 3>&-
check "kill the guest" vd kill lin
finish
