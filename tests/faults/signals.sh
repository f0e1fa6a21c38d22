#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# SIGINT and SIGTERM in the middle of writing: espi removes its temporary
# file, says which output was not written, and dies of the signal (exit
# status 128+n: 130, 143); an existing output stays byte for byte.
#   dump -o: the input comes through a FIFO this script holds open, so espi
#     is caught with rows already in its temporary file, waiting for more.
#   convert -o: the input is two years of 15-minute data, so writing and
#     checking the feed takes a while; the signal comes once the temporary
#     file exists.
#   convert --output-dir -j 2: two such inputs on two worker threads; the
#     signal comes once both temporary files exist, and both are removed.
. "$(dirname "$0")/common.bash"
set -m # background jobs must not start with SIGINT ignored

# wait_for GLOB SECONDS: until a file matching GLOB exists (non-empty)
wait_for() {
    local i f
    for ((i = 0; i < $2 * 100; i++)); do
        for f in $1; do [ -s "$f" ] && return 0; done
        sleep 0.01
    done
    return 1
}

# after_signal WHAT SIG PID DIR OUTPUT OLDSUM
after_signal() {
    local what=$1 sig=$2 pid=$3 dir=$4 out=$5 old=$6 want
    kill -"$sig" "$pid"
    wait "$pid"
    rc=$?
    want=$((128 + $(kill -l "$sig")))
    check "$what" "$want" "^$out: error: interrupted: nothing was written"
    same "$what" "$out" "$old"
    no_temp "$what" "$dir"
}

gen_feed 40000 "$work/feed.xml"
"$BUILD/tests/gen_poll" --days 730 --minutes 15 >"$work/poll.json" || bad "gen_poll failed"

for sig in INT TERM; do
    d=$work/dump_$sig
    mkdir "$d"
    echo "the previous rows" >"$d/out.csv"
    old=$(sum "$d/out.csv")
    mkfifo "$d/in.fifo"
    "$ESPI" dump -o "$d/out.csv" - <"$d/in.fifo" >"$work/stdout" 2>"$work/stderr" &
    pid=$!
    exec 3>"$d/in.fifo"
    head -c 6000000 "$work/feed.xml" >&3 # most of the feed, not its end
    if wait_for "$d/.out.csv.??????" 30; then
        after_signal "dump -o, SIG$sig mid-write" "$sig" "$pid" "$d" "$d/out.csv" "$old"
    else
        bad "dump -o, SIG$sig: no temporary file with rows appeared"
        kill -KILL "$pid"
        wait "$pid"
    fi
    exec 3>&-

    d=$work/convert_$sig
    mkdir "$d"
    echo "the previous feed" >"$d/feed.xml"
    old=$(sum "$d/feed.xml")
    "$ESPI" convert -q $UPDATED -o "$d/feed.xml" "$work/poll.json" >"$work/stdout" 2>"$work/stderr" &
    pid=$!
    if wait_for "$d/.feed.xml.??????" 120; then
        after_signal "convert -o, SIG$sig mid-write" "$sig" "$pid" "$d" "$d/feed.xml" "$old"
    else
        wait "$pid"
        bad "convert -o, SIG$sig: no temporary file appeared (exit code $?)"
    fi
done

# --output-dir -j 2: the main thread takes the signal and removes the temporary
# files the two workers are writing
d=$work/jobs
mkdir "$d"
cp "$work/poll.json" "$work/a.json"
cp "$work/poll.json" "$work/b.json"
"$ESPI" convert -q $UPDATED --output-dir "$d" -j 2 "$work/a.json" "$work/b.json" \
    >"$work/stdout" 2>"$work/stderr" &
pid=$!
if wait_for "$d/.a.xml.??????" 120 && wait_for "$d/.b.xml.??????" 120; then
    kill -TERM "$pid"
    wait "$pid"
    rc=$?
    check "convert --output-dir -j 2, SIGTERM mid-write" 143 \
        "^$d/a.xml: error: interrupted: nothing was written"
    grep -q "^$d/b.xml: error: interrupted: nothing was written" "$work/stderr" &&
        ok "convert -j 2: both outputs named" || bad "convert -j 2: b.xml not named on stderr"
    no_temp "convert --output-dir -j 2" "$d"
    [ -z "$(ls "$d")" ] && ok "convert -j 2: no output left" || bad "convert -j 2: left $(ls "$d")"
else
    kill -KILL "$pid"
    wait "$pid"
    bad "convert --output-dir -j 2: the two temporary files did not appear together"
fi

# convert to stdout writes a temporary file in $TMPDIR first: removed too
t=$work/tmpdir
mkdir "$t"
TMPDIR=$t "$ESPI" convert -q $UPDATED "$work/poll.json" >"$work/feed_stdout.xml" 2>"$work/stderr" &
pid=$!
if wait_for "$t/espi.??????" 120; then
    kill -TERM "$pid"
    wait "$pid"
    rc=$?
    check "convert > stdout, SIGTERM mid-write" 143 '^<stdout>: error: interrupted: nothing was written'
    left=$(find "$t" -type f | head -1)
    [ -z "$left" ] && ok "convert > stdout: temporary file removed" || bad "convert > stdout: $left left"
    [ ! -s "$work/feed_stdout.xml" ] && ok "convert > stdout: nothing written to stdout" ||
        bad "convert > stdout: a partial feed reached stdout"
else
    wait "$pid"
    bad "convert > stdout, SIGTERM: no temporary file appeared (exit code $?)"
fi
finish
