#!/bin/bash
# house.sh: the large-scale shape of a vmdeck tree, for issue 12's
# before/after table: the longest .c file, the functions over 60 lines, the
# `duplicates` pairs in src/ and ui/, and the file-level cycles: file A calls
# a function that file B defines (read from the built objects with nm), or
# A includes B's header (X.c and X.h are one file); every strongly
# connected component of more than one file is a cycle.
#
#   tests/bench/house.sh [DIR]            the table for DIR (default: this repo)
#   tests/bench/house.sh --cycles [DIR]   only the cycles, one per line (calls,
#                                         then "include N: ..." for includes)
#
# DIR must be built (make BUILD=build all); BUILD= names its object folder.
# Works on the old flat src/ and on src/core + src/cli.
set -u
cycles_only=0
if [ "${1:-}" = --cycles ]; then cycles_only=1; shift; fi
DIR=$(cd "${1:-$(dirname "$0")/../..}" && pwd) || exit 2
BUILD="${BUILD:-build}"
OBJ="$DIR/$BUILD"

# The objects of the program (not the tests' or the fuzzers').
objects() {
    find "$OBJ/src" "$OBJ/ui" -name '*.o' 2>/dev/null | sort
}

# "A B" for every object A that uses a symbol defined in object B (A != B).
call_edges() {
    local o
    for o in $(objects); do
        nm --defined-only "$o" | awk -v f="$(basename "$o" .o)" '$2 ~ /^[TDBRC]$/ {print $3, f}'
    done | sort -u > "$TMP/defs"
    for o in $(objects); do
        nm -u "$o" | awk -v f="$(basename "$o" .o)" '{print $2, f}'
    done | sort -u > "$TMP/uses"
    join "$TMP/uses" "$TMP/defs" | awk '$2 != $3 {print $2, $3}' | sort -u
}

# "A B" for every file A (X.c and X.h are one file X) that includes B.h.
include_edges() {
    local f n
    for f in $(cd "$DIR" && find src ui -name '*.[ch]' | sort); do
        n=$(basename "$f"); n=${n%.*}
        grep -oE '^#include "[^"]+\.h"' "$DIR/$f" | sed -E 's/#include "(.*)\.h"/\1/' |
            awk -v n="$n" '$1 != n {print n, $1}'
    done | sort -u
}

# Strongly connected components (Tarjan) of more than one file, largest
# first: "N: a b c". The edges come on stdin.
scc() {
    python3 -c '
import sys
sys.setrecursionlimit(10000)
g = {}
for line in sys.stdin:
    a, b = line.split()
    g.setdefault(a, set()).add(b)
    g.setdefault(b, set())
index, low, stack, on, out = {}, {}, [], set(), []
def visit(v):
    index[v] = low[v] = len(index)
    stack.append(v); on.add(v)
    for w in sorted(g[v]):
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v: break
        if len(comp) > 1:
            out.append(sorted(comp))
for v in sorted(g):
    if v not in index:
        visit(v)
for c in sorted(out, key=lambda c: (-len(c), c)):
    print("%d: %s" % (len(c), " ".join(c)))
'
}
cycles() { call_edges | scc; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
if [ -z "$(objects)" ]; then
    echo "house.sh: no objects in $OBJ (build it: make BUILD=$BUILD all)" >&2
    exit 2
fi
if [ "$cycles_only" = 1 ]; then
    cycles
    include_edges | scc | sed 's/^/include /'
    exit 0
fi

cd "$DIR" || exit 2
sources=$(find src ui -name '*.c' | sort)
longest=$(wc -l $sources | grep -v ' total$' | sort -n | tail -1 | awk '{print $2 " (" $1 " lines)"}')
ctags --fields=+ne --kinds-C=f -o - $sources 2>/dev/null |
    awk -F'\t' '{ for (i = 4; i <= NF; i++) { if ($i ~ /^line:/) l = substr($i, 6); if ($i ~ /^end:/) e = substr($i, 5) }
                  if (e - l + 1 > 60) print e - l + 1, $2 ":" l, $1 }' | sort -rn > "$TMP/long"
# Pairs whose both places lie in src/ or ui/ (tests and fuzzers left out).
# `duplicates` is a developer tool, not a build dependency: without it, n/a.
if command -v duplicates > /dev/null; then
    duplicates --repo "$DIR" --most 200 --seconds 120 |
        awk '$1 ~ /^D[0-9]+$/ && $2 ~ /^(src|ui)\// && $4 ~ /^(src|ui)\// {print}' > "$TMP/dups"
    dups="$(wc -l < "$TMP/dups") ($(grep -vc boilerplate "$TMP/dups") not boilerplate)"
else
    dups="n/a (duplicates is not on PATH)"
fi
cycles > "$TMP/cycles"
include_edges | scc > "$TMP/includes"

printf '%-34s %s\n' "tree" "$DIR ($(git -C "$DIR" rev-parse --short HEAD 2>/dev/null))"
printf '%-34s %s\n' "longest .c file" "$longest"
printf '%-34s %s\n' "functions over 60 lines" "$(wc -l < "$TMP/long")"
sed 's/^/    /' "$TMP/long"
printf '%-34s %s\n' "duplicates pairs in src/ and ui/" "$dups"
printf '%-34s %s\n' "file-level cycles (call graph)" \
    "$(wc -l < "$TMP/cycles") (largest: $(head -1 "$TMP/cycles" | cut -d: -f1 | grep . || echo 0) files)"
sed 's/^/    /' "$TMP/cycles"
printf '%-34s %s\n' "file-level include cycles" \
    "$(wc -l < "$TMP/includes") (largest: $(head -1 "$TMP/includes" | cut -d: -f1 | grep . || echo 0) files)"
sed 's/^/    /' "$TMP/includes"
