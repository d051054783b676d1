#!/bin/bash
# check.sh: `vmdeck check` and `vmdeck new` on the real binary: exit codes, the
# one-line errors with file:line:col, clashes between guests, and what `new` writes.
source "$(dirname "$0")/../lib.sh"

write_conf
V() { "$VMDECK" -c "$CONF" "$@"; }
run() { out=$("$@" 2>"$T/err"); rc=$?; err=$(cat "$T/err"); }

mkguest alpha <<'EOF'
vnc:
  display: 1
EOF
mkguest beta <<'EOF'
vnc:
  display: 2
EOF
sed -i 's/^    mac: .*/    mac: 52:54:00:00:00:0a/' "$T/vms.d/alpha.yaml"
sed -i 's/^    mac: .*/    mac: 52:54:00:00:00:0b/' "$T/vms.d/beta.yaml"

run V check
check_eq "check: valid guests exit 0" 0 "$rc"
check_eq "check: says how many are fine" "2 guests OK" "$out"

# A broken definition: one line on stderr with file:line:col, exit 2; the others still listed.
printf 'description: broken\ncpus: 2\nmemory: lots\n' > "$T/vms.d/gamma.yaml"
run V check
check_eq "check: a broken guest exits 2" 2 "$rc"
check_eq "check: the error names file, line, column and what was expected" \
    "vmdeck: $T/vms.d/gamma.yaml:3:9: memory: expected a size like 512M or 2G, got \"lots\"" "$err"
check_match "check: the summary counts the good ones" "^1 error; 2 of 3 guests OK$" "$out"
run V check --json
check_eq "check --json: counts and the error as data" "3 2 1 memory" \
    "$(printf '%s' "$out" | jq -r '"\(.guests) \(.valid) \(.errors | length) \(.errors[0] | capture("(?<k>memory):").k)"')"
check_eq "check --json: exit 2 as well" 2 "$rc"
run V list --json
check_eq "list: the broken file does not hide the others" "alpha beta gamma" \
    "$(printf '%s' "$out" | jq -r '[.[].name] | join(" ")')"
check_eq "list: the broken guest is invalid with the reason" "invalid memory" \
    "$(printf '%s' "$out" | jq -r '.[] | select(.name == "gamma") | .state + " " + (.error | capture("(?<k>memory):").k)')"
printf 'memory: 1G\nmemory: 2G\n' > "$T/vms.d/gamma.yaml"
run V check
check_match "check: duplicate keys are errors" "gamma.yaml:2:1: memory: duplicate key \(first given on line 1\)" "$err"
printf 'nics:\n  - bridge: br0\n    mac: 52:54:00:zz:00:01\n' > "$T/vms.d/gamma.yaml"
run V check
check_match "check: MAC syntax" "gamma.yaml:3:10: nics\[0\].mac: expected a unicast MAC like 52:54:00:a1:b2:c3" "$err"
printf 'disks:\n  - lv: vg0/a\n    file: /x.img\n' > "$T/vms.d/gamma.yaml"
run V check
check_match "check: a disk needs exactly one of lv and file" "gamma.yaml:2:5: disks\[0\]: expected exactly one of lv or file" "$err"
printf 'memory: 1G\n  cpus: 2\n' > "$T/vms.d/gamma.yaml"
run V check
check_match "check: YAML syntax errors carry libyaml's position" "gamma.yaml:2:7: YAML syntax error: " "$err"
rm "$T/vms.d/gamma.yaml"

# Clashes between guests: the same VNC display, the same MAC.
mkguest delta <<'EOF'
vnc:
  display: 2
EOF
sed -i 's/^    mac: .*/    mac: 52:54:00:00:00:0a/' "$T/vms.d/delta.yaml"
run V check
check_eq "check: clashes exit 2" 2 "$rc"
check_match "check: two guests on one VNC display" "delta.yaml: vnc.display 2 is also used by beta \(port 5902\)" "$err"
check_match "check: two guests with one MAC" "delta.yaml: mac 52:54:00:00:00:0a is also used by alpha" "$err"
check_eq "check: a guest with a clash is not counted OK" "2 errors; 2 of 3 guests OK" "$out"
run V check --json
check_eq "check --json: valid leaves out the guest with a clash" 2 "$(printf '%s' "$out" | jq -s '.[0].valid')"
check_eq "check --json with errors: one JSON document on stdout, no error object after it" 1 "$(printf '%s' "$out" | jq -s length)"
rm "$T/vms.d/delta.yaml"

# A password in a file others can read is refused with the fix in the message, never the password.
mkguest pw <<'EOF'
vnc:
  display: 9
  password: hunter2
