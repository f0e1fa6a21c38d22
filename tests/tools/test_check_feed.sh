#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Self-test of the oracle tests/tools/check_feed.py: it must accept espi's output for a
# fixture and reject hand-broken copies of that output (a value changed, a reading
# removed, a link href changed, a duplicated start, ...). An oracle that cannot fail
# proves nothing.
#
# usage: ESPI=/path/to/espi [ESPI_SOURCE=/path/to/source] test_check_feed.sh
# Prints one line per case and 'N passed, N failed'; exits 1 when any case fails.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=${ESPI_SOURCE:-$(cd "$here/../.." && pwd)}
: "${ESPI:?set ESPI to the espi binary}"
oracle=$here/check_feed.py
# Hourly, USAGE + COST, across the 2026-11-01 fall-back in America/Los_Angeles. Its
# repeated 01:00 hour is 0.641 kWh at 2026-11-01T08:00Z (1793520000, PDT) and
# 0.487 kWh at 09:00Z (1793523600, PST); the local day 2026-11-01 lasts 90000 s.
fixture=$src/testdata/smarthub/valid_hourly_fall_back_cost.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

if ! "$ESPI" convert -q --updated 2026-11-28T00:00:00Z -o "$tmp/good.xml" "$fixture"; then
    echo "FAIL setup: espi convert $fixture"
    echo "0 passed, 1 failed"
    exit 1
fi
if python3 "$oracle" "$fixture" "$tmp/good.xml" >"$tmp/good.log" 2>&1; then
    echo "ok   unbroken output accepted"
    pass=$((pass + 1))
else
    echo "FAIL unbroken output rejected:"
    sed 's/^/     /' "$tmp/good.log"
    fail=$((fail + 1))
fi

# broken NAME SED-ARGS...: a copy of good.xml edited by sed must make the oracle exit 1
broken() {
    local name=$1
    shift
    sed "$@" "$tmp/good.xml" >"$tmp/$name.xml"
    if cmp -s "$tmp/good.xml" "$tmp/$name.xml"; then
        echo "FAIL $name: the sed edit changed nothing (test is stale)"
        fail=$((fail + 1))
        return
    fi
    python3 "$oracle" "$fixture" "$tmp/$name.xml" >"$tmp/$name.log" 2>&1
    local rc=$?
    if [ "$rc" -eq 1 ]; then
        echo "ok   $name rejected: $(sed -n 2p "$tmp/$name.log" | sed 's/^  - //' | cut -c1-150)"
        pass=$((pass + 1))
    else
        echo "FAIL $name: check_feed.py exited $rc, expected 1"
        sed 's/^/     /' "$tmp/$name.log"
        fail=$((fail + 1))
    fi
}

# a reading's value
broken value-changed -e 's#<espi:value>641</espi:value>#<espi:value>642</espi:value>#'
# the two 01:00 hours of 2026-11-01 swapped (PDT gets the PST value and back)
broken fall-back-hours-swapped -e 's#<espi:value>641<#<espi:value>X<#; s#<espi:value>487<#<espi:value>641<#; s#<espi:value>X<#<espi:value>487<#'
# a reading's cost
broken cost-changed -E -e '0,/<espi:cost>[0-9]+</s//<espi:cost>1</'
# the reading of the second (PST) 01:00 hour removed: cost, timePeriod(4 lines), value
broken reading-removed -e '/<espi:IntervalReading>/{N;N;N;N;N;N;N;/<espi:start>1793523600</d}'
# the PST 01:00 hour moved onto the PDT one: a duplicated start
broken duplicate-start -e 's#<espi:start>1793523600</espi:start>#<espi:start>1793520000</espi:start>#'
# a reading's duration
broken duration-changed -e '0,/<espi:duration>3600</s//<espi:duration>900</'
# the MeterReading's related link to its IntervalBlocks no longer joins
broken link-href-changed -e '0,/\/IntervalBlock" type="espi-feed\/IntervalBlock"/s//\/IntervalBlocks" type="espi-feed\/IntervalBlock"/'
# the UsagePoint's link to LocalTimeParameters no longer joins
broken ltp-link-changed -e '0,/\/LocalTimeParameters\/\([0-9a-f-]*\)" type="espi-entry\/LocalTimeParameters"/s//\/LocalTimeParameters\/x\1" type="espi-entry\/LocalTimeParameters"/'
# the MeterReading loses its ReadingType link
broken readingtype-link-removed -e '/rel="related".*type="espi-entry\/ReadingType"/d'
# every cost removed while the ReadingType keeps currency 840
broken costs-removed -e '/<espi:cost>/d'
# a link without type
broken link-type-removed -e '0,/ type="espi-entry\/ReadingType"/s///'
# the 25-hour local day's block shortened to 24 hours: it no longer covers its readings
broken block-too-short -e 's#<espi:duration>90000</espi:duration>#<espi:duration>86400</espi:duration>#'
# ReadingType codes
broken flow-direction-changed -e 's#<espi:flowDirection>1</espi:flowDirection>#<espi:flowDirection>19</espi:flowDirection>#'
broken multiplier-changed -e 's#<espi:powerOfTenMultiplier>0<#<espi:powerOfTenMultiplier>3<#'
broken currency-removed -e '/<espi:currency>840<\/espi:currency>/d'
broken interval-length-changed -e 's#<espi:intervalLength>3600<#<espi:intervalLength>900<#'
# LocalTimeParameters
broken tz-offset-changed -e 's#<espi:tzOffset>-28800<#<espi:tzOffset>-25200<#'
broken dst-end-rule-changed -e 's#<espi:dstEndRule>B40E2000<#<espi:dstEndRule>B60E2000<#'
# Atom: a time with an offset instead of Z, an entry id that is not a version-5 UUID
broken published-not-utc -e '0,/<published>2026-11-28T00:00:00Z</s//<published>2026-11-28T00:00:00+00:00</'
broken id-not-v5 -E -e '1,/<entry>/!{/<id>urn:uuid:/{s/(urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-)5/\14/;:a;n;ba}}'
# an input identifier (the meter number) in a title: PII
broken meter-number-in-title -e 's#<title>Electricity service</title>#<title>Meter 88120046</title>#'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
