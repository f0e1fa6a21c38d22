#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Self-test of the oracle tests/tools/check_dump.py: it must accept the reference CSV it
# emits itself for a fixture (check_dump.py --emit-reference, which needs no espi binary),
# accept harmless variations of it (rows shuffled, a value written with trailing zeros),
# and reject hand-broken copies (a row dropped, a value changed, a duplicated row, a wrong
# unit, a wrong local offset, ...). An oracle that cannot fail proves nothing.
#
# usage: [ESPI_SOURCE=/path/to/source] test_check_dump.sh
# Needs bash and python3 (3.9+, standard library only). Prints one line per case and
# 'N passed, N failed'; exits 1 when any case fails.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=${ESPI_SOURCE:-$(cd "$here/../.." && pwd)}
oracle=$here/check_dump.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

# Main fixture: 8 hourly readings (CSV lines 2-9), Eastern LTP, USD cost, ReadingQuality.
# CSV line 2 is the reading at feed line 102: 2024-01-15T05:00:00Z, 00:00-05:00, 512 Wh,
# cost 6144; line 4 (feed line 124) has two ReadingQuality elements, 14 then 19; line 8
# (feed line 184) has the negative cost -1250.
fixture=$src/testdata/espi/valid_dump_40_prefixed.xml
dst=$src/testdata/espi/valid_dump_dst_days.xml

emit() { # emit OUT ARGS...: a reference CSV, or fail the whole self-test
    local out=$1
    shift
    if ! python3 "$oracle" --emit-reference "$@" >"$out" 2>"$tmp/emit.err"; then
        echo "FAIL setup: check_dump.py --emit-reference $*: $(head -n 3 "$tmp/emit.err")"
        echo "0 passed, 1 failed"
        exit 1
    fi
}
emit "$tmp/ref.csv" "$fixture"
emit "$tmp/dst.csv" "$dst"
emit "$tmp/dst_ny.csv" --tz America/New_York "$dst"

# accept NAME CSV ARGS...: the oracle must exit 0
accept() {
    local name=$1 csv=$2
    shift 2
    python3 "$oracle" "$@" "$csv" >"$tmp/$name.log" 2>&1
    local rc=$?
    if [ "$rc" -eq 0 ]; then
        echo "ok   $name accepted"
        pass=$((pass + 1))
    else
        echo "FAIL $name: check_dump.py exited $rc, expected 0"
        sed 's/^/     /' "$tmp/$name.log" | head -n 20
        fail=$((fail + 1))
    fi
}

# reject NAME CSV ARGS...: the oracle must exit 1 (and say why)
reject() {
    local name=$1 csv=$2
    shift 2
    python3 "$oracle" "$@" "$csv" >"$tmp/$name.log" 2>&1
    local rc=$?
    if [ "$rc" -eq 1 ]; then
        echo "ok   $name rejected: $(sed -n 2p "$tmp/$name.log" | sed 's/^  - //' | cut -c1-160)"
        pass=$((pass + 1))
    else
        echo "FAIL $name: check_dump.py exited $rc, expected 1"
        sed 's/^/     /' "$tmp/$name.log" | head -n 20
        fail=$((fail + 1))
    fi
}

# edited NAME BASE SED-ARGS...: a copy of BASE edited by sed, in $tmp/NAME.csv
edited() {
    local name=$1 base=$2
    shift 2
    sed "$@" "$base" >"$tmp/$name.csv"
    if cmp -s "$base" "$tmp/$name.csv"; then
        echo "FAIL $name: the sed edit changed nothing (test is stale)"
        fail=$((fail + 1))
        return 1
    fi
}

# broken NAME SED-ARGS...: an edited copy of ref.csv that the oracle must reject
broken() {
    local name=$1
    shift
    edited "$name" "$tmp/ref.csv" "$@" && reject "$name" "$tmp/$name.csv" "$fixture"
}

# --- the reference and harmless variations
accept reference "$tmp/ref.csv" "$fixture"
{ head -n 1 "$tmp/ref.csv"; tail -n +2 "$tmp/ref.csv" | sort -r; } >"$tmp/shuffled.csv"
accept rows-reordered "$tmp/shuffled.csv" "$fixture"
edited value-trailing-zeros "$tmp/ref.csv" -e '2s/,512,512,Wh,/,512,512.000,Wh,/' &&
    accept value-trailing-zeros "$tmp/value-trailing-zeros.csv" "$fixture"
head -n 1 "$tmp/ref.csv" >"$tmp/header-only.csv"
accept customer-header-only "$tmp/header-only.csv" "$src/testdata/espi/valid_dump_customer.xml"

