#!/bin/bash
# delete.sh: `vmdeck delete NAME [--yes]` removes a stopped guest's
# definition and keeps its disks, naming them; a running guest is refused, an
# unknown name is a usage error, and without --yes the name must be typed on
# a terminal (no terminal: refused, asking for --yes; a wrong name: refused).
source "$(dirname "$0")/../lib.sh"

write_conf < /dev/null
V() { "$VMDECK" -c "$CONF" "$@"; }
qemu-img create -q -f raw "$T/disks/keep.raw" 1M
qemu-img create -q -f qcow2 "$T/disks/two.qcow2" 1M
mkguest gone <<EOF2
disks:
  - file: keep.raw
  - file: $T/disks/two.qcow2
EOF2
mkguest up < /dev/null

check "a guest with no disk starts (it sits in SeaBIOS)" V start up
out=$(V delete up --yes 2>&1); rc=$?
check_eq "a running guest is refused, even with --yes" "1 vmdeck: up: cannot delete: it is running; stop it first" "$rc $out"
check "... and its definition stays" test -f "$T/vms.d/up.yaml"
V kill up > /dev/null 2>&1

out=$(V delete nope --yes 2>&1); rc=$?
check_eq "an unknown name is a usage error" "2 vmdeck: nope: no such guest (no $T/vms.d/nope.yaml)" "$rc $out"
out=$(V delete 2>&1); rc=$?
check_eq "no name: the usage" "2" "$rc"

out=$(V delete gone < /dev/null 2>&1); rc=$?
check_eq "without --yes and no terminal: refused, asking for --yes" \
    "2 vmdeck: gone: cannot delete: confirm with --yes (stdin is not a terminal)" "$rc $out"
check "... the definition stays" test -f "$T/vms.d/gone.yaml"

# On a terminal (script gives it one): the question names each disk as KEPT; the name is typed.
out=$(printf 'gon\n' | script -qfec "$VMDECK -c $CONF delete gone" /dev/null 2>&1); rc=$?
out=$(printf '%s' "$out" | tr -d '\r')
check_match "on a terminal it asks, naming the definition" "Delete guest gone\? Its definition $T/vms.d/gone.yaml is removed\." "$out"
check_match "... and each disk it keeps" "Disk $T/disks/keep.raw is KEPT \(remove it with: vmdeck disk delete $T/disks/keep.raw\)" "$out"
check_match "... both" "Disk $T/disks/two.qcow2 is KEPT" "$out"
check_match "... then asks for the name" "Type the guest's name to confirm:" "$out"
check_eq "a wrong name is refused (exit 1)" 1 "$rc"
check_match "... saying so" "vmdeck: gone: not deleted: the name typed was not gone" "$out"
check "... the definition stays" test -f "$T/vms.d/gone.yaml"

out=$(printf 'gone\n' | script -qfec "$VMDECK -c $CONF delete gone" /dev/null 2>&1); rc=$?
out=$(printf '%s' "$out" | tr -d '\r')
check_eq "the name typed deletes it" 0 "$rc"
check_match "... saying which disks stay" "gone: definition deleted; disks kept: $T/disks/keep.raw, $T/disks/two.qcow2" "$out"
check "... the definition is gone" test ! -e "$T/vms.d/gone.yaml"
check "... its disks are not" test -f "$T/disks/keep.raw" -a -f "$T/disks/two.qcow2"
check_eq "... and list no longer has it" "up" "$(V list --json | jq -r '.[].name' | tr '\n' ' ' | sed 's/ $//')"
check_match "its event log, put aside for a new guest of the name, says so" "definition deleted \(disks kept\)" \
    "$(cat "$T"/state/gone/events.log.deleted-* 2>/dev/null)"

printf 'memory: [oops\n' > "$T/vms.d/broken.yaml"
out=$(V delete broken --yes 2>&1); rc=$?
check_eq "an invalid definition may be deleted, and it says no disk was touched" \
    "0 broken: definition deleted (it did not load; no disk was touched)" "$rc $out"
check "... it is gone" test ! -e "$T/vms.d/broken.yaml"

out=$(V delete up --yes --json 2>&1); rc=$?
check_eq "--yes --json: the stopped guest goes, with what it kept" '0 {"guest":"up","action":"deleted","kept":[]}' "$rc $out"
finish
