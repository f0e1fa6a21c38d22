#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench_dump.sh - the dump benchmark (not a test).
#
#   tests/bench/bench_dump.sh [SHARED_DIR] [RUNS]
#
# Builds a Release tree in build-bench/ ($ESPI_BENCH_BUILD overrides the
# folder), generates with gen_feed an hourly Green Button feed of 175,000
# readings with cost (43 MB; it stands in for the real 36 MB hourly file, whose
# TypeScript parser takes 7.2 s) and times, median of RUNS runs (default 7),
# peak memory from /usr/bin/time:
#   espi dump FILE                  (CSV, redirected to a file in the temp folder)
#   xmllint --stream --noout FILE   (parse only: the floor)
#   espi dump --format jsonl FILE   (for reference)
# Then, with 3 GiB free in the temp folder, it generates 5,000,000 readings
# (1.2 GB), dumps them once and deletes them. Targets: dump <= 1.5x xmllint,
# >= 20x faster than 7.2 s (<= 0.36 s), peak memory < 32 MiB at both sizes.
# A small feed from the same generator is first checked against the official
# ESPI 4.0 and 3.3 schemas of SHARED_DIR (default ../shared) when present.
# Without `espi dump` it still measures the generator and xmllint, then exits 1.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.."
shared=${1:-../shared}
runs=${2:-7}
build=${ESPI_BENCH_BUILD:-build-bench}
readings=175000
big_readings=5000000
ts_seconds=7.2
ts_bytes=36000000
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck source=benchlib.sh
. tests/bench/benchlib.sh
bench_build "$build"

have_dump=1
if ! "$espi" dump --help >"$work/help" 2>&1; then
    have_dump=0
    echo "error: '$espi dump --help' failed, so this build has no usable 'espi dump':"
    sed 's/^/  | /' "$work/help"
    echo "Measuring only the generator and xmllint; the script exits 1 at the end."
    echo
fi

# A feed of $2 readings into $1; reports the generator's speed.
generate() {
    run_once "$1" "$gen" --readings "$2"
    local bytes
    bytes=$(stat -c %s "$1")
    echo "  gen_feed --readings $2: $(mb "$bytes") in $secs s" \
         "($(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.0f MB/s", (s > 0 ? b / 1e6 / s : 0) }')," \
         "$(per_s "$2" "$secs") readings/s), peak $(mib "$kib")"
}

# Does a dump output of $1 rows (including $3 header rows) match $2 readings?
check_rows() {
    local rows
    rows=$(wc -l <"$1")
    if [ "$rows" -ne $(($2 + $3)) ]; then
        echo "error: $1 holds $rows lines for $2 readings (expected $(($2 + $3)))"
        exit 1
    fi
}

schema_check() {
    local check=$shared/espi/official-xsd-check.sh
    if [ ! -x "$check" ]; then
        echo "  note: $check not found; generated feeds not schema-checked"
        return
    fi
    "$gen" --readings 48 >"$work/small.xml"
    for set in espi-4.0 espi-3.3; do
        if ! "$check" -s "$set" "$work/small.xml" >"$work/xsd.log" 2>&1; then
            cat "$work/xsd.log"
            echo "error: gen_feed output is not valid under the official $set schema"
            exit 1
        fi
    done
    echo "  gen_feed --readings 48: valid under the official ESPI 4.0 and 3.3 schemas"
}

feed=$work/feed.xml
echo "espi $("$espi" --version | head -1 | cut -d' ' -f2), $(xmllint --version 2>&1 | head -1 | sed 's/.*using //')," \
     "$(nproc) cores, median of $runs runs"
echo "generator"
schema_check
generate "$feed" "$readings"
bytes=$(stat -c %s "$feed")

measure "$work/lint.out" xmllint --stream --noout "$feed"
lint_s=$secs lint_kib=$kib
echo "hourly feed, $readings readings with cost, $(mb "$bytes")" \
     "(the TypeScript parser's 7.2 s is for a $(mb "$ts_bytes") file)"
echo "  xmllint --stream --noout: $lint_s s, $(per_s "$readings" "$lint_s") readings/s," \
     "peak $(mib "$lint_kib")"

if [ "$have_dump" = 1 ]; then
    measure "$work/dump.csv" "$espi" dump "$feed"
    check_rows "$work/dump.csv" "$readings" 1
    dump_s=$secs dump_kib=$kib
    echo "  espi dump (CSV, $(mb "$(stat -c %s "$work/dump.csv")")): $dump_s s," \
         "$(per_s "$readings" "$dump_s") readings/s, peak $(mib "$dump_kib")"
    awk -v d="$dump_s" -v l="$lint_s" -v ts="$ts_seconds" -v k="$dump_kib" \
        -v r1="$(verdict "$dump_s <= 1.5 * $lint_s")" -v r2="$(verdict "$ts_seconds / $dump_s >= 20")" \
        -v r3="$(verdict "$dump_kib < 32 * 1024")" 'BEGIN {
        printf "  ratio dump / xmllint: %.2f (target <= 1.5): %s\n", d / l, r1
        printf "  speedup over %.1f s: %.1fx (target >= 20x, i.e. <= %.2f s): %s\n", ts, ts / d, ts / 20, r2
        printf "  peak memory: %.1f MiB (target < 32 MiB): %s\n", k / 1024, r3
    }'
    measure "$work/dump.jsonl" "$espi" dump --format jsonl "$feed"
    echo "  espi dump --format jsonl (reference, $(mb "$(stat -c %s "$work/dump.jsonl")")):" \
         "$secs s, $(per_s "$readings" "$secs") readings/s, peak $(mib "$kib")"
    rm -f "$work/dump.csv" "$work/dump.jsonl"
fi

avail_kib=$(df -Pk "$work" | awk 'NR == 2 { print $4 }')
if [ "$avail_kib" -lt $((3 * 1024 * 1024)) ]; then
    echo "large feed skipped: $(mib "$avail_kib") free in $work, 3 GiB needed"
else
    big=$work/big.xml
    echo "large feed, $big_readings readings with cost (one run)"
    generate "$big" "$big_readings"
    if [ "$have_dump" = 1 ]; then
        run_once "$work/big.csv" "$espi" dump "$big"
        check_rows "$work/big.csv" "$big_readings" 1
        echo "  espi dump (CSV, $(mb "$(stat -c %s "$work/big.csv")")): $secs s," \
             "$(per_s "$big_readings" "$secs") readings/s, peak $(mib "$kib")" \
             "(target < 32 MiB): $(verdict "$kib < 32 * 1024")"
    fi
    rm -f "$big" "$work/big.csv"
fi

if [ "$have_dump" = 0 ]; then
    echo
    echo "error: 'espi dump' is not available in $espi; dump figures not measured"
    exit 1
fi
