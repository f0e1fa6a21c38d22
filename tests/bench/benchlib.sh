# SPDX-License-Identifier: Apache-2.0
# benchlib.sh - sourced by bench_dump.sh and bench_validate.sh: the Release
# build, and timing with peak memory. Needs $work (a scratch folder) and $runs.

# bench_build BUILD_DIR: builds espi and gen_feed in Release mode there; sets
# espi and gen to their paths, or stops the script with the build's log.
bench_build() {
    command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)"; exit 2; }
    command -v xmllint >/dev/null || { echo "needs xmllint (apt-get install libxml2-utils)"; exit 2; }
    if ! { cmake -S . -B "$1" -DCMAKE_BUILD_TYPE=Release &&
           cmake --build "$1" -j "$(nproc)" --target espi gen_feed; } >"$work/build.log" 2>&1; then
        tail -30 "$work/build.log"
        echo "error: the Release build in $1/ failed (log above)"
        exit 1
    fi
    espi=$1/src/cli/espi
    gen=$1/tests/gen_feed
}

# run_once OUT CMD...: runs CMD once with stdout to OUT; sets secs (wall, from bash's
# clock, to the millisecond) and kib (peak RSS); stops the script if CMD fails.
run_once() {
    local out=$1
    shift
    local t0=$EPOCHREALTIME
    if ! /usr/bin/time -f "%M" -o "$work/rss" "$@" >"$out" 2>"$work/stderr"; then
        echo "error: failed: $*"
        sed 's/^/  | /' "$out" "$work/stderr" | tail -20
        exit 1
    fi
    secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
    kib=$(tail -1 "$work/rss")
}

# measure OUT CMD...: the median of $runs runs in secs, the highest peak in kib.
measure() {
    local times=() peak=0
    for _ in $(seq "$runs"); do
        run_once "$@"
        times+=("$secs")
        [ "$kib" -gt "$peak" ] && peak=$kib
    done
    secs=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")
    kib=$peak
}

mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
per_s() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }
verdict() { awk "BEGIN { print (($1) ? \"ok\" : \"MISSED\") }"; }
