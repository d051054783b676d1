#!/bin/bash
# remote_big_answer.sh: another host's answer is read whole. kvm2 has 1,200
# ISO images with long names, so its `hostinfo --json` is far over the 64 KiB
# a job's log keeps: the CD picker on its guest still opens on all of them
# (first and last; long names are cut in the middle, so the disc number
# at their end still shows at 80 columns). kvm2 is a
# real sshd on 127.0.0.1 in its own mount namespace. No QEMU runs.
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
for i in $(seq -w 0001 1200); do
    : > "$P/iso/windows-server-2003-r2-enterprise-x86-english-volume-license-disk-$i.iso"
done
echo "hosts = ( $PEER_HOSTS );" >> "$CONF"
size=$(vd_on kvm2 hostinfo --json | wc -c)
check "kvm2's hostinfo is over 64 KiB ($size bytes)" [ "$size" -gt 131072 ]

tui_start
check_screen "kvm2's web is in the table" '^ web +kvm2 +stopped' 10
tui_select web
tui_keys c
check_screen "c on kvm2's web: the picker opens on kvm2's answer" 'Insert CD: web on kvm2' 15
check_screen "... with its first image, its long name cut in the middle" 'windows-serv.*~.*-disk-0001\.iso' 3
tui_keys End
check_screen "... and its last" '~.*-disk-1200\.iso' 3
tmux_ resize-window -x 80 -y 24
check_screen "at 80 columns the disc number still shows" '~.*disk-1200\.iso' 3
check_screen "... and the picker's keys are said whole" 'F7: image from a folder  Esc: close +│' 3
tui_keys Escape
check "nothing was said about an answer it could not read" eval '! tui_has "answer is over"'

tui_stop
finish
