#!/bin/bash
# state_dir.sh: a guest's state folder is where root writes logs, the pidfile
# and sockets, and where QEMU creates files: a folder another user owns or may
# write in, or a symbolic link found in it, is refused with one line, and the
# files there are never opened through a link. A real unprivileged user (made
# here, removed on exit even on failure) plants the links.
source "$(dirname "$0")/../lib.sh"

write_conf </dev/null
set_accel tcg
VC=("$VMDECK" -c "$CONF")
run() { out=$(timeout 60 "$@" 2>"$T/err"); rc=$?; err=$(cat "$T/err"); }
U="vmdt$$"
useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$U" ||
    { echo "Bail out! useradd $U"; exit 1; }
trap 'userdel "$U" 2>/dev/null; cleanup' EXIT INT TERM
as_user() { setpriv --reuid "$U" --regid "$U" --clear-groups -- "$@"; }
UID_U=$(id -u "$U")
lines() { printf '%s\n' "$1" | grep -c .; }

for g in ga gb gc gd; do mkguest "$g" </dev/null; done
printf 'do not touch\n' > "$T/victim"
chmod 644 "$T/victim"

# ---- a state folder the user made, with events.log linking to a root-owned file ----
mkdir -p "$T/state/ga"
chown "$U" "$T/state/ga"
as_user ln -s "$T/victim" "$T/state/ga/events.log"
check "the user could plant the link" test -L "$T/state/ga/events.log"
run "${VC[@]}" start ga
check_eq "start with a state folder owned by another user fails (exit 1)" 1 "$rc"
check_eq "with one line saying why" \
    "vmdeck: ga: cannot start: $T/state/ga belongs to uid $UID_U, not to uid 0 running vmdeck: refused, links planted there would be followed (remove it, or chown 0 it)" \
    "$err"
check_eq "no QEMU was started" "" "$(ls "$T/state/ga/qemu.pid" 2>/dev/null)"
run "${VC[@]}" stop ga
check_eq "stop refuses the same folder too (exit 1)" 1 "$rc"
check_eq "the linked file was not appended to" "do not touch" "$(cat "$T/victim")"

# ---- state_dir itself writable by others ----
chmod 1777 "$T/state"
run "${VC[@]}" start gb
check_eq "start with state_dir writable by others fails (exit 1)" 1 "$rc"
check_eq "with one line giving the fix" \
    "vmdeck: gb: cannot start: $T/state is writable by group or others (mode 1777): refused, links planted there would be followed (run: chmod go-w $T/state)" \
    "$err"
check_eq "no QEMU was started" "" "$(ls "$T/state/gb/qemu.pid" 2>/dev/null)"
chmod 755 "$T/state"

# ---- root's own folder, a dangling qemu-run.log link in it (planted before it was locked down) ----
mkdir -m 700 "$T/state/gc"
ln -s "$T/created-by-qemu" "$T/state/gc/qemu-run.log"
run "${VC[@]}" start gc
check_eq "start with a link in the folder fails (exit 1)" 1 "$rc"
check_eq "naming the link in one line" \
    "vmdeck: gc: cannot start: $T/state/gc/qemu-run.log is a symbolic link: refused, vmdeck never makes one there (remove it)" "$err"
check "QEMU did not create the link's target" test ! -e "$T/created-by-qemu"
check_eq "the error is one line" 1 "$(lines "$err")"
rm "$T/state/gc/qemu-run.log"
run "${VC[@]}" start gc
check_eq "once the link is gone, start works" 0 "$rc"
check "qemu-run.log is QEMU's own file now" test -f "$T/state/gc/qemu-run.log" -a ! -L "$T/state/gc/qemu-run.log"
"${VC[@]}" kill gc >/dev/null 2>&1

# ---- readers never follow a link there either ----
mkdir -m 700 "$T/state/gd"
printf '1700000000\tsecret from the linked file\n' > "$T/secret"
ln -s "$T/secret" "$T/state/gd/events.log"
ln -s "$T/secret" "$T/state/gd/qemu.pid"
run "${VC[@]}" show gd
check_eq "show with links in the folder exits 0" 0 "$rc"
check_nomatch "show does not read events.log through a link" "secret" "$out"
check_match "the guest is stopped (the pidfile link is not read)" "^state: +stopped" "$out"

finish
