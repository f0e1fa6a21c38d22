#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Bills: a MONTHLY poll response becomes one UsageSummary per closed billing period, right.
#
# For every testdata/smarthub/bills_*.json and, when the shared folder is there, every
# SHARED/smarthub/samples/poll_*.json whose timeFrame is MONTHLY (time zone from NAME.tz, one
# line, else America/Los_Angeles):
#   espi convert --tz TZ --updated 2026-11-28T00:00:00Z -o NAME.xml INPUT     (exit 0)
#   espi validate NAME.xml and espi validate --espi 3.3 NAME.xml             (0 errors, 0 warnings)
#   SHARED/espi/official-xsd-check.sh -s espi-4.0 and -s espi-3.3 NAME.xml    (when SHARED is there)
#   espi dump --what summaries NAME.xml > NAME.csv                            (exit 0, no warning)
# then tests/tools/check_bills.py compares the CSV (and, for the open cycle's consumption,
# the feed) with the JSON: every closed billing period exactly once, with its UTC start
# (the co-op's wall clock resolved in the zone with Python's zoneinfo), duration, Wh (exact
# decimal kWh sums), bill in hundred-thousandths, currency; the open "Dec 9999" cycle's
# consumption and cost to date on the newest period; nothing else.
# The fixtures: bills_netmeter_usage_cost.json (the net meter of
# valid_15min_netmeter_cost_week.json, USAGE + COST, four closed periods: two around the
# spring-forward day, one starting 2026-03-08, and one 2026-10-15 to 2026-11-14 across the
# fall-back day; generation and net series must stay out of the bills),
# bills_two_meters_usage_only.json (no COST, two delivered meters summed, a null and a
# float-noise kWh). (open_cycle_only.json, the open cycle and no bill, is refused: a CLI case.)
# Last, check_bills.py --self-test must reject doctored dumps of bills_netmeter_usage_cost
# (1 Wh off, a row removed, a start shifted an hour, a bill and a bill to date off by one
# hundred-thousandth, the open cycle's consumption off by 1 Wh in the feed).
# Needs bash, python3 (3.9+, standard library only), the espi binary, and xmllint when the
# shared folder is given.
#
# usage: ESPI=/path/to/espi ESPI_SOURCE=/path/to/source bills.sh [SHARED]
# (CTest sets ESPI and ESPI_SOURCE and passes the shared folder.)
# Prints one line per input and 'N passed, N failed'; exits 1 on any failure.
set -u
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source root}"
src=$ESPI_SOURCE
shared=${1:-}
checker=$src/tests/tools/check_bills.py
updated=2026-11-28T00:00:00Z
selftest_fixture=bills_netmeter_usage_cost
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=../tools/testlib.sh
. "$src/tests/tools/testlib.sh"
need_tools python3
have_shared=no
if [ -n "$shared" ] && [ -d "$shared" ]; then
    have_shared=yes
    need_tools xmllint
    xsdcheck=$shared/espi/official-xsd-check.sh
    if [ ! -f "$xsdcheck" ]; then
        bad "$xsdcheck not found"
        finish_checks
        exit 1
    fi
fi

zone_of() {
    local tz=America/Los_Angeles
    if [ -f "${1%.json}.tz" ]; then
        tz=$(head -n 1 "${1%.json}.tz" | tr -d '[:space:]')
    fi
    printf '%s\n' "$tz"
}

# is_monthly FILE: the file is a COMPLETE poll response with a MONTHLY entry
is_monthly() {
    python3 - "$1" <<'EOF'
import json, sys
try:
    doc = json.load(open(sys.argv[1], encoding='utf-8'))
    entries = doc['data']['ELECTRIC'] if doc.get('status') == 'COMPLETE' else []
    sys.exit(0 if any(e.get('timeFrame') == 'MONTHLY' for e in entries) else 1)
except Exception:
    sys.exit(1)
EOF
}

# validate_clean FEED OUT [--espi 3.3]: espi validate exits 0 with 0 errors, 0 warnings
validate_clean() {
    local feed=$1 out=$2
    shift 2
    "$ESPI" validate "$@" "$feed" >"$out" 2>&1 && grep -q ', 0 errors, 0 warnings, ' "$out"
}

