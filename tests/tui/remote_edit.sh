#!/bin/bash
# remote_edit.sh: e on another host's guest opens the edit form on that
# host's own definition and choices (its `vmdeck show --json` and
# `hostinfo --json`, fetched through the link); F2 applies the edit there
# through `vmdeck set NAME --changes -`, the plan on its stdin. The VNC
# password, in the edit form and in the new-guest form for that host, never
# travels on a command line (a wrapper logs every argv the peer runs), nor in
# a job's title or output, nor in an event line; the file written is 0600.
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
mkguest_on kvm2 web
mkguest_on kvm2 busy
VNC_D=$(free_vnc_display)
printf 'vnc:\n  display: %s\n  listen: 127.0.0.1\n' "$VNC_D" >> "$T/peer-kvm2/vms.d/web.yaml"
: > "$T/peer-kvm2/iso/kvm2-only.iso"
# every command the console runs on kvm2, as kvm2 sees it (= its ssh's command line, in ps)
printf '#!/bin/sh\nprintf "%%s\\n" "$*" >> "%s/kvm2-argv.log"\nexec "$@"\n' "$T" > "$T/logargs"
chmod +x "$T/logargs"
echo "hosts = ( ${PEER_HOSTS//vmdeck = \"/vmdeck = \"$T/logargs } );" >> "$CONF"
web() { vd_on kvm2 show web --json; }
file_mode() { stat -c %a "$1"; }
host_select() {
    local i keys=(Home)
    tui_wait "^ $1 " 10
    i=$(tui_screen | sed -n '/^ NAME  /,$p' | tail -n +2 | grep -nE "^ $1 " | cut -d: -f1)
    for _ in $(seq 2 "${i:-1}"); do keys+=(Down); done
    tui_keys "${keys[@]}"
    sleep 0.2
}

check "kvm2's busy runs (paused: no OS needed)" eval 'vd_on kvm2 start busy > /dev/null 2>&1 && vd_on kvm2 pause busy > /dev/null 2>&1'
tui_start
host_select web
tui_keys e
check_screen "e on kvm2's web opens the edit form" 'Edit web' 10
check_screen "... with kvm2's definition (its description)" 'web on kvm2' 3
check_screen "... and kvm2's VNC display" "VNC display +$VNC_D" 3
# the cursor starts on Description; Up goes to Name, then wraps to the last fields
tui_keys Up Up Up Up Up Up Up
check_screen "the CD help names kvm2's ISOs" 'ISO name or path on kvm2: kvm2-only\.iso' 3
tui_keys Down Down Down Down Down Down Down
tui_keys C-u 'edited there' Down C-u 64M Up Up Up Up p w 1 2 3 4 5 6
check_screen "valid" 'valid: F2 saves' 3
tui_keys F2
check "F2 edits it on kvm2: memory (kvm2's own show)" \
    wait_until 15 eval '[ "$(web | jq -r .memory)" = 67108864 ]'
check_eq "... description" "edited there" "$(web | jq -r .definition.description)"
check_eq "... a VNC password is set there" true "$(web | jq -r .vnc.password)"
check "... it is the one typed" grep -qE '^  password: pw123456( |$)' "$T/peer-kvm2/vms.d/web.yaml"
check_eq "the file there stays 0600" 600 "$(file_mode "$T/peer-kvm2/vms.d/web.yaml")"
check_screen "the status line gives kvm2's answer" 'web: 3 changes saved' 10
check_match "it ran as set --changes - on kvm2" "set web --changes -" "$(cat "$T/kvm2-argv.log")"
check "nothing was written here" test ! -e "$T/vms.d/web.yaml"
check_screen "the table follows" '^ web +kvm2 +stopped .*64M' 10

# A second edit leaves the password alone: it never came here, and is not sent back.
tui_keys e
check_screen "e again" 'Edit web' 10
tui_keys Up Up Up
check_screen "on the password: it is kept there, not shown" 'set on its host \(not shown\)' 3
tui_keys Down Down Down Down Down C-u 2 F2
check "cpus changed there" wait_until 15 eval '[ "$(web | jq -r .cpus)" = 2 ]'
check "... and the password is still the one set" grep -qE '^  password: pw123456( |$)' "$T/peer-kvm2/vms.d/web.yaml"

# A running guest there: the answer from kvm2 says the change waits for the next start.
tui_keys : 'host all' Enter
host_select busy
tui_keys e
check_screen "e on kvm2's running busy" 'Edit busy' 10
tui_keys Down C-u 48M F2
check_screen "kvm2's answer: at the next start" 'busy: 1 change saved; takes effect at the next start' 15
check_eq "... its file has it" 50331648 "$(vd_on kvm2 show busy --json | jq -r .memory)"
vd_on kvm2 kill busy > /dev/null 2>&1

# The new-guest form for kvm2 sends its password on stdin too.
tui_keys : 'host kvm2' Enter
tui_wait '^ web +kvm2' 3
tui_keys n
check_screen "n with :host kvm2: the form for kvm2" 'New guest on kvm2' 10
tui_keys f r e s h
n_bridges=$(ls -d /sys/class/net/*/bridge 2>/dev/null | wc -l)
if [ "$n_bridges" -gt 0 ]; then tui_keys Down Down Down Down Down Down Down Left Up Up Up Up Up Up Up; fi
tui_keys Up Up n e w p w 1 2
check_screen "a VNC password is accepted for another host now" 'valid: F2 saves' 3
tui_keys F2
check "F2 creates it on kvm2" wait_until 15 eval '[ "$(vd_on kvm2 show fresh --json | jq -r .vnc.password)" = true ]'
check "... with the password typed" grep -qE '^  password: newpw12( |$)' "$T/peer-kvm2/vms.d/fresh.yaml"
check_eq "... in a 0600 file" 600 "$(file_mode "$T/peer-kvm2/vms.d/fresh.yaml")"
check_match "... through --vnc-password-file -" "new fresh .*--vnc-password-file=-" "$(cat "$T/kvm2-argv.log")"

# Where the passwords must not be: any command line, the jobs' titles and output, event lines.
check_nomatch "no password on any command line kvm2 ran" 'pw123456|newpw12' "$(cat "$T/kvm2-argv.log")"
tui_keys J
check_screen "the job list" 'set web --changes -' 5
check_nomatch "... no password in the jobs' titles or output" 'pw123456|newpw12' "$(tui_screen -S -200)"
tui_keys Escape
check_match "kvm2's event log has the edits" 'definition edited' "$(cat "$T"/peer-kvm2/state/web/events* 2>/dev/null)"
check_nomatch "... never a password" 'pw123456|newpw12' "$(cat "$T"/peer-kvm2/state/*/events* "$T"/state/*/events* 2>/dev/null)"

tui_stop
finish
