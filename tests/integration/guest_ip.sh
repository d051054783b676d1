#!/bin/bash
# run: alone (it measures time against a bound: tests/run.sh)
# guest_ip.sh: `show` and `list --json` give a running guest's addresses.
#  - user networking: the first lease of QEMU's DHCP server, 10.0.2.15;
#  - the guest agent (the agent fixture): what the guest says, cached in
#    the guest's folder, believed over the user-net guess: [] before the
#    guest has an address, then the ones given to it through its serial
#    console. (Not by udhcpc: bringing the virtio link up on user
#    networking slowed this TCG guest to a crawl on a loaded host, its
#    IPv6 autoconfiguration suspected; the addresses go on a link left down.)
#  - a bridged NIC: the host's neighbour table, in a network namespace with a
#    bridge that this test makes (vmdeck run inside it).
# A stopped guest's ip is null.
source "$(dirname "$0")/../lib.sh"
write_conf
vd() { "$VMDECK" -c "$CONF" "$@"; }
ip_of() { vd show "$1" --json | jq -c .ip; }

mkguest bios
check_eq "a stopped guest: ip null" "null" "$(ip_of bios)"

# the agent guest (its NIC virtio: the cloud kernel has no e1000)
mklinux qa agent
sed -i -e 's/model: e1000/model: virtio/' "$T/vms.d/qa.yaml"
check "start the agent guest" vd start qa

check "start a SeaBIOS guest on user networking" vd start bios
check_eq "user networking: the DHCP server's first lease" '["10.0.2.15"]' "$(ip_of bios)"
check_match "show prints it" "ip: +10\.0\.2\.15" "$(vd show bios)"
check_eq "list --json has it too" '["10.0.2.15"]' "$(vd list --json | jq -c '.[] | select(.name == "bios") | .ip')"
vd kill bios > /dev/null

# the agent's answer: none yet, then the addresses the guest is given
# through its serial console (no guess could know 10.0.2.99)
console_open qa
check "the agent guest boots and runs its agent" console_wait "vmdeck-guest-agent-started" 120
qa_none() { [ "$(ip_of qa)" = '[]' ]; }
check "agent: no address yet gives [] (the agent is believed over the user-net guess)" wait_until 60 qa_none
console_send "ip addr add 10.0.2.15/24 dev eth0"
rm -f "$T/state/qa/ip.cache"  # not to wait out the cached "none yet"
qa_one() { [ "$(ip_of qa)" = '["10.0.2.15"]' ]; }
check "agent: show --json gives 10.0.2.15" wait_until 30 qa_one
check_match "agent: its answer is cached in the guest's folder, tied to the QEMU pid" \
    "^$(cat "$T/state/qa/qemu.pid") [0-9]+ 10\.0\.2\.15 $" "$(tr '\n' ' ' < "$T/state/qa/ip.cache")"
check_eq "agent: the cache is 0600" 600 "$(stat -c %a "$T/state/qa/ip.cache")"
console_send "ip addr add 10.0.2.99/24 dev eth0"
rm -f "$T/state/qa/ip.cache"  # not to wait out the cache's 30 s
qa_two() { [ "$(ip_of qa)" = '["10.0.2.15","10.0.2.99"]' ]; }
check "agent: the guest's own addresses, not a guess" wait_until 30 qa_two
t0=$(date +%s%N); vd list --json > "$T/list.json"; t1=$(date +%s%N)
check_eq "list --json gives them too" '["10.0.2.15","10.0.2.99"]' "$(jq -c '.[] | select(.name == "qa") | .ip' "$T/list.json")"
ms=$(( (t1 - t0) / 1000000 ))
check "list with a cached agent answer stays fast (${ms} ms < 1500)" test "$ms" -lt 1500
console_close
vd kill qa > /dev/null

# a bridged NIC: the guest started inside a private network namespace
# (bridge allowed by a bridge.conf in an overlay on /etc, as in argv.sh; its
# own /sys, where vmdeck looks for the bridge). The neighbour entry a guest's
# traffic would make is made by the test (the guest, SeaBIOS, sends none):
# what is checked is vmdeck finding it by the NIC's MAC in that namespace.
BR=vmdeckipbr0
mkguest br
sed -i -e "s/  - user: {}/  - bridge: $BR/" "$T/vms.d/br.yaml"
br_mac=$(awk '/mac:/ { print $2 }' "$T/vms.d/br.yaml")
mkdir -p "$T/ovl/up/qemu" "$T/ovl/work"
echo "allow $BR" > "$T/ovl/up/qemu/bridge.conf"
unshare -m -n sh -c 'mount --make-rprivate / &&
    mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1,workdir=$2" /etc &&
    mount -t sysfs sysfs /sys && ip link set lo up && ip link add "$3" type bridge &&
    ip addr add 192.168.77.1/24 dev "$3" && ip link set "$3" up && shift 3 && exec "$@"' \
    _ "$T/ovl/up" "$T/ovl/work" "$BR" "$VMDECK" -c "$CONF" start br > "$T/br.out" 2>&1
if [ $? = 0 ]; then
    brpid=$(cat "$T/state/br/qemu.pid")
    in_ns() { nsenter -t "$brpid" -n "$@"; }
    br_ip() { in_ns "$VMDECK" -c "$CONF" show br --json | jq -c .ip; }
    check_eq "bridged, no neighbour entry: no address known" "null" "$(br_ip)"
    in_ns ip neigh add 192.168.77.20 lladdr 52:54:00:99:99:99 dev "$BR" nud reachable
    in_ns ip neigh add 192.168.77.15 lladdr "$br_mac" dev "$BR" nud reachable
    check_eq "bridged: the neighbour table's entry with the NIC's MAC" '["192.168.77.15"]' "$(br_ip)"
    check_eq "outside that namespace the host's table has no such entry" "null" "$(vd show br --json | jq -c .ip)"
    vd kill br > /dev/null
else
    note "no private namespaces here ($(head -c 200 "$T/br.out")): bridged case not run"
    fail "bridged guest could not start in a namespace"
fi
finish
