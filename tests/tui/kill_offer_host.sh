#!/bin/bash
# kill_offer_host.sh: the force-off question a stop countdown asks later is
# about this host's guest, whatever row is selected when it is answered: a
# guest of the same name on another host (here a stand-in vmdeck behind a
# real sshd, which records every verb it is asked) is never the one killed.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"
source "$(dirname "$0")/../ssh-lib.sh"
source "$(dirname "$0")/../hosts-lib.sh"

write_conf <<'EOF2'
ui = { refresh = 0.5; };
host_name = "alpha";
EOF2
sed -i 's/^shutdown_timeout = .*/shutdown_timeout = 3;/' "$CONF"
mkguest web < /dev/null
peer_start kvm2 < /dev/null
# kvm2's "vmdeck": a watch with one running guest named web; any other verb is recorded, not run.
cat > "$T/fake-vmdeck" <<EOF2
#!/bin/sh
if [ "\$1" = watch ]; then
    echo '{"type":"full","protocol":1,"version":"0","time":0,"heartbeat":600,"host":{},"guests":[{"name":"web","state":"running","pid":4242}]}'
    exec cat > /dev/null
fi
echo "\$*" >> "$T/remote-verbs"
EOF2
chmod +x "$T/fake-vmdeck"
echo "hosts = ( { name = \"kvm2\"; ssh = \"kvm2\"; ssh_config = \"$T/peer-kvm2/ssh/config\"; vmdeck = \"$T/fake-vmdeck\"; } );" >> "$CONF"
"$VMDECK" -c "$CONF" start web 2>/dev/null

tui_start
check_screen "this host's web runs" '^ web +alpha +running' 10
check_screen "kvm2's web is listed too" '^ web +kvm2 +running' 10
tui_keys Home h
check_screen "h on this host's web: the countdown runs" '^ web +alpha +stopping [0-9]+s' 3
tui_keys Down
check_screen "the question comes with kvm2's web selected" 'Stop timed out' 10
sleep 1
tui_keys y
check "y forces this host's web off" wait_until 10 state_is web stopped
sleep 1
check "kvm2 was asked nothing" test ! -e "$T/remote-verbs"
tui_stop
finish
