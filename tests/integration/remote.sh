#!/bin/bash
# Remote destinations and move, against a real sshd on 127.0.0.1 playing the
# second server: its own volume group (same name, its own PV), its own /dev/VG
# and disk folder (sshd runs in a private mount namespace), its own vms.d.
# --to HOST:/path, --to HOST:VG/LV, a dropped connection, move, --host.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../storage-lib.sh"
source "$(dirname "$0")/../ssh-lib.sh"

vg_setup 64M
# The other server has a VG of the same name and one of its own (${VG}x, for move --vg).
truncate -s 64M "$T/pv2.img"; truncate -s 16M "$T/pv3.img"
PV2=$(losetup -f --show "$T/pv2.img"); loop_keep "$PV2"
PV3=$(losetup -f --show "$T/pv3.img"); loop_keep "$PV3"
LVM_CONF_R="global/activation=0 devices/filter=[\"a|^$PV2\$|\",\"a|^$PV3\$|\",\"r|.*|\"]"
lvm_r() { local t="$1"; shift; "$t" --config "$LVM_CONF_R" "$@" 2>/dev/null; }
lvm_r pvcreate -q "$PV2" "$PV3" >/dev/null && lvm_r vgcreate -q "$VG" "$PV2" >/dev/null &&
    lvm_r vgcreate -q "${VG}x" "$PV3" >/dev/null || { echo "Bail out! vg2"; exit 1; }
peer_vg_remove() {
    sshd_stop
    lvm_r vgremove -q -f "$VG" "${VG}x" >/dev/null; lvm_r pvremove -q "$PV2" "$PV3" >/dev/null
    rm -rf "/dev/${VG}x"
}
STORAGE_CLEANUP_HOOK=peer_vg_remove

mkdir -p "$T/rdisks" "$T/disks" "$T/remote/vms.d" "$T/rstate" "/dev/$VG"
cat > "$T/remote.conf" <<EOF2
vms_dir = "remote/vms.d";
state_dir = "rstate";
storage = { vg = "$VG"; file_dir = "disks"; lvm_config = $(conf_str "$LVM_CONF_R"); };
EOF2
# A slow link when $T/slow exists: the peer's sha256sum (first in its PATH, and
# fed by the receiving tee) passes 5 MB/s, so the whole stream does.
mkdir -p "$T/peerbin"
cat > "$T/peerbin/sha256sum" <<EOF2
#!/bin/sh
[ -e "$T/slow" ] || exec /usr/bin/sha256sum "\$@"
exec python3 -c '
import sys, time, hashlib
h = hashlib.sha256()
while True:
    b = sys.stdin.buffer.read(262144)
    if not b: break
    h.update(b); time.sleep(0.05)
print(h.hexdigest() + "  -")'
EOF2
chmod +x "$T/peerbin/sha256sum"
# An archive that changes while it is read: with $T/swap, the second cat of a
# .raw.zst serves $T/swap instead (a valid stream of other bytes).
cat > "$T/peerbin/cat" <<EOF2
#!/bin/sh
case "\$*" in
*.raw.zst) if [ -e "$T/swap" ]; then
        if [ -e "$T/swap.served" ]; then exec /bin/cat "$T/swap"; fi
        : > "$T/swap.served"
    fi ;;
esac
exec /bin/cat "\$@"
EOF2
chmod +x "$T/peerbin/cat"
mkdir -p "$T/rfull"
sshd_start "mount -t tmpfs tmpfs /dev/$VG && mount --bind $T/rdisks $T/disks && mount --bind $T/peerbin /usr/local/bin && mount -t tmpfs -o size=512k tmpfs $T/rfull"
write_conf </dev/null
conf_lvm_storage
cat >> "$CONF" <<EOF2
hosts = ( { name = "kvm2"; ssh = "peer"; ssh_config = "$SSH_DIR/config";
            lvm_config = $(conf_str "$LVM_CONF_R"); vms_dir = "$T/remote/vms.d";
            vmdeck = "$VMDECK -c $T/remote.conf"; } );
