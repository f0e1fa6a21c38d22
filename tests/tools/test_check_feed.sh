#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Self-test of the oracle tests/tools/check_feed.py: it must accept espi's output for a
# fixture and reject hand-broken copies of that output (a value changed, a reading
# removed, a link href changed, a duplicated start, ...). An oracle that cannot fail
# proves nothing. The second part does the same for a feed of two inputs at two resolutions
# (hourly + daily of the same days, testdata/smarthub/merge/valid_res_*_fall.json) with its
# convert log: resolutions folded together or mislabelled, the monthly summaries off, and
# logs that do not say what the sums of the resolutions do. The third part breaks the outputs
# of the time-of-use, gas, water, stray-point and phantom fixtures, and an input whose own
# request bounds show another zone.
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

# --- two inputs, two resolutions: the channels, the monthly summaries, the convert log
hourly=$src/testdata/smarthub/merge/valid_res_hourly_fall.json
daily=$src/testdata/smarthub/merge/valid_res_daily_fall.json
if ! "$ESPI" convert --updated 2026-11-28T00:00:00Z -o "$tmp/res.xml" "$hourly" "$daily" 2>"$tmp/res.log"; then
    echo "FAIL setup: espi convert $hourly $daily"
    fail=$((fail + 1))
elif python3 "$oracle" --convert-log "$tmp/res.log" "$hourly" "$daily" "$tmp/res.xml" >"$tmp/res.ok" 2>&1; then
    echo "ok   unbroken two-resolution output and log accepted"
    pass=$((pass + 1))
else
    echo "FAIL unbroken two-resolution output rejected:"
    sed 's/^/     /' "$tmp/res.ok"
    fail=$((fail + 1))
fi

# broken_res NAME WHAT PYTHON: a copy of res.xml (WHAT=feed) or res.log (WHAT=log) changed by
# PYTHON (an expression of the text t) must make the oracle exit 1
broken_res() {
    local name=$1 what=$2 code=$3 feed=$tmp/res.xml log=$tmp/res.log
    local in=$tmp/res.xml
    [ "$what" = log ] && in=$tmp/res.log
    python3 -c "import re, sys; t = open(sys.argv[1]).read(); open(sys.argv[2], 'w').write($code)" \
        "$in" "$tmp/$name.$what"
    if cmp -s "$in" "$tmp/$name.$what"; then
        echo "FAIL $name: the edit changed nothing (test is stale)"
        fail=$((fail + 1))
        return
    fi
    if [ "$what" = log ]; then log=$tmp/$name.$what; else feed=$tmp/$name.$what; fi
    python3 "$oracle" --convert-log "$log" "$hourly" "$daily" "$feed" >"$tmp/$name.out" 2>&1
    local rc=$?
    if [ "$rc" -eq 1 ]; then
        echo "ok   $name rejected: $(sed -n 2p "$tmp/$name.out" | sed 's/^  - //' | cut -c1-150)"
        pass=$((pass + 1))
    else
        echo "FAIL $name: check_feed.py exited $rc, expected 1"
        sed 's/^/     /' "$tmp/$name.out"
        fail=$((fail + 1))
    fi
}

