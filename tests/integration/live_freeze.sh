#!/bin/bash
# A live backup that ends after it asked the guest agent to freeze (a signal
# while the freeze is under way, a guest that stays frozen) always sends the
# thaw and checks it with guest-fsfreeze-status; a guest left frozen is said
# loudly, in the output and in its event log. The guest sits in SeaBIOS; its
# agent is a stand-in on qga.sock that holds its answer to the freeze until
# the test lets it go, so the signal lands exactly during the freeze.
source "$(dirname "$0")/../lib.sh"
write_conf
set_accel tcg
V() { "$VMDECK" -c "$CONF" "$@"; }

head -c 4M /dev/urandom > "$T/disks/f.raw"
mkguest fz <<EOF2
disks:
  - file: $T/disks/f.raw
guest_agent: true
EOF2
V start fz >/dev/null 2>&1
check "the guest runs" wait_until 10 state_is fz running

# agent MODE: replaces QEMU's end of qga.sock with a stand-in that logs each
# command to $T/agent.log, answers the freeze once $T/release exists, and
# (MODE=stuck) never really thaws.
cat > "$T/agent.py" <<'EOF2'
import json, os, socket, sys, time
path, log, release, mode = sys.argv[1:5]
try: os.unlink(path)
except FileNotFoundError: pass
srv = socket.socket(socket.AF_UNIX); srv.bind(path); srv.listen(4)
open(log + ".ready", "w").close()
state = "thawed"
def say(c, v): c.sendall((json.dumps({"return": v}) + "\n").encode())
while True:
    c, _ = srv.accept(); buf = b""
    while True:
        d = c.recv(4096)
        if not d: break
        buf += d
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            cmd = json.loads(line); ex = cmd["execute"]
            with open(log, "a") as f: f.write(ex + "\n")
            if ex == "guest-sync": say(c, cmd["arguments"]["id"])
            elif ex == "guest-fsfreeze-freeze":
                while not os.path.exists(release): time.sleep(0.05)
                state = "frozen"; say(c, 1)
            elif ex == "guest-fsfreeze-thaw":
                if mode != "stuck": state = "thawed"
                say(c, 1)
            elif ex == "guest-fsfreeze-status": say(c, state)
    c.close()
EOF2
AGENT_PID=""
agent() {
    [ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null; wait "$AGENT_PID" 2>/dev/null
    rm -f "$T/agent.log" "$T/agent.log.ready" "$T/release"
    python3 "$T/agent.py" "$T/state/fz/qga.sock" "$T/agent.log" "$T/release" "$1" 2>>"$T/agent.err" &
    AGENT_PID=$!; EXTRA_PIDS="$EXTRA_PIDS $AGENT_PID"
    wait_until 10 test -e "$T/agent.log.ready" || fail "the stand-in agent did not start: $(cat "$T/agent.err")"
}
# signal_in_freeze SIG: a live backup gets SIG while the agent holds the freeze.
signal_in_freeze() {
    "$VMDECK" -c "$CONF" backup fz --live >/dev/null 2>"$T/live.err" &
    local bp=$!; EXTRA_PIDS="$EXTRA_PIDS $bp"
    wait_until 10 grep -q freeze "$T/agent.log"
    kill "-$1" "$bp"; sleep 0.3; touch "$T/release"
    wait "$bp"; RC=$?
}
agent_said() { tr '\n' ' ' < "$T/agent.log" 2>/dev/null | sed 's/ $//'; }

for sig in TERM INT; do
    agent normal
    signal_in_freeze $sig
    check_eq "SIG$sig during the freeze: the live backup exits 1" "1" "$RC"
    check_match "saying it was interrupted ($sig)" "cannot back up: interrupted$" "$(cat "$T/live.err")"
    check_match "the thaw was sent and its status checked ($sig)" \
        "guest-fsfreeze-freeze .*guest-fsfreeze-thaw guest-fsfreeze-status$" "$(agent_said)"
    check_eq "no archive, no partial left ($sig)" "" "$(ls -A "$T/backup" | grep -vx '.vmdeck-status')"
done

# A guest whose filesystems stay frozen: loud, in the output and the event log.
agent stuck
touch "$T/release"
out=$(V backup fz --live 2>&1); rc=$?
check_eq "a thaw that does not take fails the live backup" "1" "$rc"
check_match "saying so loudly" "THE GUEST'S FILESYSTEMS MAY STILL BE FROZEN \(thaw not confirmed: .*frozen" "$out"
check_match "and in its event log" "MAY STILL BE FROZEN" "$(cat "$T/state/fz/events.log" 2>/dev/null)"

# The plain case: frozen, copied, thawed, checked.
agent normal
touch "$T/release"
out=$(V backup fz --live 2>&1); rc=$?
check_eq "a live backup with the agent succeeds" "0" "$rc"
check_match "freeze, then thaw and status" "guest-fsfreeze-freeze guest-sync guest-fsfreeze-thaw guest-fsfreeze-status" "$(agent_said)"
A=$(ls -d "$T"/backup/fz-* 2>/dev/null | head -1)
check_eq "and the archive holds the disk" "$(sha256sum < "$T/disks/f.raw")" "$(zstd -dc "$A/f.raw.zst" 2>/dev/null | sha256sum)"
V kill fz >/dev/null 2>&1
finish
