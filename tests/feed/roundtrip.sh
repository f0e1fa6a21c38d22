#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Round trip: `espi convert` then `espi dump` gives back every input reading.
#
# For every testdata/smarthub/valid_*.json and, when the shared folder is there, every
# SHARED/smarthub/samples/poll_*.json (time zone from NAME.tz, one line, else
# America/Los_Angeles):
#   espi convert --tz TZ --updated 2026-11-28T00:00:00Z -o NAME.xml INPUT   (exit 0)
#   espi dump --unit kWh NAME.xml > NAME.csv                                (exit 0, no warning)
# then tests/tools/check_roundtrip.py compares the CSV with the JSON: every non-null point
# of every meter and flow direction comes back exactly once with the same UTC start
# (computed in Python with zoneinfo), duration, kWh (exact decimals) and dollars, and
# the dump holds nothing else; the only reading allowed to go is a zero in the
# spring-forward gap, and only with convert's dst-gap-zero warning.
# A shared MONTHLY sample (billing periods: summaries, not readings) is skipped here and
# checked by tests/feed/bills.sh; a sample that convert refuses with exit 1 is reported as
# skipped; any other exit code fails. The fixtures must all
# convert. Last, check_roundtrip.py must reject doctored dumps of one fixture (a value off
# by 1 Wh, a row removed, a start shifted by an hour, a cost off by $0.00001) and the
# spring-gap zeros fixture checked against a convert log without its warnings.
# Needs bash, python3 (3.9+, standard library only) and the espi binary.
#
# usage: ESPI=/path/to/espi ESPI_SOURCE=/path/to/source roundtrip.sh [SHARED]
# (CTest sets ESPI and ESPI_SOURCE and passes the shared folder.)
# Prints one line per input and 'N passed, N failed'; exits 1 on any failure.
set -u
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source root}"
src=$ESPI_SOURCE
shared=${1:-}
checker=$src/tests/tools/check_roundtrip.py
updated=2026-11-28T00:00:00Z
selftest_fixture=valid_hourly_fall_back_cost
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=../tools/testlib.sh
. "$src/tests/tools/testlib.sh"
need_tools python3

zone_of() {
    local tz=America/Los_Angeles
    if [ -f "${1%.json}.tz" ]; then
        tz=$(head -n 1 "${1%.json}.tz" | tr -d '[:space:]')
    fi
    printf '%s\n' "$tz"
}

