#!/bin/bash
# untrusted_input.sh: files vmdeck reads that someone else may have shaped.
# A FIFO or a link to /dev/zero in vms.d, a huge definition, a NUL byte or a
# second YAML document, ESC sequences in a description or a value, the same
# in the config and in archives (local, and remote over a real sshd), an
# empty --to, and ssh's exit 255. Each is one clear line; nothing hangs,
# aborts or eats memory, and the other guests are still listed.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../ssh-lib.sh"

write_conf </dev/null
VC=("$VMDECK" -c "$CONF")
# Memory-bounded, so that a reader without a bound fails fast instead of
# filling the machine (ASan reserves more address space than any such limit).
limited() { if [[ "$BUILD" == *asan* ]]; then "$@"; else (ulimit -v 1048576; exec "$@"); fi; }
run() { out=$(limited timeout 20 "$@" 2>"$T/err"); rc=$?; err=$(cat "$T/err"); }
ESC=$'\e'

mkguest ok </dev/null
mkfifo "$T/vms.d/fifo.yaml"
ln -s /dev/zero "$T/vms.d/zero.yaml"
{ echo "memory: 32M"; head -c 2000000 /dev/zero | tr '\0' '#'; echo; } > "$T/vms.d/big.yaml"
printf 'memory: 32M\nvnc:\n  listen: 127.0.0.1\n  password: "ab\\0cdefgh"\n' > "$T/vms.d/nul.yaml"
printf 'memory: 32M\n---\nmemory: 64M\n' > "$T/vms.d/twodoc.yaml"
printf 'memory: 32M\ndescription: "desk \\e]0;pwned\\a\\e[2J\\e[31mred \\u009b1m"\n' > "$T/vms.d/esc.yaml"
printf 'memory: "\\e[2J32M"\n' > "$T/vms.d/escval.yaml"
chmod 600 "$T"/vms.d/*.yaml 2>/dev/null

# ---- vms.d: one bad file never hides the others ----
run "${VC[@]}" list
check_eq "list with a FIFO and a /dev/zero link in vms.d ends, exit 0" 0 "$rc"
check_match "the good guest is still listed" "^ok +stopped" "$out"
check_match "the FIFO is one line: not a regular file" "^fifo: invalid: cannot read $T/vms.d/fifo.yaml: not a regular file$" "$out"
check_match "the /dev/zero link is one line: not a regular file" "^zero: invalid: cannot read $T/vms.d/zero.yaml: not a regular file$" "$out"
check_match "a 2 MB definition is refused as too large" "^big: invalid: cannot read $T/vms.d/big.yaml: larger than 1024 KiB$" "$out"
check_match "a NUL in a password is refused with file:line" \
    "^nul: invalid: $T/vms.d/nul.yaml:4: a NUL byte \(\\\\0\) in a value" "$out"
check_match "a second document is refused with file:line" \
    "^twodoc: invalid: $T/vms.d/twodoc.yaml:2: a second YAML document" "$out"
check_nomatch "list's text output holds no raw ESC" "$ESC" "$out"
check_match "a value's ESC shows escaped in list's reasons" '^escval: invalid: .*\\x1b\[2J32M' "$out"
run "${VC[@]}" list --json
check_eq "list --json ends, exit 0" 0 "$rc"
check_eq "list --json is valid JSON with every guest" 8 "$(printf '%s' "$out" | jq length)"
check_nomatch "list --json holds no raw ESC" "$ESC" "$out"
check_eq "the value's ESC survives in the JSON string (jansson escapes it)" "yes" \
    "$(printf '%s' "$out" | jq -r '.[] | select(.name == "escval") | .error | if contains("\u001b[2J") then "yes" else "no" end')"
run "${VC[@]}" check
check_eq "check fails on the bad definitions (exit 2)" 2 "$rc"
check_match "check names the NUL's file and line" "nul.yaml:4: a NUL byte" "$err"
check_nomatch "check's errors hold no raw ESC" "$ESC" "$err"
check_match "check shows a value's ESC escaped" 'escval.yaml:1:9: .*\\x1b\[2J32M' "$err"
run "${VC[@]}" show nul
check_eq "show of the NUL definition exits 2" 2 "$rc"

run "${VC[@]}" show esc
check_eq "show of a description with ESC sequences exits 0" 0 "$rc"
check_nomatch "show prints no raw ESC" "$ESC" "$out"
check_nomatch "show prints no raw BEL" $'\a' "$out"
check_nomatch "show prints no raw C1 CSI" $'\xc2\x9b' "$out"
check_eq "show prints the description's control characters escaped" \
    'description: desk \x1b]0;pwned\x07\x1b[2J\x1b[31mred \u009b1m' "$(printf '%s\n' "$out" | grep '^description:')"

# ---- --vnc-password-file: the admin's pipe works, /dev/zero is not read to its end ----
run "${VC[@]}" new pwpipe --vnc 3 --vnc-password-file <(printf 'secret12\n')
check_eq "new reads a password from a pipe" 0 "$rc"
check_match "and writes it into the definition" "password: secret12" "$(cat "$T/vms.d/pwpipe.yaml")"
run "${VC[@]}" new pwzero --vnc 4 --vnc-password-file /dev/zero
check_eq "a password file that never ends is refused (exit 2)" 2 "$rc"
check_eq "with one line" "vmdeck: pwzero: cannot create: /dev/zero: not a password file (over 4 KiB)" "$err"
rm -f "$T/vms.d/pwpipe.yaml"

# ---- the config file ----
mkfifo "$T/fifo.conf"
run "$VMDECK" -c "$T/fifo.conf" list
check_eq "a FIFO as the config fails at once (exit 2)" 2 "$rc"
check_eq "with one line naming it" "vmdeck: cannot read $T/fifo.conf: not a regular file" "$err"
{ head -n 2 "$CONF"; printf 'ui = { theme = "x\0y"; };\n'; } > "$T/nul.conf"
run "$VMDECK" -c "$T/nul.conf" list
check_eq "a NUL byte in the config is refused (exit 2)" 2 "$rc"
check_eq "with file:line" "vmdeck: $T/nul.conf:3: a NUL byte: not a text file" "$err"

# ---- backup --to "" ----
rm -f "$T/vms.d/"{fifo,zero,big,nul,twodoc,esc,escval}.yaml
mkguest gd <<'EOF2'
disks:
  - file: gd.raw
    size: 1M
EOF2
truncate -s 1M "$T/disks/gd.raw"
run "${VC[@]}" backup gd --to ""
check_eq "backup --to \"\" fails (exit 1)" 1 "$rc"
check_eq "saying the destination is empty" 'vmdeck: gd: cannot back up: --to is empty: give a folder, HOST:/folder or HOST:VG/LV' "$err"

# ---- local archives ----
mkdir -p "$T/arch-zero" "$T/arch-two" "$T/arch-nul"
ln -s /dev/zero "$T/arch-zero/manifest.yaml"
run "${VC[@]}" restore "$T/arch-zero"
check_eq "a manifest linking to /dev/zero: restore fails (exit 1)" 1 "$rc"
check_match "with one line: a link is never followed" "cannot open $T/arch-zero/manifest.yaml: it is a symbolic link$" "$err"
printf 'guest: gd\n---\nguest: other\n' > "$T/arch-two/manifest.yaml"
run "${VC[@]}" restore "$T/arch-two"
check_match "a manifest with a second document is refused with its line" "manifest: line 2: a second YAML document" "$err"
printf 'guest: "g\\0d"\n' > "$T/arch-nul/manifest.yaml"
run "${VC[@]}" restore "$T/arch-nul"
check_match "a manifest with a NUL in a value is refused with its line" "manifest: line 1: a NUL byte" "$err"

# ---- ssh: exit 255 is ssh's own failure ----
port=$(free_port)
printf 'Host *\n    HostName 127.0.0.1\n    Port %s\n    LogLevel QUIET\n' "$port" > "$T/ssh-nowhere"
cat >> "$CONF" <<EOF2
hosts = ( { name = "nowhere"; ssh = "nobody"; ssh_config = "$T/ssh-nowhere"; },
          { name = "kvm2"; ssh = "peer"; ssh_config = "$SSH_DIR/config"; } );
EOF2
run "${VC[@]}" restore "nowhere:/srv/a"
check_eq "a host ssh cannot reach: exit 1" 1 "$rc"
check_eq "told as ssh's exit 255, not as a signal" \
    "vmdeck: nowhere:/srv/a: cannot restore: nowhere: ssh: cannot reach the host (exit 255)" "$err"

# ---- remote archives: what ssh brings back is bounded too ----
sshd_start
mkdir -p "$T/rzero" "$T/rnul"
ln -s /dev/zero "$T/rzero/manifest.yaml"
run "${VC[@]}" restore "kvm2:$T/rzero"
check_eq "a remote manifest linking to /dev/zero: restore fails (exit 1)" 1 "$rc"
check_eq "with one line, no out-of-memory abort" \
    "vmdeck: kvm2:$T/rzero: cannot restore: kvm2: the remote command printed more than 8 MiB: refused" "$err"
printf 'guest: gd\0\nformat: 1\n' > "$T/rnul/manifest.yaml"
run "${VC[@]}" restore "kvm2:$T/rnul"
check_eq "a remote manifest holding a NUL byte is refused" \
    "vmdeck: kvm2:$T/rnul: cannot restore: kvm2: the remote command printed a NUL byte: not text, refused" "$err"
sshd_stop

finish
