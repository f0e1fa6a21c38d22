#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `espi convert --from smarthub-csv` against the Green Button CSV export sample in ../shared
# (SHARED/smarthub/samples/greenbutton_export_hourly_2026-06-15.csv: three unlabelled blocks,
# generation written negative, consumption, net; the blocks' fit is reported as an info, and
# no warning is printed). The feed is validated with the OFFICIAL
# schemas (SHARED/espi/official-xsd-check.sh -s espi-4.0 and -s espi-3.3), and read back with
# `espi dump`: an independent reading of the CSV (below, in Python) must find each block as
# one channel with the right flow direction and, hour by hour, the same local start, duration
# and Wh. A copy of the sample with each channel rounded to 0.01 kWh on its own, as United
# Power writes its exports, must convert too; and with the sample's user-data of the same
# account, the zone is checked against its last bill read dates.
#
# usage: ESPI=/path/to/espi ESPI_SOURCE=/path/to/source convert_csv_sample.sh SHARED
# Exit 77 (skip) when SHARED or the sample does not exist; otherwise one line per check,
# 'N passed, N failed' and exit 1 on any failure.
set -u
shared=${1:-}
sample=$shared/smarthub/samples/greenbutton_export_hourly_2026-06-15.csv
if [ -z "$shared" ] || [ ! -d "$shared" ]; then
    echo "SKIP: ../shared not found (${shared:-no folder given})"
    exit 77
fi
if [ ! -f "$sample" ]; then
    echo "SKIP: $sample not found"
    exit 77
fi
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source root}"
src=$ESPI_SOURCE
xsdcheck=$shared/espi/official-xsd-check.sh
tz=America/Los_Angeles
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

# shellcheck source=../tools/testlib.sh
. "$src/tests/tools/testlib.sh"
need_tools python3 xmllint

ok() { echo "ok   $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

out=$tmp/sample.xml
if "$ESPI" convert --from smarthub-csv --tz "$tz" --updated 2026-11-28T00:00:00Z -o "$out" \
    "$sample" 2>"$tmp/convert.err"; then
    ok "convert: $(grep '^espi: wrote' "$tmp/convert.err" | head -n 1)"
else
    bad "convert exited $?: $(head -n 3 "$tmp/convert.err" | tr '\n' ' ')"
    echo "$pass passed, $fail failed"
    exit 1
fi
# infos are allowed (the fit of the blocks is said); warnings are not
if grep -v '^espi: wrote' "$tmp/convert.err" | grep -v ': info: ' | grep -q .; then
    bad "convert printed warnings: $(grep -v '^espi: wrote' "$tmp/convert.err" | grep -v ': info: ' | head -n 3 | tr '\n' ' ')"
fi
if grep -q ': info: csv-fit: the 3 energy blocks are, in file order, generation/consumption/net ' "$tmp/convert.err"; then
    ok "fit reported: $(sed -n 's/.*: info: csv-fit: //p' "$tmp/convert.err" | cut -c1-120)..."
else
    bad "no csv-fit info naming generation/consumption/net: $(head -n 3 "$tmp/convert.err" | tr '\n' ' ')"
fi

if [ ! -f "$xsdcheck" ]; then
    bad "$xsdcheck not found"
else
    for set in espi-4.0 espi-3.3; do
        if bash "$xsdcheck" -s "$set" "$out" >"$tmp/$set.log" 2>&1; then
            ok "official $set schema accepts the feed"
        else
            bad "official $set schema rejects it: $(grep -v 'validates$' "$tmp/$set.log" | head -n 2 | tr '\n' ' ')"
        fi
    done
fi

if ! "$ESPI" dump --tz "$tz" "$out" >"$tmp/dump.csv" 2>"$tmp/dump.err"; then
    bad "espi dump exited $?: $(head -n 3 "$tmp/dump.err" | tr '\n' ' ')"
elif python3 - "$sample" "$tmp/dump.csv" >"$tmp/oracle.log" 2>&1 <<'EOF'; then
# The oracle: blocks are runs of rows "YYYY-MM-DD HH:MM to YYYY-MM-DD HH:MM,kWh,,"; a block
# whose values are all <= 0 is generation (19, written as magnitudes), one with both signs is
# net (4), one with none below 0 consumption (1). Every hour of this sample is a plain summer
# hour (PDT, UTC-7), so the local start is the row's start with -07:00.
import csv, re, sys
from decimal import Decimal

row = re.compile(r'^\s*(\d{4}-\d\d-\d\d) (\d\d:\d\d) to (\d{4}-\d\d-\d\d) (\d\d:\d\d),([^,]*),')
blocks, current = [], None
for line in open(sys.argv[1], encoding='ascii'):
    m = row.match(line)
    if not m:
        if line.strip():
            current = None
        continue
    if current is None:
        current = []
        blocks.append(current)
    wh = int((Decimal(m.group(5)) * 1000).to_integral_value())
    current.append((f'{m.group(1)}T{m.group(2)}:00-07:00', wh))

expected = {}
for b in blocks:
    neg = any(v < 0 for _, v in b)
    pos = any(v > 0 for _, v in b)
    flow = 4 if neg and pos else 19 if neg else 1
    assert flow not in expected, f'two blocks of flow {flow}'
    expected[flow] = [(t, abs(v) if flow == 19 else v) for t, v in b]

got = {}
for r in csv.DictReader(open(sys.argv[2], encoding='utf-8')):
    assert (r['unit'], r['kind'], r['accumulation'], r['duration_s']) == ('Wh', '12', '4', '3600'), r
    got.setdefault(int(r['flow_direction']), []).append((r['start_local'], int(r['value_raw'])))

problems = []
if sorted(got) != sorted(expected):
    problems.append(f'flow directions {sorted(got)}, expected {sorted(expected)}')
for flow, rows in expected.items():
    have = sorted(got.get(flow, []))
    if have != sorted(rows):
        diff = [x for x in sorted(rows) if x not in have][:3]
        problems.append(f'flow {flow}: {len(have)} readings, expected {len(rows)}; missing {diff}')
    else:
        print(f'flow {flow}: {len(rows)} hours match')
if problems:
    print('\n'.join(problems))
    sys.exit(1)
EOF
    while IFS= read -r l; do ok "oracle: $l"; done <"$tmp/oracle.log"
else
    bad "oracle:"$'\n'"$(sed 's/^/     /' "$tmp/oracle.log")"
fi

# United Power rounds each channel to 0.01 kWh on its own: the sample so rounded (values
# written x.xx0, net then differs from consumption + generation by 10 Wh on some hours)
# must convert as well, with the fit reported as an info
python3 - "$sample" "$tmp/rounded.csv" <<'PY'
import re, sys
from decimal import Decimal, ROUND_HALF_UP
row = re.compile(r'^(\s*\d{4}-\d\d-\d\d \d\d:\d\d to \d{4}-\d\d-\d\d \d\d:\d\d,)([^,]*)(,.*)$')
out = []
for line in open(sys.argv[1], encoding='ascii').read().split('\n'):
    m = row.match(line)
    if m and m.group(2):
        v = Decimal(m.group(2)).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)
        line = '%s%s0%s' % (m.group(1), v, m.group(3))
    out.append(line)
