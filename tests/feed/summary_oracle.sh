#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `espi summary` against an independent oracle (issue 14, docs/summary-format.md).
#
# First tests/tools/check_summary.py --self-test (the oracle on a hand-computed feed, and
# doctored CSVs it must reject), and espi on the self-test's hand-computed feeds (written by
# check_summary.py --write-self-feeds: tiny, with warts no fixture may have, such as a
# reading without a value; every --per). Then testdata/summary/make.py is run into a scratch folder and
# must reproduce every committed testdata/summary/oracle_*.xml byte for byte (the fixtures are
# generated, deterministically). Then for every oracle fixture:
#   espi validate FILE                                   (exit 0, 0 errors)
#   for P in day month hour week bill:
#     espi summary --per P --format csv FILE             (exit 0)
#     check_summary.py --per P --csv OUT FILE            (every row and column equal)
#   the same with --format json and check_summary.py --json
# The columns estimated, min_demand and min_demand_start_utc are compared when espi writes
# them, and required (--require-new-columns) once docs/summary-format.md lists `estimated`.
# The fixtures: oracle_dst_spring (15-minute, America/Los_Angeles, the 23-hour 2026-03-08),
# oracle_dst_fall (15-minute, the 25-hour 2026-11-01, a month end), oracle_netmeter (hourly
# delivered with cost and received, flowDirection 1 and 19), oracle_tou (hourly, reading tou
# 1/2/3, America/New_York), oracle_gas (daily therm and m3, America/Denver, a 23-hour day),
# oracle_gaps (15-minute, America/Chicago: slots missing inside a day, across midnight and a
# month end, and a whole day), oracle_bills (UsageSummary billing periods: overlapping, one
# given twice, one starting inside a quarter hour, across the 25-hour day and month ends,
# readings before and after them, a usage point without summaries; ReadingQuality 8/9/0 and
# a ReadingType defaultQuality 9). --per bill on the other fixtures (no UsageSummary) puts
# every reading in the row of no billing period.
# Without an `espi summary` command every comparison fails: this test never skips.
# Needs bash and python3 (3.9+, standard library only); does not need ../shared.
#
# usage: ESPI=/path/to/espi ESPI_SOURCE=/path/to/source summary_oracle.sh [SHARED]
# (CTest sets ESPI and ESPI_SOURCE and passes the shared folder, unused here.)
# Prints one ok/FAIL line per check and 'N passed, N failed'; exits 1 on any failure.
set -u
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source root}"
src=$ESPI_SOURCE
oracle=$src/tests/tools/check_summary.py
dir=$src/testdata/summary
fixtures="oracle_dst_spring oracle_dst_fall oracle_netmeter oracle_tou oracle_gas oracle_gaps oracle_bills"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=../tools/testlib.sh
. "$src/tests/tools/testlib.sh"
need_tools python3

# the contract lists the columns: from then on espi must write them
require=()
# shellcheck disable=SC2016 # the backquotes are the Markdown's, not a command
if grep -q '^| `estimated`' "$src/docs/summary-format.md"; then
    require=(--require-new-columns)
fi

if python3 "$oracle" --self-test >"$tmp/self.out" 2>&1; then
    ok "check_summary.py --self-test ($(grep -c '^ok' "$tmp/self.out") checks)"
else
    bad "check_summary.py --self-test:"
    grep -v '^ok' "$tmp/self.out" | head -20 | sed 's/^/  /'
fi

# espi on the oracle's own hand-computed feeds, every --per
mkdir "$tmp/self"
if python3 "$oracle" --write-self-feeds "$tmp/self" 2>"$tmp/self.err"; then
    for f in "$tmp"/self/*.xml; do
        name=$(basename "$f")
        bad_per=""
        for per in day month hour week bill; do
            out=$tmp/self.$per.csv
            if ! "$ESPI" summary -q --per "$per" --format csv "$f" >"$out" 2>"$tmp/err"; then
                bad_per="$bad_per $per (espi summary: $(tr '\n' ' ' <"$tmp/err" | cut -c1-200))"
            elif ! python3 "$oracle" --per "$per" "${require[@]}" --csv "$out" "$f" >"$tmp/cmp" 2>&1; then
                bad_per="$bad_per $per"
                sed 's/^/  /' "$tmp/cmp" | head -10
            fi
        done
        if [ -z "$bad_per" ]; then
            ok "self-test feed $name: day month hour week bill equal"
        else
            bad "self-test feed $name:$bad_per"
        fi
    done
else
    bad "check_summary.py --write-self-feeds: $(head -c 300 "$tmp/self.err")"
fi

mkdir "$tmp/gen"
if python3 "$dir/make.py" "$tmp/gen" 2>"$tmp/gen.err"; then
    for name in $fixtures; do
        if cmp -s "$tmp/gen/$name.xml" "$dir/$name.xml"; then
            ok "make.py reproduces $name.xml"
        else
            bad "make.py does not reproduce testdata/summary/$name.xml (run testdata/summary/make.py)"
        fi
    done
    for f in "$tmp"/gen/oracle_*.xml; do
        case " $fixtures " in *" $(basename "$f" .xml) "*) ;; *) bad "make.py writes $(basename "$f"), which this test does not check" ;; esac
    done
else
    bad "testdata/summary/make.py: $(head -c 300 "$tmp/gen.err")"
fi

for name in $fixtures; do
    f=$dir/$name.xml
    if [ ! -f "$f" ]; then
        bad "$name.xml: not found in testdata/summary"
        continue
    fi
    "$ESPI" validate "$f" >"$tmp/v.out" 2>&1
    rc=$?
    if [ "$rc" -eq 0 ] && grep -q ', 0 errors' "$tmp/v.out"; then
        ok "$name.xml validates"
    else
        bad "$name.xml: espi validate exit $rc: $(grep -m3 'error' "$tmp/v.out" | tr '\n' ' ' | cut -c1-300)"
    fi
    for per in day month hour week bill; do
        out=$tmp/$name.$per.csv
        "$ESPI" summary --per "$per" --format csv "$f" >"$out" 2>"$tmp/err"
        rc=$?
        if [ "$rc" -ne 0 ]; then
            bad "$name.xml --per $per: espi summary exit $rc: $(tr '\n' ' ' <"$tmp/err" | cut -c1-300)"
            continue
        fi
        if python3 "$oracle" --per "$per" "${require[@]}" --csv "$out" "$f" >"$tmp/cmp" 2>&1; then
            ok "$name.xml --per $per: $(sed 's/^ok *[^:]*: //' "$tmp/cmp")"
        else
            bad "$name.xml --per $per:"
            sed 's/^/  /' "$tmp/cmp" | head -40
        fi
    done
    # the same rows as JSON (keys in column order, integers, exact decimals as strings, null
    # for empty: the period of the row of no billing period too)
    pers=""
    for per in day month hour week bill; do
        out=$tmp/$name.$per.json
        if ! "$ESPI" summary -q --per "$per" --format json "$f" >"$out" 2>"$tmp/err"; then
            pers="$pers $per (espi summary: $(tr '\n' ' ' <"$tmp/err" | cut -c1-200))"
        elif ! python3 "$oracle" --per "$per" "${require[@]}" --json "$out" "$f" >"$tmp/cmp" 2>&1; then
            pers="$pers $per"
            sed 's/^/  /' "$tmp/cmp" | head -20
        fi
    done
    if [ -z "$pers" ]; then
        ok "$name.xml --format json: day month hour week bill equal"
    else
        bad "$name.xml --format json:$pers"
    fi
done

finish_checks
