#!/bin/bash
# layout.sh: what may use what. Three layers: src/core/ (the library) uses
# only itself; src/cli/ (the verbs) uses the core; ui/ (the console) uses
# both, and never speaks QMP. src/main.c alone joins the console to the
# verbs (it hands ui_console_main to cli_main); src/doc's build tool
# (mkdoc) reads all their tables. Read from the sources and
# from the built objects; the Makefile also compiles each layer with only
# the include paths it may use.
source "$(dirname "$0")/../lib.sh"
cd "$VMDECK_ROOT" || exit 1

# includes_of DIR HEADERDIR...: "file includes dir/h" for every include of
# a header that lives in one of HEADERDIRs.
includes_of() {
    local dir=$1; shift
    local d h
    for d in "$@"; do
        for h in $(cd "$d" && ls *.h); do
            grep -l "#include \"$h\"" "$dir"/*.c "$dir"/*.h 2>/dev/null | sed "s|\$| includes $d/$h |"
        done
    done | tr '\n' ' '
}
check_eq "no core file includes a verb or console header" "" "$(includes_of src/core src/cli ui)"
check_eq "no verb file includes a console header" "" "$(includes_of src/cli ui)"
check_eq "no console file includes the QMP client or the QEMU command line" "" \
    "$(grep -lE '#include "(qmp|qemu_argv|spawn)\.h"' ui/*.c ui/*.h 2>/dev/null)"
check_eq "no console object calls a QMP function" "" \
    "$(nm -u "$BUILD"/ui/*.o | awk '{print $2}' | grep -E '^qmp_' | sort -u | tr '\n' ' ')"

defined() { nm --defined-only "$@" | awk 'NF == 3 {print $3}' | sort -u; }
nm -u "$BUILD/libvmdeck.a" | awk '{print $2}' | sort -u > "$T/core-undefined"
nm -u "$BUILD/libvmdeck-cli.a" | awk '{print $2}' | sort -u > "$T/cli-undefined"
defined "$BUILD"/ui/*.o > "$T/ui-defined"
defined "$BUILD/libvmdeck-cli.a" > "$T/cli-defined"
check "the objects were read" test -s "$T/core-undefined" -a -s "$T/ui-defined" -a -s "$T/cli-defined"
check_eq "the core library (libvmdeck.a) needs no verb or console symbol" "" \
    "$(sort -u "$T/ui-defined" "$T/cli-defined" | comm -12 "$T/core-undefined" - | tr '\n' ' ')"
check_eq "the verbs (libvmdeck-cli.a) need no console symbol" "" \
    "$(comm -12 "$T/cli-undefined" "$T/ui-defined" | tr '\n' ' ')"
check_eq "only main.c joins the two: it hands the console to cli_main" "1" \
    "$(grep -c 'cli_main(argc, argv, ui_console_main)' src/main.c)"
# src/doc (mkdoc: man pages, completion) reads every table, like main.c, and
# no layer uses it; src/systemd holds unit templates, not code.
check_eq "no layer includes a doc generator header" "" "$(includes_of src/core src/doc; includes_of src/cli src/doc; includes_of ui src/doc)"
check_eq "src/ holds only the layers, main.c, doc and systemd" "" \
    "$(ls src | grep -vxE 'core|cli|doc|systemd|main\.c')"
check_eq "src/systemd/ holds unit templates only, nothing compiled" "" \
    "$(ls src/systemd | grep -vE '^vmdeck[-@a-z]*\.(service|timer)$')"
finish
