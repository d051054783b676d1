#!/bin/bash
# prune and verify: backup.keep applied per guest to dated archives (keep or
# remove, and the rule), old partial folders removed and a newer one kept,
# --dry-run writing nothing; the same over ssh on a folder only the other
# server sees; verify of a sound and a damaged archive, local and remote;
# notify getting the failure.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../ssh-lib.sh"
export TZ=UTC  # archive names are local time; the expected periods are written in UTC

mkdir -p "$T/rb"
sshd_start "mount -t tmpfs -o size=64m tmpfs $T/rb"
cat > "$T/notify.sh" <<EOF2
#!/bin/sh
printf '%s\n' "\$@" > "$T/notify.argv"
cat > "$T/notify.stdin"
EOF2
chmod +x "$T/notify.sh"
write_conf <<EOF2
hosts = ( { name = "kvm2"; ssh = "peer"; ssh_config = "$SSH_DIR/config"; } );
notify = [ "$T/notify.sh", "-s", "vmdeck on %h: %s", "root" ];
EOF2
sed -i 's|^backup = {|backup = { keep = { last = 1; daily = 2; weekly = 2; };|' "$CONF"
V() { "$VMDECK" -c "$CONF" "$@"; }

head -c 1M /dev/urandom > "$T/disks/g1.raw"; truncate -s 4M "$T/disks/g1.raw"
mkguest g1 <<EOF2
disks:
  - file: $T/disks/g1.raw
EOF2
V backup g1 >/dev/null 2>&1 || fail "backup g1"
REAL=$(ls -d "$T"/backup/g1-* | head -1)
# Dated copies of the real archive: A..H, newest first (2024-06-05 is a Wednesday, ISO week 23).
mv "$REAL" "$T/g1-real"
for s in 20240605-023000:A 20240605-013000:B 20240604-023000:C 20240603-023000:D 20240602-023000:E \
         20240601-023000:F 20240525-023000:G 20240518-023000:H; do
    cp -a "$T/g1-real" "$T/backup/g1-${s%:*}"
done
mkdir "$T/backup/.g1-20240604-120000.partial" "$T/backup/.g1-20240606-010000.partial"
cp -a "$T/g1-real" "$T/backup/g2-20240101-000000"
mkdir "$T/backup/lost+found"
cp -a "$T/backup" "$T/backup.orig"

out=$(V prune g1 --dry-run 2>&1); rc=$?
check_eq "prune --dry-run succeeds" "0" "$rc"
expect="keep     partial       $T/backup/.g1-20240606-010000.partial
keep     keep-last     $T/backup/g1-20240605-023000
remove   -             $T/backup/g1-20240605-013000
remove   partial       $T/backup/.g1-20240604-120000.partial
keep     keep-daily    $T/backup/g1-20240604-023000
keep     keep-daily    $T/backup/g1-20240603-023000
keep     keep-weekly   $T/backup/g1-20240602-023000
remove   -             $T/backup/g1-20240601-023000
keep     keep-weekly   $T/backup/g1-20240525-023000
remove   -             $T/backup/g1-20240518-023000
6 kept, 4 to remove (dry run: nothing removed)"
check_eq "every archive of g1 with keep or remove and the rule (Proxmox order)" "$expect" "$out"
check_eq "--dry-run removes nothing" "" "$(diff -r "$T/backup.orig" "$T/backup" 2>&1)"

out=$(V prune g1 --json 2>&1); rc=$?
check_eq "prune succeeds" "0" "$rc"
check_eq "--json: one object per archive" "10" "$(printf '%s' "$out" | jq length)"
check_eq "--json: the rule that kept it" "keep-weekly" \
    "$(printf '%s' "$out" | jq -r '.[] | select(.archive == "g1-20240525-023000") | .rule')"
check_eq "--json: removed ones say so" "true" \
    "$(printf '%s' "$out" | jq -r '.[] | select(.archive == "g1-20240601-023000") | .removed')"
left=$(ls -A "$T/backup" | tr '\n' ' ')
check_eq "exactly the removed ones are gone; g2 and foreign folders untouched" \
    ".g1-20240606-010000.partial .vmdeck-status g1-20240525-023000 g1-20240602-023000 g1-20240603-023000 g1-20240604-023000 g1-20240605-023000 g2-20240101-000000 lost+found " \
    "$left"
out=$(V prune 2>&1)
check_match "prune without a name covers every guest (g2 by keep-last)" "keep +keep-last +$T/backup/g2-20240101-000000" "$out"
check_match "and a second run removes nothing more" "^7 kept, 0 removed$" "$(printf '%s' "$out" | tail -1)"

