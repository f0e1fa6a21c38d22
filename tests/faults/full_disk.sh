#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A full disk: /dev/full as the -o target and as stdout (ENOSPC), a 256 KiB
# tmpfs (when mount is allowed), and a file size limit (ulimit -f: EFBIG),
# which needs no privilege. Each: exit code 3, the message names the path,
# no output or temporary file left, an existing output untouched.
. "$(dirname "$0")/common.bash"

# --- /dev/full -----------------------------------------------------------
run convert $UPDATED -o /dev/full "$small_json"
check "convert -o /dev/full" 3 '^/dev/full: error: io: cannot write the output: No space left on device'
run dump -o /dev/full "$small_xml"
check "dump -o /dev/full" 3 '^/dev/full: error: (io|write): cannot write the output: No space left on device'
"$ESPI" convert $UPDATED "$small_json" >/dev/full 2>"$work/stderr"; rc=$?
check "convert >/dev/full" 3 '^<stdout>: error: io: cannot write the output: No space left on device'
"$ESPI" dump "$small_xml" >/dev/full 2>"$work/stderr"; rc=$?
check "dump >/dev/full" 3 '^<stdout>: error: write: cannot write the output: No space left on device'
"$ESPI" validate "$small_xml" >/dev/full 2>"$work/stderr"; rc=$?
check "validate >/dev/full" 3 '^<stdout>: error: write: cannot write the report: No space left on device'

gen_feed 5000 "$work/feed.xml" # about 1 MB of CSV

# --- a file size limit: writes past it fail with EFBIG ---------------------
mkdir "$work/lim"
echo "the previous feed" >"$work/lim/old.xml"
old=$(sum "$work/lim/old.xml")
(ulimit -f 64 && "$ESPI" convert $UPDATED -o "$work/lim/old.xml" "$small_json" >"$work/stdout" 2>"$work/stderr")
rc=$?
check "convert -o, ulimit -f 64 (EFBIG)" 3 "^$work/lim/old.xml: error: (io|write): cannot write the (feed|output): File too large"
same "convert -o, ulimit -f" "$work/lim/old.xml" "$old"
no_temp "convert -o, ulimit -f" "$work/lim"
(ulimit -f 16 && "$ESPI" dump -o "$work/lim/new.csv" "$work/feed.xml" >"$work/stdout" 2>"$work/stderr")
rc=$?
check "dump -o, ulimit -f 16 (EFBIG)" 3 "^$work/lim/new.csv: error: (io|write): cannot write the output: File too large"
absent "dump -o, ulimit -f" "$work/lim/new.csv"
no_temp "dump -o, ulimit -f" "$work/lim"

# --- a small tmpfs, when this process may mount one -----------------------
mkdir "$work/small"
if mount -t tmpfs -o size=256k espi-test "$work/small" 2>/dev/null; then
    cleanups+=("umount '$work/small'")
    echo "the previous feed" >"$work/small/feed.xml"
    old=$(sum "$work/small/feed.xml")
    run convert $UPDATED -o "$work/small/feed.xml" "$small_json"
    check "convert -o on a full 256k tmpfs" 3 "^$work/small/feed.xml: error: (io|write): cannot write the (feed|output): No space left on device"
    same "convert -o on a full tmpfs" "$work/small/feed.xml" "$old"
    no_temp "convert -o on a full tmpfs" "$work/small"
    cp "$work/small/feed.xml" "$work/small/out.csv"
    run dump -o "$work/small/out.csv" "$work/feed.xml"
    check "dump -o on a full tmpfs" 3 "^$work/small/out.csv: error: (io|write): cannot write the output: No space left on device"
    same "dump -o on a full tmpfs" "$work/small/out.csv" "$old"
    no_temp "dump -o on a full tmpfs" "$work/small"
else
    skip "tmpfs: mount is not allowed here (ulimit -f above covers the same path)"
fi
finish
