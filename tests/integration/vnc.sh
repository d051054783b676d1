#!/bin/bash
# vnc.sh: a guest with a VNC password, seen through a real VNC client.
# vncsnapshot with the right password (a `vncpasswd -f` file) gets a JPEG of
# the screen; with a wrong one it is refused. The password is set over QMP,
# so it is in neither QEMU's command line nor its log.
source "$(dirname "$0")/../lib.sh"
write_conf

PW="vd7Kq2xz"
vnc=$(free_vnc_display)
mkguest v1 <<EOF
vnc:
  display: $vnc
  listen: 127.0.0.1
  password: $PW
EOF
check_eq "the definition holding the password is 0600" 600 "$(stat -c %a "$T/vms.d/v1.yaml")"

vd() { "$VMDECK" -c "$CONF" "$@"; }
check "start the guest with a VNC password" vd start v1
pid=$(cat "$T/state/v1/qemu.pid")

echo "$PW" | vncpasswd -f > "$T/right.pw"
echo "wrong123" | vncpasswd -f > "$T/wrong.pw"
chmod 600 "$T/right.pw" "$T/wrong.pw"

# SeaBIOS needs a moment to put something on the screen; retry a few times.
snap() { timeout 20 vncsnapshot -quiet -passwd "$1" "127.0.0.1:$vnc" "$2" > "$T/snap.log" 2>&1 && [ -s "$2" ]; }
if wait_until 20 snap "$T/right.pw" "$T/right.jpg"; then
    ok "vncsnapshot with the right password gets a picture"
else
    fail "vncsnapshot with the right password failed: $(head -c 300 "$T/snap.log")"
fi
check_eq "the picture is a JPEG" "ffd8ff" "$(head -c 3 "$T/right.jpg" 2>/dev/null | od -An -tx1 | tr -d ' \n')"
check_match "the picture is not empty" "JPEG image data" "$(file "$T/right.jpg")"

timeout 20 vncsnapshot -quiet -passwd "$T/wrong.pw" "127.0.0.1:$vnc" "$T/wrong.jpg" > "$T/wrong.log" 2>&1
check "vncsnapshot with a wrong password is refused" test $? -ne 0
check_match "by VNC authentication" "VNC authentication failed" "$(cat "$T/wrong.log")"
check "and gets no picture" test ! -s "$T/wrong.jpg"

out=$(vd vnc v1 --json)
check_eq "vmdeck vnc: port, listen and password set" "$((5900 + vnc)) 127.0.0.1 true" \
    "$(jq -r '"\(.vnc.port) \(.vnc.listen) \(.vnc.password)"' <<< "$out")"
check_nomatch "vmdeck vnc does not show the password" "$PW" "$out $(vd vnc v1)"
P=$((5900 + vnc))
out=$(vd vnc v1)
check_match "vmdeck vnc: a loopback display comes with the SSH tunnel to it" \
    "ssh -L $P:127.0.0.1:$P $(hostname -s)" "$out"
check_match "and PuTTY's version of it" "source port $P" "$out"
check_nomatch "a running guest's needs no 'once the guest runs'" "once the guest runs" "$out"
mkguest v2 <<EOF
vnc:
  display: $((vnc + 1))
  listen: 0.0.0.0
EOF
check_match "a display on every address: the viewer goes to the server's name" \
    "Point a VNC viewer \(TigerVNC, RealVNC\) at $(hostname -s)::$((P + 1)) once the guest runs\." "$(vd vnc v2)"
check_nomatch "the password is not in QEMU's /proc/PID/cmdline" "$PW" "$(tr '\0' ' ' < "/proc/$pid/cmdline")"
check_match "QEMU's command line asks for a password" "password=on" "$(tr '\0' ' ' < "/proc/$pid/cmdline")"
check_nomatch "the password is not in qemu.log" "$PW" "$(cat "$T/state/v1/qemu.log" 2>/dev/null)"
check_nomatch "the password is not in vmdeck argv" "$PW" "$(vd argv v1)"

vd kill v1 > /dev/null
finish