# The same on a folder only the other server sees.
on_peer mkdir -p "$T/rb/arch"
for s in 20240605-023000 20240605-013000 20240601-023000 20240518-023000; do
    on_peer cp -a "$T/g1-real" "$T/rb/arch/g1-$s"
done
on_peer mkdir "$T/rb/arch/.g1-20240101-000000.partial"
# a folder whose name holds a newline and a listing line: no phantom newest archive from it
on_peer "mkdir '$T/rb/arch/x
c g1-20991231-000000'"
check "the remote folder is not visible here" test ! -e "$T/rb/arch"
out=$(V prune --to "kvm2:$T/rb/arch" 2>&1); rc=$?
check_eq "prune --to HOST:/folder succeeds" "0" "$rc"
check_nomatch "a name with a newline makes no archive of its second line" "20991231" "$out"
on_peer "rmdir '$T/rb/arch/x
c g1-20991231-000000'"
check_match "it lists the remote archives with rules" "keep +keep-daily +kvm2:$T/rb/arch/g1-20240601-023000" "$out"
check_eq "and removed the same ones there" "g1-20240518-023000 g1-20240601-023000 g1-20240605-023000" \
    "$(on_peer ls -A "$T/rb/arch" | xargs)"

# verify: a sound archive, then one damaged in the middle of a disk image.
A="$T/backup/g1-20240605-023000"
out=$(V verify "$A" 2>&1); rc=$?
check_eq "verify of a sound archive succeeds" "0" "$rc"
check_match "and says so" "^ok $A \(" "$out"
check_eq "verify writes nothing" "" "$(diff -r "$T/g1-real" "$A" 2>&1)"
cp -a "$A" "$T/backup/g1-20240604-023000.tmp" && rm -rf "$T/backup/g1-20240604-023000" &&
    mv "$T/backup/g1-20240604-023000.tmp" "$T/backup/g1-20240604-023000"
BAD="$T/backup/g1-20240604-023000"
size=$(stat -c %s "$BAD/g1.raw.zst")
printf '\x55' | dd of="$BAD/g1.raw.zst" bs=1 seek=$((size / 2)) conv=notrunc status=none
rm -f "$T/notify.argv"
out=$(V verify "$BAD" 2>&1); rc=$?
check_eq "verify of a damaged archive exits 1" "1" "$rc"
check_eq "with one line naming it" "1" "$(printf '%s\n' "$out" | grep -c "$BAD")"
check_match "and the damaged disk" "^vmdeck: $BAD: damaged or unreadable: g1.raw.zst: " "$out"
check_eq "notify got the failure as argv" "-s|vmdeck on $(uname -n): verify found a damaged archive|root" \
    "$(paste -sd'|' "$T/notify.argv" 2>/dev/null)"
check_match "and the report on stdin" "$BAD: damaged" "$(cat "$T/notify.stdin" 2>/dev/null)"
out=$(V verify --all --json 2>&1); rc=$?
check_eq "verify --all exits 1 with one damaged archive" "1" "$rc"
check_eq "verify --all checks every complete archive" "6 1" \
    "$(printf '%s\n' "$out" | head -1 | jq -r '[length, ([.[] | select(.ok == false)] | length)] | join(" ")')"

# Remote verify reads with cat over ssh; the archive is damaged only there.
on_peer cp -a "$T/rb/arch/g1-20240605-023000" "$T/rb/arch/g1-20240606-023000"
out=$(V verify "kvm2:$T/rb/arch/g1-20240605-023000" 2>&1); rc=$?
check_eq "verify HOST:/archive of a sound one succeeds" "0" "$rc"
on_peer "printf U | dd of=$T/rb/arch/g1-20240606-023000/g1.raw.zst bs=1 seek=$((size / 3)) conv=notrunc status=none"
check "the remote copy really differs there" on_peer "! cmp -s $T/rb/arch/g1-20240605-023000/g1.raw.zst $T/rb/arch/g1-20240606-023000/g1.raw.zst"
out=$(V verify "kvm2:$T/rb/arch/g1-20240606-023000" 2>&1); rc=$?
check_eq "verify of a damaged remote archive exits 1" "1" "$rc"
check_match "naming it" "^vmdeck: kvm2:$T/rb/arch/g1-20240606-023000: damaged or unreadable: g1.raw.zst" "$out"
out=$(V verify "kvm2:$T/rb/arch/nothere" 2>&1); rc=$?
check_eq "a missing remote archive fails" "1" "$rc"
out=$(V verify --all --to "kvm2:$T/rb/arch" 2>&1); rc=$?
check_eq "verify --all --to HOST:/folder finds the damaged one" "1" "$rc"
check_match "and names only it" "^ok kvm2:$T/rb/arch/g1-20240605-023000" "$out"

finish
