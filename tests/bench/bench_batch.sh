#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench_batch.sh - the batch benchmark of docs/performance.md, "Batch at co-op scale"
# (not a test; tests/scale/bench_batch_smoke.sh runs it at a tiny size).
#
#   tests/bench/bench_batch.sh
#
# Generates with gen_poll two sets of SmartHub poll responses, one file per account, each
# its own account, service location and meter (and numbers of its own), one channel of
# 15-minute usage with cost, and the duplicate meterToChartData lists real responses carry:
#   day:  ACCOUNTS_DAY accounts (default 2000) with a day each (a nightly download)
#   year: ACCOUNTS_YEAR accounts (default 200) with YEAR_DAYS days each (default 365)
# and converts each set three ways, every output to OUT/NAME.xml, all with the same fixed
# --updated so that the bytes do not depend on the clock:
#   (a) a shell loop of single `espi convert -o OUT/NAME.xml FILE` calls
#   (b) espi convert --output-dir OUT --files-from LIST         (one process; -j 1 when
#       this espi has -j)
#   (c) espi convert --output-dir OUT -j JOBS --files-from LIST (JOBS default 2; "not
#       available" when `espi convert --help` shows no -j)
# For each: wall seconds (median of RUNS runs, default 1), accounts per second, peak memory
# (/usr/bin/time %M: for (a) the largest single process). Checks that the outputs of (a),
# (b) and (c) are byte for byte the same, one per account; gives (b)/(a) and (c)/(a)
# (target for (c): at least 3) and the time 40,000 accounts would take, extrapolated
# linearly from the measured rates (and, when YEAR_DAYS is not 365, in the days too).
# Ends with the rows of the table in docs/performance.md.
#
# Environment: ACCOUNTS_DAY, ACCOUNTS_YEAR, YEAR_DAYS, JOBS, RUNS as above; ESPI (an espi
# binary to use: no build; gen_poll is then GEN_POLL, or tests/gen_poll of the same build
# tree); else a Release tree is built in ESPI_BENCH_BUILD (default build-bench).
# The inputs are written to, and read from, the temp folder ($TMPDIR): they are in the page
# cache for every run. The full size needs about 9 GiB free there (checked first).
# Exit 0 when the outputs agree (whether or not the target is met), 1 otherwise.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.."
accounts_day=${ACCOUNTS_DAY:-2000}
accounts_year=${ACCOUNTS_YEAR:-200}
year_days=${YEAR_DAYS:-365}
jobs=${JOBS:-2}
runs=${RUNS:-1}
build=${ESPI_BENCH_BUILD:-build-bench}
updated=2026-11-28T10:00:00Z
target=40000 # accounts of the co-op (issue 15)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck source=benchlib.sh
. tests/bench/benchlib.sh

command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)"; exit 2; }
if [ -n "${ESPI:-}" ]; then
    espi=$ESPI
    gen=${GEN_POLL:-$(dirname "$ESPI")/../../tests/gen_poll}
else
    if ! { cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release &&
           cmake --build "$build" -j "$(nproc)" --target espi gen_poll; } >"$work/build.log" 2>&1; then
        tail -30 "$work/build.log"
        echo "error: the Release build in $build/ failed (log above)"
        exit 1
    fi
    espi=$build/src/cli/espi
    gen=$build/tests/gen_poll
fi
for tool in "$espi" "$gen"; do
    [ -x "$tool" ] || { echo "error: $tool is not an executable (set ESPI and GEN_POLL)"; exit 2; }
done

# Does this espi take -j? (The help is saved first: grep -q would cut the pipe.)
"$espi" convert --help >"$work/help" 2>&1
if grep -qE -- '(^|[[:space:],])-j([[:space:],]|$)|--jobs' "$work/help"; then
    has_j=1 one_thread=(-j 1)
else
    has_j=0 one_thread=()
fi