EOF2
V() { "$VMDECK" -c "$CONF" "$@"; }
# peer_lv LV MB [VG]: the other server's /dev/VG/LV stand-in, inside its namespace.
peer_lv() {
    local img="$T/peer-$1.img" dev vg="${3:-$VG}"
    truncate -s "$2M" "$img"; dev=$(losetup -f --show "$img"); loop_keep "$dev"
    on_peer mkdir -p "/dev/$vg"; on_peer ln -s "$dev" "/dev/$vg/$1"; echo "$dev"
}

D1=$(lv_with_random "$VG" g1d 8 2)
cp /usr/share/common-licenses/GPL-3 "$T/disks/f.raw"; truncate -s 4M "$T/disks/f.raw"
mkguest g1 <<EOF2
disks:
  - lv: $VG/g1d
  - file: $T/disks/f.raw
EOF2
check "the peer does not see this host's disk folder" on_peer test ! -e "$T/disks/f.raw"

# --to HOST:/path
out=$(V backup g1 --to "kvm2:$T/rb" 2>&1); rc=$?
check_eq "backup --to HOST:/path succeeds" "0" "$rc"
check_match "and names the remote archive" "^kvm2:$T/rb/g1-[0-9]{8}-[0-9]{6}$" "$out"
A=$(ls -d "$T"/rb/g1-* 2>/dev/null)
check_eq "the archive arrived complete" "f.raw.zst g1d.raw.zst manifest.yaml" "$(ls "$A" 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"
check_eq "LV image intact" "$(sha256sum < "$D1")" "$(zstd -dc "$A/g1d.raw.zst" | sha256sum)"
check_eq "file image intact" "$(sha256sum < "$T/disks/f.raw")" "$(zstd -dc "$A/f.raw.zst" | sha256sum)"
check_eq "no partial folder left there" "" "$(ls -A "$T/rb" | grep '^\.' || true)"
check_eq "its files are 0600 there" "600 600 600" "$(on_peer stat -c %a "$A/f.raw.zst" "$A/g1d.raw.zst" "$A/manifest.yaml" | xargs)"

# restore HOST:/folder: each file streamed with `cat` over ssh, every checksum checked here.
head -c 2M /dev/urandom > "$T/disks/f4.raw"; truncate -s 6M "$T/disks/f4.raw"
mkguest g4 <<EOF2
disks:
  - file: $T/disks/f4.raw
EOF2
V backup g4 --to "kvm2:$T/rb4" > /dev/null 2>&1
A4=$(ls -d "$T"/rb4/g4-* 2>/dev/null)
out=$(V restore "kvm2:$A4" --as g4r 2>&1); rc=$?
check_eq "restore HOST:/folder succeeds" "0" "$rc"
check_match "once every checksum is verified" "restored g4r \(every checksum verified\)" "$out"
check "the restored disk is the original" cmp -s "$T/disks/g4r.raw" "$T/disks/f4.raw"
check_match "and its definition names it" "file: $T/disks/g4r.raw" "$(cat "$T/vms.d/g4r.yaml" 2>/dev/null)"
cp -r "$A4" "$T/rb4/damaged"
damaged_restore_checks "a damaged remote archive" "kvm2:$T/rb4/damaged" "$T/rb4/damaged/f4.raw.zst" g4bad
out=$(V restore "kvm2:$T/rb4/nothere" 2>&1); rc=$?
check_eq "a missing remote archive fails" "1" "$rc"
check_match "with the reason from there" "^vmdeck: .*cannot restore: kvm2: .*No such file" "$out"
out=$(V restore "kvm2:rb4" 2>&1)
check_match "a remote archive needs an absolute folder" "a remote archive is HOST:/folder" "$out"

