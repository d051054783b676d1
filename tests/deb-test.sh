#!/bin/bash
# deb-test.sh (make deb-test): the built .deb passes lintian without errors,
# installs on this machine (binary, man pages, completion, units), and
# removes and purges cleanly: nothing it installed is left, a guest's
# definition survives, a changed configuration survives a purge. Runs as
# root; an existing /etc/vmdeck is kept aside and put back.
source "$(dirname "$0")/lib.sh"

DEB=$(ls "$VMDECK_ROOT/$BUILD"/deb/vmdeck_*_amd64.deb 2>/dev/null | head -1)
check "the package was built" test -f "$DEB"
[ -f "$DEB" ] || finish
if dpkg-query -W -f='${Status}' vmdeck 2>/dev/null | grep -q installed; then
    fail "a vmdeck package is already installed here; not touching it"
    finish
fi
if [ -e /etc/vmdeck ]; then mv /etc/vmdeck "$T/etc-vmdeck.saved"; fi
restore_etc() {
    dpkg -P vmdeck >/dev/null 2>&1
    rm -rf /etc/vmdeck
    [ -e "$T/etc-vmdeck.saved" ] && mv "$T/etc-vmdeck.saved" /etc/vmdeck
}
trap 'sd_cleanup 2>/dev/null; restore_etc; cleanup' EXIT

lintian --tag-display-limit 0 "$DEB" > "$T/lintian" 2>&1
note "lintian: $(grep -c '^E:' "$T/lintian") errors, $(grep -c '^W:' "$T/lintian") warnings"
sed 's/^/# /' "$T/lintian"
check_eq "lintian reports no error" "" "$(grep '^E:' "$T/lintian")"

check "dpkg -i installs it" dpkg -i "$DEB"
dpkg -L vmdeck | sort > "$T/files"
check_eq "vmdeck --version" "vmdeck $(dpkg-query -W -f='${Version}' vmdeck)" "$(/usr/bin/vmdeck --version)"
check_eq "man -w vmdeck finds the page" "/usr/share/man/man1/vmdeck.1.gz" "$(man -w vmdeck 2>&1)"
check_eq "man -w 5 vmdeck.conf" "/usr/share/man/man5/vmdeck.conf.5.gz" "$(man -w 5 vmdeck.conf 2>&1)"
check_eq "a login bash completes vmdeck" "complete -F _vmdeck vmdeck" \
    "$(bash -lic '__load_completion vmdeck >/dev/null 2>&1 || _completion_loader vmdeck; complete -p vmdeck' 2>/dev/null | tail -1)"
check_eq "/etc/vmdeck/vms.d is 0700" "700" "$(stat -c %a /etc/vmdeck/vms.d)"
check "the configuration is a conffile" grep -q /etc/vmdeck/vmdeck.conf /var/lib/dpkg/info/vmdeck.conffiles
check "the example configuration loads" /usr/bin/vmdeck check
for u in vmdeck@.service vmdeck.service vmdeck-backup.service vmdeck-backup.timer; do
    check "$u is installed" test -f "/lib/systemd/system/$u"
done
# systemd as PID 1 of a private namespace sees the installed units.
source "$VMDECK_ROOT/tests/systemd-lib.sh"
if sd_boot; then
    cat_out=$(sd_ctl cat vmdeck@x 2>&1)
    check_match "systemctl cat vmdeck@x: the template" '/lib/systemd/system/vmdeck@\.service' "$cat_out"
    check_match "its ExecStart is the packaged binary" 'ExecStart=/usr/bin/vmdeck ' "$cat_out"
    check "systemctl cat vmdeck.service" sd_ctl cat vmdeck.service
    sd_poweroff 30
    check "the machine's /tmp was not touched (marker kept)" sd_marker_kept
else
    fail "systemd did not boot in the namespace (see $SD_DIR/manager.log)"
fi
sd_cleanup

# Removal: nothing stops, the guest's definition stays, the binary goes.
printf 'memory: 512M\n' > /etc/vmdeck/vms.d/keep.yaml
check "dpkg -r removes it" dpkg -r vmdeck
check "the guest's definition survives removal" test -f /etc/vmdeck/vms.d/keep.yaml
check "the binary is gone" test ! -e /usr/bin/vmdeck
check "the configuration stays until purge" test -f /etc/vmdeck/vmdeck.conf
check "dpkg -P purges it" dpkg -P vmdeck
check "the guest's definition survives the purge" test -f /etc/vmdeck/vms.d/keep.yaml
left=$(while read -r f; do [ -e "$f" ] && [ ! -d "$f" ] && echo "$f"; done < "$T/files")
check_eq "no file it installed is left" "" "$left"

# A changed configuration survives a purge; an unchanged one does not.
rm -f /etc/vmdeck/vms.d/keep.yaml
dpkg -i "$DEB" >/dev/null 2>&1
echo 'shutdown_timeout = 300;' >> /etc/vmdeck/vmdeck.conf
dpkg -P vmdeck >/dev/null 2>&1
check "a changed configuration is kept by a purge" grep -q 'shutdown_timeout = 300;' /etc/vmdeck/vmdeck.conf
finish