# roundtrip LABEL INPUT MAY_SKIP: convert, dump, compare; one output line.
roundtrip() {
    local label=$1 f=$2 may_skip=$3 tz rc why='' base
    tz=$(zone_of "$f")
    base=$tmp/${label//\//_}
    "$ESPI" convert --tz "$tz" --updated "$updated" -o "$base.xml" "$f" 2>"$base.convert.err"
    rc=$?
    if [ $rc -eq 1 ] && [ "$may_skip" = yes ] && grep -q ' error: ' "$base.convert.err"; then
        echo "skip $label ($tz): convert does not take it yet:" \
            "$(grep -m 1 ' error: ' "$base.convert.err" | sed 's/^.* error: //')"
        return
    fi
    if [ $rc -ne 0 ]; then
        why="convert exited $rc: $(grep -v '^espi: wrote' "$base.convert.err" | head -n 3 | tr '\n' ' ')"
    else
        "$ESPI" dump --unit kWh "$base.xml" >"$base.csv" 2>"$base.dump.err"
        rc=$?
        if [ $rc -ne 0 ]; then
            why="dump exited $rc: $(head -n 3 "$base.dump.err" | tr '\n' ' ')"
        elif grep 'warning:' "$base.dump.err" | grep -qv ' warning: unit-mismatch: '; then
            # (gas and water keep their own unit under --unit kWh, with a unit-mismatch warning)
            why="dump warned on convert's own feed: $(grep -m 3 'warning:' "$base.dump.err" | tr '\n' ' ')"
        elif ! python3 "$checker" --tz "$tz" --convert-log "$base.convert.err" "$f" "$base.csv" \
                >"$base.check" 2>&1; then
            why="check_roundtrip.py:"$'\n'"$(sed 's/^/     /' "$base.check")"
        fi
    fi
    if [ -z "$why" ]; then
        ok "$label ($tz): $(sed -n '1s/^check_roundtrip: OK [^[]*\[[^]]*\]: //p' "$base.check")"
    else
        bad "$label ($tz): $why"
    fi
}

shopt -s nullglob
fixtures=("$src"/testdata/smarthub/valid_*.json)
if [ ${#fixtures[@]} -eq 0 ]; then
    bad "no testdata/smarthub/valid_*.json under $src"
fi
for f in "${fixtures[@]}"; do
    roundtrip "$(basename "$f" .json)" "$f" no
done

samples_dir=$shared/smarthub/samples
if [ -n "$shared" ] && [ -d "$shared" ]; then
    samples=("$samples_dir"/poll_*.json)
    if [ ${#samples[@]} -eq 0 ]; then
        bad "shared samples: no poll_*.json in $samples_dir"
    fi
    for f in "${samples[@]}"; do
        if grep -q '"timeFrame": *"MONTHLY"' "$f"; then
            echo "skip shared/$(basename "$f" .json): MONTHLY billing periods give summaries, not readings (tests/feed/bills.sh checks them)"
            continue
        fi
        roundtrip "shared/$(basename "$f" .json)" "$f" yes
    done
else
    echo "skip shared samples: no shared folder at '${shared}' (SHARED/smarthub/samples/poll_*.json not checked)"
fi

# The checker must be able to fail: doctored dumps of one fixture.
self_in=$src/testdata/smarthub/$selftest_fixture.json
self_csv=$tmp/$selftest_fixture.csv
self_tz=$(zone_of "$self_in")
for mode in value-1Wh row-removed start-1h cost-1e-5; do
    label="self-test $mode"
    if [ ! -s "$self_csv" ]; then
        bad "$label: no dump of $selftest_fixture to doctor (its round trip failed above?)"
        continue
    fi
    doctored=$tmp/doctored.$mode.csv
    if ! what=$(python3 - "$self_csv" "$doctored" "$mode" <<'EOF'
import csv, sys
from datetime import datetime, timedelta
from decimal import Decimal
src, dst, mode = sys.argv[1:4]
with open(src, newline='', encoding='utf-8') as f:
    rows = list(csv.reader(f))
head, body = rows[0], rows[1:]
col = {name: i for i, name in enumerate(head)}
if len(body) < 3:
    sys.exit('only %d rows to doctor' % len(body))
mid = len(body) // 2
if mode == 'value-1Wh':
    r = body[mid]
    old = r[col['value']]
    r[col['value']] = str(Decimal(old) + Decimal('0.001'))
    what = 'row %d value %s -> %s kWh' % (mid + 2, old, r[col['value']])
elif mode == 'row-removed':
    r = body.pop(0)
    what = 'row 2 (start_utc %s) removed' % r[col['start_utc']]
elif mode == 'start-1h':
    r = body[-1]           # the last reading: shifted, it lands on no other reading
    old = r[col['start_utc']]
    t = datetime.strptime(old, '%Y-%m-%dT%H:%M:%SZ') + timedelta(hours=1)
    r[col['start_utc']] = t.strftime('%Y-%m-%dT%H:%M:%SZ')
    what = 'row %d start_utc %s -> %s' % (len(body) + 1, old, r[col['start_utc']])
elif mode == 'cost-1e-5':
    r = body[mid]
    old = r[col['cost']]
    if old == '':
        sys.exit('row %d has no cost' % (mid + 2))
    r[col['cost']] = str(Decimal(old) + Decimal('0.00001'))
    what = 'row %d cost %s -> %s' % (mid + 2, old, r[col['cost']])
else:
    sys.exit('unknown mode ' + mode)
with open(dst, 'w', newline='', encoding='utf-8') as f:
    csv.writer(f, lineterminator='\n').writerows([head] + body)
print(what)
EOF
    ); then
        bad "$label: could not doctor the dump of $selftest_fixture"
        continue
    fi
    python3 "$checker" --tz "$self_tz" "$self_in" "$doctored" >"$tmp/self.$mode.out" 2>&1
    rc=$?
    if [ $rc -eq 1 ]; then
        ok "$label: $selftest_fixture, $what: rejected ($(sed -n '2s/^  - //p' "$tmp/self.$mode.out" | cut -c1-200))"
    else
        bad "$label: $selftest_fixture, $what: check_roundtrip.py exited $rc, expected 1:"
        sed 's/^/     /' "$tmp/self.$mode.out"
    fi
done

# ... and must notice a reading dropped without a word: the spring-gap zeros fixture
# checked against an empty convert log instead of convert's dst-gap-zero warnings.
label="self-test gap-zero-unwarned"
gap=valid_15min_spring_gap_zeros
if [ ! -s "$tmp/$gap.csv" ]; then
    bad "$label: no dump of $gap (its round trip failed above?)"
else
    : >"$tmp/empty.log"
    python3 "$checker" --tz "$(zone_of "$src/testdata/smarthub/$gap.json")" --convert-log "$tmp/empty.log" \
        "$src/testdata/smarthub/$gap.json" "$tmp/$gap.csv" >"$tmp/self.gap.out" 2>&1
    rc=$?
    if [ $rc -eq 1 ]; then
        ok "$label: $gap with no dst-gap-zero warning in the convert log: rejected" \
            "($(sed -n '2s/^  - //p' "$tmp/self.gap.out" | cut -c1-200))"
    else
        bad "$label: $gap with an empty convert log: check_roundtrip.py exited $rc, expected 1:"
        sed 's/^/     /' "$tmp/self.gap.out"
    fi
fi

finish_checks
