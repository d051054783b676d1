#!/bin/bash
# snapshot_thaw.sh: a live disk-only snapshot whose switch to the new
# overlays succeeded but whose thaw is not confirmed (a stand-in agent on
# qga.sock that never really thaws) fails loudly, yet never deletes the
# overlays QEMU now writes into: they stay on disk and the definition and
# the snapshots file name them, so nothing the guest writes is lost.
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

# the stand-in agent: answers sync and freeze, says "frozen" after every thaw
cat > "$T/agent.py" <<'EOF2'
import json, os, socket, sys
path, ready = sys.argv[1:3]
try: os.unlink(path)
except FileNotFoundError: pass
srv = socket.socket(socket.AF_UNIX); srv.bind(path); srv.listen(4)
open(ready, "w").close()
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
            if ex == "guest-sync": say(c, cmd["arguments"]["id"])
            elif ex == "guest-fsfreeze-status": say(c, "frozen")
            else: say(c, 1)
    c.close()
EOF2
python3 "$T/agent.py" "$T/state/fz/qga.sock" "$T/agent.ready" 2>>"$T/agent.err" &
EXTRA_PIDS="$EXTRA_PIDS $!"
wait_until 10 test -e "$T/agent.ready" || fail "the stand-in agent did not start: $(cat "$T/agent.err")"

out=$(V snapshot fz create s1 2>&1); rc=$?
check_eq "the snapshot fails: the thaw was not confirmed (exit 1)" 1 "$rc"
check_match "saying the filesystems may still be frozen" "FROZEN" "$out"
ov="$T/disks/fz-disk0-s1.qcow2"
pid=$(cat "$T/state/fz/qemu.pid")
check "QEMU writes into the new overlay" eval "ls -l /proc/$pid/fd | grep -q 'fz-disk0-s1.qcow2'"
check "which is still on disk (never unlinked under QEMU)" test -f "$ov"
check "and not deleted from under QEMU" eval "! ls -l /proc/$pid/fd | grep -q 'fz-disk0-s1.qcow2 (deleted)'"
check_match "the definition names it" "overlay: $ov" "$(cat "$T/vms.d/fz.yaml")"
check_match "the snapshot is listed" "s1" "$(V snapshot fz list 2>&1)"
V kill fz >/dev/null 2>&1
finish
