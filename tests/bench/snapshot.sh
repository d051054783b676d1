#!/bin/bash
# Snapshot figures, each against its baseline in the same run:
#   pause    how long a disk-only snapshot of a running guest with two disks
#            pauses it (STOP to RESUME event timestamps, as vmdeck reports
#            them), qcow2-internal and LV/raw overlays; median of RUNS.
#            Target: under 100 ms.
#   ram      create and revert time of a --with-ram snapshot of a 512 MiB
#            guest (the Linux fixture, FILL_MB of its RAM filled), against
#            the guest's RAM size written as a file (dd, the disk's own rate).
#   commit   MiB/s of a live commit (`vmdeck snapshot delete` on a running
#            guest: block-commit) of COMMIT_MB of random data, against
#            `qemu-img commit` of an identical chain.
# Not part of `make test`. Prints a table.
source "$(dirname "$0")/../lib.sh"
RUNS=${RUNS:-5}
FILL_MB=${FILL_MB:-256}
COMMIT_MB=${COMMIT_MB:-256}
write_conf </dev/null
V() { "$VMDECK" -c "$CONF" "$@"; }
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# ---- pause of a disk-only snapshot, two disks ----
qemu-img create -q -f qcow2 "$T/disks/q1.qcow2" 1G
qemu-img create -q -f qcow2 "$T/disks/q2.qcow2" 1G
truncate -s 1G "$T/disks/r1.raw" "$T/disks/r2.raw"
mkguest pq <<EOF2
disks:
  - file: $T/disks/q1.qcow2
  - file: $T/disks/q2.qcow2
EOF2
mkguest pr <<EOF2
disks:
  - file: $T/disks/r1.raw
  - file: $T/disks/r2.raw
EOF2
pause_ms() { # GUEST: the median pause over RUNS snapshots
    local g="$1" i
    V start "$g" >/dev/null
    for i in $(seq "$RUNS"); do
        V snapshot "$g" create "p$i" | sed -n 's/.*paused \([0-9.]*\) ms.*/\1/p'
    done | median
    V kill "$g" >/dev/null
}
p_q=$(pause_ms pq)
p_r=$(pause_ms pr)

# ---- --with-ram create and revert, 512 MiB guest ----
mklinux ram <<EOF2
disks:
  - file: $T/disks/ram.qcow2
    size: 64M
EOF2
sed -i 's/^memory: .*/memory: 512M/' "$T/vms.d/ram.yaml"
V start ram >/dev/null
console_open ram
console_wait vmdeck-guest-ready 120 || echo "# the guest did not boot" >&2
console_send "dd if=/dev/urandom of=/tmp/fill bs=1M count=$FILL_MB 2>/dev/null; echo filled-\$((1+1))"
console_wait filled-2 600 || echo "# filling the RAM did not finish" >&2
s=$(now); V snapshot ram create r1 --with-ram >/dev/null; e=$(now); t_create=$(echo "$e - $s" | bc)
state=$(V snapshot ram list --json | jq '.[0].size')
s=$(now); V snapshot ram revert r1 >/dev/null; e=$(now); t_revert=$(echo "$e - $s" | bc)
s=$(now); dd if=/dev/zero of="$T/disks/ramsize" bs=1M count=512 conv=fsync status=none; e=$(now)
t_dd=$(echo "$e - $s" | bc)
console_close
V kill ram >/dev/null

# ---- commit rate: live block-commit vs qemu-img commit ----
truncate -s "$((COMMIT_MB * 2))M" "$T/disks/cb.raw"
mkguest cm <<EOF2
disks:
  - file: $T/disks/cb.raw
EOF2
V snapshot cm create c1 >/dev/null
OV="$T/disks/cm-disk0-c1.qcow2"
# a non-zero pattern: neither side can skip it as zeros
qemu-io -f qcow2 -c "write -P 0x5a 0 ${COMMIT_MB}M" "$OV" >/dev/null
cp --sparse=always "$T/disks/cb.raw" "$T/base2.raw"
cp --sparse=always "$OV" "$T/ov2.qcow2"
qemu-img rebase -q -u -F raw -b "$T/base2.raw" "$T/ov2.qcow2"
sync
V start cm >/dev/null
s=$(now); V snapshot cm delete c1 >/dev/null; e=$(now); t_live=$(echo "$e - $s" | bc)
V kill cm >/dev/null
sync
s=$(now); qemu-img commit -q "$T/ov2.qcow2"; sync; e=$(now); t_img=$(echo "$e - $s" | bc)
r_live=$(echo "scale=0; $COMMIT_MB / $t_live" | bc)
r_img=$(echo "scale=0; $COMMIT_MB / $t_img" | bc)

printf '| figure | vmdeck | baseline | ratio |\n|---|---|---|---|\n'
printf '| disk-only snapshot pause, 2 qcow2 disks (median of %s) | %s ms | target 100 ms | %s |\n' "$RUNS" "$p_q" \
    "$(echo "scale=2; $p_q / 100" | bc)"
printf '| disk-only snapshot pause, 2 raw disks, overlays (median of %s) | %s ms | target 100 ms | %s |\n' "$RUNS" "$p_r" \
    "$(echo "scale=2; $p_r / 100" | bc)"
printf '| --with-ram create, 512M guest, %s MiB filled (state %s MiB) | %.2f s | dd 512 MiB: %.2f s | %s |\n' "$FILL_MB" \
    "$((state / 1048576))" "$t_create" "$t_dd" "$(echo "scale=2; $t_create / $t_dd" | bc)"
printf '| --with-ram revert (guest running) | %.2f s | dd 512 MiB: %.2f s | %s |\n' "$t_revert" "$t_dd" \
    "$(echo "scale=2; $t_revert / $t_dd" | bc)"
printf '| commit of %s MiB, live block-commit | %s MiB/s | qemu-img commit %s MiB/s | %s |\n' "$COMMIT_MB" "$r_live" \
    "$r_img" "$(echo "scale=2; $r_live / $r_img" | bc)"
finish >/dev/null
