#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/bench/bench_batch.sh (the batch benchmark of docs/performance.md) run at a tiny
# size with this build's espi and gen_poll, so that the script does not rot: 6 accounts
# with a day each and 2 with a week. Checks it exits 0, that it converted every set with
# (a) a shell loop and (b) one --output-dir run (and (c) -j, or says it is not available),
# that the outputs agree (the script compares them byte for byte and stops when they do
# not), and that it prints the table of docs/performance.md. The figures are not judged.
# Needs /usr/bin/time (skips, exit 77, without it). Does not need ../shared.
# usage: ESPI=/path/to/espi ESPI_BUILD=/path/to/build bench_batch_smoke.sh [SHARED]
set -u
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_BUILD:?set ESPI_BUILD to the build folder (for tests/gen_poll)}"
cd "$(dirname "$0")/../.." || exit 1
if [ ! -x /usr/bin/time ]; then
    echo "SKIP: no /usr/bin/time (Debian: time)"
    exit 77
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
fail=0
bad() { echo "FAIL $1"; fail=1; }

ACCOUNTS_DAY=6 ACCOUNTS_YEAR=2 YEAR_DAYS=7 GEN_POLL=$ESPI_BUILD/tests/gen_poll \
    bash tests/bench/bench_batch.sh >"$log" 2>&1
rc=$?
sed 's/^/  | /' "$log"
[ "$rc" = 0 ] || bad "bench_batch.sh exited $rc"
for set in "6 x a day" "2 x 7 days"; do
    grep -q "^$set: " "$log" || bad "no figures for the set '$set'"
    # shellcheck disable=SC2016 # backquotes of the table, not commands
    for run in '(a) loop of `espi convert -o`' '(b) `--output-dir`'; do
        grep -qF "| $set | $run" "$log" || bad "no row '$run' for '$set'"
    done
    grep -qE "^\| $set \| \(c\) \`--output-dir -j 2\` \| ([0-9.]+ s|not available) \|" "$log" ||
        bad "no row (c) for '$set'"
done
n=$(grep -cE '^  outputs of \(a\)(, \(b\) and \(c\)| and \(b\)): identical \((6|2) files\)$' "$log")
[ "$n" = 2 ] || bad "the outputs were not found identical for both sets ($n of 2)"
if [ "$fail" = 0 ]; then echo "ok   bench_batch.sh at a tiny size"; fi
exit "$fail"
