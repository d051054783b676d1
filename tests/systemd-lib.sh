# tests/systemd-lib.sh: systemd as PID 1 of a private namespace, for tests
# of the units. Source it after tests/lib.sh. The machine's systemd is not
# PID 1 (or is, and must not be touched): the namespace has its own PID, mount,
# UTS, network and cgroup namespaces; /tmp, /var/tmp, /run, /var/lib/systemd,
# /var/log/journal and /etc/systemd/system are private tmpfs (systemd-tmpfiles
# would otherwise empty the machine's /tmp), generators are off and every unit
# a target wants is masked except the ones a test names, so nothing on the
# machine (its services, swap, loop devices, LVM, clock, hostname) changes.
#
#   sd_unit FILE...        put unit files (or folders of drop-ins) into the
#                          namespace's /run/systemd/system before boot
#   sd_keep PATH...        paths under /tmp or /var/tmp to see inside (the
#                          test folder $T, the checkout and the fixtures are
#                          always kept)
#   sd_overlay DIR TARGET  inside, TARGET shows DIR's files over its own (a
#                          read-only overlay): `make install DESTDIR=$T/inst`
#                          then `sd_overlay $T/inst/usr/local /usr/local`
#   sd_boot [TARGET]       boot (default: vmdeck-test.target, which wants
#                          nothing); waits until the manager is up; sets SD_PID
#   sd_sh CMD...           run CMD inside (all namespaces, cwd kept)
#   sd_ctl ARGS...         systemctl inside
#   sd_poweroff [SECONDS]  systemctl poweroff inside, wait for the end (0 when it ended)
#   sd_cleanup             kill what is left, remove the cgroup; from cleanup()
# The manager's own log is in $SD_DIR/manager.log; journald runs inside, so
# `sd_sh journalctl -u UNIT` works.
SD_DIR="$T/systemd"
SD_PID=""
SD_UNSHARE_PID=""
SD_MARKER=""
SD_CG=""
SD_KEEP="$T"
# the checkout (its build) and the guest fixtures, when a folder the namespace covers holds them
for _p in "$VMDECK_ROOT" "$FIXTURES"; do
    case "$_p" in /tmp/* | /var/tmp/*) SD_KEEP="$SD_KEEP $_p" ;; esac
done
# units a test may let run: the journal (so services' output is kept)
SD_ALLOW="${SD_ALLOW:-systemd-journald.service systemd-journald.socket systemd-journald-dev-log.socket}"
mkdir -p "$SD_DIR/units"

sd_unit() { cp -r "$@" "$SD_DIR/units/"; }
sd_keep() { SD_KEEP="$SD_KEEP $*"; }
SD_OVERLAYS=""
sd_overlay() { SD_OVERLAYS="$SD_OVERLAYS $1:$2"; }

# What runs as the namespace's first process: private mounts, then systemd.
_sd_init_script() {
    cat <<'INIT'
set -eu
keep_fds=""
for p in $SD_KEEP; do exec {fd}<"$p"; keep_fds="$keep_fds $fd:$p"; done
for d in /tmp /var/tmp /run /var/lib/systemd /etc/systemd/system; do
    mount -t tmpfs -o mode=0755 tmpfs "$d"
done
chmod 1777 /tmp /var/tmp
[ -d /var/log/journal ] && mount -t tmpfs -o mode=0755 tmpfs /var/log/journal
for g in /lib/systemd/system-generators /usr/lib/systemd/system-generators /etc/systemd/system-generators \
         /usr/local/lib/systemd/system-generators /run/systemd/system-generators; do
    [ -d "$g" ] && mount -t tmpfs -o mode=0755,ro tmpfs "$g"
done
for k in $keep_fds; do
    fd=${k%%:*} p=${k#*:}
    mkdir -p "$p"; mount --no-canonicalize --bind "/proc/self/fd/$fd" "$p"; eval "exec $fd<&-"
done
for o in $SD_OVERLAYS; do
    mount -t overlay overlay -o "lowerdir=${o%%:*}:${o#*:}" "${o#*:}"
done
umount -R /sys/fs/cgroup 2>/dev/null || umount -l /sys/fs/cgroup
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mkdir -p /run/systemd/system
for w in /lib/systemd/system/*.wants/* /etc/systemd/system/*.wants/*; do
    [ -e "$w" ] || continue
    n=${w##*/}
    case " $SD_ALLOW " in *" $n "*) continue ;; esac
    ln -sf /dev/null "/run/systemd/system/$n"
