#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench_report.sh - the report benchmark (not a test).
#
#   tests/bench/bench_report.sh [SHARED_DIR] [RUNS]
#
# Builds a Release tree in build-bench/ ($ESPI_BENCH_BUILD overrides the
# folder) and generates with gen_feed --channels 3 --interval 900 a year of
# 15-minute readings on three channels of one usage point (2010, Pacific
# time): delivered energy with cost and received energy (solar, no cost),
# 35,040 readings each, and the delivered energy again at hourly resolution
# (8,760 readings, each the sum of its hour), which the report must not add
# in a second time: 78,840 readings, 16.7 MB. It times, median of RUNS runs
# (default 7), wall clock and CPU (user + system; readings/s are per CPU
# second), peak memory from /usr/bin/time:
#   espi dump FILE                            (CSV, to a file in the temp folder)
#   espi report FILE -o out.html              (totals, report XML, bundled XSLT)
#   espi report --format xml FILE -o out.xml  (the totals without the XSLT)
#   espi summary --per day --format csv FILE  (for reference)
# and checks that the page has one daily bar per day and that its headline
# total is espi summary's total of the 15-minute delivered channel alone.
# Target (issue 14): report <= 1.5 x dump, judged on CPU time (on a shared
# machine the wall clock also counts the waits for a core).
# Then, with 3 GiB free in the temp folder, the same shape over 6 and over 60
# years (100 MB and 1.0 GB): dump, report --format xml and report once each,
# peak memory compared; each file is deleted after use. ESPI_BENCH_LARGE=0
# leaves the large feeds out.
# A small feed from the same generator is first checked with espi validate
# and, when SHARED_DIR (default ../shared) has them, the official ESPI 4.0
# and 3.3 schemas.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.."
shared=${1:-../shared}
runs=${2:-7}
build=${ESPI_BENCH_BUILD:-build-bench}
per_year=35040 # 15-minute readings of 2010, per channel
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck source=benchlib.sh
. tests/bench/benchlib.sh
bench_build "$build"

if ! "$espi" report --help >"$work/help" 2>&1; then
    echo "error: '$espi report --help' failed, so this build has no usable 'espi report':"
    sed 's/^/  | /' "$work/help"
    exit 1
fi

# A year or more of the three channels: N 15-minute readings per channel.
generate() {
    "$gen" --channels 3 --interval 900 --readings "$2" >"$1"
}

# All readings of a feed of N 15-minute readings per channel.
readings_of() { echo $(($1 * 2 + ($1 * 900 + 3599) / 3600)); }

# timed OUT CMD...: benchlib's measure (median wall secs, highest peak kib),
# and in cpu the median user + system seconds of the same runs, to the
# millisecond: bash's `times` after CMD (on a shared machine the wall clock
# also counts waiting for a core; the CPU time does not). /usr/bin/time's
# peak is that of its child or of the child's children, whichever is larger.
timed() {
    local out=$1
    shift
    : >"$work/cpu"
    # shellcheck disable=SC2016 # expanded by the inner bash
    measure "$out" bash -c '"$@"; rc=$?; times >"$0.t"; tail -1 "$0.t" >>"$0"; exit $rc' "$work/cpu" "$@"
    cpu=$(awk '{ for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); c += t[1] * 60 + t[2] }
                 printf "%.3f\n", c; c = 0 }' "$work/cpu" | sort -n | sed -n "$(((runs + 1) / 2))p")
}

# once OUT CMD...: one run, as timed.
once() {
    local saved=$runs
    runs=1
    timed "$@"
    runs=$saved
}

line() { # LABEL READINGS: the figures of the last timed run (readings per CPU second)
    echo "  $1: $secs s (CPU $cpu s), $(per_s "$2" "$cpu") readings/s, peak $(mib "$kib")"
}

check_feed() {
    generate "$work/small.xml" 192
    if ! "$espi" validate "$work/small.xml" >"$work/val.log" 2>&1 ||
        ! grep -q " 0 errors, 0 warnings" "$work/val.log"; then
        cat "$work/val.log"
        echo "error: gen_feed --channels 3 output is not clean under espi validate"
        exit 1
    fi
    echo "  gen_feed --channels 3 --readings 192: $(sed 's/^[^:]*: //' "$work/val.log")"
    local check=$shared/espi/official-xsd-check.sh
    if [ ! -x "$check" ]; then
        echo "  note: $check not found; generated feeds not schema-checked"
        return
    fi
    for set in espi-4.0 espi-3.3; do
        if ! "$check" -s "$set" "$work/small.xml" >"$work/xsd.log" 2>&1; then
            cat "$work/xsd.log"
            echo "error: gen_feed --channels 3 output is not valid under the official $set schema"
            exit 1
        fi
    done
    echo "  and valid under the official ESPI 4.0 and 3.3 schemas"
}

