#!/bin/bash
# lvm_form.sh: with a real volume group (loop device, activation off) the
# header shows its free space, and the new-guest form creates the guest's LV
# before it writes the definition; when lvcreate fails nothing is written and
# the console says why.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../storage-lib.sh"
source "$(dirname "$0")/../tui-lib.sh"

write_conf < /dev/null
vg_setup 64M
conf_lvm_storage
free_mb=$(lvm_ vgs --noheadings --units m --nosuffix -o vg_free "$VG" | tr -d ' ' | cut -d. -f1)

tui_start
check_screen "the header shows the volume group's free space" "vg $VG free ${free_mb}M" 10
tui_keys n
check_screen "with a VG configured, a new LV is proposed" 'Disk +< new LV >'
tui_keys l v g u e s t
check_screen "the LV is named after the guest" "volume/file +$VG/lvguest"
tui_keys F2
check_screen "an LV larger than the VG fails with lvm's reason" 'lvguest: cannot create: .*' 15
check "and no definition is written" test ! -f "$T/vms.d/lvguest.yaml"

tui_keys n l v g u e s t Down Down Down Down Down Down Down Down C-u 1 6 M F2
check_screen "a 16M LV fits: the guest is added" '^ lvguest +stopped' 15
check "the LV exists in the VG" lv_exists "$VG" lvguest
check_eq "with the size asked for" 16.00m "$(lvm_ lvs --noheadings -o lv_size "$VG/lvguest" | tr -d ' ')"
check_match "the definition names it" "lv: $VG/lvguest" "$(cat "$T/vms.d/lvguest.yaml" 2>/dev/null)"
check "vmdeck check accepts it" "$VMDECK" -c "$CONF" check
tui_stop
finish
