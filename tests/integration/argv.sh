#!/bin/bash
# argv.sh: real QEMU accepts every command line `vmdeck argv` generates. For
# a few definitions that together use every key, QEMU is started with exactly
# the printed argv (daemonized and paused, as `start` does), must come up, and
# must show the disks, CD and NICs it was given; then it is told to quit.
# An LV disk is /dev/VG/LV: the test makes that path a symlink to a loop
# device and removes it afterwards. A bridge NIC needs a bridge allowed in
# /etc/qemu/bridge.conf: the test makes both inside private network and mount
# namespaces, so the host is not touched.
source "$(dirname "$0")/../lib.sh"
write_conf

VG="vmdeck-argv-$$"
LOOP=""
argv_cleanup() {
    rm -rf "/dev/$VG"
    [ -n "$LOOP" ] && losetup -d "$LOOP" 2>/dev/null
    cleanup
}
trap argv_cleanup EXIT INT TERM

truncate -s 8M "$T/lv.img"
LOOP=$(losetup -f --show "$T/lv.img")
mkdir -p "/dev/$VG"
ln -s "$LOOP" "/dev/$VG/data"
truncate -s 8M "$T/disks/raw.img"
qemu-img create -q -f qcow2 "$T/disks/q.qcow2" 16M
truncate -s 1M "$T/iso/cd.iso"

qmp() { qmp_reply "$@"; }
# hmp NAME COMMAND: the human monitor's whole answer (vmdeck monitor waits for QEMU's prompt).
hmp() { printf '%s\n' "$2" | "$VMDECK" -c "$CONF" monitor "$1"; }

# boot NAME: runs QEMU with the argv `vmdeck argv NAME --json` prints.
boot() {
    local args rc
    mkdir -p -m 700 "$T/state/$1"
    mapfile -t args < <("$VMDECK" -c "$CONF" argv "$1" --json | jq -r '.[]')
    [ "${args[0]:-}" = qemu-system-x86_64 ] || { fail "$1: vmdeck argv printed no command line"; return; }
    "${args[@]}" > "$T/$1.out" 2>&1
    rc=$?
    check_eq "$1: QEMU accepts the generated argv" "0 " "$rc $(head -c 400 "$T/$1.out")"
    wait_until 5 test -S "$T/state/$1/qmp.sock"
}

quit() {
    local pid
    pid=$(cat "$T/state/$1/qemu.pid" 2>/dev/null)
    qmp "$1" quit > /dev/null
    wait_until 5 sh -c "! test -d /proc/$pid || grep -q ') Z' /proc/$pid/stat"
}

vnc=$(free_vnc_display)

truncate -s 4M "$T/disks/raw2.img"
cat > "$T/vms.d/pcall.yaml" <<EOF
description: every key on pc
memory: 64M
cpus: 2
cpu: qemu64
machine: pc
rtc: localtime
disks:
  - file: $T/disks/raw.img
    interface: ide
  - file: $T/disks/q.qcow2
    interface: virtio
  - lv: $VG/data
    interface: scsi
  - file: $T/disks/raw2.img
    interface: sata
cdrom: $T/iso/cd.iso
boot: cdrom
nics:
  - user: {}
    model: e1000
    mac: 52:54:00:00:aa:01
  - user: {}
    model: rtl8139
    mac: 52:54:00:00:aa:02
  - user: {}
    model: virtio
    mac: 52:54:00:00:aa:03
vnc:
  display: $vnc
  listen: 127.0.0.1
  password: s3cret
usb_tablet: true
guest_agent: true
extra_args: ["-device", "virtio-rng-pci,id=rng0"]
EOF
chmod 600 "$T/vms.d/pcall.yaml"

line=$("$VMDECK" -c "$CONF" argv pcall)
check_eq "argv prints a line and exits 0" 0 $?
eval "words=($line)"
check_eq "the printed line splits into the same words as --json" \
    "$("$VMDECK" -c "$CONF" argv pcall --json | jq -c .)" "$(printf '%s\n' "${words[@]}" | jq -R . | jq -sc .)"
check_nomatch "the VNC password is not on the command line" "s3cret" "$line"

boot pcall
blocks=$(qmp pcall query-block)
check_eq "pc: disks and CD as defined" "cd0 disk0 disk1 disk2 disk3" \
    "$(printf '%s' "$blocks" | jq -r '[.return[].device] | sort | join(" ")')"
check_eq "pc: the CD holds the ISO" "$T/iso/cd.iso" \
    "$(printf '%s' "$blocks" | jq -r '.return[] | select(.device == "cd0") | .inserted.file')"
check_eq "pc: disk1 is qcow2, the LV is raw" "qcow2 raw" \
    "$(printf '%s' "$blocks" | jq -r '[(.return[] | select(.device == "disk1") | .inserted.drv), (.return[] | select(.device == "disk2") | .inserted.drv)] | join(" ")')"
net=$(hmp pcall "info network")
check_match "pc: e1000, rtl8139 and virtio NICs with their MACs" \
    "nic0:.*model=e1000.*macaddr=52:54:00:00:aa:01.*nic1:.*model=rtl8139.*macaddr=52:54:00:00:aa:02.*nic2:.*model=virtio-net-pci.*macaddr=52:54:00:00:aa:03" \
    "$(printf '%s' "$net" | tr '\n' ' ')"
