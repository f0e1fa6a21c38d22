#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# espi validate --status FILE: each status line's "readings" is the number of IntervalReadings
# the FILE's inputs hold, as counted here apart from espi (the <IntervalReading> start tags,
# any namespace prefix, found by grep in the XML, the .gz unpacked by gzip, each .xml member of
# a ZIP by unzip), for fixtures whose readings all stand in IntervalBlocks and are all read:
# one block, several blocks, several UsagePoints, a customer feed and an empty document (0), a
# .gz and a ZIP of three feeds. A missing FILE (nothing could be checked) gives null. -j 1 and
# -j 2 give the same lines ("seconds" aside). docs/scale.md describes the lines.
# Needs bash, grep, gzip, unzip, sed, cmp and the espi binary.
#
# usage: ESPI=/path/to/espi ESPI_SOURCE=/path/to/source validate_status.sh [SHARED]
# Prints one line per check and 'N passed, N failed'; exits 1 on any failure.
set -u
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source root}"
src=$ESPI_SOURCE
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=../tools/testlib.sh
. "$src/tests/tools/testlib.sh"
need_tools grep gzip unzip sed cmp

# readings_in: the <IntervalReading> start tags of the XML on stdin (prefixed or not)
readings_in() { grep -oE '<([A-Za-z_][A-Za-z0-9_.-]*:)?IntervalReading[ />]' | wc -l; }

# count FILE: the readings of FILE, apart from espi
count() {
    case $1 in
        *.gz) gzip -dc "$src/$1" | readings_in ;;
        *.zip) unzip -Z1 "$src/$1" | grep '\.xml$' | while IFS= read -r m; do
            unzip -p "$src/$1" "$m" | readings_in
        done | awk '{ s += $1 } END { print s + 0 }' ;;
        *) readings_in <"$src/$1" ;;
    esac
}

files=(
    testdata/espi/valid_dump_water.xml             # one block
    testdata/espi/valid_dump_dst_days.xml          # two blocks
    testdata/espi/valid_dump_tou.xml               # eight blocks
    testdata/espi/valid_dump_two_usage_points.xml  # two UsagePoints
    testdata/espi/valid_customer_full.xml          # a customer feed: none
    testdata/bad/empty.xml                         # an empty document: invalid, none
    testdata/inputs/valid_water.xml.gz
    testdata/inputs/valid_three_feeds.zip
    testdata/no-such-file.xml                      # missing: null
)

# the counts must be worth checking: several blocks, and nonzero where a feed has readings
[ "$(count testdata/espi/valid_dump_tou.xml)" -gt 10 ] &&
    [ "$(grep -c '<espi:IntervalBlock>' "$src/testdata/espi/valid_dump_tou.xml")" -gt 1 ] &&
    ok "valid_dump_tou.xml: $(count testdata/espi/valid_dump_tou.xml) readings, several blocks" ||
    bad "valid_dump_tou.xml: too few readings or blocks to tell counts apart"

for jobs in 1 2; do
    (cd "$src" && "$ESPI" validate -q -j "$jobs" --status "$tmp/j$jobs.jsonl" "${files[@]}" \
        >"$tmp/j$jobs.out" 2>"$tmp/j$jobs.err")
    rc=$?
    [ "$rc" = 3 ] && ok "-j $jobs: exit 3 (the missing FILE)" || bad "-j $jobs: exit $rc, expected 3"
    sed -e 's/, "seconds": [0-9.]*}$/}/' "$tmp/j$jobs.jsonl" >"$tmp/j$jobs.status"
    n=$(wc -l <"$tmp/j$jobs.status")
    [ "$n" = "${#files[@]}" ] && ok "-j $jobs: a status line per FILE" ||
        bad "-j $jobs: $n status lines for ${#files[@]} FILEs"
    i=0
    for f in "${files[@]}"; do
        i=$((i + 1))
        line=$(sed -n "${i}p" "$tmp/j$jobs.status")
        case $line in
            "{\"input\": \"$f\", "*) ;;
            *) bad "-j $jobs: line $i is not that of $f: $line"; continue ;;
        esac
        if [ -e "$src/$f" ]; then
            want=$(count "$f")
        else
            want=null
        fi
        got=$(printf '%s\n' "$line" | sed -n 's/.*, "readings": \([0-9]*\|null\), .*/\1/p')
        [ "$got" = "$want" ] && ok "-j $jobs: $f: \"readings\": $got" ||
            bad "-j $jobs: $f: \"readings\": ${got:-(none)}, counted $want: $line"
    done
done
cmp -s "$tmp/j1.status" "$tmp/j2.status" && ok "-j 2: the status lines of -j 1" || {
    bad "-j 2: status lines differ from -j 1"
    diff "$tmp/j1.status" "$tmp/j2.status" | head -n 10
}

finish_checks
