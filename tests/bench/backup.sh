#!/bin/bash
# Backup throughput on a 2 GiB disk image (a third zeros, a third real files
# from /usr, a third random), page cache dropped before each measured command:
#   cat DISK > /dev/null            the physical read limit
#   dd if=DISK bs=1M | gzip -c      what admins run today
#   vmdeck backup                   zstd (multi-threaded), local folder
#   vmdeck backup (gzip)            backup.compress = "gzip"
#   vmdeck backup --to HOST:/path   over ssh to a loopback sshd
#   vmdeck backup at level 1        (backup.level = 1)
# Targets: vmdeck >= 10x faster than dd|gzip, and >= half the raw read rate.
# vmdeck's figures include making the archive durable (fsync), dd|gzip's do not.
# Run as root (drop_caches). Not part of `make test`.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../ssh-lib.sh"
SIZE_MB=${SIZE_MB:-2048}
third=$((SIZE_MB / 3))
DISK="$T/disks/bench.raw"

drop() { sync; echo 3 > /proc/sys/vm/drop_caches; }
# timeit CMD...: seconds, with the page cache dropped first
timeit() { local s e; drop; s=$(date +%s.%N); "$@"; e=$(date +%s.%N); echo "$e - $s" | bc; }
mbps() { echo "scale=0; $SIZE_MB / $1" | bc; }

write_conf </dev/null
echo "# building a ${SIZE_MB} MiB image: ${third} MiB of /usr files, ${third} MiB random, the rest zeros" >&2
truncate -s "${SIZE_MB}M" "$DISK"
tar cf - /usr/lib /usr/bin /usr/share 2>/dev/null | head -c "${third}M" | dd of="$DISK" bs=1M conv=notrunc status=none
head -c "${third}M" /dev/urandom | dd of="$DISK" bs=1M seek="$third" conv=notrunc status=none
mkguest bench <<EOF2
disks:
  - file: $DISK
EOF2
sshd_start
cat >> "$CONF" <<EOF2
hosts = ( { name = "peer"; ssh = "peer"; ssh_config = "$SSH_DIR/config"; } );
EOF2
V() { "$VMDECK" -c "$CONF" "$@" >/dev/null; }

t_cat=$(timeit sh -c "cat '$DISK' > /dev/null")
t_dd=$(timeit sh -c "dd if='$DISK' bs=1M status=none | gzip -c > '$T/dd.gz'")
t_vm=$(timeit V backup bench --to "$T/b1")
sed -i 's/level = 3/level = 1/' "$CONF"
t_vm1=$(timeit V backup bench --to "$T/b4")
sed -i 's/level = 1/level = 3/' "$CONF"
sed -i 's/compress = "zstd"/compress = "gzip"/' "$CONF"
t_vmgz=$(timeit V backup bench --to "$T/b2")
sed -i 's/compress = "gzip"/compress = "zstd"/' "$CONF"
t_ssh=$(timeit V backup bench --to "peer:$T/b3")
t_sshdd=$(timeit sh -c "dd if='$DISK' bs=1M status=none | gzip -c | ssh -F '$SSH_DIR/config' peer 'cat > $T/dd-ssh.gz'")

size() { du -b "$@" | tail -1 | cut -f1; }
z1=$(size "$T"/b1/bench-*/bench.raw.zst); z2=$(size "$T"/b2/bench-*/bench.raw.gz)
z3=$(size "$T"/b3/bench-*/bench.raw.zst); zd=$(size "$T/dd.gz"); z4=$(size "$T"/b4/bench-*/bench.raw.zst)
ratio() { echo "scale=1; $1 / $2" | bc; }
printf '\n%-44s %8s %8s %12s %8s\n' "command (${SIZE_MB} MiB, cache dropped)" "seconds" "MiB/s" "archive MiB" "vs dd|gz"
row() { printf '%-44s %8.2f %8s %12s %8s\n' "$1" "$2" "$(mbps "$2")" "$3" "$4"; }
row "cat DISK > /dev/null" "$t_cat" "-" "-"
row "dd bs=1M | gzip -c > FILE" "$t_dd" $((zd >> 20)) "1.0"
row "vmdeck backup (zstd -3, $(nproc) threads)" "$t_vm" $((z1 >> 20)) "$(ratio "$t_dd" "$t_vm")x"
row "vmdeck backup (zstd -1, level = 1)" "$t_vm1" $((z4 >> 20)) "$(ratio "$t_dd" "$t_vm1")x"
row "vmdeck backup (gzip)" "$t_vmgz" $((z2 >> 20)) "$(ratio "$t_dd" "$t_vmgz")x"
row "dd | gzip | ssh peer 'cat > FILE'" "$t_sshdd" $((zd >> 20)) "$(ratio "$t_dd" "$t_sshdd")x"
row "vmdeck backup --to peer:/path (ssh)" "$t_ssh" $((z3 >> 20)) "$(ratio "$t_sshdd" "$t_ssh")x"
echo
echo "vmdeck vs raw read: $(echo "scale=2; $t_cat / $t_vm" | bc) of cat's rate at level 3, $(echo "scale=2; $t_cat / $t_vm1" | bc) at level 1 (target >= 0.5)"
echo "vmdeck vs dd|gzip:  $(ratio "$t_dd" "$t_vm")x faster at level 3, $(ratio "$t_dd" "$t_vm1")x at level 1 (target >= 10)"
echo "(vmdeck's times include fsync of the archive and its folder; dd|gzip > FILE leaves its data in the page cache)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo "over ssh vs dd|gzip|ssh: $(ratio "$t_sshdd" "$t_ssh")x faster; over ssh vs raw read: $(echo "scale=2; $t_cat / $t_ssh" | bc)"
sshd_stop
cleanup