# The page of $1 has $2 daily bars, and the headline total of report XML $3
# is summary CSV $4's total of the delivered channel drawn, not of both
# resolutions.
check_report() {
    local bars mr headline drawn both
    bars=$(grep -o '<rect class="bar-day"' "$1" | wc -l)
    [ "$bars" -eq "$2" ] || { echo "error: $1 has $bars daily bars, $2 days expected"; exit 1; }
    mr=$(grep -o '<channel role="delivered" meterReading="[^"]*"' "$3" | sed 's/.*="//; s/"$//')
    headline=$(grep -o '<headline [^>]*' "$3" | sed 's/.* delivered="//; s/".*//')
    # the summary's values are in Wh (gen_feed's unit), the report's in kWh
    read -r drawn both < <(awk -F, -v mr="$mr" 'NR > 1 && $5 == 1 && $12 == "Wh" {
        all += $11; if ($2 == mr) d += $11 } END { printf "%.3f %.3f\n", d / 1000, all / 1000 }' "$4")
    if [ "$headline" != "$drawn" ]; then
        echo "error: report headline $headline kWh, espi summary's delivered channel $drawn kWh" \
             "(both resolutions: $both)"
        exit 1
    fi
    echo "  checked: $bars daily bars; headline $headline kWh = espi summary's 15-minute" \
         "channel (both resolutions would give $both)"
}

echo "espi $("$espi" --version | head -1 | cut -d' ' -f2), $(nproc) cores," \
     "load $(cut -d' ' -f1-3 /proc/loadavg), median of $runs runs"
echo "generator"
check_feed

feed=$work/year.xml
generate "$feed" "$per_year"
n=$(readings_of "$per_year")
echo "a year, 3 channels (2 x $per_year at 15 min + $((per_year / 4)) hourly = $n readings)," \
     "$(mb "$(stat -c %s "$feed")")"
timed "$work/dump.csv" "$espi" dump "$feed"
dump_s=$secs dump_cpu=$cpu
line "espi dump (CSV, $(mb "$(stat -c %s "$work/dump.csv")"))" "$n"
rm -f "$work/dump.csv"
timed "$work/stdout" "$espi" report "$feed" -o "$work/out.html"
html_s=$secs html_cpu=$cpu
line "espi report (HTML, $(mb "$(stat -c %s "$work/out.html")"))" "$n"
timed "$work/stdout" "$espi" report --format xml "$feed" -o "$work/out.xml"
xml_s=$secs xml_cpu=$cpu
line "espi report --format xml ($(mb "$(stat -c %s "$work/out.xml")"))" "$n"
timed "$work/day.csv" "$espi" summary --per day --format csv "$feed"
line "espi summary --per day --format csv ($(($(wc -l <"$work/day.csv") - 1)) rows)" "$n"
check_report "$work/out.html" 365 "$work/out.xml" "$work/day.csv"
awk -v h="$html_s" -v hc="$html_cpu" -v x="$xml_s" -v xc="$xml_cpu" -v d="$dump_s" \
    -v dc="$dump_cpu" -v r="$(verdict "$html_cpu <= 1.5 * $dump_cpu")" 'BEGIN {
    printf "  ratio report / dump: %.2f wall, %.2f CPU (target <= 1.5, on CPU): %s\n", h / d, hc / dc, r
    printf "  ratio report --format xml / dump: %.2f wall, %.2f CPU (reference)\n", x / d, xc / dc
    printf "  the XSLT and HTML output: %.3f s wall, %.2f s CPU\n", h - x, hc - xc
}'
rm -f "$feed" "$work/out.html" "$work/out.xml" "$work/day.csv"

avail_kib=$(df -Pk "$work" | awk 'NR == 2 { print $4 }')
if [ "${ESPI_BENCH_LARGE:-1}" = 0 ]; then
    echo "large feeds skipped (ESPI_BENCH_LARGE=0)"
    exit 0
elif [ "$avail_kib" -lt $((3 * 1024 * 1024)) ]; then
    echo "large feeds skipped: $(mib "$avail_kib") free in $work, 3 GiB needed"
    exit 0
fi
for years in 6 60; do
    big=$work/big.xml
    generate "$big" $((years * per_year))
    n=$(readings_of $((years * per_year)))
    echo "$years years, 3 channels, $n readings, $(mb "$(stat -c %s "$big")") (one run each)"
    once "$work/big.csv" "$espi" dump "$big"
    line "espi dump" "$n"
    rm -f "$work/big.csv"
    once "$work/stdout" "$espi" report --format xml "$big" -o "$work/big.out.xml"
    line "espi report --format xml ($(mb "$(stat -c %s "$work/big.out.xml")"))" "$n"
    rm -f "$work/big.out.xml"
    once "$work/stdout" "$espi" report "$big" -o "$work/big.html"
    line "espi report (HTML, $(mb "$(stat -c %s "$work/big.html")"))" "$n"
    rm -f "$big" "$work/big.html"
done
