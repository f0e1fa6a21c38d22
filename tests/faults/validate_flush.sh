#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# espi validate writes each file's report as soon as the file is done, even
# when stdout is a file or a pipe (block-buffered): the verdict of the first
# input must be there while the second is still being waited for. The second
# input is a FIFO that stays unopened until the first verdict shows (or 10 s
# pass); then it gets a feed, and both verdicts must be in the output. Text,
# --format jsonl and --format json. Then, on a terminal (script(1), when
# there is one), the totals line comes by default, and not with --no-summary.
. "$(dirname "$0")/common.bash"

good=$SRC/testdata/rules/reading-duplicate.pass.xml

# first_then_second WHAT REGEX ARGS...: REGEX (the first file's part) shows
# in the output before the FIFO is written; the run then ends with exit 0.
first_then_second() {
    local what=$1 re=$2 fifo=$work/second.xml seen=0
    shift 2
    rm -f "$fifo" "$work/stdout"
    mkfifo "$fifo" || { bad "$what: mkfifo failed"; return; }
    "$ESPI" validate "$@" "$good" "$fifo" >"$work/stdout" 2>"$work/stderr" &
    local pid=$!
    for _ in $(seq 100); do
        if grep -Eq -- "$re" "$work/stdout" 2>/dev/null; then
            seen=1
            break
        fi
        sleep 0.1
    done
    # lets espi go on either way; bounded, should espi never open the FIFO
    timeout 10 sh -c 'cat "$1" >"$2"' sh "$good" "$fifo" || bad "$what: espi never read the FIFO"
    wait $pid
    rc=$?
    if [ $seen = 1 ]; then ok "$what: the first file's report came before the second input"
    else bad "$what: nothing of the first file after 10 s (stdout: $(head -c 200 "$work/stdout"))"; fi
    check "$what: the run" 0 ""
    local n
    n=$(grep -Ec -- "$re" "$work/stdout")
    if [ "$n" = 1 ]; then ok "$what: the first file reported once"; else bad "$what: $n reports of the first file"; fi
    if grep -Fq -- "$fifo" "$work/stdout"; then ok "$what: the second file reported"; else bad "$what: no report of the second file"; fi
}

first_then_second "text" "^$good: valid " --no-summary
first_then_second "jsonl" "^\\{\"file\":\"$good\",.*\\}\$" --format jsonl
first_then_second "json" "^        \"file\": \"$good\",\$" --format json

if command -v script >/dev/null 2>&1; then
    script -qc "'$ESPI' validate '$good'" /dev/null >"$work/tty" 2>&1 </dev/null
    if tr -d '\r' <"$work/tty" | grep -Eq '^1 file: 1 valid, 0 invalid, 0 unreadable$'; then
        ok "on a terminal: the totals line by default"
    else bad "on a terminal: no totals line: $(tr -d '\r' <"$work/tty" | tail -2)"; fi
    script -qc "'$ESPI' validate --no-summary '$good'" /dev/null >"$work/tty" 2>&1 </dev/null
    if tr -d '\r' <"$work/tty" | grep -q 'unreadable'; then bad "on a terminal: a totals line despite --no-summary"
    else ok "on a terminal: --no-summary leaves the totals out"; fi
else
    skip "no script(1): the terminal default is not checked"
fi
"$ESPI" validate "$good" >"$work/stdout" 2>&1
if grep -q 'unreadable' "$work/stdout"; then bad "into a file: a totals line nobody asked for"
else ok "into a file: no totals line by default"; fi
finish
