#!/bin/bash
# completion_quoting.sh: file and folder names offered by the bash completion
# come back whole: a space does not split one name into two candidates, and a
# name with glob characters is not expanded against the current folder. A
# word typed with a backslash-escaped space still matches the ISO it names.
source "$(dirname "$0")/../lib.sh"

SCRIPT="$VMDECK_ROOT/$BUILD/doc/vmdeck.bash-completion"
write_conf
printf 'memory: 512M\n' > "$T/vms.d/g1.yaml"
: > "$T/iso/virtio win.iso"
mkdir -p "$T/bin" "$T/cwd/my dir" && ln -s "$VMDECK" "$T/bin/vmdeck"
: > "$T/cwd/a b.conf"; : > "$T/cwd/*"; : > "$T/cwd/other"

# complete WORDS...: the candidates for the last word, one per line, sorted, in $T/cwd.
complete_line() {
    (cd "$T/cwd" && PATH="$T/bin:$PATH" VMDECK_CONFIG="$CONF" bash -c '
        source "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
        _vmdeck
        printf "%s\n" "${COMPREPLY[@]}"' _ "$SCRIPT" "$@") | sort | tr '\n' '|' | sed 's/|$//'
}

check_eq "vmdeck -c a<Tab>: one file with a space, whole" "a b.conf" "$(complete_line vmdeck -c a)"
check_eq "vmdeck -c '*'<Tab>: the file named *, not every file" "*" "$(complete_line vmdeck -c '*')"
check_eq "vmdeck -c <Tab>: each file once" "*|a b.conf|my dir|other" "$(complete_line vmdeck -c '')"
check_eq "vmdeck backup g1 --to m<Tab>: a folder with a space, whole" "my dir" \
    "$(complete_line vmdeck backup g1 --to m)"
check_eq "vmdeck cdrom g1 .../virtio\\ w<Tab>: the escaped space matches" "$T/iso/virtio win.iso" \
    "$(complete_line vmdeck cdrom g1 "$T/iso/virtio\\ w")"
check_eq "vmdeck cdrom g1 \".../virtio w<Tab>: so does an opening quote" "$T/iso/virtio win.iso" \
    "$(complete_line vmdeck cdrom g1 "\"$T/iso/virtio w")"
cp "$CONF" "$T/cwd/my dir/v.conf"
sed -i "s|\"vms.d\"|\"$T/vms.d\"|; s|\"state\"|\"$T/state\"|" "$T/cwd/my dir/v.conf"
check_eq "vmdeck -c my\\ dir/v.conf start <Tab>: the config typed with an escape is read" "g1" \
    "$(complete_line vmdeck -c 'my\ dir/v.conf' start '')"
finish
