#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `espi convert --from espi` (repair) against the public Green Button samples in
# SHARED/espi/samples (see its SOURCES.md). For every well-formed *.xml there:
#   * the conversion succeeds (exit 0), or writes its output and exits 1 with the findings
#     that remain listed on stderr ("N findings remain after conversion: RULE xN (...), ...");
#     either way twice with the same bytes;
#   * convert's verdict is espi validate's: the rules convert lists as remaining (errors and
#     warnings) are exactly the rules `espi validate` reports on the output, and convert exits
#     0 exactly when espi validate does (docs/repair.md, "After the repair");
#   * the output passes the OFFICIAL schemas: SHARED/espi/official-xsd-check.sh -s espi-4.0
#     and -s espi-3.3 (the latter requires a type on every link);
#   * `espi dump` of the original and of the output give the same readings: the set of
#     (UTC start, duration, value, multiplier, cost, unit, flow direction) rows. What the
#     repair documents is allowed for: a reading type without flowDirection is written as 1
#     (forward); a reading of 0 s among readings intervalLength apart gets that length (the
#     GBA CMD data); readings repeated exactly are kept once (a set); a reading whose
#     ReadingType espi dump cannot join (broken links) may get any unit, multiplier and
#     flow direction, the ones the repair joined it to; energy received (flowDirection 19)
#     is written non-negative (repair-reverse-sign);
#   * a file without usage data (customer (PII) feeds, the GBA 4.x usage sample without
#     readings) is refused with convert-empty and nothing is written; espi dump of it gives
#     no reading and no summary, the report says so (repair-no-usage), and customer
#     resources are reported as not carried.
# The same checks run on our own fixtures: testdata/espi/valid_*.xml and
# testdata/espi/repair/repair_*.xml, where a reading without timePeriod gets its start and
# duration from the readings around it (so those two are not compared) and a reading without
# a value is not carried; testdata/espi/repair/invalid_repair-*.xml and
# valid_dump_broken_links.xml (a block whose up link names neither of two MeterReadings)
# must be refused with the code in their name (exit 1, nothing written), and
# testdata/espi/repair/invalid_convert-empty_*.xml with convert-empty.
# Exceptions, stated here and checked:
#   * gba-sdk__1hrLP_32DaysM__BAD-not-well-formed.xml is not well-formed: skipped;
#   * gba-sdk__1hrLP_32DaysM_D000_BAD.xml is well-formed but its root is <xyz>, not an Atom
#     feed: the repair refuses it (exit 1, not-a-feed), as it must.
# Needs bash, python3 and xmllint.
#
# usage: ESPI=/path/to/espi ESPI_SOURCE=/path/to/source repair_samples.sh SHARED
# Exit 77 (skip: ctest shows it as skipped) when SHARED does not exist; otherwise one line
# per file, 'N passed, N failed' and exit 1 on any failure.
set -u
shared=${1:-}
if [ -z "$shared" ] || [ ! -d "$shared/espi/samples" ]; then
    echo "SKIP: the shared samples were not found (${shared:-no folder given})"
    exit 77
fi
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source root}"
src=$ESPI_SOURCE
xsdcheck=$shared/espi/official-xsd-check.sh
updated=2026-11-28T00:00:00Z
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
skipped=0
valid=0 # samples whose repaired output espi validate accepts

# shellcheck source=../tools/testlib.sh
. "$src/tests/tools/testlib.sh"
need_tools python3 xmllint
if [ ! -f "$xsdcheck" ]; then
    echo "FAIL: $xsdcheck not found"
    echo "0 passed, 1 failed"
    exit 1
fi

