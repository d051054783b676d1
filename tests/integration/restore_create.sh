#!/bin/bash
# restore_create.sh: `restore --as NAME` makes a new guest the way `vmdeck new`
# does (guest_create): the copy's display is the first free one from 1, its
# definition is 0600, a listen address this host does not have is refused
# before a disk is written, and a failure once the disks are written (the
# definition folder read-only) leaves neither a disk nor a definition.
source "$(dirname "$0")/../lib.sh"

write_conf </dev/null
V() { "$VMDECK" -c "$CONF" "$@"; }
archives() { find "$T/backup" -mindepth 1 -maxdepth 1 -type d -name "$1-*" ! -name '.*' |
    sort | tail -1; }
# ro CMD...: CMD in a private mount namespace where the definition folder is read-only.
cat > "$T/ro.sh" <<EOS
#!/bin/sh
mount --make-rprivate / && mount --bind "$T/vms.d" "$T/vms.d" &&
    mount -o remount,bind,ro "$T/vms.d" || exit 97
exec "\$@"
EOS
chmod +x "$T/ro.sh"
ro() { unshare -m "$T/ro.sh" "$@"; }
# README's rule: the first display from 1 that no definition uses and nothing listens on.
first_free() {
    local d used
    used=" $(grep -h '^  display:' "$T"/vms.d/*.yaml 2>/dev/null | awk '{print $2}' | tr '\n' ' ') "
    for d in $(seq 1 99); do
        case "$used" in *" $d "*) continue ;; esac
        ss -ltn "sport = :$((5900 + d))" | grep -q LISTEN || { echo "$d"; return; }
    done
}

head -c 1M /dev/urandom > "$T/disks/g.raw"; truncate -s 4M "$T/disks/g.raw"
head -c 1M /dev/urandom > "$T/disks/g2.raw"
D=$(free_vnc_display)
mkguest g <<EOF2
disks:
  - file: $T/disks/g.raw
  - file: $T/disks/g2.raw
vnc:
  display: $D
EOF2
V backup g >/dev/null 2>&1
A=$(archives g)
check "an archive of two disks" test -f "$A/manifest.yaml"

want=$(first_free)
out=$(V restore "$A" --as copy 2>&1); rc=$?
check_eq "restore --as makes the copy" 0 "$rc"
check_eq "its display is the first free one from 1, as new would pick" "$want" \
    "$(V show copy --json | jq -r .vnc.display)"
check_eq "its definition is 0600" 600 "$(stat -c %a "$T/vms.d/copy.yaml")"
check "its disks are the archived ones" cmp -s "$T/disks/copy-1.raw" "$T/disks/g2.raw"
check "vmdeck check accepts it" V check

# The definition folder read-only: both disks are written, then the definition cannot be.
out=$(ro "$VMDECK" -c "$CONF" restore "$A" --as copy2 2>&1); rc=$?
check_eq "a definition that cannot be written fails the restore" 1 "$rc"
check_match "saying why" \
    "cannot restore: cannot write $T/vms.d/copy2.yaml: Read-only file system" "$out"
check_eq "and leaves no disk, no temporary file and no definition" "" \
    "$(ls "$T/disks/" | grep copy2; ls "$T/vms.d/" | grep copy2)"

# A listen address that is not this host's: refused before any disk is written.
sed -i "s/^  display: $D\$/  display: $D\n  listen: 192.0.2.7\n  password: pw/" "$T/vms.d/g.yaml"
V backup g --to "$T/b2" >/dev/null 2>&1
A2=$(ls -d "$T"/b2/g-* 2>/dev/null)
out=$(V restore "$A2" --as far 2>&1); rc=$?
check_eq "a copy listening on an address this host lacks is refused" 1 "$rc"
check_match "naming it" "cannot restore: vnc.listen 192.0.2.7 is not an address of this host" "$out"
check_eq "before any disk is written" "" "$(ls "$T/disks/" | grep far; ls "$T/vms.d/" | grep far)"
finish
