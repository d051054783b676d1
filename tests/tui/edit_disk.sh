#!/bin/bash
# edit_disk.sh: the edit form changes what a guest's first disk and NIC are:
# an image file becomes a new LV (created first, on a loop-device VG), user
# networking becomes a bridge (in a private network namespace), the file keeps
# its comments, `vmdeck check` and `argv` agree and the guest starts; on a
# running guest the change waits for the next start; a new LV whose name is
# taken is refused; "none" drops the disk from the definition and keeps the LV.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../storage-lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf < /dev/null
vg_setup 128M
conf_lvm_storage
truncate -s 16M "$T/disks/ed.raw"
mkguest ed <<EOF
# ed: keep this comment
disks:            # the disks
  - file: $T/disks/ed.raw   # the first image
    interface: ide
EOF
G="$T/vms.d/ed.yaml"

# The console runs where bridge $BR exists and qemu-bridge-helper may use it:
# private mount and network namespaces, with bridge.conf in an overlay on /etc
# and a /sys of that network namespace (where the console looks for bridges).
BR=vmdeckbr0
mkdir -p "$T/ovl/up/qemu" "$T/ovl/work"
echo "allow $BR" > "$T/ovl/up/qemu/bridge.conf"
cat > "$T/inns.sh" <<EOF
#!/bin/sh
mount --make-rprivate / &&
    mount -t overlay overlay -o "lowerdir=/etc,upperdir=$T/ovl/up,workdir=$T/ovl/work" /etc &&
    mount -t sysfs sysfs /sys && ip link add $BR type bridge && ip link set $BR up || exit 1
exec "\$@"
EOF
chmod +x "$T/inns.sh"
if unshare -m -n "$T/inns.sh" true 2> "$T/ns.err"; then
    tui_start unshare -m -n "$T/inns.sh"
    bridged=1
else
    note "no private namespaces ($(head -c 200 "$T/ns.err")): the NIC goes from a bridge to user networking instead"
    sed -i "s/  - user: {}/  - bridge: $BR/" "$G"
    tui_start
    bridged=0
fi
lv_prelink "$VG" edlv 64 > /dev/null # where activation would put the LV, for the start

tui_select ed
tui_keys e
check_screen "e opens the edit form" 'Edit ed'
check_screen "the disk's kind is offered as a choice" 'Disk +< image file >'
tui_keys Down Down Down Down Down Left Left
check_screen "new LV: its name is proposed in the VG" "volume/file +$VG/ed( |\$)"
tui_keys Down C-u
tui_keys -l "$VG/edlv"
tui_keys Down 6 4 M Down Down
if [ "$bridged" = 1 ]; then
    check_screen "the network is offered too" 'Network +< user \(NAT\) >'
    tui_keys Right
    check_screen "the namespace's bridge is a choice" "Network +< $BR >"
else
    # a bridge this host lacks stays a choice, after "none": Right wraps to user networking
    check_screen "the network is offered too" "Network +< $BR >"
    tui_keys Right
    check_screen "user networking is a choice" 'Network +< user \(NAT\) >'
fi
check_screen "the draft is valid" 'valid: F2 saves'
tui_keys F2
check_screen "saving creates the LV, then edits; the old image is kept" \
    "ed: 2 changes saved; disk $T/disks/ed.raw is kept" 15
check "the LV exists" lv_exists "$VG" edlv
check_eq "of 64M" 67108864 "$(lvm_ lvs --noheadings --units b --nosuffix -o lv_size "$VG/edlv" | tr -d ' ')"
check "the old image file is still there" test -f "$T/disks/ed.raw"
text=$(cat "$G")
check_match "the disk item names the LV, its comment kept" "^  - lv: $VG/edlv   # the first image\$" "$text"
check_match "with its size" '^    size: 64M$' "$text"
check_match "the header comment survives" '^# ed: keep this comment$' "$text"
check_match "and the list's" '^disks:            # the disks$' "$text"
nic=$(grep -A2 -E '^  - (bridge|user)' "$G" | tr '\n' '|')
if [ "$bridged" = 1 ]; then
    check_match "the NIC is on the bridge, its model and MAC kept" \
        "^  - bridge: $BR\|    model: e1000\|    mac: 52:54:00:12:34:" "$nic"
else
    check_match "the NIC uses user networking, its model and MAC kept" \
        "^  - user: \{\}\|    model: e1000\|    mac: 52:54:00:12:34:" "$nic"
fi
"$VMDECK" -c "$CONF" check > /dev/null 2>&1
check_eq "vmdeck check accepts the file" 0 "$?"
argv=$("$VMDECK" -c "$CONF" argv ed 2>&1)
check_match "argv uses the LV" "file=/dev/$VG/edlv" "$argv"
if [ "$bridged" = 1 ]; then
    check_match "argv puts the NIC on the bridge" "-netdev bridge,id=net0,br=$BR" "$argv"
else
    check_match "argv gives the NIC user networking" "-netdev user,id=net0" "$argv"
fi
tui_keys s
check "the guest starts with its new disk and NIC" wait_until 15 state_is ed running
check_match "QEMU has the LV as its disk" "/dev/$VG/edlv" "$(qmp_return ed query-block)"
if [ "$bridged" = 1 ]; then
    check_match "and its NIC on the bridge" "net0: .*br=$BR" \
        "$(qmp_return ed human-monitor-command '{"command-line":"info network"}')"
fi

# A running guest: a taken name is refused; then the change is saved for the next start.
saved=$(cat "$G")
tui_keys e
check_screen "the edit form opens on the running guest" 'Edit ed'
tui_keys Down Down Down Down Down Left
check_screen "new LV again" 'Disk +< new LV >'
tui_keys Down C-u
tui_keys -l "$VG/edlv"
tui_keys Down 8 M F2
check_screen "a new LV whose name is taken is refused, never reused" \
    "ed: cannot create its disk: .*edlv already exists" 15
check_eq "and the definition is untouched" "$saved" "$(cat "$G")"
tui_keys e Down Down Down Down Down Left Left
check_screen "Disk: none" 'Disk +< none >'
tui_keys Down Left
# bridged: [user, $BR, none] from $BR; else [user, none] from user: Left gives user, or none
check_screen "the network changes too" "Network +< $([ "$bridged" = 1 ] && echo 'user \(NAT\)' || echo none) >"
tui_keys F2
check_screen "saved for the next start; the LV is kept" \
    "ed: 2 changes saved; disk $VG/edlv is kept; takes effect at the next start"
text=$(cat "$G")
check_nomatch "the definition has no disks any more" 'disks:|lv:' "$text"
check_match "its comments are still there" '^# ed: keep this comment$' "$text"
check "the LV itself is kept" lv_exists "$VG" edlv
check "the guest still runs" state_is ed running
"$VMDECK" -c "$CONF" check > /dev/null 2>&1
check_eq "vmdeck check accepts the file" 0 "$?"
tui_stop
finish
