#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end check of `espi convert` on the project's own SmartHub fixtures.
#
# For every testdata/smarthub/valid_*.json (time zone from NAME.tz, one line, else
# America/Los_Angeles): convert twice with a fixed --updated, expect exit 0 and
# byte-identical outputs, validate the feed with xmllint against the bundled
# schemas/espi.xsd, compare it with the independent oracle tests/tools/check_feed.py,
# and require `espi validate --espi 3.3` to find no error and no warning in it. Then run the oracle's own self-test
# (tests/tools/test_check_feed.sh). Needs bash, python3 (3.9+, standard library only)
# and xmllint; does not need ../shared.
#
# usage: ESPI=/path/to/espi ESPI_SOURCE=/path/to/source fixtures.sh [SHARED]
# (CTest sets ESPI and ESPI_SOURCE and passes the shared folder, unused here.)
# Prints one line per fixture and 'N passed, N failed'; exits 1 on any failure.
set -u
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source root}"
src=$ESPI_SOURCE
oracle=$src/tests/tools/check_feed.py
updated=2026-11-28T00:00:00Z
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=../tools/testlib.sh
. "$src/tests/tools/testlib.sh"
need_tools python3 xmllint

shopt -s nullglob
fixtures=("$src"/testdata/smarthub/valid_*.json)
if [ ${#fixtures[@]} -eq 0 ]; then
    bad "no testdata/smarthub/valid_*.json under $src"
    finish_checks
    exit 1
fi

for f in "${fixtures[@]}"; do
    name=$(basename "$f" .json)
    tz=America/Los_Angeles
    if [ -f "${f%.json}.tz" ]; then
        tz=$(head -n 1 "${f%.json}.tz" | tr -d '[:space:]')
    fi
    out1=$tmp/$name.1.xml
    out2=$tmp/$name.2.xml
    why=
    "$ESPI" convert --tz "$tz" --updated "$updated" -o "$out1" "$f" 2>"$tmp/$name.err1"
    rc=$?
    if [ $rc -ne 0 ]; then
        why="convert exited $rc: $(grep -v '^espi: wrote' "$tmp/$name.err1" | head -n 3 | tr '\n' ' ')"
    else
        "$ESPI" convert --tz "$tz" --updated "$updated" -o "$out2" "$f" 2>"$tmp/$name.err2"
        rc=$?
        if [ $rc -ne 0 ]; then
            why="second convert exited $rc"
        elif ! cmp -s "$out1" "$out2"; then
            why="two conversions differ: $(cmp "$out1" "$out2" 2>&1 | head -n 1)"
        elif ! xmllint --noout --nonet --schema "$src/schemas/espi.xsd" "$out1" >"$tmp/$name.xsd" 2>&1; then
            why="not valid against schemas/espi.xsd: $(grep -v 'validates$' "$tmp/$name.xsd" | head -n 2 | tr '\n' ' ')"
        elif ! python3 "$oracle" --tz "$tz" "$f" "$out1" >"$tmp/$name.oracle" 2>&1; then
            why="check_feed.py:"$'\n'"$(sed 's/^/     /' "$tmp/$name.oracle")"
        elif ! "$ESPI" validate --espi 3.3 "$out1" >"$tmp/$name.validate" 2>&1 ||
            ! grep -q ', 0 errors, 0 warnings, ' "$tmp/$name.validate"; then
            # every Green Button rule too, with no error and no warning (infos allowed)
            why="espi validate finds errors or warnings:"$'\n'"$(sed 's/^/     /' "$tmp/$name.validate" | head -n 8)"
        fi
    fi
    warnings=$(grep -c 'warning:' "$tmp/$name.err1")
    if [ -z "$why" ]; then
        summary=$(sed -n '1s/^check_feed: OK [^[]*\[[^]]*\]: //p' "$tmp/$name.oracle")
        ok "$name ($tz, $warnings warning(s)): $summary"
    else
        bad "$name ($tz): $why"
    fi
done

if ESPI=$ESPI ESPI_SOURCE=$src bash "$src/tests/tools/test_check_feed.sh" >"$tmp/selftest.log" 2>&1; then
    ok "check_feed.py self-test: $(tail -n 1 "$tmp/selftest.log")"
else
    bad "check_feed.py self-test:"
    sed 's/^/     /' "$tmp/selftest.log"
fi

finish_checks
