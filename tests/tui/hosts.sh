#!/bin/bash
# run: alone (it measures time against a bound: tests/run.sh)
# hosts.sh: the console shows every host's guests. Two other servers (real
# sshd on 127.0.0.1, each in its own mount namespace with its own
# configuration, vms.d, state_dir and QEMU guests) are followed through one
# ssh each running `vmdeck watch --json`: their guests in the table with a
# HOST column, their load and memory in the header; actions on a remote
# guest run there (checked with that host's own `vmdeck list --json`); H and
# :host filter; a frozen link (SIGSTOP on its sshd session) is unreachable
# within 3 heartbeats while keys still answer, and comes back after SIGCONT;
# a killed ssh takes the remote watch with it, and the link comes back.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"
source "$(dirname "$0")/../ssh-lib.sh"
source "$(dirname "$0")/../hosts-lib.sh"

write_conf <<'EOF2'
heartbeat = 1.0;
host_name = "alpha";
EOF2
mkguest here < /dev/null
peer_start kvm2 <<< "heartbeat = 1.0;"
peer_start kvm3 <<< "heartbeat = 1.0;"
mkguest_on kvm2 web; mkguest_on kvm2 db; mkguest_on kvm3 mail; mkguest_on kvm2 store
head -c 1048576 /dev/urandom > "$T/peer-kvm2/disks/store.raw"
printf 'disks:\n  - file: %s\n    interface: ide\n' "$T/peer-kvm2/disks/store.raw" >> "$T/peer-kvm2/vms.d/store.yaml"
VNC_D=$(free_vnc_display)
printf 'vnc:\n  display: %s\n  listen: 127.0.0.1\n' "$VNC_D" >> "$T/peer-kvm2/vms.d/db.yaml"
check "web runs on kvm2" vd_on kvm2 start web
check "mail runs on kvm3" vd_on kvm3 start mail
# Two more "hosts" through kvm3's sshd: a vmdeck from before `watch`, and one that speaks another protocol.
printf '#!/bin/sh\necho "vmdeck: unknown verb '"'"'watch'"'"' (try: vmdeck help)" >&2\nexit 2\n' > "$T/old-vmdeck"
printf '#!/bin/sh\necho '"'"'{"type":"full","protocol":9,"version":"9.0.0","time":0,"host":{},"guests":[]}'"'"'\nexec cat > /dev/null\n' > "$T/new-vmdeck"
chmod +x "$T/old-vmdeck" "$T/new-vmdeck"
k3="ssh = \"kvm3\"; ssh_config = \"$T/peer-kvm3/ssh/config\";"
echo "hosts = ( $PEER_HOSTS, { name = \"old\"; $k3 vmdeck = \"$T/old-vmdeck\"; }, { name = \"nine\"; $k3 vmdeck = \"$T/new-vmdeck\"; } );" >> "$CONF"
# host_select NAME: the selection to NAME's row (rows start under the column heads)
host_select() {
    local i keys=(Home)
    tui_wait "^ $1 " 3
    i=$(tui_screen | sed -n '/^ NAME  /,$p' | tail -n +2 | grep -nE "^ $1 " | cut -d: -f1)
    for _ in $(seq 2 "${i:-1}"); do keys+=(Down); done
    tui_keys "${keys[@]}"
    sleep 0.2
}
remote_state() { vd_on "$1" show "$2" --json 2>/dev/null | jq -r .state; }

tui_start
check_screen "this host's guest, with its host" '^ here +alpha +stopped' 10
check_screen "kvm2's guests in the same table" '^ web +kvm2 +running' 10
check_screen "... both" '^ db +kvm2 +stopped'
check_screen "kvm3's guest" '^ mail +kvm3 +running'
check_screen "a header line per host with load and free memory" '^ kvm2  load [0-9.]+  mem free [0-9.]+[KMGT]i?B?.*reachable'
check_screen "the header counts every host's guests" '5 guests, 2 running'
check_screen "a vmdeck without watch is incompatible, and says so" '^ old INCOMPATIBLE since [0-9:]+: old: its vmdeck has no `watch`' 10
check_screen "one with another protocol is incompatible with its version" '^ nine INCOMPATIBLE since [0-9:]+: nine: its vmdeck 9\.0\.0 speaks watch protocol 9' 10

# At 80x24 (PuTTY's default) it still fits: the name column narrows, the hosts share one line.
tmux_ resize-window -x 80 -y 24
check_screen "80x24: one line for every host" '^ hosts: kvm2 [0-9.]+ [0-9.]+[KMGT]i?B? \| kvm3 [0-9.]+' 5
check_screen "80x24: the HOST column stays, with a narrower name and no VNC column" '^ NAME {10}HOST +STATE +CPU% +MEM +UPTIME +BACKUP +CD' 3
tmux_ resize-window -x 100 -y 30
check_screen "100x30 again: a line per host" '^ kvm2  load' 5

