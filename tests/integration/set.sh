#!/bin/bash
# set.sh: `vmdeck set NAME KEY=VALUE...` edits a definition in place through
# the schema (a bad key or value: exit 2 naming it, the file untouched), in
# one write that keeps the file's mode and comments, with one event line; a
# running guest's answer says it takes effect at the next start. A VNC
# password never comes as KEY=VALUE: a file or stdin (`set` and `new`), and
# it is in no event line. `--changes -` reads the console's JSON plan.
source "$(dirname "$0")/../lib.sh"

write_conf
vd() { "$VMDECK" -c "$CONF" "$@"; }
mkguest g <<'EOF2'
# kept: a comment of the admin's
EOF2
F="$T/vms.d/g.yaml"
sum() { sha256sum "$F" | cut -d' ' -f1; }

out=$(vd set g memory=64M cpus=2 'description=web server' 2>&1); rc=$?
check_eq "set exits 0" 0 "$rc"
check_match "it says how many changes" '^g: 3 changes saved$' "$out"
check_eq "memory, cpus and description as vmdeck show sees them" "67108864 2 web server" \
    "$(vd show g --json | jq -r '"\(.memory) \(.cpus) \(.definition.description)"')"
check "the comment is kept" grep -q '^# kept: a comment of the admin' "$F"
check_eq "the file stays 0600" 600 "$(stat -c %a "$F")"
check_match "one event line" 'definition edited' "$(cat "$T/state/g/events.log")"

before=$(sum)
out=$(vd set g memry=1G 2>&1); rc=$?
check_eq "a bad key exits 2" 2 "$rc"
check_match "... naming the key" '^vmdeck: g: cannot edit: memry: ' "$out"
out=$(vd set g cpus=2 memory=lots 2>&1); rc=$?
check_eq "a bad value exits 2" 2 "$rc"
check_match "... naming the key" '^vmdeck: g: cannot edit: memory: expected a size' "$out"
out=$(vd set g nics.0.model=nope 2>&1); rc=$?
check_eq "a bad list item value exits 2" 2 "$rc"
check_match "... naming it" 'nics.0.model' "$out"
out=$(vd set g vnc.password=s3cretpw 2>&1); rc=$?
check_eq "a password as KEY=VALUE is refused (exit 2)" 2 "$rc"
check_match "... saying where it goes" 'vnc-password-file' "$out"
out=$(vd set g memory 2>&1); rc=$?
check_eq "a word without = is a usage error" 2 "$rc"
check_eq "none of them touched the file (not even cpus=2 beside a bad value)" "$before" "$(sum)"
out=$(vd set nosuch memory=1G 2>&1); rc=$?
check_eq "an unknown guest exits 2" 2 "$rc"

VNC_D=$(free_vnc_display)
out=$(printf 'Pw7xQ2ab\n' | vd set g vnc.display="$VNC_D" vnc.listen=127.0.0.1 --vnc-password-file - 2>&1); rc=$?
check_eq "--vnc-password-file - reads stdin" 0 "$rc"
check "the password is in the file" grep -qE '^  password: Pw7xQ2ab( |$)' "$F"
check_eq "... which is 0600" 600 "$(stat -c %a "$F")"
check_eq "show says a password is set" true "$(vd show g --json | jq -r .vnc.password)"
check_nomatch "show --json never gives it" 'Pw7xQ2ab' "$(vd show g --json)"

# The console's plan: keys, and a first card replaced (a user card gets a bridge-less kind)
out=$(printf '%s' '{"keys": [["cpus", "3"], ["disks.0.interface", "virtio"]]}' | vd set g --changes - 2>&1); rc=$?
check_eq "a plan with a disk key on a guest without disks fails (exit 2)" 2 "$rc"
out=$(printf '%s' '{"keys": [["cpus", "3"]], "nic": {"kind": null}}' | vd set g --changes - --json 2>&1); rc=$?
check_eq "--changes - applies a plan" 0 "$rc"
check_eq "... its answer as JSON" "2 false" "$(jq -r '"\(.changes) \(.next_start)"' <<<"$out")"
check_eq "... cpus 3, no card" "3 0" "$(vd show g --json | jq -r '"\(.cpus) \(.nics | length)"')"
out=$(printf '%s' '{"keys": 5}' | vd set g --changes - 2>&1); rc=$?
check_eq "a malformed plan exits 2" 2 "$rc"
check_match "... saying what is wrong" 'changes: keys' "$out"
out=$(printf 'x%.0s' $(seq 1 70000) | vd set g --changes - 2>&1); rc=$?
check_eq "an endless plan is refused, bounded" 2 "$rc"

# vmdeck new takes its password from stdin too
out=$(printf 'Nw4pass\n' | vd new n2 --vnc-listen 127.0.0.1 --vnc-password-file - 2>&1); rc=$?
check_eq "new --vnc-password-file - reads stdin" 0 "$rc"
check "... the password is in its 0600 file" grep -qE '^  password: Nw4pass( |$)' "$T/vms.d/n2.yaml"
check_eq "... 0600" 600 "$(stat -c %a "$T/vms.d/n2.yaml")"
check_nomatch "no password in any event line" 'Pw7xQ2ab|Nw4pass' "$(cat "$T"/state/*/events.log)"

# A running guest: the answer says when the change applies (a paused QEMU without OS is enough).
mkguest r < /dev/null
vd start r > /dev/null 2>&1 && vd pause r > /dev/null 2>&1
check "r runs" state_is r paused
out=$(vd set r memory=48M 2>&1)
check_match "a hardware change on a running guest: at the next start" 'r: 1 change saved; takes effect at the next start' "$out"
out=$(vd set r 'description=only words' 2>&1)
check_eq "a description is not hardware: no note" "r: 1 change saved" "$out"
vd kill r > /dev/null 2>&1
finish
