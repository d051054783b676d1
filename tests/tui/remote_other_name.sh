#!/bin/bash
# remote_other_name.sh: another host's answer is untrusted input: when kvm2,
# asked for its guest web (D: delete, Z: resize), answers with another
# guest's definition, the console says so and asks nothing: no question or
# form about a guest the admin did not pick. kvm2 is a real sshd on
# 127.0.0.1 in its own mount namespace; its vmdeck is wrapped so that
# `show web` shows `other` (a broken or hostile peer). No QEMU runs.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"
source "$(dirname "$0")/../ssh-lib.sh"
source "$(dirname "$0")/../hosts-lib.sh"

write_conf <<'EOF2'
heartbeat = 1.0;
host_name = "alpha";
EOF2
peer_start kvm2 <<< "heartbeat = 1.0;"
P="$T/peer-kvm2"
mkguest_on kvm2 web; mkguest_on kvm2 other
qemu-img create -q -f raw "$P/disks/other.raw" 1M
printf 'disks:\n  - file: other.raw\n' >> "$P/vms.d/other.yaml"
cat > "$P/liar-vmdeck" <<EOF2
#!/bin/sh
[ "\$1" = show ] && [ "\$2" = web ] && { shift 2; set -- show other "\$@"; }
exec "$VMDECK" -c "$P/vmdeck.conf" "\$@"
EOF2
chmod 755 "$P/liar-vmdeck"
echo "hosts = ( { name = \"kvm2\"; ssh = \"kvm2\"; ssh_config = \"$P/ssh/config\"; vmdeck = \"$P/liar-vmdeck\"; } );" >> "$CONF"
names_on() { vd_on "$1" list --json 2>/dev/null | jq -r '[.[].name] | join(" ")'; }

tui_start
check_screen "kvm2's web is in the table" '^ web +kvm2 +stopped' 10
tui_select web
tui_keys D
check_screen "D on kvm2's web, answered with other: said" 'kvm2 answered for other, not web' 10
check "... no delete question about other" eval '! tui_has "Delete guest other"'
tui_keys Z
check_screen "Z on kvm2's web, answered with other: said" 'kvm2 answered for other, not web' 10
check "... no resize form for other's disks" eval '! tui_has "Resize a disk of other"'
check_eq "both are still on kvm2" "other web" "$(names_on kvm2)"

tui_stop
finish
