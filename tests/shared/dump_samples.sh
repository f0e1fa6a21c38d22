#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `espi dump` against the public Green Button samples in SHARED/espi/samples (see its
# SOURCES.md): every *.xml there is dumped.
#   * gba-sdk__1hrLP_32DaysM__BAD-not-well-formed.xml (not well-formed XML): exit 1 and a
#     message on stderr that starts with FILE:56 (where <feed> follows the closed <xyz>
#     root) and says the XML is not well-formed;
#   * gba-sdk__1hrLP_32DaysM_D000_BAD.xml (root <xyz>): exit 1, FILE:LINE, and a message
#     that says the root is not an Atom feed;
#   * every other file: exit 0 (warnings allowed: most samples are odd somewhere), the
#     header of docs/dump-format.md exactly, and the independent oracle
#     tests/tools/check_dump.py accepts the CSV (every IntervalReading exactly once, each
#     column what the feed says); customer-namespace feeds must give the header row alone.
# Needs bash and python3 (3.9+, standard library only).
#
# usage: ESPI=/path/to/espi ESPI_SOURCE=/path/to/source dump_samples.sh SHARED
# Exit 77 (skip) when SHARED does not exist; otherwise one line per file,
# 'N passed, N failed' and exit 1 on any failure.
set -u
shared=${1:-}
if [ -z "$shared" ] || [ ! -d "$shared" ]; then
    echo "SKIP: ../shared not found (${shared:-no folder given})"
    exit 77
fi
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source root}"
src=$ESPI_SOURCE
oracle=$src/tests/tools/check_dump.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

# shellcheck source=../tools/testlib.sh
. "$src/tests/tools/testlib.sh"
need_tools python3

columns=$(dump_columns "$src") || exit 1

shopt -s nullglob
samples=("$shared"/espi/samples/*.xml)
if [ ${#samples[@]} -eq 0 ]; then
    echo "FAIL: no *.xml in $shared/espi/samples"
    echo "0 passed, 1 failed"
    exit 1
fi

for f in "${samples[@]}"; do
    name=$(basename "$f" .xml)
    out=$tmp/$name.csv
    err=$tmp/$name.err
    why=
    "$ESPI" dump "$f" >"$out" 2>"$err"
    rc=$?
    case $name in
        gba-sdk__1hrLP_32DaysM__BAD-not-well-formed | gba-sdk__1hrLP_32DaysM_D000_BAD)
            if [ $rc -ne 1 ]; then
                why="espi dump exited $rc, expected 1: $(first_lines "$err")"
            elif ! has_file_line "$f" "$err"; then
                why="no stderr line starts with FILE:LINE: $(first_lines "$err")"
            elif [ "$name" = gba-sdk__1hrLP_32DaysM_D000_BAD ] && ! grep -Eiq 'root.*feed|feed.*root' "$err"; then
                why="the message does not say that the root is not an Atom feed: $(first_lines "$err")"
            elif [ "$name" = gba-sdk__1hrLP_32DaysM__BAD-not-well-formed ] &&
                ! { has_file_line "$f" "$err" 56 && grep -q 'not well-formed' "$err"; }; then
                # line 56 is where <feed> follows the closed <xyz> root (xmllint says the same)
                why="expected FILE:56 and 'not well-formed': $(first_lines "$err")"
            fi
            if [ -z "$why" ]; then
                echo "ok   $name (exit 1: $(head -n 1 "$err" | sed "s#^$shared/espi/samples/##" | cut -c1-140))"
                pass=$((pass + 1))
            else
                echo "FAIL $name: $why"
                fail=$((fail + 1))
            fi
            continue ;;
    esac
    if [ $rc -ne 0 ]; then
        why="espi dump exited $rc: $(first_lines "$err")"
    elif [ "$(head -n 1 "$out")" != "$columns" ]; then
        why="header is '$(head -n 1 "$out" | cut -c1-300)', expected '$columns'"
    elif grep -q 'http://naesb.org/espi/customer' "$f" && [ "$(wc -l <"$out")" -ne 1 ]; then
        why="a customer feed must give the header row alone; the CSV has $(($(wc -l <"$out") - 1)) row(s)"
    elif ! python3 "$oracle" "$f" "$out" >"$tmp/$name.oracle" 2>&1; then
        why="check_dump.py:"$'\n'"$(sed 's/^/     /' "$tmp/$name.oracle" | head -n 40)"
    fi
    if [ -z "$why" ]; then
        warnings=$(grep -c . "$err")
        summary=$(sed -n '1s/^check_dump: OK [^:]*: //p' "$tmp/$name.oracle" | cut -c1-150)
        echo "ok   $name ($warnings stderr line(s)): $summary"
        pass=$((pass + 1))
    else
        echo "FAIL $name: $why"
        fail=$((fail + 1))
    fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