open(sys.argv[2], 'w', encoding='ascii').write('\n'.join(out))
PY
if "$ESPI" convert --from smarthub-csv --tz "$tz" --updated 2026-11-28T00:00:00Z \
    -o "$tmp/rounded.xml" "$tmp/rounded.csv" 2>"$tmp/rounded.err" &&
    grep -q ': info: csv-fit: the 3 energy blocks are, in file order, generation/consumption/net ' "$tmp/rounded.err" &&
    ! grep -v '^espi: wrote' "$tmp/rounded.err" | grep -v ': info: ' | grep -q .; then
    ok "rounded to 0.01 kWh per channel: $(sed -n 's/.*(best fit): //p' "$tmp/rounded.err" | cut -c1-100)..."
else
    bad "the sample rounded to 0.01 kWh per channel: $(head -n 3 "$tmp/rounded.err" | tr '\n' ' ')"
fi

# with the sample's user-data (the same account; last bill read dates at Pacific midnight),
# the zone of the wall times is checked: Pacific passes, Mountain is an error naming UTC-7
user_data=$shared/smarthub/samples/user_data.json
if [ -f "$user_data" ]; then
    if "$ESPI" convert --tz "$tz" --updated 2026-11-28T00:00:00Z -o "$tmp/zone.xml" \
        "$sample" "$user_data" 2>"$tmp/zone.err" &&
        grep -q ': info: csv-zone-checked: ' "$tmp/zone.err"; then
        ok "with user-data, $tz: the read dates are local midnight, said"
    else
        bad "with user-data, $tz: $(head -n 3 "$tmp/zone.err" | tr '\n' ' ')"
    fi
    if ! "$ESPI" convert --tz America/Denver --updated 2026-11-28T00:00:00Z -o "$tmp/zone2.xml" \
        "$sample" "$user_data" 2>"$tmp/zone2.err" &&
        grep -q 'error: csv-zone: .* is local midnight at UTC-7, .*America/Los_Angeles' "$tmp/zone2.err" &&
        [ ! -e "$tmp/zone2.xml" ]; then
        ok "with user-data, America/Denver: refused ($(grep -o 'give --tz.*' "$tmp/zone2.err" | head -n 1))"
    else
        bad "with user-data, America/Denver: expected a csv-zone error: $(head -n 3 "$tmp/zone2.err" | tr '\n' ' ')"
    fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
