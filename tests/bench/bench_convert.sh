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
# ESPI 4.0 schema on the output, and `espi validate` on it, in turn (on a
# shared machine all then see the same load). Prints the median of RUNS runs of each (default
# 7), the best run of each, and peak memory, from /usr/bin/time. ESPI_BENCH_BUILD overrides the
# build folder (default build-bench).
set -euo pipefail
cd "$(dirname "$0")/../.."
shared=${1:-../shared}
runs=${2:-7}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)"; exit 2; }
build=${ESPI_BENCH_BUILD:-build-bench}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
espi=$build/src/cli/espi

if [ -f "$shared/espi/schemas-official/espi-4.0/espi.xsd" ]; then
    xsd=$shared/espi/schemas-official/espi-4.0/espi.xsd
    export XML_CATALOG_FILES=$shared/espi/schemas-official/catalog.xml
else
    xsd=schemas/espi.xsd
    echo "note: $shared not found; xmllint uses the bundled schemas instead of the official ones"
fi

# one timed run of a command: "SECONDS KIB" appended to the file $1. The wall time is
# taken around /usr/bin/time to the microsecond (its own %e has 10 ms steps, a third of the
# hourly case); the peak memory is its %M.
timed() {
    local log=$1 t0 t1
    shift
    t0=$(date +%s%N)
    /usr/bin/time -f "%M" -o "$work/t" "$@" >/dev/null 2>&1
    t1=$(date +%s%N)
    awk -v us="$(((t1 - t0) / 1000))" -v kib="$(tail -1 "$work/t")" \
        'BEGIN { printf "%.6f %s\n", us / 1e6, kib }' >>"$log"
}

# median SECONDS, max KiB and best SECONDS of the runs logged in $1
summarize() {
    local med kib best
    med=$(cut -d' ' -f1 "$1" | sort -n | sed -n "$(((runs + 1) / 2))p")
    kib=$(cut -d' ' -f2 "$1" | sort -n | tail -1)
    best=$(cut -d' ' -f1 "$1" | sort -n | head -1)
    echo "$med $kib $best"
}

bench() {
    local label=$1
    shift
    "$build/tests/gen_poll" "$@" >"$work/poll.json"
    "$espi" convert -q -o "$work/feed.xml" "$work/poll.json"
    local in_bytes out_bytes readings
    in_bytes=$(stat -c %s "$work/poll.json")
    out_bytes=$(stat -c %s "$work/feed.xml")
    readings=$(grep -c '<espi:IntervalReading>' "$work/feed.xml")
    : >"$work/conv"
    : >"$work/lint"
    : >"$work/valid"
    for _ in $(seq "$runs"); do
        timed "$work/conv" "$espi" convert -q -o "$work/feed.xml" "$work/poll.json"
        timed "$work/lint" xmllint --stream --noout --nonet --schema "$xsd" "$work/feed.xml"
        timed "$work/valid" "$espi" validate -q "$work/feed.xml"
    done
    read -r conv_s conv_kib conv_best < <(summarize "$work/conv")
    read -r lint_s lint_kib lint_best < <(summarize "$work/lint")
    read -r valid_s valid_kib _ < <(summarize "$work/valid")
    awk -v label="$label" -v in_b="$in_bytes" -v out_b="$out_bytes" -v n="$readings" \
        -v cs="$conv_s" -v ck="$conv_kib" -v ls="$lint_s" -v lk="$lint_kib" \
        -v cb="$conv_best" -v lb="$lint_best" -v vs="$valid_s" -v vk="$valid_kib" 'BEGIN {
        printf "%s\n", label
        printf "  input %.1f MB, output %.1f MB, %d readings\n", in_b / 1e6, out_b / 1e6, n
        printf "  espi convert (validation included): %.3f s, %.0f readings/s, peak %.1f MiB (%.2fx the input)\n",
               cs, n / cs, ck / 1024, ck * 1024 / in_b
        printf "  xmllint --stream --schema (official 4.0) on the output: %.3f s, peak %.1f MiB\n",
               ls, lk / 1024
        printf "  ratio convert / xmllint: %.2f (target <= 1.2, issue 15)\n", cs / ls
        printf "  best runs: convert %.3f s, xmllint %.3f s, ratio %.2f (on a shared machine the\n", cb, lb, cb / lb
        printf "    best is the run other work disturbed least)\n"
        printf "  espi validate (schema and rules) on the output: %.3f s, peak %.1f MiB\n", vs, vk / 1024
    }'
}

echo "espi $("$espi" --version | head -1 | cut -d' ' -f2), $(nproc) cores, median of $runs runs," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg)"
bench "year, 15 min, 3 channels, cost, with meterToChartData duplicates" --days 365 --minutes 15
bench "year, 15 min, 3 channels, cost, without duplicates" --days 365 --minutes 15 --no-duplicates
# not issue 15's case: in a 40 ms run, starting espi and syncing the output weigh
bench "year, hourly, 1 channel, no cost (a small file)" --days 365 --minutes 60 --channels 1 \
    --no-cost --no-duplicates