# A remote manifest is untrusted: one naming a root-owned file here is refused, --force or not.
printf 'precious\n' > "$T/victim"; chown root:root "$T/victim"
cp -r "$A4" "$T/rb4/evil"
sed -i "s|source_file: .*|source_file: $T/victim|" "$T/rb4/evil/manifest.yaml"
out=$(V restore "kvm2:$T/rb4/evil" --force 2>&1); rc=$?
check_eq "a remote manifest naming a file outside storage is refused with --force" "1" "$rc"
check_match "naming it" "the archive names $T/victim, outside .*--allow-paths" "$out"
check_eq "the file is untouched" "precious" "$(cat "$T/victim")"

# The bytes that overwrite an existing LV are the bytes verified, even if the
# archive there changes between the verifying read and the writing one.
D7=$(lv_with_random "$VG" g7d 4 1)
cp "$D7" "$T/g7.orig"
mkguest g7 <<EOF2
disks:
  - lv: $VG/g7d
EOF2
V backup g7 --to "kvm2:$T/rb7" > /dev/null 2>&1
A7=$(ls -d "$T"/rb7/g7-* 2>/dev/null)
head -c 4M /dev/urandom | zstd -q -c > "$T/swap"
head -c 4M /dev/zero > "$D7"
rm -f "$T/swap.served"
out=$(V restore "kvm2:$A7" --force 2>&1); rc=$?
rm -f "$T/swap" "$T/swap.served"
check_eq "restore over an existing LV from a changing remote archive succeeds" "0" "$rc"
check "and the LV holds the verified bytes" cmp -s "$D7" "$T/g7.orig"

# A connection that drops half-way: nothing complete, one line, remote cleaned up.
head -c 24M /dev/urandom > "$T/disks/r.raw"
mkguest g3 <<EOF2
disks:
  - file: $T/disks/r.raw
EOF2
touch "$T/slow"
"$VMDECK" -c "$CONF" backup g3 --to "kvm2:$T/rd" >/dev/null 2>"$T/drop.err" &
bp=$!; EXTRA_PIDS="$EXTRA_PIDS $bp"
wait_until 20 bash -c "[ \$(stat -c %s $T/rd/.g3-*.partial/r.raw.zst 2>/dev/null || echo 0) -gt 1000000 ]"
sp=$(pgrep -P "$bp" -x ssh | head -1)
[ -n "$sp" ] && kill -9 "$sp"
wait "$bp"; rc=$?
rm -f "$T/slow"
check_eq "a dropped connection fails the backup" "1" "$rc"
check_match "with one clear line" "^vmdeck: g3: cannot back up: kvm2: the connection ended" "$(grep '^vmdeck:' "$T/drop.err")"
check_eq "one error line (the rest is progress)" "1" "$(grep -vc '^backup: ' "$T/drop.err")"
check_eq "nothing complete-looking or partial is left there" "" "$(ls -A "$T/rd" 2>/dev/null)"
rm -f "$T/disks/r.raw"

# The other side's disk fills up: its own reason, one line, nothing left there.
out=$(V backup g1 --to "kvm2:$T/rfull" 2>&1); rc=$?
check_eq "a full remote folder fails the backup" "1" "$rc"
check_match "saying why, from there" "^vmdeck: g1: cannot back up: kvm2: .*No space left on device" "$out"
check_eq "and leaves nothing there" "" "$(on_peer ls -A "$T/rfull")"

# --to HOST:VG/LV: created at the disk's size, refused when it exists, unless --force.
lvm_ lvcreate -q -n g2d -L 8M "$VG" >/dev/null
D2=$(lv_link "$VG" g2d)
printf 'g2 data' | dd of="$D2" bs=1M seek=1 status=none
mkguest g2 <<EOF2
disks:
  - lv: $VG/g2d
