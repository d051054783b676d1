#!/bin/bash
# remote_words.sh: what another host's vmdeck says (here a stand-in behind a
# real sshd) never reaches the terminal raw: a job still running at quit is
# reported on the plain terminal with its last line, and an escape sequence
# in that line (one that sets the terminal's title) is shown, not obeyed.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"
source "$(dirname "$0")/../ssh-lib.sh"
source "$(dirname "$0")/../hosts-lib.sh"

write_conf <<'EOF2'
ui = { refresh = 0.5; };
host_name = "alpha";
EOF2
peer_start kvm2 < /dev/null
# kvm2's "vmdeck": a watch with one running guest; any verb says a title-setting sequence, then waits.
cat > "$T/fake-vmdeck" <<EOF2
#!/bin/sh
if [ "\$1" = watch ]; then
    echo '{"type":"full","protocol":1,"version":"0","time":0,"heartbeat":600,"host":{},"guests":[{"name":"web","state":"running","pid":4242}]}'
    exec cat > /dev/null
fi
printf '\033]2;pwned\007\n'
exec sleep 30
EOF2
chmod +x "$T/fake-vmdeck"
echo "hosts = ( { name = \"kvm2\"; ssh = \"kvm2\"; ssh_config = \"$T/peer-kvm2/ssh/config\"; vmdeck = \"$T/fake-vmdeck\"; } );" >> "$CONF"

tui_start
check_screen "kvm2's web is listed" '^ web +kvm2 +running' 10
tui_keys Home p
check_screen "p runs pause there, a job" 'pause web \(on kvm2\)' 5
sleep 1
tui_keys q
check_screen "quit asks about the running job" 'Quit: a job is running' 5
sleep 0.7
tui_keys y
check_screen "the job is reported ended at quit" 'pause web \(on kvm2\) ended' 10
title=$(tmux_ display-message -p '#{pane_title}')
check "the remote line did not set the terminal's title (it is '$title')" [ "$title" != pwned ]
check_screen "it is shown escaped instead" 'ended: .*\]2;pwned' 2
tui_stop
finish
