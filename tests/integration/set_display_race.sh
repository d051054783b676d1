#!/bin/bash
# set_display_race.sh: a VNC display set by `vmdeck set` is checked again
# under the lock creations take at their last step (an flock on vms_dir), so
# a guest being created meanwhile with that display (its disks made while
# the edit checked) cannot end up sharing it: the edit waits its turn and is
# refused. flock(1) stands in for the creation: it holds the lock, then
# writes a definition with the display, as guest_create's last step does.
source "$(dirname "$0")/../lib.sh"
write_conf
vd() { "$VMDECK" -c "$CONF" "$@"; }
mkguest g < /dev/null
D=$(free_vnc_display)

flock "$T/vms.d" sh -c "sleep 2; printf 'memory: 32M\nvnc:\n  display: $D\n' > '$T/vms.d/h.new'; \
    chmod 600 '$T/vms.d/h.new'; mv '$T/vms.d/h.new' '$T/vms.d/h.yaml'" & holder=$!
EXTRA_PIDS="$EXTRA_PIDS $holder"
sleep 0.5
out=$(vd set g vnc.display="$D" vnc.listen=127.0.0.1 2>&1); rc=$?
wait "$holder"
check_eq "the edit waits for the creation and is refused (exit 2)" 2 "$rc"
check_match "... display taken by h" "display $D is used by h" "$out"
check_eq "vmdeck check finds no shared display" 0 "$(vd check 2>&1 | grep -c 'vnc.display')"
out=$(vd set g vnc.display=$((D - 1)) vnc.listen=127.0.0.1 2>&1); rc=$?
check_eq "a free display: the edit is written" 0 "$rc"
finish