EOF2
R=$(peer_lv rlv 8)
out=$(V backup g2 --to "kvm2:$VG/rlv" 2>&1); rc=$?
check_eq "backup --to HOST:VG/LV succeeds" "0" "$rc"
check_eq "the LV was created there at the disk's size" "8388608" "$(lvm_r lvs --noheadings --units b --nosuffix -o lv_size "$VG/rlv" | tr -d ' ')"
check "and not here" lv_absent "$VG" rlv
check "its content is the disk's" cmp -s "$R" "$D2"
out=$(V backup g2 --to "kvm2:$VG/rlv" 2>&1); rc=$?
check_eq "an existing remote LV is refused" "1" "$rc"
check_match "saying --force overwrites it" "kvm2:$VG/rlv already exists \(--force" "$out"
printf 'newer' | dd of="$D2" bs=1 seek=100 conv=notrunc status=none
V backup g2 --to "kvm2:$VG/rlv" --force >/dev/null 2>&1
check "--force overwrites it" cmp -s "$R" "$D2"
# ... but never while a guest there uses it.
cat > "$T/remote/vms.d/gr.yaml" <<EOF2
memory: 32M
disks:
  - lv: $VG/rlv
EOF2
chmod 600 "$T/remote/vms.d/gr.yaml"
V --host kvm2 start gr >/dev/null 2>&1
wait_until 10 test -s "$T/rstate/gr/qemu.pid"
EXTRA_PIDS="$EXTRA_PIDS $(cat "$T/rstate/gr/qemu.pid" 2>/dev/null)"
cp "$R" "$T/rlv.before"
printf 'newest' | dd of="$D2" bs=1 seek=200 conv=notrunc status=none
out=$(V backup g2 --to "kvm2:$VG/rlv" --force 2>&1); rc=$?
check_eq "--force refuses an LV a running guest there uses" "1" "$rc"
check_match "saying so" "kvm2:$VG/rlv is in use there \(pid [0-9]+ qemu" "$out"
check "and leaves it alone" cmp -s "$R" "$T/rlv.before"
V --host kvm2 kill gr >/dev/null 2>&1
rm -f "$T/remote/vms.d/gr.yaml"

# A guest with several disks: VG/LV, then VG/LV-1, each verified there.
D6=$(lv_with_random "$VG" g6d 4 1)
head -c 3M /dev/urandom > "$T/disks/f6.raw"
mkguest g6 <<EOF2
disks:
  - lv: $VG/g6d
  - file: $T/disks/f6.raw
EOF2
lvm_r lvcreate -q -n g6b-1 -L 4M "$VG" >/dev/null
out=$(V backup g6 --to "kvm2:$VG/g6b" 2>&1); rc=$?
check_eq "an existing LV for the second disk fails the backup" "1" "$rc"
check_match "naming it" "kvm2:$VG/g6b-1 already exists \(--force" "$out"
peer_lv_absent() { ! lvm_r lvs "$1" > /dev/null; }
check "the LV it had made for the first disk is removed again" peer_lv_absent "$VG/g6b"
lvm_r lvremove -q -y "$VG/g6b-1" >/dev/null
R6=$(peer_lv g6b 4); R61=$(peer_lv g6b-1 4)
out=$(V backup g6 --to "kvm2:$VG/g6b" 2>&1); rc=$?
check_eq "backup of two disks --to HOST:VG/LV succeeds" "0" "$rc"
check_match "and names both LVs" "kvm2:$VG/g6b, $VG/g6b-1" "$out"
check "the first LV holds the first disk" cmp -s "$R6" "$D6"
check "the second holds the second disk" cmp -s -n 3145728 "$R61" "$T/disks/f6.raw"
check_eq "each made at its disk's size (rounded up to whole extents)" "4194304 4194304" \
    "$(lvm_r lvs --noheadings --units b --nosuffix -o lv_size "$VG/g6b" "$VG/g6b-1" | tr -d ' ' | xargs)"

