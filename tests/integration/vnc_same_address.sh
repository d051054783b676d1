#!/bin/bash
# vnc_same_address.sh: one address spelled two ways is one address. A guest
# on localhost:N and one on 127.0.0.1:N cannot both start, so `vmdeck new`
# must refuse (or skip) a display another definition holds on the same
# address under another spelling, and `vmdeck check` must report the pair.
source "$(dirname "$0")/../lib.sh"
write_conf

vd() { "$VMDECK" -c "$CONF" "$@"; }
guest() { printf 'memory: 512M\nvnc:\n  display: %s\n  listen: %s\n' "$2" "$3" > "$T/vms.d/$1.yaml"; }

d=$(free_vnc_display)
guest a "$d" 127.0.0.1
err=$(vd new b --vnc "$d" --vnc-listen localhost 2>&1)
check_eq "new on localhost:$d is refused (exit 1)" 1 "$?"
check_match "naming the guest that holds it" "display $d \(port $((5900 + d))\) is used by a" "$err"
check "and writes no definition" test ! -e "$T/vms.d/b.yaml"
vd new c --vnc "$d" --vnc-listen LOCALHOST >/dev/null 2>&1
check_eq "new on LOCALHOST:$d is refused too (exit 1)" 1 "$?"

# the display new picks on localhost skips the one a holds: a takes the
# first display nothing listens on now, the one new would otherwise pick
first=$(for i in $(seq 1 99); do
    ss -ltn "sport = :$((5900 + i))" | grep -q LISTEN || { echo "$i"; break; }; done)
guest a "$first" 127.0.0.1
out=$(vd new e --vnc-listen localhost --json 2>&1)
check "new on localhost picks a display" test -e "$T/vms.d/e.yaml"
check_nomatch "not $first, which a holds on 127.0.0.1" "\"vnc_display\": ?$first[,}]" "$out"
rm -f "$T/vms.d/e.yaml"

# vmdeck check reports such a pair written by hand
guest f "$first" localhost
err=$(vd check 2>&1)
check_eq "check fails on the pair (exit 2, as for any clash)" 2 "$?"
check_match "check names it" "vnc.display $first is also used by" "$err"

# two loopback addresses are two addresses
guest f "$first" 127.0.0.2
vd check >/dev/null 2>&1
check_eq "127.0.0.1 and 127.0.0.2 on one display do not clash" 0 "$?"
finish
