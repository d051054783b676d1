#!/bin/bash
# all_hosts.sh: `vmdeck list --all-hosts [--json]` over two other servers
# (real sshd on 127.0.0.1, each in its own mount namespace with its own
# configuration, vms.d, state_dir and real QEMU guests) and one that is
# down: every guest with its "host", the dead host as one "unreachable"
# object with the reason, exit 1, the others still listed. An entry named
# as this host is this host.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../ssh-lib.sh"
source "$(dirname "$0")/../hosts-lib.sh"

write_conf < /dev/null
mkguest here < /dev/null
peer_start kvm2 < /dev/null
peer_start kvm3 < /dev/null
mkguest_on kvm2 web; mkguest_on kvm2 db; mkguest_on kvm3 mail
check "a guest runs on kvm2 (its own vmdeck)" vd_on kvm2 start web
check "a guest runs on kvm3" vd_on kvm3 start mail
# a host nobody answers for: a port nothing listens on
sed "s/^    Port .*/    Port $(free_port)/" "$T/peer-kvm2/ssh/config" | grep -v Control > "$T/dead.config"
cat >> "$CONF" <<EOF2
host_name = "alpha";
hosts = ( $PEER_HOSTS );
EOF2
V() { "$VMDECK" -c "$CONF" "$@"; }

out=$(V list --all-hosts --json); rc=$?
check_eq "all reachable: exit 0" 0 "$rc"
check_eq "every host's guests, each with its host" "alpha/here kvm2/db kvm2/web kvm3/mail" \
    "$(jq -r '[.[] | "\(.host)/\(.name)"] | join(" ")' <<< "$out")"
check_eq "their states, as each host sees them" "stopped stopped running running" "$(jq -r '[.[].state] | join(" ")' <<< "$out")"
check_eq "a remote object is that host's own list --json object" \
    "$(vd_on kvm2 list --json | jq -c '.[] | select(.name == "db")')" \
    "$(jq -c '.[] | select(.name == "db") | del(.host)' <<< "$out")"

# One vmdeck.conf copied to every server lists this one too: that entry is
# this host, listed once from here, never asked over ssh (it would not answer).
sed -i "s|^hosts = ( |hosts = ( { name = \"alpha\"; ssh = \"alpha\"; ssh_config = \"$T/dead.config\"; }, |" "$CONF"
out=$(V list --all-hosts --json 2> "$T/err"); rc=$?
check_eq "a hosts entry named as this host: still exit 0" 0 "$rc"
check_eq "... this host's guests once, no unreachable object" "alpha/here kvm2/db kvm2/web kvm3/mail" \
    "$(jq -r '[.[] | "\(.host)/\(.name)"] | join(" ")' <<< "$out")"
check_eq "... and it is no move destination in its hostinfo" "kvm2 kvm3" "$(V hostinfo --json | jq -r '.hosts | join(" ")')"
sed -i 's|^hosts = ( { name = "alpha"; [^}]*}, |hosts = ( |' "$CONF"

# default host_name: the machine's hostname
sed -i '/^host_name/d' "$CONF"
check_eq "without host_name, this host is the machine's hostname" "$(hostname -s)" \
    "$(V list --all-hosts --json | jq -r '.[] | select(.name == "here") | .host')"

sed -i "s|^hosts = ( |hosts = ( { name = \"dead\"; ssh = \"dead\"; ssh_config = \"$T/dead.config\"; }, |" "$CONF"
out=$(V list --all-hosts --json 2> "$T/err"); rc=$?
check_eq "a host down: exit 1" 1 "$rc"
check_eq "... it is one object, unreachable" "1 unreachable" \
    "$(jq -r '[.[] | select(.host == "dead")] | "\(length) \(.[0].state)"' <<< "$out")"
check_match "... with ssh's reason" "dead: ssh: cannot reach the host.*(refused|Connection)" \
    "$(jq -r '.[] | select(.host == "dead") | .error' <<< "$out")"
check_eq "... and the others are still listed" "here db web mail" \
    "$(jq -r '[.[] | select(.host != "dead") | .name] | join(" ")' <<< "$out")"
text=$(V list --all-hosts 2>&1); rc=$?
check_eq "the text form exits 1 too" 1 "$rc"
check_match "the text form has a HOST column" "^HOST +NAME +STATE" "$text"
check_match "... a row per remote guest" "^kvm3 +mail +running" "$text"
check_match "... and the dead host's row" "^dead +- +unreachable .*cannot reach" "$text"

# hostinfo: what a console elsewhere offers in its pickers for this host
touch "$T/peer-kvm2/iso/b.iso" "$T/peer-kvm2/iso/a.img"
info=$(V --host kvm2 hostinfo --json); rc=$?
check_eq "hostinfo --json on kvm2 exits 0" 0 "$rc"
check_eq "... names the host and its ISOs, sorted" "kvm2 a.img b.iso" "$(jq -r '[.name, (.iso[].name)] | join(" ")' <<< "$info")"
check_eq "... with their paths there" "$T/peer-kvm2/iso/b.iso" "$(jq -r '.iso[1].path' <<< "$info")"
check_eq "... the names taken there" "db web" "$(jq -r '.guests | join(" ")' <<< "$info")"
check_match "... a free VNC display and the version" '^[0-9]+ [0-9]' "$(jq -r '"\(.free_vnc_display) \(.version)"' <<< "$info")"

vd_on kvm2 kill web > /dev/null 2>&1
vd_on kvm3 kill mail > /dev/null 2>&1
finish
