#!/bin/bash
# usage_schema.sh: the verbs' usages (help, man page, completion) take the
# definition schema's choices and defaults from the schema table, not from a
# copy typed into the verb table: each choice list in `vmdeck help new`
# equals the schema's, and src/cli/cli.c spells none of them itself.
source "$(dirname "$0")/../lib.sh"

# schema_words KEY: the schema's choices of KEY as "a|b|c", from `help yaml`.
schema_words() {
    "$VMDECK" help yaml | sed -nE "s/^ *$1 \(choice: (.*)\)$/\1/p" | sed 's/, default .*//; s/, /|/g; s/ or /|/'
}
usage=$("$VMDECK" help new | tr '\n' ' ' | tr -s ' ')
for k in machine boot rtc 'disks\[\]\.format' 'disks\[\]\.interface'; do
    w=$(schema_words "$k")
    check "schema key $k has choices" test -n "$w"
    opt=$(printf '%s' "$k" | sed 's/.*\.//; s/^disks.*//')
    case "$k" in *format) opt=format ;; *interface) opt=interface ;; esac
    check_match "help new: --$opt takes the schema's $w" "\[--$opt $(printf '%s' "$w" | sed 's/|/\\|/g')\]" "$usage"
    lit=$(printf '%s' "$w" | sed 's/|/\\|/g')
    check_nomatch "cli.c does not spell $w itself" "$lit" "$(cat "$VMDECK_ROOT/src/cli/cli.c")"
done
def=$("$VMDECK" help yaml | sed -nE 's/^memory \(.*default ([^)]*)\)/\1/p')
check_match "help new: --memory shows the schema's default $def" "\[--memory $def\]" "$usage"
check_nomatch "cli.c does not spell it" "--memory $def" "$(cat "$VMDECK_ROOT/src/cli/cli.c")"
check_match "help start: --boot takes the schema's choices" "--boot $(schema_words boot)" \
    "$("$VMDECK" help start)"
check_match "the man page shows them" "pc\|q35" "$(cat "$VMDECK_ROOT/$BUILD/doc/vmdeck.1")"
finish
