#!/bin/bash
# remote_late_answer.sh: another host's answer that comes late never opens a
# form over the view the admin has moved on to (issue 9: no action on what
# nobody asked). kvm2 is a real sshd on 127.0.0.1 in its own mount namespace
# whose vmdeck answers `hostinfo` 3 s late (a loaded server). U (restore), M
# (move), b (start from CD), c (insert CD), n (new guest, the table on
# kvm2) and e (edit: hostinfo, then show) ask it; meanwhile the admin opens the clone form. When the answer
# comes the clone form stays as it was (the console's small forms share one
# state: a restore form opened there would take its Enter; a picker or form
# pushed over it would take the next keys), the status line says to press
# the key again, and nothing changed on kvm2.
# A local guest has the same name as kvm2's. No QEMU runs.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"
source "$(dirname "$0")/../ssh-lib.sh"
source "$(dirname "$0")/../hosts-lib.sh"

write_conf <<'EOF2'
heartbeat = 1.0;
host_name = "alpha";
EOF2
mkguest web < /dev/null
peer_start kvm2 <<< "heartbeat = 1.0;"
P="$T/peer-kvm2"
mkguest_on kvm2 web
qemu-img create -q -f raw "$P/disks/web.raw" 1M
printf 'disks:\n  - file: web.raw\n' >> "$P/vms.d/web.yaml"
echo "hosts = ( { name = \"kvm3\"; ssh = \"kvm3\"; } );" >> "$P/vmdeck.conf"
# kvm2's vmdeck, slow to answer hostinfo (the archives, its hosts[])
cat > "$P/slow-vmdeck" <<EOF2
#!/bin/sh
for a in "\$@"; do [ "\$a" = hostinfo ] && sleep 3; done
exec "$VMDECK" -c "$P/vmdeck.conf" "\$@"
EOF2
chmod 755 "$P/slow-vmdeck"
echo "hosts = ( { name = \"kvm2\"; ssh = \"kvm2\"; ssh_config = \"$P/ssh/config\"; vmdeck = \"$P/slow-vmdeck\"; } );" >> "$CONF"
check "kvm2 has an archive of web to offer" eval 'vd_on kvm2 backup web > /dev/null'
names_on() { vd_on "$1" list --json 2>/dev/null | jq -r '[.[].name] | join(" ")'; }

tui_start
check_screen "kvm2's web is in the table" '^ web +kvm2 +stopped' 10
tui_keys : 'host kvm2' Enter
check_screen ":host kvm2: only kvm2's" '^ web +kvm2 +stopped' 3

touch "$P/iso/rescue.iso"
for key in U M b c n e; do
    tui_keys "$key" C
    check_screen "$key then C at once: the clone form on kvm2 is open" 'Clone on kvm2' 5
    sleep 5  # kvm2's answer has come
    check "... $key's answer came: no form or picker took the clone form's place" \
        eval '! tui_has "Restore on kvm2|Move from kvm2|Start from CD|Insert CD|New guest on kvm2|Edit web"'
    check_screen "... the clone form is still there" 'New guest name +web-clone' 2
    tui_keys Escape
    check_screen "... and the status line says to press $key again" 'answered; press the key again' 5
done
check_eq "nothing was restored, moved or cloned on kvm2" "web" "$(names_on kvm2)"

tui_stop
finish