# bills LABEL INPUT: convert, validate, official schemas, dump, check; one output line.
bills() {
    local label=$1 f=$2 tz rc why='' base set
    tz=$(zone_of "$f")
    base=$tmp/${label//\//_}
    "$ESPI" convert --tz "$tz" --updated "$updated" -o "$base.xml" "$f" 2>"$base.convert.err"
    rc=$?
    if [ $rc -ne 0 ]; then
        why="convert exited $rc: $(grep -v '^espi: wrote' "$base.convert.err" | head -n 3 | tr '\n' ' ')"
    elif ! validate_clean "$base.xml" "$base.validate"; then
        why="espi validate of convert's own feed is not clean:"$'\n'"$(sed 's/^/     /' "$base.validate" | head -n 8)"
    elif ! validate_clean "$base.xml" "$base.validate33" --espi 3.3; then
        why="espi validate --espi 3.3 of convert's own feed is not clean:"$'\n'"$(sed 's/^/     /' "$base.validate33" | head -n 8)"
    fi
    if [ -z "$why" ] && [ "$have_shared" = yes ]; then
        why=$(official_why "$xsdcheck" "$base.xml" "$base")
    fi
    if [ -z "$why" ]; then
        "$ESPI" dump --what summaries "$base.xml" >"$base.csv" 2>"$base.dump.err"
        rc=$?
        if [ $rc -ne 0 ]; then
            why="dump exited $rc: $(head -n 3 "$base.dump.err" | tr '\n' ' ')"
        elif grep -q 'warning:' "$base.dump.err"; then
            why="dump warned on convert's own feed: $(grep -m 3 'warning:' "$base.dump.err" | tr '\n' ' ')"
        elif ! python3 "$checker" --tz "$tz" --feed "$base.xml" "$f" "$base.csv" >"$base.check" 2>&1; then
            why="check_bills.py:"$'\n'"$(sed 's/^/     /' "$base.check")"
        fi
    fi
    if [ -z "$why" ]; then
        ok "$label ($tz): $(sed -n '1s/^check_bills: OK [^[]*\[[^]]*\]: //p' "$base.check")"
    else
        bad "$label ($tz): $why"
    fi
}

shopt -s nullglob
fixtures=("$src"/testdata/smarthub/bills_*.json)
if [ ${#fixtures[@]} -eq 0 ]; then
    bad "no testdata/smarthub/bills_*.json under $src"
fi
for f in "${fixtures[@]}"; do
    bills "$(basename "$f" .json)" "$f"
done

if [ "$have_shared" = yes ]; then
    n=0
    for f in "$shared"/smarthub/samples/poll_*.json; do
        if is_monthly "$f"; then
            bills "shared/$(basename "$f" .json)" "$f"
            n=$((n + 1))
        fi
    done
    if [ $n -eq 0 ]; then
        bad "shared samples: no MONTHLY poll_*.json in $shared/smarthub/samples"
    fi
else
    echo "skip shared samples: no shared folder at '${shared}' (MONTHLY SHARED/smarthub/samples/poll_*.json and the official schemas not checked)"
fi

# The checker must be able to fail: doctored copies of one fixture's dump and feed.
self_base=$tmp/$selftest_fixture
if [ ! -s "$self_base.csv" ]; then
    bad "self-test: no dump of $selftest_fixture to doctor (its check failed above?)"
else
    python3 "$checker" --self-test --tz "$(zone_of "$src/testdata/smarthub/$selftest_fixture.json")" \
        --feed "$self_base.xml" "$src/testdata/smarthub/$selftest_fixture.json" "$self_base.csv" \
        >"$tmp/self.out" 2>&1
    rc=$?
    # its lines, indented but for its checks: those of the self-test modes counted here
    passed_before=$pass failed_before=$fail
    while IFS= read -r l || [ -n "$l" ]; do
        case $l in
            "ok   self-test "*) ok "${l#ok   }" ;;
            "FAIL self-test "*) bad "${l#FAIL }" ;;
            "ok   "* | "FAIL "*) printf '%s\n' "$l" ;;
            *) printf '     %s\n' "$l" ;;
        esac
    done <"$tmp/self.out"
    modes_ok=$((pass - passed_before)) modes_failed=$((fail - failed_before))
    if [ $rc -ne 0 ] && [ "$modes_failed" -eq 0 ]; then
        bad "self-test: check_bills.py --self-test exited $rc"
    elif [ $rc -eq 0 ] && [ "$modes_ok" -eq 0 ]; then
        bad "self-test: check_bills.py --self-test ran no mode"
    fi
fi

finish_checks
