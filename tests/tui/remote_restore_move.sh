#!/bin/bash
# remote_restore_move.sh: restore (U), move (M), clone (C) and snapshots (S)
# on another host from the console (issue 9, item 3). Two other servers
# (real sshd on 127.0.0.1, each in its own mount namespace with its own
# configuration, vms.d, disks and backup.dir); kvm2 can move guests to kvm3
# (its own hosts[]). U with the table on kvm2 lists kvm2's archives (its
# `hostinfo --json`, not this host's backup.dir) and restores one there under
# another name; C clones kvm2's guest there; S lists, creates and deletes its
# snapshots there; M on kvm2's stopped guest offers kvm2's own hosts[] and
# moves it to kvm3. Each is checked with that host's own `vmdeck list --json`
# (or snapshot list). Stopped guests with small file disks; one QEMU runs
# (no disk, in SeaBIOS) for M's refusal of a running guest.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"
source "$(dirname "$0")/../ssh-lib.sh"
source "$(dirname "$0")/../hosts-lib.sh"

write_conf <<'EOF2'
heartbeat = 1.0;
host_name = "alpha";
EOF2
head -c 65536 /dev/urandom > "$T/disks/here.raw"
mkguest here <<< "disks: [ { file: $T/disks/here.raw } ]"
peer_start kvm3 <<< "heartbeat = 1.0;"
peer_start kvm2 <<< "heartbeat = 1.0;"
# kvm2's own hosts[]: kvm3, with its definitions folder and vmdeck (as move needs them)
echo "hosts = ( { name = \"kvm3\"; ssh = \"kvm3\"; ssh_config = \"$T/peer-kvm3/ssh/config\"; vms_dir = \"$T/peer-kvm3/vms.d\"; vmdeck = \"$VMDECK -c $T/peer-kvm3/vmdeck.conf\"; } );" \
    >> "$T/peer-kvm2/vmdeck.conf"
# filedisk_on HOST NAME: NAME's definition there names a 512 KiB file of random bytes.
filedisk_on() {
    head -c 524288 /dev/urandom > "$T/peer-$1/disks/$2.raw"
    chmod 600 "$T/peer-$1/disks/$2.raw"
    printf 'disks:\n  - file: %s\n    interface: ide\n' "$T/peer-$1/disks/$2.raw" >> "$T/peer-$1/vms.d/$2.yaml"
}
mkguest_on kvm2 keep; filedisk_on kvm2 keep
mkguest_on kvm2 mover; filedisk_on kvm2 mover
mkguest_on kvm3 mail
echo "hosts = ( $PEER_HOSTS );" >> "$CONF"
names_on() { vd_on "$1" list --json 2>/dev/null | jq -r '.[] | "\(.name) \(.state)"' | LC_ALL=C sort | xargs; }

check "keep is backed up on kvm2, into kvm2's backup.dir" eval 'vd_on kvm2 backup keep > /dev/null'
check "here is backed up here (an archive kvm2's dialog must not offer)" eval '"$VMDECK" -c "$CONF" backup here > /dev/null'
info=$(vd_on kvm2 hostinfo --json)
check_eq "kvm2's hostinfo names its backup.dir" "$T/peer-kvm2/backup" "$(jq -r .backup_dir <<< "$info")"
check_match "... and its archive: name, guest, path, size, time" \
    "^keep-[0-9]{8}-[0-9]{6} keep $T/peer-kvm2/backup/keep-[0-9-]+ [1-9][0-9]* [1-9][0-9]{9}\$" \
    "$(jq -r '.backups[] | "\(.name) \(.guest) \(.path) \(.size) \(.time)"' <<< "$info")"
check_eq "... and its own hosts[] (where its guests can move)" "kvm3" "$(jq -r '.hosts | join(" ")' <<< "$info")"

tui_start
check_screen "kvm2's guests are listed" '^ mover +kvm2 +stopped' 10
tui_keys : 'host kvm2' Enter
check_screen ":host kvm2: only kvm2's" '^ keep +kvm2 +stopped' 3
tui_keys U
check_screen "U with the table on kvm2: the restore dialog is kvm2's" 'Restore on kvm2' 10
check_screen "... offering kvm2's archive" '< keep-[0-9]{8}-[0-9]{6} >' 3
check "... not this host's" eval '! tui_has "here-[0-9]{8}"'
tui_keys Enter
check_screen "restoring under the name kvm2 has already is refused, naming kvm2" 'keep exists on kvm2: change' 3
tui_keys C-u k e e p 2 Enter
check "Enter restores it on kvm2 as keep2 (kvm2's own list)" \
    wait_until 30 eval '[ "$(names_on kvm2)" = "keep stopped keep2 stopped mover stopped" ]'
