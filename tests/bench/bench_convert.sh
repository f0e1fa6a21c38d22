#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench_convert.sh - the convert benchmark of docs/performance.md (not a test).
#
#   tests/bench/bench_convert.sh [SHARED_DIR] [RUNS]
#
# Builds a Release tree in build-bench/, generates a year of 15-minute data
# of a net-metered home with cost (three channels, about 105,000 points, with
# the duplicate meterToChartData lists real responses carry, and the same
# without them), converts it with `espi convert` (its own schema check
# included) and times `xmllint --stream --noout --schema` with the official
# ESPI 4.0 schema on the output. Prints the median of RUNS runs (default 7)
# and peak memory, from /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/../.."
shared=${1:-../shared}
runs=${2:-7}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)"; exit 2; }
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench -j "$(nproc)" >/dev/null
espi=build-bench/src/cli/espi

if [ -f "$shared/espi/schemas-official/espi-4.0/espi.xsd" ]; then
    xsd=$shared/espi/schemas-official/espi-4.0/espi.xsd
    export XML_CATALOG_FILES=$shared/espi/schemas-official/catalog.xml
else
    xsd=schemas/espi.xsd
    echo "note: $shared not found; xmllint uses the bundled schemas instead of the official ones"
fi

# median SECONDS and max KiB of a command over $runs runs
measure() {
    local times=() kib=0
    for _ in $(seq "$runs"); do
        /usr/bin/time -f "%e %M" -o "$work/t" "$@" >/dev/null 2>&1
        read -r s k <"$work/t"
        times+=("$s")
        [ "$k" -gt "$kib" ] && kib=$k
    done
    local med
    med=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")
    echo "$med $kib"
}

bench() {
    local label=$1
    shift
    build-bench/tests/gen_poll "$@" >"$work/poll.json"
    "$espi" convert -q -o "$work/feed.xml" "$work/poll.json"
    local in_bytes out_bytes readings
    in_bytes=$(stat -c %s "$work/poll.json")
    out_bytes=$(stat -c %s "$work/feed.xml")
    readings=$(grep -c '<espi:IntervalReading>' "$work/feed.xml")
    read -r conv_s conv_kib < <(measure "$espi" convert -q -o "$work/feed.xml" "$work/poll.json")
    read -r lint_s lint_kib < <(measure xmllint --stream --noout --nonet --schema "$xsd" "$work/feed.xml")
    awk -v label="$label" -v in_b="$in_bytes" -v out_b="$out_bytes" -v n="$readings" \
        -v cs="$conv_s" -v ck="$conv_kib" -v ls="$lint_s" -v lk="$lint_kib" 'BEGIN {
        printf "%s\n", label
        printf "  input %.1f MB, output %.1f MB, %d readings\n", in_b / 1e6, out_b / 1e6, n
        printf "  espi convert (validation included): %.2f s, %.0f readings/s, peak %.1f MiB (%.2fx the input)\n",
               cs, n / cs, ck / 1024, ck * 1024 / in_b
        printf "  xmllint --stream --schema (official 4.0) on the output: %.2f s, peak %.1f MiB\n",
               ls, lk / 1024
        printf "  ratio convert / xmllint: %.2f (target <= 2)\n", cs / ls
    }'
}

echo "espi $("$espi" --version | head -1 | cut -d' ' -f2), $(nproc) cores, median of $runs runs"
bench "year, 15 min, 3 channels, cost, with meterToChartData duplicates" --days 365 --minutes 15
bench "year, 15 min, 3 channels, cost, without duplicates" --days 365 --minutes 15 --no-duplicates
bench "year, hourly, 1 channel, no cost" --days 365 --minutes 60 --channels 1 --no-cost --no-duplicates