host_select db
tui_keys s
check "s on kvm2's db starts it there (kvm2's own list says running)" wait_until 20 eval '[ "$(remote_state kvm2 db)" = running ]'
check_screen "and the table follows" '^ db +kvm2 +running' 5
host_select store
tui_keys B
check_screen "B on kvm2's store asks to back it up there" 'Back up store on kvm2 into kvm2.s own backup.dir' 5
tui_keys y
check "y backs it up on kvm2 (an archive in kvm2's backup.dir)" wait_until 30 eval 'ls -d "$T"/peer-kvm2/backup/store-2*'
check_screen "the status line says so" 'store: backup done' 30
check "nothing was backed up here" test -z "$(ls "$T/backup" 2>/dev/null)"
host_select db
tui_keys v
check_screen "v on kvm2's db: the VNC details name the host" 'Guest: +db on kvm2' 5
check_screen "... and the tunnel goes through kvm2" "ssh -L $((5900 + VNC_D)):127.0.0.1:$((5900 + VNC_D)) kvm2" 3
tui_keys Escape
host_select web
tui_keys p
check "p pauses kvm2's web there" wait_until 10 eval '[ "$(remote_state kvm2 web)" = paused ]'
check_screen "... shown paused" '^ web +kvm2 +paused' 5
check_eq "nothing ran here: the local guest is still stopped and alone" "here stopped" \
    "$("$VMDECK" -c "$CONF" list --json | jq -r '.[] | "\(.name) \(.state)"')"
host_select mail
tui_keys w
check_screen "an action not offered for remote guests yet says so" 'mail is on kvm3: not from here yet'

tui_keys H
check_screen "H: only this host's guests" '^ here +alpha' 3
check "... and no other host's" eval '! tui_has "^ web +kvm2"'
tui_keys H
check_screen "H again: kvm2's" '^ web +kvm2' 3
check "... only" eval '! tui_has "^ here +alpha" && ! tui_has "^ mail +kvm3"'
tui_keys : 'host kvm3' Enter
check_screen ":host kvm3: only kvm3's" '^ mail +kvm3' 3
check "... only" eval '! tui_has "^ web +kvm2"'
# n while only kvm3 is shown: the new-guest form with kvm3's choices; F2 makes the guest there.
tui_keys n
check_screen "n with :host kvm3: the new-guest form for kvm3" 'New guest on kvm3' 10
tui_keys m a i l
check_screen "a name kvm3 has already is refused" 'kvm3 has a guest named mail already' 3
tui_keys C-u f r e s h
n_bridges=$(ls -d /sys/class/net/*/bridge 2>/dev/null | wc -l)
if [ "$n_bridges" -gt 0 ]; then tui_keys Down Down Down Down Down Down Down Left; fi  # user NAT for the test
check_screen "... valid" 'valid: F2 saves' 3
tui_keys F2
check "F2 creates it on kvm3 (kvm3's own list says so)" wait_until 15 eval '[ "$(remote_state kvm3 fresh)" = stopped ]'
check_screen "... the table shows it there" '^ fresh +kvm3 +stopped' 10
check "... and nothing was written here" test ! -e "$T/vms.d/fresh.yaml"
tui_keys : 'host all' Enter
check_screen ":host all: every host again" '^ here +alpha' 3

# The CD picker on a remote guest offers that host's ISOs, and the choice goes in there.
touch "$T/iso/local-only.iso"
head -c 4096 /dev/zero > "$T/peer-kvm2/iso/kvm2-only.iso"
host_select web
tui_keys c
check_screen "c on kvm2's web: the picker is titled with the host" 'Insert CD: web on kvm2' 10
check_screen "... and lists kvm2's ISOs" 'kvm2-only\.iso' 3
check "... not this host's" eval '! tui_has "local-only.iso"'
tui_keys Enter
check "Enter inserts it there (kvm2's own show says so)" \
    wait_until 10 eval '[ "$(vd_on kvm2 show web --json | jq -r .cdrom)" = "$T/peer-kvm2/iso/kvm2-only.iso" ]'
check_screen "the CD column follows" '^ web +kvm2 +paused.*kvm2-only\.iso' 5

# A frozen link: kvm2's sshd session processes stopped.
sessions=$(pgrep -P "$PEER_SSHD_kvm2" | tr '\n' ' ')
check "kvm2's sshd has session processes" [ -n "$sessions" ]
t0=$EPOCHREALTIME
kill -STOP $sessions
check_screen "kvm2's rows show unreachable" '^ web +kvm2 +unreachable' 6
ms=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
check "... within 3 heartbeats (3 s, + 0.5 for the loop and tmux; took $ms ms)" [ "$ms" -le 3500 ]
check_screen "the header says since when" '^ kvm2 UNREACHABLE since [0-9:]+: kvm2: no answer for' 2
check_screen "kvm3 is still reachable" '^ mail +kvm3 +running' 2
lat=$(tui_latency '?' 'Help: keys')
check "keys still answer while the link hangs ($lat ms)" [ "$lat" -lt 1000 ]
tui_keys Escape
kill -CONT $sessions
check_screen "after SIGCONT kvm2 comes back" '^ web +kvm2 +paused' 15
check_screen "... and its header line too" '^ kvm2  load' 5

# A killed ssh: the remote watch goes with it (by pid, on that host), and the link comes back.
cpid=$(pgrep -f -x "$VMDECK -c $CONF" | head -1)
ssh_pid=$(pgrep -P "$cpid" -f "kvm3 .*watch" | head -1)
rwatch=$(pgrep -f "peer-kvm3/vmdeck.conf' 'watch'|peer-kvm3/vmdeck.conf watch" | head -1)
check "the console's ssh to kvm3 and kvm3's watch are found ($ssh_pid, $rwatch)" [ -n "$ssh_pid" -a -n "$rwatch" ]
kill -9 "$ssh_pid"
check "kvm3's watch (pid $rwatch, checked on kvm3) ends within 5 s" wait_until 5 eval "! on_host kvm3 test -d /proc/$rwatch"
check_screen "the console connects to kvm3 again" '^ mail +kvm3 +running' 10

tui_stop
for g in web db; do vd_on kvm2 kill "$g" > /dev/null 2>&1; done
vd_on kvm3 kill mail > /dev/null 2>&1
finish
