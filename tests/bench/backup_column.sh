#!/bin/bash
# tests/bench/backup_column.sh: what the console's BACKUP column costs.
# 50 guest definitions (no QEMU), the console idle in tmux at ui.refresh = 1
# for 30 s: its CPU time with every guest scheduled (backup_schedule: true,
# a status file each, so the column and the header are worked out on each
# refresh) against the same guests with no schedule; the CPU time of the
# systemd-analyze runs it waited for is counted. Printed as a table.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../tui-lib.sh"
GUESTS=${BENCH_GUESTS:-50}
IDLE=${BENCH_IDLE:-30}
write_conf <<'EOF2'
ui = { refresh = 1.0; };
EOF2
sed -i 's|^backup = {|backup = { schedule = "*-*-* 02:00";|' "$CONF"
mkdir -p "$T/backup/.vmdeck-status"
for i in $(seq -w 1 "$GUESTS"); do
    printf 'memory: 32M\nbackup_schedule: true\n' > "$T/vms.d/b$i.yaml"; chmod 600 "$T/vms.d/b$i.yaml"
    printf 'time=%s\nresult=ok\nscheduled=1\nlast_ok=%s\ntext=x\n' "$(date +%s)" "$(date +%s)" > "$T/backup/.vmdeck-status/b$i"
done
cpu_of_console() { # CPU seconds of the console over IDLE s, after it settled
    local pid t0 t1
    tui_start
    sleep 3
    pid=$(pgrep -f "vmdeck -c $CONF" | head -1)
    t0=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$pid/stat")
    sleep "$IDLE"
    t1=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$pid/stat")
    tui_stop
    echo "scale=3; ($t1 - $t0) / $(getconf CLK_TCK)" | bc
}
with=$(cpu_of_console)
sed -i '/^backup_schedule/d' "$T"/vms.d/*.yaml
without=$(cpu_of_console)
echo "| console, $GUESTS guests, ${IDLE} s idle | CPU s | % of a core |"
echo "|---|---|---|"
echo "| no schedule (baseline) | $without | $(echo "scale=2; $without * 100 / $IDLE" | bc) |"
echo "| every guest scheduled, BACKUP column | $with | $(echo "scale=2; $with * 100 / $IDLE" | bc) |"
finish >/dev/null