EOF
chmod 644 "$T/vms.d/pw.yaml"
run V check
check_eq "check: a readable password file exits 2" 2 "$rc"
check_match "check: the message says chmod 600" "pw.yaml:.*vnc.password: .*readable by group or others.*chmod 600 $T/vms.d/pw.yaml" "$err"
check_nomatch "check: the password is not printed" "hunter2" "$out$err"
chmod 600 "$T/vms.d/pw.yaml"
run V check
check_eq "check: mode 0600 is accepted" "3 guests OK" "$out"
rm "$T/vms.d/pw.yaml"

# Configuration errors: file and line, exit 2, for check and every other verb.
cp "$CONF" "$T/good.conf"
printf 'ui = {\n  colour = "blue";\n};\n' >> "$CONF"
run V check
check_eq "config: an unknown key exits 2" 2 "$rc"
check_eq "config: the error names file, line and key" \
    "vmdeck: $CONF:9: ui.colour: unknown key (see \`vmdeck help config\`)" "$err"
cp "$T/good.conf" "$CONF"
echo 'status_timeout = "soon";' >> "$CONF"
run V list
check_match "config: a wrong type stops other verbs too" \
    "vmdeck.conf:8: status_timeout: expected an integer between 10 and 60000, got a string" "$err"
cp "$T/good.conf" "$CONF"
run env VMDECK_CONFIG="$CONF" "$VMDECK" check
check_eq "config: \$VMDECK_CONFIG is used without -c" "2 guests OK" "$out"
sed -i 's|^qemu = .*|qemu = { binary = "qemu-system-nonesuch"; accel = "auto"; };|' "$CONF"
sed -i '/^iso_dirs/d' "$CONF"; echo 'iso_dirs = [ "iso", "no-such-dir" ];' >> "$CONF"
run V check
check_eq "config: missing things on the host are warnings, not errors" "0 2 guests OK" "$rc $out"
check_match "config: warns about a QEMU that is not there" "warning: $CONF: qemu.binary qemu-system-nonesuch is not found in PATH" "$err"
check_match "config: warns about a missing ISO folder" "warning: $CONF: iso_dirs: $T/no-such-dir: No such file or directory" "$err"
cp "$T/good.conf" "$CONF"

# vmdeck new: writes a definition that loads, picks a free VNC display, creates a file disk.
run V new web1 --memory 64M --cpus 2 --disk 32M --description "Web: front end" --rtc localtime
check_eq "new: exit 0" 0 "$rc"
check_match "new: reports the file" "wrote $T/vms.d/web1.yaml" "$out"
check_match "new: the first free display after 1 and 2 is 3" "vnc display 3 \(port 5903\) on 127.0.0.1" "$out"
check "new: the disk file exists" test -f "$T/disks/web1.qcow2"
check_eq "new: the disk is a qcow2 of the given size" "qcow2 33554432" \
    "$(qemu-img info --output=json "$T/disks/web1.qcow2" | jq -r '.format + " " + (.["virtual-size"] | tostring)')"
check_eq "new: the definition is 0600, password or not" 600 "$(stat -c %a "$T/vms.d/web1.yaml")"
chown nobody:nogroup "$T/vms.d/web1.yaml"
run V show web1 --json
check_eq "new: the guest loads with the given values" "67108864 2 3 localtime" \
    "$(printf '%s' "$out" | jq -r '"\(.memory) \(.cpus) \(.vnc.display)"') $(grep -o '^rtc: [a-z]*' "$T/vms.d/web1.yaml" | cut -d' ' -f2)"
check_match "new: a MAC was generated and written" "^    mac: 52:54:00:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2} " "$(cat "$T/vms.d/web1.yaml")"
check_eq "the MAC write-back at start keeps the file's owner" "nobody:nogroup" \
    "$(sed -i '/^    mac:/d' "$T/vms.d/web1.yaml" && V start web1 >/dev/null 2>&1; V kill web1 >/dev/null 2>&1; stat -c %U:%G "$T/vms.d/web1.yaml")"
run V argv web1
check_match "new: the guest has a QEMU command line" "-m 64M" "$out"
run V check
check_eq "check: still fine with the new guest" "3 guests OK" "$out"

