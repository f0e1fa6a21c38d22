#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The progress line of espi convert --output-dir (docs/scale.md): run on a pseudo-terminal
# (script(1)), stderr shows "espi: N/TOTAL outputs, RATE/s, TIME left", rewritten in place
# (carriage return, erase line) and cleared before the closing line; with -q, with TERM=dumb
# and with stderr not a terminal it is not written at all.
# Needs bash, script (util-linux), grep, and the espi binary.
#
# usage: ESPI=/path/to/espi ESPI_SOURCE=/path/to/source progress.sh [SHARED]
set -u
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source root}"
src=$ESPI_SOURCE
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=../tools/testlib.sh
. "$src/tests/tools/testlib.sh"
need_tools script grep

inputs=()
for i in 1 2 3 4; do
    cp "$src/testdata/smarthub/valid_15min_netmeter_cost_week.json" "$tmp/week$i.json"
    inputs+=("$tmp/week$i.json")
done

# on_tty NAME [ENV...] -- ARGS...: espi convert on a pseudo-terminal; what it showed in
# $tmp/NAME.tty
on_tty() {
    local name=$1
    shift
    local envs=()
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    local cmd
    printf -v cmd '%q ' env "${envs[@]}" "$ESPI" convert --updated 2026-11-28T00:00:00Z \
        --output-dir "$tmp/$name" "$@"
    script -qec "$cmd" /dev/null >"$tmp/$name.tty" 2>&1 </dev/null
}

esc=$'\033'
on_tty shown TERM=xterm -- -j 2 "${inputs[@]}"
grep -aq "espi: 1/4 outputs, [0-9.]*/s, [0-9]*m [0-9][0-9]s left" "$tmp/shown.tty" &&
    ok "the progress line on a terminal" || bad "no progress line: $(tr '\r\033' '^~' <"$tmp/shown.tty" | head -c 600)"
grep -aq $'\r'"$esc\\[K" "$tmp/shown.tty" && ok "rewritten in place (CR, erase line)" ||
    bad "no CR + erase line"
# the closing line starts a line of its own: the progress line was cleared before it
grep -aq $'\r'"$esc\\[Kespi: 4 outputs: 4 ok" "$tmp/shown.tty" ||
    grep -aq "^espi: 4 outputs: 4 ok" "$tmp/shown.tty" && ok "cleared before the closing line" ||
    bad "the closing line shares a line with the progress"
grep -a "outputs: 4 ok" "$tmp/shown.tty" | grep -aq "/4 outputs" &&
    bad "progress left on the closing line" || ok "no progress text on the closing line"

on_tty quiet TERM=xterm -- -q -j 2 "${inputs[@]}"
grep -aq "/4 outputs" "$tmp/quiet.tty" && bad "-q: a progress line" || ok "-q: no progress line"

on_tty dumb TERM=dumb -- -j 2 "${inputs[@]}"
grep -aq "/4 outputs" "$tmp/dumb.tty" && bad "TERM=dumb: a progress line" || ok "TERM=dumb: none"

"$ESPI" convert --updated 2026-11-28T00:00:00Z --output-dir "$tmp/pipe" -j 2 "${inputs[@]}" \
    2>"$tmp/pipe.err" | cat
grep -aq "/4 outputs" "$tmp/pipe.err" && bad "stderr a file: a progress line" ||
    ok "stderr a file: no progress line"

finish_checks
