#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The link layouts espi reads besides ESPI's own (docs/dump-format.md, "Link layouts"), end
# to end, on the fixtures testdata/espi/valid_dump_layout_*.xml: the Opower layout, the 2011
# format, hierarchical hrefs, a file without links, a broken ReadingType href, hrefs written
# two ways. Each fixture's comment says "one warning link-layout-NAME". For each:
#   * `espi dump FILE` exits 0; every reading has a value, a unit, a meter reading and a
#     usage point; the layout's warning code is on stderr exactly once; the independent
#     oracle tests/tools/check_dump.py accepts the CSV;
#   * `espi convert --from espi FILE | espi dump -` (the repaired file) gives the same rows:
#     the same multiset of (commodity, kind, flow_direction, accumulation, start_utc,
#     duration_s, value_raw, value, unit, cost_raw, cost, currency, quality, power_of_ten).
#     Not compared: the ids (the repair writes new ones), file and line, and start_local
#     (a file without LocalTimeParameters, or whose UsagePoint names none, is written with
#     the zone the repair chooses).
# Then a document whose root is one atom:entry, testdata/espi/valid_dump_entry_root.xml:
# espi dump exits 0 with its 3 readings (value_raw 120, 135, 150) and the oracle accepts
# them; espi validate exits 0 with the `fragment` info and not one error or warning.
# Needs bash and python3 (3.9+, standard library only); does not need ../shared.
#
# usage: ESPI=/path/to/espi ESPI_SOURCE=/path/to/source dump_layouts.sh [SHARED]
# (CTest sets ESPI and ESPI_SOURCE and passes the shared folder, unused here.)
# Prints one line per check and 'N passed, N failed'; exits 1 on any failure.
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

# joined CSV: every row has usage_point, meter_reading, value and unit; prints what lacks
joined() {
    python3 - "$1" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))
bad = [r for r in rows if not all(r[k] for k in ('usage_point', 'meter_reading', 'value', 'unit'))]
if not rows or bad:
    print('%d row(s), %d without usage_point, meter_reading, value or unit (line %s)'
          % (len(rows), len(bad), bad[0]['line'] if bad else '-'))
    sys.exit(1)
print('%d rows' % len(rows))
EOF
}

# same_rows ORIGINAL.csv REPAIRED.csv: the comparison above; prints what differs
same_rows() {
    python3 - "$1" "$2" <<'EOF'
import csv, sys
from collections import Counter
COLS = ('commodity', 'kind', 'flow_direction', 'accumulation', 'start_utc', 'duration_s',
        'value_raw', 'value', 'unit', 'cost_raw', 'cost', 'currency', 'quality', 'power_of_ten')
def rows(path):
    with open(path, newline='', encoding='utf-8') as f:
        return Counter(tuple(r[c] for c in COLS) for r in csv.DictReader(f))
a, b = rows(sys.argv[1]), rows(sys.argv[2])
if a != b:
    print('original only: %s; repaired only: %s' % (sorted(a - b)[:1], sorted(b - a)[:1]))
    sys.exit(1)
print('%d identical rows' % sum(a.values()))
EOF
}

# layout FILE: every check above for one fixture
layout() {
    local f=$1 name code out err rep n why detail
    name=$(basename "$f" .xml)
    out=$tmp/$name.csv err=$tmp/$name.err rep=$tmp/$name.repaired.csv
    code=$(sed -n 's/.*one warning \(link-layout-[a-z0-9-]*\).*/\1/p' "$f" | head -n 1)
    why=
    if [ -z "$code" ]; then
        why="the fixture's comment names no warning code (\"one warning link-layout-...\")"
    elif ! "$ESPI" dump "$f" >"$out" 2>"$err"; then
        why="espi dump failed: $(first_lines "$err")"
    elif ! detail=$(joined "$out"); then
        why="not every reading joined: $detail"
    elif [ "$(grep -c ": warning: $code: " "$err")" != 1 ]; then
        why="expected one $code warning on stderr, got: $(first_lines "$err")"
    elif ! python3 "$oracle" "$f" "$out" >"$tmp/$name.oracle" 2>&1; then
        why="check_dump.py: $(sed -n 2,3p "$tmp/$name.oracle" | tr '\n' ' ' | cut -c1-300)"
    fi
    if [ -z "$why" ]; then
        ok "$name: $detail, $code said once, check_dump.py agrees"
    else
        bad "$name: $why"
        return
    fi
    if ! (set -o pipefail
        # exit 1 with the feed written: errors remain (docs/repair.md, "After the repair")
        { "$ESPI" convert --from espi "$f" 2>"$tmp/$name.convert.err"; [ $? -le 1 ]; } |
            "$ESPI" dump - >"$rep" 2>/dev/null); then
        bad "$name: espi convert --from espi | espi dump - failed: $(first_lines "$tmp/$name.convert.err")"
    elif n=$(same_rows "$out" "$rep"); then
        ok "$name: repaired first or not, the same rows ($n)"
    else
        bad "$name: the repaired file dumps other rows: $n"
    fi
}

shopt -s nullglob
fixtures=("$src"/testdata/espi/valid_dump_layout_*.xml)
if [ ${#fixtures[@]} -lt 6 ]; then
    bad "expected the six testdata/espi/valid_dump_layout_*.xml fixtures, found ${#fixtures[@]}"
fi
for f in "${fixtures[@]}"; do
    layout "$f"
done

# a document of one entry
entry=$src/testdata/espi/valid_dump_entry_root.xml
if ! "$ESPI" dump "$entry" >"$tmp/entry.csv" 2>"$tmp/entry.err"; then
    bad "entry root: espi dump failed: $(first_lines "$tmp/entry.err")"
elif [ "$(cut -d, -f10 "$tmp/entry.csv" | tail -n +2 | tr '\n' ' ')" != "120 135 150 " ]; then
    bad "entry root: expected the readings 120, 135, 150, got: $(tail -n +2 "$tmp/entry.csv" | cut -c1-200)"
elif ! python3 "$oracle" "$entry" "$tmp/entry.csv" >"$tmp/entry.oracle" 2>&1; then
    bad "entry root: check_dump.py: $(sed -n 2,3p "$tmp/entry.oracle" | tr '\n' ' ' | cut -c1-300)"
else
    ok "entry root: espi dump gives its 3 readings, check_dump.py agrees"
fi
"$ESPI" validate "$entry" >"$tmp/entry.validate" 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q ': info: fragment: ' "$tmp/entry.validate" &&
    grep -Eq ': valid \(.*\), 0 errors, 0 warnings, 1 info$' "$tmp/entry.validate"; then
    ok "entry root: espi validate: valid, the fragment info, no feed-level finding"
else
    bad "entry root: espi validate exited $rc: $(first_lines "$tmp/entry.validate")"
fi

finish_checks