# same_readings ORIGINAL.csv REPAIRED.csv: the comparison above; prints what differs.
same_readings() {
    python3 - "$1" "$2" <<'EOF'
import csv, sys

# (start, duration, value_raw, power, cost_raw, unit, flow); '*' matches anything
def rows(path, original):
    out = set()
    with open(path, newline='', encoding='utf-8') as f:
        for r in csv.DictReader(f):
            if original and r['value_raw'] == '':
                continue  # repair-not-carried: a reading without a value
            joined = r['power_of_ten'] != ''  # espi dump found its ReadingType
            power = r['power_of_ten'] or ('*' if original else '0')
            unit = r['unit'] if joined or not original else '*'
            flow = r['flow_direction'] or ('1' if original and joined else '*' if original else '')
            duration = r['duration_s']
            if original and duration in ('0', ''):
                duration = '*'  # repair-zero-duration, repair-reading-duration
            start = r['start_utc'] or ('*' if original else '')
            value = r['value_raw']
            if original and flow == '19' and value.startswith('-'):
                value = value[1:]  # repair-reverse-sign
            out.add((start, duration, value, power, r['cost_raw'], unit, flow))
    return out

def fits(pattern, row):
    return all(p == '*' or p == v for p, v in zip(pattern, row))

orig, rep = rows(sys.argv[1], True), rows(sys.argv[2], False)
# exact rows are looked up; rows with wildcards are matched among the rows of the same
# start (when known), value and cost
def key(row):
    return (row[0] if row[0] != '*' else None, row[2], row[4])

rep_by, wild_by = {}, {}
for r in rep:
    rep_by.setdefault(key(r), []).append(r)
    rep_by.setdefault((None, r[2], r[4]), []).append(r)
for o in orig:
    if '*' in o:
        wild_by.setdefault(key(o), []).append(o)
missing = [o for o in orig if o not in rep and
           ('*' not in o or not any(fits(o, r) for r in rep_by.get(key(o), [])))]
extra = [r for r in rep if r not in orig and
         not any(fits(o, r) for k in (key(r), (None, r[2], r[4])) for o in wild_by.get(k, []))]
if missing or extra:
    print('%d reading(s) of the original missing, %d not in the original; first: %s / %s'
          % (len(missing), len(extra), sorted(missing)[:1], sorted(extra)[:1]))
    sys.exit(1)
print('%d distinct readings' % len(orig))
EOF
}

# remaining LOG: the rules convert's stderr lists as remaining, one a line, sorted
remaining() {
    sed -n 's/^espi: .* remains\{0,1\} after conversion ([^)]*): \(.*\); run espi validate .*/\1/p' "$1" |
        tr ',' '\n' | sed -n 's/^ *\([a-z0-9-]*\) x[0-9].*/\1/p' | sort -u
}

# found REPORT: the rules an espi validate report lists (errors and warnings), sorted
found() {
    sed -n 's/^[^ ]*:[0-9:]* \(error\|warning\): \([a-z0-9-]*\): .*/\2/p' "$1" | sort -u
}

# no_usage FILE: espi dump finds no reading and no summary in FILE
no_usage() {
    local rows
    rows=$( ("$ESPI" dump "$1"; "$ESPI" dump --what summaries "$1") 2>/dev/null | grep -vc '^usage_point,')
    [ "$rows" -eq 0 ]
}

# empty_refused FILE LOG OUT: what a file without usage data must give
empty_refused() {
    local f=$1 log=$2 out=$3
    if [ -e "$out" ]; then
        echo "convert-empty, but an output was written"
    elif ! no_usage "$f"; then
        echo "convert-empty, but espi dump finds readings or summaries in the input"
    elif ! grep -q 'repair-no-usage' "$log"; then
        echo "convert-empty without repair-no-usage"
    elif grep -Eq '<[A-Za-z0-9_]+:(Customer|CustomerAccount|ServiceLocation)[ >/]' "$f" &&
        ! grep -q 'customer (PII) resource' "$log"; then
        echo "customer resources are not reported as not carried"
    fi
}

