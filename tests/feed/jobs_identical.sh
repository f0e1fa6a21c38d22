#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# espi validate -j N and espi dump -j N: the FILEs read on N worker threads of one process
# give what one thread gives (docs/scale.md). Over the Green Button fixtures of testdata
# (valid ones, invalid ones, files that are not well-formed, a ZIP, a .gz, a damaged .gz,
# SmartHub data, a missing file, a directory; the largest first, so that later, smaller jobs
# finish before it and the order of the output is the pool's doing, not the jobs'), each
# format and option set run with -j 1, then -j 2, -j 4 and the default, compared byte for
# byte: stdout, stderr, the exit code, the file of -o, and the --status lines ("seconds"
# aside).
# Needs bash, cmp, diff, sed, and the espi binary.
#
# usage: ESPI=/path/to/espi ESPI_SOURCE=/path/to/source jobs_identical.sh [SHARED]
# Prints one line per check and 'N passed, N failed'; exits 1 on any failure.
set -u
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source root}"
src=$ESPI_SOURCE
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=../tools/testlib.sh
. "$src/tests/tools/testlib.sh"
need_tools cmp diff sed

# The inputs, largest first, then three that cannot be read as Green Button XML.
list=$tmp/list
(
    cd "$src" || exit 1
    ls -S testdata/espi/*.xml testdata/bad/*.xml testdata/attacks/*.xml testdata/validate/*.xml \
        testdata/rules/*.xml testdata/inputs/*.gz testdata/inputs/*.zip
    echo testdata/no-such-file.xml
    echo testdata/espi
    echo testdata/smarthub/valid_hourly_netmeter_5h.json
) >"$list"
count=$(wc -l <"$list")
[ "$count" -ge 100 ] && ok "$count inputs" || bad "only $count inputs found"
grep -q '\.zip$' "$list" && grep -q '\.gz$' "$list" || bad "no ZIP or no .gz among the inputs"

# run NAME COMMAND [OPTIONS]: every input; stdout, stderr (the scratch folder made TMP), the
# exit code, the -o file (when OPTIONS name $tmp/NAME.o) and the status lines without their
# seconds land in $tmp/NAME.*.
run() {
    local name=$1
    shift
    local -a args=()
    local a
    for a in "$@"; do args+=("${a//@O@/$tmp/$name.o}"); done
    rm -f "$tmp/$name.o"
    (cd "$src" && "$ESPI" "${args[@]}" --status "$tmp/$name.jsonl" --files-from "$list" \
        >"$tmp/$name.out" 2>"$tmp/$name.err.raw")
    echo $? >"$tmp/$name.rc"
    sed "s|$tmp/$name|TMP|g" "$tmp/$name.err.raw" >"$tmp/$name.err"
    sed -e 's/, "seconds": [0-9.]*}$/}/' "$tmp/$name.jsonl" >"$tmp/$name.status"
}

# same WHAT A B: the runs A and B gave the same bytes everywhere.
same() {
    local what=$1 a=$2 b=$3 k why=""
    for k in out err rc status; do
        cmp -s "$tmp/$a.$k" "$tmp/$b.$k" || why="$why $k"
    done
    if [ -e "$tmp/$a.o" ] || [ -e "$tmp/$b.o" ]; then
        cmp -s "$tmp/$a.o" "$tmp/$b.o" || why="$why -o"
    fi
    if [ -z "$why" ]; then
        ok "$what"
    else
        bad "$what: differs in$why"
        for k in out err status; do
            diff "$tmp/$a.$k" "$tmp/$b.$k" | head -5
        done
    fi
}

# check LABEL COMMAND [OPTIONS]: -j 1 against -j 2, -j 4 and the default.
check() {
    local label=$1
    shift
    run one "$@" -j 1
    [ "$(wc -l <"$tmp/one.status")" -eq "$count" ] ||
        bad "$label: $(wc -l <"$tmp/one.status") status lines for $count inputs"
    local j
    for j in 2 4 default; do
        if [ "$j" = default ]; then run many "$@"; else run many "$@" -j "$j"; fi
        same "$label -j $j" one many
    done
}

for format in text json jsonl; do
    check "validate --format $format" validate --format "$format"
    check "validate --format $format --summary" validate --format "$format" --summary
done
check "validate --quiet --summary" validate --quiet --summary
check "validate --strict --max-per-rule 1 --format jsonl --summary" \
    validate --strict --max-per-rule 1 --format jsonl --summary
check "validate --espi 3.3 --ignore time-range" validate --espi 3.3 --ignore time-range

for format in csv jsonl json; do
    for what in readings summaries usage-points reading-types; do
        check "dump --format $format --what $what" dump --format "$format" --what "$what"
    done
    check "dump --format $format -o" dump --format "$format" -o @O@
    check "dump --format $format -o --keep-going" dump --format "$format" -o @O@ --keep-going
done
check "dump -q --unit kWh --tz America/Chicago" dump -q --unit kWh --tz America/Chicago

# has NAME LINE: the status lines of run NAME (seconds aside) hold LINE.
has() {
    if grep -qxF -- "$2" "$tmp/$1.status"; then ok "status line: ${2:0:90}"; else
        bad "no status line: $2"
        head -3 "$tmp/$1.status"
    fi
}

# What the status lines say, per FILE and in order (their order is checked above).
run vstat validate -j 2
q='"'
has vstat "{${q}input$q: ${q}testdata/rules/atom-time.pass.xml$q, ${q}status$q: ${q}ok$q, ${q}readings$q: 2, ${q}warnings$q: 0, ${q}errors$q: 0, ${q}message$q: null}"
has vstat "{${q}input$q: ${q}testdata/no-such-file.xml$q, ${q}status$q: ${q}error$q, ${q}readings$q: null, ${q}warnings$q: 0, ${q}errors$q: 1, ${q}message$q: ${q}testdata/no-such-file.xml: error: io: no such file$q}"
has vstat "{${q}input$q: ${q}testdata/bad/empty.xml$q, ${q}status$q: ${q}invalid$q, ${q}readings$q: 0, ${q}warnings$q: 0, ${q}errors$q: 1, ${q}message$q: ${q}testdata/bad/empty.xml:1:1: error: xml-syntax: not well-formed XML: Document is empty$q}"
run dstat dump -j 2
has dstat "{${q}input$q: ${q}testdata/inputs/valid_three_feeds.zip$q, ${q}status$q: ${q}ok$q, ${q}readings$q: 12, ${q}warnings$q: 0, ${q}errors$q: 0, ${q}message$q: null}"
has dstat "{${q}input$q: ${q}testdata/espi$q, ${q}status$q: ${q}error$q, ${q}readings$q: 0, ${q}warnings$q: 0, ${q}errors$q: 1, ${q}message$q: ${q}testdata/espi: error: io: is a directory; give the files in it, e.g. testdata/espi/*.xml$q}"
rows=$(($(grep -c . "$tmp/dstat.out") - 1))
sum=$(sed -n 's/.*"readings": \([0-9]*\),.*/\1/p' "$tmp/dstat.status" | awk '{ s += $1 } END { print s + 0 }')
[ "$rows" = "$sum" ] && ok "the status lines count the $rows rows written" ||
    bad "the status lines count $sum rows; $rows written"

finish_checks