# move: disks into LVs/files there, definition into its vms.d, verified; source kept.
M1=$(peer_lv g1d 8)
out=$(V move g1 kvm2 2>&1); rc=$?
check_eq "move succeeds" "0" "$rc"
check_match "saying the source is kept" "source kept" "$out"
check "the LV there holds the disk" cmp -s "$M1" "$D1"
check "the file there holds the disk" cmp -s "$T/rdisks/f.raw" "$T/disks/f.raw"
check "the definition is in its vms.d" test -f "$T/remote/vms.d/g1.yaml"
check "the source definition is untouched" test -f "$T/vms.d/g1.yaml"
check "the source LV is untouched" lv_exists "$VG" g1d
check_eq "--host runs the verb there" "g1" "$(V --host kvm2 list --json | jq -r '.[].name' | tr '\n' ' ' | sed 's/ $//')"
out=$(V move g1 kvm2 2>&1); rc=$?
check_eq "moving again is refused" "1" "$rc"
check_match "because it exists there" "already exists there" "$out"

M2=$(peer_lv g2d 8)
out=$(V move g2 kvm2 --delete-source 2>&1); rc=$?
check_eq "move --delete-source succeeds" "0" "$rc"
check "the copy there is the disk" bash -c "head -c 8388608 '$M2' | cmp -s - '$T/lv-$VG-g2d.img'"
check "the source definition is gone" test ! -e "$T/vms.d/g2.yaml"
check "the source LV is gone" lv_absent "$VG" g2d

# move --vg / --file-dir: the other server names its storage differently; the
# definition there is edited in place to say where the disks went.
D5=$(lv_with_random "$VG" g5d 4 1)
head -c 300K /dev/urandom > "$T/disks/f5.raw"
mkguest g5 <<EOF2
disks:
  - lv: $VG/g5d   # the system disk
  - file: $T/disks/f5.raw
EOF2
out=$(V move g5 kvm2 --vg "bad/vg" 2>&1)
check_match "move --vg refuses a name LVM would not take" "--vg bad/vg: not a valid volume group name" "$out"
out=$(V move g5 kvm2 --file-dir elsewhere 2>&1)
check_match "move --file-dir wants an absolute folder" "--file-dir elsewhere: give an absolute folder" "$out"
M5=$(peer_lv g5d 4 "${VG}x")
out=$(V move g5 kvm2 --vg "${VG}x" --file-dir "$T/elsewhere" 2>&1); rc=$?
check_eq "move --vg --file-dir succeeds" "0" "$rc"
check "the LV is made in that VG there" lvm_r lvs "${VG}x/g5d"
check "and holds the disk" cmp -s "$M5" "$D5"
check "the file is in that folder there" cmp -s "$T/elsewhere/f5.raw" "$T/disks/f5.raw"
def5=$(cat "$T/remote/vms.d/g5.yaml" 2>/dev/null)
check_match "the definition there names the new VG, its comment kept" "lv: ${VG}x/g5d +# the system disk" "$def5"
check_match "and the new folder" "file: $T/elsewhere/f5.raw" "$def5"
check_match "the definition here is unchanged" "lv: $VG/g5d" "$(cat "$T/vms.d/g5.yaml")"
check "no edited copy is left in the state folder" test ! -e "$T/state/g5/outgoing"

# A relative disk file moved to a host whose storage.file_dir differs: the
# definition there names the absolute path the bytes went to, so it resolves
# to them there; and the file is 0600 whatever the login's umask.
sed -i 's|file_dir = "disks"|file_dir = "otherdisks"|' "$T/remote.conf"
head -c 1M /dev/urandom > "$T/disks/gd.raw"; truncate -s 3M "$T/disks/gd.raw"
mkguest gd <<EOF2
disks:
  - file: gd.raw
EOF2
out=$(V move gd kvm2 2>&1); rc=$?
check_eq "move of a relative disk file succeeds" "0" "$rc"
check_eq "the definition there resolves to the copied bytes" "$T/disks/gd.raw $(sha256sum < "$T/disks/gd.raw" | cut -c1-64)" \
    "$(f=$(V --host kvm2 show gd --json | jq -r '.disks[0].file'); echo "$f $(on_peer sha256sum "$f" | cut -c1-64)")"
