#!/bin/bash
# An archive is untrusted input: restore writes only to the replaced guest's
# disks, into storage.file_dir, or where the admin says; the archive's
# definition is checked like a vms.d file; its extra_args, and VNC or a
# bridge it opens to the network, need an option.
# Also: a relative disk restored --as a copy names the copy's own disk, the
# copy's qcow2 is 0600, leftovers of a killed restore are removed, and a
# disk of a guest whose lock is held is not written.
source "$(dirname "$0")/../lib.sh"

write_conf </dev/null
V() { "$VMDECK" -c "$CONF" "$@"; }
archives() { find "$T/backup" -mindepth 1 -maxdepth 1 -type d -name "$1-*" ! -name '.*' | sort | tail -1; }

head -c 1M /dev/urandom > "$T/disks/g.raw"; truncate -s 4M "$T/disks/g.raw"
cp "$T/disks/g.raw" "$T/g.orig"
mkguest g <<EOF2
disks:
  - file: $T/disks/g.raw
EOF2
V backup g >/dev/null 2>&1
A=$(archives g)
check "an archive to play with" test -f "$A/manifest.yaml"

# evil SRC DST SED...: a copy of archive SRC at DST with its manifest edited.
evil() { local src="$1" dst="$2"; shift 2; rm -rf "$dst"; cp -r "$src" "$dst"; sed -i "$@" "$dst/manifest.yaml"; }

# A manifest naming a file anywhere: refused, naming it; nothing made there.
evil "$A" "$T/e1" -e 's/^guest: g$/guest: e1/' -e "s|source_file: .*|source_file: $T/any/dir/file|"
out=$(V restore "$T/e1" 2>&1); rc=$?
check_eq "a manifest naming a path outside storage is refused" "1" "$rc"
check_match "in one line naming the path and the option" \
    "^vmdeck: .*cannot restore: the archive names $T/any/dir/file, outside .*--allow-paths" "$out"
check_eq "one line" "1" "$(printf '%s\n' "$out" | wc -l)"
check "nothing is made there, not even the folder" test ! -e "$T/any"
check "and no definition written" test ! -e "$T/vms.d/e1.yaml"
out=$(V restore "$T/e1" --allow-paths 2>&1); rc=$?
check_eq "--allow-paths writes there, once the admin has seen it" "0" "$rc"
check "byte-exact" cmp -s "$T/any/dir/file" "$T/g.orig"
check_match "and the definition names it" "file: $T/any/dir/file" "$(cat "$T/vms.d/e1.yaml" 2>/dev/null)"

# ".." in a source, or a link in file_dir that leads out of it.
evil "$A" "$T/e2" -e 's/^guest: g$/guest: e2/' -e "s|source_file: .*|source_file: $T/disks/../escape.raw|"
out=$(V restore "$T/e2" 2>&1)
check_match "a source with .. parts is refused" "source_file must be an absolute path without \. or \.\. parts" "$out"
check "nothing written" test ! -e "$T/escape.raw"
mkdir -p "$T/outside"; ln -s "$T/outside" "$T/disks/lnk"
evil "$A" "$T/e3" -e 's/^guest: g$/guest: e3/' -e "s|source_file: .*|source_file: $T/disks/lnk/x.raw|"
out=$(V restore "$T/e3" 2>&1)
check_match "a link in file_dir leading out is outside" "the archive names $T/disks/lnk/x.raw, outside" "$out"
check "nothing written through it" test -z "$(ls -A "$T/outside")"

# A CD outside iso_dirs is a host file the guest would read.
evil "$A" "$T/e4" -e 's/^  memory: 32M$/  memory: 32M\n  cdrom: \/etc\/shadow/'
out=$(V restore "$T/e4" --as e4 2>&1)
check_match "a CD outside iso_dirs is refused" "the archive names CD /etc/shadow, outside" "$out"

