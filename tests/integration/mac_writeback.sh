#!/bin/bash
# mac_writeback.sh: a card without a MAC gets one at `vmdeck start`, written into
# the definition with its comments and order intact, and QEMU really uses it.
source "$(dirname "$0")/../lib.sh"

write_conf
V() { "$VMDECK" -c "$CONF" "$@"; }
cat > "$T/vms.d/nomac.yaml" <<'YAML'
# a guest whose card has no MAC yet
memory: 32M        # small: it only sits in the BIOS
nics:
  - user: {}       # NAT
    model: e1000
  # a comment between the cards
  - {user: {}, model: rtl8139}
cpus: 1
YAML
chmod 640 "$T/vms.d/nomac.yaml"
before=$(cat "$T/vms.d/nomac.yaml")

check "start: exit 0" V start nomac
pid=$(cat "$T/state/nomac/qemu.pid" 2>/dev/null)
after=$(cat "$T/vms.d/nomac.yaml")
mac1=$(sed -n 's/^    mac: \(.*\)$/\1/p' "$T/vms.d/nomac.yaml")
mac2=$(sed -n 's/.*model: rtl8139, mac: \([0-9a-f:]*\)}$/\1/p' "$T/vms.d/nomac.yaml")
check_match "start: a MAC was written for the block-style card" "^52:54:00:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$" "$mac1"
check_match "start: a MAC was written for the flow-style card" "^52:54:00:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$" "$mac2"
check_eq "start: only the MAC lines changed" \
    "$(printf '%s\n' "$before" | sed "s/^    model: e1000$/    model: e1000\n    mac: $mac1/; s/model: rtl8139}/model: rtl8139, mac: $mac2}/")" "$after"
check_eq "start: the file keeps its mode" 640 "$(stat -c %a "$T/vms.d/nomac.yaml")"
cmdline=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)
check_match "start: QEMU got the first MAC" "mac=$mac1" "$cmdline"
check_match "start: QEMU got the second MAC" "mac=$mac2" "$cmdline"
V kill nomac >/dev/null 2>&1
check "start again: exit 0" V start nomac
check_eq "start again: the file is not touched" "$after" "$(cat "$T/vms.d/nomac.yaml")"
V kill nomac >/dev/null 2>&1

finish