# check FILE: every check above for one sample
check() {
    local f=$1 name why rc set out1 out2 log listed reported validate_rc
    name=$(basename "$f" .xml)
    out1=$tmp/$name.1.xml out2=$tmp/$name.2.xml log=$tmp/$name.log
    why=
    "$ESPI" convert --from espi --updated "$updated" -o "$out1" "$f" 2>"$log"
    rc=$?
    if [ $rc -eq 1 ] && grep -q ': error: convert-empty:' "$log"; then
        why=$(empty_refused "$f" "$log" "$out1")
        if [ -z "$why" ]; then
            echo "ok   $name: no usage data: refused (convert-empty), nothing written, said"
            pass=$((pass + 1))
        else
            echo "FAIL $name: $why"
            fail=$((fail + 1))
        fi
        return
    fi
    if [ $rc -ne 0 ] && { [ $rc -ne 1 ] || [ ! -e "$out1" ]; }; then
        why="convert exited $rc: $(grep -v '^espi: wrote' "$log" | grep -v ': warning: ' | head -n 2 | tr '\n' ' ')"
    elif "$ESPI" convert --from espi --updated "$updated" -o "$out2" "$f" 2>/dev/null; [ $? -ne $rc ]; then
        why="the second conversion exited otherwise"
    elif ! cmp -s "$out1" "$out2"; then
        why="two conversions differ: $(cmp "$out1" "$out2" 2>&1 | head -n 1)"
    fi
    if [ -z "$why" ]; then
        "$ESPI" validate "$out1" >"$tmp/$name.validate.txt" 2>&1
        validate_rc=$?
        listed=$(remaining "$log" | tr '\n' ' ')
        reported=$(found "$tmp/$name.validate.txt" | tr '\n' ' ')
        if [ $rc -eq 1 ] && [ -z "$listed" ]; then # an unparsed list would agree with anything
            why="convert exited 1 and lists no remaining rule: $(grep '^espi: ' "$log" | head -n 1)"
        elif [ "$listed" != "$reported" ]; then
            why="convert lists [${listed}] as remaining, espi validate reports [${reported}]"
        elif [ $rc -eq 0 ] && [ $validate_rc -ne 0 ]; then
            why="convert exited 0 (valid), espi validate $validate_rc"
        elif [ $rc -eq 1 ] && [ $validate_rc -eq 0 ]; then
            why="convert exited 1 (errors remain), espi validate 0"
        fi
    fi
    if [ -z "$why" ]; then
        why=$(official_why "$xsdcheck" "$out1" "$tmp/$name")
    fi
    local detail=
    if [ -z "$why" ]; then
        "$ESPI" dump "$f" >"$tmp/$name.orig.csv" 2>/dev/null
        "$ESPI" dump "$out1" >"$tmp/$name.rep.csv" 2>/dev/null
        if ! detail=$(same_readings "$tmp/$name.orig.csv" "$tmp/$name.rep.csv"); then
            why="espi dump gives other readings: $detail"
        fi
    fi
    if [ -z "$why" ]; then
        local verdict="valid"
        [ $rc -eq 1 ] && verdict="invalid, remaining: ${listed% }"
        [ $rc -eq 0 ] && [ -n "$listed" ] && verdict="valid, warnings: ${listed% }"
        echo "ok   $name: espi-4.0, espi-3.3, same readings ($detail), deterministic; $verdict"
        pass=$((pass + 1))
        if [ $rc -eq 0 ]; then valid=$((valid + 1)); fi
    else
        echo "FAIL $name: $why"
        fail=$((fail + 1))
    fi
}

shopt -s nullglob
samples=("$shared"/espi/samples/*.xml)
if [ ${#samples[@]} -eq 0 ]; then
    echo "FAIL: no samples in $shared/espi/samples"
    fail=$((fail + 1))
fi
for f in "${samples[@]}"; do
    name=$(basename "$f" .xml)
    if ! xmllint --noout --nonet "$f" 2>/dev/null; then
        echo "skip $name: not well-formed XML"
        skipped=$((skipped + 1))
        continue
    fi
    case $name in
    gba-sdk__1hrLP_32DaysM_D000_BAD)
        "$ESPI" convert --from espi --updated "$updated" -o "$tmp/$name.xml" "$f" 2>"$tmp/$name.log"
        rc=$?
        if [ $rc -eq 1 ] && grep -q 'not-a-feed' "$tmp/$name.log" && [ ! -e "$tmp/$name.xml" ]; then
            echo "ok   $name: refused (root <xyz> is not an Atom feed), nothing written"
            pass=$((pass + 1))
        else
            echo "FAIL $name: expected exit 1 with not-a-feed and no output, got exit $rc"
            fail=$((fail + 1))
        fi
        ;;
    *) check "$f" ;;
    esac
done

echo "measure: $valid of the samples (${#samples[@]} files) repair to a feed espi validate accepts"

# refused FILE CODE: exit 1, the code on stderr, nothing written
refused() {
    local f=$1 code=$2 name rc
    name=$(basename "$f" .xml)
    "$ESPI" convert --from espi --updated "$updated" -o "$tmp/$name.xml" "$f" 2>"$tmp/$name.log"
    rc=$?
    if [ $rc -eq 1 ] && grep -q "error: $code:" "$tmp/$name.log" && [ ! -e "$tmp/$name.xml" ]; then
        echo "ok   testdata/$name: refused ($code), nothing written"
        pass=$((pass + 1))
    else
        echo "FAIL testdata/$name: expected exit 1 with $code and no output, got exit $rc"
        fail=$((fail + 1))
    fi
}

for f in "$src"/testdata/espi/valid_*.xml "$src"/testdata/espi/repair/repair_*.xml; do
    case $(basename "$f") in
    valid_dump_broken_links.xml) refused "$f" repair-link-meter-reading ;;
    *) check "$f" ;;
    esac
done
for f in "$src"/testdata/espi/repair/invalid_repair-*.xml "$src"/testdata/espi/repair/invalid_convert-*.xml; do
    code=$(basename "$f" .xml)
    code=${code#invalid_}
    refused "$f" "${code%%_*}"
done

echo "$pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ]