# About 43 kB of input and 35 kB of output per account-day, and a margin; (a) is kept
# while (b) or (c) is compared with it. The sets run one after the other.
need_kib=$(((accounts_day > accounts_year * year_days ? accounts_day : accounts_year * year_days) * 130))
avail_kib=$(df -Pk "$work" | awk 'NR == 2 { print $4 }')
if [ "$avail_kib" -lt "$need_kib" ]; then
    echo "error: $(mib "$avail_kib") free in $work, about $(mib "$need_kib") needed" \
         "(set TMPDIR, or smaller ACCOUNTS_DAY, ACCOUNTS_YEAR)"
    exit 2
fi

# generate DIR COUNT DAYS START FIRST: COUNT accounts numbered from FIRST, DAYS days each
# from START, DIR/NAME.json each and DIR.list listing them.
generate() {
    local dir=$1 count=$2 days=$3 start=$4 first=$5 i n
    mkdir -p "$dir"
    : >"$dir.list"
    for ((i = first; i < first + count; i++)); do
        n=$(printf '%08d' "$i")
        "$gen" --days "$days" --start "$start" --channels 1 --seed "$i" \
            --account "44$n" --location "71$n" --meter "88$n" >"$dir/44$n.json"
        echo "$dir/44$n.json" >>"$dir.list"
    done
}

# One espi convert per file, as a shell script over a list would run it.
# shellcheck disable=SC2016 # expanded by the inner bash
loop='espi=$1 list=$2 out=$3
shift 3
while IFS= read -r f; do
    n=${f##*/}
    "$espi" convert "$@" -o "$out/${n%.*}.xml" "$f" || exit 1
done <"$list"'

# timed OUT CMD...: runs CMD $runs times, OUT emptied before each; secs is the median
# wall time, cpu the user + system seconds of that run (its children's included), kib
# the highest peak. Stops the script when CMD fails.
timed() {
    local out=$1 t0
    shift
    : >"$work/runs"
    for _ in $(seq "$runs"); do
        rm -rf "$out"
        mkdir -p "$out"
        t0=$EPOCHREALTIME
        if ! /usr/bin/time -f "%M %U %S" -o "$work/rss" "$@" >"$work/stdout" 2>"$work/stderr"; then
            echo "error: failed: $*"
            tail -20 "$work/stdout" "$work/stderr" | sed 's/^/  | /'
            exit 1
        fi
        tail -1 "$work/rss" | awk -v a="$t0" -v b="$EPOCHREALTIME" \
            '{ printf "%.3f %.2f %d\n", b - a, $2 + $3, $1 }' >>"$work/runs"
    done
    read -r secs cpu _ < <(sort -n "$work/runs" | sed -n "$(((runs + 1) / 2))p")
    kib=$(awk '$3 > k { k = $3 } END { print k }' "$work/runs")
}

# same A B COUNT: the folders hold the same COUNT files, byte for byte.
same() {
    local files
    files=$(find "$2" -type f | wc -l)
    if [ "$files" -ne "$3" ] || ! diff -rq "$1" "$2" >"$work/diff" 2>&1; then
        echo "error: the outputs of $1 and $2 differ ($files files in $2, $3 expected):"
        head -5 "$work/diff"
        exit 1
    fi
}

# A duration as hours and minutes, or minutes and seconds.
dur() {
    awk -v s="$1" 'BEGIN { if (s >= 3600) printf "%d h %02d min", s / 3600, (s % 3600) / 60
                           else if (s >= 60) printf "%d min %02d s", s / 60, s % 60
                           else printf "%.1f s", s }'
}

