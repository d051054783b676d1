#!/bin/bash
# manpages.sh: the generated man pages render without a warning and name
# every verb, console key, configuration key and definition key; each verb's
# usage in vmdeck(1) is what `vmdeck help VERB` prints. The packaged example
# configuration loads and mentions every top-level key.
source "$(dirname "$0")/../lib.sh"
DOC="$VMDECK_ROOT/$BUILD/doc"

render() { MANWIDTH=200 man -l "$DOC/$1" 2>/dev/null; }
for p in vmdeck.1 vmdeck.conf.5 vmdeck-guest.5; do
    check "$p was generated" test -s "$DOC/$p"
    check_eq "$p renders without a warning" "" "$(MANWIDTH=80 man --warnings -l "$DOC/$p" 2>&1 >/dev/null)"
done

# missing WANTED PAGE: the lines of WANTED (one item per line) not found as
# an item (a line of its own, in the page's indentation) in PAGE's text
missing() {
    local page=$2 w out=""
    while IFS= read -r w; do
        [ -z "$w" ] && continue
        grep -qxF -- "$w" <(sed -E 's/^ {7}//; s/ +$//' <<<"$page") || out="$out[$w] "
    done <<<"$1"
    printf '%s' "$out"
}

man1=$(render vmdeck.1)
verbs=$("$VMDECK" help | awk '/^  [a-z]/ {print $1}')
check "the verb list was read" test "$(wc -l <<<"$verbs")" -gt 15
# `help VERB` and the page wrap differently: compare with all white space as one space.
flat() { tr -s ' \n' '  '; }
man1_flat=$(flat <<<"$man1")
bad=""
for v in $verbs; do
    u=$("$VMDECK" help "$v" | sed '/^  /,$d' | sed 's/^usage: vmdeck //' | flat | sed 's/ $//')
    grep -qF -- " $u " <<<"$man1_flat" || bad="$bad[$u] "
done
check_eq "every verb's usage (vmdeck help VERB) is in vmdeck(1)" "" "$bad"

# The console's keys, read from the key table's source: each letter key and F-key.
keys=$(sed -n '/key_binds\[\] = {/,/^};/p' "$VMDECK_ROOT/ui/keys.c" |
       grep -oE "^\s*\{ '[^']+'(, KEY_F\([0-9]+\))?" |
       sed -E "s/^\s*\{ '(.*)'(, KEY_F\(([0-9]+)\))?/\1 F\3/; s/ F$//; s/ F/, F/")
check "the key table was read" test "$(wc -l <<<"$keys")" -gt 20
keys_page=$(sed -n '/^CONSOLE KEYS/,/^EXIT STATUS/p' <<<"$man1")
bad=""
while IFS= read -r k; do
    grep -qE "^ {7}$(sed 's/[][\.*^$/+?(){}|]/\\&/g' <<<"$k")( |$)" <<<"$keys_page" || bad="$bad[$k] "
done <<<"$(sed 's/\\n/Enter/' <<<"$keys")"
check_eq "every console key is an item of vmdeck(1)" "" "$bad"
for s in "EXIT STATUS" ENVIRONMENT FILES EXAMPLES OPTIONS; do
    check_match "vmdeck(1) has $s" "^$s" "$man1"
done

# help config|yaml list the keys from the schema tables; the pages must hold each.
keys_of() { "$VMDECK" help "$1" | sed -nE 's/^ {0,2}([a-z_][][a-z_.]*) \(.*/\1/p'; }
conf_keys=$(keys_of config)
check "the configuration keys were read" test "$(wc -l <<<"$conf_keys")" -gt 15
check_eq "every configuration key is in vmdeck.conf(5)" "" \
    "$(missing "$conf_keys" "$(render vmdeck.conf.5 | sed -nE 's/^ {7}([a-z_][][a-z_.]*) \(.*/       \1/p')")"
yaml_keys=$(keys_of yaml)
check "the definition keys were read" test "$(wc -l <<<"$yaml_keys")" -gt 15
check_eq "every definition key is in vmdeck-guest(5)" "" \
    "$(missing "$yaml_keys" "$(render vmdeck-guest.5 | sed -nE 's/^ {7}([a-z_][][a-z_.]*) \(.*/       \1/p')")"

# The example configuration the package installs as /etc/vmdeck/vmdeck.conf.
EX="$VMDECK_ROOT/src/doc/vmdeck.conf.example"
mkdir -p "$T/etc/vms.d" && cp "$EX" "$T/etc/vmdeck.conf"
sed -i "s|\"/run/vmdeck\"|\"$T/state\"|" "$T/etc/vmdeck.conf"
out=$("$VMDECK" -c "$T/etc/vmdeck.conf" check 2>&1)
check_eq "the example configuration loads (vmdeck check)" "0" "$?"
top=$(grep -vE '^\s*(#|$)' "$EX" | grep -oE '^\s*[a-z_]+' | tr -d ' ' | sort -u)
for k in $(sed -nE 's/^([a-z_]+) \(.*/\1/p' <<<"$("$VMDECK" help config)" | sort -u); do
    grep -qxF "$k" <<<"$top" || grep -qE "^\s*#?\s*$k\b" "$EX" || fail "the example configuration mentions $k"
done
ok "the example configuration mentions every top-level key"
check_eq "vmdeck --version and vmdeck version agree with the pages" "vmdeck $(sed -nE 's/.*"vmdeck ([0-9.]+)".*/\1/p' "$DOC/vmdeck.1" | head -1)" "$("$VMDECK" --version)"
finish
