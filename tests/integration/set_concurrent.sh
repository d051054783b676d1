#!/bin/bash
# set_concurrent.sh: two edits of one definition at the same time (a script's
# `vmdeck set`, the console's edit form, another host's console through
# `set --changes -`) both land: each reads the file, changes it and renames
# its new text into place in turn, so neither rewrites the file from a text
# that misses the other's change while both say "saved".
source "$(dirname "$0")/../lib.sh"
write_conf
vd() { "$VMDECK" -c "$CONF" "$@"; }
mkguest k < /dev/null

lost=0
for _ in $(seq 1 20); do
    vd set k cpus=1 memory=32M > /dev/null
    vd set k cpus=2 > /dev/null & a=$!
    vd set k memory=64M > /dev/null & b=$!
    wait "$a" "$b"
    [ "$(vd show k --json | jq -r '"\(.cpus) \(.memory)"')" = "2 67108864" ] || lost=$((lost + 1))
done
check_eq "20 pairs of edits at once: none lost" 0 "$lost"
check_eq "the file stays 0600" 600 "$(stat -c %a "$T/vms.d/k.yaml")"
check "no temporary file left" test -z "$(ls "$T/vms.d" | grep -v '^k\.yaml$')"
check "it still loads" vd check
finish
