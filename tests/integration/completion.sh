#!/bin/bash
# completion.sh: the generated bash completion, driven in a real bash as
# readline would: COMP_WORDS/COMP_CWORD set, _vmdeck called, COMPREPLY read.
# Guest names, ISO paths and hosts come from `vmdeck complete`.
source "$(dirname "$0")/../lib.sh"

SCRIPT="$VMDECK_ROOT/$BUILD/doc/vmdeck.bash-completion"
check "the completion script was generated" test -s "$SCRIPT"
write_conf <<'CONF'
hosts = ( { name = "kvm2"; ssh = "root@kvm2"; }, { name = "backup1"; ssh = "backup1"; } );
CONF
for g in dc1 files web; do printf 'memory: 512M\n' > "$T/vms.d/$g.yaml"; done
printf 'not: [yaml' > "$T/vms.d/broken.yaml"   # a name still, whatever it holds
touch "$T/vms.d/.hidden.yaml" "$T/vms.d/notes.txt"
: > "$T/iso/debian.iso"; : > "$T/iso/virtio win.iso"
mkdir -p "$T/bin" && ln -s "$VMDECK" "$T/bin/vmdeck"

# complete WORDS...: the candidates for the last word (may be ''), one per line, sorted.
complete_line() {
    PATH="$T/bin:$PATH" VMDECK_CONFIG="$CONF" bash -c '
        source "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
        _vmdeck
        printf "%s\n" "${COMPREPLY[@]}"' _ "$SCRIPT" "$@" | sort | tr '\n' ' ' | sed 's/ $//'
}

check_eq "vmdeck st<Tab>: the verbs starting so" "start stop" "$(complete_line vmdeck st)"
check_eq "vmdeck start <Tab>: every guest, no YAML read (a broken file is a name too)" \
    "broken dc1 files web" "$(complete_line vmdeck start '')"
check_eq "vmdeck start d<Tab>" "dc1" "$(complete_line vmdeck start d)"
check_eq "vmdeck cdrom NAME <Tab>: the images in iso_dirs, and --eject" \
    "--eject $T/iso/debian.iso $T/iso/virtio win.iso" "$(complete_line vmdeck cdrom dc1 '')"
check_eq "vmdeck start NAME --cdrom <Tab>: images" \
    "$T/iso/debian.iso $T/iso/virtio win.iso" "$(complete_line vmdeck start dc1 --cdrom '')"
check_eq "vmdeck start NAME --<Tab>: the verb's options" "--boot --cdrom --help" \
    "$(complete_line vmdeck start dc1 --)"
check_eq "vmdeck start NAME --boot <Tab>: its choices" "cdrom disk" "$(complete_line vmdeck start dc1 --boot '')"
check_eq "vmdeck move NAME <Tab>: the configured hosts" "backup1 kvm2" "$(complete_line vmdeck move dc1 '')"
check_eq "vmdeck --host <Tab>: hosts" "backup1 kvm2" "$(complete_line vmdeck --host '')"
check_eq "vmdeck -c FILE st<Tab>: the file is skipped, the verb is next" "start stop" \
    "$(complete_line vmdeck -c "$CONF" st)"
check_eq "vmdeck new <Tab>: a new name, nothing offered" "" "$(complete_line vmdeck new '')"
check_eq "vmdeck iso <Tab>: its sub-verbs, not images (a verb named like a kind)" "delete list make put" \
    "$(complete_line vmdeck iso '')"
check_eq "vmdeck disk <Tab>: its sub-verbs" "attach create delete list resize" "$(complete_line vmdeck disk '')"
check_eq "vmdeck help <Tab>: verbs and the two file references" \
    "$( (echo config; echo yaml; "$VMDECK" help | awk '/^  [a-z]/ {print $1}') | sort | tr '\n' ' ' | sed 's/ $//')" \
    "$(complete_line vmdeck help '')"
check_eq "every verb of the table is offered after vmdeck" \
    "$("$VMDECK" help | awk '/^  [a-z]/ {print $1}' | sort | tr '\n' ' ' | sed 's/ $//')" \
    "$(complete_line vmdeck '')"

# the lister itself: fast, and only names
check_eq "vmdeck complete guest" "broken dc1 files web" "$("$VMDECK" -c "$CONF" complete guest | tr '\n' ' ' | sed 's/ $//')"
check_eq "vmdeck complete host" "kvm2 backup1" "$("$VMDECK" -c "$CONF" complete host | tr '\n' ' ' | sed 's/ $//')"
"$VMDECK" -c "$CONF" complete bogus >/dev/null 2>&1
check_eq "an unknown kind is a usage error" "2" "$?"
finish
