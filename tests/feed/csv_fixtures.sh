#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end check of `espi convert` on the project's own SmartHub Green Button CSV exports.
#
# For every testdata/smarthub/csv/valid_export_*.csv (time zone from NAME.tz, one line, else
# America/Los_Angeles): convert twice with that --tz and a fixed --updated, expect exit 0,
# no warning (infos, such as the blocks' fit, are allowed) and byte-identical outputs,
# validate the feed with xmllint against the bundled schemas/espi.xsd, compare it with the
# independent oracle tests/tools/check_csv_feed.py, and require `espi validate --espi 3.3`
# to find no error and no warning in it. (The older usage CSV, valid_usage_cost.csv, lacks
# a cost on purpose, which espi validate warns about: it is checked by its CLI case.) Then
# the oracle must reject broken copies of one output: an oracle that cannot fail proves
# nothing. Needs bash, python3 (3.9+, standard library only) and xmllint; not ../shared.
#
# usage: ESPI=/path/to/espi ESPI_SOURCE=/path/to/source csv_fixtures.sh [SHARED]
# Prints one line per check and 'N passed, N failed'; exits 1 on any failure.
set -u
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source root}"
src=$ESPI_SOURCE
oracle=$src/tests/tools/check_csv_feed.py
updated=2026-11-28T00:00:00Z
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=../tools/testlib.sh
. "$src/tests/tools/testlib.sh"
need_tools python3 xmllint

shopt -s nullglob
fixtures=("$src"/testdata/smarthub/csv/valid_export_*.csv)
if [ ${#fixtures[@]} -eq 0 ]; then
    bad "no testdata/smarthub/csv/valid_export_*.csv under $src"
    finish_checks
    exit 1
fi

for f in "${fixtures[@]}"; do
    name=$(basename "$f" .csv)
    tz=America/Los_Angeles
    if [ -f "${f%.csv}.tz" ]; then
        tz=$(head -n 1 "${f%.csv}.tz" | tr -d '[:space:]')
    fi
    out1=$tmp/$name.1.xml
    out2=$tmp/$name.2.xml
    why=
    "$ESPI" convert --tz "$tz" --updated "$updated" -o "$out1" "$f" 2>"$tmp/$name.err1"
    rc=$?
    if [ $rc -ne 0 ]; then
        why="convert exited $rc: $(grep -v '^espi: wrote' "$tmp/$name.err1" | head -n 3 | tr '\n' ' ')"
    elif grep -v '^espi: wrote' "$tmp/$name.err1" | grep -v ': info: ' | grep -q .; then
        why="convert printed warnings: $(grep -v '^espi: wrote' "$tmp/$name.err1" | grep -v ': info: ' | head -n 3 | tr '\n' ' ')"
    elif ! "$ESPI" convert --tz "$tz" --updated "$updated" -o "$out2" "$f" 2>/dev/null; then
        why="second convert failed"
    elif ! cmp -s "$out1" "$out2"; then
        why="two conversions differ: $(cmp "$out1" "$out2" 2>&1 | head -n 1)"
    elif ! xmllint --noout --nonet --schema "$src/schemas/espi.xsd" "$out1" >"$tmp/$name.xsd" 2>&1; then
        why="not valid against schemas/espi.xsd: $(grep -v 'validates$' "$tmp/$name.xsd" | head -n 2 | tr '\n' ' ')"
    elif ! python3 "$oracle" --tz "$tz" "$f" "$out1" >"$tmp/$name.oracle" 2>&1; then
        why="check_csv_feed.py:"$'\n'"$(sed 's/^/     /' "$tmp/$name.oracle")"
    elif ! "$ESPI" validate --espi 3.3 "$out1" >"$tmp/$name.validate" 2>&1 ||
        ! grep -q ', 0 errors, 0 warnings, ' "$tmp/$name.validate"; then
        why="espi validate finds errors or warnings:"$'\n'"$(sed 's/^/     /' "$tmp/$name.validate" | head -n 8)"
    fi
    if [ -z "$why" ]; then
        ok "$name ($tz): $(sed -n 's/^check_csv_feed: OK [^[]*\[[^]]*\]: //p' "$tmp/$name.oracle")"
    else
        bad "$name ($tz): $why"
    fi
done

# The oracle's self-test on the rounded export: broken copies of espi's output are rejected.
good=$tmp/valid_export_rounded_netmeter.1.xml
input=$src/testdata/smarthub/csv/valid_export_rounded_netmeter.csv
if [ ! -f "$good" ]; then
    bad "oracle self-test: no output of valid_export_rounded_netmeter.csv"
else
    # broken NAME PYTHON-EXPRESSION: the output text t, changed, must make the oracle exit 1
    broken() {
        python3 - "$good" "$tmp/broken.xml" "$2" <<'PY'
import sys
t = open(sys.argv[1], encoding='utf-8').read()
t2 = eval(sys.argv[3])
assert t2 != t, 'the change changed nothing'
open(sys.argv[2], 'w', encoding='utf-8').write(t2)
PY
        python3 "$oracle" --tz America/Denver "$input" "$tmp/broken.xml" >"$tmp/broken.log" 2>&1
        rc=$?
        if [ $rc -eq 1 ]; then
            ok "oracle rejects $1: $(sed -n '2p' "$tmp/broken.log" | sed 's/^ *- //' | cut -c1-100)"
        else
            bad "oracle does not reject $1 (exit $rc): $(head -n 2 "$tmp/broken.log" | tr '\n' ' ')"
        fi
    }
    broken "a value 10 Wh off" "t.replace('<espi:value>-1730</espi:value>', '<espi:value>-1740</espi:value>', 1)"
    broken "net and consumption swapped" "t.replace('<espi:flowDirection>1<', '<espi:flowDirection>X<').replace('<espi:flowDirection>4<', '<espi:flowDirection>1<').replace('<espi:flowDirection>X<', '<espi:flowDirection>4<')"
    broken "a reading dropped" "t[:t.index('<espi:IntervalReading>')] + t[t.index('</espi:IntervalReading>') + len('</espi:IntervalReading>'):]"
    broken "a start an hour late" "t.replace('<espi:start>1781503200</espi:start>', '<espi:start>1781506800</espi:start>', 2)"
    broken "the Pacific zone" "t.replace('<espi:tzOffset>-25200</espi:tzOffset>', '<espi:tzOffset>-28800</espi:tzOffset>')"
fi

finish_checks