# --- the five the brief asks for
broken row-dropped -e '5d'
broken value-changed -e '2s/,512,512,Wh,/,512,513,Wh,/'
broken row-duplicated -e '3p'
broken unit-wrong -e '6s/,Wh,/,kWh,/'
broken local-offset-wrong -e '2s/T00:00:00-05:00,/T00:00:00-04:00,/'

# --- more ways to be wrong
broken value-exponent -e '2s/,512,512,Wh,/,512,5.12E+2,Wh,/'
broken value-raw-changed -e '2s/,512,512,Wh,/,511,512,Wh,/'
broken power-of-ten-wrong -e '2s/,USD,19,0,/,USD,19,3,/'
broken start-utc-wrong -e '2s/2024-01-15T05:00:00Z/2024-01-15T06:00:00Z/'
broken start-local-wall-wrong -e '2s/2024-01-15T00:00:00-05:00/2024-01-15T01:00:00-05:00/'
broken start-local-missing -e '6s/,2024-07-15T00:00:00-04:00,/,,/'
broken duration-wrong -e '2s/,3600,512,/,900,512,/'
broken cost-changed -e '2s/,6144,0.06144,/,6144,0.06145,/'
broken cost-raw-changed -e '2s/,6144,0.06144,/,6145,0.06144,/'
broken cost-four-decimals -e '8s/,-0.01250,/,-0.0125,/'
broken cost-sign-lost -e '8s/,-1250,-0.01250,/,1250,0.01250,/'
broken currency-numeric -e '2s/,USD,/,840,/'
broken quality-not-first -e '4s/,USD,14,/,USD,19,/'
broken quality-missing -e '2s/,USD,19,/,USD,,/'
broken usage-point-wrong -e '2s/^urn:uuid:6f1d6a90-3c1e-5d6b-9a51-0b6f1c2d3e02/urn:uuid:6f1d6a90-3c1e-5d6b-9a51-0b6f1c2d3e99/'
broken meter-reading-empty -e '2s/,urn:uuid:6f1d6a90-3c1e-5d6b-9a51-0b6f1c2d3e03,/,,/'
broken flow-direction-wrong -e '2s/,1,12,1,4,/,1,12,19,4,/'
broken line-wrong -e '2s/,102,$/,101,/'
broken tou-invented -e '2s/,$/,1/'
broken file-wrong -e '2s#,[^,]*valid_dump_40_prefixed.xml,#,other.xml,#'
broken extra-row -e '2{p;s/2024-01-15T05:00:00Z,2024-01-15T00:00:00-05:00/2024-01-15T04:00:00Z,2024-01-14T23:00:00-05:00/}'
broken header-columns-swapped -e '1s/^usage_point,meter_reading,/meter_reading,usage_point,/'
broken crlf-line-ends -e 's/$/\r/'
broken needless-quotes -e '2s/,Wh,/,"Wh",/'
# shellcheck disable=SC2016
broken header-only -e '2,$d'

# --- time zones: the DST fixture with and without --tz
accept dst-ltp-reference "$tmp/dst.csv" "$dst"
accept dst-tz-reference "$tmp/dst_ny.csv" --tz America/New_York "$dst"
reject dst-ltp-csv-checked-with-tz "$tmp/dst.csv" --tz America/New_York "$dst"
reject dst-tz-csv-checked-without-tz "$tmp/dst_ny.csv" "$dst"
# the repeated 01:00 hour of 2024-11-03 (09:00Z) given the daylight offset
edited dst-fall-back-offset "$tmp/dst.csv" -e 's/2024-11-03T01:00:00-08:00/2024-11-03T02:00:00-07:00/' &&
    reject dst-fall-back-offset "$tmp/dst-fall-back-offset.csv" "$dst"
# spring-forward: 10:00Z given as standard time
edited dst-spring-offset "$tmp/dst.csv" -e 's/2024-03-10T03:00:00-07:00/2024-03-10T02:00:00-08:00/' &&
    reject dst-spring-offset "$tmp/dst-spring-offset.csv" "$dst"

# --- fixture-specific expectations
for f in broken_links blocks_only fractional_seconds milliseconds unknown_elements other_prefixes; do
    emit "$tmp/$f.csv" "$src/testdata/espi/valid_dump_$f.xml"
done
# a reading whose MeterReading's ReadingType is missing must not get a value or unit
edited no-readingtype-valued "$tmp/broken_links.csv" -e '4s/,55,,,660,/,55,55,Wh,660,/' &&
    reject no-readingtype-valued "$tmp/no-readingtype-valued.csv" "$src/testdata/espi/valid_dump_broken_links.xml"