check_match "naming it by its absolute path" "file: $T/disks/gd.raw" "$(cat "$T/remote/vms.d/gd.yaml" 2>/dev/null)"
check_eq "the moved disk is 0600 there" "600" "$(on_peer stat -c %a "$T/disks/gd.raw")"
sed -i 's|file_dir = "otherdisks"|file_dir = "disks"|' "$T/remote.conf"

# An interrupted move: a signal at an exact point (the test-only pause hook).
# Before the definition is in place nothing is left there, under its final
# name or any other, and a retry works; after it, the move is done.
head -c 2M /dev/urandom > "$T/disks/gm.raw"; truncate -s 6M "$T/disks/gm.raw"
mkguest gm <<EOF2
disks:
  - file: $T/disks/gm.raw
EOF2
gm_there() { on_peer ls -A "$T/remote/vms.d/" "$T/disks/" | grep -E '^(gm\.|gm\.raw)' | tr '\n' ' ' | sed 's/ $//'; }
for point in flush commit; do
    signal_at $point TERM "$VMDECK" -c "$CONF" move gm kvm2
    check_eq "SIGTERM at the move's $point: exit 1" "1 yes" "$SIGNAL_RC $SIGNAL_STOPPED"
    check_match "saying it was interrupted ($point)" "cannot move: interrupted$" "$(cat "$T/signal.err")"
    check_eq "nothing of it left there ($point)" "" "$(gm_there)"
done
# A link that dies mid-stream (the local side gone for good): the receiver's
# zstd fails, so the half disk never takes its final name.
VMDECK_TEST_PAUSE_AT=flush "$VMDECK" -c "$CONF" move gm kvm2 >/dev/null 2>&1 &
mp=$!; EXTRA_PIDS="$EXTRA_PIDS $mp"
wait_until 30 bash -c "[ ! -e /proc/$mp ] || grep -qE '^State:[[:space:]]+[TZ]' /proc/$mp/status"
sp=$(pgrep -P "$mp" -x ssh | head -1)
[ -n "$sp" ] && kill -9 "$sp"; kill -9 "$mp"; wait "$mp" 2>/dev/null
sleep 1
check "a dead link leaves no disk under its final name there" on_peer test ! -e "$T/disks/gm.raw"
on_peer rm -f "$T/disks/gm.raw.vmdeck-partial"
signal_at committed TERM "$VMDECK" -c "$CONF" move gm kvm2
check_eq "SIGTERM just after the definition is in place: the move is done" "0 yes" "$SIGNAL_RC $SIGNAL_STOPPED"
check_eq "and all of it is there" "gm.raw gm.yaml" "$(gm_there)"
check "byte for byte" cmp -s "$T/rdisks/gm.raw" "$T/disks/gm.raw"

# The same for a remote backup: before the rename nothing stays there; after it, done.
signal_at commit TERM "$VMDECK" -c "$CONF" backup gm --to "kvm2:$T/rs"
check_eq "SIGTERM before a remote archive's rename: exit 1" "1 yes" "$SIGNAL_RC $SIGNAL_STOPPED"
check_eq "and nothing left there" "" "$(on_peer ls -A "$T/rs" 2>/dev/null)"
signal_at committed TERM "$VMDECK" -c "$CONF" backup gm --to "kvm2:$T/rs"
check_eq "SIGTERM after it: the remote backup is done" "0 yes" "$SIGNAL_RC $SIGNAL_STOPPED"
check "its archive is complete there" on_peer "test -f $T/rs/gm-*/manifest.yaml"

# --host quotes every argument for the remote shell.
out=$(V --host kvm2 show "x; touch $T/pwned" 2>&1); rc=$?
check_eq "a hostile name is only a name there" "2" "$rc"
check "nothing ran" test ! -e "$T/pwned"

sshd_stop
finish
