#!/bin/bash
# create_race.sh: guests created at the same instant (a form, `vmdeck new`
# from two shells, clones) each get a VNC display of their own: the display
# is checked again, creations in turn, just before each definition is
# written, after the disks that take time were made side by side.
source "$(dirname "$0")/../lib.sh"

write_conf </dev/null
V() { "$VMDECK" -c "$CONF" "$@"; }

N=12
pids=()
for i in $(seq 1 $N); do
    V new "race$i" --disk 8M --memory 32M > "$T/new$i.out" 2>&1 &
    pids+=($!)
done
fails=0
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
check_eq "all $N creations succeed" "0" "$fails"
displays=$(V list --json | jq -r '.[].vnc.display' | sort -n)
check_eq "$N guests" "$N" "$(printf '%s\n' "$displays" | grep -c .)"
check_eq "each with a display of its own" "$N" "$(printf '%s\n' "$displays" | sort -u | grep -c .)" ||
    { note "$(echo $displays)"; note "$(grep -H 'display:' "$T"/vms.d/*.yaml | tr '\n' ' ')"; note "$(cat "$T"/new*.out | tr '\n' ' ')"; }
said_ok=0
for i in $(seq 1 $N); do
    d=$(sed -n 's/^vnc display \([0-9]*\) .*/\1/p' "$T/new$i.out")
    [ -n "$d" ] && [ "$(V show "race$i" --json | jq -r .vnc.display)" = "$d" ] && said_ok=$((said_ok + 1))
done
check_eq "what each one said is what its file holds" "$N" "$said_ok"
out=$(V check 2>&1); rc=$?
check_eq "vmdeck check finds no clash" "0" "$rc" || printf "%s\n" "$out" | sed "s/^/# /"

# An explicit display taken meanwhile is refused, not shared.
mkguest holder <<EOF2
vnc:
  display: 60
EOF2
out=$(V new late --vnc 60 2>&1); rc=$?
check_eq "an explicit display already taken is refused" "1" "$rc"
check_match "naming who has it" "display 60 .*holder" "$out"
check "and nothing written" test ! -e "$T/vms.d/late.yaml"
finish