# an untraced reading must not be given a usage point
edited untraced-given-usage-point "$tmp/blocks_only.csv" -e '2s/^,,/x,y,/' &&
    reject untraced-given-usage-point "$tmp/untraced-given-usage-point.csv" "$src/testdata/espi/valid_dump_blocks_only.xml"
# a fractional start (1721161584.999) must be cut, not rounded
edited fraction-rounded "$tmp/fractional_seconds.csv" -e '4s/T20:26:24Z,2024-07-16T16:26:24-04:00/T20:26:25Z,2024-07-16T16:26:25-04:00/' &&
    reject fraction-rounded "$tmp/fraction-rounded.csv" "$src/testdata/espi/valid_dump_fractional_seconds.xml"
# a millisecond start must be divided by 1000
edited milliseconds-kept "$tmp/milliseconds.csv" -e '2s/,2024-07-16T04:00:00Z,/,1721102400000,/' &&
    reject milliseconds-kept "$tmp/milliseconds-kept.csv" "$src/testdata/espi/valid_dump_milliseconds.xml"
# the decoy espi:value (999999, another namespace) in an unknown element must not be taken
edited decoy-value-taken "$tmp/unknown_elements.csv" -e '2s/,455,455,Wh,/,999999,999999,Wh,/' &&
    reject decoy-value-taken "$tmp/decoy-value-taken.csv" "$src/testdata/espi/valid_dump_unknown_elements.xml"
# the decoy x:IntervalReading of a vendor namespace must not become a row
edited decoy-reading-dumped "$tmp/other_prefixes.csv" -e '2{p;s/,310,310,Wh,/,123456,123456,Wh,/}' &&
    reject decoy-reading-dumped "$tmp/decoy-reading-dumped.csv" "$src/testdata/espi/valid_dump_other_prefixes.xml"

# --- link layouts other than ESPI's (docs/dump-format.md, "Link layouts"): each fixture's
# reference is accepted, and the rows espi dump wrote before it read the layout (readings
# without value, unit, meter reading or usage point), or joined to the wrong parent, are not
layout() { echo "$src/testdata/espi/valid_dump_layout_$1.xml"; }
for f in opower 2011 hierarchical no_links broken_reading_type href_form; do
    emit "$tmp/layout_$f.csv" "$(layout $f)"
    accept "layout-$f-reference" "$tmp/layout_$f.csv" "$(layout $f)"
done
edited opower-unjoined "$tmp/layout_opower.csv" -e '2s/,610,610,Wh,9150,0.09150,USD,,0,/,610,,,9150,0.09150,,,,/' &&
    reject opower-unjoined "$tmp/opower-unjoined.csv" "$(layout opower)"
edited 2011-no-usage-point "$tmp/layout_2011.csv" -e '2s/^urn:uuid:0b5e0c2a-2011-5d16-9a40-000000000001,/,/' &&
    reject 2011-no-usage-point "$tmp/2011-no-usage-point.csv" "$(layout 2011)"
# the register series put with the hourly one (the same instants: only the joins tell them apart)
edited hierarchical-series-mixed "$tmp/layout_hierarchical.csv" -e '5s/-000000000006,1,12,1,9,/-000000000005,1,12,1,9,/' &&
    reject hierarchical-series-mixed "$tmp/hierarchical-series-mixed.csv" "$(layout hierarchical)"
edited no-links-unscaled "$tmp/layout_no_links.csv" -e '2s/,410,0.410,Wh,/,410,,,/' &&
    reject no-links-unscaled "$tmp/no-links-unscaled.csv" "$(layout no_links)"
edited broken-reading-type-unscaled "$tmp/layout_broken_reading_type.csv" -e '2s/,700,0.700,Wh,/,700,,,/' &&
    reject broken-reading-type-unscaled "$tmp/broken-reading-type-unscaled.csv" "$(layout broken_reading_type)"
edited href-form-flow-swapped "$tmp/layout_href_form.csv" -e '4s/,1,12,19,4,/,1,12,1,4,/' &&
    reject href-form-flow-swapped "$tmp/href-form-flow-swapped.csv" "$(layout href_form)"
# one atom:entry as the root: a feed of that entry, its readings unjoined (no MeterReading)
emit "$tmp/entry_root.csv" "$src/testdata/espi/valid_dump_entry_root.xml"
accept entry-root-reference "$tmp/entry_root.csv" "$src/testdata/espi/valid_dump_entry_root.xml"
edited entry-root-valued "$tmp/entry_root.csv" -e '2s/,120,,,1800,/,120,120,Wh,1800,/' &&
    reject entry-root-valued "$tmp/entry-root-valued.csv" "$src/testdata/espi/valid_dump_entry_root.xml"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