f=$(vd_on kvm2 show keep2 --json | jq -r '.disks[0].file')
check "... onto a disk of its own there, holding keep's bytes" \
    eval '[ "$f" != "$T/peer-kvm2/disks/keep.raw" ] && cmp -s "$f" "$T/peer-kvm2/disks/keep.raw"'
check "nothing was restored here" test ! -e "$T/vms.d/keep2.yaml"
check_screen "the table shows it on kvm2" '^ keep2 +kvm2 +stopped' 10
tui_keys J
check_screen "it ran as a job, kvm2's archive restored there" 'restore /[^ ]*/peer-kvm2/backup/keep-' 3
check_screen "... saying so" 'restored keep2 \(every checksum verified\)' 3
tui_keys Escape

tui_select keep
tui_keys C
check_screen "C on kvm2's stopped keep: the clone dialog is kvm2's" 'Clone on kvm2' 10
check_screen "... proposing a name free there" 'New guest name +keep-clone ' 3
tui_keys Enter
check "Enter clones it on kvm2 (kvm2's own list)" \
    wait_until 30 eval '[ "$(names_on kvm2)" = "keep stopped keep-clone stopped keep2 stopped mover stopped" ]'

# S on kvm2's keep2: kvm2's own snapshot list, and create and delete run there.
snaps_on() { vd_on "$1" snapshot "$2" list --json 2>/dev/null | jq -r '[.[].tag] | join(" ")'; }
tui_select keep2
tui_keys S
check_screen "S on kvm2's keep2: its snapshots, from kvm2" 'Snapshots: keep2 on kvm2' 10
check_screen "... none yet (kvm2's list is empty)" 'none yet: c makes one' 10
tui_keys c
check_screen "c: the new-snapshot form" 'New snapshot' 3
tui_keys C-u f i r s t Enter
check "Enter makes it on kvm2 (kvm2's own snapshot list)" wait_until 20 eval '[ "$(snaps_on kvm2 keep2)" = first ]'
check_screen "the list shows it, read again from kvm2" ' first +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]+ +disk' 10
tui_keys d
check_screen "d asks" 'Delete snapshot first of keep2' 3
tui_keys y
check "y deletes it on kvm2" wait_until 20 eval '[ -z "$(snaps_on kvm2 keep2)" ]'
check_screen "... and the list is empty again" 'none yet: c makes one' 10
tui_keys Escape
check "nothing was snapshotted here" test -z "$(ls "$T/disks" | grep -v '^here\.raw$')"

msum=$(sha256sum < "$T/peer-kvm2/disks/mover.raw")
tui_select mover
tui_keys M
check_screen "M on kvm2's stopped mover: the move dialog is kvm2's" 'Move from kvm2 to another host' 10
check_screen "... offering kvm2's own host" '< kvm3 >' 3
tui_keys Right
check_screen "... and only it (not this host: kvm2's hosts[] does not name it)" '< kvm3 >' 2
tui_keys Tab Tab "$T/peer-kvm3/disks" Tab Right
check_screen "... delete the source once verified" 'Delete src if verified +< yes >' 2
tui_keys Enter
check "Enter moves it to kvm3 (kvm3's own list)" \
    wait_until 30 eval '[ "$(names_on kvm3)" = "mail stopped mover stopped" ]'
check_eq "... and kvm2's own list no longer has it" "keep stopped keep-clone stopped keep2 stopped" "$(names_on kvm2)"
check "its disk is in the folder given for kvm3, the same bytes" \
    eval '[ "$(vd_on kvm3 show mover --json | jq -r ".disks[0].file")" = "$T/peer-kvm3/disks/mover.raw" ] &&
        [ "$(sha256sum < "$T/peer-kvm3/disks/mover.raw")" = "$msum" ]'
tui_keys : 'host all' Enter
check_screen "the table shows it on kvm3" '^ mover +kvm3 +stopped' 10
# kvm3's mail runs (no disk: it sits in SeaBIOS): M refuses it, as here.
check "mail runs on kvm3" vd_on kvm3 start mail
check_screen "... shown running" '^ mail +kvm3 +running' 10
tui_select mail
tui_keys M
check_screen "M on kvm3's running mail is refused" 'move: mail on kvm3 is running \(stop it first\)' 3
check "... no dialog opened" eval '! tui_has "Move from kvm3"'
tui_select mover
tui_keys U
check_screen "U with every host shown and kvm3's guest selected: restore on kvm3" 'Restore on kvm3' 10
check_screen "... kvm3 has no archives" '< \(none in backup.dir\) >' 3
tui_keys Escape
check_eq "nothing moved here" "here stopped" \
    "$("$VMDECK" -c "$CONF" list --json | jq -r '.[] | "\(.name) \(.state)"' | xargs)"

tui_stop
vd_on kvm3 kill mail > /dev/null 2>&1
finish
