#!/bin/bash
# vnc_open.sh: a VNC listen address other than loopback without a password is
# an open door (the guest's screen and keyboard for anyone on the LAN).
# `check` reports it and `start` and `new` refuse it, each with one line saying
# how to fix it, unless the definition says vnc.allow_no_password: true. The
# demo vms.d and the README's example follow the rule.
source "$(dirname "$0")/../lib.sh"
write_conf

vd() { "$VMDECK" -c "$CONF" "$@"; }
run() { out=$("$@" 2>&1); rc=$?; }
d=$(free_vnc_display)
FIX='add vnc.password \(up to 8 characters; the file must then be 0600\), listen on 127.0.0.1, or set vnc.allow_no_password: true'

mkguest door <<EOF
vnc:
  display: $d
  listen: 0.0.0.0
EOF
run vd check
check_eq "check: an open listen without a password fails (exit 2)" 2 "$rc"
check_match "in one line naming the file, the address and the fix" \
    "^vmdeck: $T/vms.d/door.yaml: vnc.listen 0.0.0.0 opens the guest's screen to the network without a password: $FIX\$" \
    "$(grep door.yaml <<< "$out")"
check_eq "one line only" 1 "$(grep -c door.yaml <<< "$out")"
run vd list --json
check_eq "list still shows the guest (a running one stays manageable)" stopped "$(jq -r '.[] | select(.name == "door") | .state' <<< "$out")"

run vd start door
check "start refuses it" test "$rc" -ne 0
check_match "in one line saying how to fix it" "^vmdeck: door: cannot start: vnc.listen 0.0.0.0 .*$FIX\$" "$out"
check_eq "one line" 1 "$(wc -l <<< "$out")"
check "no QEMU was started" test ! -e "$T/state/door/qemu.pid"
check "nothing listens on its port" eval "! ss -ltn 'sport = :$((5900 + d))' | grep -q LISTEN"
check_match "the refusal is in its event log" "start failed: vnc.listen 0.0.0.0 opens" "$(cat "$T/state/door/events.log" 2>&1)"

for addr in :: 192.0.2.10 kvm1.example.org; do
    sed -i "s/^  listen: .*/  listen: \"$addr\"/" "$T/vms.d/door.yaml"
    run vd check
    check_match "check: listen $addr without a password is refused too" "vnc.listen $addr opens" "$out"
done
for addr in 127.0.0.1 127.0.0.2 ::1 localhost; do
    sed -i "s/^  listen: .*/  listen: \"$addr\"/" "$T/vms.d/door.yaml"
    run vd check
    check_eq "check: listen $addr (loopback) needs no password" 0 "$rc"
done

# Said explicitly: accepted, and it starts.
sed -i "s/^  listen: .*/  listen: 0.0.0.0/" "$T/vms.d/door.yaml"
echo "  allow_no_password: true" >> "$T/vms.d/door.yaml"
run vd check
check_eq "check: vnc.allow_no_password: true accepts it" 0 "$rc"
run vd start door
check_eq "start: and it starts" 0 "$rc"
check_match "on every address" "VNC on 0.0.0.0:$((5900 + d))" "$out"
vd kill door > /dev/null 2>&1

# With a password (the file 0600) it is fine.
sed -i '/allow_no_password/d' "$T/vms.d/door.yaml"
echo "  password: s3cretpw" >> "$T/vms.d/door.yaml"
run vd check
check_eq "check: an open listen with a password passes" 0 "$rc"

# vmdeck new: refused without a password, accepted with one.
run vd new wide --vnc-listen 0.0.0.0
check "new: an open listen without a password is refused" test "$rc" -ne 0
check_match "new: saying how to fix it" "vnc.listen 0.0.0.0 opens .*$FIX" "$out"
check "new: and writes nothing" test ! -e "$T/vms.d/wide.yaml"
printf 'pw4wide\n' > "$T/pw"; chmod 600 "$T/pw"
run vd new wide --vnc-listen 0.0.0.0 --vnc-password-file "$T/pw"
check_eq "new: with --vnc-password-file it is written" 0 "$rc"
check_eq "new: 0600, as it holds the password" 600 "$(stat -c %a "$T/vms.d/wide.yaml")"

# The shipped demo definitions: no open door, and a password only in a 0600 file.
demo_conf="$T/demo.conf"
sed "s|^vms_dir = .*|vms_dir = \"$VMDECK_ROOT/vms.d\";|" "$CONF" > "$demo_conf"
run "$VMDECK" -c "$demo_conf" check --json
check_eq "demo vms.d: no VNC or password-mode error" "" \
    "$(jq -r '.errors[]' <<< "$out" | grep -E 'vnc\.listen|vnc\.password' || true)"
for f in "$VMDECK_ROOT"/vms.d/*.yaml; do
    listen=$(sed -nE 's/^  listen: *"?([^" #]+).*/\1/p' "$f")
    if grep -qE '^  password:' "$f"; then
        check_eq "demo $(basename "$f"): holds a password, so it is 0600" 600 "$(stat -c %a "$f")"
    else
        check_match "demo $(basename "$f"): no password, so it listens on loopback" '^(127\.|::1$|localhost$)' "$listen"
    fi
done

# The README's definition example passes the same rule.
awk '/^## Guest definition reference/ {on = 1} on && /^```yaml/ {getline; while ($0 != "```") {print; getline} exit}' \
    "$VMDECK_ROOT/README.md" > "$T/vms.d/readme.yaml"
chmod 600 "$T/vms.d/readme.yaml"
sed -i "s/^  display: .*/  display: $((d + 1 > 99 ? d - 1 : d + 1))/" "$T/vms.d/readme.yaml"
check_match "the README example is the one with a LAN listen" 'listen: 0\.0\.0\.0' "$(cat "$T/vms.d/readme.yaml")"
run vd check --json
check_eq "README example: no VNC error" "" "$(jq -r '.errors[]' <<< "$out" | grep readme.yaml || true)"
finish