check_match "pc: the guest agent socket is there" "qga.sock" "$(ls "$T/state/pcall")"
vncinfo=$(qmp pcall query-vnc)
check_eq "pc: VNC listens on the display, password required" "$((5900 + vnc)) vnc" \
    "$(printf '%s' "$vncinfo" | jq -r '"\(.return.service) \(.return.auth)"')"
check_eq "pc: the usb tablet and the extra_args device exist" "usb-tablet virtio-rng-pci" \
    "$(hmp pcall 'info qtree' | grep -oE 'dev: (usb-tablet|virtio-rng-pci),' | cut -d' ' -f2 | tr -d , | sort -u | xargs)"
quit pcall

mkguest q35 <<EOF
machine: q35
disks:
  - file: $T/disks/raw.img
    interface: sata
  - file: $T/disks/q.qcow2
    interface: ide
  - lv: $VG/data
    interface: virtio
vnc:
  display: $vnc
  listen: 127.0.0.1
extra_args: ["-vga", "cirrus"]
EOF
boot q35
check_eq "q35: disks and an empty CD on the built-in AHCI" "cd0: cd0 disk0 disk1 disk2" \
    "$(qmp q35 query-block | jq -r '"cd0: " + ([.return[].device] | sort | join(" "))')"
check_eq "q35: the CD is empty" "null" "$(qmp q35 query-block | jq -r '.return[] | select(.device == "cd0") | .inserted')"
check_eq "q35: VNC without a password" "none" "$(qmp q35 query-vnc | jq -r .return.auth)"
check_eq "q35: extra_args -vga cirrus replaces the standard VGA" "cirrus-vga" \
    "$(hmp q35 'info qtree' | grep -oE 'dev: (VGA|cirrus-vga),' | cut -d' ' -f2 | tr -d , | xargs)"
quit q35

mkguest bare < /dev/null
boot bare
check_eq "a guest with no disk starts and waits (-S)" "prelaunch" "$(qmp bare query-status | jq -r .return.status)"
quit bare

# Bridge NICs: a bridge in a private network namespace, allowed by a
# bridge.conf in an overlay on /etc in a private mount namespace (the host's
# /etc and network are untouched). QEMU runs the generated argv in there.
BR=vmdeckbr0
mkguest br <<EOF
EOF
sed -i "s/  - user: {}/  - bridge: $BR/" "$T/vms.d/br.yaml"
mkdir -p -m 700 "$T/state/br"
mkdir -p "$T/ovl/up/qemu" "$T/ovl/work"
echo "allow $BR" > "$T/ovl/up/qemu/bridge.conf"
mapfile -t args < <("$VMDECK" -c "$CONF" argv br --json | jq -r '.[]')
unshare -m -n sh -c 'mount --make-rprivate / &&
    mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1,workdir=$2" /etc &&
    ip link add "$3" type bridge && ip link set "$3" up' _ "$T/ovl/up" "$T/ovl/work" "$BR" 2> "$T/ns.err"
if [ $? = 0 ]; then
    unshare -m -n sh -c 'mount --make-rprivate / &&
        mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1,workdir=$2" /etc &&
        ip link add "$3" type bridge && ip link set "$3" up && shift 3 && exec "$@"' \
        _ "$T/ovl/up" "$T/ovl/work" "$BR" "${args[@]}" > "$T/br.out" 2>&1
    check_eq "bridge NIC: QEMU starts with the generated argv (qemu-bridge-helper)" "0 " "$? $(head -c 300 "$T/br.out")"
    brpid=$(cat "$T/state/br/qemu.pid" 2>/dev/null)
    check_match "bridge NIC: the netdev is a tap made by the bridge helper for $BR" \
        "net0: .*type=tap,helper=[^,]*,br=$BR" "$(hmp br 'info network' | tr '\n' ' ')"
    check_match "bridge NIC: a tap device is a port of the bridge" "^[0-9]+: tap[0-9]+" \
        "$(nsenter -t "$brpid" -n ip -o link show master "$BR" 2>&1)"
    quit br
else
    # No namespaces here: at least QEMU must take the option and fail only in the helper.
    note "no private namespaces ($(head -c 200 "$T/ns.err")): checking the option only"
    out=$("${args[@]}" 2>&1)
    check_match "bridge NIC: QEMU takes the option, the bridge helper is what fails" \
        "-netdev bridge,id=net0,br=$BR: bridge helper failed" "$out"
fi

check_match "argv --cdrom with a bare name shows the ISO found in iso_dirs, as start would use it" \
    "file=$T/iso/cd.iso" "$("$VMDECK" -c "$CONF" argv q35 --cdrom cd.iso)"

"$VMDECK" -c "$CONF" argv nosuch > /dev/null 2>&1
check_eq "argv of an unknown guest exits 2" 2 $?
# accel = "auto" takes KVM only from a device that answers as KVM does: a
# /dev/kvm that merely opens (here /dev/null's device, in a private /dev,
# as a container or CI with /dev/kvm hidden has it) means TCG.
fake_kvm() {
    unshare -m bash -c 'mount -t tmpfs none /dev && mknod -m 666 /dev/null c 1 3 && mknod -m 666 /dev/kvm c 1 3 &&
        exec "$@"' fake-kvm "$@"
}
out=$(fake_kvm "$VMDECK" -c "$CONF" argv q35 2>&1)
check_match "a /dev/kvm that is /dev/null: -accel tcg" '-accel tcg' "$out"
finish