# the daily ReadingType says hourly
broken_res daily-interval-length feed "t.replace('<espi:intervalLength>86400<', '<espi:intervalLength>3600<')"
# the daily MeterReading points at the hourly ReadingType: one ReadingType for two resolutions
broken_res one-reading-type feed "(lambda rts: t.replace('rel=\"related\" href=\"%s\"' % rts[1], 'rel=\"related\" href=\"%s\"' % rts[0]))(list(dict.fromkeys(re.findall(r'href=\"([^\"]*/ReadingType/[^\"]*)\"', t))))"
# the daily readings written into the hourly MeterReading (its blocks' up link moved)
broken_res daily-blocks-under-hourly feed "t.replace(re.findall(r'rel=\"related\" href=\"([^\"]*/IntervalBlock)\"', t)[1], re.findall(r'rel=\"related\" href=\"([^\"]*/IntervalBlock)\"', t)[0])"
# a monthly summary's consumption 1 Wh off
broken_res summary-value-changed feed "re.sub(r'(<espi:overallConsumptionLastPeriod>(?:(?!</espi:overallConsumptionLastPeriod>).)*<espi:value>)(\d+)', lambda m: m.group(1) + str(int(m.group(2)) + 1), t, count=1, flags=re.S)"
# a monthly summary's billing period an hour early
broken_res summary-period-shifted feed "re.sub(r'(<espi:billingPeriod>\s*<espi:duration>\d+</espi:duration>\s*<espi:start>)(\d+)', lambda m: m.group(1) + str(int(m.group(2)) - 3600), t, count=1)"
# the October summary removed (the feed still has November's)
broken_res summary-removed feed "re.sub(r'  <entry>(?:(?!</entry>).)*Usage 2026-10(?:(?!</entry>).)*</entry>\n', '', t, flags=re.S)"
# a summary's bill to date off by one hundred-thousandth
broken_res summary-bill-to-date feed "re.sub(r'<espi:billToDate>(\d+)<', lambda m: '<espi:billToDate>%d<' % (int(m.group(1)) + 1), t, count=1)"
# a summary claiming revenue quality instead of derived
broken_res summary-quality feed "t.replace('<espi:qualityOfReading>11<', '<espi:qualityOfReading>19<', 1)"
# the log does not say that the sums agree
broken_res log-no-agreement log "'\n'.join(l for l in t.split('\n') if 'resolution-sum' not in l)"
# the log warns about a period whose sums agree
broken_res log-spurious-warning log "t + '%s:57: warning: resolution-sum: Energy delivered: the daily reading of 2026-11-01 00:00 local (90000 s) is 1 Wh, but the 25 hourly readings of the same period sum to 2 Wh\n' % '$daily'"

# --- time of use, gas and water, stray and phantom points, the zone (docs/smarthub.md 5.4-5.6)
# broken_fx NAME FIXTURE TZ PYTHON: espi's output for testdata/smarthub/FIXTURE.json (with
# --tz TZ), changed by PYTHON (an expression of the text t), must make the oracle exit 1
broken_fx() {
    local name=$1 fx=$2 tz=$3 code=$4
    local in=$src/testdata/smarthub/$fx.json good=$tmp/fx_$fx.xml
    if [ ! -f "$good" ] && ! "$ESPI" convert -q --tz "$tz" --updated 2026-11-28T00:00:00Z \
        -o "$good" "$in"; then
        echo "FAIL $name: espi convert $fx"
        fail=$((fail + 1))
        return
    fi
    python3 -c "import re, sys; t = open(sys.argv[1]).read(); open(sys.argv[2], 'w').write($code)" \
        "$good" "$tmp/$name.xml"
    if cmp -s "$good" "$tmp/$name.xml"; then
        echo "FAIL $name: the edit changed nothing (test is stale)"
        fail=$((fail + 1))
        return
    fi
    python3 "$oracle" --tz "$tz" "$in" "$tmp/$name.xml" >"$tmp/$name.out" 2>&1
    local rc=$?
    if [ "$rc" -eq 1 ]; then
        echo "ok   $name rejected: $(sed -n 2p "$tmp/$name.out" | sed 's/^  - //' | cut -c1-150)"
        pass=$((pass + 1))
    else
        echo "FAIL $name: check_feed.py exited $rc, expected 1"
        sed 's/^/     /' "$tmp/$name.out"
        fail=$((fail + 1))
    fi
}

# one entry of the feed whose title starts with TITLE, and the rest of the text around it
entry_of="lambda title: re.search(r'  <entry>(?:(?!</entry>).)*<title>' + re.escape(title) + r'(?:(?!</entry>).)*</entry>', t, re.S)"
# a value of the first reading of that entry changed by DELTA
bump="lambda title, delta: (lambda m: t[:m.start()] + re.sub(r'<espi:value>(-?\d+)<', lambda v: '<espi:value>%d<' % (int(v.group(1)) + delta), m.group(0), count=1) + t[m.end():])(($entry_of)(title))"

