#!/bin/bash
# iso.sh: the ISO library. `iso make` builds an ISO 9660 image with Joliet and
# Rock Ridge from a folder (xorriso lists its files back); `iso put` takes a
# 64 MiB stream through a real sshd on 127.0.0.1 (as `plink host vmdeck iso
# put x.iso < x.iso` would) and the SHA-256 matches; a name with a path is
# refused; `iso list` says which guests use an image (definition or drive);
# `iso delete` is refused while one does.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../ssh-lib.sh"
write_conf
vd() { "$VMDECK" -c "$CONF" "$@"; }

mkdir -p "$T/drivers/sub"
echo "a vendor's driver" > "$T/drivers/setup.inf"
echo "nested" > "$T/drivers/sub/readme-Long-Name.txt"
check "iso make from a folder" vd iso make drivers.iso "$T/drivers" --label DRV2024
listing=$(xorriso -indev "$T/iso/drivers.iso" -find / 2>/dev/null | tr -d "'" | sort | xargs)
check_eq "xorriso -find lists the folder's files, long names kept (Rock Ridge)" \
    "/ /setup.inf /sub /sub/readme-Long-Name.txt" "$listing"
check_match "the volume label is the one given" "Volume id *: *'DRV2024'" \
    "$(xorriso -indev "$T/iso/drivers.iso" -pvd_info 2>&1)"
check_match "with Rock Ridge and Joliet (Windows)" "ISO offers +: Rock_Ridge Joliet" "$(xorriso -indev "$T/iso/drivers.iso" -toc 2>&1)"
out=$(vd iso make drivers.iso "$T/drivers" 2>&1); rc=$?
check_eq "an existing image is not replaced: exit 1" 1 "$rc"
check_match "and says so" "already exists \(delete it first\)" "$out"
for bad in ../x.iso sub/x.iso .hidden.iso x.img; do
    out=$(echo data | vd iso put "$bad" 2>&1); rc=$?
    check_eq "iso put refuses the name '$bad' (exit 2)" 2 "$rc"
done
check_eq "nothing was written outside iso_dirs" "" "$(ls "$T" | grep -E '^x\.(iso|img)$')"

# the upload, through sshd as from PuTTY's plink
sshd_start
head -c $((64 * 1024 * 1024)) /dev/urandom > "$T/big.src"
on_peer "$VMDECK" -c "$CONF" iso put big.iso < "$T/big.src" > "$T/put.out" 2>&1
check_eq "iso put over ssh: 64 MiB stored" "$((64 * 1024 * 1024))" "$(stat -c %s "$T/iso/big.iso" 2>/dev/null)"
check_eq "the SHA-256 matches the stream's" "$(sha256sum < "$T/big.src")" "$(sha256sum < "$T/iso/big.iso")"
check_eq "no temporary file is left" "" "$(ls -A "$T/iso" | grep '^\.')"
sshd_stop
out=$(vd iso put empty.iso < /dev/null 2>&1); rc=$?
check_eq "an empty stream is refused" "1 " "$rc $(ls "$T/iso/empty.iso" 2>/dev/null)"
# a broken upload (the sender gone: stdin just ends) of an ISO 9660 image is not stored as one
half=$(( $(stat -c %s "$T/iso/drivers.iso") / 2 ))
out=$(head -c "$half" "$T/iso/drivers.iso" | vd iso put half.iso 2>&1); rc=$?
check_eq "an image cut short is refused (exit 1), nothing stored" "1 " \
    "$rc $(ls "$T/iso/half.iso" 2>/dev/null)"
check_match "... saying it ended early" "ended after $half bytes of an image of [0-9]+" "$out"
check_eq "... and no temporary file is left" "" "$(ls -A "$T/iso" | grep '^\.')"

# in use: by a definition, and in a running guest's drive
mkguest cd1 <<EOF
cdrom: drivers.iso
EOF
mkguest run1
check "start a guest with big.iso in its drive" vd start run1 --cdrom big.iso
json=$(vd iso list --json)
check_eq "iso list: drivers.iso used by cd1 (its definition)" '["cd1"]' \
    "$(jq -c '.[] | select(.name == "drivers.iso") | .used_by' <<< "$json")"
check_eq "iso list: big.iso used by run1 (its drive)" '["run1"]' \
    "$(jq -c '.[] | select(.name == "big.iso") | .used_by' <<< "$json")"
check_eq "iso list: sizes in bytes" "$((64 * 1024 * 1024))" "$(jq '.[] | select(.name == "big.iso") | .size' <<< "$json")"
check_match "iso list as text" "big\.iso +64M .* run1" "$(vd iso list)"
out=$(vd iso delete big.iso 2>&1); rc=$?
check_eq "iso delete refused while a guest has it in its drive: exit 1" 1 "$rc"
check_match "naming the guest" "in use by run1" "$out"
out=$(vd iso delete drivers.iso 2>&1); rc=$?
check_eq "iso delete refused while a definition names it" "1" "$rc"
vd kill run1 > /dev/null
check "once the guest is off, iso delete removes it" vd iso delete big.iso
check "the file is gone" test ! -e "$T/iso/big.iso"
finish
