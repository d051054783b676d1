# tests/storage-lib.sh: a real LVM volume group on a loop device for the storage
# tests, and the /dev/VG/LV stand-ins. Source after lib.sh. There is no
# device-mapper here, so lvm runs with activation off: metadata is real, and
# a test makes /dev/VG/LV a symlink to a loop device of the LV's size where
# the kernel's activation would have put the volume. Everything is undone on exit.
LVM_CONF="global/activation=0"
export LVM_SUPPRESS_FD_WARNINGS=1
VG="vmdeckt$$"
PV_LOOP=""
# Loop devices and links to undo, kept in a file: helpers run in $(...) subshells.
loop_keep() { echo "$1" >> "$T/loops"; [ -n "${2:-}" ] && echo "$2" >> "$T/links"; return 0; }

lvm_() { local t="$1"; shift; "$t" --config "$LVM_CONF" "$@" 2>/dev/null; }

# A string for vmdeck.conf (libconfig): backslashes and quotes escaped.
conf_str() { local s="${1//\\/\\\\}"; printf '"%s"' "${s//\"/\\\"}"; }
# The config's storage line, pointed at the test VG with activation off.
conf_lvm_storage() {
    local line="storage = { vg = \"$VG\"; file_dir = \"disks\"; lvm_config = $(conf_str "$LVM_CONF"); };"
    grep -v '^storage = ' "$CONF" > "$CONF.new"; echo "$line" >> "$CONF.new"; mv "$CONF.new" "$CONF"
}
lv_absent() { ! lvm_ lvs "$1/$2" >/dev/null; }
lv_exists() { lvm_ lvs "$1/$2" >/dev/null; }

# lvm sees only our PV (a filter): other loop devices on the machine are none of its business.
lvm_filter_conf() { echo "global/activation=0 devices/filter=[\"a|^$1\$|\",\"r|.*|\"]"; }

vg_setup() { # SIZE
    truncate -s "$1" "$T/pv.img"
    PV_LOOP=$(losetup -f --show "$T/pv.img") || { echo "Bail out! no loop device"; exit 1; }
    LVM_CONF=$(lvm_filter_conf "$PV_LOOP")
    lvm_ pvcreate -q "$PV_LOOP" >/dev/null && lvm_ vgcreate -q "$VG" "$PV_LOOP" >/dev/null \
        || { echo "Bail out! vgcreate failed"; exit 1; }
}

# lv_link VG LV: /dev/VG/LV -> a fresh loop device over a sparse file of the LV's size.
lv_link() {
    local size img dev
    size=$(lvm_ lvs --noheadings --units b --nosuffix -o lv_size "$1/$2" | tr -d ' ')
    img="$T/lv-$1-$2.img"
    truncate -s "$size" "$img"
    dev=$(losetup -f --show "$img")
    mkdir -p "/dev/$1"
    ln -sfn "$dev" "/dev/$1/$2"
    loop_keep "$dev" "/dev/$1/$2"
    echo "$dev"
}
# lv_prelink VG LV MB: the same for an LV that vmdeck is about to create.
lv_prelink() {
    local img="$T/lv-$1-$2.img" dev
    truncate -s "$3M" "$img"
    dev=$(losetup -f --show "$img")
    mkdir -p "/dev/$1"
    ln -sfn "$dev" "/dev/$1/$2"
    loop_keep "$dev" "/dev/$1/$2"
    echo "$dev"
}
lv_unlink() {
    local l="/dev/$1/$2" dev
    dev=$(readlink "$l") || return 0
    rm -f "$l"; rmdir "/dev/$1" 2>/dev/null
    losetup -d "$dev" 2>/dev/null
}

STORAGE_CLEANUP_HOOK=""   # a command run first (e.g. removing a second VG)
# lv_with_random VG NAME SIZE_MIB AT_MIB: an LV of SIZE_MIB whose MiB at AT_MIB
# is random and the rest zeros; prints the path that stands in for /dev/VG/NAME.
lv_with_random() {
    local d
    lvm_ lvcreate -q -n "$2" -L "$3M" "$1" >/dev/null
    d=$(lv_link "$1" "$2")
    head -c 1M /dev/urandom | dd of="$d" bs=1M seek="$4" status=none
    echo "$d"
}

# damaged_restore_checks WHAT SOURCE STREAM AS: plants 8 bytes of garbage in
# the archive's STREAM (a copy of an archive, reached as SOURCE: a folder or
# HOST:/folder), restores it as the copy AS, and checks the restore fails,
# names the stream and leaves neither a definition nor a disk file behind.
damaged_restore_checks() {
    local what="$1" src="$2" stream="$3" as="$4" out rc
    printf 'XXXXXXXX' | dd of="$stream" bs=1 seek=100000 conv=notrunc status=none
    out=$("$VMDECK" -c "$CONF" restore "$src" --as "$as" 2>&1); rc=$?
    check_eq "$what fails the restore" "1" "$rc"
    check_match "saying the archive is damaged" "$(basename "$stream"): (checksum mismatch|the archive is damaged)" "$out"
    check "no definition written" test ! -e "$T/vms.d/$as.yaml"
    check "no half-written disk file left" test -z "$(ls "$T/disks" | grep -E "$as|restore-")"
}

storage_cleanup() {
    local l d
    [ -d "$T" ] || return 0
    [ -n "$STORAGE_CLEANUP_HOOK" ] && $STORAGE_CLEANUP_HOOK
    for l in $(cat "$T/links" 2>/dev/null); do [ -L "$l" ] && rm -f "$l"; done
    [ -d "/dev/$VG" ] && rmdir "/dev/$VG" 2>/dev/null
    for d in $(cat "$T/loops" 2>/dev/null); do losetup -d "$d" 2>/dev/null; done
    if [ -n "$PV_LOOP" ]; then
        lvm_ vgremove -q -f "$VG" >/dev/null
        lvm_ pvremove -q "$PV_LOOP" >/dev/null
        losetup -d "$PV_LOOP" 2>/dev/null
    fi
}
# finish and the exit trap both call cleanup: undo the storage first, while $T still exists.
eval "lib_cleanup() $(declare -f cleanup | tail -n +2)"
cleanup() { storage_cleanup; lib_cleanup; }
