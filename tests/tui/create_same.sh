#!/bin/bash
# create_same.sh: `vmdeck new` and the console's new-guest form are one way to
# create a guest (guest_create): the same options give the same definition
# (apart from the name, the generated MAC and the VNC display), both 0600
# with a 0600 disk under storage.file_dir, both number displays from 1 the
# same way, and a failure after the disk was made (the definition folder
# read-only) leaves neither the disk nor a definition, in both.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf < /dev/null
V() { "$VMDECK" -c "$CONF" "$@"; }
# ro CMD...: CMD in a private mount namespace where the definition folder is read-only.
cat > "$T/ro.sh" <<EOS
#!/bin/sh
mount --make-rprivate / && mount --bind "$T/vms.d" "$T/vms.d" &&
    mount -o remount,bind,ro "$T/vms.d" || exit 97
exec "\$@"
EOS
chmod +x "$T/ro.sh"
ro() { unshare -m "$T/ro.sh" "$@"; }

# README's rule: the first display from 1 that no definition uses and nothing listens on.
first_free() {
    local d used
    used=" $(grep -h '^  display:' "$T"/vms.d/*.yaml 2>/dev/null | awk '{print $2}' | tr '\n' ' ') "
    for d in $(seq 1 99); do
        case "$used" in *" $d "*) continue ;; esac
        ss -ltn "sport = :$((5900 + d))" | grep -q LISTEN || { echo "$d"; return; }
    done
}
# The definition with what depends on the name or is generated written as NAME, MAC, DISPLAY.
normal() {
    sed -e "s/$1/NAME/g" -e 's/mac: 52:54:00:[0-9a-f:]\{8\}/mac: MAC/' \
        -e 's/^  display: [0-9]*/  display: DISPLAY/' "$T/vms.d/$1.yaml"
}
# disk_is NAME: mode, format and size of its image file.
disk_is() {
    local f="$T/disks/$1.qcow2"
    echo "$(stat -c %a "$f")" \
        "$(qemu-img info -U --output=json "$f" | jq -r '.format, .["virtual-size"]' | xargs)"
}
# gone NAME: no disk and no definition of NAME (empty when so).
gone() { ls "$T/disks/$1"* "$T/vms.d/$1"* 2>/dev/null; }

# form_new NAME: the form filled as `new NAME --memory 64M --disk 16M --user-net` would be.
form_new() {
    local c
    tui_keys n
    tui_wait 'New guest' 5
    for c in $(echo "$1" | grep -o .); do tui_keys "$c"; done
    tui_keys Down Down C-u 6 4 M Down Down Down Down Right Right Right
    tui_keys Down Down C-u 1 6 M Down Down
    [ "$n_bridges" -gt 0 ] && tui_keys Left # the first bridge is proposed; user NAT as --user-net
    tui_wait 'Network +< user \(NAT\) >' 3
}
n_bridges=$(ls -d /sys/class/net/*/bridge 2>/dev/null | wc -l)

want=$(first_free)
tui_start
form_new formg
check_screen "the form's draft is valid" 'valid: F2 saves'
check_screen "the image file is named after the guest, in storage.file_dir" \
    "volume/file +$T/disks/formg.qcow2"
P=$(tui_screen | grep -oE 'VNC display +[0-9]+' | grep -oE '[0-9]+$')
check_eq "the form proposes the first free display from 1" "$want" "$P"
tui_keys F2
check_screen "the form creates its guest" '^ formg +stopped' 15

want=$(first_free)
out=$(V new clig --memory 64M --disk 16M --user-net 2>&1); rc=$?
check_eq "new creates the same guest: exit 0" 0 "$rc"
check_match "new takes the next free display by the same rule" \
    "vnc display $want \(port $((5900 + want))\)" "$out"
check "and it is not the form's" test "$want" != "$P"
check_eq "both definitions are the same but for name, MAC and display" "" \
    "$(diff <(normal formg) <(normal clig))"
check_match "(and the comparison saw a whole definition)" \
    "memory: 64M.*file: $T/disks/NAME.qcow2.*mac: MAC.*display: DISPLAY" \
    "$(normal clig | tr '\n' ' ')"
check_eq "both definitions are 0600" "600 600" \
    "$(stat -c %a "$T/vms.d/formg.yaml" "$T/vms.d/clig.yaml" | xargs)"
check_eq "both disks are 0600 qcow2 files of 16M" "600 qcow2 16777216 600 qcow2 16777216" \
    "$(disk_is formg) $(disk_is clig)"
check "vmdeck check accepts both" V check

# The definition folder read-only: the disk is made, then the definition cannot be written.
ro touch "$T/vms.d/probe" 2> "$T/ro.err"
check_match "(in there the definition folder is read-only)" "Read-only file system" \
    "$(cat "$T/ro.err")"
out=$(ro "$VMDECK" -c "$CONF" new clibad --memory 64M --disk 16M --user-net 2>&1); rc=$?
check_eq "new fails when the definition cannot be written: exit 1" 1 "$rc"
check_match "saying why in one line" \
    "^vmdeck: clibad: cannot create: .*Read-only file system$" "$out"
check_eq "new leaves no disk and no definition" "" "$(gone clibad)"
tui_stop
tui_start unshare -m "$T/ro.sh"
form_new formbad
tui_keys F2
check_screen "the form's job fails the same way" \
    'formbad: cannot create: cannot write .*/formbad.yaml: Read-only' 15
check_eq "the form leaves no disk and no definition" "" "$(gone formbad)"
tui_stop
finish