rows=()
# figures SET RUN: prints the run's line from secs and kib (against a_secs, the loop's
# time) and adds its row to the table. The last column: the time $target accounts take
# at this rate, a year each for the year set (times 365 / DAYS when a set has fewer).
figures() {
    local rate ratio extra note=
    rate=$(awk -v n="$count" -v s="$secs" 'BEGIN { printf (n / s < 10 ? "%.2f" : "%.1f"), n / s }')
    ratio=$(awk -v a="$a_secs" -v s="$secs" 'BEGIN { printf "%.2f", a / s }')
    extra=$(awk -v n="$count" -v s="$secs" -v k="$scale" -v t="$target" 'BEGIN { print t * k * s / n }')
    case $2 in
    \(b\)*) note="; (b)/(a) $ratio" ;;
    \(c\)*) note="; (c)/(a) $ratio (target >= 3): $(verdict "$ratio >= 3")" ;;
    esac
    printf '  %-32s %s s (CPU %s s), %s accounts/s, peak %s%s\n' "$2:" "$secs" "$cpu" "$rate" \
        "$(mib "$kib")" "$note"
    rows+=("| $1 | $2 | $secs s | $cpu s | $rate | $(mib "$kib") | $ratio | $(dur "$extra") |")
}

# bench SET DIR COUNT DAYS YEAR: the three runs over the set in DIR (listed in DIR.list);
# YEAR 1 extrapolates to a year per account, 0 to the set's days.
bench() {
    local set=$1 dir=$2 days=$4 out=$work/out common=(-q --updated "$updated") readings
    count=$3
    scale=$(awk -v d="$days" -v y="$5" 'BEGIN { print (y ? 365 / d : 1) }')
    echo "$set: 15-minute data, 1 channel with cost, inputs $(mb "$(du -sb "$dir" | cut -f1)")"

    timed "$out/a" bash -c "$loop" loop "$espi" "$dir.list" "$out/a" "${common[@]}"
    a_secs=$secs
    readings=$(grep -c '<espi:IntervalReading>' "$(find "$out/a" -type f | head -1)")
    echo "  outputs $(mb "$(du -sb "$out/a" | cut -f1)"), $readings readings each"
    figures "$set" "(a) loop of \`espi convert -o\`"

    timed "$out/b" "$espi" convert "${common[@]}" --output-dir "$out/b" "${one_thread[@]}" \
        --files-from "$dir.list"
    same "$out/a" "$out/b" "$count"
    rm -rf "$out/b"
    figures "$set" "(b) \`--output-dir\`${one_thread[*]:+ \`${one_thread[*]}\`}"

    if [ "$has_j" = 1 ]; then
        timed "$out/c" "$espi" convert "${common[@]}" --output-dir "$out/c" -j "$jobs" \
            --files-from "$dir.list"
        same "$out/a" "$out/c" "$count"
        rm -rf "$out/c"
        figures "$set" "(c) \`--output-dir -j $jobs\`"
        echo "  outputs of (a), (b) and (c): identical ($count files)"
    else
        echo "  (c) \`--output-dir -j $jobs\`: not available (espi convert --help shows no -j)"
        rows+=("| $set | (c) \`--output-dir -j $jobs\` | not available | | | | | |")
        echo "  outputs of (a) and (b): identical ($count files)"
    fi
    rm -rf "$out"
}

echo "espi $("$espi" --version | head -1 | cut -d' ' -f2), $(nproc) cores," \
     "load $(cut -d' ' -f1-3 /proc/loadavg), median of $runs run(s), -j $([ "$has_j" = 1 ] &&
     echo "available: (c) with -j $jobs" || echo "not available")"

generate "$work/day" "$accounts_day" 1 2025-07-15 1
bench "$accounts_day x a day" "$work/day" "$accounts_day" 1 0
rm -rf "$work/day" "$work/day.list"

generate "$work/year" "$accounts_year" "$year_days" 2025-01-01 100001
year="a year"
[ "$year_days" = 365 ] || year="$year_days days"
bench "$accounts_year x $year" "$work/year" "$accounts_year" "$year_days" 1
rm -rf "$work/year" "$work/year.list"

echo
echo "The table of docs/performance.md (\"Batch at co-op scale\"):"
echo "| set | run | time | CPU | accounts/s | peak memory | vs (a) | $target accounts (linear) |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
