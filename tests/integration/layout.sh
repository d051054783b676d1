#!/bin/bash
# layout.sh: what may use what. The core (src/) never includes a console
# header (ui/), the console never speaks QMP, and the core library links
# without the console: main.c alone joins them (it hands the console to
# cli_main). Read from the sources and from the built objects.
source "$(dirname "$0")/../lib.sh"
cd "$VMDECK_ROOT" || exit 1

ui_headers=$(cd ui && ls *.h)
bad=""
for h in $ui_headers; do
    bad="$bad$(grep -l "#include \"$h\"" src/*.c src/*.h 2>/dev/null | sed "s|\$| includes ui/$h |")"
done
check_eq "no core file includes a console header" "" "$bad"

check_eq "no console file includes the QMP client or the QEMU command line" "" \
    "$(grep -lE '#include "(qmp|qemu_argv|spawn)\.h"' ui/*.c ui/*.h 2>/dev/null)"
check_eq "no console object calls a QMP function" "" \
    "$(nm -u "$BUILD"/ui/*.o | awk '{print $2}' | grep -E '^qmp_' | sort -u | tr '\n' ' ')"

nm -u "$BUILD/libvmdeck.a" | awk '{print $2}' | sort -u > "$T/core-undefined"
nm --defined-only "$BUILD"/ui/*.o | awk 'NF == 3 {print $3}' | sort -u > "$T/ui-defined"
check "the objects were read" test -s "$T/core-undefined" -a -s "$T/ui-defined"
check_eq "the core library (libvmdeck.a) needs no console symbol to link" "" \
    "$(comm -12 "$T/core-undefined" "$T/ui-defined" | tr '\n' ' ')"
check_eq "only main.c joins the two: it hands the console to cli_main" "1" \
    "$(grep -c 'cli_main(argc, argv, ui_console_main)' src/main.c)"
finish
