#!/bin/bash
# remote_snap_reopen.sh: another host's snapshot list that arrives twice
# (S, Esc, S again while the first answer is still on its way: a slow link)
# shows the guest's snapshots once, and the console lives on. kvm2 is a real
# sshd on 127.0.0.1 in its own mount namespace whose vmdeck answers
# `snapshot ... list` 2 s late; its stopped guest has three snapshots of a
# qcow2 disk. No QEMU runs here.
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
mkguest_on kvm2 web
qemu-img create -q -f qcow2 "$P/disks/web.qcow2" 1M
printf 'disks:\n  - file: web.qcow2\n' >> "$P/vms.d/web.yaml"
for s in one two three; do
    check "kvm2's web: snapshot $s" eval "vd_on kvm2 snapshot web create $s > /dev/null"
done
cat > "$P/slow-vmdeck" <<EOF2
#!/bin/sh
case " \$* " in *" list "*) sleep 2 ;; esac
exec "$VMDECK" -c "$P/vmdeck.conf" "\$@"
EOF2
chmod 755 "$P/slow-vmdeck"
echo "hosts = ( { name = \"kvm2\"; ssh = \"kvm2\"; ssh_config = \"$P/ssh/config\"; vmdeck = \"$P/slow-vmdeck\"; } );" >> "$CONF"

tui_start
check_screen "kvm2's web is in the table" '^ web +kvm2 +stopped' 15
tui_select web
tui_keys S
check_screen "S: kvm2's snapshots are asked for" 'Snapshots: web on kvm2' 5
tui_keys Escape S
sleep 6  # both answers have come
check "the console still runs" eval '! tui_has "vmdeck-exited"'
tui_screen | grep -E "exited|free\(|corrupt|Abort|Segm" | sed "s/^/# /"
check_screen "the list shows kvm2's snapshots" ' three +[0-9]{4}-' 3
check_eq "... each once" 3 "$(tui_screen | grep -cE ' (one|two|three) +[0-9]{4}-[0-9]{2}-[0-9]{2} ')"
tui_keys Escape

tui_stop
finish
