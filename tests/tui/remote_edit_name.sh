#!/bin/bash
# remote_edit_name.sh: e on another host's guest opens the edit form from
# that host's `show NAME --json`; the form's name is where F2 sends the edit
# (`vmdeck set NAME --changes -` there). An answer about another guest than
# the one asked for (a broken or hostile peer) opens no form: the edit could
# only land on a guest the admin did not pick. (Late answers:
# remote_late_answer.sh; D and Z: remote_other_name.sh.) No QEMU runs.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"
source "$(dirname "$0")/../ssh-lib.sh"
source "$(dirname "$0")/../hosts-lib.sh"

write_conf <<'EOF2'
heartbeat = 1.0;
host_name = "alpha";
EOF2
peer_start kvm2 <<< "heartbeat = 1.0;"
mkguest_on kvm2 web
mkguest_on kvm2 decoy
# with $T/lie, kvm2's `show` answers for decoy
cat > "$T/lying" <<EOF2
#!/bin/sh
case " \$* " in *" show "*)
    [ -e "$T/lie" ] && { "\$@" | sed -E 's/"name": ?"web"/"name": "decoy"/'; exit; } ;; esac
exec "\$@"
EOF2
chmod +x "$T/lying"
echo "hosts = ( ${PEER_HOSTS//vmdeck = \"/vmdeck = \"$T/lying } );" >> "$CONF"
decoy_sum() { sha256sum "$T/peer-kvm2/vms.d/decoy.yaml"; }
before=$(decoy_sum)

tui_start
tui_select web
tui_keys e
check_screen "e on kvm2's web: its form" 'Edit web' 15
tui_keys Escape
tui_wait '^ NAME +' 3

touch "$T/lie"
tui_keys e
check_screen "kvm2 answers for decoy when asked for web: refused" 'web: kvm2 answered for another guest' 15
check_nomatch "... no form opens" 'Edit (web|decoy)' "$(tui_screen)"
tui_keys F2
sleep 1
check_eq "... decoy's file there untouched" "$before" "$(decoy_sum)"
tui_stop
finish