run V new web1
check_eq "new: an existing name is refused with exit 1" 1 "$rc"
check_match "new: says why" "web1: cannot create: a guest of that name exists" "$err"
run V new web2 --memory lots
check_eq "new: a bad value exits 2" 2 "$rc"
check_eq "new: the error names the option" "vmdeck: web2: cannot create: --memory: expected a size like 512M or 2G, got \"lots\"" "$err"
check "new: nothing is written after a bad value" test ! -e "$T/vms.d/web2.yaml"
run V new "../evil"
check_eq "new: an invalid name exits 2" 2 "$rc"
run V new web3 --vnc 100
check_match "new: the VNC display range" "--vnc: expected a number between 0 and 99, got 100" "$err"
run V new web3 --bridge br0 --user-net
check_match "new: one kind of network" "give one of --bridge and --user-net" "$err"

printf 's3cret\n' > "$T/pwfile"
run V new vault --vnc 7 --vnc-password-file "$T/pwfile" --lv vg0/vault --bridge br0 --model virtio --interface virtio --machine q35
check_eq "new: with a password exit 0" 0 "$rc"
check_eq "new: a definition with a password is 0600" 600 "$(stat -c %a "$T/vms.d/vault.yaml")"
check_nomatch "new: the password is not printed" "s3cret" "$out$err"
check_match "new: the password is in the file" "^  password: s3cret " "$(cat "$T/vms.d/vault.yaml")"
run V show vault --json
check_eq "new: lv, bridge and model as given" "vg0/vault virtio br0 virtio true" \
    "$(printf '%s' "$out" | jq -r '"\(.disks[0].lv) \(.disks[0].interface) \(.nics[0].bridge) \(.nics[0].model) \(.vnc.password)"')"
printf 'ninechars\n' > "$T/pwfile"
run V new vault2 --vnc-password-file "$T/pwfile"
check_match "new: a VNC password longer than 8 is refused" "--vnc-password-file: expected 1 to 8 characters" "$err"
check_nomatch "new: ... without showing it" "ninechars" "$err"

# help config / help yaml print the references from the schema tables.
run "$VMDECK" help yaml
check_match "help yaml: lists nested keys" "nics\[\]\.mac \(string: a unicast MAC" "$out"
run "$VMDECK" help config
check_match "help config: lists defaults" "status_timeout \(integer, 10\.\.60000, default 500\)" "$out"

# The README's references are these outputs; a key added to a table must reach the README too.
readme_block() { sed -n "/<!-- begin: vmdeck help $1 -->/,/<!-- end: vmdeck help $1 -->/p" "$VMDECK_ROOT/README.md" | sed '1,2d;$d' | sed '$d'; }
check_eq "README: the configuration reference is current" "$("$VMDECK" help config)" "$(readme_block config)"
check_eq "README: the definition reference is current" "$("$VMDECK" help yaml)" "$(readme_block yaml)"


# vmdeck help fits 80 columns by wrapping, never by cutting; every verb takes --help.
run "$VMDECK" help
check_eq "help: no row wider than 79 columns" "" "$(printf '%s\n' "$out" | awk 'length > 79')"
check_nomatch "help: no usage cut with ..." '\.\.\.' "$out"
check_match "help: the long usage of new is there whole" '\[--guest-agent\] \[--autostart\]' "$out"
bad=""
for verb in $(printf '%s\n' "$out" | sed -n 's/^  \([a-z]\+\) .*/\1/p; s/^  \([a-z]\+\)$/\1/p'); do
    o=$("$VMDECK" -c "$CONF" "$verb" --help 2>&1); rc=$?
    [ "$rc" = 0 ] && printf '%s' "$o" | grep -q "^usage: vmdeck $verb" || bad="$bad $verb($rc)"
done
check_eq "every verb takes --help (exit 0, its usage)" "" "$bad"
run "$VMDECK" -c "$CONF" start nosuchguest --help
check_match "start --help answers before looking at the guest" '^usage: vmdeck start NAME' "$out"


# --json: a verb that fails before printing its object prints an error object on stdout.
run "$VMDECK" -c "$CONF" start nosuchguest --json
check_eq "start --json of a missing guest: exit 2" 2 "$rc"
check_eq "and an error object on stdout" "2" "$(printf '%s' "$out" | jq -r .exit)"
check_match "naming the cause" 'nosuchguest' "$(printf '%s' "$out" | jq -r .error)"
check_match "stderr still has the one line" '^vmdeck: .*nosuchguest' "$err"
run "$VMDECK" -c "$CONF" list --json
check_eq "list --json still prints one array, not an error object as well" "array" "$(printf '%s' "$out" | jq -r type)"
run "$VMDECK" -c "$CONF" start "$(printf 'bad\xff')" --json
check_eq "an error naming bytes that are not UTF-8 is still an error object" "2 object" \
    "$rc $(printf '%s' "$out" | jq -r type)"

finish
