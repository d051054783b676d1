#!/bin/bash
# guest_ip.sh: `show` and `list --json` give a running guest's addresses.
#  - user networking: the first lease of QEMU's DHCP server, 10.0.2.15;
#  - the guest agent (the agent fixture, udhcpc on user networking): what
#    the guest says, cached in the guest's folder;
#  - a bridged NIC: the host's neighbour table, in a network namespace with a
#    bridge that this test makes (vmdeck run inside it); the guest is given
#    an address and pings the bridge through its serial console.
# A stopped guest's ip is null.
source "$(dirname "$0")/../lib.sh"
write_conf
vd() { "$VMDECK" -c "$CONF" "$@"; }
ip_of() { vd show "$1" --json | jq -c .ip; }

mkguest bios
check_eq "a stopped guest: ip null" "null" "$(ip_of bios)"

# the agent guest: virtio NIC (the cloud kernel has no e1000), udhcpc at boot
mklinux qa agent
sed -i -e 's/model: e1000/model: virtio/' -e 's/"console=ttyS0/"vmdeck.dhcp=1 console=ttyS0/' "$T/vms.d/qa.yaml"
check "start the agent guest" vd start qa
qa_mac=$(awk '/mac:/ { print $2 }' "$T/vms.d/qa.yaml")

check "start a SeaBIOS guest on user networking" vd start bios
check_eq "user networking: the DHCP server's first lease" '["10.0.2.15"]' "$(ip_of bios)"
check_match "show prints it" "ip: +10\.0\.2\.15" "$(vd show bios)"
check_eq "list --json has it too" '["10.0.2.15"]' "$(vd list --json | jq -c '.[] | select(.name == "bios") | .ip')"
vd kill bios > /dev/null

# the bridged guest: started inside a private network namespace (bridge
# allowed by a bridge.conf in an overlay on /etc, as in argv.sh)
BR=vmdeckipbr0
mklinux br
sed -i -e "s/  - user: {}/  - bridge: $BR/" -e 's/model: e1000/model: virtio/' "$T/vms.d/br.yaml"
br_mac=$(awk '/mac:/ { print $2 }' "$T/vms.d/br.yaml")
mkdir -p "$T/ovl/up/qemu" "$T/ovl/work"
echo "allow $BR" > "$T/ovl/up/qemu/bridge.conf"
unshare -m -n sh -c 'mount --make-rprivate / &&
    mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1,workdir=$2" /etc &&
    mount -t sysfs sysfs /sys && ip link set lo up && ip link add "$3" type bridge && ip addr add 192.168.77.1/24 dev "$3" &&
    ip link set "$3" up && shift 3 && exec "$@"' _ "$T/ovl/up" "$T/ovl/work" "$BR" \
    "$VMDECK" -c "$CONF" start br > "$T/br.out" 2>&1
br_started=$?

# the agent's answer
console_open qa
check "the agent guest takes its address by DHCP" console_wait "vmdeck-dhcp-bound 10.0.2.15" 240
qa_ip() { [ "$(ip_of qa)" = '["10.0.2.15"]' ]; }
check "agent: show --json says 10.0.2.15" wait_until 60 qa_ip
check_match "agent: the answer is cached in the guest's folder, tied to the QEMU pid" \
    "^$(cat "$T/state/qa/qemu.pid") [0-9]+ 10\.0\.2\.15 $" "$(tr '\n' ' ' < "$T/state/qa/ip.cache")"
check_eq "agent: the cache is 0600" 600 "$(stat -c %a "$T/state/qa/ip.cache")"
t0=$(date +%s%N); vd list --json > "$T/list.json"; t1=$(date +%s%N)
check_eq "list --json gives the agent guest's address" '["10.0.2.15"]' "$(jq -c '.[] | select(.name == "qa") | .ip' "$T/list.json")"
ms=$(( (t1 - t0) / 1000000 ))
check "list with a cached agent answer stays fast (${ms} ms < 1500)" test "$ms" -lt 1500
note "guest MAC $qa_mac"
console_close
vd kill qa > /dev/null

if [ "$br_started" = 0 ]; then
    brpid=$(cat "$T/state/br/qemu.pid")
    in_ns() { nsenter -t "$brpid" -n "$@"; }
    console_open br
    check "the bridged guest boots" console_wait "vmdeck-guest-ready" 150
    check_eq "bridged, before the guest has spoken: no address known" "null" "$(in_ns "$VMDECK" -c "$CONF" show br --json | jq -c .ip)"
    console_send "ip link set eth0 up; ip addr add 192.168.77.15/24 dev eth0; ping -c 2 192.168.77.1"
    br_ip() { [ "$(in_ns "$VMDECK" -c "$CONF" show br --json | jq -c .ip)" = '["192.168.77.15"]' ]; }
    check "bridged: the neighbour table's entry for the NIC's MAC gives 192.168.77.15" wait_until 60 br_ip
    check_match "the host's neighbour table has it under that MAC" "192\.168\.77\.15 .*$br_mac" \
        "$(in_ns ip neigh show dev "$BR")"
    console_close
    vd kill br > /dev/null
else
    note "no private namespaces here ($(head -c 200 "$T/br.out")): bridged case not run"
    fail "bridged guest could not start in a namespace"
fi
finish
