#!/bin/bash
# tests/bench/shutdown.sh: the issue-8 figure, printed as a markdown table:
# wall time from `systemctl poweroff` in a systemd namespace
# (tests/systemd-lib.sh) until the namespace has ended, i.e. the last of N
# Linux fixture guests (TCG, each its own vmdeck@ unit) is off, against one
# guest alone, in the same run. Target: N guests take at most 1.5x one.
# Usage: tests/bench/shutdown.sh [N]   (default 10; BENCH_SHUTDOWN_GUESTS too)
# Not part of `make test`. Every guest must have booted (its serial console
# printed the ready marker) before the poweroff; nothing is paused.
source "$(dirname "$0")/../lib.sh"
source "$VMDECK_ROOT/tests/systemd-lib.sh"
trap 'sd_cleanup; cleanup' EXIT INT TERM

N=${1:-${BENCH_SHUTDOWN_GUESTS:-10}}
# The fixture powers off within a fraction of a second of the button; a real
# server takes a while (services, a database). Once up, guest i is told over
# its serial shell to wait i*DELAY/N seconds (at least 1) before its
# poweroff, so the slowest takes DELAY; the one-guest run waits DELAY too.
DELAY=${BENCH_SHUTDOWN_DELAY:-8}
BOOT_WAIT=${BENCH_BOOT_WAIT:-600}   # seconds for N guests to boot under TCG on a loaded host
progress() { echo "# $*" >&2; }
declare -A READER

write_conf <<< ""
sed -i 's/^shutdown_timeout = .*/shutdown_timeout = 120;/' "$CONF"
for i in $(seq 1 "$N"); do mklinux "g$i"; done
make -s -C "$VMDECK_ROOT" BUILD="$BUILD" install DESTDIR="$T/inst" PREFIX=/usr/local > "$T/install.log" 2>&1 ||
    { echo "make install failed: $(tail -3 "$T/install.log")" >&2; exit 1; }
sd_overlay "$T/inst/usr/local" /usr/local

# slow_poweroff NAME SECONDS: the guest's power-button action waits SECONDS first.
slow_poweroff() {
    local sock="$T/state/$1/serial.sock"
    kill "${READER[$1]}" 2>/dev/null  # the reader one_run started: the socket takes one client at a time
    sleep 0.2
    # the table's ACPI column shows whether it took (the slowest guest's time is about DELAY)
    printf '\necho "#!/bin/sh" > /etc/acpi/PWRF/00000080; echo "sleep %s; poweroff -f" >> /etc/acpi/PWRF/00000080\n' \
        "$2" | socat -t1 - "UNIX-CONNECT:$sock" > /dev/null 2>&1
}

# one_run COUNT [serial]: boot a namespace, start g1..gCOUNT through their
# units, wait for each to be up, power the namespace off (or, with serial,
# first stop them one after another with systemctl stop, as a loop over the
# guests would: the sum this design avoids); prints "WALL MAX_ACPI OK".
one_run() {
    local n="$1" mode="${2:-}" i t0 wall acpi ok=0
    rm -rf "$T/state" "$T"/serial.*; mkdir -p "$T/state"; chmod 755 "$T/state"
    sd_boot || return 1
    for i in $(seq 1 "$n"); do
        sd_sh /usr/local/bin/vmdeck -c "$CONF" start "g$i" > /dev/null 2>&1 || progress "g$i did not start"
        wait_until 30 test -S "$T/state/g$i/serial.sock"
        socat -u "UNIX-CONNECT:$T/state/g$i/serial.sock" "CREATE:$T/serial.g$i" 2>/dev/null &
        READER[g$i]=$!
        EXTRA_PIDS="$EXTRA_PIDS $!"
    done
    t0=$(date +%s)
    for i in $(seq 1 "$n"); do
        wait_until $(( BOOT_WAIT - ($(date +%s) - t0) )) grep -q vmdeck-guest-ready "$T/serial.g$i" ||
            progress "g$i: not up after $BOOT_WAIT s"
        slow_poweroff "g$i" $(( n == 1 ? DELAY : (i * DELAY + n - 1) / n ))
    done
    progress "$n guest(s) up after $(( $(date +%s) - t0 )) s; ${mode:-powering off}"
    t0=$EPOCHREALTIME
    if [ "$mode" = serial ]; then
        for i in $(seq 1 "$n"); do sd_ctl stop "vmdeck@g$i.service"; done
    else
        sd_poweroff 600
    fi
    wall=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    [ "$mode" = serial ] && sd_poweroff 600
    acpi=$(cat "$T"/state/g*/events.log 2>/dev/null | grep -oE 'powered off by ACPI at [a-z ]+ after [0-9.]+' |
           awk '{ if ($NF > m) m = $NF } END { printf "%.1f", m }')
    ok=$(cat "$T"/state/g*/events.log 2>/dev/null | grep -cE 'powered off by ACPI at (host shutdown|systemctl stop)')
    sd_cleanup
    SD_PID="" SD_UNSHARE_PID="" SD_MARKER="" SD_CG=""
    echo "$wall $acpi $ok"
}

progress "one guest alone"
read -r w1 a1 k1 < <(one_run 1)
progress "$N guests"
read -r wn an kn < <(one_run "$N")
progress "$N guests, stopped one after another"
read -r ws as ks < <(one_run "$N" serial)
echo
echo "| guests | how | wall time (s) | slowest guest's ACPI power-off (s) | powered off by ACPI |"
echo "|---|---|---|---|---|"
echo "| 1 | systemctl poweroff to namespace end | $w1 | $a1 | $k1 of 1 |"
echo "| $N | systemctl poweroff to namespace end | $wn | $an | $kn of $N |"
echo "| $N | systemctl stop, one guest after another (not this design; for scale) | $ws | $as | $ks of $N |"
echo
awk -v a="$wn" -v b="$w1" -v n="$N" 'BEGIN { printf "ratio %d guests / 1 guest: %.2f (target <= 1.5)\n", n, a / b }'
