# tests/ssh-lib.sh: a real sshd on 127.0.0.1 standing in for a second server.
# Throw-away host and user keys, a free port, a client config file for
# vmdeck's hosts[].ssh_config; stopped by pid on exit. Source after lib.sh.
#
# sshd_start [SETUP]: sshd runs in its own mount namespace, after SETUP (a
# shell snippet) ran there, so that paths (/dev/VG, a disk folder) can differ
# from this side's, as they would on another machine.
SSHD_PID=""
SSH_DIR="$T/ssh"

free_port() {
    local p
    for p in $(shuf -i 20000-60000 -n 50); do
        ss -ltn "sport = :$p" | grep -q LISTEN || { echo "$p"; return; }
    done
}

sshd_start() {
    # bash runs ~/.bashrc for every ssh command; this machine's takes seconds: keep it out of
    # the peer's namespace, so a remote command costs what it would on a server
    local setup="${1:-true}; if [ -s /root/.bashrc ]; then mount --bind /dev/null /root/.bashrc; fi"
    mkdir -p "$SSH_DIR" /run/sshd
    chmod 700 "$SSH_DIR"
    ssh-keygen -q -t ed25519 -N '' -f "$SSH_DIR/host_key"
    ssh-keygen -q -t ed25519 -N '' -f "$SSH_DIR/user_key"
    cp "$SSH_DIR/user_key.pub" "$SSH_DIR/authorized_keys"
    SSH_PORT=$(free_port)
    cat > "$SSH_DIR/sshd_config" <<EOF2
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $SSH_DIR/host_key
AuthorizedKeysFile $SSH_DIR/authorized_keys
PidFile $SSH_DIR/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
AcceptEnv none
EOF2
    echo "[127.0.0.1]:$SSH_PORT $(cut -d' ' -f1-2 "$SSH_DIR/host_key.pub")" > "$SSH_DIR/known_hosts"
    cat > "$SSH_DIR/config" <<EOF2
Host *
    HostName 127.0.0.1
    Port $SSH_PORT
    User root
    IdentityFile $SSH_DIR/user_key
    IdentitiesOnly yes
    UserKnownHostsFile $SSH_DIR/known_hosts
    StrictHostKeyChecking yes
    LogLevel ERROR
    # one connection carries every command: each new handshake costs seconds on a busy machine
    ControlMaster auto
    ControlPath $SSH_DIR/cm-%C
    ControlPersist 60
EOF2
    unshare -m --propagation private -- bash -c "set -e; $setup; exec /usr/sbin/sshd -D -e -f '$SSH_DIR/sshd_config'" \
        2>"$SSH_DIR/sshd.log" &
    SSHD_PID=$!
    EXTRA_PIDS="$EXTRA_PIDS $SSHD_PID"
    wait_until 10 ssh -F "$SSH_DIR/config" -o BatchMode=yes peer true \
        || { echo "Bail out! sshd did not come up: $(tail -3 "$SSH_DIR/sshd.log")"; exit 1; }
}
# Runs a command on the "other server" (inside sshd's namespace, as root there).
on_peer() { ssh -F "$SSH_DIR/config" -o BatchMode=yes peer "$@"; }
sshd_stop() { ssh -F "$SSH_DIR/config" -O exit peer 2>/dev/null; [ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null; wait "$SSHD_PID" 2>/dev/null; SSHD_PID=""; }
