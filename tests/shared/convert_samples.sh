#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `espi convert` against the reference material in ../shared: every HOURLY/DAILY poll
# response in SHARED/smarthub/samples and every testdata/smarthub/valid_*.json of ours is
# converted (twice: the bytes must be the same), validated with the OFFICIAL schemas
# (SHARED/espi/official-xsd-check.sh -s espi-4.0 and -s espi-3.3, the latter requiring
# link/@type) and compared with the independent oracle tests/tools/check_feed.py.
# MONTHLY responses (billing periods: tests/feed/bills.sh checks those) and JSON files that are
# not poll responses are skipped, and the script says so.
#
# usage: ESPI=/path/to/espi ESPI_SOURCE=/path/to/source convert_samples.sh SHARED
# Exit 77 (skip) when SHARED does not exist; otherwise one line per file,
# 'N passed, N failed' and exit 1 on any failure.
set -u
shared=${1:-}
if [ -z "$shared" ] || [ ! -d "$shared" ]; then
    echo "SKIP: ../shared not found (${shared:-no folder given})"
    exit 77
fi
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source root}"
src=$ESPI_SOURCE
oracle=$src/tests/tools/check_feed.py
xsdcheck=$shared/espi/official-xsd-check.sh
updated=2026-11-28T00:00:00Z
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
skipped=0

# shellcheck source=../tools/testlib.sh
. "$src/tests/tools/testlib.sh"
need_tools python3 xmllint
if [ ! -f "$xsdcheck" ]; then
    echo "FAIL: $xsdcheck not found"
    echo "0 passed, 1 failed"
    exit 1
fi

# timeframe FILE: HOURLY, DAILY, MONTHLY (the first USAGE entry's) or NOT-A-POLL
timeframe() {
    python3 - "$1" <<'EOF'
import json, sys
try:
    doc = json.load(open(sys.argv[1], encoding='utf-8'))
    entries = doc['data']['ELECTRIC'] if doc.get('status') == 'COMPLETE' else []
    frames = [e.get('timeFrame') for e in entries if e.get('type') == 'USAGE']
    print(frames[0] if frames else 'NOT-A-POLL')
except Exception:
    print('NOT-A-POLL')
EOF
}

# check LABEL FILE TZ: convert twice, official XSD 4.0 and 3.3, oracle, espi validate
check() {
    local label=$1 f=$2 tz=$3 name why rc set
    name=$(basename "$f" .json)
    local out1=$tmp/$name.1.xml out2=$tmp/$name.2.xml
    why=
    "$ESPI" convert --tz "$tz" --updated "$updated" -o "$out1" "$f" 2>"$tmp/$name.err"
    rc=$?
    if [ $rc -ne 0 ]; then
        why="convert exited $rc: $(grep -v '^espi: wrote' "$tmp/$name.err" | head -n 3 | tr '\n' ' ')"
    else
        "$ESPI" convert --tz "$tz" --updated "$updated" -o "$out2" "$f" 2>/dev/null
        rc=$?
        if [ $rc -ne 0 ]; then
            why="second convert exited $rc"
        elif ! cmp -s "$out1" "$out2"; then
            why="two conversions differ: $(cmp "$out1" "$out2" 2>&1 | head -n 1)"
        fi
    fi
    if [ -z "$why" ]; then
        why=$(official_why "$xsdcheck" "$out1" "$tmp/$name")
    fi
    if [ -z "$why" ] && ! python3 "$oracle" --tz "$tz" "$f" "$out1" >"$tmp/$name.oracle" 2>&1; then
        why="check_feed.py:"$'\n'"$(sed 's/^/     /' "$tmp/$name.oracle")"
    fi
    if [ -z "$why" ] && { ! "$ESPI" validate --espi 3.3 "$out1" >"$tmp/$name.validate" 2>&1 ||
        ! grep -q ', 0 errors, 0 warnings, ' "$tmp/$name.validate"; }; then
        why="espi validate finds errors or warnings:"$'\n'"$(sed 's/^/     /' "$tmp/$name.validate" | head -n 8)"
    fi
    if [ -z "$why" ]; then
        echo "ok   $label/$name ($tz): espi-4.0, espi-3.3, oracle, espi validate clean, deterministic"
        pass=$((pass + 1))
    else
        echo "FAIL $label/$name ($tz): $why"
        fail=$((fail + 1))
    fi
}

shopt -s nullglob
samples=("$shared"/smarthub/samples/*.json)
if [ ${#samples[@]} -eq 0 ]; then
    echo "FAIL: no JSON samples in $shared/smarthub/samples"
    fail=$((fail + 1))
fi
for f in "${samples[@]}"; do
    frame=$(timeframe "$f")
    case $frame in
        HOURLY|DAILY) check samples "$f" America/Los_Angeles ;;
        MONTHLY)
            echo "skip samples/$(basename "$f" .json): MONTHLY billing periods (summaries, checked by tests/feed/bills.sh)"
            skipped=$((skipped + 1)) ;;
        *)
            echo "skip samples/$(basename "$f" .json): not a COMPLETE poll response"
            skipped=$((skipped + 1)) ;;
    esac
done

for f in "$src"/testdata/smarthub/valid_*.json; do
    tz=America/Los_Angeles
    if [ -f "${f%.json}.tz" ]; then
        tz=$(head -n 1 "${f%.json}.tz" | tr -d '[:space:]')
    fi
    check testdata "$f" "$tz"
done

echo "$pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ]