done
for n in systemd-udevd.service systemd-udev-trigger.service systemd-udev-settle.service \
         systemd-udevd-control.socket systemd-udevd-kernel.socket systemd-logind.service \
         getty@.service console-getty.service systemd-timesyncd.service systemd-networkd.service \
         systemd-resolved.service systemd-journald-audit.socket systemd-remount-fs.service \
         systemd-hwdb-update.service ldconfig.service systemd-journal-catalog-update.service \
         systemd-update-done.service systemd-boot-system-token.service systemd-pstore.service \
         e2scrub_reap.service lvm2-monitor.service lvm2-lvmpolld.socket dm-event.socket \
         blk-availability.service; do
    ln -sf /dev/null "/run/systemd/system/$n"
done
cat > /run/systemd/system/vmdeck-test.target <<T
[Unit]
Description=vmdeck test: only what the test starts
T
cp -r "$SD_DIR"/units/. /run/systemd/system/
echo "${SD_CONTAINER_ID:-vmdeck-test}" > /run/systemd/container
export container=vmdeck-test
exec /lib/systemd/systemd --system --unit="$SD_TARGET" --log-target=console --log-level=info --show-status=no
INIT
}

# The cgroup v2 folder the namespace gets as its root.
_sd_cgroup() {
    local root=/sys/fs/cgroup
    [ -f "$root/cgroup.controllers" ] || root=/sys/fs/cgroup/unified
    echo "$root/vmdeck-sd.$$.$RANDOM"
}

sd_boot() {
    local target="${1:-vmdeck-test.target}" i
    SD_MARKER=$(mktemp /tmp/vmdeck-sd-marker.XXXXXX)
    SD_CG=$(_sd_cgroup)
    mkdir "$SD_CG" || { fail "sd_boot: cannot make cgroup $SD_CG"; return 1; }
    _sd_init_script > "$SD_DIR/init.sh"
    # the subshell moves into the cgroup, then becomes unshare: the new
    # cgroup namespace is rooted there, so systemd's cgroups stay below it
    ( echo $BASHPID > "$SD_CG/cgroup.procs"
      SD_KEEP="$SD_KEEP" SD_OVERLAYS="$SD_OVERLAYS" SD_DIR="$SD_DIR" SD_TARGET="$target" SD_ALLOW="$SD_ALLOW" \
          exec unshare --pid --fork --mount --mount-proc --uts --net --cgroup --propagation private \
          bash "$SD_DIR/init.sh" ) > "$SD_DIR/manager.log" 2>&1 < /dev/null &
    SD_UNSHARE_PID=$!
    EXTRA_PIDS="$EXTRA_PIDS $SD_UNSHARE_PID"
    for i in $(seq 100); do
        SD_PID=$(pgrep -P "$SD_UNSHARE_PID" | head -1)
        [ -n "$SD_PID" ] && [ "$(cat /proc/"$SD_PID"/comm 2>/dev/null)" = systemd ] && break
        sleep 0.1
    done
    [ "$(cat /proc/"$SD_PID"/comm 2>/dev/null)" = systemd ] || { fail "sd_boot: systemd did not start: $(tail -5 "$SD_DIR/manager.log")"; return 1; }
    wait_until 60 sd_running || { fail "sd_boot: not running: $(sd_ctl is-system-running 2>&1) $(tail -5 "$SD_DIR/manager.log")"; return 1; }
}

sd_running() { case "$(sd_ctl is-system-running 2>/dev/null)" in running|degraded) return 0 ;; esac; return 1; }
sd_sh() { nsenter -t "$SD_PID" --all --wd="$PWD" "$@"; }
sd_ctl() { sd_sh systemctl "$@"; }

sd_poweroff() {
    local limit="${1:-120}"
    sd_ctl poweroff --no-block >/dev/null 2>&1
    wait_until "$limit" sh -c "! kill -0 $SD_UNSHARE_PID 2>/dev/null"
}

sd_cleanup() {
    local d
    [ -n "$SD_UNSHARE_PID" ] && kill -9 "$SD_UNSHARE_PID" 2>/dev/null
    [ -n "$SD_PID" ] && kill -9 "$SD_PID" 2>/dev/null
    if [ -n "$SD_CG" ] && [ -d "$SD_CG" ]; then
        [ -f "$SD_CG/cgroup.kill" ] && echo 1 > "$SD_CG/cgroup.kill" 2>/dev/null
        sleep 0.2
        find "$SD_CG" -depth -type d -exec rmdir {} \; 2>/dev/null
    fi
    # the pidfiles name pids of the namespace, gone with it: lib.sh's cleanup must not signal those numbers here
    rm -f "$T"/state/*/qemu.pid
    if [ -n "$SD_MARKER" ]; then
        [ -e "$SD_MARKER" ] || echo "# systemd-lib: the marker $SD_MARKER in the real /tmp is gone: the namespace touched /tmp" >&2
        rm -f "$SD_MARKER"
    fi
}
# sd_marker_kept: the marker file in the machine's /tmp is still there.
sd_marker_kept() { [ -e "$SD_MARKER" ]; }
