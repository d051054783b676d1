# tests/storage-lib.sh: a real LVM volume group on a loop device for the storage
# tests, and the /dev/VG/LV stand-ins. Source after lib.sh. There is no
# device-mapper here, so lvm runs with activation off: metadata is real, and
# a test makes /dev/VG/LV a symlink to a loop device of the LV's size where
# the kernel's activation would have put the volume. Everything is undone on exit.
LVM_CONF="global/activation=0"
export LVM_SUPPRESS_FD_WARNINGS=1
VG="vmdeckt$$"
PV_LOOP=""
LV_LOOPS=""
LV_LINKS=""

lvm_() { local t="$1"; shift; "$t" --config "$LVM_CONF" "$@" 2>/dev/null; }

# The config's storage line, pointed at the test VG with activation off.
conf_lvm_storage() {
    sed -i "s|^storage = .*|storage = { vg = \"$VG\"; file_dir = \"disks\"; lvm_config = \"$LVM_CONF\"; };|" "$CONF"
}
lv_absent() { ! lvm_ lvs "$1/$2" >/dev/null; }
lv_exists() { lvm_ lvs "$1/$2" >/dev/null; }

vg_setup() { # SIZE
    truncate -s "$1" "$T/pv.img"
    PV_LOOP=$(losetup -f --show "$T/pv.img") || { echo "Bail out! no loop device"; exit 1; }
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
    LV_LOOPS="$LV_LOOPS $dev"
    LV_LINKS="$LV_LINKS /dev/$1/$2"
    echo "$dev"
}
# lv_prelink VG LV MB: the same for an LV that vmdeck is about to create.
lv_prelink() {
    local img="$T/lv-$1-$2.img" dev
    truncate -s "$3M" "$img"
    dev=$(losetup -f --show "$img")
    mkdir -p "/dev/$1"
    ln -sfn "$dev" "/dev/$1/$2"
    LV_LOOPS="$LV_LOOPS $dev"
    LV_LINKS="$LV_LINKS /dev/$1/$2"
    echo "$dev"
}
lv_unlink() {
    local l="/dev/$1/$2" dev
    dev=$(readlink "$l") || return 0
    rm -f "$l"; rmdir "/dev/$1" 2>/dev/null
    losetup -d "$dev" 2>/dev/null
}

storage_cleanup() {
    local l d
    for l in $LV_LINKS; do [ -L "$l" ] && rm -f "$l"; done
    [ -d "/dev/$VG" ] && rmdir "/dev/$VG" 2>/dev/null
    for d in $LV_LOOPS; do losetup -d "$d" 2>/dev/null; done
    if [ -n "$PV_LOOP" ]; then
        lvm_ vgremove -q -f "$VG" >/dev/null
        lvm_ pvremove -q "$PV_LOOP" >/dev/null
        losetup -d "$PV_LOOP" 2>/dev/null
    fi
}
trap 'storage_cleanup; cleanup' EXIT INT TERM
