#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end check of `espi dump` on the project's own ESPI fixtures.
#
# For every testdata/espi/valid_*.xml: `espi dump FILE` must exit 0, its first line must
# be the column list of docs/dump-format.md ("CSV readings" table) exactly, and the
# independent oracle tests/tools/check_dump.py must accept the CSV (every IntervalReading
# exactly once, each column what the feed says). valid_dump_dst_days.xml is also dumped
# with --tz America/New_York and checked the same way.
# For every testdata/espi/invalid_*.xml: exit 1 and a message on stderr that starts with
# FILE:LINE (the line the fixture's comment names, when it names one as "FILE:NN");
# invalid_not-a-feed_root.xml must also say that the root is not an Atom feed.
# invalid_schema_* fixtures are for `espi validate`: dump reads without the schema (the
# schema-invalid public samples must dump), so for them either outcome is accepted: exit 0
# with a CSV the oracle accepts, or exit 1 with FILE:LINE.
# Then the oracle's own self-test (tests/tools/test_check_dump.sh) runs.
# Needs bash and python3 (3.9+, standard library only); does not need ../shared.
#
# usage: ESPI=/path/to/espi ESPI_SOURCE=/path/to/source dump_fixtures.sh [SHARED]
# (CTest sets ESPI and ESPI_SOURCE and passes the shared folder, unused here.)
# Prints one line per file and 'N passed, N failed'; exits 1 on any failure.
set -u
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source root}"
src=$ESPI_SOURCE
oracle=$src/tests/tools/check_dump.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=../tools/testlib.sh
. "$src/tests/tools/testlib.sh"
need_tools python3

columns=$(dump_columns "$src") || exit 1

# check_valid LABEL FILE [--tz ZONE]: dump, header, oracle
check_valid() {
    local label=$1 f=$2
    shift 2
    local out=$tmp/$label.csv err=$tmp/$label.err why='' rc
    "$ESPI" dump "$@" "$f" >"$out" 2>"$err"
    rc=$?
    if [ $rc -ne 0 ]; then
        why="espi dump exited $rc: $(first_lines "$err")"
    elif [ "$(head -n 1 "$out")" != "$columns" ]; then
        why="header is '$(head -n 1 "$out" | cut -c1-300)', expected '$columns'"
    elif ! python3 "$oracle" "$@" "$f" "$out" >"$tmp/$label.oracle" 2>&1; then
        why="check_dump.py:"$'\n'"$(sed 's/^/     /' "$tmp/$label.oracle" | head -n 40)"
    fi
    if [ -z "$why" ]; then
        local warnings summary
        warnings=$(grep -c . "$err")
        summary=$(sed -n '1s/^check_dump: OK [^:]*: //p' "$tmp/$label.oracle" | cut -c1-160)
        ok "$label ($warnings stderr line(s)): $summary"
    else
        bad "$label: $why"
    fi
}

# check_invalid LABEL FILE: exit 1, FILE:LINE on stderr (the line the comment names)
check_invalid() {
    local label=$1 f=$2
    local out=$tmp/$label.csv err=$tmp/$label.err why='' rc want note
    want=$(sed -n 's/.*starts "FILE:\([0-9][0-9]*\)".*/\1/p' "$f" | head -n 1)
    "$ESPI" dump "$f" >"$out" 2>"$err"
    rc=$?
    case $label in
        invalid_schema_*)
            if [ $rc -eq 0 ]; then
                if [ "$(head -n 1 "$out")" != "$columns" ]; then
                    why="exit 0 but header is '$(head -n 1 "$out" | cut -c1-300)'"
                elif ! python3 "$oracle" "$f" "$out" >"$tmp/$label.oracle" 2>&1; then
                    why="exit 0 but check_dump.py:"$'\n'"$(sed 's/^/     /' "$tmp/$label.oracle" | head -n 40)"
                fi
                note="schema-only defect: read without the schema, CSV checked"
            elif [ $rc -eq 1 ] && has_file_line "$f" "$err"; then
                note="schema-only defect: refused: $(first_lines "$err" | cut -c1-120)"
            else
                why="exit $rc without a FILE:LINE message: $(first_lines "$err")"
            fi ;;
        *)
            if [ $rc -ne 1 ]; then
                why="espi dump exited $rc, expected 1: $(first_lines "$err")"
            elif ! has_file_line "$f" "$err" "$want"; then
                why="no stderr line starts with '$f:${want:-LINE}': $(first_lines "$err")"
            elif [ "$label" = invalid_not-a-feed_root ] && ! grep -Eiq 'root.*feed|feed.*root' "$err"; then
                why="the message does not say that the root is not an Atom feed: $(first_lines "$err")"
            fi
            note="exit 1: $(head -n 1 "$err" | sed "s#^$src/##" | cut -c1-140)" ;;
    esac
    if [ -z "$why" ]; then
        ok "$label ($note)"
    else
        bad "$label: $why"
    fi
}

shopt -s nullglob
valid=("$src"/testdata/espi/valid_*.xml)
invalid=("$src"/testdata/espi/invalid_*.xml)
if [ ${#valid[@]} -eq 0 ] || [ ${#invalid[@]} -eq 0 ]; then
    bad "no testdata/espi/valid_*.xml or invalid_*.xml under $src"
    finish_checks
    exit 1
fi

for f in "${valid[@]}"; do
    check_valid "$(basename "$f" .xml)" "$f"
done
if [ -f "$src/testdata/espi/valid_dump_dst_days.xml" ]; then
    check_valid "valid_dump_dst_days+tz-America-New_York" "$src/testdata/espi/valid_dump_dst_days.xml" \
        --tz America/New_York
else
    bad "valid_dump_dst_days.xml is missing (needed for the --tz check)"
fi
for f in "${invalid[@]}"; do
    check_invalid "$(basename "$f" .xml)" "$f"
done

if ESPI_SOURCE=$src bash "$src/tests/tools/test_check_dump.sh" >"$tmp/selftest.log" 2>&1; then
    ok "check_dump.py self-test: $(tail -n 1 "$tmp/selftest.log")"
else
    bad "check_dump.py self-test:"
    grep -v '^ok ' "$tmp/selftest.log" | sed 's/^/     /'
fi

finish_checks