# The definition is checked by the vms.d schema; extra_args need --allow-extra-args.
evil "$A" "$T/e5" -e 's/^guest: g$/guest: e5/' -e 's/^  memory: 32M$/  memory: lots/'
out=$(V restore "$T/e5" 2>&1); rc=$?
check_eq "an invalid archived definition is refused" "1" "$rc"
check_match "saying where" "the archive's definition:[0-9]+:[0-9]+: memory" "$out"
check "no disk written for it" test ! -e "$T/disks/e5.raw"
evil "$A" "$T/e6" -e "s/^live: .*/&/"
printf '  extra_args: ["-virtfs", "local,path=/,mount_tag=r,security_model=passthrough"]\n' >> "$T/e6/manifest.yaml"
out=$(V restore "$T/e6" --as e6 2>&1); rc=$?
check_eq "extra_args in the archive's definition are refused" "1" "$rc"
check_match "and shown" "extra_args to QEMU: \"-virtfs\" \"local,path=/,mount_tag=r,security_model=passthrough\" \(--allow-extra-args" "$out"
check "no definition written" test ! -e "$T/vms.d/e6.yaml"
out=$(V restore "$T/e6" --as e6 --allow-extra-args 2>&1); rc=$?
check_eq "--allow-extra-args takes them" "0" "$rc"
check_match "into the definition" "virtfs" "$(cat "$T/vms.d/e6.yaml" 2>/dev/null)"

# What the archive's definition opens to the network needs --allow-network:
# VNC on every address without a password, a bridge the guest here lacks.
evil "$A" "$T/e8" -e "s/^live: .*/&/"
printf '  vnc:\n    display: 77\n    listen: 0.0.0.0\n    allow_no_password: true\n' >> "$T/e8/manifest.yaml"
out=$(V restore "$T/e8" --as e8 2>&1); rc=$?
check_eq "VNC open to the network without a password is refused" "1" "$rc"
check_match "and shown, with the option" \
    "opens VNC on 0\.0\.0\.0 without a password \(--allow-network after checking it\)" "$out"
check "no definition written" test ! -e "$T/vms.d/e8.yaml"
out=$(V restore "$T/e8" --as e8 --allow-network 2>&1); rc=$?
check_eq "--allow-network takes it" "0" "$rc"
check_match "into the definition" "listen: 0\.0\.0\.0" "$(cat "$T/vms.d/e8.yaml" 2>/dev/null)"
evil "$A" "$T/e9" -e 's/- user: {}/- bridge: brevil/'
out=$(V restore "$T/e9" --as e9 2>&1); rc=$?
check_eq "a bridge the guest here does not use is refused" "1" "$rc"
check_match "naming it and the guest's own" "opens bridge brevil \(g has no bridge\) \(--allow-network" "$out"
check "no definition written for it" test ! -e "$T/vms.d/e9.yaml"
out=$(V restore "$A" --as e10 2>&1); rc=$?
check_eq "the archive as it was restores without the option" "0" "$rc"
rm -f "$T/vms.d/e8.yaml" "$T/vms.d/e10.yaml"

rm -f "$T/vms.d/e1.yaml" "$T/vms.d/e6.yaml"  # their MACs are g's: not what check should judge here
# A relative disk restored as a copy: the copy names its own disk, 0600, its own VNC display and header.
qemu-img create -q -f qcow2 "$T/disks/gc.qcow2" 8M
qemu-io -c 'write -P 0x5a 1M 1M' "$T/disks/gc.qcow2" >/dev/null
D=$(free_vnc_display)
cat > "$T/vms.d/gc.yaml" <<EOF2
# gc: the demo's accounting box, kept for last decade's numbers.
memory: 32M
disks:
  - file: gc.qcow2
vnc:
  display: $D
EOF2
chmod 600 "$T/vms.d/gc.yaml"
V backup gc >/dev/null 2>&1
out=$(V restore "$(archives gc)" --as gc2 2>&1); rc=$?
check_eq "restore --as of a relative disk succeeds" "0" "$rc"
def2=$(cat "$T/vms.d/gc2.yaml" 2>/dev/null)
check_match "the copy's definition names the copy's disk" "file: $T/disks/gc2.qcow2" "$def2"
check_nomatch "and not the original's" "gc\.qcow2" "$def2"
check "the copy's disk holds the data" qemu-img compare -q "$T/disks/gc2.qcow2" "$T/disks/gc.qcow2"
check_eq "the copy's qcow2 is 0600" "600" "$(stat -c %a "$T/disks/gc2.qcow2")"
check_nomatch "its header no longer names the original" "accounting|^# gc:" "$def2"
out=$(V check 2>&1); rc=$?
check_eq "vmdeck check is clean (own disk, own VNC display)" "0" "$rc"
check_nomatch "nothing is also used" "also used" "$out"
check_eq "the original is untouched" "0" "$(qemu-img compare -q "$T/disks/gc.qcow2" "$T/disks/gc2.qcow2"; echo $?)"

