#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# espi convert checks its output while it is written: two threads (the
# schema, the rules) read a bounded ring the writer fills (src/cli/self_check.c).
# With a feed several times the ring's size: the bytes are those of
# --no-validate; a write that fails half-way (ulimit -f: EFBIG) is the
# writer's error, said as without the check, with no self-check message, no
# temporary file and no hang; several conversions at once (--output-dir -j 2)
# give the bytes of separate runs. When no thread can be started
# (pthread_create fails, by an LD_PRELOAD shim when a C compiler is at
# hand), the check runs after the write: the same bytes, and the same
# findings, messages and exit codes as with the threads.
. "$(dirname "$0")/common.bash"

gen="$BUILD/tests/gen_poll"
if [ ! -x "$gen" ]; then
    echo "skip: $gen is not built"
    exit 77
fi
T=(timeout 120) # a hang fails the test (exit 124) instead of blocking ctest

# About 5.5 MB of XML: larger than the 1 MiB ring, so the writer waits on it.
"$gen" --days 60 --minutes 15 >"$work/big.json" || { bad "gen_poll failed"; finish; }
"$gen" --days 20 --minutes 15 --no-duplicates >"$work/mid.json" || { bad "gen_poll failed"; finish; }

# --- the bytes ------------------------------------------------------------
"${T[@]}" "$ESPI" convert -q $UPDATED --no-validate -o "$work/plain.xml" "$work/big.json" 2>"$work/stderr"
rc=$?
check "convert --no-validate (reference)" 0 ''
run convert -q $UPDATED -o "$work/checked.xml" "$work/big.json"
check "convert, checked while written" 0 ''
if cmp -s "$work/plain.xml" "$work/checked.xml"; then ok "checked output: same bytes as --no-validate"
else bad "checked output differs from --no-validate"; fi
if [ "$(stat -c %s "$work/plain.xml")" -gt 4000000 ]; then ok "the feed is larger than the ring"
else bad "the feed is only $(stat -c %s "$work/plain.xml") bytes: the ring is never full"; fi
"${T[@]}" "$ESPI" convert -q $UPDATED "$work/big.json" >"$work/stdout.xml" 2>"$work/stderr"
rc=$?
check "convert to stdout, checked while written" 0 ''
if cmp -s "$work/plain.xml" "$work/stdout.xml"; then ok "stdout: same bytes"; else bad "stdout: bytes differ"; fi

# --- a write that fails half-way --------------------------------------------
mkdir "$work/lim"
echo "the previous feed" >"$work/lim/old.xml"
old=$(sum "$work/lim/old.xml")
for blocks in 2048 3072; do # KiB: the check has read part of the feed
    (ulimit -f $blocks && "${T[@]}" "$ESPI" convert -q $UPDATED -o "$work/lim/old.xml" "$work/big.json" \
        >"$work/stdout" 2>"$work/stderr")
    rc=$?
    check "ulimit -f $blocks, the write fails while checked" 3 \
        "^$work/lim/old.xml: error: write: cannot write the feed: File too large"
    if grep -q 'self-check\|findings\? remain' "$work/stderr"; then
        bad "ulimit -f $blocks: the check of a feed cut short is reported"
        sed 's/^/    stderr: /' "$work/stderr" | head -5
    else
        ok "ulimit -f $blocks: nothing of the check is reported"
    fi
    if [ "$(wc -l <"$work/stderr")" = 1 ]; then ok "ulimit -f $blocks: one message"
    else bad "ulimit -f $blocks: $(wc -l <"$work/stderr") lines on stderr"; fi
    same "ulimit -f $blocks" "$work/lim/old.xml" "$old"
    no_temp "ulimit -f $blocks" "$work/lim"
done
# stdout too: the temporary file is in TMPDIR, limited the same way
(ulimit -f 2048 && "${T[@]}" "$ESPI" convert -q $UPDATED "$work/big.json" >/dev/null 2>"$work/stderr")
rc=$?
check "ulimit -f 2048, to stdout" 3 '^<stdout>: error: write: cannot write the feed: File too large'

# --- several conversions at once, each with its check ---------------------------
mkdir "$work/in" "$work/j1" "$work/j2"
for i in 1 2 3 4; do cp "$work/mid.json" "$work/in/m$i.json"; done
cp "$work/big.json" "$work/in/big.json"
"${T[@]}" "$ESPI" convert -q $UPDATED --output-dir "$work/j1" -j 1 "$work"/in/*.json 2>"$work/stderr"
rc=$?
check "--output-dir -j 1" 0 ''
"${T[@]}" "$ESPI" convert -q $UPDATED --output-dir "$work/j2" -j 2 "$work"/in/*.json 2>"$work/stderr"
rc=$?
check "--output-dir -j 2" 0 ''
if diff -r "$work/j1" "$work/j2" >/dev/null && cmp -s "$work/j1/big.xml" "$work/plain.xml"; then
    ok "-j 2: the bytes of -j 1 and of a single run"
else
    bad "-j 2: outputs differ"
fi

# --- no thread: the check after the write ------------------------------------
if ! nothread_shim; then
    skip "$shim_why: the fallback without a thread is not exercised"
else
    LD_PRELOAD="$work/nothread.so" "${T[@]}" "$ESPI" convert -q $UPDATED -o "$work/serial.xml" \
        "$work/big.json" 2>"$work/stderr"
    rc=$?
    check "no thread: convert" 0 ''
    if cmp -s "$work/plain.xml" "$work/serial.xml"; then ok "no thread: same bytes"
    else bad "no thread: bytes differ"; fi
    # findings that remain: the same lines, the same exit code, either way
    bad_in=$SRC/testdata/bad/year_9999.xml
    (cd "$work" && "${T[@]}" "$ESPI" convert --from espi $UPDATED -o y.xml "$bad_in" 2>y.threaded)
    rc_threaded=$?
    (cd "$work" && LD_PRELOAD="$work/nothread.so" "${T[@]}" "$ESPI" convert --from espi $UPDATED \
        -o y.xml "$bad_in" 2>y.serial)
    rc=$?
    cp "$work/y.serial" "$work/stderr"
    check "no thread: findings that remain" "$rc_threaded" 'findings remain after conversion'
    if cmp -s "$work/y.threaded" "$work/y.serial"; then ok "no thread: the same messages"
    else
        bad "no thread: the messages differ"
        diff "$work/y.threaded" "$work/y.serial" | head -6 | sed 's/^/    /'
    fi
    (ulimit -f 2048 && LD_PRELOAD="$work/nothread.so" "${T[@]}" "$ESPI" convert -q $UPDATED \
        -o "$work/lim/old.xml" "$work/big.json" >/dev/null 2>"$work/stderr")
    rc=$?
    check "no thread: ulimit -f 2048" 3 \
        "^$work/lim/old.xml: error: write: cannot write the feed: File too large"
    no_temp "no thread: ulimit -f" "$work/lim"
fi
finish
