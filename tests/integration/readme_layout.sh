#!/bin/bash
# readme_layout.sh: README's Layout section names every folder that holds
# shipped sources (each folder below src/, ui/, debian/), so a reader learns
# where the man pages, the completion and the package come from.
source "$(dirname "$0")/../lib.sh"

layout=$(awk '/^## Layout/ {on = 1; next} /^## / {on = 0} on' "$VMDECK_ROOT/README.md")
check "README has a Layout section" test -n "$layout"
for d in $(cd "$VMDECK_ROOT" && find src -mindepth 1 -maxdepth 1 -type d | sort) ui debian; do
    [ -d "$VMDECK_ROOT/$d" ] || continue
    check_match "Layout names $d/" "(^|[^a-z/])$d/" "$layout"
done
finish