tou=valid_hourly_tou_niteflex
# the periods numbered in another order than their rate names (Off Peak 1, On Peak 2, Super Off Pk 3)
broken_fx tou-codes-swapped $tou America/New_York "t.replace('<espi:tou>1<', '<espi:tou>X<').replace('<espi:tou>2<', '<espi:tou>1<').replace('<espi:tou>X<', '<espi:tou>2<')"
# a period's ReadingType without tou: it would be a second usage channel
broken_fx tou-code-removed $tou America/New_York "t.replace('        <espi:tou>3</espi:tou>\n', '', 1)"
# a period reading changed: no longer the usage of its hour (and the periods no longer add up)
broken_fx tou-reading-changed $tou America/New_York "($bump)('Energy delivered, hourly, time of use: On Peak, 2026-09-01', 10)"
# the usage reading of an hour changed while its period keeps the input's value
broken_fx tou-usage-changed $tou America/New_York "($bump)('Energy delivered, hourly, 2026-09-02', -10)"
# the rate name gone from a period's MeterReading title
broken_fx tou-rate-not-in-title $tou America/New_York "t.replace('<title>Energy delivered, hourly, time of use: Super Off Pk</title>', '<title>Energy delivered, hourly, time of use</title>')"

gas=valid_daily_gas_ccf_cost
broken_fx gas-commodity $gas America/Denver "t.replace('<espi:commodity>7<', '<espi:commodity>1<')"
broken_fx gas-kind $gas America/Denver "t.replace('<espi:kind>58<', '<espi:kind>12<')"
broken_fx gas-uom $gas America/Denver "t.replace('<espi:uom>119<', '<espi:uom>42<', 1)"
# CCF as 100 ft3 written with multiplier 2 and the values unchanged: 100 times too much
broken_fx gas-multiplier $gas America/Denver "t.replace('<espi:powerOfTenMultiplier>0<', '<espi:powerOfTenMultiplier>2<', 1)"
broken_fx gas-value $gas America/Denver "($bump)('Gas delivered, daily, 2026-11-22', 1)"
broken_fx gas-service-kind $gas America/Denver "t.replace('<espi:kind>1</espi:kind>', '<espi:kind>0</espi:kind>', 1)"
water=valid_hourly_water_gallons
broken_fx water-multiplier $water America/Denver "t.replace('<espi:powerOfTenMultiplier>-2<', '<espi:powerOfTenMultiplier>0<', 1)"
broken_fx water-commodity $water America/Denver "t.replace('<espi:commodity>9<', '<espi:commodity>7<', 1)"
broken_fx water-uom $water America/Denver "t.replace('<espi:uom>128<', '<espi:uom>119<', 1)"
# the connect day's 10:00 hour cut to 15 minutes by the stray zero at 10:15 (espi before issue 11)
broken_fx stray-cut-hour valid_hourly_connect_day_stray_zero America/New_York "t.replace('<espi:duration>3600</espi:duration>\n            <espi:start>1787925600<', '<espi:duration>900</espi:duration>\n            <espi:start>1787925600<')"
# the spring-forward phantom dropped instead of folded into 03:00 (0.47 + 0.61 kWh)
broken_fx phantom-dropped valid_hourly_spring_phantom_folded America/Los_Angeles "t.replace('<espi:value>1080<', '<espi:value>470<')"

# an input whose own request bounds show another zone (its day starting at 04:00Z, UTC-4)
# than the one the feed was made in: espi refuses it (zone-mismatch), the oracle too
zfx=$src/testdata/smarthub/valid_daily_spring.json
python3 -c "import re, sys; t = open(sys.argv[1]).read(); open(sys.argv[2], 'w').write(re.sub(r'\"(startDateTime|endDateTime)\": (\d+)', lambda m: '\"%s\": %d' % (m.group(1), int(m.group(2)) - 3 * 3600000), t))" "$zfx" "$tmp/zone_input.json"
"$ESPI" convert -q --updated 2026-11-28T00:00:00Z -o "$tmp/zone.xml" "$zfx"
python3 "$oracle" "$tmp/zone_input.json" "$tmp/zone.xml" >"$tmp/zone.out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grep -q 'zone-mismatch' "$tmp/zone.out"; then
    echo "ok   zone-contradicted rejected: $(sed -n 2p "$tmp/zone.out" | sed 's/^  - //' | cut -c1-150)"
    pass=$((pass + 1))
else
    echo "FAIL zone-contradicted: check_feed.py exited $rc, expected 1 naming zone-mismatch"
    sed 's/^/     /' "$tmp/zone.out"
    fail=$((fail + 1))
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
