#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# espi convert --output-dir -j N: the outputs converted on N worker threads of one process
# give what one thread gives (docs/scale.md). Over every SmartHub poll, CSV export and
# Green Button file to repair in testdata (valid ones, broken ones, a ZIP, a .gz; the
# largest first, so that later, smaller jobs finish before it and the order of the output
# is the pool's doing, not the jobs'), checked for -j 2, -j 3 and the default against -j 1:
#   * the same exit code;
#   * byte-identical output folders;
#   * the same stderr (every message and summary line, in the same order), the output folder's
#     name aside;
#   * the same --status lines, in the same order, "seconds" aside;
# and that -j 64 (capped at 16 threads) gives the same too.
# Needs bash, diff, sed, and the espi binary.
#
# usage: ESPI=/path/to/espi ESPI_SOURCE=/path/to/source convert_jobs.sh [SHARED]
# Prints one line per check and 'N passed, N failed'; exits 1 on any failure.
set -u
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source root}"
src=$ESPI_SOURCE
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=../tools/testlib.sh
. "$src/tests/tools/testlib.sh"
need_tools diff sed

# The inputs, largest first; names that would collide (one stem) keep the first.
list=$tmp/list
(
    cd "$src" || exit 1
    ls -S testdata/smarthub/*.json testdata/smarthub/csv/*.csv testdata/espi/repair/*.xml \
        testdata/espi/repair/*.zip testdata/inputs/*.gz testdata/inputs/*.zip 2>/dev/null |
        awk '{ n = $0; sub(/.*\//, "", n); sub(/\.gz$/, "", n); sub(/\.[^.]*$/, "", n);
               if (!(tolower(n) in seen)) { seen[tolower(n)] = 1; print } }'
) >"$list"
count=$(wc -l <"$list")
[ "$count" -ge 40 ] && ok "$count inputs" || bad "only $count inputs found"

# run NAME [OPTIONS]: converts every input into $tmp/NAME; exit code in $tmp/NAME.rc,
# stderr (the folder's name made OUT) in $tmp/NAME.err, status lines without seconds in
# $tmp/NAME.status.
run() {
    local name=$1
    shift
    (cd "$src" && "$ESPI" convert --updated 2026-11-28T00:00:00Z --tz America/Los_Angeles \
        --output-dir "$tmp/$name" --status "$tmp/$name.jsonl" --files-from "$list" "$@" \
        >"$tmp/$name.out" 2>"$tmp/$name.err.raw")
    echo $? >"$tmp/$name.rc"
    sed "s|$tmp/$name|OUT|g" "$tmp/$name.err.raw" >"$tmp/$name.err"
    sed -e "s|$tmp/$name|OUT|g" -e 's/, "seconds": [0-9.]*}$/}/' "$tmp/$name.jsonl" \
        >"$tmp/$name.status"
}

run j1 -j 1
[ "$(cat "$tmp/j1.rc")" = 1 ] && ok "-j 1 exits 1 (broken inputs among them)" ||
    bad "-j 1 exit $(cat "$tmp/j1.rc"), expected 1"
[ "$(wc -l <"$tmp/j1.status")" -eq "$count" ] && ok "-j 1: a status line per input" ||
    bad "-j 1: $(wc -l <"$tmp/j1.status") status lines for $count inputs"
grep -q '"status": "error"' "$tmp/j1.status" && grep -q '"status": "ok"' "$tmp/j1.status" &&
    ok "-j 1: ok and error outputs both" || bad "-j 1: expected ok and error outputs"

for jobs in 2 3 default 64; do
    if [ "$jobs" = default ]; then run "j$jobs"; else run "j$jobs" -j "$jobs"; fi
    name=j$jobs
    cmp -s "$tmp/j1.rc" "$tmp/$name.rc" && ok "-j $jobs: exit code" ||
        bad "-j $jobs: exit $(cat "$tmp/$name.rc"), -j 1 gave $(cat "$tmp/j1.rc")"
    diff -r "$tmp/j1" "$tmp/$name" >/dev/null && ok "-j $jobs: identical outputs" ||
        bad "-j $jobs: outputs differ from -j 1"
    diff "$tmp/j1.err" "$tmp/$name.err" >/dev/null && ok "-j $jobs: identical stderr" ||
        bad "-j $jobs: stderr differs: $(diff "$tmp/j1.err" "$tmp/$name.err" | head -3)"
    diff "$tmp/j1.status" "$tmp/$name.status" >/dev/null && ok "-j $jobs: identical status lines" ||
        bad "-j $jobs: status lines differ: $(diff "$tmp/j1.status" "$tmp/$name.status" | head -3)"
    [ ! -s "$tmp/$name.out" ] && ok "-j $jobs: nothing on stdout" || bad "-j $jobs: stdout not empty"
done

finish_checks
