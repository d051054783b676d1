#!/bin/bash
# restore_noclobber.sh: a restore without --force never replaces an image
# file, even one that appears while the archive is being unpacked (another
# restore, `vmdeck disk create`, the admin): the check before the first byte
# is not enough, the file is put in place only if its name is still free.
# And the failed restore then leaves that file as it found it.
source "$(dirname "$0")/../lib.sh"

write_conf </dev/null
V() { "$VMDECK" -c "$CONF" "$@"; }
head -c 16M /dev/urandom > "$T/disks/g.raw"
mkguest g <<EOF
disks:
  - file: $T/disks/g.raw
EOF
V backup g >/dev/null 2>&1
A=$(find "$T/backup" -mindepth 1 -maxdepth 1 -type d -name 'g-*' ! -name '.*' | head -1)
check "an archive" test -f "$A/manifest.yaml"

# race NAME: restores --as NAME and, once its temporary file is there, makes NAME.raw.
race() {
    "$VMDECK" -c "$CONF" restore "$A" --as "$1" > "$T/$1.out" 2>&1 &
    local pid=$! made=no
    EXTRA_PIDS="$EXTRA_PIDS $pid"
    for _ in $(seq 1 3000); do
        if compgen -G "$T/disks/$1.raw.restore-*" >/dev/null; then
            # held while the file is made, so a fast unpack cannot finish first
            kill -STOP "$pid" 2>/dev/null
            (set -o noclobber; echo precious > "$T/disks/$1.raw") 2>/dev/null && made=yes
            kill -CONT "$pid" 2>/dev/null
            break
        fi
        sleep 0.01
    done
    wait "$pid"; echo "$? $made"
}

r=$(race c1)
check_eq "the file was made while the restore ran" yes "${r#* }"
check_eq "the restore fails (exit 1) rather than replace it" 1 "${r% *}"
check_match "saying so" "c1.raw" "$(cat "$T/c1.out")"
check_eq "the file made meanwhile is as it was" precious "$(cat "$T/disks/c1.raw" 2>/dev/null)"
check_eq "no definition, no temporary file is left" "" \
    "$(ls "$T/vms.d/" | grep c1; ls "$T/disks/" | grep 'c1.raw.restore')"

out=$(V restore "$A" --as c2 2>&1)
check_eq "a restore with nothing in its way still works" 0 "$?"
check "and its disk is the archived one" cmp -s "$T/disks/c2.raw" "$T/disks/g.raw"
finish