# Leftovers of a restore killed with -9 (its temporary names, its pid gone) are removed.
sleep 0 & dead=$!; wait $dead
head -c 64K /dev/urandom > "$T/disks/g.raw.restore-$dead"
head -c 64K /dev/urandom > "$T/disks/g.raw.restore-$dead.raw"
out=$(V restore "$A" --force 2>&1); rc=$?
check_eq "restore --force after a killed one succeeds" "0" "$rc"
check_eq "and removes what the killed one left" "" "$(ls "$T/disks" | grep 'restore-' || true)"
check_match "noting it in the guest's events" "removed $T/disks/g.raw.restore-$dead, left by an interrupted restore" \
    "$(cat "$T/state/g/events.log" 2>/dev/null)"

# A link planted under the temporary name this restore will use (its pid is
# known: the shell that execs it waits on a pipe) is never written through.
printf 'precious\n' > "$T/victim"
mkfifo "$T/go"
bash -c 'read -r _ < "$1"; shift; exec "$@"' _ "$T/go" "$VMDECK" -c "$CONF" restore "$A" --force \
    > "$T/planted.out" 2>&1 &
rp=$!; EXTRA_PIDS="$EXTRA_PIDS $rp"
ln -s "$T/victim" "$T/disks/g.raw.restore-$rp"
echo go > "$T/go"
wait "$rp"; rc=$?
check_eq "a link planted under the temporary name is not followed" "precious" "$(cat "$T/victim")"
check_eq "the restore still succeeds" "0" "$rc"
check "the disk is a file again, with the archived bytes" bash -c "[ ! -L '$T/disks/g.raw' ] && cmp -s '$T/disks/g.raw' '$T/g.orig'"

# A disk of a guest whose lock is held (it may be starting) is not written.
head -c 1M /dev/urandom > "$T/disks/o.raw"; cp "$T/disks/o.raw" "$T/o.orig"
mkguest o <<EOF2
disks:
  - file: $T/disks/o.raw
EOF2
mkdir -p "$T/state/o"; chmod 700 "$T/state/o"
flock "$T/state/o/lock" sleep 30 & fp=$!; EXTRA_PIDS="$EXTRA_PIDS $fp"
wait_until 5 bash -c "! flock -n '$T/state/o/lock' true"
out=$(V restore "$A" --as ox --to-file "$T/disks/o.raw" --force 2>&1); rc=$?
check_eq "another guest's disk is not written while its lock is held" "1" "$rc"
check_match "saying it is busy" "o is busy" "$out"
check "its disk is untouched" cmp -s "$T/disks/o.raw" "$T/o.orig"
kill "$fp" 2>/dev/null; wait "$fp" 2>/dev/null
evil "$A" "$T/e7" -e 's/^guest: g$/guest: e7/' -e "s|source_file: .*|source_file: $T/disks/o.raw|"
out=$(V restore "$T/e7" --force 2>&1); rc=$?
check_eq "a manifest naming another (stopped) guest's disk is refused, --force or not" "1" "$rc"
check_match "naming the guest" "$T/disks/o.raw is a disk of guest o" "$out"
check "its disk is untouched" cmp -s "$T/disks/o.raw" "$T/o.orig"


# A running guest whose definition was just broken by an edit: whose disks it
# uses cannot be told, so a restore is refused rather than take it for nobody.
mkguest rb < /dev/null
V start rb > /dev/null 2>&1
check "rb runs" wait_until 10 state_is rb running
echo "memory: lots" >> "$T/vms.d/rb.yaml"
out=$(V restore "$A" --as fresh1 2>&1); rc=$?
check_eq "a restore while a running guest's definition does not load: refused" 1 "$rc"
check_match "naming that guest and its file" "guest rb runs and its definition does not load" "$out"
check_eq "nothing was written" "" "$(ls "$T/vms.d/fresh1.yaml" "$T"/disks/fresh1* 2>/dev/null)"
V kill rb > /dev/null 2>&1

finish
