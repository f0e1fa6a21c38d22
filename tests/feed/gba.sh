#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Green Button Alliance's own certification tests on espi's output.
#
# Every feed `espi convert` makes from our fixtures must pass the GBA's function-block tests
# (SHARED/espi/gba-fb/gba-check.sh: the Schematron assertions of the GBA web tester, run
# with xsltproc) with the web tester's preset for what the feed holds, and
# `espi validate --profile PRESET` must find no error in it:
#   * inputs: every testdata/smarthub/**/valid_* (.json, .csv, .har: one input each; the
#     account/ fixtures are account data with no usage of their own and are skipped, saying
#     so), testdata/smarthub/bills_*.json (MONTHLY bills), each pair of resolution fixtures
#     testdata/smarthub/merge/valid_res_* of the same days together (hourly + daily,
#     15-minute + hourly), a week of 15-minute data with the bills of the same meter, and
#     SHARED/smarthub/samples/* (user_data.json, account data, skipped likewise);
#     NAME.tz beside an input names its zone (else America/Los_Angeles), NAME.args (one
#     line) gives more convert arguments;
#   * presets: per ServiceCategory of the feed's UsagePoints electricity (0), gas (1),
#     water (2); "-cost" (electricity-cost, gas-cost) when every ReadingType carries a
#     currency, as FB_12 asks of each one; a feed with cost on some ReadingTypes only is
#     run with the plain preset and the line says so;
#   * FB_04 is quadratic in the feed's size: a feed larger than GBA_MAX_BYTES (default
#     3000000) is not run through the FB tests, with a line saying so (no fixture is that
#     large today: the largest output is about 0.7 MB).
# Skipped (exit 77, with a message) without the shared folder; xsltproc is needed with it.
#
# usage: ESPI=/path/to/espi ESPI_SOURCE=/path/to/source gba.sh SHARED
# Prints one line per feed and 'N passed, N failed'; exits 1 on any failure.
set -u
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source root}"
src=$ESPI_SOURCE
shared=${1:-}
updated=2026-11-28T00:00:00Z
max_bytes=${GBA_MAX_BYTES:-3000000}
if [ -z "$shared" ] || [ ! -d "$shared" ]; then
    echo "skip: no shared folder at '${shared}': the GBA function-block tests (SHARED/espi/gba-fb) are not there"
    exit 77
fi
gba=$shared/espi/gba-fb/gba-check.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=../tools/testlib.sh
. "$src/tests/tools/testlib.sh"
need_tools xsltproc python3
if [ ! -f "$gba" ]; then
    bad "$gba not found in the shared folder"
    finish_checks
    exit 1
fi

# presets FEED: the web tester's presets for the feed, one per line; then a line "note: ..."
presets() {
    python3 - "$1" <<'EOF'
import sys
import xml.etree.ElementTree as ET
E = '{http://naesb.org/espi}'
kinds, rts, costed = set(), 0, 0
for _, el in ET.iterparse(sys.argv[1]):
    if el.tag == E + 'UsagePoint':
        k = el.findtext(E + 'ServiceCategory/' + E + 'kind')
        kinds.add(int(k) if k and k.strip().isdigit() else -1)
    elif el.tag == E + 'ReadingType':
        rts += 1
        costed += el.find(E + 'currency') is not None
    elif el.tag == E + 'IntervalReading':
        el.clear()
names = {0: 'electricity', 1: 'gas', 2: 'water'}
cost = rts > 0 and costed == rts
for k in sorted(kinds):
    if k not in names:
        print('unknown-%d' % k)
    else:
        print(names[k] + ('-cost' if cost and k != 2 else ''))
if 0 < costed < rts:
    print('note: cost on %d of %d ReadingTypes, so no cost preset (FB_12 asks it of each)' % (costed, rts))
elif cost:
    print('note: cost on every ReadingType')
else:
    print('note: no cost')
EOF
}

zone_of() {
    local tz=America/Los_Angeles
    if [ -f "${1%.*}.tz" ]; then
        tz=$(head -n 1 "${1%.*}.tz" | tr -d '[:space:]')
    fi
    printf '%s\n' "$tz"
}

# check LABEL INPUT...: convert (zone and extra arguments of the first input), then the FB
# tests and espi validate with each preset of the feed.
check() {
    local label=$1 first=$2 out err size preset note list fbout why='' extra=()
    shift
    out=$tmp/feed.$((pass + fail)).xml
    err=$tmp/convert.err
    if [ -f "${first%.*}.args" ]; then
        read -r -a extra <"${first%.*}.args"
    fi
    if ! "$ESPI" convert --tz "$(zone_of "$first")" --updated "$updated" "${extra[@]}" -o "$out" "$@" 2>"$err"; then
        bad "$label: convert failed: $(grep -v '^espi: wrote' "$err" | head -n 3 | tr '\n' ' ')"
        return
    fi
    list=$(presets "$out")
    note=$(printf '%s\n' "$list" | sed -n 's/^note: //p')
    size=$(wc -c <"$out")
    for preset in $(printf '%s\n' "$list" | grep -v '^note: '); do
        case $preset in unknown-*) why="$why ServiceCategory kind ${preset#unknown-} has no preset;"; continue ;; esac
        if ! "$ESPI" validate --profile "$preset" "$out" >"$tmp/validate.txt" 2>&1 ||
            ! grep -q ', 0 errors, ' "$tmp/validate.txt"; then
            why="$why espi validate --profile $preset: $(grep -m 3 'error:' "$tmp/validate.txt" | tr '\n' ' ');"
        fi
        if [ "$size" -gt "$max_bytes" ]; then
            echo "skip $label: FB tests ($preset) not run: the feed has $size bytes, over GBA_MAX_BYTES=$max_bytes (FB_04 is quadratic)"
            continue
        fi
        if ! fbout=$(bash "$gba" -p "$preset" "$out" 2>&1); then
            why="$why gba-check -p $preset: $(printf '%s' "$fbout" | sed "s|$out: ||" | tr '\n' ' ');"
        fi
    done
    if [ -n "$why" ]; then
        bad "$label:$why"
    else
        ok "$label: $(printf '%s\n' "$list" | grep -v '^note: ' | tr '\n' ' ')passed ($note; $size bytes)"
    fi
}

shopt -s nullglob globstar
for f in "$src"/testdata/smarthub/**/valid_*; do
    case $f in
        *.tz | *.args | *.md) continue ;;
        */account/*) echo "skip ${f#"$src"/}: account data, no usage of its own"; continue ;;
    esac
    check "${f#"$src"/}" "$f"
done
for f in "$src"/testdata/smarthub/bills_*.json; do
    check "${f#"$src"/}" "$f"
done
m=$src/testdata/smarthub/merge
check "hourly + daily of the same days" "$m/valid_res_hourly_fall.json" "$m/valid_res_daily_fall.json"
check "15-minute + hourly of the same days" "$m/valid_res_15min_june.json" "$m/valid_res_hourly_june.json"
check "15-minute week + bills of the same meter" "$src/testdata/smarthub/valid_15min_netmeter_cost_week.json" \
    "$src/testdata/smarthub/bills_netmeter_usage_cost.json"

n=0
for f in "$shared"/smarthub/samples/*.json "$shared"/smarthub/samples/*.csv; do
    case $(basename "$f") in
        user_data*) echo "skip shared/$(basename "$f"): account data, no usage of its own"; continue ;;
    esac
    check "shared/$(basename "$f")" "$f"
    n=$((n + 1))
done
[ "$n" -gt 0 ] || bad "shared samples: none in $shared/smarthub/samples"

finish_checks
