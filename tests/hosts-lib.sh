# tests/hosts-lib.sh: several "other servers" at once. Each peer is a real
# sshd on 127.0.0.1 in its own mount namespace (ssh-lib.sh's sshd_start),
# with its own configuration, vms.d, iso folder and state_dir under
# $T/peer-NAME. Source after lib.sh and ssh-lib.sh (and tui-lib.sh when used).
#
# peer_start NAME [extra config lines on stdin]: up, reachable as host NAME;
#   its lines for this side's hosts list collect in $PEER_HOSTS.
# on_host NAME ARGS...: runs ARGS there (inside its namespace).
# vd_on NAME ARGS...: that host's own vmdeck, with its own configuration.
# The peers' QEMUs, sshds and ssh masters are ended on exit, by pid.
PEER_HOSTS=""
PEER_NAMES=""

peer_start() {
    local n="$1" d="$T/peer-$1"
    mkdir -p "$d/vms.d" "$d/state" "$d/iso" "$d/disks" "$d/backup"
    chmod 755 "$d/state"
    {
        echo "vms_dir = \"vms.d\";"
        echo "state_dir = \"state\";"
        echo "iso_dirs = [ \"iso\" ];"
        grep -E '^qemu = ' "$CONF"
        echo "storage = { vg = \"\"; file_dir = \"disks\"; };"
        echo "backup = { dir = \"backup\"; compress = \"zstd\"; level = 3; threads = 0; };"
        echo "host_name = \"$n\";"
        [ -t 0 ] || cat
    } > "$d/vmdeck.conf"
    SSH_DIR="$d/ssh" sshd_start
    PEER_NAMES="$PEER_NAMES $n"
    eval "PEER_SSHD_$n=$SSHD_PID"
    PEER_HOSTS="$PEER_HOSTS${PEER_HOSTS:+, }{ name = \"$n\"; ssh = \"$n\"; ssh_config = \"$d/ssh/config\"; vmdeck = \"$VMDECK -c $d/vmdeck.conf\"; }"
}
on_host() { local n="$1"; shift; ssh -F "$T/peer-$n/ssh/config" -o BatchMode=yes "$n" "$@"; }
vd_on() { local n="$1"; shift; on_host "$n" "$VMDECK" -c "$T/peer-$n/vmdeck.conf" "$@"; }
# mkguest_on HOST NAME: a small guest with no disk in that host's vms.d.
mkguest_on() {
    printf 'description: %s on %s\nmemory: 32M\ncpus: 1\n' "$2" "$1" > "$T/peer-$1/vms.d/$2.yaml"
    chmod 600 "$T/peer-$1/vms.d/$2.yaml"
}

# Runs first in lib.sh's cleanup (so also at finish, while $T still exists).
peers_cleanup() {
    local n pf p s
    for n in $PEER_NAMES; do
        for pf in "$T/peer-$n"/state/*/qemu.pid; do
            [ -f "$pf" ] || continue
            p=$(cat "$pf" 2>/dev/null)
            [ -n "$p" ] && kill -CONT "$p" 2>/dev/null; [ -n "$p" ] && kill -9 "$p" 2>/dev/null
        done
        ssh -F "$T/peer-$n/ssh/config" -O exit "$n" 2>/dev/null
        eval "s=\${PEER_SSHD_$n:-}"
        # its sessions (and what runs in them) outlive a killed listener
        [ -n "$s" ] && for p in $(pgrep -P "$s"); do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
    done
    # the console's shared connections (ControlPersist) under this test's state_dir
    for p in $(pgrep -f "^ssh: $T/"); do kill "$p" 2>/dev/null; done
    PEER_NAMES=""
}
eval "peers_lib_cleanup() $(declare -f cleanup | tail -n +2)"
cleanup() { peers_cleanup; peers_lib_cleanup; }
