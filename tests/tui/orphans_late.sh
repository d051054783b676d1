#!/bin/bash
# orphans_late.sh: this host's disk listing (O) that ends while another
# host's orphans form is open leaves that form alone (issue 9: no action on
# the wrong host). O on this host's guest starts the listing; this host's
# LVM is slow (lvs answers after 8 s, as with a stuck PV). Meanwhile the
# table goes to kvm2 (a real sshd on 127.0.0.1, its own mount namespace and
# disk folder) and O there opens kvm2's orphans form. When this host's
# listing ends, "delete it" in the open form still deletes kvm2's disk and
# asks naming kvm2; this host's orphan file stays. No QEMU runs.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"
source "$(dirname "$0")/../ssh-lib.sh"
source "$(dirname "$0")/../hosts-lib.sh"

write_conf <<'EOF2'
heartbeat = 1.0;
host_name = "alpha";
EOF2
sed -i 's/vg = ""/vg = "slowvg"/' "$CONF"
mkguest here < /dev/null
qemu-img create -q -f raw "$T/disks/mine.raw" 1M
peer_start kvm2 <<< "heartbeat = 1.0;"
P="$T/peer-kvm2"
mkguest_on kvm2 grow
qemu-img create -q -f raw "$P/disks/spare.raw" 1M
echo "hosts = ( $PEER_HOSTS );" >> "$CONF"
# this host's lvs: slow, then an empty report (slowvg has no LV)
mkdir -p "$T/bin"
printf '#!/bin/sh\nsleep 8\necho %s\n' "'{\"report\":[{\"lv\":[]}]}'" > "$T/bin/lvs"
chmod 755 "$T/bin/lvs"

tui_start "PATH=$T/bin:$PATH"
check_screen "kvm2's guest is in the table" '^ grow +kvm2 +stopped' 10
tui_select here
tui_keys O
check_screen "O on this host's guest: this host's listing runs" 'looking for disks no guest uses' 3
tui_keys : 'host kvm2' Enter O
check_screen "O with the table on kvm2: kvm2's orphans form, before this host's listing ends" \
    'Disks no guest uses on kvm2' 7
check_screen "... this host's listing ends meanwhile, the form stays" 'disks: 1 disk no guest uses' 12
check_screen "... the form still offers kvm2's spare.raw" '< .*spare\.raw +1(\.0)?M' 3
tui_keys Tab Right Enter
check_screen "delete asks naming kvm2's disk" "Delete disk $P/disks/spare\.raw" 5
check_screen "... and kvm2" "^[^a-z]*kvm2\? No guest uses it|spare\.raw on kvm2\?" 2
tui_keys y
check "y deletes it on kvm2" wait_until 15 on_host kvm2 test ! -e "$P/disks/spare.raw"
check "this host's orphan is still there" test -e "$T/disks/mine.raw"

tui_stop
finish
